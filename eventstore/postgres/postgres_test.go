package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// insufficientPrivilege is PostgreSQL's SQLSTATE for a refused privilege;
// the append-only trigger raises it too.
const insufficientPrivilege = "42501"

func TestImmutability(t *testing.T) {
	role := pgtest.NewRole(t)
	superDSN := pgtest.NewDatabaseOwnedBy(t, role)
	ledgerDSN := pgtest.WithUser(t, superDSN, role)
	schema := pgtest.SchemaName(t)
	s := openStore(t, ledgerDSN, postgres.WithSchema(schema))
	stream := newStream()
	mustAppend(t, s, stream, eventstore.NoStream, newEvents(3)...)
	before, err := s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}

	statements := []string{
		`UPDATE events SET type = 'evaluation.forged' WHERE revision = 1`,
		`DELETE FROM events WHERE revision = 2`,
		`TRUNCATE events`,
		`UPDATE merkle_hashes SET hashes = '\x00' WHERE first = 0`,
		`DELETE FROM merkle_hashes WHERE first = 0`,
		`TRUNCATE merkle_hashes`,
	}
	sessions := []struct {
		name, dsn string
		want      string // in the error message: which layer refused
	}{
		{name: "the ledger's own role", dsn: ledgerDSN, want: "permission denied"},
		{name: "a superuser", dsn: superDSN, want: "the ledger is append-only"},
	}
	for _, session := range sessions {
		conn := connect(t, session.dsn)
		exec(t, conn, `SET search_path TO `+pgx.Identifier{schema}.Sanitize())
		for _, sql := range statements {
			t.Run(session.name+"/"+strings.Fields(sql)[0]+" "+tableOf(sql), func(t *testing.T) {
				_, err := conn.Exec(t.Context(), sql)
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != insufficientPrivilege || !strings.Contains(pgErr.Message, session.want) {
					t.Fatalf("%s as %s: error = %v, want SQLSTATE %s with %q", sql, session.name, err, insufficientPrivilege, session.want)
				}
			})
		}
	}

	after, err := s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("stream has %d events after the attempts, want %d", len(after), len(before))
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, after); i >= 0 {
		t.Errorf("chain breaks at %d after the attempts: %s", i, why)
	}
	if _, err := tlog.TreeHash(3, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return s.ReadHashes(t.Context(), ix) })); err != nil {
		t.Errorf("Merkle tree unreadable after the attempts: %v", err)
	}
}

// tableOf returns the table an UPDATE, DELETE or TRUNCATE names.
func tableOf(sql string) string {
	for _, f := range strings.Fields(sql) {
		if f == "events" || f == "merkle_hashes" {
			return f
		}
	}
	return "?"
}

func TestMigrations(t *testing.T) {
	dsn := pgtest.NewDatabase(t)

	t.Run("concurrent opens", func(t *testing.T) {
		schema := pgtest.SchemaName(t)
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				s, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(schema))
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
			}
		}
		conn := connect(t, dsn)
		var versions, heads int
		err := conn.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+`),
			(SELECT count(*) FROM `+pgx.Identifier{schema, "log_head"}.Sanitize()+`)`).Scan(&versions, &heads)
		if err != nil {
			t.Fatal(err)
		}
		if versions != 1 || heads != 1 {
			t.Errorf("after %d concurrent opens: %d applied migrations and %d head rows, want 1 and 1", n, versions, heads)
		}
	})

	t.Run("reopen keeps the ledger", func(t *testing.T) {
		schema := pgtest.SchemaName(t)
		s, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		res := mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(2)...)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, dsn, postgres.WithSchema(schema))
		head, err := s.Head(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if head != res.Position {
			t.Errorf("Head() after reopening = %v, want %v", head, res.Position)
		}
	})

	t.Run("newer schema refused", func(t *testing.T) {
		schema := pgtest.SchemaName(t)
		openStore(t, dsn, postgres.WithSchema(schema))
		exec(t, connect(t, dsn), `INSERT INTO `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+` (version, name) VALUES (999, '999_future.sql')`)
		_, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(schema))
		if err == nil || !strings.Contains(err.Error(), "newer than this program knows") {
			t.Fatalf("Open() error = %v, want a refusal of schema version 999", err)
		}
	})

	t.Run("bad schema name", func(t *testing.T) {
		_, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(`Robert"; DROP TABLE x`))
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != "schema" {
			t.Fatalf("Open() error = %v, want domain.Invalid naming field schema", err)
		}
	})
}

