package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// request is one caller's append, waiting in the group-commit queue.
type request struct {
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData

	done     chan struct{} // closed when result and err are final
	lead     chan struct{} // receives when this caller must run the next group
	promoted bool          // guarded by Store.mu: lead has been sent

	decided bool // set by the group: result and err are final even if the transaction fails
	result  eventstore.AppendResult
	err     error
}

// Append implements eventstore.Store.
//
// Concurrent appends are committed together (leader/follower group commit):
// the first caller that finds no group being formed becomes the leader; it
// takes every append queued so far, checks each in Go against the streams'
// last events and the stored event ids, writes the ones that pass in one
// transaction (one multi-row INSERT) that moves the log head, and hands
// every caller its own result: a rejected append gets its own error and
// does not affect the others. Callers that arrive meanwhile queue, and the
// first of them leads the next group. There is no background goroutine.
//
// A group whose appends all pass against what the store knows of the log
// (its own commits) is optimistic: it is sent in one round trip that
// inserts the rows first and moves the log head last, and commits only if
// the head is exactly where the store's last group left it (position and
// Merkle frontier). If another process has written meanwhile, an
// optimistic group fails, stores nothing, and is decided again from fresh
// reads under the log-head lock (see commit).
//
// When eight or more appenders are active, an optimistic group is sent in
// two parts as it gathers, so that the server inserts the first appends
// while the last are still queueing (see commitEarly).
//
// One group of a store is in flight at a time: the next leader starts
// when the group is done. Sending the next group while one commits
// (pipelining) splits closed-loop appenders into two cohorts that each pay
// a commit; BenchmarkAppend measured it about 10% slower.
//
// A caller whose ctx ends while its append is still queued gets the
// context's error and nothing is stored. Once its group is running, the
// append completes and its result is returned.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := validateText(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := context.Cause(ctx); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	r := &request{stream: stream, expected: expected, events: events, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	if s.gathering != nil && len(s.queue) >= s.gatherWant {
		close(s.gathering)
		s.gathering = nil
	}
	leader := !s.leading
	s.leading = true
	s.mu.Unlock()

	if !leader {
		select {
		case <-r.done:
			return r.result, r.err
		case <-r.lead:
		case <-ctx.Done():
			if s.withdraw(r) {
				return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, context.Cause(ctx))
			}
			select { // too late to withdraw: a group holds it, or it leads the next
			case <-r.done:
				return r.result, r.err
			case <-r.lead:
			}
		}
	}
	s.lead(ctx)
	<-r.done
	return r.result, r.err
}

// withdraw removes r from the queue if no group has taken it and it has not
// been promoted to lead, and reports whether it did.
func (s *Store) withdraw(r *request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.promoted {
		return false
	}
	for i, q := range s.queue {
		if q == r {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return true
		}
	}
	return false
}

// lead runs one group transaction for the queued appends and, when it is
// done, hands the lead to the first append that queued meanwhile, if any.
//
// Before it takes the queue, it waits briefly for the appenders that were
// active at the end of the previous group to queue again (see
// gatherUntil). Without that, n concurrent appenders split into two
// cohorts that take turns, each group holding about n/2 appends and paying
// a whole commit. When enough appenders are active and the store knows the
// log, the group is sent in two parts as it gathers (see commitEarly).
func (s *Store) lead(ctx context.Context) {
	start := time.Now()
	at := s.now().UTC().Truncate(time.Microsecond) // as Seal does, so the column holds the hashed instant
	s.mu.Lock()
	want, deadline := s.active, start.Add(min(s.lastCommit/2, maxGather))
	s.mu.Unlock()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	var (
		group   []*request
		written int
		err     error
	)
	if want >= earlyGroup && s.cache.valid {
		group, written, err = s.commitEarly(cctx, want, deadline, at)
	} else {
		if want > 1 { // a single appender never waits
			s.gatherUntil(want, deadline)
		}
		group, _, _ = s.take(0, 0, 0)
		written, err = s.commit(cctx, group, at)
	}
	cancel()
	took := time.Since(start)
	for _, r := range group {
		if !r.decided && err != nil {
			r.result, r.err = eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", r.stream, err)
		}
		close(r.done)
	}
	if err == nil && written > 0 {
		s.groups.Add(1)
		s.events.Add(int64(written))
		s.signal.Notify()
	}
	s.mu.Lock()
	s.active, s.lastCommit = len(group)+len(s.queue), took
	s.mu.Unlock()
	s.passLead()
}

