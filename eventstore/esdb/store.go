// Package esdb is the EventStoreDB / KurrentDB backend of the event store
// contract (eventstore.Store), on github.com/EventStore/EventStore-Client-Go/v4,
// which speaks the gRPC protocol of EventStoreDB 20.10 and later and of
// KurrentDB 25. Every call into the client stays in this package, so a move
// to the KurrentDB client touches this package only. Inside it, the name esdb
// refers to the client package.
//
// How the contract maps onto the server:
//
//   - A ledger stream is an EventStoreDB stream of the same name (behind an
//     optional prefix, see WithStreamPrefix); revisions are the server's
//     0-based stream revisions, and an event's id is its EventStoreDB event id,
//     so the server's own idempotency applies.
//   - Event ids are unique per stream, as the server checks them; unlike the
//     embedded and PostgreSQL stores, an id reused in another stream is not
//     refused (the conformance suite leaves this to the backend).
//   - The envelope beyond id, type and data travels in the event's metadata
//     as a JSON object with the fields actor {id, role}, command_id,
//     correlation_id, causation_id, reason, schema_version, recorded_at
//     (RFC 3339, UTC, microseconds), prev_hash and hash (hex). These names
//     are stored forever.
//   - Global positions are the server's (commit, prepare) pair. They are not
//     dense, so this store keeps no Merkle log: it does not implement
//     eventstore.Merkle.
//   - The global log is $all without the server's own events: only streams
//     whose names are ledger stream names (a lower-case category, a dash, an
//     id; or the configured categories) and event types that do not start
//     with "$". Subscribe asks the server for the same filter, so it never
//     reads system events. ReadAll and Head filter on the client, because
//     the client's $all read takes no filter: they read past the server's
//     events and the id claims.
//
// Tests run the shared conformance suite against an in-process test double
// of the server (package esdbtest) and, when KINERJA_TEST_ESDB_URL is set,
// against a real server, for example a single insecure node:
//
//	docker run --rm -d -p 2113:2113 docker.eventstore.com/eventstore/eventstore:24.10 --insecure --mem-db
//	KINERJA_TEST_ESDB_URL='esdb://127.0.0.1:2113?tls=false' go test -race -count=1 ./eventstore/esdb/
package esdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/kinerja/kinerja/eventstore"
)

// Defaults of the options.
const (
	DefaultPageSize      = 500     // events per read request
	DefaultMaxAppendSize = 1 << 20 // EventStoreDB's default MaxAppendSize
	DefaultRetryMin      = 100 * time.Millisecond
	DefaultRetryMax      = 5 * time.Second
	DefaultRetries       = 10 // resubscriptions in a row without a delivered event before Subscribe gives up
)

// maxAppendAttempts bounds how often an Any or StreamExists append is retried
// when other writers keep moving the stream between its read and its write.
const maxAppendAttempts = 10

// Store is the EventStoreDB backend. It is safe for concurrent use.
type Store struct {
	client        *esdb.Client
	log           *slog.Logger
	now           func() time.Time
	prefix        string
	categories    []string
	pageSize      int
	maxAppendSize int
	retryMin      time.Duration
	retryMax      time.Duration
	retries       int
	tails         tails
}

var _ eventstore.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithLogger sets where the store logs what it recovers from by itself (a
// dropped subscription, at warn level) and the client's own messages (at
// debug level). The default discards both.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithClock sets the clock that stamps recorded-at. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithCategories narrows the global log (ReadAll, Subscribe, Head) to streams
// of the given categories, such as "skp" and "evaluation", and makes the
// subscription's server-side filter a list of stream prefixes ("skp-", …).
// Without it the global log holds every stream whose name is a ledger stream
// name, which is every stream outside the server's "$" system streams.
func WithCategories(categories ...string) Option {
	return func(s *Store) { s.categories = append([]string(nil), categories...) }
}

// WithStreamPrefix stores every ledger stream under prefix+name on the
// server, and sees only such streams, so that several ledgers (or test runs)
// can share one database without seeing each other. The prefix is part of
// the server's stream name only: callers never see it.
func WithStreamPrefix(prefix string) Option { return func(s *Store) { s.prefix = prefix } }

// WithPageSize sets how many events one read request asks for.
func WithPageSize(n int) Option { return func(s *Store) { s.pageSize = n } }

// WithMaxAppendSize sets the server's MaxAppendSize, so that an append the
// server would refuse is refused here, as domain.Invalid, before it is sent.
func WithMaxAppendSize(n int) Option { return func(s *Store) { s.maxAppendSize = n } }

// WithResubscribe sets how Subscribe recovers from a dropped subscription:
// it waits from min, doubling up to max, and gives up after retries drops in
// a row that delivered no event.
func WithResubscribe(min, max time.Duration, retries int) Option {
	return func(s *Store) { s.retryMin, s.retryMax, s.retries = min, max, retries }
}

// Open connects to the EventStoreDB or KurrentDB node or cluster that url
// names, in the client's connection-string format (esdb://host:2113?tls=false,
// esdb+discover://…, credentials in the user part), and checks that it
// answers a read of $all. It fails on a malformed url or option and when the
// server cannot be reached.
//
// Unless url sets maxDiscoverAttempts, the client looks for a node without
// limit: while no node is reachable, calls wait for one (and the client does
// not heed their contexts while it looks). A limit makes calls fail instead,
// but once the client has given up it stays closed, and Open must be called
// again.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := &Store{
		log:           slog.New(slog.DiscardHandler),
		now:           time.Now,
		pageSize:      DefaultPageSize,
		maxAppendSize: DefaultMaxAppendSize,
		retryMin:      DefaultRetryMin,
		retryMax:      DefaultRetryMax,
		retries:       DefaultRetries,
	}
	for _, o := range opts {
		o(s)
	}
	where := redact(url)
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("open eventstoredb %s: %w", where, err)
	}
	cfg, err := esdb.ParseConnectionString(url)
	if err != nil {
		return nil, fmt.Errorf("open eventstoredb %s: %w", where, err)
	}
	cfg.Logger = s.clientLog
	if !strings.Contains(strings.ToLower(url), "maxdiscoverattempts=") {
		// The v4 client closes itself for good when discovery gives up, and a
		// call racing that moment waits forever on its connection loop. With
		// no limit, calls made while no node is reachable wait for one.
		cfg.MaxDiscoverAttempts = math.MaxInt32
	}
	c, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("open eventstoredb %s: %w", where, err)
	}
	s.client = c
	if _, err := s.readAllPage(ctx, esdb.Backwards, esdb.End{}, 1); err != nil {
		return nil, errors.Join(fmt.Errorf("open eventstoredb %s: %w", where, err), c.Close())
	}
	return s, nil
}

