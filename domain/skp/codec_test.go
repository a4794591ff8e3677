package skp_test

import (
	"flag"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/skp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []skp.Event {
	catalogue := uuid.MustParse("00000000-0000-0000-0000-0000000000f1")
	ended := date(2026, 6, 30)
	full := iki()
	full.Indicator, full.Version, full.ValidTo = &catalogue, 3, &ended
	jptRHK := skp.RHK{ID: rhk2ID, Kind: skp.Tambahan, Text: "Penugasan khusus", Source: &skp.Source{Kind: skp.SourceAssignment, Reference: "penugasan dari Menteri"}, ValidFrom: jan1, ValidTo: &ended}
	return []skp.Event{
		drafted(),
		skp.RHKAdded{RHK: rhk(), At: at},
		skp.RHKRemoved{RHK: rhkID, Reason: "digabung", At: at},
		skp.IKIAdded{IKI: full, At: at},
		skp.IKIRemoved{IKI: ikiID, Reason: "diganti", At: at},
		skp.BehaviourExpectationSet{Value: skp.Kolaboratif, Expectation: "aktif dalam tim lintas bidang", By: evaluator, At: at},
		skp.Submitted{By: employee, At: at},
		skp.ReturnedForRevision{By: evaluator, Comments: "perjelas target", At: at},
		skp.Approved{By: evaluator, SignatureRef: "ttd-el-1", At: at},
		skp.AmendmentProposed{By: employee, Reason: "tugas tambahan", EffectiveFrom: date(2026, 7, 1), At: at, Changes: skp.Amendment{
			AddRHKs: []skp.RHK{jptRHK}, RemoveRHKs: []uuid.UUID{rhkID},
			AddIKIs:    []skp.IKI{{ID: iki2ID, RHK: rhk2ID, Text: "Waktu layanan", Aspect: indicator.Time, Direction: indicator.Range, Target: indicator.Target{Min: 1, Max: 3}, Unit: "hari", ValidFrom: date(2026, 7, 1)}},
			RemoveIKIs: []uuid.UUID{ikiID},
		}},
		skp.AmendmentApproved{By: evaluator, At: at},
		skp.AmendmentReturned{By: evaluator, Comments: "belum perlu", At: at},
		skp.Closed{By: evaluator, Reason: skp.ClosePositionChange, At: time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)},
		skp.DialogueHeld{Participants: []domain.NIP{employee, evaluator}, Date: date(2026, 1, 3), NotesRef: "notulen-dialog-1", By: evaluator, At: at},
		skp.PeriodReserved{SKP: skpID, Start: jan1, End: date(2026, 12, 31), At: at},
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), skp.Decode)
	if _, err := skp.Decode("skp.drafted", []byte(`{"skp_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), skp.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Add("skp.drafted", []byte(`{"period_start":"not a time"}`))
	f.Add("skp.iki_added", []byte(`null`))
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := skp.Decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("Decode(%q) gave a %s", eventType, e.EventType())
		}
		if e != nil {
			skp.Replay([]skp.Event{e}).Plan() // folding junk must not panic either
		}
	})
}
