package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// TestLateCommitIsNeverSkipped provokes the interleaving that makes
// bigserial event stores skip events: a transaction takes its position
// first and commits after a later one would have. It shows, first with raw
// SQL, that a `position > checkpoint` reader of a bigserial table skips the
// late event, and then that with this store the later appender cannot
// overtake, so a concurrent subscriber sees every event once, in order.
func TestLateCommitIsNeverSkipped(t *testing.T) {
	dsn := pgtest.NewDatabase(t)

	t.Run("bigserial skips", func(t *testing.T) {
		ctx := t.Context()
		a, b, reader := connect(t, dsn), connect(t, dsn), connect(t, dsn)
		exec(t, reader, `CREATE TABLE bigserial_log (position bigserial PRIMARY KEY, what text NOT NULL)`)

		txA, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer txA.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after the commit below
		var posA, posB int64
		if err := txA.QueryRow(ctx, `INSERT INTO bigserial_log (what) VALUES ('slow') RETURNING position`).Scan(&posA); err != nil {
			t.Fatal(err)
		}
		if err := b.QueryRow(ctx, `INSERT INTO bigserial_log (what) VALUES ('fast') RETURNING position`).Scan(&posB); err != nil {
			t.Fatal(err)
		}
		if posA >= posB {
			t.Fatalf("positions %d (slow) and %d (fast), want the slow transaction first", posA, posB)
		}
		seen := readPositions(t, reader, `SELECT position FROM bigserial_log WHERE position > $1 ORDER BY position`, 0)
		if !slices.Equal(seen, []int64{posB}) {
			t.Fatalf("first read = %v, want only the fast event %d while the slow one is uncommitted", seen, posB)
		}
		checkpoint := seen[len(seen)-1]
		if err := txA.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if after := readPositions(t, reader, `SELECT position FROM bigserial_log WHERE position > $1 ORDER BY position`, checkpoint); len(after) != 0 {
			t.Fatalf("read after checkpoint %d = %v, want nothing: the skip did not happen", checkpoint, after)
		}
		all := readPositions(t, reader, `SELECT position FROM bigserial_log WHERE position > $1 ORDER BY position`, 0)
		if !slices.Equal(all, []int64{posA, posB}) {
			t.Fatalf("table holds %v, want %v", all, []int64{posA, posB})
		}
		t.Logf("a bigserial reader at checkpoint %d never reads event %d, which committed after it moved on", checkpoint, posA)
	})

	// The slow append holds its transaction open after it has inserted its
	// event and moved the log head, before COMMIT: once on the safe path
	// (its store's first append), once on the optimistic path (its store
	// knows the log from an append of its own).
	for _, tt := range []struct {
		name string
		warm bool
	}{
		{name: "head row serialises/safe path"},
		{name: "head row serialises/optimistic path", warm: true},
	} {
		t.Run(tt.name, func(t *testing.T) { testLateCommit(t, dsn, tt.warm) })
	}
}

