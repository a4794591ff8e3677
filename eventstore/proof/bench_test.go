package proof_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/eventstore/proof"
)

var benchEvents = flag.Int("bench-events", 100_000, "number of events in the ledger the BenchmarkVerify benchmarks verify")

// fill appends n events to l in appends of 100 events per stream, from four
// goroutines so that backends with group commit gather them, and signs a
// checkpoint every 10 000 events.
func fill(b *testing.B, l proof.Ledger, n int) note.Verifiers {
	b.Helper()
	signer, verifier := newKeys(b, "kinerja.bench")
	at := time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)
	const perStream, workers = 100, 4
	streams := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for s := range streams {
				stream := fmt.Sprintf("evaluation-%08d", s)
				batch := make([]eventstore.EventData, perStream)
				for i := range batch {
					cmd := uuid.New()
					batch[i] = eventstore.EventData{
						ID:   eventstore.DeriveEventID(cmd, 0),
						Type: "evaluation.work_result_rated",
						Data: fmt.Appendf(nil, `{"rating":"DI_ATAS_EKSPEKTASI","rated_by":"199001012015031001","rationale":"target %d tercapai","at":"2026-12-01T08:00:00Z"}`, i),
						Metadata: eventstore.Metadata{
							Actor:     eventstore.Actor{ID: "199001012015031001", Role: "evaluator"},
							CommandID: cmd, CorrelationID: cmd, SchemaVersion: 1,
						},
					}
				}
				if _, err := l.Append(b.Context(), stream, eventstore.NoStream, batch...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for s := 0; s < n/perStream; s++ {
		select {
		case err := <-errs:
			b.Fatal(err)
		case streams <- s:
		}
		if s%100 == 99 {
			if _, _, err := proof.Sign(b.Context(), l, signer, at); err != nil {
				b.Fatal(err)
			}
		}
	}
	close(streams)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return note.VerifierList(verifier)
}

func benchmarkVerify(b *testing.B, l proof.Ledger) {
	b.Helper()
	trusted := fill(b, l, *benchEvents)
	head, err := l.Head(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	var rep proof.Report
	for b.Loop() {
		if rep, err = proof.Verify(b.Context(), l, proof.Options{Trusted: trusted}); err != nil {
			b.Fatal(err)
		}
	}
	if !rep.OK() || rep.Events != int64(head.Commit) || rep.Checkpoints < *benchEvents/10_000 {
		b.Fatalf("Verify() = %s; the log has %d events", rep, head.Commit)
	}
	b.ReportMetric(float64(rep.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkVerifyMemory verifies a ledger held by the in-memory test double:
// the cost of verification itself, without a backend's reads.
func BenchmarkVerifyMemory(b *testing.B) { benchmarkVerify(b, newMemLedger()) }

// BenchmarkVerifyBolt verifies a ledger in an embedded bbolt file.
func BenchmarkVerifyBolt(b *testing.B) {
	s, err := bolt.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	benchmarkVerify(b, s)
}

// BenchmarkVerifyPostgres verifies a ledger in PostgreSQL.
func BenchmarkVerifyPostgres(b *testing.B) {
	s, err := postgres.Open(b.Context(), pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	benchmarkVerify(b, s)
}
