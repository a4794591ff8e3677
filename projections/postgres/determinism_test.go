package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// TestLiveEqualsRebuild runs every read model on the PostgreSQL sink while a
// randomised workload is appended. Runners are killed at random points and
// replaced by a new process's runner (a fresh model loaded from the tables),
// subscriptions drop, and some commits fail before or after the transaction
// commits. At the end, what the tables hold must have the same digest as a
// from-scratch rebuild in memory, and as a blue/green Rebuild into a new
// version.
func TestLiveEqualsRebuild(t *testing.T) {
	t.Parallel()
	const seed = 11
	s, _ := openSink(t)
	rng := rand.New(rand.NewPCG(seed, 3))
	gen := workload.New(seed, 10, 10)
	var log logtest.Log
	log.DropEvery(100 + rng.IntN(200))

	n := len(projections.All())
	stops := make([]func(), n)
	runners := make([]*projections.Runner, n)
	startOne := func(i int) {
		p := projections.All()[i] // a new process: nothing in memory
		fail := map[int]bool{}
		for range 3 {
			fail[1+rng.IntN(40)] = true
		}
		sink := &flakySink{Sink: s, failAt: fail, after: rng.IntN(2) == 0}
		runners[i] = projections.NewRunner(&log, p, sink,
			projections.Config{Batch: 16 + rng.IntN(200), MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, quiet())
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { runners[i].Run(ctx) })
		stops[i] = func() { cancel(); wg.Wait() }
	}
	for i := range n {
		startOne(i)
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
	})
	kills := 0
	for range 2000 {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		switch rng.IntN(100) {
		case 0:
			i := rng.IntN(n)
			stops[i]()
			startOne(i)
			kills++
		case 1:
			log.Drop()
		}
	}
	head, _ := log.Head(t.Context())
	for i, r := range runners {
		if err := r.WaitFor(t.Context(), head, 60*time.Second); err != nil {
			t.Fatalf("%s: %v (runner error %v)", r.Projection().Name(), err, runners[i].Err())
		}
	}
	for _, stop := range stops {
		stop()
	}
	t.Logf("%d events, %d runners killed", head.Commit, kills)

	for i, want := range projections.All() {
		if err := projections.Replay(t.Context(), &log, want, eventstore.Position{}, nil); err != nil {
			t.Fatal(err)
		}
		wantDigest := digest(t, want)
		if got := digest(t, runners[i].Projection()); got != wantDigest {
			t.Errorf("%s: the last runner's model has digest %x, a rebuild %x", want.Name(), got, wantDigest)
		}
		stored := projections.All()[i]
		if err := projections.Load(t.Context(), s, stored); err != nil {
			t.Fatal(err)
		}
		if got := digest(t, stored); got != wantDigest {
			t.Errorf("%s: the tables have digest %x, a rebuild %x", want.Name(), got, wantDigest)
		}
	}
	t.Run("blue/green rebuild", func(t *testing.T) {
		for i := range n {
			p := bumped{projections.All()[i]}
			if err := postgresRebuild(t, &log, s, p); err != nil {
				t.Fatal(err)
			}
			stored := bumped{projections.All()[i]}
			if err := projections.Load(t.Context(), s, stored); err != nil {
				t.Fatal(err)
			}
			if got, want := digest(t, stored), digest(t, runners[i].Projection()); got != want {
				t.Errorf("%s v%d: rebuilt tables have digest %x, the live v%d %x", p.Name(), p.Version(), got, want, runners[i].Projection().Version())
			}
		}
	})
}

// bumped is a projection as its next version: same fold, new tables.
type bumped struct{ projections.Projection }

func (b bumped) Version() int { return b.Projection.Version() + 1 }

func digest(t *testing.T, p projections.Projection) [32]byte {
	t.Helper()
	d, err := p.Model().Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (b bumped) String() string { return fmt.Sprintf("%s v%d", b.Name(), b.Version()) }
