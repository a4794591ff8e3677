package evaluation_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

var (
	hr  = domain.NIP("198505052010011001")
	ref = replay.Ref{ID: uuid.MustParse("00000000-0000-0000-0000-0000000007a1"), Digest: strings.Repeat("0123456789abcdef", 4)}
)

// revisedPolicy is the default policy published again under a new ID, as
// policies are revised: its matrix rates two SESUAI_EKSPEKTASI ratings
// BUTUH_PERBAIKAN instead of BAIK, and a BAIK unit may rate at most 50% of
// its employees BAIK instead of 70%.
func revisedPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p := defaultPolicy(t)
	p.ID = "permenpanrb-6-2022/se-3-2023/revisi-uji"
	p.Matrix[policy.Cell{Work: policy.AsExpected, Behaviour: policy.AsExpected}] = policy.ButuhPerbaikan
	p.Quotas[policy.OrgBaik][0] = policy.Quota{Rule: "quota-baik-max-50", Predicates: []policy.Predicate{policy.Baik}, Kind: policy.Maximum, Percent: 50}
	return p
}

// renamedPolicy is the default policy under a new ID, rules unchanged.
func renamedPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p := defaultPolicy(t)
	p.ID = "permenpanrb-6-2022/se-3-2023/salinan"
	return p
}

// decidedChanged is an objected evaluation whose objection decision
// changed both ratings to DI_ATAS_EKSPEKTASI.
func decidedChanged() []evaluation.Event {
	return append(objected(),
		evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Changed, WorkResult: policy.AboveExpectation, Behaviour: policy.AboveExpectation,
			Predicate: policy.SangatBaik, Reason: "bukti lengkap", By: evalSup, At: deliveryAt},
		evaluation.Locked{Predicate: policy.SangatBaik, At: deliveryAt})
}

// decidedUpheld is an objected evaluation whose objection was rejected.
func decidedUpheld() []evaluation.Event {
	return append(objected(),
		evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Upheld, Reason: "sesuai bukti", By: evalSup, At: deliveryAt},
		evaluation.Locked{Predicate: policy.Baik, At: deliveryAt})
}

func locked() []evaluation.Event {
	return append(delivered(), evaluation.Locked{Predicate: policy.Baik, At: deliveryAt.AddDate(0, 1, 0)})
}

func checkField(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Field != want {
		t.Errorf("error = %#v, want field %q", err, want)
	}
}

