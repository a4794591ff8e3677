package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
	"github.com/kinerja/kinerja/projections"
	pbolt "github.com/kinerja/kinerja/projections/bolt"
)

// snapshotFile is where serve keeps snapshots of the in-memory read models
// of the embedded ledger, beside its file: a start loads them and replays
// only the events after them. The file is a cache; deleting it costs one
// start that replays the whole log.
const snapshotFile = "readmodels.db"

// defaultSnapshotMinEvents is how far the log must move past a read
// model's snapshot before serve saves it again; a save rewrites the model.
const defaultSnapshotMinEvents = 10_000

// snapshots keeps the read models' snapshots of one embedded ledger.
type snapshots struct {
	sink  *pbolt.Sink
	store proof.Log
	log   *slog.Logger
	// minEvents is how far the log must have moved past a model's last
	// snapshot before it is saved again: a save rewrites the whole model.
	minEvents uint64

	mu    sync.Mutex
	saved map[string]eventstore.Position // by projection: the position of its stored snapshot
}

// openSnapshots opens the snapshot file in dir. A file that does not open
// (damaged, say) is removed and started afresh; if that fails too, serve
// runs without snapshots, as before they existed, and says so.
func openSnapshots(dir string, store proof.Log, minEvents uint64, log *slog.Logger) *snapshots {
	path := filepath.Join(dir, snapshotFile)
	sink, err := pbolt.Open(path)
	if err != nil {
		log.Warn("read-model snapshots unreadable; starting them afresh", "path", path, "error", err.Error())
		if rmErr := os.Remove(path); rmErr == nil {
			sink, err = pbolt.Open(path)
		}
	}
	if err != nil {
		log.Warn("no read-model snapshots: every start replays the whole log", "path", path, "error", err.Error())
		return nil
	}
	return &snapshots{sink: sink, store: store, log: log, minEvents: minEvents, saved: map[string]eventstore.Position{}}
}

func (s *snapshots) close() {
	if err := s.sink.Close(); err != nil {
		s.log.Warn("close read-model snapshots", "error", err.Error())
	}
}

// restore loads every projection's snapshot, side by side, and returns how
// many it loaded. A snapshot that does not load, or that was taken of
// another ledger or another history of this one (the log up to its
// position is not the one it recorded), is dropped: that projection starts
// from the beginning of the log.
func (s *snapshots) restore(ctx context.Context, ps []projections.Projection) int {
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			if err := s.restoreOne(ctx, p); err != nil {
				s.log.Warn("read-model snapshot not used; replaying the log instead", "projection", p.Name(), "error", err.Error())
				if err := projections.Reset(p); err != nil {
					s.log.Warn("reset read model", "projection", p.Name(), "error", err.Error())
				}
			}
		})
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.saved)
}

func (s *snapshots) restoreOne(ctx context.Context, p projections.Projection) error {
	if err := projections.Restore(ctx, s.sink, p); err != nil {
		return err
	}
	pos := p.Model().Position()
	if pos.IsZero() {
		return nil // never saved
	}
	want, ok, err := s.sink.SnapshotRoot(p)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the snapshot at %s does not say which log it follows", pos)
	}
	got, err := s.rootAt(ctx, pos)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("the snapshot follows a log whose first %d events have Merkle root %x, but this ledger's are %x: it is another ledger's, or another history's", pos.Commit, want, got)
	}
	s.mu.Lock()
	s.saved[p.Name()] = pos
	s.mu.Unlock()
	return nil
}

// rootAt returns the Merkle root of the log's events up to pos. The
// embedded ledger numbers its events 1, 2, 3…, so pos.Commit is the size.
func (s *snapshots) rootAt(ctx context.Context, pos eventstore.Position) ([32]byte, error) {
	return proof.TreeHash(ctx, s.store, int64(pos.Commit))
}

// keep saves, now and then every interval until ctx ends, the snapshot of
// each projection that has moved at least minEvents past its last one. A
// save that fails is logged and tried again at the next tick: the read
// models in memory are unaffected.
func (s *snapshots) keep(ctx context.Context, ps []projections.Projection, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, p := range ps {
			if ctx.Err() != nil {
				return
			}
			if err := s.save(ctx, p); err != nil {
				s.log.Warn("save read-model snapshot", "projection", p.Name(), "error", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// save saves p's snapshot if p has moved at least minEvents past the last.
func (s *snapshots) save(ctx context.Context, p projections.Projection) error {
	s.mu.Lock()
	last := s.saved[p.Name()]
	s.mu.Unlock()
	if pos := p.Model().Position(); pos.Commit < last.Commit+s.minEvents {
		return nil
	}
	started := time.Now()
	pos, tables := projections.Capture(p)
	root, err := s.rootAt(ctx, pos)
	if err != nil {
		return err
	}
	if err := s.sink.Save(ctx, p, pos, root, tables); err != nil {
		return err
	}
	s.mu.Lock()
	s.saved[p.Name()] = pos
	s.mu.Unlock()
	s.log.Info("read-model snapshot saved", "projection", p.Name(), "position", pos.String(), "duration_ms", time.Since(started).Milliseconds())
	return nil
}

// build brings the restored projections to the head of the log: those at
// the same position replay together (see projections.ReplayAll), borrowing
// the events' bodies from the embedded file, since nothing appends yet.
func build(ctx context.Context, store eventstore.Store, ps []projections.Projection) (replayed uint64, err error) {
	var from projections.Reader = store
	if l, ok := store.(projections.Lender); ok {
		from = projections.Lending(l)
	}
	head, err := store.Head(ctx)
	if err != nil {
		return 0, err
	}
	groups := map[eventstore.Position][]projections.Projection{}
	var order []eventstore.Position
	for _, p := range ps {
		pos := p.Model().Position()
		if _, ok := groups[pos]; !ok {
			order = append(order, pos)
		}
		groups[pos] = append(groups[pos], p)
	}
	for _, pos := range order {
		if head.Less(pos) {
			return 0, errors.New("a read model is ahead of the ledger") // restore checks the log up to each position
		}
		if err := projections.ReplayAll(ctx, from, groups[pos], head, nil); err != nil {
			return 0, err
		}
		replayed = max(replayed, head.Commit-pos.Commit)
	}
	return replayed, nil
}
