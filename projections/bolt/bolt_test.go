package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/bolt"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

var fast = projections.Config{Batch: 16, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func open(t *testing.T, path string) *bolt.Sink {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run runs r until the returned stop is called or the test ends.
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
	if err := r.WaitFor(t.Context(), head, 30*time.Second); err != nil {
		t.Fatalf("WaitFor(%s) = %v (runner error: %v)", head, err, r.Err())
	}
}

// flaky fails the commits it is told to, before or after the transaction.
type flaky struct {
	*bolt.Sink
	mu      sync.Mutex
	commits int
	failAt  map[int]bool
	after   bool
}

func (f *flaky) Commit(ctx context.Context, p projections.Projection, from, to eventstore.Position) error {
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
	return errors.New("disk hiccup")
}

func want(n int) map[string]logtest.TallyRow {
	rows := map[string]logtest.TallyRow{}
	for i := range n {
		k := fmt.Sprintf("skp-%d", i%3)
		r := rows[k]
		r.Events++
		r.Sum += i
		r.Seen = append(r.Seen, i)
		rows[k] = r
	}
	return rows
}

func rowsOf(t *testing.T, p *logtest.Tally) map[string]logtest.TallyRow {
	t.Helper()
	got := map[string]logtest.TallyRow{}
	p.Model().Read(func(eventstore.Position) {
		for _, k := range p.Counts.Keys() {
			got[k], _ = p.Counts.Get(k)
		}
	})
	return got
}

func TestRowsAndCheckpointSurviveARestart(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprintf("failures after commit %v", after), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "readmodels.db")
			var log logtest.Log
			for i := range 90 {
				log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
			}
			s := open(t, path)
			first := logtest.NewTally(1)
			r := projections.NewRunner(&log, first, &flaky{Sink: s, failAt: map[int]bool{2: true, 4: true}, after: after}, fast, quiet())
			stop := run(t, r)
			waitHead(t, r, &log)
			stop()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := rowsOf(t, first); !reflect.DeepEqual(got, want(90)) {
				t.Errorf("rows before the restart = %v\nwant %v", got, want(90))
			}

			// A new process opens the file, loads rows and checkpoint and
			// folds only what is new.
			for i := 90; i < 100; i++ {
				log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
			}
			s = open(t, path)
			t.Cleanup(func() { s.Close() })
			next := logtest.NewTally(1)
			if err := projections.Load(t.Context(), s, next); err != nil {
				t.Fatal(err)
			}
			if at := next.Model().Position(); at.Commit != 90 {
				t.Errorf("loaded checkpoint = %s, want 90", at)
			}
			r = projections.NewRunner(&log, next, s, fast, quiet())
			run(t, r)
			waitHead(t, r, &log)
			if got := rowsOf(t, next); !reflect.DeepEqual(got, want(100)) {
				t.Errorf("rows after the restart = %v\nwant %v", got, want(100))
			}
		})
	}
}

func TestCommitRefusesABatchAlreadyStored(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "readmodels.db"))
	t.Cleanup(func() { s.Close() })
	p := logtest.NewTally(1)
	if err := projections.Load(t.Context(), s, p); err != nil {
		t.Fatal(err)
	}
	at := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }
	p.Counts.Put("skp-1", logtest.TallyRow{Events: 1})
	if err := s.Commit(t.Context(), p, at(0), at(5)); err != nil {
		t.Fatal(err)
	}
	p.Counts.Put("skp-1", logtest.TallyRow{Events: 99})
	if err := s.Commit(t.Context(), p, at(0), at(5)); !errors.Is(err, bolt.ErrCheckpointMoved) {
		t.Fatalf("Commit of a replayed batch = %v, want ErrCheckpointMoved", err)
	}
	loaded := logtest.NewTally(1)
	if err := projections.Load(t.Context(), s, loaded); err != nil {
		t.Fatal(err)
	}
	if row, _ := loaded.Counts.Get("skp-1"); row.Events != 1 {
		t.Errorf("a refused batch changed the row: %+v", row)
	}
}

// TestLiveEqualsRebuild runs every read model on the bbolt sink under a
// randomised workload, killing runners (a new process loads the file) at
// random points; the file must then hold what a replay from scratch builds.
func TestLiveEqualsRebuild(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "readmodels.db"))
	t.Cleanup(func() { s.Close() })
	rng := rand.New(rand.NewPCG(21, 4))
	gen := workload.New(21, 8, 10)
	var log logtest.Log
	log.DropEvery(150)
	n := len(projections.All())
	stops := make([]func(), n)
	runners := make([]*projections.Runner, n)
	startOne := func(i int) {
		sink := &flaky{Sink: s, failAt: map[int]bool{1 + rng.IntN(30): true}, after: rng.IntN(2) == 0}
		runners[i] = projections.NewRunner(&log, projections.All()[i], sink,
			projections.Config{Batch: 16 + rng.IntN(200), MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, quiet())
		stops[i] = run(t, runners[i])
	}
	for i := range n {
		startOne(i)
	}
	kills := 0
	for range 1500 {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		if rng.IntN(100) == 0 {
			i := rng.IntN(n)
			stops[i]()
			startOne(i)
			kills++
		}
	}
	for _, r := range runners {
		waitHead(t, r, &log)
	}
	for _, stop := range stops {
		stop()
	}
	fresh := projections.All()
	if err := projections.ReplayAll(t.Context(), &log, fresh, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range fresh {
		stored := projections.All()[i]
		if err := projections.Load(t.Context(), s, stored); err != nil {
			t.Fatal(err)
		}
		got, err := stored.Model().Digest()
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Model().Digest()
		if err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: the file has digest %x, a replay %x", want.Name(), got, w)
		}
	}
	t.Logf("%d runners killed", kills)
}

