// Package postgres is the PostgreSQL backend of the event store, with pgx/v5.
//
// Every append transaction moves one log-head row, and commits only if the
// head it moves is the one its positions follow, so positions are dense,
// gap-free and in commit order: a reader that has seen position p has seen
// every position before it, and `position > checkpoint` never skips an
// event that commits late (the bug of bigserial event stores). Throughput
// comes back through group commit: concurrent appends in one process are
// gathered into one transaction, checked in Go and written with one
// multi-row INSERT, in one round trip when nothing else has written since
// the store's own last commit (see Store.Append).
//
// The events and the Merkle hashes are append-only: the ledger's own role
// has no UPDATE, DELETE or TRUNCATE on them, and triggers refuse those for
// everyone, superusers included.
package postgres

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/eventstore"
)

// DefaultSchema is the schema the store keeps its tables in unless
// WithSchema says otherwise.
const DefaultSchema = "kinerja"

// DefaultPollInterval is how often a subscriber that has caught up looks
// for events appended by other processes. Appends through the same Store
// wake it at once.
const DefaultPollInterval = 200 * time.Millisecond

// Group commit limits: one transaction takes whole appends from the queue
// until it holds this many events or bytes of data (and always at least one
// append), so a burst cannot build an unbounded transaction.
const (
	maxGroupEvents = 8192
	maxGroupBytes  = 16 << 20
)

// maxGather bounds how long a leader waits for the appenders of the
// previous group to queue again (see Store.gather).
const maxGather = 2 * time.Millisecond

// commitTimeout bounds an append transaction. It runs on behalf of every
// caller in its group, so it does not end with the leading caller's context.
const commitTimeout = 30 * time.Second

// Store is an eventstore.Store and eventstore.Merkle on PostgreSQL. It is
// safe for concurrent use, also by several processes on one database.
type Store struct {
	pool         *pgxpool.Pool
	now          func() time.Time
	poll         time.Duration
	beforeCommit func() // test hook: runs after the inserts, before COMMIT
	signal       eventstore.Signal

	mu         sync.Mutex
	queue      []*request    // appends waiting for a transaction
	leading    bool          // a caller is forming and sending a group
	active     int           // appends queued or in a group when the last group finished
	lastCommit time.Duration // how long the last group took, from the start of its gathering
	gathering  chan struct{} // closed when gatherWant appends are queued
	gatherWant int

	// cache is used by the leader only, and leadership passes under mu,
	// which orders one leader's uses before the next one's.
	cache headCache

	groups, events, fallbacks atomic.Int64
}

// Stats counts what the store has committed since it was opened.
type Stats struct {
	Transactions int64 // group transactions that committed events
	Events       int64 // events they committed
	Fallbacks    int64 // optimistic group transactions that failed (another process moved the log), or were given up when the second part of a group could not be decided against the cache (see commitEarly), and went to the safe path
}

// Stats returns the store's counters. Events/Transactions is the mean
// group size that group commit achieved.
func (s *Store) Stats() Stats {
	return Stats{Transactions: s.groups.Load(), Events: s.events.Load(), Fallbacks: s.fallbacks.Load()}
}

var (
	_ eventstore.Store  = (*Store)(nil)
	_ eventstore.Merkle = (*Store)(nil)
)

// Option configures Open.
type Option func(*config)

type config struct {
	now          func() time.Time
	schema       string
	poll         time.Duration
	beforeCommit func()
}

// WithClock sets the clock that stamps RecordedAt. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSchema keeps the store's tables in schema, created if missing: a
// lower-case SQL identifier of at most 63 bytes. Stores in different
// schemas of one database are independent ledgers.
func WithSchema(schema string) Option { return func(c *config) { c.schema = schema } }