// TestGroupCommit holds one transaction open while appends queue behind
// it, so that they all go into the next group: their checks run against
// each other inside one transaction, each gets its own result, and the
// ones that pass take dense positions.
func TestGroupCommit(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var commits atomic.Int32
	paused, release := make(chan struct{}), make(chan struct{})
	s := openStore(t, dsn, postgres.WithBeforeCommit(func() {
		if commits.Add(1) == 1 {
			close(paused)
			<-release
		}
	}))

	first := newEvents(2)
	firstStream := newStream()
	results := make(map[string]chan appendOutcome)
	appendAsync := func(name, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) {
		t.Helper()
		queued := s.Queued()
		ch := make(chan appendOutcome, 1)
		results[name] = ch
		go func() {
			res, err := s.Append(t.Context(), stream, expected, events...)
			ch <- appendOutcome{res, err}
		}()
		if name == "first" {
			<-paused
			return
		}
		deadline := time.Now().Add(10 * time.Second)
		for s.Queued() == queued {
			if time.Now().After(deadline) {
				t.Fatalf("append %s did not queue within 10s", name)
			}
			time.Sleep(time.Millisecond)
		}
	}

	x, z := newStream(), newStream()
	xEvents := newEvents(1)
	appendAsync("first", firstStream, eventstore.NoStream, first)
	appendAsync("x created", x, eventstore.NoStream, xEvents)
	appendAsync("x created again", x, eventstore.NoStream, newEvents(1))
	appendAsync("first retried", firstStream, eventstore.NoStream, first)
	appendAsync("x id reused", x, eventstore.Exact(0), append([]eventstore.EventData{xEvents[0]}, newEvents(1)...))
	appendAsync("missing stream", newStream(), eventstore.Exact(5), newEvents(1))
	appendAsync("z created", z, eventstore.Any, newEvents(3))
	close(release)

	got := make(map[string]appendOutcome)
	for name, ch := range results {
		select {
		case got[name] = <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("append %s did not return within 10s", name)
		}
	}
	if n := commits.Load(); n != 2 {
		t.Errorf("%d transactions, want 2: the held one and one group for the six queued appends", n)
	}
	pos := func(p uint64) eventstore.Position { return eventstore.Position{Commit: p, Prepare: p} }
	tests := []struct {
		name     string
		want     eventstore.AppendResult
		wantKind domain.Kind
		sentinel error
		field    string
	}{
		{name: "first", want: eventstore.AppendResult{Revision: 1, Position: pos(2)}},
		{name: "x created", want: eventstore.AppendResult{Revision: 0, Position: pos(3)}},
		{name: "x created again", wantKind: domain.Conflict, sentinel: eventstore.ErrWrongExpectedRevision},
		{name: "first retried", want: eventstore.AppendResult{Revision: 1, Position: pos(2)}},
		{name: "x id reused", wantKind: domain.Invalid, sentinel: eventstore.ErrInvalidArgument, field: "events[0].id"},
		{name: "missing stream", wantKind: domain.Conflict, sentinel: eventstore.ErrWrongExpectedRevision},
		{name: "z created", want: eventstore.AppendResult{Revision: 2, Position: pos(6)}},
	}
	for _, tt := range tests {
		o := got[tt.name]
		if kind := domain.KindOf(o.err); kind != tt.wantKind {
			t.Errorf("%s: error = %v, want kind %v", tt.name, o.err, tt.wantKind)
			continue
		}
		if tt.sentinel != nil && !errors.Is(o.err, tt.sentinel) {
			t.Errorf("%s: error = %v, want errors.Is %v", tt.name, o.err, tt.sentinel)
		}
		var de *domain.Error
		if tt.field != "" && (!errors.As(o.err, &de) || de.Field != tt.field) {
			t.Errorf("%s: error = %v, want it to name field %s", tt.name, o.err, tt.field)
		}
		if o.res != tt.want {
			t.Errorf("%s: result = %+v, want %+v", tt.name, o.res, tt.want)
		}
	}
	all, err := s.ReadAll(t.Context(), eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range all {
		if e.Position != pos(uint64(i+1)) {
			t.Errorf("event %d at %v, want dense positions", i, e.Position)
		}
	}
	if len(all) != 6 {
		t.Errorf("log holds %d events, want 6", len(all))
	}
}

// TestRollbackLeavesNoGap fails a group transaction after it has taken its
// positions (its timestamp is out of PostgreSQL's range) and checks that
// the next append takes the very next position.
func TestRollbackLeavesNoGap(t *testing.T) {
	var broken atomic.Bool
	s := openStore(t, pgtest.NewDatabase(t), postgres.WithClock(func() time.Time {
		if broken.Load() {
			return time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return time.Now()
	}))
	first := mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(2)...)

	broken.Store(true)
	lost := newStream()
	_, err := s.Append(t.Context(), lost, eventstore.NoStream, newEvents(3)...)
	if err == nil || domain.KindOf(err) != domain.Internal {
		t.Fatalf("Append() with an unstorable timestamp: error = %v, want an internal failure", err)
	}
	if _, err := s.ReadStream(t.Context(), lost, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("ReadStream of the failed append's stream: error = %v, want ErrStreamNotFound", err)
	}

	broken.Store(false)
	next := mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(1)...)
	if next.Position.Commit != first.Position.Commit+1 {
		t.Errorf("append after the rollback at %v, want %d: a rollback must not leave a gap", next.Position, first.Position.Commit+1)
	}
}

