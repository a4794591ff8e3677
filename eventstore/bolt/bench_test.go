package bolt_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"go.etcd.io/bbolt"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
)

// benchPayload is a JSON body of about 400 bytes; with its envelope an event
// record is about 500 bytes, the value size of the raw bbolt baselines.
var benchPayload = json.RawMessage(`{"rating":"DI_ATAS_EKSPEKTASI","rationale":"` + strings.Repeat("x", 340) + `","at":"2026-01-02T03:04:05Z"}`)

const rawValueSize = 500

func benchEvents(n int) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:   eventstore.DeriveEventID(cmd, i),
			Type: "evaluation.work_result_rated",
			Data: benchPayload,
			Metadata: eventstore.Metadata{
				Actor:         eventstore.Actor{ID: "199001012020121001", Role: "evaluator"},
				CommandID:     cmd,
				CorrelationID: cmd,
				CausationID:   cmd,
				SchemaVersion: 1,
			},
		}
	}
	return out
}

func openBench(b *testing.B) *bolt.Store {
	b.Helper()
	s, err := bolt.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func reportEvents(b *testing.B, events int64) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// parallelism returns the RunParallel factor that gives n goroutines.
func parallelism(n int) int { return max(1, (n+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0)) }

// BenchmarkAppend measures durable appends through the store: one event per
// append from 1 and from 32 goroutines (group commit), and batches of 100.
func BenchmarkAppend(b *testing.B) {
	b.Run("single/appenders=1", func(b *testing.B) {
		s := openBench(b)
		stream := "bench-" + uuid.NewString()
		expected := eventstore.NoStream
		var n int64
		for b.Loop() {
			res, err := s.Append(b.Context(), stream, expected, benchEvents(1)...)
			if err != nil {
				b.Fatal(err)
			}
			expected = eventstore.Exact(res.Revision)
			n++
		}
		reportEvents(b, n)
	})
	b.Run("single/appenders=32", func(b *testing.B) {
		s := openBench(b)
		var n atomic.Int64
		b.SetParallelism(parallelism(32))
		b.RunParallel(func(pb *testing.PB) {
			stream := "bench-" + uuid.NewString()
			expected := eventstore.NoStream
			for pb.Next() {
				res, err := s.Append(b.Context(), stream, expected, benchEvents(1)...)
				if err != nil {
					b.Error(err)
					return
				}
				expected = eventstore.Exact(res.Revision)
				n.Add(1)
			}
		})
		reportEvents(b, n.Load())
	})
	b.Run("batch=100/appenders=1", func(b *testing.B) {
		s := openBench(b)
		stream := "bench-" + uuid.NewString()
		expected := eventstore.NoStream
		var n int64
		for b.Loop() {
			res, err := s.Append(b.Context(), stream, expected, benchEvents(100)...)
			if err != nil {
				b.Fatal(err)
			}
			expected = eventstore.Exact(res.Revision)
			n += 100
		}
		reportEvents(b, n)
	})
}

// BenchmarkReadAll reads a log of 20,000 events from the start, in pages of
// DefaultPageSize.
func BenchmarkReadAll(b *testing.B) {
	s := openBench(b)
	const total = 20_000
	for i := range total / 1000 {
		stream := fmt.Sprintf("bench-%d", i)
		if _, err := s.Append(b.Context(), stream, eventstore.NoStream, benchEvents(1000)...); err != nil {
			b.Fatal(err)
		}
	}
	var n int64
	for b.Loop() {
		after := eventstore.Start
		read := 0
		for {
			page, err := s.ReadAll(b.Context(), after, 0)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			read += len(page)
			after = page[len(page)-1].Position
		}
		if read != total {
			b.Fatalf("read %d events, want %d", read, total)
		}
		n += total
	}
	reportEvents(b, n)
}

// BenchmarkRawBolt is the baseline: bbolt alone, with values of the size of
// an event record and sequential keys, one fsynced transaction per Update.
func BenchmarkRawBolt(b *testing.B) {
	openRaw := func(b *testing.B) *bbolt.DB {
		b.Helper()
		db, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("b"))
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return db
	}
	put := func(tx *bbolt.Tx, seq uint64) error {
		bk := tx.Bucket([]byte("b"))
		bk.FillPercent = 1
		k := make([]byte, 8)
		binary.BigEndian.PutUint64(k, seq)
		return bk.Put(k, make([]byte, rawValueSize))
	}
	b.Run("put=1/tx", func(b *testing.B) {
		db := openRaw(b)
		var seq uint64
		for b.Loop() {
			if err := db.Update(func(tx *bbolt.Tx) error { seq++; return put(tx, seq) }); err != nil {
				b.Fatal(err)
			}
		}
		reportEvents(b, int64(seq))
	})
	b.Run("put=1/tx/writers=32", func(b *testing.B) {
		db := openRaw(b)
		var seq atomic.Uint64
		b.SetParallelism(parallelism(32))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.Update(func(tx *bbolt.Tx) error { return put(tx, seq.Add(1)) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportEvents(b, int64(seq.Load()))
	})
	b.Run("put=100/tx", func(b *testing.B) {
		db := openRaw(b)
		var seq uint64
		for b.Loop() {
			err := db.Update(func(tx *bbolt.Tx) error {
				for range 100 {
					seq++
					if err := put(tx, seq); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		reportEvents(b, int64(seq))
	})
}
