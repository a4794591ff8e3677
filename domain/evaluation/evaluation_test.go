package evaluation_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

var (
	employee  = domain.NIP("199001012015031001")
	evaluator = domain.NIP("198002022005011001")
	evalSup   = domain.NIP("197003032000031001")
	stranger  = domain.NIP("199505052020012001")

	evalID     = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	skpID      = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	unitID     = uuid.MustParse("00000000-0000-0000-0000-0000000000a3")
	assessID   = uuid.MustParse("00000000-0000-0000-0000-0000000000a4")
	objID      = uuid.MustParse("00000000-0000-0000-0000-0000000000a5")
	jan1       = date(2026, 1, 1)
	dec31      = date(2026, 12, 31)
	year       = evaluation.Period{ID: "2026", Start: jan1, End: dec31}
	at         = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	deliveryAt = time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func defaultPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func legacyPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p, err := policy.Lookup(policy.LegacyID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orgSet(pr policy.OrgPredicate) []evaluation.Event {
	return []evaluation.Event{
		evaluation.OrgPredicateSet{Assessment: assessID, Unit: unitID, Period: year, Predicate: pr, Basis: "capaian PK 2026", Policy: policy.DefaultID, SetBy: evalSup, At: at},
	}
}

func facts(given ...evaluation.Event) evaluation.UnitFacts {
	return evaluation.ReplayUnit(given).Facts()
}

func opened(head bool) evaluation.Opened {
	return evaluation.Opened{Evaluation: evalID, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, SKP: skpID,
		Unit: unitID, Period: year, UnitHead: head, Policy: policy.DefaultID, At: at}
}

func workRated(r policy.Rating) evaluation.WorkResultRated {
	return evaluation.WorkResultRated{Rating: r, Rationale: "capaian IKI", RatedBy: evaluator, At: at}
}

func behaviourRated(r policy.Rating) evaluation.BehaviourRated {
	return evaluation.BehaviourRated{Rating: r, Notes: "BerAKHLAK", RatedBy: evaluator, At: at}
}

func determined(pr policy.Predicate, w, b policy.Rating) evaluation.PredicateDetermined {
	return evaluation.PredicateDetermined{Predicate: pr, WorkResult: w, Behaviour: b, Policy: policy.DefaultID, At: at}
}

// rated is an evaluation rated Baik (as expected twice).
func rated() []evaluation.Event {
	return []evaluation.Event{opened(false), workRated(policy.AsExpected), behaviourRated(policy.AsExpected), determined(policy.Baik, policy.AsExpected, policy.AsExpected)}
}

func checkedUnit(pr policy.Predicate, violations ...evaluation.Violation) []evaluation.Event {
	result := evaluation.Pass
	if len(violations) > 0 {
		result = evaluation.Fail
	} else {
		violations = []evaluation.Violation{}
	}
	return append(orgSet(policy.OrgBaik), evaluation.DistributionChecked{Predicates: map[uuid.UUID]policy.Predicate{evalID: pr},
		Counts: map[policy.Predicate]int{pr: 1}, Result: result, Violations: violations, By: evaluator, At: at})
}

// parentID is the unit above unitID.
var parentID = uuid.MustParse("00000000-0000-0000-0000-0000000000a6")

// ratedHead is the evaluation of unitID's head, rated Baik.
func ratedHead() []evaluation.Event {
	return []evaluation.Event{opened(true), workRated(policy.AsExpected), behaviourRated(policy.AsExpected), determined(policy.Baik, policy.AsExpected, policy.AsExpected)}
}

// checkedUnitOf is unit's assessment, Baik, with a passing check (or one
// with violations) that counted evalID with pr.
func checkedUnitOf(unit uuid.UUID, pr policy.Predicate, violations ...evaluation.Violation) []evaluation.Event {
	events := checkedUnit(pr, violations...)
	set := events[0].(evaluation.OrgPredicateSet)
	set.Unit, set.Assessment = unit, uuid.NewSHA1(unit, []byte("assessment/2026"))
	events[0] = set
	return events
}

func finalized() []evaluation.Event {
	return append(rated(), evaluation.Finalized{SignedBy: evaluator, SignatureRef: "ttd-el-9", DocumentRef: "dok-9", At: at})
}

func delivered() []evaluation.Event {
	return append(finalized(), evaluation.Delivered{By: evaluator, At: deliveryAt})
}

func objected() []evaluation.Event {
	return append(delivered(), evaluation.ObjectionFiled{Objection: objID, Reasons: "capaian melebihi target", By: employee, At: deliveryAt.AddDate(0, 0, 3)})
}

func check[E any](t *testing.T, got []E, err error, want []E, wantKind domain.Kind, wantRule string) {
	t.Helper()
	if kind := domain.KindOf(err); kind != wantKind {
		t.Fatalf("error = %v (kind %v), want kind %v", err, kind, wantKind)
	}
	if wantRule != "" {
		var de *domain.Error
		if !errors.As(err, &de) || de.Rule != wantRule {
			t.Fatalf("error = %#v, want rule %q", err, wantRule)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events = %+v\nwant     %+v", got, want)
	}
}

type evalCase struct {
	name      string
	given     []evaluation.Event
	when      func(*evaluation.Evaluation) ([]evaluation.Event, error)
	want      []evaluation.Event
	wantKind  domain.Kind
	wantRule  string
	wantField string // the field a refusal names, when the case says
}

func runEval(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(evaluation.ReplayEvaluation(tt.given))
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
			checkField(t, err, tt.wantField)
		})
	}
}

