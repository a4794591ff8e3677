package whatif_test

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
	"github.com/kinerja/kinerja/projections/whatif"
)

// eventsPerEmployee sizes a generated year: the instansi of 15 000
// employees has about 1-2 million events.
const eventsPerEmployee = 100

// instansi generates a randomised instansi of employees people (units of
// twelve) with eventsPerEmployee events each, and the revision of its first
// indicator to lower-is-better from 1 April, which the generator's Q2
// evaluations see.
func instansi(tb testing.TB, employees int) (*logtest.Log, replay.Substitutions) {
	tb.Helper()
	log := new(logtest.Log)
	gen := workload.New(7, max(1, employees/12), 12)
	for n := 0; n < employees*eventsPerEmployee; {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		n += len(c.Events)
	}
	var first uuid.UUID
	for _, e := range log.All() {
		if e.Type == (indicator.Defined{}).EventType() {
			body, err := projections.NewEvent(e).Body()
			if err != nil {
				tb.Fatal(err)
			}
			first = body.(indicator.Defined).Indicator
			break
		}
	}
	if first == uuid.Nil {
		tb.Fatal("the generated instansi has no indicator")
	}
	return log, replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: first, Direction: indicator.LowerIsBetter, ValidFrom: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}}}
}

// TestRunDeterministic replays a generated instansi twice, with the log
// read and decoded in parallel, and checks that both reports are the same
// bytes, and that the revision changes something to compare.
func TestRunDeterministic(t *testing.T) {
	log, subs := instansi(t, 240)
	var outs [][]byte
	for range 2 {
		rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, subs, nil)
		if err != nil {
			t.Fatalf("Run() = %v", err)
		}
		if rep.Summary.AchievementsChanged == 0 {
			t.Fatalf("the revision changes no achievement (%+v): the comparison would prove little", rep.Summary)
		}
		b, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("two replays of the same log and substitutions differ (%d and %d bytes)", len(outs[0]), len(outs[1]))
	}
}

// benchEmployees is the benchmark's instansi: KINERJA_BENCH_EMPLOYEES, or
// 1 500 (the figure is 15 000; set the variable to measure it).
func benchEmployees(b *testing.B) int {
	b.Helper()
	if s := os.Getenv("KINERJA_BENCH_EMPLOYEES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KINERJA_BENCH_EMPLOYEES=%q is not a positive number", s)
		}
		return n
	}
	return 1500
}

// BenchmarkRun measures the whole what-if replay of a generated instansi
// (fold, diff and the report's JSON with its digest) and reports it as a
// ratio of the single-core encoding/json decode rate of the same events,
// measured in the same run right before each replay (the target:
// at least 1).
func BenchmarkRun(b *testing.B) {
	log, subs := instansi(b, benchEmployees(b))
	events := log.All()
	var elapsed, decoding time.Duration
	for b.Loop() {
		start := time.Now()
		for _, e := range events {
			if _, err := projections.NewEvent(e).Body(); err != nil {
				b.Fatal(err)
			}
		}
		decoding += time.Since(start)

		start = time.Now()
		rep, err := whatif.Run(b.Context(), log, eventstore.Position{}, subs, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rep.JSON(); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	n := float64(len(events)) * float64(b.N)
	b.ReportMetric(float64(len(events)), "events")
	b.ReportMetric(n/elapsed.Seconds(), "events/s")
	b.ReportMetric(n/decoding.Seconds(), "decode-events/s")
	b.ReportMetric(decoding.Seconds()/elapsed.Seconds(), "x-decode")
}
