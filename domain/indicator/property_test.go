package indicator_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/indicator"
)

// TestFoldEqualsLive runs random command sequences against a live indicator,
// applying each command's events as they come, and checks that folding the
// stored form (JSON, decoded) of all produced events from scratch gives the
// same state. Rejected commands must produce no events.
func TestFoldEqualsLive(t *testing.T) {
	aspects := []indicator.Aspect{indicator.Quantity, indicator.Quality, indicator.Time, indicator.Cost}
	directions := []indicator.Direction{indicator.HigherIsBetter, indicator.LowerIsBetter, indicator.Range}
	seen := map[string]int{}
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			def := func() indicator.Definition {
				d := indicator.Definition{
					Name: fmt.Sprintf("indikator %d", rng.IntN(3)), Aspect: aspects[rng.IntN(len(aspects))],
					UnitOfMeasure: []string{"%", "dokumen"}[rng.IntN(2)], Direction: directions[rng.IntN(len(directions))],
					Measurement: []string{"", "m"}[rng.IntN(2)],
				}
				if rng.IntN(2) == 0 {
					d.Formula = indicator.DefaultFormula(d.Direction)
				}
				return d
			}
			live := new(indicator.Indicator)
			var produced []indicator.Event
			now := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
			for step := range 30 {
				now = now.Add(time.Duration(rng.IntN(60*24)) * time.Hour)
				day := now.AddDate(0, 0, rng.IntN(90)-10) // sometimes in the past: rejected
				var events []indicator.Event
				var err error
				switch c := rng.IntN(10); {
				case step == 0 || c == 0:
					events, err = live.Define(uuid.New(), "", def(), day, hr, now)
				case c == 9:
					events, err = live.Retire(day, uuid.Nil, "selesai", hr, now)
				default:
					events, err = live.Revise(def(), day, "revisi", head, now)
				}
				if err != nil && len(events) > 0 {
					t.Fatalf("step %d: a rejected command produced events %+v", step, events)
				}
				for _, e := range events {
					live.Apply(e)
				}
				produced = append(produced, events...)
			}
			for _, e := range produced {
				seen[e.EventType()]++
			}
			folded := indicator.Replay(stored(t, produced))
			if !reflect.DeepEqual(folded, live) {
				t.Errorf("folding %d events from scratch = %+v, live = %+v", len(produced), folded, live)
			}
		})
	}
	for _, e := range examples() {
		if seen[e.EventType()] == 0 {
			t.Errorf("the random sequences never produced %s; the property is not exercised", e.EventType())
		}
	}
	t.Logf("events produced: %v", seen)
}

// stored returns events as the event store hands them back: encoded and decoded.
func stored(t *testing.T, events []indicator.Event) []indicator.Event {
	t.Helper()
	out := make([]indicator.Event, len(events))
	for i, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = indicator.Decode(e.EventType(), data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
