package org_test

import (
	"flag"
	"testing"

	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/org"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []org.Event {
	full := registered()
	full.LegacyNIP = "131110468"
	full.Warnings = []string{"the master record's sex P differs from the NIP's L"}
	jpt := placed()
	jpt.Placement.SuperiorTitle = "Bupati"
	return []org.Event{
		full,
		jpt,
		org.AppointedPNS{NIP: cpns, TMTPNS: date(2025, 3, 1), DecisionRef: "SK-PNS-1", By: hr, At: at},
		org.EmployeeLeft{NIP: pns, Reason: org.Retirement, LastDay: date(2025, 12, 31), DecisionRef: "SK-BUP", By: hr, At: at},
		unitDefined(),
		restructured(),
		headAppointed(),
		dissolved(),
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), org.Decode)
	if _, err := org.Decode("org.unit_defined", []byte(`{"unit_id": "not a uuid"}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), org.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := org.Decode(eventType, data)
		if err != nil {
			return
		}
		if e.EventType() != eventType {
			t.Fatalf("Decode(%q) returned a %s", eventType, e.EventType())
		}
		org.ReplayEmployee([]org.Event{e, e}) // Apply must not panic on junk either
		org.ReplayUnit([]org.Event{e, e})
	})
}