func TestRecommendRating(t *testing.T) {
	mean := 112.5
	recommend := func(r replay.Ref, rating policy.Rating, mean *float64) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RecommendRating(hr, r, rating, mean, policy.DefaultID, at)
		}
	}
	recommended := func(decided, r policy.Rating, mean *float64) evaluation.RatingRecommended {
		return evaluation.RatingRecommended{Decided: decided, Recommended: r, MeanAchievement: mean, Policy: policy.DefaultID, Replay: ref, By: hr, At: at}
	}
	runEval(t, []evalCase{
		{name: "not opened", when: recommend(ref, policy.AboveExpectation, &mean), wantKind: domain.NotFound},
		{name: "no replay id", given: rated(), when: recommend(replay.Ref{Digest: ref.Digest}, policy.AboveExpectation, &mean),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef, wantField: "replay_id"},
		{name: "digest not a SHA-256", given: rated(), when: recommend(replay.Ref{ID: ref.ID, Digest: "sha256:abc"}, policy.AboveExpectation, &mean),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef, wantField: "digest"},
		{name: "not a rating", given: rated(), when: recommend(ref, "BAGUS", &mean),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRating, wantField: "recommended"},
		{name: "no rating", given: rated(), when: recommend(ref, "", &mean),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRating, wantField: "recommended"},
		{name: "no decided work-result rating", given: []evaluation.Event{opened(false)}, when: recommend(ref, policy.AboveExpectation, &mean),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRequired, wantField: "work_result_rating"},
		{name: "only the behaviour rated", given: []evaluation.Event{opened(false), behaviourRated(policy.AsExpected)},
			when: recommend(ref, policy.AboveExpectation, &mean), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired, wantField: "work_result_rating"},

		{name: "no policy", given: rated(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RecommendRating(hr, ref, policy.AboveExpectation, &mean, "", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy, wantField: "policy_id"},
		{name: "the decided rating decides nothing", given: rated(), when: recommend(ref, policy.AsExpected, &mean)},
		{name: "another rating", given: rated(), when: recommend(ref, policy.AboveExpectation, &mean),
			want: []evaluation.Event{recommended(policy.AsExpected, policy.AboveExpectation, &mean)}},
		{name: "without a mean achievement", given: rated(), when: recommend(ref, policy.BelowExpectation, nil),
			want: []evaluation.Event{recommended(policy.AsExpected, policy.BelowExpectation, nil)}},
		{name: "a locked evaluation", given: locked(), when: recommend(ref, policy.AboveExpectation, &mean),
			want: []evaluation.Event{recommended(policy.AsExpected, policy.AboveExpectation, &mean)}},
		{name: "the rating an objection decision set decides nothing", given: decidedChanged(), when: recommend(ref, policy.AboveExpectation, &mean)},
		{name: "against the rating an objection decision set", given: decidedChanged(), when: recommend(ref, policy.AsExpected, &mean),
			want: []evaluation.Event{recommended(policy.AboveExpectation, policy.AsExpected, &mean)}},
	})
}

// TestRatingRecommendedKeepsDecision checks that a recommendation changes
// neither the ratings, nor the predicate, nor the policy.
func TestRatingRecommendedKeepsDecision(t *testing.T) {
	mean := 112.5
	ev := evaluation.ReplayEvaluation(rated())
	events, err := ev.RecommendRating(hr, ref, policy.AboveExpectation, &mean, policy.DefaultID, at)
	if err != nil || len(events) != 1 {
		t.Fatalf("RecommendRating() = %v, %v; want one event", events, err)
	}
	ev.Apply(events[0])
	if w, b := ev.Ratings(); w != policy.AsExpected || b != policy.AsExpected || ev.Predicate() != policy.Baik || ev.Stage() != evaluation.StageOpen {
		t.Errorf("after RatingRecommended: ratings %s/%s, predicate %s, stage %s; want the decision unchanged", w, b, ev.Predicate(), ev.Stage())
	}
	got, err := ev.RateWorkResult(evaluator, policy.AboveExpectation, "sesuai rekomendasi", facts(orgSet(policy.OrgBaik)...), defaultPolicy(t), at)
	if err != nil || len(got) != 2 {
		t.Errorf("RateWorkResult() under the evaluation's policy = %v, %v; want the rating and the predicate", got, err)
	}
}

func TestRederivePredicate(t *testing.T) {
	revised, renamed, legacy, p := revisedPolicy(t), renamedPolicy(t), legacyPolicy(t), defaultPolicy(t)
	rederive := func(r replay.Ref, p policy.Policy) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.RederivePredicate(hr, r, p, at) }
	}
	rederived := func(before, pr policy.Predicate, work, behaviour policy.Rating, id string) evaluation.PredicateRederived {
		return evaluation.PredicateRederived{Before: before, Predicate: pr, WorkResult: work, Behaviour: behaviour, Policy: id, Replay: ref, By: hr, At: at}
	}
	toRevised := rederived(policy.Baik, policy.ButuhPerbaikan, policy.AsExpected, policy.AsExpected, revised.ID)
	runEval(t, []evalCase{
		{name: "not opened", when: rederive(ref, revised), wantKind: domain.NotFound},
		{name: "no replay id", given: rated(), when: rederive(replay.Ref{Digest: ref.Digest}, revised),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef, wantField: "replay_id"},
		{name: "digest not a SHA-256", given: rated(), when: rederive(replay.Ref{ID: ref.ID}, revised),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef, wantField: "digest"},
		{name: "no ratings", given: []evaluation.Event{opened(false)}, when: rederive(ref, revised),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRequired, wantField: "work_result_rating"},
		{name: "only the work result rated", given: []evaluation.Event{opened(false), workRated(policy.AsExpected)}, when: rederive(ref, revised),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "only the behaviour rated", given: []evaluation.Event{opened(false), behaviourRated(policy.AsExpected)}, when: rederive(ref, revised),
			wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "an objection decision changed the ratings", given: decidedChanged(), when: rederive(ref, revised),
			wantKind: domain.Conflict, wantRule: evaluation.RuleObjectionDecide, wantField: "predicate"},
		{name: "the numeric PP 30/2019 policy has no matrix", given: rated(), when: rederive(ref, legacy),
			wantKind: domain.Invalid, wantRule: "policy-scheme"},

		{name: "same predicate under the same policy", given: rated(), when: rederive(ref, p)},
		{name: "another matrix", given: rated(), when: rederive(ref, revised), want: []evaluation.Event{toRevised}},
		{name: "same predicate under another policy", given: rated(), when: rederive(ref, renamed),
			want: []evaluation.Event{rederived(policy.Baik, policy.Baik, policy.AsExpected, policy.AsExpected, renamed.ID)}},
		{name: "an upheld objection", given: decidedUpheld(), when: rederive(ref, revised), want: []evaluation.Event{toRevised}},
		{name: "a locked evaluation", given: locked(), when: rederive(ref, revised), want: []evaluation.Event{toRevised}},
		{name: "again under the policy it switched to", given: append(rated(), toRevised), when: rederive(ref, revised)},
		{name: "back to the policy it was opened under", given: append(rated(), toRevised), when: rederive(ref, p),
			want: []evaluation.Event{rederived(policy.ButuhPerbaikan, policy.Baik, policy.AsExpected, policy.AsExpected, p.ID)}},
	})
}

