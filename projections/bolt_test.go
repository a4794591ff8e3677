package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

// copyTo appends every event of log to store, stream by stream in log order,
// with exact expected revisions, so that positions and revisions match.
func copyTo(t *testing.T, store eventstore.Store, log *logtest.Log) {
	t.Helper()
	for _, e := range log.All() {
		expected := eventstore.NoStream
		if e.Revision > 0 {
			expected = eventstore.Exact(e.Revision - 1)
		}
		_, err := store.Append(t.Context(), e.Stream, expected, eventstore.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata})
		if err != nil {
			t.Fatalf("append %s (%s): %v", e.Stream, e.Type, err)
		}
	}
}

// TestOnTheEmbeddedStore runs the read models against the real embedded
// backend: the runner subscribes to it, as-of reads its streams, and the
// views equal those built from the in-memory test log.
func TestOnTheEmbeddedStore(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	evaluationHistory(&log)
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	copyTo(t, store, &log)

	onBolt, onLog := projections.NewAppraisals(), projections.NewAppraisals()
	r := projections.NewRunner(store, onBolt, projections.Memory{}, projections.Config{}, quiet())
	start(t, r)
	head, err := store.Head(t.Context())
	if err != nil || head.Commit != 26 {
		t.Fatalf("Head() = %s, %v; want 26", head, err)
	}
	if err := r.WaitFor(t.Context(), head, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	build(t, &log, onLog)
	got, _, _ := onBolt.Evaluation(eval1)
	want, _, _ := onLog.Evaluation(eval1)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("evaluation on the embedded store:\n%+v\nwant\n%+v", got, want)
	}
	if lag, err := r.Lag(t.Context()); err != nil || lag != 0 {
		t.Errorf("Lag() = %d, %v; want 0", lag, err)
	}

	asOf, err := projections.AppraisalAtPosition(t.Context(), store, skpA, eventstore.Position{Commit: 14, Prepare: 14})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(asOf), "APPROVED iki=[d1(ended) d3] realisations=2 achievements=[d1/2026-Q1=25% d1/2026-Q2=50%] @14"; got != want {
		t.Errorf("as of 14 on the embedded store:\n got %s\nwant %s", got, want)
	}
}

// TestLendingReplay checks that a replay that borrows the bodies from the
// embedded store (as serve builds its read models) builds the same models
// as one that copies them, over more than one page, and that a replay
// stopped midway ends, with the cause, rather than wait for its decoders.
func TestLendingReplay(t *testing.T) {
	log := workloadLog(t, 5200) // two pages
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	copyTo(t, store, log)

	copied, lent := projections.All(), projections.All()
	if err := projections.ReplayAll(t.Context(), store, copied, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := projections.ReplayAll(t.Context(), projections.Lending(store), lent, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range lent {
		if got, want := p.Model().Position(), copied[i].Model().Position(); got != want {
			t.Errorf("%s: lent replay at %s, copied at %s", p.Name(), got, want)
		}
		if got, want := digest(t, p), digest(t, copied[i]); got != want {
			t.Errorf("%s: lent replay digest %x, copied %x", p.Name(), got, want)
		}
		if rowCount(p) == 0 {
			t.Errorf("%s: no rows; the log does not exercise it", p.Name())
		}
	}

	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("stopped after the first page")
	err = projections.ReplayAll(ctx, projections.Lending(store), projections.All(), eventstore.Position{}, func(done, total uint64) {
		cancel(stop)
	})
	if !errors.Is(err, stop) && !errors.Is(err, context.Canceled) {
		t.Errorf("ReplayAll stopped midway = %v, want the cancellation", err)
	}
}