// passLead makes the first queued append the leader of the next group, or
// records that nobody leads if none is queued.
func (s *Store) passLead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		s.leading = false
		return
	}
	next := s.queue[0]
	next.promoted = true
	next.lead <- struct{}{}
}

// gatherUntil waits until n appends are queued, or until deadline. A
// leader waits for as many as were active (in a group or queued) when the
// previous group committed, for at most half the previous group's time
// (and maxGather): the appenders that group served are then usually back
// within microseconds, and the group holds all of them.
func (s *Store) gatherUntil(n int, deadline time.Time) {
	s.mu.Lock()
	wait := time.Until(deadline)
	if len(s.queue) >= n || wait <= 0 {
		s.mu.Unlock()
		return
	}
	full := make(chan struct{})
	s.gathering, s.gatherWant = full, n
	s.mu.Unlock()

	t := time.NewTimer(wait)
	select {
	case <-full:
	case <-t.C:
	}
	t.Stop()
	s.mu.Lock()
	s.gathering = nil
	s.mu.Unlock()
}

// take takes appends from the queue for a group that holds taken appends
// with events events and size bytes of data so far: as many as keep it
// within maxGroupEvents and maxGroupBytes, and at least one if the group
// is empty. It returns them and the group's new totals.
func (s *Store) take(taken, events, size int) ([]*request, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.queue) {
		r := s.queue[n]
		e, b := len(r.events), 0
		for _, ev := range r.events {
			b += len(ev.Data)
		}
		if taken+n > 0 && (events+e > maxGroupEvents || size+b > maxGroupBytes) {
			break
		}
		events, size = events+e, size+b
		n++
	}
	part := s.queue[:n:n]
	s.queue = s.queue[n:]
	return part, events, size
}

// earlyGroup is the fewest active appenders for which a group is sent in
// two parts (see commitEarly).
const earlyGroup = 8

// commitEarly gathers and commits a group of up to want appends in two
// parts, so that the server inserts the first appends while the last ones
// are still queueing: it waits for half of them, decides them against the
// store's cache and sends BEGIN, the shared append lock and their INSERT;
// then it waits for the rest, decides them after the first, and sends
// their INSERT, the Merkle hashes, the wait for and move of the head, and
// COMMIT, in the same pipeline. With 32 closed-loop appenders the first
// INSERT overlaps the return of the others and the deciding of their
// appends, during which the server was idle.
//
// If an append of either part cannot be decided against the cache (see
// planInto), or the transaction fails, the group goes down the safe path,
// as in commit. It returns the group and the number of events committed.
func (s *Store) commitEarly(ctx context.Context, want int, deadline, at time.Time) ([]*request, int, error) {
	s.gatherUntil((want+1)/2, deadline)
	group, events, size := s.take(0, 0, 0)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return group, 0, err
	}
	defer conn.Release()
	d := newDecider(s.cache.head, s.cache.frontier, want, map[string]streamHead{}, map[uuid.UUID]storedEvent{}, at)
	if !s.planInto(d, group) {
		// Deciding the whole group against the cache would stop at the
		// same append: straight to the safe path.
		s.gatherUntil(want-len(group), deadline)
		rest, _, _ := s.take(len(group), events, size)
		group = append(group, rest...)
		n, err := s.safe(ctx, conn, group, at)
		return group, n, err
	}
	if err := prepare(ctx, conn.Conn(), prepared); err != nil {
		return group, 0, err
	}
	first := len(d.w.positions)
	p := conn.Conn().PgConn().StartPipeline(ctx)
	p.SendQueryParams("BEGIN", nil, nil, nil, nil)
	statement{stmtShare, shareAppendLock, nil}.send(p)
	d.w.insertRows(0, first).send(p)
	sent := 3
	flushErr := p.Flush()

	s.gatherUntil(want-len(group), deadline)
	rest, _, _ := s.take(len(group), events, size)
	group = append(group, rest...)
	var w *write
	if flushErr == nil && s.planInto(d, rest) {
		w, err = d.finish()
	}
	if w == nil {
		// End the transaction begun; the safe path decides the group.
		err = errors.Join(flushErr, err, p.Sync())
		if err == nil {
			err = pipelineResults(p, sent)
		}
		n, err := s.retrySafe(ctx, conn, group, at, errors.Join(err, p.Close()))
		return group, n, err
	}
	s.cache.remember(w, d.heads)
	var tail []statement
	if len(w.positions) > first {
		tail = append(tail, w.insertRows(first, len(w.positions)))
	}
	tail = append(tail, w.insertHashes(), statement{stmtWait, waitForHead, nil}, w.moveHead())
	if err := s.finishWrite(ctx, conn, p, sent, tail); err != nil {
		n, err := s.retrySafe(ctx, conn, group, at, err)
		return group, n, err
	}
	return group, len(w.positions), nil
}

