package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// workloadLog returns a log of at least n events of the randomised workload.
func workloadLog(t *testing.T, n int) *logtest.Log {
	t.Helper()
	log := new(logtest.Log)
	gen := workload.New(3, 4, 10)
	for count := 0; count < n; {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		count += len(c.Events)
	}
	return log
}

// failingReader fails every read after position failAfter.
type failingReader struct {
	*logtest.Log
	failAfter uint64
}

var errRead = errors.New("disk on fire")

func (r failingReader) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after.Commit >= r.failAfter {
		return nil, errRead
	}
	return r.Log.ReadAll(ctx, after, limit)
}

// TestReplayAllMatchesOneByOne checks that replaying projections together,
// also more of them than ReplayAll tracks in its read masks, builds the same
// read models as replaying each alone.
func TestReplayAllMatchesOneByOne(t *testing.T) {
	log := workloadLog(t, 7000) // two pages, so that they overlap in the pipeline
	light := func() []projections.Projection {
		return []projections.Projection{projections.NewCatalogue(), projections.NewCascade(), projections.NewDistributions()}
	}
	tests := []struct {
		name   string
		make   func() []projections.Projection
		copies int
	}{
		{name: "every read model", make: projections.All, copies: 1},
		{name: "more than 64 projections", make: light, copies: 22}, // 66 of them
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alone := tt.make()
			for _, p := range alone {
				if err := projections.Replay(t.Context(), log, p, eventstore.Position{}, nil); err != nil {
					t.Fatal(err)
				}
			}
			var together []projections.Projection
			for range tt.copies {
				together = append(together, tt.make()...)
			}
			if err := projections.ReplayAll(t.Context(), log, together, eventstore.Position{}, nil); err != nil {
				t.Fatal(err)
			}
			head, err := log.Head(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range together {
				want := alone[i%len(alone)]
				if got := p.Model().Position(); got != head {
					t.Errorf("%s #%d: at %s, want the head %s", p.Name(), i, got, head)
				}
				if got, want := digest(t, p), digest(t, want); got != want {
					t.Errorf("%s #%d: digest %x, replayed alone %x", p.Name(), i, got, want)
				}
				if rowCount(p) == 0 {
					t.Errorf("%s #%d: no rows; the log does not exercise it", p.Name(), i)
				}
			}
		})
	}
}

// TestReplayAllStopsAtAFailedRead checks that a read failure ends the replay
// with the error, and leaves each model consistent with its position: at a
// page boundary no later than the failure, with every event up to it folded.
func TestReplayAllStopsAtAFailedRead(t *testing.T) {
	log := workloadLog(t, 12_000)
	const failAfter = 5000 // the end of the first page
	ps := projections.All()
	err := projections.ReplayAll(t.Context(), failingReader{log, failAfter}, ps, eventstore.Position{}, nil)
	if !errors.Is(err, errRead) {
		t.Fatalf("ReplayAll() = %v, want the read error", err)
	}
	if !strings.Contains(err.Error(), "read after 5000") {
		t.Errorf("ReplayAll() = %q, want it to say where the read failed", err)
	}
	for i, p := range ps {
		at := p.Model().Position()
		if at.Commit != 0 && at.Commit != failAfter {
			t.Errorf("%s: at %s after the failure, want 0 or %d", p.Name(), at, failAfter)
			continue
		}
		want := projections.All()[i]
		if !at.IsZero() {
			if err := projections.Replay(t.Context(), log, want, at, nil); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := digest(t, p), digest(t, want); got != want {
			t.Errorf("%s: digest %x, want %x as replayed up to %s", p.Name(), got, want, at)
		}
	}
}

// TestReplayAllReportsAnUndecodableEvent checks that an event a projection
// reads but cannot decode stops the replay before it, with the event named.
func TestReplayAllReportsAnUndecodableEvent(t *testing.T) {
	log := workloadLog(t, 6000)
	before, err := log.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	log.Append("indicator-00000000-0000-4000-8000-000000000001", logtest.Event{Type: "indicator.defined", Data: []int{1}})
	workloadTail(log, 100)
	ps := projections.All()
	err = projections.ReplayAll(t.Context(), log, ps, eventstore.Position{}, nil)
	if err == nil || !strings.Contains(err.Error(), "indicator.defined") {
		t.Fatalf("ReplayAll() = %v, want an error naming the indicator.defined event", err)
	}
	for _, p := range ps {
		if !p.Reads("indicator.defined") {
			continue
		}
		if got := p.Model().Position(); got != before {
			t.Errorf("%s: at %s, want %s, the event before the bad one", p.Name(), got, before)
		}
	}
}

// workloadTail appends at least n more events of another workload to log.
func workloadTail(log *logtest.Log, n int) {
	gen := workload.New(4, 1, 4)
	for count := 0; count < n; {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		count += len(c.Events)
	}
}