// TestPredicateRederivedSwitchesPolicy checks that once a predicate is
// re-derived under another policy, the evaluation is under that policy:
// commands under the policy it was opened with are refused.
func TestPredicateRederivedSwitchesPolicy(t *testing.T) {
	revised, old := revisedPolicy(t), defaultPolicy(t)
	ev := evaluation.ReplayEvaluation(rated())
	events, err := ev.RederivePredicate(hr, ref, revised, at)
	if err != nil || len(events) != 1 {
		t.Fatalf("RederivePredicate() = %v, %v; want one event", events, err)
	}
	given := append(rated(), events...)
	if got := evaluation.ReplayEvaluation(given).Predicate(); got != policy.ButuhPerbaikan {
		t.Errorf("Predicate() after the re-derivation = %s, want %s", got, policy.ButuhPerbaikan)
	}
	unit := facts(orgSet(policy.OrgBaik)...)
	derived := func(p policy.Policy, work, behaviour policy.Rating) evaluation.PredicateDetermined {
		t.Helper()
		pr, err := p.Predicate(work, behaviour)
		if err != nil {
			t.Fatal(err)
		}
		return evaluation.PredicateDetermined{Predicate: pr, WorkResult: work, Behaviour: behaviour, Policy: p.ID, At: at}
	}
	later := deliveryAt.AddDate(0, 1, 0)
	runEval(t, []evalCase{
		{name: "rate the work result under the old policy", given: given,
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
				return ev.RateWorkResult(evaluator, policy.AboveExpectation, "capaian IKI", unit, old, at)
			}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "rate the behaviour under the old policy", given: given,
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
				return ev.RateBehaviour(evaluator, policy.AboveExpectation, "BerAKHLAK", unit, old, at)
			}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "rate the work result under the new policy", given: given,
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
				return ev.RateWorkResult(evaluator, policy.AboveExpectation, "capaian IKI", unit, revised, at)
			}, want: []evaluation.Event{workRated(policy.AboveExpectation), derived(revised, policy.AboveExpectation, policy.AsExpected)}},
		{name: "lock under the old policy", given: append(delivered(), events...),
			when:     func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Lock(old, later) },
			wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "lock under the new policy with the re-derived predicate", given: append(delivered(), events...),
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Lock(revised, later) },
			want: []evaluation.Event{evaluation.Locked{Predicate: policy.ButuhPerbaikan, At: later}}},
	})
}

func TestRefixPattern(t *testing.T) {
	revised, p := revisedPolicy(t), defaultPolicy(t)
	refix := func(r replay.Ref, p policy.Policy) func(*evaluation.Unit) ([]evaluation.Event, error) {
		return func(u *evaluation.Unit) ([]evaluation.Event, error) { return u.RefixPattern(hr, r, p, at) }
	}
	fixed := func(org policy.OrgPredicate, p policy.Policy, r *replay.Ref) evaluation.PatternFixed {
		quotas := []evaluation.Quota{}
		for _, q := range p.Quotas[org] {
			quotas = append(quotas, evaluation.Quota{Rule: q.Rule, Predicates: q.Predicates, Kind: q.Kind, Percent: q.Percent, AtLeast: q.AtLeast})
		}
		return evaluation.PatternFixed{OrgPredicate: org, Policy: p.ID, Quotas: quotas, At: at, Replay: r}
	}
	r := ref
	toRevised := evaluation.PatternFixed{OrgPredicate: policy.OrgBaik, Policy: revised.ID, At: at, Replay: &r, Quotas: []evaluation.Quota{
		{Rule: "quota-baik-max-50", Predicates: []policy.Predicate{policy.Baik}, Kind: policy.Maximum, Percent: 50},
		{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []policy.Predicate{policy.ButuhPerbaikan, policy.KurangMisconduct}, Kind: policy.Minimum, AtLeast: 1},
	}}
	set := append(orgSet(policy.OrgBaik), fixed(policy.OrgBaik, p, nil))
	runUnit(t, []unitCase{
		{name: "no organisational predicate", when: refix(ref, revised), wantKind: domain.NotFound},
		{name: "no replay id", given: set, when: refix(replay.Ref{Digest: ref.Digest}, revised), wantKind: domain.Invalid, wantRule: replay.RuleReplayRef},
		{name: "digest not a SHA-256", given: set, when: refix(replay.Ref{ID: ref.ID, Digest: "x"}, revised), wantKind: domain.Invalid, wantRule: replay.RuleReplayRef},

		{name: "under the same policy", given: set, when: refix(ref, p)},
		{name: "under other quotas", given: set, when: refix(ref, revised), want: []evaluation.Event{toRevised}},
		{name: "after a revised organisational predicate", given: append(set, evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "rekomendasi", By: evalSup, At: at},
			fixed(policy.OrgIstimewa, p, nil)), when: refix(ref, revised), want: []evaluation.Event{fixed(policy.OrgIstimewa, revised, &r)}},
		{name: "again under the quotas it switched to", given: append(set, toRevised), when: refix(ref, revised)},
		{name: "back to the quotas it was set under", given: append(set, toRevised), when: refix(ref, p),
			want: []evaluation.Event{fixed(policy.OrgBaik, p, &r)}},
		{name: "a pattern fixed without a replay keeps the policy", given: append(set, fixed(policy.OrgBaik, revised, nil)), when: refix(ref, p)},
	})
}