// TestSaveReplacesTheStoredVersion saves snapshots of a model kept in
// memory: Load gives back the last one whole (rows, checkpoint and the
// log's root), rows gone from the model are gone from the file, and saving
// one version drops the others of the same projection.
func TestSaveReplacesTheStoredVersion(t *testing.T) {
	defer bolt.SetSaveBatch(64)() // a few rows per transaction
	s := open(t, filepath.Join(t.TempDir(), "readmodels.db"))
	t.Cleanup(func() { s.Close() })
	var log logtest.Log
	for i := range 30 {
		log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
	}
	save := func(p *logtest.Tally, root [32]byte) {
		t.Helper()
		pos, tables := projections.Capture(p)
		if err := s.Save(t.Context(), p, pos, root, tables); err != nil {
			t.Fatal(err)
		}
	}
	old := logtest.NewTally(1)
	if err := projections.Replay(t.Context(), &log, old, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	save(old, [32]byte{1})

	p := logtest.NewTally(2)
	if err := projections.Replay(t.Context(), &log, p, eventstore.Position{Commit: 20, Prepare: 20}, nil); err != nil {
		t.Fatal(err)
	}
	save(p, [32]byte{2})
	p.Counts.Delete("skp-1") // a row the fold deleted since
	save(p, [32]byte{3})

	loaded := logtest.NewTally(2)
	if err := projections.Restore(t.Context(), s, loaded); err != nil {
		t.Fatal(err)
	}
	if at := loaded.Model().Position(); at.Commit != 20 {
		t.Errorf("restored at %s, want 20", at)
	}
	wantRows := want(20)
	delete(wantRows, "skp-1")
	if got := rowsOf(t, loaded); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("restored rows = %v\nwant %v", got, wantRows)
	}
	if root, ok, err := s.SnapshotRoot(loaded); err != nil || !ok || root != [32]byte{3} {
		t.Errorf("SnapshotRoot() = %x, %v, %v; want the last save's", root, ok, err)
	}

	gone := logtest.NewTally(1)
	if err := projections.Restore(t.Context(), s, gone); err != nil {
		t.Fatal(err)
	}
	if at, rows := gone.Model().Position(), rowsOf(t, gone); !at.IsZero() || len(rows) != 0 {
		t.Errorf("version 1 after version 2 was saved: at %s with %d rows, want dropped", at, len(rows))
	}
	if _, ok, err := s.SnapshotRoot(gone); err != nil || ok {
		t.Errorf("SnapshotRoot(version 1) = %v, %v; want none", ok, err)
	}
}

// TestSaveCutShortLeavesNoSnapshot stops a save midway, after some of its
// transactions: the version then holds no snapshot at all, rather than
// rows of two saves under an old checkpoint.
func TestSaveCutShortLeavesNoSnapshot(t *testing.T) {
	defer bolt.SetSaveBatch(64)()
	s := open(t, filepath.Join(t.TempDir(), "readmodels.db"))
	t.Cleanup(func() { s.Close() })
	var log logtest.Log
	for i := range 30 {
		log.Append(fmt.Sprintf("skp-%d", i%3), logtest.Counted(i))
	}
	p := logtest.NewTally(1)
	if err := projections.Replay(t.Context(), &log, p, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	pos, tables := projections.Capture(p)
	if err := s.Save(t.Context(), p, pos, [32]byte{1}, tables); err != nil {
		t.Fatal(err)
	}

	broken := errors.New("disk full")
	pos, tables = projections.Capture(p)
	for i, tb := range tables {
		each := tb.Each
		tables[i].Each = func(yield func(projections.Row) error) error {
			n := 0
			return each(func(r projections.Row) error {
				if n++; n > 2 {
					return broken
				}
				return yield(r)
			})
		}
	}
	if err := s.Save(t.Context(), p, pos, [32]byte{2}, tables); !errors.Is(err, broken) {
		t.Fatalf("Save() cut short = %v, want %v", err, broken)
	}
	loaded := logtest.NewTally(1)
	if err := projections.Restore(t.Context(), s, loaded); err != nil {
		t.Fatal(err)
	}
	if at, rows := loaded.Model().Position(), rowsOf(t, loaded); !at.IsZero() || len(rows) != 0 {
		t.Errorf("after a save cut short: at %s with %d rows, want no snapshot", at, len(rows))
	}
}
