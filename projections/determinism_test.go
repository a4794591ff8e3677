package projections_test

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

// TestLiveEqualsRebuild runs every read model live on the memory sink while
// a randomised workload is appended, with subscriptions dropped and runners
// stopped and restarted at random points, and checks that each live model
// has the same digest as a rebuild from scratch.
func TestLiveEqualsRebuild(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			gen := workload.New(seed, 12, 10)
			var log logtest.Log
			log.DropEvery(50 + rng.IntN(200))

			live := projections.All()
			stops := make([]func(), len(live))
			runners := make([]*projections.Runner, len(live))
			startOne := func(i int) {
				runners[i] = projections.NewRunner(&log, live[i], projections.Memory{},
					projections.Config{Batch: 1 + rng.IntN(64), MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, quiet())
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				wg.Go(func() { runners[i].Run(ctx) })
				stops[i] = func() { cancel(); wg.Wait() }
			}
			for i := range live {
				startOne(i)
			}
			t.Cleanup(func() {
				for _, stop := range stops {
					stop()
				}
			})
			restarts := 0
			for range 2000 {
				c := gen.Next()
				log.Append(c.Stream, c.Events...)
				switch rng.IntN(100) {
				case 0:
					i := rng.IntN(len(live))
					stops[i]()
					startOne(i)
					restarts++
				case 1:
					log.Drop()
				}
			}
			head, _ := log.Head(t.Context())
			for i, r := range runners {
				if err := r.WaitFor(t.Context(), head, 30*time.Second); err != nil {
					t.Fatalf("%s: %v (runner error %v)", live[i].Name(), err, r.Err())
				}
			}
			t.Logf("%d events, %d runner restarts", head.Commit, restarts)
			for i, p := range projections.All() {
				if err := projections.Replay(t.Context(), &log, p, eventstore.Position{}, nil); err != nil {
					t.Fatal(err)
				}
				want := digest(t, p)
				if got := digest(t, live[i]); got != want {
					t.Errorf("%s: live digest %x, rebuilt %x", p.Name(), got, want)
				}
				if rows := rowCount(p); rows == 0 {
					t.Errorf("%s: the rebuild has no rows; the workload does not exercise it", p.Name())
				}
			}
		})
	}
}

func digest(t *testing.T, p projections.Projection) [32]byte {
	t.Helper()
	d, err := p.Model().Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func rowCount(p projections.Projection) int {
	n := 0
	for _, tb := range p.Model().Tables() {
		n += tb.Len()
	}
	return n
}
