package indicator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain/indicator"
)

// BenchmarkReplay decodes and folds an indicator with 100 versions, the
// worst case of a catalogue entry revised often, to keep the no-snapshot
// decision honest.
func BenchmarkReplay(b *testing.B) {
	x := new(indicator.Indicator)
	var types []string
	var bodies [][]byte
	record := func(events []indicator.Event, err error) {
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range events {
			x.Apply(e)
			data, err := json.Marshal(e)
			if err != nil {
				b.Fatal(err)
			}
			types, bodies = append(types, e.EventType()), append(bodies, data)
		}
	}
	record(x.Define(indicatorID, "public-complaints", complaints(), jan1, hr, at))
	for i := 1; i < 100; i++ {
		def := complaints()
		def.Measurement = string(rune('a' + i%26))
		if i%26 == 0 {
			def.Measurement = "z0"
		}
		day := jan1.AddDate(0, 0, i*7)
		record(x.Revise(def, day, "revisi", head, day.Add(-time.Hour)))
	}
	b.ReportAllocs()
	for b.Loop() {
		events := make([]indicator.Event, len(bodies))
		for i := range bodies {
			e, err := indicator.Decode(types[i], bodies[i])
			if err != nil {
				b.Fatal(err)
			}
			events[i] = e
		}
		if indicator.Replay(events).Versions()[99].Number != 100 {
			b.Fatal("replay lost a version")
		}
	}
}
