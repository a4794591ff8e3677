package projections_test

import (
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/internal/workload"
)

// benchEvents is the size of the benchmark log: KINERJA_BENCH_EVENTS, or
// 200 000 (the figure is 1 000 000; set the variable to measure it).
func benchEvents(b *testing.B) int {
	b.Helper()
	if s := os.Getenv("KINERJA_BENCH_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KINERJA_BENCH_EVENTS=%q is not a positive number", s)
		}
		return n
	}
	return 200_000
}

var benchLogs sync.Map // size → *logtest.Log

// benchLog returns a log of at least n events of the randomised workload,
// built once per size and process.
func benchLog(b *testing.B, n int) *logtest.Log {
	b.Helper()
	if l, ok := benchLogs.Load(n); ok {
		return l.(*logtest.Log)
	}
	log := new(logtest.Log)
	gen := workload.New(42, max(10, n/2000), 12)
	for count := 0; count < n; {
		c := gen.Next()
		log.Append(c.Stream, c.Events...)
		count += len(c.Events)
	}
	benchLogs.Store(n, log)
	return log
}

// decodeAll decodes the bodies of events on one core with encoding/json,
// through each domain package's Decode (Event.Body never takes the replay's
// quick path): the raw ceiling the replay is compared with.
func decodeAll(b *testing.B, events []eventstore.RecordedEvent) {
	b.Helper()
	for _, e := range events {
		if _, err := projections.NewEvent(e).Body(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay measures the in-memory replay of every read model from
// scratch over the workload log, and reports it as a ratio of the
// single-core encoding/json decode rate of the same events, measured in the
// same run (the target: at least 1). It also reports the processor
// time the process spent per replay and per decode (garbage collection
// included), where the platform gives it: on a shared machine that moves
// less with the load than the rates do, and says how much of the cores the
// replay needs.
func BenchmarkReplay(b *testing.B) {
	n := benchEvents(b)
	log := benchLog(b, n)
	events := log.All()
	var elapsed, decoding, replayCPU, decodeCPU time.Duration
	for b.Loop() {
		// The ceiling is measured in every round, right before the replay,
		// so that both see the same load on a shared machine.
		cpu0, _ := cpuTime()
		start := time.Now()
		decodeAll(b, events)
		decoding += time.Since(start)
		cpu1, _ := cpuTime()

		ps := projections.All()
		start = time.Now()
		if err := projections.ReplayAll(b.Context(), log, ps, eventstore.Position{}, nil); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu2, _ := cpuTime()
		decodeCPU += cpu1 - cpu0
		replayCPU += cpu2 - cpu1
	}
	rate := float64(len(events)) * float64(b.N) / elapsed.Seconds()
	ceiling := float64(len(events)) * float64(b.N) / decoding.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(ceiling, "decode-events/s")
	b.ReportMetric(rate/ceiling, "x-decode")
	if _, ok := cpuTime(); ok {
		b.ReportMetric(replayCPU.Seconds()/float64(b.N), "replay-cpu-s/op")
		b.ReportMetric(decodeCPU.Seconds()/float64(b.N), "decode-cpu-s/op")
	}
}

// BenchmarkDecode is the raw ceiling on its own: single-core encoding/json
// decode of every event body of the workload log.
func BenchmarkDecode(b *testing.B) {
	events := benchLog(b, benchEvents(b)).All()
	for b.Loop() {
		decodeAll(b, events)
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