// streamHead is what the group knows of a stream: its last revision and
// chain hash, if it has events.
type streamHead struct {
	revision uint64
	exists   bool
	hash     eventstore.Hash
}

// storedEvent is where an event id is stored, for the idempotency check.
type storedEvent struct {
	stream   string
	revision uint64
	position uint64
}

const (
	// appendLock is the advisory lock that keeps the two ways of appending
	// apart. Optimistic transactions insert their rows before they wait for
	// the log head; the safe path waits for the head before it inserts. If
	// both ran at once, a safe transaction holding the head could wait on
	// an optimistic row at the position it wants while that optimistic
	// transaction waits for the head: a deadlock. So optimistic
	// transactions share this lock, and the safe path takes it alone.
	appendLock       = `hashtextextended('kinerja.eventstore.append:' || current_schema(), 0)`
	shareAppendLock  = `SELECT pg_advisory_xact_lock_shared(` + appendLock + `)`
	excludeOptimists = `SELECT pg_advisory_xact_lock(` + appendLock + `)`

	lockHead = `SELECT position, frontier FROM log_head FOR UPDATE`
	// waitForHead locks the head row, waiting for the transaction that
	// holds it to end. moveHead alone would not wait: it computes the new
	// row from the version its snapshot sees and fails NOT NULL at once if
	// that version is not the one it follows, before it would wait for the
	// lock; after waitForHead its snapshot sees the latest committed head.
	waitForHead = `SELECT FROM log_head FOR UPDATE`
	selectHeads = `SELECT s, e.revision, e.hash FROM unnest($1::text[]) AS s
		CROSS JOIN LATERAL (SELECT revision, hash FROM events WHERE stream = s ORDER BY revision DESC LIMIT 1) AS e`
	selectStored = `SELECT id, stream, revision, position FROM events WHERE id = ANY($1)`
	// insertEvents unnests its arrays in the select list, where they are
	// read in lockstep, rather than in FROM, where PostgreSQL materialises
	// each array in a tuplestore of its own: for a group of 32 events that
	// cost about 80 µs more of the server's time.
	insertEvents = `INSERT INTO events (position, stream, revision, id, type, data, actor_id, actor_role,
		command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
	SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::uuid[]), unnest($5::text[]),
		unnest($6::bytea[]), unnest($7::text[]), unnest($8::text[]), unnest($9::uuid[]), unnest($10::uuid[]),
		unnest($11::uuid[]), unnest($12::text[]), unnest($13::bigint[]), $14::timestamptz, unnest($15::bytea[]), unnest($16::bytea[])`
	insertHashes = `INSERT INTO merkle_hashes (first, hashes) VALUES ($1, $2)`
	// moveHead, run with the head row locked (lockHead or waitForHead),
	// moves it from position $3 with Merkle frontier $4 to $1 and $2. If the head
	// is anywhere else the new position is NULL, which the NOT NULL
	// constraint refuses: the transaction fails. The frontier tells apart
	// two logs of the same length: a pipelined group whose predecessor
	// failed, after another process appended as many events, must fail too.
	moveHead = `UPDATE log_head SET position = CASE WHEN position = $3 AND frontier = $4 THEN $1::bigint END, frontier = $2`
)