func TestTextThatPostgresCannotStore(t *testing.T) {
	s := openStore(t, pgtest.NewDatabase(t))
	tests := []struct {
		name   string
		change func(*eventstore.EventData)
		field  string
	}{
		{name: "NUL in type", change: func(e *eventstore.EventData) { e.Type = "evaluation.\x00rated" }, field: "events[0].type"},
		{name: "invalid UTF-8 in reason", change: func(e *eventstore.EventData) { e.Metadata.Reason = "nilai \xff" }, field: "events[0].metadata.reason"},
		{name: "NUL in actor", change: func(e *eventstore.EventData) { e.Metadata.Actor.ID = "1990\x00" }, field: "events[0].metadata.actor.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := newEvents(1)
			tt.change(&events[0])
			stream := newStream()
			_, err := s.Append(t.Context(), stream, eventstore.NoStream, events...)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != tt.field || !errors.Is(err, eventstore.ErrInvalidArgument) {
				t.Fatalf("Append() error = %v, want domain.Invalid naming %s", err, tt.field)
			}
			if _, err := s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Errorf("ReadStream after the rejection: error = %v, want ErrStreamNotFound", err)
			}
		})
	}
}

// TestSeveralProcesses appends through several stores on one schema, as
// several processes would, and checks the log is dense, each stream's
// chain holds and the Merkle tree matches the events.
func TestSeveralProcesses(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	schema := pgtest.SchemaName(t)
	stores := []*postgres.Store{
		openStore(t, dsn, postgres.WithSchema(schema)),
		openStore(t, dsn, postgres.WithSchema(schema)),
		openStore(t, dsn, postgres.WithSchema(schema)),
	}
	const writers, appends = 12, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	streams := make([]string, writers)
	for w := range writers {
		streams[w] = newStream()
		wg.Go(func() {
			s := stores[w%len(stores)]
			expected := eventstore.NoStream
			for range appends {
				res, err := s.Append(t.Context(), streams[w], expected, newEvents(2)...)
				if err != nil {
					errs <- err
					return
				}
				expected = eventstore.Exact(res.Revision)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append() error = %v", err)
	}

	all, err := stores[0].ReadAll(t.Context(), eventstore.Start, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*appends*2 {
		t.Fatalf("log holds %d events, want %d", len(all), writers*appends*2)
	}
	var ref []tlog.Hash
	refReader := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			out[i] = ref[x]
		}
		return out, nil
	})
	for i := range all {
		if all[i].Position.Commit != uint64(i+1) {
			t.Fatalf("event %d at %v, want %d: positions are dense", i, all[i].Position, i+1)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(i), eventstore.LeafHash(&all[i]), refReader)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, hs...)
	}
	for _, stream := range streams {
		events, err := stores[1].ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i, why := eventstore.VerifyChain(eventstore.Hash{}, events); i >= 0 || len(events) != appends*2 {
			t.Errorf("stream %s: %d events, chain breaks at %d: %s", stream, len(events), i, why)
		}
	}
	n := int64(len(all))
	want, err := tlog.TreeHash(n, refReader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tlog.TreeHash(n, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		return stores[2].ReadHashes(context.WithoutCancel(t.Context()), ix)
	}))
	if err != nil || got != want {
		t.Errorf("stored tree hash = %v, %v; want %v from the events", got, err, want)
	}
}

