package evaluation_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
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
	seen := map[string]bool{}
	for _, e := range examples() {
		t.Run(e.EventType(), func(t *testing.T) {
			if seen[e.EventType()] {
				t.Fatalf("two examples of %s", e.EventType())
			}
			seen[e.EventType()] = true
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := evaluation.Decode(e.EventType(), data)
			if err != nil {
				t.Fatalf("Decode(%s) error = %v", e.EventType(), err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("Decode(%s) = %+v, want %+v", e.EventType(), got, e)
			}
		})
	}
	if _, err := evaluation.Decode("evaluation.unknown", []byte(`{}`)); err == nil {
		t.Error("Decode of an unknown type succeeded")
	}
	if _, err := evaluation.Decode("evaluation.opened", []byte(`{"evaluation_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	for _, e := range examples() {
		t.Run(e.EventType(), func(t *testing.T) {
			got, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", e.EventType()+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("JSON of %s changed:\n%s\nwant:\n%s", e.EventType(), got, want)
			}
			decoded, err := evaluation.Decode(e.EventType(), want)
			if err != nil || !reflect.DeepEqual(decoded, e) {
				t.Errorf("golden %s decodes to %+v, %v; want %+v", path, decoded, err, e)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range examples() {
		data, err := json.Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.EventType(), data)
	}
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