// testLateCommit pauses an append of one store before its commit and
// checks that an append of another store, as another process would,
// neither returns nor becomes visible to a subscriber before the paused
// one commits, and that it takes the next position. With warm, the paused
// append takes the optimistic path.
func testLateCommit(t *testing.T, dsn string, warm bool) {
	schema := pgtest.SchemaName(t)
	paused, release := make(chan struct{}), make(chan struct{})
	var (
		armed                  atomic.Bool
		pauseOnce, releaseOnce sync.Once
	)
	armed.Store(!warm)
	resume := func() { releaseOnce.Do(func() { close(release) }) }
	// slow stops its first armed transaction after it has moved the log
	// head and inserted its event, before COMMIT.
	slow := openStore(t, dsn, postgres.WithSchema(schema), postgres.WithBeforeCommit(func() {
		if !armed.Load() {
			return
		}
		pauseOnce.Do(func() {
			close(paused)
			<-release
		})
	}))
	// fast and watcher have their own pools and queues: to slow they are
	// other processes.
	fast := openStore(t, dsn, postgres.WithSchema(schema))
	watcher := openStore(t, dsn, postgres.WithSchema(schema), postgres.WithPollInterval(5*time.Millisecond))
	// Registered after the stores, so it runs before their Close: a failed
	// test must not leave the slow append, and its store's Close, hanging.
	t.Cleanup(resume)

	seeded := mustAppend(t, fast, newStream(), eventstore.NoStream, newEvents(1)...)
	if warm {
		// slow now knows the log as it is: its next append is optimistic.
		seeded = mustAppend(t, slow, newStream(), eventstore.NoStream, newEvents(1)...)
		armed.Store(true)
	}
	seen := subscribeAll(t, watcher, 16)
	for {
		if e := receive(t, seen); e.Position == seeded.Position {
			break
		}
	}
	before := slow.Stats()

	slowEvents, fastEvents := newEvents(1), newEvents(1)
	slowDone, fastDone := make(chan appendOutcome, 1), make(chan appendOutcome, 1)
	go func() {
		res, err := slow.Append(t.Context(), newStream(), eventstore.NoStream, slowEvents...)
		slowDone <- appendOutcome{res, err}
	}()
	select {
	case <-paused:
	case o := <-slowDone:
		t.Fatalf("slow append returned %+v, %v without pausing", o.res, o.err)
	case <-time.After(10 * time.Second):
		t.Fatal("slow append did not reach its commit within 10s")
	}
	// The safe path holds the append lock alone, the optimistic one shares it.
	wantMode := "ExclusiveLock"
	if warm {
		wantMode = "ShareLock"
	}
	if modes := advisoryLocks(t, dsn); !slices.Equal(modes, []string{wantMode}) {
		t.Fatalf("paused append holds advisory locks %v, want %s", modes, wantMode)
	}
	go func() {
		res, err := fast.Append(t.Context(), newStream(), eventstore.NoStream, fastEvents...)
		fastDone <- appendOutcome{res, err}
	}()
	// The paused transaction holds the log-head row until it commits, and
	// on the safe path also the append lock alone. The fast append waits
	// for one of them (or, having inserted optimistically at the position
	// the slow one took, for the slow transaction itself), so it cannot
	// commit before the slow one has committed.
	waitForLockWait(t, dsn)
	select {
	case o := <-fastDone:
		t.Fatalf("fast append returned %+v, %v while the slow one held the log head", o.res, o.err)
	case e := <-seen:
		t.Fatalf("subscriber saw %s at %v while the slow append was uncommitted", e.ID, e.Position)
	case <-time.After(50 * time.Millisecond):
	}

	resume()
	slowRes, fastRes := <-slowDone, <-fastDone
	if slowRes.err != nil || fastRes.err != nil {
		t.Fatalf("appends returned %v and %v", slowRes.err, fastRes.err)
	}
	if want := seeded.Position.Commit + 1; slowRes.res.Position.Commit != want || fastRes.res.Position.Commit != want+1 {
		t.Fatalf("slow at %v and fast at %v, want %d and %d: positions follow commit order", slowRes.res.Position, fastRes.res.Position, want, want+1)
	}
	if after := slow.Stats(); warm && after.Fallbacks != before.Fallbacks {
		t.Errorf("slow append was redone under the lock (%d fallbacks), want it committed by the optimistic path", after.Fallbacks-before.Fallbacks)
	}
	for _, want := range []eventstore.EventData{slowEvents[0], fastEvents[0]} {
		if e := receive(t, seen); e.ID != want.ID {
			t.Fatalf("subscriber saw %s at %v, want %s", e.ID, e.Position, want.ID)
		}
	}
	select {
	case e := <-seen:
		t.Fatalf("subscriber saw %s at %v a second time or out of nowhere", e.ID, e.Position)
	case <-time.After(50 * time.Millisecond):
	}
}

type appendOutcome struct {
	res eventstore.AppendResult
	err error
}

// waitForLockWait waits until a session of dsn's database is waiting for a
// lock: the log-head row, the append lock, or another transaction's
// uncommitted row.
func waitForLockWait(t *testing.T, dsn string) {
	t.Helper()
	conn := connect(t, dsn)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no append waited for a lock within 10s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advisoryLocks returns the modes of the advisory locks granted in dsn's
// database.
func advisoryLocks(t *testing.T, dsn string) []string {
	t.Helper()
	return readStrings(t, connect(t, dsn), `SELECT mode FROM pg_locks
		WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY mode`)
}

func readStrings(t *testing.T, conn *pgx.Conn, sql string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// subscribeAll subscribes to s's log from the start until the test ends,
// and delivers every event on the returned channel, which holds buffer of
// them. The test fails if the subscription ends other than by its end.
func subscribeAll(t *testing.T, s eventstore.Store, buffer int) <-chan eventstore.RecordedEvent {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	seen := make(chan eventstore.RecordedEvent, buffer)
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(ctx, eventstore.Start, func(e eventstore.RecordedEvent) error {
			seen <- e
			return nil
		})
	}()
	t.Cleanup(func() {
		stop()
		if err := <-subDone; !errors.Is(err, context.Canceled) {
			t.Errorf("Subscribe() = %v, want context.Canceled", err)
		}
	})
	return seen
}

func receive(t *testing.T, seen <-chan eventstore.RecordedEvent) eventstore.RecordedEvent {
	t.Helper()
	select {
	case e := <-seen:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("subscriber delivered nothing within 10s")
		return eventstore.RecordedEvent{}
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(context.WithoutCancel(t.Context())); err != nil {
			t.Errorf("close connection: %v", err)
		}
	})
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func readPositions(t *testing.T, conn *pgx.Conn, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newStream() string { return "test-" + uuid.NewString() }

// newEvents returns n events of one new command.
func newEvents(n int) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:   eventstore.DeriveEventID(cmd, i),
			Type: "test.happened",
			Data: json.RawMessage(fmt.Sprintf(`{"command":%q,"i":%d}`, cmd, i)),
			Metadata: eventstore.Metadata{
				Actor:         eventstore.Actor{ID: "199001012020121001", Role: "employee"},
				CommandID:     cmd,
				CorrelationID: cmd,
				CausationID:   cmd,
				SchemaVersion: 1,
			},
		}
	}
	return out
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, expected, events...)
	if err != nil {
		t.Fatalf("Append(%s, %v) error = %v", stream, expected, err)
	}
	return res
}