// TestAnotherProcessWroteFirst makes a store's cached view of the log stale
// (another store, as another process would, writes in between) and checks
// that every kind of append still gets the answer the stored state gives:
// the one-round-trip path fails on the stale state and the append is
// decided again under the lock.
func TestAnotherProcessWroteFirst(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	schema := pgtest.SchemaName(t)
	a := openStore(t, dsn, postgres.WithSchema(schema))
	b := openStore(t, dsn, postgres.WithSchema(schema))

	x := newStream()
	xFirst := newEvents(1)
	mustAppend(t, a, x, eventstore.NoStream, xFirst...) // a now caches x at revision 0
	mustAppend(t, b, x, eventstore.Exact(0), newEvents(1)...)

	t.Run("exact revision that a has cached", func(t *testing.T) {
		before := head(t, a)
		_, err := a.Append(t.Context(), x, eventstore.Exact(0), newEvents(1)...)
		if domain.KindOf(err) != domain.Conflict || !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			t.Fatalf("Append(Exact(0)) after another process wrote revision 1: error = %v, want a conflict", err)
		}
		if got := head(t, a); got != before {
			t.Errorf("Head() = %v after the conflict, want %v", got, before)
		}
	})
	t.Run("the right revision", func(t *testing.T) {
		res := mustAppend(t, a, x, eventstore.Exact(1), newEvents(1)...)
		if res.Revision != 2 {
			t.Errorf("Append(Exact(1)) = %+v, want revision 2", res)
		}
	})
	t.Run("no stream that another process created", func(t *testing.T) {
		z := newStream()
		mustAppend(t, b, z, eventstore.NoStream, newEvents(1)...)
		_, err := a.Append(t.Context(), z, eventstore.NoStream, newEvents(1)...)
		if domain.KindOf(err) != domain.Conflict {
			t.Fatalf("Append(NoStream) to a stream another process created: error = %v, want a conflict", err)
		}
	})
	t.Run("head moved by another process", func(t *testing.T) {
		mustAppend(t, a, x, eventstore.Exact(2), newEvents(1)...) // a caches the head
		other := mustAppend(t, b, newStream(), eventstore.NoStream, newEvents(2)...)
		res := mustAppend(t, a, x, eventstore.Exact(3), newEvents(1)...)
		if res.Position.Commit != other.Position.Commit+1 {
			t.Errorf("append at %v after another process's append at %v, want the next position", res.Position, other.Position)
		}
	})
	t.Run("retry that the cache would let through", func(t *testing.T) {
		y := newStream()
		events := newEvents(2)
		first := mustAppend(t, a, y, eventstore.NoStream, events...)
		before := head(t, a)
		got, err := a.Append(t.Context(), y, eventstore.Exact(first.Revision), events...)
		if err != nil || got != first {
			t.Fatalf("retry = %+v, %v; want the original result %+v", got, err, first)
		}
		if h := head(t, a); h != before {
			t.Errorf("Head() = %v after the retry, want %v", h, before)
		}
	})

	all, err := a.ReadAll(t.Context(), eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range all {
		if e.Position.Commit != uint64(i+1) {
			t.Fatalf("event %d at %v: positions are not dense", i, e.Position)
		}
	}
	events, err := a.ReadStream(t.Context(), x, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, events); i >= 0 || len(events) != 5 {
		t.Errorf("stream x: %d events, want 5; chain breaks at %d: %s", len(events), i, why)
	}
}

func head(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	p, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
