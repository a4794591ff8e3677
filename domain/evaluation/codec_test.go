package evaluation_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []evaluation.Event {
	mean, byReplay := 112.5, ref
	set := orgSet(policy.OrgBaik)[0].(evaluation.OrgPredicateSet)
	set.Recommendations = []string{"inspektorat", "bappeda"}
	return []evaluation.Event{
		set,
		patternFixed(&byReplay),
		evaluation.OrgPredicateRevised{Predicate: policy.OrgIstimewa, Reason: "rekomendasi inspektorat", By: evalSup, At: at},
		evaluation.DistributionChecked{Predicates: map[uuid.UUID]policy.Predicate{evalID: policy.Baik}, Counts: map[policy.Predicate]int{policy.Baik: 1}, Result: evaluation.Fail,
			Violations: []evaluation.Violation{{Rule: "quota-baik-max-70", Predicates: []policy.Predicate{policy.Baik}, Count: 1, Limit: 0, Message: "at most 0 of 1 may be Baik"}}, By: evaluator, At: at},
		evaluation.OverrideRecorded{Justification: "unit satu orang", By: evalSup, At: at},
		evaluation.FinalizationRecorded{Evaluation: evalID, Predicate: policy.Baik, By: evaluator, At: at},
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
		evaluation.RatingRecommended{Decided: policy.AsExpected, Recommended: policy.AboveExpectation, MeanAchievement: &mean,
			Policy: policy.DefaultID, Replay: ref, By: hr, At: at},
		evaluation.PredicateRederived{Before: policy.Baik, Predicate: policy.SangatBaik, WorkResult: policy.AboveExpectation, Behaviour: policy.AboveExpectation,
			Policy: policy.DefaultID, Replay: ref, By: hr, At: at},
	}
}

// patternFixed is the example PatternFixed, fixed again by replay r (nil:
// fixed by the organisational predicate, as before replays existed).
func patternFixed(r *replay.Ref) evaluation.PatternFixed {
	return evaluation.PatternFixed{OrgPredicate: policy.OrgBaik, Policy: policy.DefaultID, At: at, Replay: r, Quotas: []evaluation.Quota{
		{Rule: "quota-baik-max-70", Predicates: []policy.Predicate{policy.Baik}, Kind: policy.Maximum, Percent: 70},
		{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []policy.Predicate{policy.ButuhPerbaikan, policy.KurangMisconduct}, Kind: policy.Minimum, AtLeast: 1},
	}}
}

// TestPatternFixedBeforeReplay checks that a PatternFixed stored before
// PatternFixed.Replay existed (its golden file kept in
// testdata/before-replay) still decodes, with no replay, and that a pattern
// fixed without a replay is still written byte for byte as it was.
func TestPatternFixedBeforeReplay(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "before-replay", "evaluation.distribution_pattern_fixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(old, []byte(`"replay"`)) {
		t.Fatalf("the stored PatternFixed already names a replay:\n%s", old)
	}
	got, err := evaluation.Decode(patternFixed(nil).EventType(), old)
	if err != nil {
		t.Fatalf("Decode(old PatternFixed) error = %v", err)
	}
	if !reflect.DeepEqual(got, patternFixed(nil)) {
		t.Errorf("Decode(old PatternFixed) = %+v, want %+v", got, patternFixed(nil))
	}
	data, err := json.MarshalIndent(patternFixed(nil), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if data = append(data, '\n'); !bytes.Equal(data, old) {
		t.Errorf("PatternFixed without a replay is now written\n%s\nwas\n%s", data, old)
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