func (s *Store) validate() error {
	if strings.HasPrefix(s.prefix, "$") {
		return fmt.Errorf("stream prefix %q starts with $, which marks the server's system streams", s.prefix)
	}
	for _, c := range s.categories {
		if strings.Contains(c, "-") || eventstore.ValidateStream(c+"-x") != nil {
			return fmt.Errorf("category %q is not a lower-case category name", c)
		}
	}
	switch {
	case s.log == nil:
		return errors.New("the logger is nil")
	case s.now == nil:
		return errors.New("the clock is nil")
	case s.pageSize < 1:
		return fmt.Errorf("page size %d is not positive", s.pageSize)
	case s.maxAppendSize < 1:
		return fmt.Errorf("max append size %d is not positive", s.maxAppendSize)
	case s.retryMin <= 0 || s.retryMax < s.retryMin || s.retries < 1:
		return fmt.Errorf("resubscribe backoff %s..%s with %d retries is not usable", s.retryMin, s.retryMax, s.retries)
	}
	return nil
}

// redact hides the password of a connection string in error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable connection string)"
	}
	return u.Redacted()
}

// clientLog routes the client's messages to the store's logger at debug
// level: the client reports as errors what this package handles (a stream
// that is not found, a subscription closed on purpose).
func (s *Store) clientLog(level esdb.LogLevel, format string, args ...any) {
	s.log.Debug(fmt.Sprintf(format, args...), "component", "eventstoredb-client", "client_level", level)
}

// Close closes the client. Call it once the store's calls have returned.
func (s *Store) Close() error { return s.client.Close() }

// Head returns the position of the last ledger event in $all, reading
// backwards past the server's own events, or the zero Position when there is
// none.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var from esdb.AllPosition = esdb.End{}
	var seen *esdb.Position
	count := s.pageSize + 1 // so that a page that repeats its start still moves on
	for {
		page, err := s.readAllPage(ctx, esdb.Backwards, from, count)
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("head of $all: %w", err)
		}
		for _, e := range page {
			p := e.Position
			if seen != nil && !before(p, *seen) {
				continue // the page boundary, read again
			}
			seen = &p
			if s.accept(e.StreamID, e.EventType) {
				return position(p), nil
			}
		}
		if len(page) < count {
			return eventstore.Position{}, nil
		}
		from = *seen
	}
}

// before reports whether p comes before q in $all.
func before(p, q esdb.Position) bool {
	return position(p).Less(position(q))
}

func position(p esdb.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// accept reports whether an event of $all belongs to the ledger: a stream
// behind the prefix whose name is a ledger stream name (of one of the
// categories, if they are set), and a type that is not a system type.
func (s *Store) accept(serverStream, eventType string) bool {
	if strings.HasPrefix(eventType, "$") {
		return false
	}
	stream, ok := strings.CutPrefix(serverStream, s.prefix)
	if !ok || eventstore.ValidateStream(stream) != nil {
		return false
	}
	if len(s.categories) == 0 {
		return true
	}
	for _, c := range s.categories {
		if strings.HasPrefix(stream, c+"-") {
			return true
		}
	}
	return false
}

// filter is the server-side form of accept's stream test: a prefix per
// category, or else a regular expression for "a lower-case letter behind the
// prefix", which leaves out the server's "$" streams.
func (s *Store) filter() *esdb.SubscriptionFilter {
	if len(s.categories) > 0 {
		prefixes := make([]string, len(s.categories))
		for i, c := range s.categories {
			prefixes[i] = s.prefix + c + "-"
		}
		return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: prefixes}
	}
	return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^" + regexp.QuoteMeta(s.prefix) + "[a-z]"}
}

// hasCode reports whether err is an EventStoreDB error with the given code.
// esdb.FromError reports ok == false for real errors, so errors.As it is.
func hasCode(err error, code esdb.ErrorCode) bool {
	var esErr *esdb.Error
	return errors.As(err, &esErr) && esErr.Code() == code
}
