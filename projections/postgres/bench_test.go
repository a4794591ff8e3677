package postgres_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
	"github.com/kinerja/kinerja/projections/postgres"
)

// versioned is a projection as a given version, so that every round of the
// benchmark rebuilds into new tables.
type versioned struct {
	projections.Projection
	v int
}

func (p versioned) Version() int { return p.v }

// BenchmarkRebuild measures a blue/green rebuild of every read model into
// PostgreSQL from a log of KINERJA_BENCH_EVENTS events (100 000 unless set),
// and, in the same round, the raw ceiling: pgx COPY of the same rows into
// plain tables. It reports the rebuild in events per second and the ratio of
// the COPY time to the rebuild time (the target: at least 0.5).
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
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
	events := len(log.All())
	pool, err := pgxpool.New(b.Context(), pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	s, err := postgres.Open(b.Context(), pool)
	if err != nil {
		b.Fatal(err)
	}
	var rebuilding, copying time.Duration
	rows, round := 0, 0
	for b.Loop() {
		round++
		var ps []projections.Projection
		for _, p := range projections.All() {
			ps = append(ps, versioned{p, 100 + round})
		}
		start := time.Now()
		if err := postgres.RebuildAll(b.Context(), log, s, ps, nil); err != nil {
			b.Fatal(err)
		}
		rebuilding += time.Since(start)

		var all [][]projections.Row
		for _, p := range ps {
			for _, t := range p.Model().Tables() {
				r, err := t.All()
				if err != nil {
					b.Fatal(err)
				}
				all = append(all, r)
			}
		}
		start = time.Now()
		for i, r := range all {
			rows += len(r)
			name := pgx.Identifier{"public", "copy_" + strconv.Itoa(round) + "_" + strconv.Itoa(i)}
			if _, err := pool.Exec(b.Context(), `CREATE TABLE `+name.Sanitize()+` (key text NOT NULL, doc jsonb NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			_, err := pool.CopyFrom(b.Context(), name, []string{"key", "doc"}, pgx.CopyFromSlice(len(r), func(i int) ([]any, error) {
				return []any{r[i].Key, r[i].Doc}, nil
			}))
			if err != nil {
				b.Fatal(err)
			}
		}
		copying += time.Since(start)
	}
	b.ReportMetric(float64(events)*float64(b.N)/rebuilding.Seconds(), "events/s")
	b.ReportMetric(float64(rows)/copying.Seconds(), "copy-rows/s")
	b.ReportMetric(float64(rows)/float64(b.N), "rows")
	b.ReportMetric(copying.Seconds()/rebuilding.Seconds(), "x-copy")
}
