package execution_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []execution.Event {
	rhk, unit, prev := rhkID, uuid.MustParse("00000000-0000-0000-0000-000000000401"), realID
	correction := reported()
	correction.Realisation, correction.Supersedes, correction.Reason = real2ID, &prev, "dua izin terlewat"
	return []execution.Event{
		opened(),
		attached(),
		correction,
		execution.FeedbackGiven{Feedback: uuid.MustParse("00000000-0000-0000-0000-000000000201"), From: evaluator, RHK: &rhk, CoreValue: "", Text: "percepat verifikasi", Evidence: []string{doc}, At: at},
		execution.PeerInputGiven{Input: uuid.MustParse("00000000-0000-0000-0000-000000000301"), From: peer, Relation: execution.Peer, SourceRef: "360-2026", Period: q1, CoreValue: skp.Harmonis, Assessment: policy.AboveExpectation, Text: "membantu rekan", At: at},
		execution.DailyProgressLogged{Log: logID, Date: date(2026, 3, 2), RHK: &rhk, Description: "verifikasi berkas", Minutes: 240, Evidence: []string{doc}, At: at},
		execution.DailyProgressSubmitted{Log: logID, At: at},
		execution.DailyProgressApproved{Log: logID, By: evaluator, Comment: "baik", At: at},
		execution.DailyProgressRejected{Log: logID, By: evaluator, Comment: "bukti kurang", At: at},
		execution.SeriesOpened{Series: uuid.MustParse("00000000-0000-0000-0000-000000000402"), Unit: &unit, NIP: "", Indicator: catalog, UnitOfMeasure: "pengaduan", At: at},
		execution.MetricObserved{Observation: uuid.MustParse("00000000-0000-0000-0000-000000000404"), Period: q1, Value: 5, Version: 1, Source: "SP4N-LAPOR", SourceRef: "rekap-q1", Supersedes: &prev, Reason: "aduan ganda", At: at},
		execution.SessionHeld{Session: uuid.MustParse("00000000-0000-0000-0000-000000000501"), Coach: evaluator, Employee: employee, SKP: skpID, Date: date(2026, 5, 4), Type: execution.Konseling, NotesRef: "notulen-1", At: at},
		execution.CoachingFeedbackSubmitted{By: employee, Answers: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, At: at},
		execution.CompetencyEvaluated{By: evaluator, Competencies: []execution.Competency{{Name: "Analisis", Score: 4, Reason: "tepat"}}, At: at},
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
			got, err := execution.Decode(e.EventType(), data)
			if err != nil {
				t.Fatalf("Decode(%s) error = %v", e.EventType(), err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("Decode(%s) = %+v, want %+v", e.EventType(), got, e)
			}
		})
	}
	if _, err := execution.Decode("execution.unknown", []byte(`{}`)); err == nil {
		t.Error("Decode of an unknown type succeeded")
	}
	if _, err := execution.Decode("execution.opened", []byte(`{"skp_id": 7}`)); err == nil {
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
			decoded, err := execution.Decode(e.EventType(), want)
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
	f.Add("execution.realisation_reported", []byte(`{"value":"x"}`))
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := execution.Decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("Decode(%q) gave a %s", eventType, e.EventType())
		}
		if e != nil {
			execution.ReplayRecord([]execution.Event{opened(), e}).Realisations("2026-Q1")
			execution.ReplaySeries([]execution.Event{e})
			execution.ReplaySession([]execution.Event{e})
		}
	})
}
