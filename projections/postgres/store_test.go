package postgres_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	espg "github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/workload"
	"github.com/kinerja/kinerja/projections/postgres"
)

// TestOnThePostgresStore is the production set-up: the event store and the
// read models in one PostgreSQL database, every read model kept by a runner
// that subscribes to the store while commands are appended. The tables must
// then equal a from-scratch replay of the store.
func TestOnThePostgresStore(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	store, err := espg.Open(t.Context(), dsn, espg.WithPollInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sink, err := postgres.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var runners []*projections.Runner
	for _, p := range projections.All() {
		r := projections.NewRunner(store, p, sink, projections.Config{Batch: 100}, quiet())
		runners = append(runners, r)
		wg.Go(func() { r.Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	gen := workload.New(5, 4, 8)
	for range 600 {
		c := gen.Next()
		var batch []eventstore.EventData
		for _, e := range c.Events {
			data, err := jsonOf(e.Data)
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, eventstore.EventData{ID: newID(), Type: e.Type, Data: data,
				Metadata: eventstore.Metadata{Actor: e.Actor, Reason: e.Reason, SchemaVersion: 1}})
		}
		if _, err := store.Append(t.Context(), c.Stream, eventstore.Any, batch...); err != nil {
			t.Fatal(err)
		}
	}
	head, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runners {
		if err := r.WaitFor(t.Context(), head, 30*time.Second); err != nil {
			t.Fatalf("%s: %v (runner error %v)", r.Projection().Name(), err, r.Err())
		}
	}
	fresh := projections.All()
	if err := projections.ReplayAll(t.Context(), store, fresh, eventstore.Position{}, nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range fresh {
		stored := projections.All()[i]
		if err := projections.Load(t.Context(), sink, stored); err != nil {
			t.Fatal(err)
		}
		if got, want := digest(t, stored), digest(t, want); got != want {
			t.Errorf("%s: the tables have digest %x, a replay of the store %x", stored.Name(), got, want)
		}
		if lag, err := runners[i].Lag(t.Context()); err != nil || lag != 0 {
			t.Errorf("%s: Lag() = %d, %v; want 0", stored.Name(), lag, err)
		}
	}
	t.Logf("%d events", head.Commit)

	// Queries served from the tables see what the live model holds.
	live := runners[1].Projection().(*projections.Appraisals)
	for _, id := range appraisalIDs(t, live) {
		got, err := postgres.Read[projections.Appraisal](t.Context(), sink, "appraisal", "by_skp", id.String())
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := live.Get(id)
		if !reflect.DeepEqual(got.Plan.IKIs, want.Plan.IKIs) || got.Position != want.Position || len(got.Achievements) != len(want.Achievements) {
			t.Errorf("appraisal %s from PostgreSQL differs from the live model: %s vs %s", id, got.Position, want.Position)
		}
	}
	if _, err := postgres.Read[projections.Appraisal](t.Context(), sink, "appraisal", "by_skp", "no-such-skp"); domain.KindOf(err) != domain.NotFound {
		t.Errorf("Read of a missing row = %v, want NotFound", err)
	}
}

// appraisalIDs returns the SKPs in a's read model, in key order.
func appraisalIDs(t *testing.T, a *projections.Appraisals) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for _, tb := range a.Model().Tables() {
		if tb.Name() != "by_skp" {
			continue
		}
		rows, err := tb.All()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			ids = append(ids, uuid.MustParse(r.Key))
		}
	}
	if len(ids) == 0 {
		t.Fatal("the workload drafted no SKP")
	}
	return ids
}
