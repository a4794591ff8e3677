package bolt_test

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	ebolt "github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/bolt"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// BenchmarkStart measures the two ways serve gets its in-memory read models
// ready over an embedded ledger of KINERJA_BENCH_EVENTS events (200 000
// unless set; the figure is 1 000 000), as serve does them:
// replaying the whole ledger, borrowing the bodies from the file (a first
// start, or one without snapshots), and restoring every model's snapshot
// from the read-model file side by side (a later start, which then also
// replays the events after the snapshots: none here). It reports both in
// seconds, and restore/replay. Filling the ledger, one append at a time,
// takes a few minutes at a million events.
func BenchmarkStart(b *testing.B) {
	n := 200_000
	if v := os.Getenv("KINERJA_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("KINERJA_BENCH_EVENTS=%q is not a positive number", v)
		}
	}
	ledger, err := ebolt.Open(filepath.Join(b.TempDir(), "events.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ledger.Close() })
	log := new(logtest.Log)
	gen := workload.New(42, max(10, n/2000), 12)
	for count := 0; count < n; {
		c := gen.Next()
		recorded := log.Append(c.Stream, c.Events...)
		expected := eventstore.NoStream
		if first := recorded[0].Revision; first > 0 {
			expected = eventstore.Exact(first - 1)
		}
		data := make([]eventstore.EventData, len(recorded))
		for i, e := range recorded {
			data[i] = eventstore.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
		}
		if _, err := ledger.Append(b.Context(), c.Stream, expected, data...); err != nil {
			b.Fatal(err)
		}
		count += len(c.Events)
	}
	head, err := ledger.Head(b.Context())
	if err != nil {
		b.Fatal(err)
	}

	s, err := bolt.Open(filepath.Join(b.TempDir(), "readmodels.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	saved := projections.All()
	if err := projections.ReplayAll(b.Context(), projections.Lending(ledger), saved, eventstore.Position{}, nil); err != nil {
		b.Fatal(err)
	}
	for _, p := range saved {
		pos, tables := projections.Capture(p)
		if err := s.Save(b.Context(), p, pos, [32]byte{}, tables); err != nil {
			b.Fatal(err)
		}
	}

	var replaying, restoring time.Duration
	for b.Loop() {
		start := time.Now()
		if err := projections.ReplayAll(b.Context(), projections.Lending(ledger), projections.All(), eventstore.Position{}, nil); err != nil {
			b.Fatal(err)
		}
		replaying += time.Since(start)

		start = time.Now()
		restored := projections.All()
		errs := make([]error, len(restored))
		var wg sync.WaitGroup
		for i, p := range restored {
			wg.Go(func() { errs[i] = projections.Restore(b.Context(), s, p) })
		}
		wg.Wait()
		restoring += time.Since(start)
		for i, p := range restored {
			if errs[i] != nil {
				b.Fatal(errs[i])
			}
			if at := p.Model().Position(); at != head {
				b.Fatalf("%s restored at %s, want the head %s", p.Name(), at, head)
			}
		}
	}
	b.ReportMetric(replaying.Seconds()/float64(b.N), "replay-s")
	b.ReportMetric(restoring.Seconds()/float64(b.N), "restore-s")
	b.ReportMetric(restoring.Seconds()/replaying.Seconds(), "restore/replay")
}