// Names of the statements the optimistic path prepares on each connection.
const (
	stmtShare  = "kinerja_share_append_lock"
	stmtInsert = "kinerja_insert_events"
	stmtHashes = "kinerja_insert_hashes"
	stmtWait   = "kinerja_wait_for_head"
	stmtMove   = "kinerja_move_head"
)

// prepared are the statements the group writes use, to prepare on a
// connection before its pipeline starts.
var prepared = []statement{
	{stmtShare, shareAppendLock, nil}, {stmtInsert, insertEvents, nil}, {stmtHashes, insertHashes, nil},
	{stmtWait, waitForHead, nil}, {stmtMove, moveHead, nil},
}

// maxCachedStreams bounds the stream heads a Store remembers.
const maxCachedStreams = 1 << 16

// headCache is what a Store knows of the log: the head, its Merkle
// frontier, and the last revision and hash of streams it has read or
// written, as they are after its own last commit. Another process may have
// moved on since; an optimistic transaction then fails (see commit), which
// is why the cache is only ever used to accept appends, never to reject
// them. Only the leader uses it, one group at a time.
type headCache struct {
	valid    bool
	head     int64
	frontier []byte
	streams  map[string]streamHead
}

func (c *headCache) reset() {
	c.valid, c.head, c.frontier, c.streams = false, 0, nil, nil
}

// remember records the state after w.
func (c *headCache) remember(w *write, heads map[string]streamHead) {
	if c.streams == nil || len(c.streams)+len(heads) > maxCachedStreams {
		c.streams = make(map[string]streamHead, len(heads))
	}
	c.valid, c.head, c.frontier = true, w.next, w.frontier
	for name, h := range heads {
		c.streams[name] = h
	}
}

// commit runs one group transaction and returns the number of events it
// committed. Appends that fail their checks, and idempotent retries, are
// decided in it and excluded from the write; an error is for the rest,
// whose events are not stored.
//
// When the Store's cache covers the group and every append passes against
// it, the group is written optimistically in one round trip. Otherwise, or
// when that transaction fails (another process wrote in between), the safe
// path reads under the log-head lock and decides afresh.
func (s *Store) commit(ctx context.Context, group []*request, at time.Time) (int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if w, ok := s.planOptimistic(group, at); ok {
		err := s.sendOptimistic(ctx, conn, w)
		if err == nil {
			return len(w.positions), nil
		}
		return s.retrySafe(ctx, conn, group, at, err)
	}
	return s.safe(ctx, conn, group, at)
}

// retrySafe commits group on the safe path after its optimistic transaction
// failed with err, or was given up.
func (s *Store) retrySafe(ctx context.Context, conn *pgxpool.Conn, group []*request, at time.Time, err error) (int, error) {
	s.cache.reset() // the plan may have remembered the state after its write
	s.fallbacks.Add(1)
	if rbErr := rollback(ctx, conn); rbErr != nil {
		return 0, errors.Join(err, rbErr)
	}
	return s.safe(ctx, conn, group, at)
}

// safe commits group on the safe path (see commitSafe), and forgets what
// the store knows of the log if that fails.
func (s *Store) safe(ctx context.Context, conn *pgxpool.Conn, group []*request, at time.Time) (int, error) {
	n, err := s.commitSafe(ctx, conn, group, at)
	if err != nil {
		s.cache.reset()
		if rbErr := rollback(ctx, conn); rbErr != nil {
			return 0, errors.Join(err, rbErr)
		}
	}
	return n, err
}

