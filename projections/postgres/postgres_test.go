package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/postgres"
)

func openSink(t *testing.T) (*postgres.Sink, *pgxpool.Pool) {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := postgres.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return s, pool
}

func run(t *testing.T, r *projections.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { r.Run(ctx) })
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

func waitHead(t *testing.T, r *projections.Runner, log *logtest.Log) {
	t.Helper()
	head, _ := log.Head(t.Context())
	if err := r.WaitFor(t.Context(), head, 20*time.Second); err != nil {
		t.Fatalf("WaitFor(%s) = %v (runner error: %v)", head, err, r.Err())
	}
}

var fast = projections.Config{Batch: 16, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// stored reads every row of the live tally back from PostgreSQL.
func stored(t *testing.T, s *postgres.Sink, keys ...string) map[string]logtest.TallyRow {
	t.Helper()
	out := map[string]logtest.TallyRow{}
	for _, k := range keys {
		doc, err := s.Get(t.Context(), "tally", "counts", k)
		if domain.KindOf(err) == domain.NotFound {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var row logtest.TallyRow
		if err := json.Unmarshal(doc, &row); err != nil {
			t.Fatal(err)
		}
		out[k] = row
	}
	return out
}

func expected(n int, deleted ...string) map[string]logtest.TallyRow {
	want := map[string]logtest.TallyRow{}
	for i := range n {
		k := fmt.Sprintf("skp-%d", i%4)
		row := want[k]
		row.Events++
		row.Sum += i
		row.Seen = append(row.Seen, i)
		want[k] = row
	}
	for _, k := range deleted {
		delete(want, k)
	}
	return want
}

func appendN(log *logtest.Log, from, to int) {
	for i := from; i < to; i++ {
		log.Append(fmt.Sprintf("skp-%d", i%4), logtest.Counted(i))
	}
}

// flakySink fails the commits the test asks it to, after the transaction
// would have been decided, like a connection lost at COMMIT.
type flakySink struct {
	*postgres.Sink
	mu      sync.Mutex
	commits int
	failAt  map[int]bool
	after   bool // fail after committing instead of before
}

func (f *flakySink) Commit(ctx context.Context, p projections.Projection, from, to eventstore.Position) error {
	f.mu.Lock()
	f.commits++
	fail := f.failAt[f.commits]
	f.mu.Unlock()
	if !fail {
		return f.Sink.Commit(ctx, p, from, to)
	}
	if f.after {
		if err := f.Sink.Commit(ctx, p, from, to); err != nil {
			return err
		}
	}
	return errors.New("connection reset by peer")
}

func TestSinkStoresRowsAndCheckpointTogether(t *testing.T) {
	tests := []struct {
		name  string
		fail  map[int]bool
		after bool
	}{
		{name: "no failures"},
		{name: "commits lost before the transaction", fail: map[int]bool{2: true, 3: true, 7: true}},
		{name: "commits that succeeded but reported a failure", fail: map[int]bool{2: true, 5: true}, after: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openSink(t)
			var log logtest.Log
			appendN(&log, 0, 100)
			sink := &flakySink{Sink: s, failAt: tt.fail, after: tt.after}
			p := logtest.NewTally(1)
			r := projections.NewRunner(&log, p, sink, fast, quiet())
			stop := run(t, r)
			waitHead(t, r, &log)
			log.Append("skp-3", logtest.Deleted())
			appendN(&log, 100, 120)
			waitHead(t, r, &log)
			stop()

			keys := []string{"skp-0", "skp-1", "skp-2", "skp-3"}
			want := expected(120)
			want["skp-3"] = logtest.TallyRow{Events: 5, Sum: 103 + 107 + 111 + 115 + 119, Seen: []int{103, 107, 111, 115, 119}}
			if got := stored(t, s, keys...); !reflect.DeepEqual(got, want) {
				t.Errorf("stored rows = %v\nwant %v", got, want)
			}
			cp, err := s.Checkpoint(t.Context(), "tally", 1)
			if err != nil || cp.Commit != 121 {
				t.Errorf("Checkpoint() = %s, %v; want 121", cp, err)
			}

			// A new process loads the rows and the checkpoint and carries on
			// from there, without folding anything twice.
			appendN(&log, 120, 130)
			again := logtest.NewTally(1)
			r2 := projections.NewRunner(&log, again, s, fast, quiet())
			run(t, r2)
			waitHead(t, r2, &log)
			want = expected(130)
			want["skp-3"] = logtest.TallyRow{Events: 7, Sum: 103 + 107 + 111 + 115 + 119 + 123 + 127, Seen: []int{103, 107, 111, 115, 119, 123, 127}}
			if got := stored(t, s, keys...); !reflect.DeepEqual(got, want) {
				t.Errorf("after restart, stored rows = %v\nwant %v", got, want)
			}
			again.Model().Read(func(eventstore.Position) {
				for _, k := range keys {
					if got, _ := again.Counts.Get(k); !reflect.DeepEqual(got, want[k]) {
						t.Errorf("in memory after restart, %s = %v, want %v", k, got, want[k])
					}
				}
			})
		})
	}
}

func TestCommitRefusesABatchAlreadyStored(t *testing.T) {
	t.Parallel()
	s, _ := openSink(t)
	p := logtest.NewTally(1)
	if err := projections.Load(t.Context(), s, p); err != nil {
		t.Fatal(err)
	}
	p.Counts.Put("skp-1", logtest.TallyRow{Events: 1})
	at := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }
	if err := s.Commit(t.Context(), p, at(0), at(5)); err != nil {
		t.Fatal(err)
	}
	p.Counts.Put("skp-1", logtest.TallyRow{Events: 99})
	err := s.Commit(t.Context(), p, at(0), at(5))
	if !errors.Is(err, postgres.ErrCheckpointMoved) {
		t.Fatalf("Commit of a replayed batch = %v, want ErrCheckpointMoved", err)
	}
	if got := stored(t, s, "skp-1"); got["skp-1"].Events != 1 {
		t.Errorf("a refused batch changed the row: %+v", got["skp-1"])
	}
}