// TestPatternRefixDropsCheck checks that a pattern fixed again by a replay
// voids the unit's last distribution check and its override, as its facts
// show, and puts the unit under the new quotas.
func TestPatternRefixDropsCheck(t *testing.T) {
	revised, old := revisedPolicy(t), defaultPolicy(t)
	given := append(checkedUnit(policy.Baik, evaluation.Violation{Rule: "quota-butuh-perbaikan-or-kurang-required", Count: 0, Limit: 1, Message: "at least 1"}),
		evaluation.OverrideRecorded{Justification: "unit satu orang", By: evalSup, At: at})
	before := facts(given...)
	if len(before.Checked) != 1 || len(before.Violations) != 1 || !before.Overridden {
		t.Fatalf("Facts() before the refix = %+v; want a checked, overridden failure", before)
	}
	events, err := evaluation.ReplayUnit(given).RefixPattern(hr, ref, revised, at)
	if err != nil || len(events) != 1 {
		t.Fatalf("RefixPattern() = %v, %v; want one event", events, err)
	}
	given = append(given, events...)
	want := evaluation.UnitFacts{Unit: unitID, PeriodID: year.ID, Set: true, Predicate: policy.OrgBaik}
	if got := facts(given...); !reflect.DeepEqual(got, want) {
		t.Errorf("Facts() after the refix = %+v\nwant                       %+v", got, want)
	}
	// Two BAIK of three pass the default's 70% and break the revised 50%.
	three := map[uuid.UUID]policy.Predicate{evalID: policy.Baik, uuid.MustParse("00000000-0000-0000-0000-0000000000b1"): policy.Baik,
		uuid.MustParse("00000000-0000-0000-0000-0000000000b2"): policy.ButuhPerbaikan}
	u := evaluation.ReplayUnit(given)
	if _, err := u.CheckDistribution(evaluator, evaluator, three, old, at); domain.KindOf(err) != domain.Invalid || !hasRule(err, evaluation.RulePolicy) {
		t.Errorf("CheckDistribution() under the old quotas error = %v, want kind Invalid, rule %s", err, evaluation.RulePolicy)
	}
	got, err := u.CheckDistribution(evaluator, evaluator, three, revised, at)
	if err != nil || len(got) != 1 {
		t.Fatalf("CheckDistribution() under the new quotas = %v, %v; want one event", got, err)
	}
	if c := got[0].(evaluation.DistributionChecked); c.Result != evaluation.Fail || len(c.Violations) != 1 || c.Violations[0].Rule != "quota-baik-max-50" {
		t.Errorf("CheckDistribution() under the new quotas = %+v; want FAIL on quota-baik-max-50", c)
	}
	oldUnit := evaluation.ReplayUnit(checkedUnit(policy.Baik))
	if got, err := oldUnit.CheckDistribution(evaluator, evaluator, three, old, at); err != nil || got[0].(evaluation.DistributionChecked).Result != evaluation.Pass {
		t.Errorf("CheckDistribution() of the same predicates under the old quotas = %+v, %v; want PASS", got, err)
	}
}

func hasRule(err error, rule string) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Rule == rule
}
