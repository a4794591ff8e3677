package indicator_test

import (
	"flag"
	"testing"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []indicator.Event {
	return []indicator.Event{defined(), revised(), retired()}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), indicator.Decode)
	if _, err := indicator.Decode("indicator.defined", []byte(`{"indicator_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), indicator.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Add("indicator.revised", []byte(`{"changed": [1, 2], "version": "x"}`))
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := indicator.Decode(eventType, data)
		if err != nil {
			return
		}
		if e.EventType() != eventType {
			t.Fatalf("Decode(%q) returned a %s", eventType, e.EventType())
		}
		indicator.Replay([]indicator.Event{e, e}) // Apply must not panic on junk either
	})
}
