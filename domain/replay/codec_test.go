package replay_test

import (
	"flag"
	"testing"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []replay.Event {
	return []replay.Event{
		replay.Published{
			Replay: replayID, Digest: digest, Position: "12345/12340",
			Inputs: replay.Substitutions{
				Indicators: []replay.IndicatorRevision{{Indicator: catalog, Code: "service-response-time", Direction: indicator.LowerIsBetter,
					Formula: indicator.InverseRatio, Target: &indicator.Target{Value: 8, Min: 1, Max: 9}, ValidFrom: jul1}},
				Policy: policy.DefaultID, Quotas: policy.LegacyID,
			},
			Changes:     replay.Changes{Achievements: 4, Recommendations: 3, Predicates: 2, Patterns: 1},
			PublishedBy: hr, At: at,
		},
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), replay.Decode)
	if _, err := replay.Decode("replay.published", []byte(`{"replay_id": 7}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), replay.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Add("replay.published", []byte(`{"inputs":{"indicators":[{"target":null}]}}`))
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := replay.Decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("Decode(%q) gave a %s", eventType, e.EventType())
		}
		if e != nil {
			if _, ok := replay.Fold([]replay.Event{e}).Published(); !ok {
				t.Errorf("Fold(%s) has no publication", e.EventType())
			}
		}
	})
}