// rollback ends a failed transaction on conn, if one is open. A connection
// it cannot roll back is closed, so the pool discards it.
func rollback(ctx context.Context, conn *pgxpool.Conn) error {
	if conn.Conn().PgConn().TxStatus() == 'I' {
		return nil
	}
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		return errors.Join(fmt.Errorf("rollback: %w", err), conn.Conn().Close(ctx))
	}
	return nil
}

// planOptimistic decides group against the cache alone and, if it can,
// records the state after the group in the cache; commit resets it if the
// group fails. It succeeds only if every append would be accepted: each
// stream is cached, or the append expects no stream (the insert of
// revision 0 then proves it), and no append reuses an id of another in the
// group. Stored ids are not checked: a retry's insert violates the unique
// id and sends the group down the safe path, which answers it.
func (s *Store) planOptimistic(group []*request, at time.Time) (*write, bool) {
	c := &s.cache
	if !c.valid {
		return nil, false
	}
	d := newDecider(c.head, c.frontier, len(group), make(map[string]streamHead, len(group)), map[uuid.UUID]storedEvent{}, at)
	if !s.planInto(d, group) {
		return nil, false
	}
	w, err := d.finish()
	if err != nil {
		return nil, false
	}
	c.remember(w, d.heads)
	return w, true
}

// planInto decides reqs into d, after what d holds, against the store's
// cache, and reports whether every one is accepted: its stream is cached,
// or it expects no stream (the insert of revision 0 then proves it), and
// it is neither rejected nor a retry of an append in the group.
func (s *Store) planInto(d *decider, reqs []*request) bool {
	for _, r := range reqs {
		if _, ok := d.heads[r.stream]; !ok {
			if h, cached := s.cache.streams[r.stream]; cached {
				d.heads[r.stream] = h
			} else if !r.expected.IsNoStream() {
				return false
			}
		}
		d.add(r)
		if r.decided {
			return false
		}
	}
	return true
}

