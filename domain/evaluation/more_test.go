package evaluation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

func TestStreams(t *testing.T) {
	id := uuid.New()
	for _, s := range []struct{ got, prefix string }{
		{evaluation.Stream(id), "evaluation-"},
		{evaluation.UnitStream(id), "unitassessment-"},
	} {
		if s.got != s.prefix+id.String() {
			t.Errorf("stream = %q, want %s<uuid>", s.got, s.prefix)
		}
	}
}

// TestMoreRejections covers the remaining refusals: unknown evaluations,
// a foreign policy, missing ids and a policy whose matrix lacks a cell.
func TestMoreRejections(t *testing.T) {
	p := defaultPolicy(t)
	legacy := legacyPolicy(t)
	holed := defaultPolicy(t)
	delete(holed.Matrix, policy.Cell{Work: policy.AsExpected, Behaviour: policy.BelowExpectation})
	set := facts(orgSet(policy.OrgBaik)...)
	later := deliveryAt.AddDate(0, 1, 0)
	runEval(t, []evalCase{
		{name: "deliver unknown", when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Deliver(evaluator, at) }, wantKind: domain.NotFound},
		{name: "object to unknown", when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.FileObjection(employee, objID, "r", p, at)
		}, wantKind: domain.NotFound},
		{name: "object under a foreign policy", given: delivered(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.FileObjection(employee, objID, "r", legacy, deliveryAt)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "objection without id", given: delivered(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.FileObjection(employee, uuid.Nil, "r", p, deliveryAt)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "lock unknown", when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Lock(p, later) }, wantKind: domain.NotFound},
		{name: "lock under a foreign policy", given: delivered(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) { return ev.Lock(legacy, later) },
			wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "decide under a foreign policy", given: objected(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Decide(evalSup, evaluation.Upheld, "", "", "r", legacy, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "decide on unknown", when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.Decide(evalSup, evaluation.Upheld, "", "", "r", p, at)
		}, wantKind: domain.NotFound},
		{name: "explanation without a question", given: objected(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RequestExplanation(evalSup, evaluation.PartyEmployee, " ", at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "rate behaviour under a foreign policy", given: []evaluation.Event{opened(false)}, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RateBehaviour(evaluator, policy.AsExpected, "n", set, legacy, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "a matrix without the cell", given: []evaluation.Event{opened(false), workRated(policy.AsExpected)}, when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			return ev.RateBehaviour(evaluator, policy.BelowExpectation, "n", set, holed, at)
		}, wantKind: domain.Invalid, wantRule: "policy-matrix"},
		{name: "finalise with facts of another unit", given: rated(), when: func(ev *evaluation.Evaluation) ([]evaluation.Event, error) {
			f := facts(checkedUnit(policy.Baik)...)
			f.Unit = uuid.New()
			return ev.Finalize(evaluator, evaluation.FinalizeCommand{SignatureRef: "ttd", Curve: f}, p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleDistribution},
	})
	runUnit(t, []unitCase{
		{name: "set without a unit", when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.SetOrgPredicate(evalSup, evaluation.SetOrgPredicateCommand{Assessment: assessID, Period: year, Predicate: policy.OrgBaik, Basis: "b", ParentLeader: evalSup}, p, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RuleRequired},
		{name: "revise under a foreign policy", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.ReviseOrgPredicate(evalSup, policy.OrgIstimewa, "r", 0, legacy, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "check under a foreign policy", given: orgSet(policy.OrgBaik), when: func(u *evaluation.Unit) ([]evaluation.Event, error) {
			return u.CheckDistribution(evalSup, evaluator, map[uuid.UUID]policy.Predicate{evalID: policy.Baik}, legacy, at)
		}, wantKind: domain.Invalid, wantRule: evaluation.RulePolicy},
		{name: "override with nothing set", when: func(u *evaluation.Unit) ([]evaluation.Event, error) { return u.RecordOverride(evalSup, "j", at) }, wantKind: domain.NotFound},
	})
}

// TestObjectionWindowIsCalendarDays shows the default window counts
// calendar days, weekends and holidays included: a result delivered on a
// Friday can be objected to until the Friday two weeks later, same hour.
func TestObjectionWindowIsCalendarDays(t *testing.T) {
	p := defaultPolicy(t)
	friday := time.Date(2027, 1, 22, 15, 30, 0, 0, time.FixedZone("WIB", 7*3600))
	given := append(finalized(), evaluation.Delivered{By: evaluator, At: friday})
	for _, tt := range []struct {
		at       time.Time
		wantKind domain.Kind
	}{
		{friday.AddDate(0, 0, 14), 0},
		{friday.AddDate(0, 0, 14).Add(time.Minute), domain.Invalid},
	} {
		_, err := evaluation.ReplayEvaluation(given).FileObjection(employee, objID, "r", p, tt.at)
		if domain.KindOf(err) != tt.wantKind {
			t.Errorf("filed at %s: error = %v, want kind %v", tt.at, err, tt.wantKind)
		}
		if err != nil && !strings.Contains(err.Error(), "2027-02-05 15:30 WIB") {
			t.Errorf("the refusal does not say when the window closed: %v", err)
		}
	}
}

// TestSuperiorChange shows invariant 2 across a change of superior: the SKP
// of the first half closes with SUPERIOR_CHANGE, the new SKP names the new
// superior, and the old superior can neither open nor rate the evaluation of
// the third quarter.
func TestSuperiorChange(t *testing.T) {
	p := defaultPolicy(t)
	newSuperior := domain.NIP("198511112010011001")
	jul1 := date(2026, 7, 1)
	firstHalf := skp.Replay([]skp.Event{
		skp.Drafted{SKP: uuid.New(), Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, Approach: skp.Quantitative, Start: jan1, End: date(2026, 6, 30)},
		skp.Submitted{By: employee}, skp.Approved{By: evaluator},
		skp.Closed{By: evaluator, Reason: skp.CloseSuperiorChange, At: date(2026, 6, 30)},
	}).Plan()
	secondHalf := skp.Replay([]skp.Event{
		skp.Drafted{SKP: uuid.New(), Employee: employee, Evaluator: newSuperior, EvaluatorSuperior: evalSup, Approach: skp.Quantitative, Start: jul1, End: dec31},
		skp.Submitted{By: employee}, skp.Approved{By: newSuperior},
	}).Plan()
	q3 := evaluation.Period{ID: "2026-Q3", Start: jul1, End: date(2026, 9, 30)}

	if _, err := evaluation.Open(evaluator, evaluation.OpenCommand{Evaluation: evalID, Plan: secondHalf, Unit: unitID, Period: q3}, p, at); domain.KindOf(err) != domain.Forbidden {
		t.Errorf("old superior opens the Q3 evaluation: error = %v, want Forbidden", err)
	}
	if _, err := evaluation.Open(evaluator, evaluation.OpenCommand{Evaluation: evalID, Plan: firstHalf, Unit: unitID, Period: q3}, p, at); domain.KindOf(err) != domain.Invalid {
		t.Errorf("old superior opens Q3 on the first-half SKP: error = %v, want Invalid (period outside the SKP)", err)
	}
	events, err := evaluation.Open(newSuperior, evaluation.OpenCommand{Evaluation: evalID, Plan: secondHalf, Unit: unitID, Period: q3}, p, at)
	if err != nil {
		t.Fatal(err)
	}
	ev := evaluation.ReplayEvaluation(events)
	unit := evaluation.ReplayUnit([]evaluation.Event{evaluation.OrgPredicateSet{Assessment: assessID, Unit: unitID, Period: q3, Predicate: policy.OrgBaik, Basis: "b", Policy: p.ID, SetBy: evalSup}}).Facts()
	if _, err := ev.RateWorkResult(evaluator, policy.AsExpected, "r", unit, p, at); domain.KindOf(err) != domain.Forbidden {
		t.Errorf("old superior rates Q3: error = %v, want Forbidden", err)
	}
	if _, err := ev.RateWorkResult(newSuperior, policy.AsExpected, "r", unit, p, at); err != nil {
		t.Errorf("new superior rates Q3: error = %v", err)
	}
}
