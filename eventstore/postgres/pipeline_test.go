package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// deadlockDetected is PostgreSQL's SQLSTATE for a transaction it aborted to
// break a deadlock.
const deadlockDetected = "40P01"

// TestOptimisticGroupFailsAtCommit makes an optimistic group fail in its
// COMMIT, after it held the log head, while the next appends queue behind
// it. The failed group's append gets the error and stores nothing; the
// store must forget what it planned on, so that the appends queued behind
// are stored once each, right after the last committed event, and a
// concurrent subscriber sees dense positions and never the failed event.
func TestOptimisticGroupFailsAtCommit(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	schema := pgtest.SchemaName(t)
	s := openStore(t, dsn, postgres.WithSchema(schema))
	watcher := openStore(t, dsn, postgres.WithSchema(schema), postgres.WithPollInterval(5*time.Millisecond))

	// A deferred trigger fails, at COMMIT, every transaction that stores an
	// event of type test.fails_at_commit; the first time after a pause
	// (counted by a sequence, which a rollback does not undo) that keeps
	// the transaction holding the head while the next appends arrive.
	admin := connect(t, dsn)
	exec(t, admin, fmt.Sprintf(`CREATE SEQUENCE %s.commit_failures`, schema))
	exec(t, admin, fmt.Sprintf(`CREATE FUNCTION %s.fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('%s.commit_failures') = 1 THEN
				PERFORM pg_sleep(1.5);
			END IF;
			RAISE EXCEPTION 'test: refused at commit';
		END $$`, schema, schema))
	exec(t, admin, fmt.Sprintf(`CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON %s.events
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.type = 'test.fails_at_commit')
		EXECUTE FUNCTION %s.fail_at_commit()`, schema, schema))

	x := newStream()
	warm := mustAppend(t, s, x, eventstore.NoStream, newEvents(1)...) // the store now knows the log: its next group is optimistic

	seen := subscribeAll(t, watcher, 64)
	if e := receive(t, seen); e.Position != warm.Position {
		t.Fatalf("subscriber saw %v first, want the first append at %v", e.Position, warm.Position)
	}
	before := s.Stats()

	bad := newEvents(1)
	bad[0].Type = "test.fails_at_commit"
	badDone := make(chan appendOutcome, 1)
	go func() {
		res, err := s.Append(t.Context(), newStream(), eventstore.NoStream, bad...)
		badDone <- appendOutcome{res, err}
	}()
	waitForActivity(t, dsn, `wait_event = 'PgSleep'`) // the bad group holds the head, in its COMMIT

	// The next appends: one continues x, whose head the store knows; the
	// others create streams. They queue while the bad group commits.
	type goodAppend struct {
		stream   string
		expected eventstore.ExpectedRevision
		events   []eventstore.EventData
		done     chan appendOutcome
	}
	good := []*goodAppend{{stream: x, expected: eventstore.Exact(0), events: newEvents(2)}}
	for range 3 {
		good = append(good, &goodAppend{stream: newStream(), expected: eventstore.NoStream, events: newEvents(1)})
	}
	for _, g := range good {
		g.done = make(chan appendOutcome, 1)
		go func() {
			res, err := s.Append(t.Context(), g.stream, g.expected, g.events...)
			g.done <- appendOutcome{res, err}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); s.Queued() < len(good); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d appends queued within 10s", s.Queued(), len(good))
		}
	}

	var o appendOutcome
	select {
	case o = <-badDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the failing append did not return within 10s")
	}
	if o.err == nil || domain.KindOf(o.err) != domain.Internal {
		t.Fatalf("Append() of an event the database refuses at commit = %+v, %v; want an internal failure", o.res, o.err)
	}
	want := map[uuid.UUID]eventstore.Position{}
	next := warm.Position.Commit + 1
	for _, g := range good {
		select {
		case o = <-g.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("append to %s did not return within 10s", g.stream)
		}
		if o.err != nil {
			t.Fatalf("append to %s, queued behind the failed group: %v", g.stream, o.err)
		}
		first := o.res.Position.Commit - uint64(len(g.events)) + 1
		for i, e := range g.events {
			want[e.ID] = eventstore.Position{Commit: first + uint64(i), Prepare: first + uint64(i)}
		}
		next += uint64(len(g.events))
	}
	after := s.Stats()
	if n := after.Fallbacks - before.Fallbacks; n != 1 {
		t.Errorf("%d optimistic groups failed and were redone under the lock, want 1: the failed one", n)
	}

	all, err := s.ReadAll(t.Context(), eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want)+1 {
		t.Fatalf("log holds %d events, want %d: the first append and the acknowledged ones, once each", len(all), len(want)+1)
	}
	for i, e := range all {
		if e.Position.Commit != uint64(i+1) {
			t.Fatalf("event %d at %v: positions are not dense", i, e.Position)
		}
		if p, ok := want[e.ID]; i > 0 && (!ok || p != e.Position) {
			t.Errorf("event %s stored at %v, acknowledged at %v (acknowledged: %v)", e.ID, e.Position, p, ok)
		}
	}
	events, err := s.ReadStream(t.Context(), x, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, events); i >= 0 || len(events) != 3 {
		t.Errorf("stream x: %d events, want 3; chain breaks at %d: %s", len(events), i, why)
	}
	for i := range len(want) {
		e := receive(t, seen)
		if e.Position.Commit != warm.Position.Commit+uint64(i)+1 || e.ID == bad[0].ID {
			t.Fatalf("subscriber saw %s at %v as event %d after the first", e.ID, e.Position, i+1)
		}
	}
	select {
	case e := <-seen:
		t.Fatalf("subscriber saw %s at %v beyond the acknowledged events", e.ID, e.Position)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestOptimisticDeadlock makes the store's optimistic insert and another
// process's transaction wait for each other on the unique position index:
// the other transaction has inserted at the store's second position and
// then inserts at its first. PostgreSQL aborts one of them after
// deadlock_timeout; the append must then succeed, at the positions right
// after the last committed event, and not hang.
func TestOptimisticDeadlock(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	schema := pgtest.SchemaName(t)
	s := openStore(t, dsn, postgres.WithSchema(schema))
	warm := mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(1)...)

	other := connect(t, dsn)
	tx, err := other.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.WithoutCancel(t.Context())) }) //nolint:errcheck // a no-op once rolled back below
	insertAt := func(ctx context.Context, position uint64) error {
		_, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.events (position, stream, revision, id, type, data, actor_id, actor_role,
			command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
			VALUES ($1, $2, 0, $3, 'test.other', '{}', '', '', $3, $3, $3, '', 1, now(), $4, $4)`, schema),
			int64(position), newStream(), uuid.New(), make([]byte, 32))
		return err
	}
	if err := insertAt(t.Context(), warm.Position.Commit+2); err != nil {
		t.Fatal(err)
	}

	events := newEvents(2)
	done := make(chan appendOutcome, 1)
	go func() {
		res, err := s.Append(t.Context(), newStream(), eventstore.NoStream, events...)
		done <- appendOutcome{res, err}
	}()
	waitForActivity(t, dsn, `wait_event_type = 'Lock' AND query LIKE '%INSERT INTO events%'`)
	if modes := advisoryLocks(t, dsn); !slices.Equal(modes, []string{"ShareLock"}) {
		t.Fatalf("waiting append holds advisory locks %v, want the shared one of the optimistic path", modes)
	}
	otherErr := make(chan error, 1)
	go func() { otherErr <- insertAt(t.Context(), warm.Position.Commit+1) }()

	// PostgreSQL aborts the store's transaction or the other one. Either
	// way the other insert returns, and the other transaction then rolls
	// back, as a process that failed would.
	select {
	case err := <-otherErr:
		var pgErr *pgconn.PgError
		if err != nil && (!errors.As(err, &pgErr) || pgErr.Code != deadlockDetected) {
			t.Errorf("the other transaction's insert: %v, want success or a detected deadlock", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the deadlock was not resolved within 10s")
	}
	if err := tx.Rollback(t.Context()); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		t.Fatal(err)
	}
	var o appendOutcome
	select {
	case o = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("append did not return within 10s of the deadlock")
	}
	if o.err != nil {
		t.Fatalf("Append() after a deadlock with another transaction: %v", o.err)
	}
	if want := warm.Position.Commit + 2; o.res.Position.Commit != want {
		t.Errorf("Append() = %+v, want its last event at %d", o.res, want)
	}
	all, err := s.ReadAll(t.Context(), eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[1].ID != events[0].ID || all[2].ID != events[1].ID {
		t.Errorf("log holds %d events, want the first append and the two of the deadlocked one", len(all))
	}
}

// TestTwoStoresAppendConcurrently appends through two stores on one schema
// at once, as two processes would, with some appends to a stream that both
// write, while a subscriber of a third store checks that positions arrive
// dense and in order. The writers pause at random between appends, so that
// appends also arrive while a group of their store commits. Every acknowledged append must be stored once, at its
// acknowledged position.
func TestTwoStoresAppendConcurrently(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	schema := pgtest.SchemaName(t)
	stores := []*postgres.Store{
		openStore(t, dsn, postgres.WithSchema(schema)),
		openStore(t, dsn, postgres.WithSchema(schema)),
	}
	watcher := openStore(t, dsn, postgres.WithSchema(schema), postgres.WithPollInterval(5*time.Millisecond))

	type delivery struct {
		id       uuid.UUID
		position uint64
	}
	ctx, stop := context.WithCancel(t.Context())
	seen := make(chan delivery, 4096)
	subDone := make(chan error, 1)
	go func() {
		var last uint64
		subDone <- watcher.Subscribe(ctx, eventstore.Start, func(e eventstore.RecordedEvent) error {
			if e.Position.Commit != last+1 {
				return fmt.Errorf("subscriber saw position %d after %d", e.Position.Commit, last)
			}
			last = e.Position.Commit
			seen <- delivery{e.ID, e.Position.Commit}
			return nil
		})
	}()

	const writers, appends = 24, 12
	shared := newStream()
	mustAppend(t, stores[0], shared, eventstore.NoStream, newEvents(1)...)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked = map[uuid.UUID]uint64{}
		errs  = make(chan error, writers)
	)
	for w := range writers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			own, expected := newStream(), eventstore.NoStream
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range appends {
				time.Sleep(time.Duration(r.IntN(5000)) * time.Microsecond)
				stream, exp, events := own, expected, newEvents(1+i%2)
				if i%4 == 3 {
					stream, exp = shared, eventstore.Any
				}
				res, err := s.Append(t.Context(), stream, exp, events...)
				if err != nil {
					errs <- fmt.Errorf("writer %d, append %d to %s: %w", w, i, stream, err)
					return
				}
				if stream == own {
					expected = eventstore.Exact(res.Revision)
				}
				mu.Lock()
				for j, e := range events {
					acked[e.ID] = res.Position.Commit - uint64(len(events)-1-j)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	total := len(acked) + 1
	got := map[uuid.UUID]uint64{}
	for len(got) < total {
		select {
		case d := <-seen:
			if _, dup := got[d.id]; dup {
				t.Fatalf("subscriber saw %s twice", d.id)
			}
			got[d.id] = d.position
		case err := <-subDone:
			t.Fatalf("Subscribe() = %v after %d of %d events", err, len(got), total)
		case <-time.After(10 * time.Second):
			t.Fatalf("subscriber saw %d of %d events within 10s", len(got), total)
		}
	}
	stop()
	if err := <-subDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe() = %v, want context.Canceled", err)
	}
	for id, p := range acked {
		if got[id] != p {
			t.Errorf("event %s acknowledged at %d, delivered at %d", id, p, got[id])
		}
	}
	if h := head(t, watcher); h.Commit != uint64(total) {
		t.Errorf("Head() = %v, want %d: nothing beyond the acknowledged events", h, total)
	}
	events, err := watcher.ReadStream(t.Context(), shared, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, events); i >= 0 {
		t.Errorf("shared stream: chain breaks at %d: %s", i, why)
	}
	for i, s := range stores {
		t.Logf("store %d: %+v", i, s.Stats())
	}
}

// waitForActivity waits until a session of dsn's database matches the
// pg_stat_activity condition cond.
func waitForActivity(t *testing.T, dsn, cond string) {
	t.Helper()
	conn := connect(t, dsn)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND `+cond).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			rows, err := conn.Query(t.Context(), `SELECT coalesce(wait_event_type, '') || ' ' || coalesce(wait_event, '') || ' ' || state || ': ' || left(query, 60)
				FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
			if err != nil {
				t.Fatal(err)
			}
			sessions, err := pgx.CollectRows(rows, pgx.RowTo[string])
			t.Fatalf("no session matched %s within 10s; sessions: %q (%v)", cond, sessions, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestEarlyGroupGivesUp appends from 16 writers at once, so that groups are
// sent in two parts as they gather, and makes every fifth append expect a
// revision its stream is not at. Such an append in a group's first part
// sends the group down the safe path before anything is sent; in its
// second part, it makes the store give up the transaction the first part
// began. Either way, every other append must be stored once, at its
// acknowledged position, and every failing one must get the conflict and
// store nothing.
func TestEarlyGroupGivesUp(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openStore(t, dsn, postgres.WithSchema(pgtest.SchemaName(t)))
	mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(1)...) // the store now knows the log

	const writers, appends = 16, 30
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		acked     = map[uuid.UUID]uint64{}
		conflicts int
		errs      = make(chan error, writers)
	)
	for w := range writers {
		wg.Go(func() {
			stream, expected := newStream(), eventstore.NoStream
			for i := range appends {
				events := newEvents(1)
				if i%5 == 4 {
					_, err := s.Append(t.Context(), stream, eventstore.Exact(1000), events...)
					if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
						errs <- fmt.Errorf("writer %d, append %d expecting revision 1000: %v, want the conflict", w, i, err)
						return
					}
					mu.Lock()
					conflicts++
					mu.Unlock()
					continue
				}
				res, err := s.Append(t.Context(), stream, expected, events...)
				if err != nil {
					errs <- fmt.Errorf("writer %d, append %d: %w", w, i, err)
					return
				}
				expected = eventstore.Exact(res.Revision)
				mu.Lock()
				acked[events[0].ID] = res.Position.Commit
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	all, err := s.ReadAll(t.Context(), eventstore.Start, 2*writers*appends)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(acked)+1 {
		t.Fatalf("log holds %d events, want %d: the first and the acknowledged ones, once each (%d conflicts)", len(all), len(acked)+1, conflicts)
	}
	for i, e := range all {
		if e.Position.Commit != uint64(i+1) {
			t.Fatalf("event %d at %v: positions are not dense", i, e.Position)
		}
		if p, ok := acked[e.ID]; i > 0 && (!ok || p != e.Position.Commit) {
			t.Errorf("event %s stored at %v, acknowledged at %d (acknowledged: %v)", e.ID, e.Position, p, ok)
		}
	}
	// Which part of a group a conflict lands in depends on timing; on an
	// idle machine most runs give up some groups (Fallbacks > 0).
	t.Logf("%d conflicts; %+v", conflicts, s.Stats())
}
