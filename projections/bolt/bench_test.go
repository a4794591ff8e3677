package bolt_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/bolt"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// BenchmarkStart compares the two ways the embedded server can get its read
// models ready over a log of KINERJA_BENCH_EVENTS events (200 000 unless
// set): replaying the log in memory, and loading the rows kept in the bbolt
// file. It reports both in seconds.
func BenchmarkStart(b *testing.B) {
	n := 200_000
	if v := os.Getenv("KINERJA_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("KINERJA_BENCH_EVENTS=%q is not a positive number", v)
		}
	}
	log := new(logtest.Log)
	gen := workload.New(42, max(10, n/2000), 12)
	for count := 0; count < n; {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		count += len(c.Events)
	}
	s, err := bolt.Open(filepath.Join(b.TempDir(), "readmodels.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	stored := projections.All()
	for _, p := range stored {
		if err := projections.Load(b.Context(), s, p); err != nil { // from here on the tables track changes
			b.Fatal(err)
		}
	}
	if err := projections.ReplayAll(b.Context(), log, stored, eventstore.Position{}, nil); err != nil {
		b.Fatal(err)
	}
	for _, p := range stored {
		if err := s.Commit(b.Context(), p, eventstore.Position{}, p.Model().Position()); err != nil {
			b.Fatal(err)
		}
	}
	var replaying, loading time.Duration
	for b.Loop() {
		start := time.Now()
		if err := projections.ReplayAll(b.Context(), log, projections.All(), eventstore.Position{}, nil); err != nil {
			b.Fatal(err)
		}
		replaying += time.Since(start)
		start = time.Now()
		for _, p := range projections.All() {
			if err := projections.Load(b.Context(), s, p); err != nil {
				b.Fatal(err)
			}
		}
		loading += time.Since(start)
	}
	b.ReportMetric(replaying.Seconds()/float64(b.N), "replay-s")
	b.ReportMetric(loading.Seconds()/float64(b.N), "load-s")
}
