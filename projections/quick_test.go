package projections_test

import (
	"reflect"
	"testing"

	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// TestQuickDecodeWorkload checks every body of the randomised workload that
// quickDecode reads: it must take all of them, since json.Marshal wrote
// them, and decode them as the domain does.
func TestQuickDecodeWorkload(t *testing.T) {
	log := new(logtest.Log)
	gen := workload.New(3, 10, 12)
	for n := 0; n < 20_000; {
		c := gen.Next()
		n += len(log.Append(c.Stream, c.Events...))
	}
	quick := 0
	events := log.All()
	for _, e := range events {
		got, ok := projections.QuickDecode(e.Type, e.Data)
		if !ok {
			if projections.IsQuickType(e.Type) {
				t.Errorf("quickDecode did not take the %s at %s: %s", e.Type, e.Position, e.Data)
			}
			continue
		}
		quick++
		want, err := projections.NewEvent(e).Body()
		if err != nil {
			t.Fatalf("the %s at %s does not decode: %v", e.Type, e.Position, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the quick decode of the %s at %s = %#v, the domain's Decode %#v", e.Type, e.Position, got, want)
		}
	}
	if quick < 5_000 {
		t.Errorf("quickDecode took %d of %d events, want most of them", quick, len(events))
	}
}