type unitCase struct {
	name     string
	given    []evaluation.Event
	when     func(*evaluation.Unit) ([]evaluation.Event, error)
	want     []evaluation.Event
	wantKind domain.Kind
	wantRule string
}

func runUnit(t *testing.T, tests []unitCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(evaluation.ReplayUnit(tt.given))
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestSetOrgPredicate(t *testing.T) {
	p := defaultPolicy(t)
	cmd := evaluation.SetOrgPredicateCommand{Assessment: assessID, Unit: unitID, Period: year, Predicate: policy.OrgBaik, Basis: "capaian PK 2026", ParentLeader: evalSup}
	with := func(f func(*evaluation.SetOrgPredicateCommand)) evaluation.SetOrgPredicateCommand {
		c := cmd
		f(&c)
		return c
	}
	set := func(by domain.NIP, c evaluation.SetOrgPredicateCommand, p policy.Policy) func(*evaluation.Unit) ([]evaluation.Event, error) {
		return func(u *evaluation.Unit) ([]evaluation.Event, error) { return u.SetOrgPredicate(by, c, p, at) }
	}
	runUnit(t, []unitCase{
		{name: "set, fixing the pattern of SE 3/2023", when: set(evalSup, cmd, p),
			want: []evaluation.Event{orgSet(policy.OrgBaik)[0], evaluation.PatternFixed{OrgPredicate: policy.OrgBaik, Policy: policy.DefaultID, At: at, Quotas: []evaluation.Quota{
				{Rule: "quota-baik-max-70", Predicates: []policy.Predicate{policy.Baik}, Kind: policy.Maximum, Percent: 70},
				{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []policy.Predicate{policy.ButuhPerbaikan, policy.KurangMisconduct}, Kind: policy.Minimum, AtLeast: 1},
			}}}},
		{name: "by the unit's own evaluator", when: set(evaluator, cmd, p), wantKind: domain.Forbidden, wantRule: evaluation.RuleParentLeader},
		{name: "no parent leader known", when: set("", with(func(c *evaluation.SetOrgPredicateCommand) { c.ParentLeader = "" }), p), wantKind: domain.Forbidden, wantRule: evaluation.RuleParentLeader},
		{name: "already set", given: orgSet(policy.OrgBaik), when: set(evalSup, cmd, p), wantKind: domain.Conflict},
		{name: "unknown predicate", when: set(evalSup, with(func(c *evaluation.SetOrgPredicateCommand) { c.Predicate = "CUKUP" }), p), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no basis", when: set(evalSup, with(func(c *evaluation.SetOrgPredicateCommand) { c.Basis = "" }), p), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no period", when: set(evalSup, with(func(c *evaluation.SetOrgPredicateCommand) { c.Period = evaluation.Period{} }), p), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "legacy numeric policy", when: set(evalSup, cmd, legacyPolicy(t)), wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
	})
}

func TestReviseOrgPredicate(t *testing.T) {
	p := defaultPolicy(t)
	revise := func(by domain.NIP, pr policy.OrgPredicate, reason string, finalized int) func(*evaluation.Unit) ([]evaluation.Event, error) {
		return func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.ReviseOrgPredicate(by, pr, reason, finalized, p, at)
		}
	}
	runUnit(t, []unitCase{
		{name: "revised before any finalisation", given: orgSet(policy.OrgBaik), when: revise(evalSup, policy.OrgIstimewa, "rekomendasi inspektorat", 0),
			want: []evaluation.Event{evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "rekomendasi inspektorat", By: evalSup, At: at},
				evaluation.PatternFixed{OrgPredicate: policy.OrgIstimewa, Policy: policy.DefaultID, At: at, Quotas: []evaluation.Quota{
					{Rule: "quota-sangat-baik-max-70", Predicates: []policy.Predicate{policy.SangatBaik}, Kind: policy.Maximum, Percent: 70}}}}},
		{name: "after a finalisation", given: orgSet(policy.OrgBaik), when: revise(evalSup, policy.OrgIstimewa, "x", 1), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
		{name: "without a reason", given: orgSet(policy.OrgBaik), when: revise(evalSup, policy.OrgIstimewa, "", 0), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "to the same predicate", given: orgSet(policy.OrgBaik), when: revise(evalSup, policy.OrgBaik, "x", 0), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "by someone else", given: orgSet(policy.OrgBaik), when: revise(evaluator, policy.OrgIstimewa, "x", 0), wantKind: domain.Forbidden},
		{name: "nothing set", when: revise(evalSup, policy.OrgIstimewa, "x", 0), wantKind: domain.NotFound},
		{name: "after a finalisation the assessment recorded", given: append(checkedUnit(policy.Baik), recordedFinalization(policy.Baik)),
			when: revise(evalSup, policy.OrgIstimewa, "x", 0), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
	})
	u := evaluation.ReplayUnit(append(checkedUnit(policy.Baik), evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "x", By: evalSup, At: at}))
	if f := u.Facts(); len(f.Checked) != 0 || f.Predicate != policy.OrgIstimewa {
		t.Errorf("after a revision the facts are %+v; want the new predicate and no distribution check", f)
	}
}

func recordedFinalization(pr policy.Predicate) evaluation.FinalizationRecorded {
	return evaluation.FinalizationRecorded{Evaluation: evalID, Predicate: pr, By: evaluator, At: at}
}

// TestRecordFinalization: the assessment records an evaluation's
// finalisation once per predicate.
func TestRecordFinalization(t *testing.T) {
	record := func(id uuid.UUID, pr policy.Predicate) func(*evaluation.Unit) ([]evaluation.Event, error) {
		return func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.RecordFinalization(evaluator, id, pr, at)
		}
	}
	runUnit(t, []unitCase{
		{name: "recorded", given: checkedUnit(policy.Baik), when: record(evalID, policy.Baik), want: []evaluation.Event{recordedFinalization(policy.Baik)}},
		{name: "already recorded decides nothing", given: append(checkedUnit(policy.Baik), recordedFinalization(policy.Baik)), when: record(evalID, policy.Baik)},
		{name: "recorded with another predicate", given: append(checkedUnit(policy.Baik), recordedFinalization(policy.ButuhPerbaikan)), when: record(evalID, policy.Baik),
			want: []evaluation.Event{recordedFinalization(policy.Baik)}},
		{name: "no predicate set", when: record(evalID, policy.Baik), wantKind: domain.NotFound, wantRule: evaluation.RuleOrgPredicate},
		{name: "no evaluation", given: orgSet(policy.OrgBaik), when: record(uuid.Nil, policy.Baik), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no predicate", given: orgSet(policy.OrgBaik), when: record(evalID, ""), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
	})
}

// TestCheckDistribution covers each organisational predicate and the small
// units of 1, 3 and 7 people where a percentage rule is hard to satisfy.
func TestCheckDistribution(t *testing.T) {
	p := defaultPolicy(t)
	unit := func(prs ...policy.Predicate) map[uuid.UUID]policy.Predicate {
		m := map[uuid.UUID]policy.Predicate{}
		for k, pr := range prs {
			m[uuid.MustParse(fmt.Sprintf("00000000-0000-0000-0000-%012d", k+1))] = pr
		}
		return m
	}
	rep := func(pr policy.Predicate, n int) []policy.Predicate {
		out := make([]policy.Predicate, n)
		for k := range out {
			out[k] = pr
		}
		return out
	}
	cat := func(groups ...[]policy.Predicate) []policy.Predicate {
		var out []policy.Predicate
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	tests := []struct {
		name      string
		org       policy.OrgPredicate
		unit      []policy.Predicate
		wantRules []string
	}{
		{"istimewa, 7 people, 4 sangat baik", policy.OrgIstimewa, cat(rep(policy.SangatBaik, 4), rep(policy.Baik, 3)), nil},
		{"istimewa, 7 people, 5 sangat baik above floor(70%)", policy.OrgIstimewa, cat(rep(policy.SangatBaik, 5), rep(policy.Baik, 2)), []string{"quota-sangat-baik-max-70"}},
		{"istimewa, 1 person sangat baik: floor(0.7) is 0", policy.OrgIstimewa, []policy.Predicate{policy.SangatBaik}, []string{"quota-sangat-baik-max-70"}},
		{"baik, 3 people with one butuh perbaikan", policy.OrgBaik, []policy.Predicate{policy.Baik, policy.Baik, policy.ButuhPerbaikan}, nil},
		{"baik, 3 people all baik", policy.OrgBaik, rep(policy.Baik, 3), []string{"quota-baik-max-70", "quota-butuh-perbaikan-or-kurang-required"}},
		{"baik, 1 person baik", policy.OrgBaik, []policy.Predicate{policy.Baik}, []string{"quota-baik-max-70", "quota-butuh-perbaikan-or-kurang-required"}},
		{"butuh perbaikan, 7 people with 5 butuh perbaikan", policy.OrgButuhPerbaikan, cat(rep(policy.ButuhPerbaikan, 5), rep(policy.Baik, 2)), nil},
		{"butuh perbaikan, 7 people with 4: ceil(4.2) is 5", policy.OrgButuhPerbaikan, cat(rep(policy.ButuhPerbaikan, 4), rep(policy.Baik, 3)), []string{"quota-butuh-perbaikan-min-60"}},
		{"kurang, 7 people", policy.OrgKurang, cat(rep(policy.KurangMisconduct, 5), rep(policy.ButuhPerbaikan, 1), rep(policy.Baik, 1)), nil},
		{"kurang, 3 people without butuh perbaikan", policy.OrgKurang, rep(policy.KurangMisconduct, 3), []string{"quota-butuh-perbaikan-min-10"}},
		{"sangat kurang, 3 people with a sangat baik", policy.OrgSangatKurang, []policy.Predicate{policy.SangatKurang, policy.SangatKurang, policy.SangatBaik}, []string{"quota-kurang-or-butuh-perbaikan-min-10", "quota-sangat-baik-none"}},
		{"sangat kurang, 7 people", policy.OrgSangatKurang, cat(rep(policy.SangatKurang, 5), rep(policy.KurangMisconduct, 1), rep(policy.Baik, 1)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := evaluation.ReplayUnit(orgSet(tt.org))
			got, err := u.CheckDistribution(evaluator, evaluator, unit(tt.unit...), p, at)
			if err != nil {
				t.Fatal(err)
			}
			c := got[0].(evaluation.DistributionChecked)
			var rules []string
			for _, v := range c.Violations {
				rules = append(rules, v.Rule)
				if v.Message == "" {
					t.Errorf("violation %s has no message for the HR officer", v.Rule)
				}
			}
			if !reflect.DeepEqual(rules, tt.wantRules) {
				t.Errorf("violations = %v, want %v", rules, tt.wantRules)
			}
			if want := map[bool]string{true: evaluation.Pass, false: evaluation.Fail}[len(tt.wantRules) == 0]; c.Result != want {
				t.Errorf("result = %s, want %s", c.Result, want)
			}
			if n := len(tt.unit); len(c.Predicates) != n {
				t.Errorf("checked %d evaluations, want %d", len(c.Predicates), n)
			}
		})
	}
	runUnit(t, []unitCase{
		{name: "before the predicate is set", when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution(evaluator, evaluator, unit(policy.Baik), p, at)
		}, wantKind: domain.NotFound, wantRule: evaluation.RuleOrgPredicate},
		{name: "by a stranger", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution(stranger, evaluator, unit(policy.Baik), p, at)
		}, wantKind: domain.Forbidden},
		{name: "by nobody, with no evaluator known", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution("", "", unit(policy.Baik), p, at)
		}, wantKind: domain.Forbidden},
		{name: "empty unit", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution(evalSup, evaluator, nil, p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "an unrated evaluation", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution(evalSup, evaluator, unit(""), p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
	})
}

func TestRecordOverride(t *testing.T) {
	failing := checkedUnit(policy.Baik, evaluation.Violation{Rule: "quota-butuh-perbaikan-or-kurang-required", Count: 0, Limit: 1, Message: "m"})
	override := func(by domain.NIP, j string) func(*evaluation.Unit) ([]evaluation.Event, error) {
		return func(u *evaluation.Unit) ([]evaluation.Event, error) { return u.RecordOverride(by, j, at) }
	}
	runUnit(t, []unitCase{
		{name: "recorded", given: failing, when: override(evalSup, "unit satu orang"), want: []evaluation.Event{evaluation.OverrideRecorded{Justification: "unit satu orang", By: evalSup, At: at}}},
		{name: "by the evaluator", given: failing, when: override(evaluator, "x"), wantKind: domain.Forbidden},
		{name: "no justification", given: failing, when: override(evalSup, ""), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "check passed", given: checkedUnit(policy.Baik), when: override(evalSup, "x"), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "twice", given: append(failing, evaluation.OverrideRecorded{Justification: "x", By: evalSup, At: at}), when: override(evalSup, "x"), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
	})
}

func TestOpen(t *testing.T) {
	p := defaultPolicy(t)
	plan := skp.Plan{ID: skpID, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, Status: skp.StatusClosed, Start: jan1, End: dec31, Approved: true}
	cmd := evaluation.OpenCommand{Evaluation: evalID, Plan: plan, Unit: unitID, Period: year}
	with := func(f func(*evaluation.OpenCommand)) evaluation.OpenCommand { c := cmd; f(&c); return c }
	tests := []struct {
		name     string
		by       domain.NIP
		cmd      evaluation.OpenCommand
		p        policy.Policy
		want     []evaluation.Event
		wantKind domain.Kind
		wantRule string
	}{
		{name: "opened after the SKP closed at year end", by: evaluator, cmd: cmd, p: p, want: []evaluation.Event{opened(false)}},
		{name: "by someone else (invariant 2)", by: evalSup, cmd: cmd, p: p, wantKind: domain.Forbidden, wantRule: evaluation.RuleDesignated},
		{name: "self-evaluation (invariant 3)", by: employee, cmd: with(func(c *evaluation.OpenCommand) { c.Plan.Evaluator = employee }), p: p, wantKind: domain.Invalid, wantRule: evaluation.RuleSelfEvaluation},
		{name: "SKP never approved", by: evaluator, cmd: with(func(c *evaluation.OpenCommand) { c.Plan.Approved = false }), p: p, wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "period outside the SKP", by: evaluator, cmd: with(func(c *evaluation.OpenCommand) {
			c.Period = evaluation.Period{ID: "2027", Start: date(2027, 1, 1), End: date(2027, 12, 31)}
		}), p: p, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no unit", by: evaluator, cmd: with(func(c *evaluation.OpenCommand) { c.Unit = uuid.Nil }), p: p, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "legacy numeric policy", by: evaluator, cmd: cmd, p: legacyPolicy(t), wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evaluation.Open(tt.by, tt.cmd, tt.p, at)
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestSelfAssess(t *testing.T) {
	runEval(t, []evalCase{
		{name: "submitted", given: []evaluation.Event{opened(false)},
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
				return ev.SelfAssess(employee, "target tercapai", at)
			},
			want: []evaluation.Event{evaluation.SelfAssessed{Notes: "target tercapai", By: employee, At: at}}},
		{name: "by the evaluator", given: []evaluation.Event{opened(false)},
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.SelfAssess(evaluator, "x", at) }, wantKind: domain.Forbidden},
		{name: "no notes", given: []evaluation.Event{opened(false)},
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.SelfAssess(employee, "", at) }, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "after finalisation (invariant 19)", given: finalized(),
			when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.SelfAssess(employee, "x", at) }, wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
	})
}

func TestRateWorkResult(t *testing.T) {
	p := defaultPolicy(t)
	set := facts(orgSet(policy.OrgBaik)...)
	rate := func(by domain.NIP, r policy.Rating, unit evaluation.UnitFacts, p policy.Policy) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RateWorkResult(by, r, "capaian IKI", unit, p, at)
		}
	}
	otherUnit := set
	otherUnit.Unit = uuid.New()
	withBehaviour := []evaluation.Event{opened(false), behaviourRated(policy.AboveExpectation)}
	runEval(t, []evalCase{
		{name: "rated", given: []evaluation.Event{opened(false)}, when: rate(evaluator, policy.AsExpected, set, p), want: []evaluation.Event{workRated(policy.AsExpected)}},
		{name: "rated after behaviour, predicate by the matrix", given: withBehaviour, when: rate(evaluator, policy.AboveExpectation, set, p),
			want: []evaluation.Event{workRated(policy.AboveExpectation), determined(policy.SangatBaik, policy.AboveExpectation, policy.AboveExpectation)}},
		{name: "re-rated before finalisation re-derives", given: rated(), when: rate(evaluator, policy.BelowExpectation, set, p),
			want: []evaluation.Event{workRated(policy.BelowExpectation), determined(policy.ButuhPerbaikan, policy.BelowExpectation, policy.AsExpected)}},
		{name: "unit head, mapped from BAIK", given: []evaluation.Event{opened(true)}, when: rate(evaluator, policy.AsExpected, set, p), want: []evaluation.Event{workRated(policy.AsExpected)}},
		{name: "not the designated evaluator (invariant 2)", given: []evaluation.Event{opened(false)}, when: rate(evalSup, policy.AsExpected, set, p), wantKind: domain.Forbidden, wantRule: evaluation.RuleDesignated},
		{name: "the employee rates themself (invariant 3)", given: []evaluation.Event{opened(false)}, when: rate(employee, policy.AboveExpectation, set, p), wantKind: domain.Forbidden, wantRule: evaluation.RuleDesignated},
		{name: "not a rating (invariant 14)", given: []evaluation.Event{opened(false)}, when: rate(evaluator, "DI_ATAS", set, p), wantKind: domain.Invalid, wantRule: evaluation.RuleRating},
		{name: "before the org predicate is set (invariant 15)", given: []evaluation.Event{opened(false)},
			when: rate(evaluator, policy.AsExpected, evaluation.UnitFacts{Unit: unitID, PeriodID: year.ID}, p), wantKind: domain.Invalid, wantRule: evaluation.RuleOrgPredicate},
		{name: "facts of another unit (invariant 15)", given: []evaluation.Event{opened(false)}, when: rate(evaluator, policy.AsExpected, otherUnit, p), wantKind: domain.Invalid, wantRule: evaluation.RuleOrgPredicate},
		{name: "unit head rated above a BAIK unit (invariant 16)", given: []evaluation.Event{opened(true)}, when: rate(evaluator, policy.AboveExpectation, set, p), wantKind: domain.Invalid, wantRule: evaluation.RuleHeadRating},
		{name: "after finalisation (invariant 19)", given: finalized(), when: rate(evaluator, policy.AboveExpectation, set, p), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
		{name: "after locking (invariant 19)", given: append(delivered(), evaluation.Locked{Predicate: policy.Baik, At: at}), when: rate(evaluator, policy.AboveExpectation, set, p), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
		{name: "foreign policy", given: []evaluation.Event{opened(false)}, when: rate(evaluator, policy.AsExpected, set, legacyPolicy(t)), wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "no such evaluation", when: rate(evaluator, policy.AsExpected, set, p), wantKind: domain.NotFound},
	})
}

func TestRateBehaviour(t *testing.T) {
	p := defaultPolicy(t)
	set := facts(orgSet(policy.OrgBaik)...)
	rate := func(by domain.NIP, r policy.Rating, unit evaluation.UnitFacts) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RateBehaviour(by, r, "BerAKHLAK", unit, p, at)
		}
	}
	runEval(t, []evalCase{
		{name: "rated", given: []evaluation.Event{opened(false)}, when: rate(evaluator, policy.AsExpected, set), want: []evaluation.Event{behaviourRated(policy.AsExpected)}},
		{name: "after work result, predicate by the matrix", given: []evaluation.Event{opened(false), workRated(policy.AboveExpectation)}, when: rate(evaluator, policy.BelowExpectation, set),
			want: []evaluation.Event{behaviourRated(policy.BelowExpectation), determined(policy.KurangMisconduct, policy.AboveExpectation, policy.BelowExpectation)}},
		{name: "not the designated evaluator (invariant 2)", given: []evaluation.Event{opened(false)}, when: rate(stranger, policy.AsExpected, set), wantKind: domain.Forbidden},
		{name: "not a rating (invariant 14)", given: []evaluation.Event{opened(false)}, when: rate(evaluator, "BAIK", set), wantKind: domain.Invalid, wantRule: evaluation.RuleRating},
		{name: "before the org predicate is set (invariant 15)", given: []evaluation.Event{opened(false)}, when: rate(evaluator, policy.AsExpected, evaluation.UnitFacts{Unit: unitID, PeriodID: year.ID}), wantKind: domain.Invalid, wantRule: evaluation.RuleOrgPredicate},
		{name: "after finalisation (invariant 19)", given: finalized(), when: rate(evaluator, policy.AsExpected, set), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
	})
}

// TestPredicateMatrix rates every cell of §3.2 through the aggregate and
// checks the predicate it determines (invariant 14: never other than the
// matrix's).
func TestPredicateMatrix(t *testing.T) {
	p := defaultPolicy(t)
	set := facts(orgSet(policy.OrgBaik)...)
	tests := []struct {
		work, behaviour policy.Rating
		want            policy.Predicate
	}{
		{policy.AboveExpectation, policy.AboveExpectation, policy.SangatBaik},
		{policy.AboveExpectation, policy.AsExpected, policy.Baik},
		{policy.AboveExpectation, policy.BelowExpectation, policy.KurangMisconduct},
		{policy.AsExpected, policy.AboveExpectation, policy.Baik},
		{policy.AsExpected, policy.AsExpected, policy.Baik},
		{policy.AsExpected, policy.BelowExpectation, policy.KurangMisconduct},
		{policy.BelowExpectation, policy.AboveExpectation, policy.ButuhPerbaikan},
		{policy.BelowExpectation, policy.AsExpected, policy.ButuhPerbaikan},
		{policy.BelowExpectation, policy.BelowExpectation, policy.SangatKurang},
	}
	for _, tt := range tests {
		t.Run(string(tt.work)+"/"+string(tt.behaviour), func(t *testing.T) {
			ev := evaluation.ReplayEvaluation([]evaluation.Event{opened(false)})
			for _, step := range []func() ([]evaluation.Event, error){
				func() ([]evaluation.Event, error) { return ev.RateWorkResult(evaluator, tt.work, "r", set, p, at) },
				func() ([]evaluation.Event, error) { return ev.RateBehaviour(evaluator, tt.behaviour, "n", set, p, at) },
			} {
				es, err := step()
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					ev.Apply(e)
				}
			}
			if got := ev.Predicate(); got != tt.want {
				t.Errorf("predicate = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFinalize(t *testing.T) {
	p := defaultPolicy(t)
	passed := facts(checkedUnit(policy.Baik)...)
	violation := evaluation.Violation{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []policy.Predicate{policy.ButuhPerbaikan, policy.KurangMisconduct}, Limit: 1,
		Message: "at least 1 employee must be Butuh Perbaikan or Kurang/Misconduct"}
	failed := facts(checkedUnit(policy.Baik, violation)...)
	overridden := facts(append(checkedUnit(policy.Baik, violation), evaluation.OverrideRecorded{Justification: "unit satu orang", By: evalSup, At: at})...)
	stale := facts(checkedUnit(policy.ButuhPerbaikan)...)
	// The unit above's assessment, whose check counted the head's predicate.
	parentPassed := facts(checkedUnitOf(parentID, policy.Baik)...)
	parentStale := facts(checkedUnitOf(parentID, policy.ButuhPerbaikan)...)
	ownCurve := p
	ownCurve.HeadInOwnCurve = true
	ownBaik := facts(orgSet(policy.OrgBaik)...) // the head's own unit, whose Baik gives their work rating, as expected
	revised := facts(append(orgSet(policy.OrgBaik), evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "x", By: evalSup, At: at})...)
	final := func(by domain.NIP, sig string, unit evaluation.UnitFacts) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Finalize(by, evaluation.FinalizeCommand{SignatureRef: sig, DocumentRef: "dok-9", Curve: unit}, p, at)
		}
	}
	finalHead := func(parent uuid.UUID, unit evaluation.UnitFacts, p policy.Policy) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd-el-9", DocumentRef: "dok-9", ParentUnit: parent, Curve: unit, Unit: ownBaik}, p, at)
		}
	}
	want := []evaluation.Event{evaluation.Finalized{SignedBy: evaluator, SignatureRef: "ttd-el-9", DocumentRef: "dok-9", At: at}}
	runEval(t, []evalCase{
		{name: "distribution passed", given: rated(), when: final(evaluator, "ttd-el-9", passed), want: want},
		{name: "distribution failed but overridden", given: rated(), when: final(evaluator, "ttd-el-9", overridden), want: want},
		{name: "distribution failed (invariant 17)", given: rated(), when: final(evaluator, "ttd-el-9", failed), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "distribution never checked (invariant 17)", given: rated(), when: final(evaluator, "ttd-el-9", facts(orgSet(policy.OrgBaik)...)), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "checked with an older predicate (invariant 17)", given: rated(), when: final(evaluator, "ttd-el-9", stale), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "no signature (invariant 18)", given: rated(), when: final(evaluator, " ", passed), wantKind: domain.Invalid, wantRule: evaluation.RuleSignature},
		{name: "not rated", given: []evaluation.Event{opened(false), workRated(policy.AsExpected)}, when: final(evaluator, "ttd", passed), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "by the evaluator's superior", given: rated(), when: final(evalSup, "ttd", passed), wantKind: domain.Forbidden},
		{name: "twice (invariant 19)", given: finalized(), when: final(evaluator, "ttd", passed), wantKind: domain.Invalid, wantRule: evaluation.RuleFinal},
		{name: "under a foreign policy", given: rated(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd", Curve: passed}, legacyPolicy(t), at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},

		// §3.3: under the default policy a unit head's predicate counts in
		// the curve of the unit above, so that unit's check finalises it.
		{name: "head against the parent unit's check", given: ratedHead(), when: finalHead(parentID, parentPassed, p), want: want},
		{name: "head against its own unit's check under the default policy", given: ratedHead(), when: finalHead(parentID, passed, p), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "head against a check of the parent that counted an older predicate", given: ratedHead(), when: finalHead(parentID, parentStale, p), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "head against a unit that is not the parent", given: ratedHead(), when: finalHead(uuid.MustParse("00000000-0000-0000-0000-0000000000b9"), parentPassed, p), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "head of a unit with no unit above", given: ratedHead(), when: finalHead(uuid.Nil, passed, p), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "head in its own curve under a policy that says so", given: ratedHead(), when: finalHead(parentID, passed, ownCurve), want: want},
		{name: "head with the parent's check under a policy that keeps heads in their own curve", given: ratedHead(), when: finalHead(parentID, parentPassed, ownCurve), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "non-head with the parent's check", given: rated(), when: finalHead(parentID, parentPassed, p), wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
		{name: "non-head against its own unit's check, a parent named", given: rated(), when: finalHead(parentID, passed, p), want: want},
		{name: "head whose unit's predicate was revised since the rating (invariant 16)", given: ratedHead(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd-el-9", ParentUnit: parentID, Curve: parentPassed, Unit: revised}, p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleHeadRating},
		{name: "head without their own unit's facts", given: ratedHead(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd-el-9", ParentUnit: parentID, Curve: parentPassed}, p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleOrgPredicate},
	})
	ev := evaluation.ReplayEvaluation(rated())
	_, err := ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd", Curve: failed}, p, at)
	var de *domain.Error
	if !errors.As(err, &de) || de.Message == "" || !strings.Contains(de.Message, violation.Message) {
		t.Errorf("the refusal does not name the broken quota: %v", err)
	}
	head := evaluation.ReplayEvaluation(ratedHead())
	_, err = head.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd", ParentUnit: parentID, Curve: passed, Unit: ownBaik}, p, at)
	if !errors.As(err, &de) || !strings.Contains(de.Message, "unit above ("+parentID.String()+")") {
		t.Errorf("the refusal of a head's own-unit check does not name the unit above: %v", err)
	}
}

// TestCurveUnit: only a unit head under a policy that counts heads in the
// parent's curve counts elsewhere than in their own unit.
func TestCurveUnit(t *testing.T) {
	p := defaultPolicy(t)
	own := p
	own.HeadInOwnCurve = true
	tests := []struct {
		name  string
		given []evaluation.Event
		p     policy.Policy
		want  uuid.UUID
	}{
		{name: "staff", given: rated(), p: p, want: unitID},
		{name: "head, default policy", given: ratedHead(), p: p, want: parentID},
		{name: "head, own curve", given: ratedHead(), p: own, want: unitID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluation.ReplayEvaluation(tt.given).CurveUnit(parentID, tt.p); got != tt.want {
				t.Errorf("CurveUnit() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDeliver(t *testing.T) {
	runEval(t, []evalCase{
		{name: "delivered", given: finalized(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Deliver(evaluator, deliveryAt) },
			want: []evaluation.Event{evaluation.Delivered{By: evaluator, At: deliveryAt}}},
		{name: "not finalised", given: rated(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Deliver(evaluator, deliveryAt) }, wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "twice", given: delivered(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Deliver(evaluator, deliveryAt) }, wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "by the employee", given: finalized(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Deliver(employee, deliveryAt) }, wantKind: domain.Forbidden},
	})
}

func TestFileObjection(t *testing.T) {
	p := defaultPolicy(t)
	deadline := deliveryAt.AddDate(0, 0, 14)
	file := func(by domain.NIP, reasons string, when time.Time) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.FileObjection(by, objID, reasons, p, when)
		}
	}
	runEval(t, []evalCase{
		{name: "filed on day 3", given: delivered(), when: file(employee, "capaian melebihi target", deliveryAt.AddDate(0, 0, 3)),
			want: []evaluation.Event{evaluation.ObjectionFiled{Objection: objID, Reasons: "capaian melebihi target", By: employee, At: deliveryAt.AddDate(0, 0, 3)}}},
		{name: "filed at the last instant of the 14 calendar days", given: delivered(), when: file(employee, "r", deadline),
			want: []evaluation.Event{evaluation.ObjectionFiled{Objection: objID, Reasons: "r", By: employee, At: deadline}}},
		{name: "a second after the window (invariant 20)", given: delivered(), when: file(employee, "r", deadline.Add(time.Second)), wantKind: domain.Invalid, wantRule: evaluation.RuleObjectionWindow},
		{name: "without reasons (invariant 20)", given: delivered(), when: file(employee, "  ", deliveryAt), wantKind: domain.Invalid, wantRule: evaluation.RuleObjectionReason},
		{name: "a second objection (invariant 20)", given: objected(), when: file(employee, "lagi", deliveryAt.AddDate(0, 0, 4)), wantKind: domain.Invalid, wantRule: evaluation.RuleSecondObjection},
		{name: "a second objection after the decision (invariant 20)", given: append(objected(), evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Upheld, Reason: "r", By: evalSup, At: at}, evaluation.Locked{Predicate: policy.Baik, At: at}),
			when: file(employee, "lagi", deliveryAt.AddDate(0, 0, 5)), wantKind: domain.Invalid, wantRule: evaluation.RuleSecondObjection},
		{name: "before delivery", given: finalized(), when: file(employee, "r", deliveryAt), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "by the evaluator", given: delivered(), when: file(evaluator, "r", deliveryAt), wantKind: domain.Forbidden},
	})
}

func TestExplanations(t *testing.T) {
	asked := append(objected(), evaluation.ExplanationRequested{From: evaluation.PartyEvaluator, Question: "dasar rating?", By: evalSup, At: at})
	runEval(t, []evalCase{
		{name: "requested", given: objected(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RequestExplanation(evalSup, evaluation.PartyEvaluator, "dasar rating?", at)
		}, want: []evaluation.Event{evaluation.ExplanationRequested{From: evaluation.PartyEvaluator, Question: "dasar rating?", By: evalSup, At: at}}},
		{name: "requested by the evaluator", given: objected(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RequestExplanation(evaluator, evaluation.PartyEmployee, "q", at)
		}, wantKind: domain.Forbidden, wantRule: evaluation.RuleObjectionDecide},
		{name: "from an unknown party", given: objected(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RequestExplanation(evalSup, "SAKSI", "q", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "without an objection", given: delivered(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RequestExplanation(evalSup, evaluation.PartyEvaluator, "q", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "provided", given: asked, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.ProvideExplanation(evaluator, "target tidak tercapai di Q4", at)
		}, want: []evaluation.Event{evaluation.ExplanationProvided{From: evaluation.PartyEvaluator, Text: "target tidak tercapai di Q4", By: evaluator, At: at}}},
		{name: "provided unasked", given: asked, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.ProvideExplanation(employee, "x", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "provided by a stranger", given: asked, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.ProvideExplanation(stranger, "x", at)
		}, wantKind: domain.Forbidden},
		{name: "provided empty", given: asked, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.ProvideExplanation(evaluator, "", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
	})
}

func TestDecide(t *testing.T) {
	p := defaultPolicy(t)
	decide := func(by domain.NIP, o evaluation.Outcome, w, b policy.Rating, reason string) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Decide(by, o, w, b, reason, p, at)
		}
	}
	runEval(t, []evalCase{
		{name: "changed, predicate re-derived by the matrix", given: objected(), when: decide(evalSup, evaluation.Changed, policy.AboveExpectation, policy.AboveExpectation, "bukti dukung lengkap"),
			want: []evaluation.Event{
				evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Changed, WorkResult: policy.AboveExpectation, Behaviour: policy.AboveExpectation, Predicate: policy.SangatBaik, Reason: "bukti dukung lengkap", By: evalSup, At: at},
				evaluation.Locked{Predicate: policy.SangatBaik, At: at}}},
		{name: "upheld", given: objected(), when: decide(evalSup, evaluation.Upheld, "", "", "sesuai bukti"),
			want: []evaluation.Event{evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Upheld, Reason: "sesuai bukti", By: evalSup, At: at}, evaluation.Locked{Predicate: policy.Baik, At: at}}},
		{name: "by the evaluator (invariant 4)", given: objected(), when: decide(evaluator, evaluation.Upheld, "", "", "r"), wantKind: domain.Forbidden, wantRule: evaluation.RuleObjectionDecide},
		{name: "by the employee (invariant 4)", given: objected(), when: decide(employee, evaluation.Changed, policy.AboveExpectation, policy.AsExpected, "r"), wantKind: domain.Forbidden, wantRule: evaluation.RuleObjectionDecide},
		{name: "changed to the same ratings", given: objected(), when: decide(evalSup, evaluation.Changed, policy.AsExpected, policy.AsExpected, "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "changed to a non-rating (invariant 14)", given: objected(), when: decide(evalSup, evaluation.Changed, "SANGAT_BAIK", policy.AsExpected, "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleRating},
		{name: "upheld with ratings", given: objected(), when: decide(evalSup, evaluation.Upheld, policy.AsExpected, "", "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "unknown outcome", given: objected(), when: decide(evalSup, "DITOLAK", "", "", "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no reason", given: objected(), when: decide(evalSup, evaluation.Upheld, "", "", ""), wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "no objection filed", given: delivered(), when: decide(evalSup, evaluation.Upheld, "", "", "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "decided twice, the decision is final", given: append(objected(), evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Upheld, Reason: "r", By: evalSup, At: at}, evaluation.Locked{Predicate: policy.Baik, At: at}),
			when: decide(evalSup, evaluation.Changed, policy.AboveExpectation, policy.AboveExpectation, "r"), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
	})
}

func TestLock(t *testing.T) {
	p := defaultPolicy(t)
	deadline := deliveryAt.AddDate(0, 0, 14)
	lock := func(when time.Time) func(*evaluation.Evaluation) ([]evaluation.Event, error) {
		return func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Lock(p, when) }
	}
	runEval(t, []evalCase{
		{name: "after the window lapses", given: delivered(), when: lock(deadline.Add(time.Second)), want: []evaluation.Event{evaluation.Locked{Predicate: policy.Baik, At: deadline.Add(time.Second)}}},
		{name: "while the window is open", given: delivered(), when: lock(deadline), wantKind: domain.Invalid, wantRule: evaluation.RuleObjectionWindow},
		{name: "with an objection pending", given: objected(), when: lock(deadline.AddDate(0, 1, 0)), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
		{name: "not delivered", given: finalized(), when: lock(deadline.AddDate(0, 1, 0)), wantKind: domain.Invalid, wantRule: evaluation.RuleStage},
	})
}
