package projections_test

import (
	"context"

	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

// start runs r until the test ends and returns a function that stops it and
// returns what Run returned.
func start(t *testing.T, r *projections.Runner) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var err error
	wg.Go(func() { err = r.Run(ctx) })
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func waitHead(t *testing.T, r *projections.Runner, log *logtest.Log) {
	t.Helper()
	head, err := log.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WaitFor(t.Context(), head, 10*time.Second); err != nil {
		t.Fatalf("WaitFor(%s) = %v (runner error: %v)", head, err, r.Err())
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRunnerFoldsEveryEventOnce(t *testing.T) {
	tests := []struct {
		name      string
		dropEvery int
		batch     int
	}{
		{name: "steady", batch: 100},
		{name: "one event per batch", batch: 1},
		{name: "subscription drops every 7 events", dropEvery: 7, batch: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log logtest.Log
			log.DropEvery(tt.dropEvery)
			for i := range 50 {
				log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
			}
			p := logtest.NewTally(1)
			r := projections.NewRunner(&log, p, projections.Memory{}, projections.Config{Batch: tt.batch, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, quiet())
			start(t, r)
			waitHead(t, r, &log)
			for i := 50; i < 60; i++ { // live, after the catch-up
				log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
			}
			waitHead(t, r, &log)

			want := map[string]logtest.TallyRow{}
			for i := range 60 {
				k := fmt.Sprintf("skp-%d", i%3)
				row := want[k]
				row.Events++
				row.Sum += i
				row.Seen = append(row.Seen, i)
				want[k] = row
			}
			p.Model().Read(func(at eventstore.Position) {
				if at.Commit != 60 {
					t.Errorf("position = %s, want 60", at)
				}
				for k, w := range want {
					got, _ := p.Counts.Get(k)
					if fmt.Sprint(got) != fmt.Sprint(w) {
						t.Errorf("row %s = %+v, want %+v", k, got, w)
					}
				}
				if p.Counts.Len() != len(want) {
					t.Errorf("%d rows, want %d", p.Counts.Len(), len(want))
				}
			})
			lag, err := r.Lag(t.Context())
			if err != nil || lag != 0 {
				t.Errorf("Lag() = %d, %v; want 0, nil", lag, err)
			}
		})
	}
}

func TestRunnerStopsThroughItsContext(t *testing.T) {
	var log logtest.Log
	log.Append("skp-1", logtest.Counted(1))
	r := projections.NewRunner(&log, logtest.NewTally(1), projections.Memory{}, projections.Config{}, quiet())
	stop := start(t, r)
	waitHead(t, r, &log)
	done := make(chan error, 1)
	go func() { done <- stop() }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run() = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context ending")
	}
}

func TestRunnerRetriesAfterAFoldErrorWithoutSkipping(t *testing.T) {
	var log logtest.Log
	log.Append("skp-1", logtest.Counted(1), logtest.Counted(2))
	log.Append("skp-1", logtest.Event{Type: "test.counted", Data: map[string]string{"N": "not a number"}})
	log.Append("skp-1", logtest.Counted(4))
	p := logtest.NewTally(1)
	r := projections.NewRunner(&log, p, projections.Memory{}, projections.Config{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, quiet())
	start(t, r)

	err := r.WaitFor(t.Context(), eventstore.Position{Commit: 4, Prepare: 4}, 200*time.Millisecond)
	if !errors.Is(err, projections.ErrLags) || domain.KindOf(err) != domain.Conflict {
		t.Fatalf("WaitFor(4) = %v, want a Conflict that is ErrLags", err)
	}
	if got := r.Position(); got.Commit != 2 {
		t.Errorf("position = %s, want 2: the events before the bad one are committed, nothing after it", got)
	}
	if r.Err() == nil {
		t.Error("Err() = nil while the runner is stuck on an event it cannot decode")
	}
	row, _ := p.Counts.Get("skp-1")
	if row.Sum != 3 || row.Events != 2 {
		t.Errorf("row = %+v, want 2 events summing to 3", row)
	}
	lag, err := r.Lag(t.Context())
	if err != nil || lag != 2 {
		t.Errorf("Lag() = %d, %v; want 2, nil", lag, err)
	}
}

func TestWaitFor(t *testing.T) {
	var log logtest.Log
	log.Append("skp-1", logtest.Counted(1))
	r := projections.NewRunner(&log, logtest.NewTally(1), projections.Memory{}, projections.Config{}, quiet())
	start(t, r)
	waitHead(t, r, &log)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		pos     uint64
		appendN int // events appended while waiting
		wantErr error
	}{
		{name: "already there", ctx: t.Context(), pos: 1},
		{name: "reached while waiting", ctx: t.Context(), pos: 3, appendN: 2},
		{name: "never reached", ctx: t.Context(), pos: 99, wantErr: projections.ErrLags},
		{name: "caller gives up", ctx: ctx, pos: 99, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			go func() {
				for range tt.appendN {
					time.Sleep(5 * time.Millisecond)
					log.Append("skp-2", logtest.Counted(0))
				}
			}()
			err := r.WaitFor(tt.ctx, eventstore.Position{Commit: tt.pos, Prepare: tt.pos}, 300*time.Millisecond)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("WaitFor(%d) = %v, want %v", tt.pos, err, tt.wantErr)
			}
		})
	}
}

// recordingSink is the memory sink that also records every commit.
type recordingSink struct {
	projections.Memory
	mu      sync.Mutex
	commits [][2]uint64
}

func (s *recordingSink) Commit(ctx context.Context, p projections.Projection, from, to eventstore.Position) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits = append(s.commits, [2]uint64{from.Commit, to.Commit})
	return nil
}

func TestRunnerBatchesAndChainsCommits(t *testing.T) {
	var log logtest.Log
	for i := range 1000 {
		log.Append("skp-1", logtest.Counted(i))
	}
	sink := &recordingSink{}
	r := projections.NewRunner(&log, logtest.NewTally(1), sink, projections.Config{Batch: 64, MinBackoff: time.Millisecond}, quiet())
	start(t, r)
	waitHead(t, r, &log)

	sink.mu.Lock()
	defer sink.mu.Unlock()
	var prev uint64
	for _, c := range sink.commits {
		if c[0] != prev {
			t.Fatalf("commit from %d after a commit to %d: commits = %v", c[0], prev, sink.commits)
		}
		if n := c[1] - c[0]; n == 0 || n > 64 {
			t.Fatalf("commit of %d events (%d..%d); want 1 to 64", n, c[0], c[1])
		}
		prev = c[1]
	}
	if prev != 1000 {
		t.Errorf("last commit to %d, want 1000", prev)
	}
	if len(sink.commits) > 1000/8 {
		t.Errorf("%d commits for 1000 events caught up in batches of 64; want far fewer", len(sink.commits))
	}
}
