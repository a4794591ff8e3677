package evaluation_test

import (
	"flag"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []evaluation.Event {
	set := orgSet(policy.OrgBaik)[0].(evaluation.OrgPredicateSet)
	set.Recommendations = []string{"inspektorat", "bappeda"}
	return []evaluation.Event{
		set,
		evaluation.PatternFixed{OrgPredicate: policy.OrgBaik, Policy: policy.DefaultID, At: at, Quotas: []evaluation.Quota{
			{Rule: "quota-baik-max-70", Predicates: []policy.Predicate{policy.Baik}, Kind: policy.Maximum, Percent: 70},
			{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []policy.Predicate{policy.ButuhPerbaikan, policy.KurangMisconduct}, Kind: policy.Minimum, AtLeast: 1},
		}},
		evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "rekomendasi inspektorat", By: evalSup, At: at},
		evaluation.DistributionChecked{Predicates: map[uuid.UUID]policy.Predicate{evalID: policy.Baik}, Counts: map[policy.Predicate]int{policy.Baik: 1}, Result: evaluation.Fail,
			Violations: []evaluation.Violation{{Rule: "quota-baik-max-70", Predicates: []policy.Predicate{policy.Baik}, Count: 1, Limit: 0, Message: "at most 0 of 1 may be Baik"}}, By: evaluator, At: at},
		evaluation.OverrideRecorded{Justification: "unit satu orang", By: evalSup, At: at},
		opened(true),
		evaluation.SelfAssessed{Notes: "target tercapai", By: employee, At: at},
		workRated(policy.AboveExpectation),
		behaviourRated(policy.AsExpected),
		determined(policy.Baik, policy.AboveExpectation, policy.AsExpected),
		evaluation.Finalized{SignedBy: evaluator, SignatureRef: "ttd-el-9", DocumentRef: "dok-9", At: at},
		evaluation.Delivered{By: evaluator, At: deliveryAt},
		evaluation.ObjectionFiled{Objection: objID, Reasons: "capaian melebihi target", By: employee, At: deliveryAt},
		evaluation.ExplanationRequested{From: evaluation.PartyEvaluator, Question: "dasar rating?", By: evalSup, At: at},
		evaluation.ExplanationProvided{From: evaluation.PartyEvaluator, Text: "lihat bukti", By: evaluator, At: at},
		evaluation.ObjectionDecided{Objection: objID, Outcome: evaluation.Changed, WorkResult: policy.AboveExpectation, Behaviour: policy.AboveExpectation, Predicate: policy.SangatBaik, Reason: "bukti lengkap", By: evalSup, At: at},
		evaluation.Locked{Predicate: policy.SangatBaik, At: at},
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), evaluation.Decode)
	if _, err := evaluation.Decode("evaluation.opened", []byte(`{"evaluation_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), evaluation.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Add("evaluation.distribution_checked", []byte(`{"predicates":{"x":"BAIK"}}`))
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := evaluation.Decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("Decode(%q) gave a %s", eventType, e.EventType())
		}
		if e != nil {
			evaluation.ReplayEvaluation([]evaluation.Event{e}).Facts()
			evaluation.ReplayUnit([]evaluation.Event{e}).Facts()
		}
	})
}