// commitSafe waits until no optimistic transaction of any process is
// running, locks the log head, reads the state of the group's streams and
// ids, decides and writes: two round trips. One pipeline begins, takes the locks and reads
// the last event of each stream and any stored copies of the event ids;
// then, after the checks in Go, one pipeline inserts the events and the
// Merkle hashes, moves the head and commits.
func (s *Store) commitSafe(ctx context.Context, conn *pgxpool.Conn, group []*request, at time.Time) (int, error) {
	var (
		ids      [][16]byte
		names    []string
		seen     = map[string]bool{}
		head     int64
		frontier []byte
		heads    = map[string]streamHead{}
		stored   = map[uuid.UUID]storedEvent{}
	)
	for _, r := range group {
		if !seen[r.stream] {
			seen[r.stream] = true
			names = append(names, r.stream)
		}
		for _, e := range r.events {
			ids = append(ids, e.ID)
		}
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(excludeOptimists)
	b.Queue(lockHead).QueryRow(func(row pgx.Row) error { return row.Scan(&head, &frontier) })
	b.Queue(selectHeads, names).Query(func(rows pgx.Rows) error {
		var (
			name string
			rev  int64
			hash []byte
		)
		_, err := pgx.ForEachRow(rows, []any{&name, &rev, &hash}, func() error {
			h := streamHead{revision: uint64(rev), exists: true}
			if len(hash) != len(h.hash) {
				return fmt.Errorf("stream %s: stored hash is %d bytes", name, len(hash))
			}
			copy(h.hash[:], hash)
			heads[name] = h
			return nil
		})
		return err
	})
	b.Queue(selectStored, ids).Query(func(rows pgx.Rows) error {
		var (
			id            uuid.UUID
			stream        string
			rev, position int64
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &stream, &rev, &position}, func() error {
			stored[id] = storedEvent{stream: stream, revision: uint64(rev), position: uint64(position)}
			return nil
		})
		return err
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, err
	}
	w, err := decide(group, head, frontier, heads, stored, at)
	if err != nil {
		return 0, err
	}
	if w.empty() {
		_, err := conn.Exec(ctx, "ROLLBACK")
		return 0, err
	}
	writes := []statement{w.insertRows(0, len(w.positions)), w.insertHashes(), w.moveHead()}
	if err := prepare(ctx, conn.Conn(), prepared); err != nil {
		return 0, err
	}
	if err := s.finishWrite(ctx, conn, conn.Conn().PgConn().StartPipeline(ctx), 0, writes); err != nil {
		return 0, err
	}
	// The exclusive lock kept every optimistic transaction out, so head
	// and heads are the stored state. The streams cached before may be
	// behind it (another process wrote), which an insert at a taken
	// revision detects.
	s.cache.remember(w, heads)
	return len(w.positions), nil
}

// sendOptimistic writes w in one round trip: it begins, shares the append
// lock, inserts the events and the Merkle hashes, locks the log head
// (which waits for a transaction of another process that holds it), moves
// it (which fails unless the head is where w follows) and commits.
func (s *Store) sendOptimistic(ctx context.Context, conn *pgxpool.Conn, w *write) error {
	if err := prepare(ctx, conn.Conn(), prepared); err != nil {
		return err
	}
	p := conn.Conn().PgConn().StartPipeline(ctx)
	p.SendQueryParams("BEGIN", nil, nil, nil, nil)
	return s.finishWrite(ctx, conn, p, 1, []statement{{stmtShare, shareAppendLock, nil}, w.insertRows(0, len(w.positions)),
		w.insertHashes(), {stmtWait, waitForHead, nil}, w.moveHead()})
}

// finishWrite sends statements on p, after sent statements sent before,
// then COMMIT, syncs, and reads every result. With the late-commit test
// hook set, it leaves out COMMIT, calls the hook once the statements are
// done, and commits then.
func (s *Store) finishWrite(ctx context.Context, conn *pgxpool.Conn, p *pgconn.Pipeline, sent int, statements []statement) error {
	for _, st := range statements {
		st.send(p)
	}
	sent += len(statements)
	commit := s.beforeCommit == nil
	if commit {
		p.SendQueryParams("COMMIT", nil, nil, nil, nil)
		sent++
	}
	err := p.Sync()
	if err == nil {
		err = pipelineResults(p, sent)
	}
	if err := errors.Join(err, p.Close()); err != nil {
		return err
	}
	if !commit {
		s.beforeCommit()
		_, err := conn.Exec(ctx, "COMMIT")
		return err
	}
	return nil
}

// statement is one of the store's prepared statements with its parameters,
// encoded in binary (see encode.go).
type statement struct {
	name, sql string
	params    [][]byte
}

// insertRows returns the statement that inserts the events of w from index
// from up to index to.
func (w *write) insertRows(from, to int) statement {
	return statement{stmtInsert, insertEvents, w.insertParams(from, to)}
}

// insertHashes returns the statement that inserts the Merkle hashes of w.
func (w *write) insertHashes() statement {
	return statement{stmtHashes, insertHashes, [][]byte{bigint(merkleBase(w.head)), w.merkle}}
}

// moveHead returns the statement that moves the log head past w.
func (w *write) moveHead() statement {
	return statement{stmtMove, moveHead, [][]byte{bigint(w.next), w.frontier, bigint(w.head), w.headFrontier}}
}

// prepare makes sure each of statements is prepared on c. pgx keeps
// prepared statements, so only the first use on a connection costs a
// round trip.
func prepare(ctx context.Context, c *pgx.Conn, statements []statement) error {
	for _, st := range statements {
		if _, err := c.Prepare(ctx, st.name, st.sql); err != nil {
			return err
		}
	}
	return nil
}

// send queues st on p.
func (st statement) send(p *pgconn.Pipeline) {
	var formats []int16
	if len(st.params) > 0 {
		formats = binaryParams
	}
	p.SendQueryPrepared(st.name, st.params, formats, nil)
}

// pipelineResults reads the results of the next n statements of p and
// returns the first error. After an error the server skips the rest of the
// pipeline up to its sync, which p.Close then reads.
func pipelineResults(p *pgconn.Pipeline, n int) error {
	for range n {
		res, err := p.GetResults()
		if err != nil {
			return err
		}
		rr, ok := res.(*pgconn.ResultReader)
		if !ok {
			return fmt.Errorf("pipeline: got %T, want the result of a statement", res)
		}
		if _, err := rr.Close(); err != nil {
			return err
		}
	}
	return nil
}

// decide checks each append of group, in order, against heads (the streams'
// last events; absent means no events) and stored (where ids are stored),
// both of which it updates as it accepts appends, and seals the accepted
// ones at positions after head. Rejections and idempotent retries are
// decided on the request; the result of an accepted append is set too, but
// holds only if the write commits.
func decide(group []*request, head int64, frontier []byte, heads map[string]streamHead, stored map[uuid.UUID]storedEvent, at time.Time) (*write, error) {
	n := 0
	for _, r := range group {
		n += len(r.events)
	}
	d := newDecider(head, frontier, n, heads, stored, at)
	for _, r := range group {
		d.add(r)
	}
	return d.finish()
}

// decider decides the appends of a group one at a time, in order (see
// decide).
type decider struct {
	w      *write
	heads  map[string]streamHead
	stored map[uuid.UUID]storedEvent
}

// newDecider starts deciding appends after head; capacity is the number of
// events expected.
func newDecider(head int64, frontier []byte, capacity int, heads map[string]streamHead, stored map[uuid.UUID]storedEvent, at time.Time) *decider {
	return &decider{w: newWrite(head, frontier, capacity, at), heads: heads, stored: stored}
}

// add decides r after the appends added before it.
func (d *decider) add(r *request) {
	r.result, r.err, r.decided = eventstore.AppendResult{}, nil, false
	if res, err, retry := idempotent(r, d.stored); retry {
		r.result, r.err, r.decided = res, err, true
		return
	}
	h := d.heads[r.stream]
	if !r.expected.Check(h.revision, h.exists) {
		r.err, r.decided = eventstore.WrongExpectedRevision(r.stream, r.expected, h.revision, h.exists), true
		return
	}
	first := uint64(0)
	if h.exists {
		first = h.revision + 1
	}
	sealed := eventstore.Seal(r.stream, first, h.hash, d.w.at, r.events)
	for i := range sealed {
		e := &sealed[i]
		d.w.add(e)
		d.stored[e.ID] = storedEvent{stream: e.Stream, revision: e.Revision, position: e.Position.Commit}
	}
	last := sealed[len(sealed)-1]
	d.heads[r.stream] = streamHead{revision: last.Revision, exists: true, hash: last.Hash}
	r.result = eventstore.AppendResult{Revision: last.Revision, Position: last.Position}
}

// finish extends the Merkle tree over the accepted events and returns the
// write.
func (d *decider) finish() (*write, error) {
	w := d.w
	if w.empty() {
		return w, nil
	}
	hashes, next, err := extendMerkle(w.head, w.headFrontier, w.leaves)
	if err != nil {
		return nil, err
	}
	w.frontier = next
	w.merkle = make([]byte, 0, len(hashes)*len(hashes[0]))
	for _, h := range hashes {
		w.merkle = append(w.merkle, h[:]...)
	}
	return w, nil
}

// idempotent checks r's event ids against the stored ones (see
// [eventstore.Retried]).
func idempotent(r *request, stored map[uuid.UUID]storedEvent) (res eventstore.AppendResult, err error, retry bool) {
	res, retry, err = eventstore.Retried(r.stream, r.events, func(id uuid.UUID) (eventstore.StoredID, bool) {
		e, ok := stored[id]
		return eventstore.StoredID{Stream: e.stream, Revision: e.revision, Position: position(int64(e.position))}, ok
	})
	return res, err, retry
}

// write collects the columns of the events one group inserts, and the
// Merkle hashes and head that go with them.
type write struct {
	head         int64     // the log head before the write
	headFrontier []byte    // its Merkle frontier
	at           time.Time // recorded-at of every event
	frontier     []byte    // Merkle frontier after the write
	merkle       []byte    // the new stored hashes, from merkleBase(head) on

	next                                          int64
	positions, revisions, schemaVersions          []int64
	streams, types, actorIDs, actorRoles, reasons []string
	ids, commandIDs, correlationIDs, causationIDs [][16]byte
	data, prevHashes, hashes                      [][]byte
	leaves                                        []tlogHash
}

func newWrite(head int64, frontier []byte, capacity int, at time.Time) *write {
	return &write{
		head:           head,
		headFrontier:   frontier,
		at:             at,
		next:           head,
		positions:      make([]int64, 0, capacity),
		revisions:      make([]int64, 0, capacity),
		schemaVersions: make([]int64, 0, capacity),
		streams:        make([]string, 0, capacity),
		types:          make([]string, 0, capacity),
		actorIDs:       make([]string, 0, capacity),
		actorRoles:     make([]string, 0, capacity),
		reasons:        make([]string, 0, capacity),
		ids:            make([][16]byte, 0, capacity),
		commandIDs:     make([][16]byte, 0, capacity),
		correlationIDs: make([][16]byte, 0, capacity),
		causationIDs:   make([][16]byte, 0, capacity),
		data:           make([][]byte, 0, capacity),
		prevHashes:     make([][]byte, 0, capacity),
		hashes:         make([][]byte, 0, capacity),
		leaves:         make([]tlogHash, 0, capacity),
	}
}

// add assigns e the next position and adds it to the write.
func (w *write) add(e *eventstore.RecordedEvent) {
	w.next++
	e.Position = position(w.next)
	m := &e.Metadata
	w.positions = append(w.positions, w.next)
	w.revisions = append(w.revisions, int64(e.Revision))
	w.schemaVersions = append(w.schemaVersions, int64(m.SchemaVersion))
	w.streams = append(w.streams, e.Stream)
	w.types = append(w.types, e.Type)
	w.actorIDs = append(w.actorIDs, m.Actor.ID)
	w.actorRoles = append(w.actorRoles, m.Actor.Role)
	w.reasons = append(w.reasons, m.Reason)
	w.ids = append(w.ids, e.ID)
	w.commandIDs = append(w.commandIDs, m.CommandID)
	w.correlationIDs = append(w.correlationIDs, m.CorrelationID)
	w.causationIDs = append(w.causationIDs, m.CausationID)
	w.data = append(w.data, e.Data)
	w.prevHashes = append(w.prevHashes, e.PrevHash[:])
	w.hashes = append(w.hashes, e.Hash[:])
	w.leaves = append(w.leaves, eventstore.LeafHash(e))
}

func (w *write) empty() bool { return len(w.positions) == 0 }

// validateText rejects strings PostgreSQL's text type cannot hold (NUL
// bytes, invalid UTF-8), so that one bad append cannot fail the group it
// is committed with.
func validateText(stream string, events []eventstore.EventData) error {
	for i, e := range events {
		fields := []struct{ name, value string }{
			{"type", e.Type},
			{"metadata.actor.id", e.Metadata.Actor.ID},
			{"metadata.actor.role", e.Metadata.Actor.Role},
			{"metadata.reason", e.Metadata.Reason},
		}
		for _, f := range fields {
			if !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
				return invalid("event %d of the append to %s has a %s that is not UTF-8 text without NUL characters", i, stream, strings.ReplaceAll(f.name, ".", " ")).
					WithField(fmt.Sprintf("events[%d].%s", i, f.name))
			}
		}
	}
	return nil
}

func invalid(format string, args ...any) *domain.Error {
	return &domain.Error{Kind: domain.Invalid, Message: fmt.Sprintf(format, args...), Err: eventstore.ErrInvalidArgument}
}