func TestRebuildBesideTheLiveVersion(t *testing.T) {
	t.Parallel()
	s, _ := openSink(t)
	var log logtest.Log
	appendN(&log, 0, 40)
	log.Append("skp-2", logtest.Deleted())
	appendN(&log, 40, 60)

	live := logtest.NewTally(1)
	r := projections.NewRunner(&log, live, s, fast, quiet())
	run(t, r)
	waitHead(t, r, &log)

	var reports [][2]uint64
	next := logtest.NewTally(2)
	if err := postgres.Rebuild(t.Context(), &log, s, next, func(done, total uint64) {
		reports = append(reports, [2]uint64{done, total})
	}); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Live(t.Context(), "tally"); err != nil || !ok || v != 2 {
		t.Errorf("Live() = %d, %v, %v; want 2 after the swap", v, ok, err)
	}
	if len(reports) == 0 || reports[len(reports)-1] != [2]uint64{61, 61} {
		t.Errorf("progress reports = %v, want them to end at 61 of 61", reports)
	}
	// What v2 stored, loaded back, is what v1 built live.
	loaded := logtest.NewTally(2)
	if err := projections.Load(t.Context(), s, loaded); err != nil {
		t.Fatal(err)
	}
	if pos := loaded.Model().Position(); pos.Commit != 61 {
		t.Errorf("v2 checkpoint = %s, want 61", pos)
	}
	liveDigest, err := live.Model().Digest()
	if err != nil {
		t.Fatal(err)
	}
	loadedDigest, err := loaded.Model().Digest()
	if err != nil {
		t.Fatal(err)
	}
	if liveDigest != loadedDigest {
		t.Errorf("digest of the rebuilt v2 = %x, of the live v1 = %x", loadedDigest, liveDigest)
	}
	got := map[string]logtest.TallyRow{}
	for _, k := range loaded.Counts.Keys() {
		got[k], _ = loaded.Counts.Get(k)
	}
	want := map[string]logtest.TallyRow{}
	for _, k := range live.Counts.Keys() {
		want[k], _ = live.Counts.Get(k)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rebuilt rows = %v\nlive rows = %v", got, want)
	}
	if _, ok := got["skp-2"]; !ok {
		t.Error("skp-2 was re-created after its deletion, so the fixture tests nothing; want rows after the delete")
	}

	err = postgres.Rebuild(t.Context(), &log, s, logtest.NewTally(2), nil)
	if domain.KindOf(err) != domain.Invalid {
		t.Errorf("Rebuild of the live version = %v, want an Invalid error", err)
	}
}

func postgresRebuild(t *testing.T, log *logtest.Log, s *postgres.Sink, p projections.Projection) error {
	t.Helper()
	return postgres.Rebuild(t.Context(), log, s, p, nil)
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

func newID() uuid.UUID { return uuid.New() }

func TestRunnerPromotesANewVersionOnceCaughtUp(t *testing.T) {
	t.Parallel()
	s, _ := openSink(t)
	var log logtest.Log
	appendN(&log, 0, 50)
	live := func() int {
		t.Helper()
		v, _, err := s.Live(t.Context(), "tally")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	eventually := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for live() != want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := live(); got != want {
			t.Fatalf("live version = %d, want %d", got, want)
		}
	}

	v1 := projections.NewRunner(&log, logtest.NewTally(1), s, fast, quiet())
	stop1 := run(t, v1)
	waitHead(t, v1, &log)
	eventually(1)

	v2 := projections.NewRunner(&log, logtest.NewTally(2), s, fast, quiet())
	run(t, v2)
	waitHead(t, v2, &log)
	eventually(2)

	stop1() // the old binary, started again, catches up but does not take back
	appendN(&log, 50, 60)
	again := projections.NewRunner(&log, logtest.NewTally(1), s, fast, quiet())
	run(t, again)
	waitHead(t, again, &log)
	waitHead(t, v2, &log)
	time.Sleep(50 * time.Millisecond)
	if got := live(); got != 2 {
		t.Errorf("live version = %d after v1 caught up again, want 2", got)
	}
}
