package execution_test

import (
	"flag"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
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
		// Percent and Problem do not occur together; both are set to pin
		// both JSON names.
		execution.AchievementRederived{IKI: ikiID, Period: q1.ID, Realisation: real2ID, Indicator: catalog, Direction: indicator.LowerIsBetter,
			Formula: indicator.MirroredRatio, Target: indicator.Target{Value: 8, Min: 1, Max: 9}, Percent: 125, Problem: "the realised value cannot be negative",
			Replay: ref, By: hr, At: at},
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
	eventtest.RoundTrip(t, examples(), execution.Decode)
	if _, err := execution.Decode("execution.opened", []byte(`{"skp_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), execution.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
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