// WithPollInterval sets how often a caught-up subscriber looks for events
// appended by other processes (DefaultPollInterval). Zero or less turns
// polling off, leaving only appends through this Store to wake it.
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.poll = d } }

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the database dsn names (a pgx connection string; pool
// settings such as pool_max_conns go in it), brings the schema up to date
// and returns the store. Migrations are safe to run from several processes
// at once. A bad option is a domain.Invalid error.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	c := config{now: time.Now, schema: DefaultSchema, poll: DefaultPollInterval}
	for _, o := range opts {
		o(&c)
	}
	if !schemaName.MatchString(c.schema) {
		return nil, invalid("schema %q is not a lower-case SQL identifier of at most 63 bytes", c.schema).WithField("schema")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open event store: %w", err)
	}
	// Every connection works in the store's schema; queries name no schema.
	cfg.ConnConfig.RuntimeParams["search_path"] = c.schema
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		// Every statement of the store has one good plan whatever its
		// parameters (index scans, or an INSERT from unnest); planning it
		// again for each group's arrays only costs CPU.
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open event store: %w", err)
	}
	if err := migrate(ctx, pool, c.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open event store: migrate schema %s: %w", c.schema, err)
	}
	return &Store{pool: pool, now: c.now, poll: c.poll, beforeCommit: c.beforeCommit}, nil
}

// Close closes the store's connections. Appends and reads in progress fail.
func (s *Store) Close() error {
	s.pool.Close()
	s.signal.Notify() // waiting subscribers read again, fail on the closed pool and return
	return nil
}

const eventColumns = `position, stream, revision, id, type, data, actor_id, actor_role,
	command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash`

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateRead(stream, opts); err != nil {
		return nil, err
	}
	var limit *int64 // NULL: LIMIT ALL
	if opts.Limit > 0 {
		l := int64(opts.Limit)
		limit = &l
	}
	from := clamp(opts.From)
	query := `SELECT ` + eventColumns + ` FROM events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`
	if opts.Backwards {
		query = `SELECT ` + eventColumns + ` FROM events WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
	}
	events, err := s.query(ctx, opts.Limit, query, stream, from, limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, err)
	}
	if len(events) > 0 {
		return events, nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM events WHERE stream = $1)`, stream).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, err)
	}
	if !exists {
		return nil, eventstore.StreamNotFound(stream)
	}
	return events, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = eventstore.DefaultPageSize
	}
	events, err := s.query(ctx, limit, `SELECT `+eventColumns+` FROM events WHERE position > $1 ORDER BY position LIMIT $2`, clamp(after.Commit), limit)
	if err != nil {
		return nil, fmt.Errorf("read all after %v: %w", after, err)
	}
	return events, nil
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var pos int64
	if err := s.pool.QueryRow(ctx, `SELECT position FROM log_head`).Scan(&pos); err != nil {
		return eventstore.Position{}, fmt.Errorf("read log head: %w", err)
	}
	return position(pos), nil
}

// Subscribe implements eventstore.Store. Appends through this Store wake it
// at once; appends by other processes are found by polling (WithPollInterval).
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(eventstore.RecordedEvent) error) error {
	return eventstore.CatchUp(ctx, s.ReadAll, &s.signal, s.poll, after, handle)
}

// query runs a query for eventColumns; capacity, if positive, is the most
// rows it can return.
func (s *Store) query(ctx context.Context, capacity int, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	events := make([]eventstore.RecordedEvent, 0, min(max(capacity, 0), 1024))
	for rows.Next() {
		var (
			e                  eventstore.RecordedEvent
			pos, rev, schemaV  int64
			prevHash, selfHash pgtype.DriverBytes // valid until the next row: copied below
			m                  = &e.Metadata
		)
		err := rows.Scan(&pos, &e.Stream, &rev, &e.ID, &e.Type, (*[]byte)(&e.Data), &m.Actor.ID, &m.Actor.Role,
			&m.CommandID, &m.CorrelationID, &m.CausationID, &m.Reason, &schemaV, &e.RecordedAt, &prevHash, &selfHash)
		if err != nil {
			return nil, err
		}
		if len(prevHash) != len(e.PrevHash) || len(selfHash) != len(e.Hash) {
			return nil, fmt.Errorf("event at position %d: stored hashes are %d and %d bytes, want %d", pos, len(prevHash), len(selfHash), len(e.Hash))
		}
		e.Position, e.Revision, m.SchemaVersion = position(pos), uint64(rev), int(schemaV)
		e.RecordedAt = e.RecordedAt.UTC()
		copy(e.PrevHash[:], prevHash)
		copy(e.Hash[:], selfHash)
		events = append(events, e)
	}
	return events, rows.Err()
}

// position is the dense global position p as an eventstore.Position.
func position(p int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(p), Prepare: uint64(p)}
}

// clamp maps a uint64 position or revision onto bigint; everything past
// the bigint range is past every stored value.
func clamp(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
