// Package bolt is the embedded event store, the default backend: the whole
// ledger in one go.etcd.io/bbolt file, for trials, small offices, laptops and
// tests. It implements [eventstore.Store] and [eventstore.Merkle].
//
// # Durability and group commit
//
// Every append that returns without error is on disk: bbolt fsyncs each
// commit and the store never sets NoSync. Appends are atomic per call.
// Concurrent appends are gathered into one bbolt transaction (group commit,
// leader/follower): the first appender to find no transaction in progress
// becomes the leader, takes every waiting request, applies them one after
// the other in one read-write transaction and commits once; requests that
// arrive meanwhile wait and the first of them leads the next group. A request
// that is rejected (wrong expected revision, reused ids) writes nothing and
// does not affect the others of its group, because every check is made before
// any of its keys is written. Only a failure of the transaction itself (I/O)
// fails the whole group, and then nothing of the group is stored.
//
// bbolt's own db.Batch is not used: it waits up to MaxBatchDelay (10ms) for
// company, which costs a lone appender ten times the fsync, and it re-runs the
// functions of a failed batch, which would need every request to be
// replayable. The leader instead yields the processor a few times while fewer
// requests wait than joined the previous group, so that appenders just woken
// from the previous commit can join the next one; a lone appender never
// waits.
//
// # Layout
//
// All integers are big-endian uint64 unless said otherwise. Buckets:
//
//	events  position → event record           dense global log, 1-based; Commit == Prepare == position
//	index   stream 0x00 revision → position     per-stream index (stream names never contain 0x00)
//	streams stream → last revision ‖ last hash  stream heads (8 + 32 bytes)
//	ids     event id (16 bytes) → position      idempotent retry; ids are unique in the ledger
//	merkle  stored hash index → hash (32 bytes) RFC 6962 stored hashes, see [eventstore.MerkleHashes]
//	meta    "format" → "1"                      layout version
//
// An event record is a version byte (1) followed by: id (16 bytes), stream,
// revision (uvarint), type, data, actor id, actor role, command id,
// correlation id, causation id (16 bytes each), reason, schema version
// (varint), recorded-at in UTC microseconds (varint), previous hash and hash
// (32 bytes each). Strings and byte slices are a uvarint length followed by
// the bytes. The Merkle leaf of the event at position p is leaf p-1, with
// record hash [eventstore.LeafHash]; its stored hashes are written in the same
// transaction as the event.
//
// The file is locked by one process at a time, so Subscribe is woken by
// commits in this process only and never polls.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Bucket names and keys.
const (
	bucketEvents  = "events"
	bucketIndex   = "index"
	bucketStreams = "streams"
	bucketIDs     = "ids"
	bucketMerkle  = "merkle"
	bucketMeta    = "meta"

	keyFormat = "format"
)

const (
	formatVersion = "1"

	// maxGroupEvents bounds the events one group commit writes, so that one
	// transaction stays small enough to keep latency even under heavy load.
	maxGroupEvents = 4 * eventstore.MaxBatch

	defaultLockTimeout = 5 * time.Second

	// maxGatherYields bounds how often a leader yields the processor while
	// the members of the last group come back with their next appends.
	maxGatherYields = 16
)

// The Store implements the contract and keeps the Merkle log.
var (
	_ eventstore.Store  = (*Store)(nil)
	_ eventstore.Merkle = (*Store)(nil)
)

// ErrClosed is returned by every operation on a closed Store.
var ErrClosed = errors.New("event store is closed")

// Option configures Open.
type Option func(*config)

type config struct {
	now         func() time.Time
	lockTimeout time.Duration
}

// WithClock sets the clock that stamps RecordedAt. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithLockTimeout sets how long Open waits for another process to release
// the file. The default is five seconds.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) { c.lockTimeout = d }
}

// Store is the embedded event store. It is safe for concurrent use.
type Store struct {
	db     *bbolt.DB
	path   string
	now    func() time.Time
	signal eventstore.Signal

	mu        sync.Mutex
	queue     []*request // appends waiting for the next group commit
	leading   bool       // a leader is running a group commit
	lastGroup int        // requests in the last group commit
	groups    int        // group commits run, for tests
	closed    bool
}

// request is one Append waiting in the group-commit queue.
type request struct {
	ctxErr   func() error // the caller's ctx.Err, checked when the group is formed
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData

	wake chan struct{} // receives once: the request is done, or it leads the next group
	lead bool          // guarded by Store.mu

	result eventstore.AppendResult
	err    error
}

// Open opens the event store in the file at path, creating the file and its
// directory when they do not exist. Only one process may have the file open;
// Open waits for the lock (see WithLockTimeout) and then fails.
func Open(path string, opts ...Option) (*Store, error) {
	c := config{now: time.Now, lockTimeout: defaultLockTimeout}
	for _, o := range opts {
		o(&c)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open event store: %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: c.lockTimeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open event store: %s: the file is in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open event store: %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{bucketEvents, bucketIndex, bucketStreams, bucketIDs, bucketMerkle, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket([]byte(bucketMeta))
		switch v := meta.Get([]byte(keyFormat)); {
		case v == nil:
			return meta.Put([]byte(keyFormat), []byte(formatVersion))
		case string(v) != formatVersion:
			return fmt.Errorf("layout version %q is not supported; this build reads version %s", v, formatVersion)
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open event store: %s: %w", path, err), db.Close())
	}
	return &Store{db: db, path: path, now: c.now}, nil
}

// Close waits for the transaction in progress and closes the file. Appends
// still queued, and every later call, fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal.Notify() // waiting subscribers read again, get ErrClosed and return
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close event store: %s: %w", s.path, err)
	}
	return nil
}

// Append implements [eventstore.Store.Append]. The append joins the next
// group commit; once it is part of a transaction it is no longer cancelled by
// ctx, so an error from a cancelled ctx always means nothing was stored.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	r := &request{
		ctxErr:   ctx.Err,
		stream:   stream,
		expected: expected,
		events:   events,
		wake:     make(chan struct{}, 1),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, ErrClosed)
	}
	s.queue = append(s.queue, r)
	if !s.leading {
		s.leading = true
		r.lead = true
	}
	lead := r.lead
	s.mu.Unlock()

	if !lead {
		<-r.wake
		s.mu.Lock()
		lead = r.lead
		s.mu.Unlock()
	}
	if lead {
		s.runGroup()
	}
	return r.result, r.err
}

// runGroup is run by the leader: it commits the requests at the front of the
// queue (its own is always the first), hands leadership to the next waiting
// request and wakes the rest of its group.
func (s *Store) runGroup() {
	s.mu.Lock()
	// The members of the last group are on their way back with their next
	// appends; give them a moment to join, or groups alternate between a
	// few stragglers and everyone else. A lone appender never waits.
	for range maxGatherYields {
		if len(s.queue) >= s.lastGroup {
			break
		}
		s.mu.Unlock()
		runtime.Gosched()
		s.mu.Lock()
	}
	n, events := 0, 0
	for n < len(s.queue) && (n == 0 || events+len(s.queue[n].events) <= maxGroupEvents) {
		events += len(s.queue[n].events)
		n++
	}
	group := s.queue[:n:n]
	s.lastGroup = n
	s.groups++
	s.queue = s.queue[n:]
	if len(s.queue) == 0 {
		s.queue = nil // drop the finished requests the array still points to
	}
	closed := s.closed
	s.mu.Unlock()

	s.commit(group, closed)

	s.mu.Lock()
	if len(s.queue) > 0 {
		next := s.queue[0]
		next.lead = true
		next.wake <- struct{}{}
	} else {
		s.leading = false
	}
	s.mu.Unlock()
	for _, r := range group[1:] {
		r.wake <- struct{}{}
	}
}

// commit applies group in one transaction and sets each request's outcome.
func (s *Store) commit(group []*request, closed bool) {
	live := make([]*request, 0, len(group))
	for _, r := range group {
		switch err := r.ctxErr(); {
		case closed:
			r.err = fmt.Errorf("append to %s: %w", r.stream, ErrClosed)
		case err != nil:
			r.err = fmt.Errorf("append to %s: %w", r.stream, err)
		default:
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	at := s.now()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		w := newWriter(tx)
		for _, r := range live {
			res, rejected, err := w.apply(r.stream, r.expected, r.events, at)
			if err != nil {
				return fmt.Errorf("append to %s: %w", r.stream, err)
			}
			r.result, r.err = res, rejected
		}
		return nil
	})
	if err != nil {
		for _, r := range live {
			r.result, r.err = eventstore.AppendResult{}, err
		}
		return
	}
	s.signal.Notify()
}

// writer applies appends inside one read-write transaction.
type writer struct {
	events, index, streams, ids, merkle *bbolt.Bucket
}

func newWriter(tx *bbolt.Tx) *writer {
	w := &writer{
		events:  tx.Bucket([]byte(bucketEvents)),
		index:   tx.Bucket([]byte(bucketIndex)),
		streams: tx.Bucket([]byte(bucketStreams)),
		ids:     tx.Bucket([]byte(bucketIDs)),
		merkle:  tx.Bucket([]byte(bucketMerkle)),
	}
	// Both are written only at their end: full pages waste no space.
	w.events.FillPercent = 1
	w.merkle.FillPercent = 1
	return w
}

// apply appends events to stream. It returns the result, or the rejection
// (a *domain.Error, nothing written), or an I/O error that must abort the
// transaction.
func (w *writer) apply(stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, at time.Time) (eventstore.AppendResult, error, error) {
	if res, rejected, done, err := w.retried(stream, events); done || err != nil {
		return res, rejected, err
	}
	last, prev, exists, err := readHead(w.streams, stream)
	if err != nil {
		return eventstore.AppendResult{}, nil, err
	}
	if !expected.Check(last, exists) {
		return eventstore.AppendResult{}, eventstore.WrongExpectedRevision(stream, expected, last, exists), nil
	}
	first := uint64(0)
	if exists {
		first = last + 1
	}
	recs := eventstore.Seal(stream, first, prev, at, events)
	size := uint64(0)
	if k, _ := w.events.Cursor().Last(); k != nil {
		size = binary.BigEndian.Uint64(k)
	}
	leaves := make([]tlog.Hash, len(recs))
	for i := range recs {
		leaves[i] = eventstore.LeafHash(&recs[i])
	}
	hashes, err := eventstore.MerkleHashes(int64(size), leaves, func(indexes []int64) ([]tlog.Hash, error) {
		return readHashes(w.merkle, indexes)
	})
	if err != nil {
		return eventstore.AppendResult{}, nil, err
	}
	for i := range recs {
		e := &recs[i]
		pos := size + 1 + uint64(i)
		posKey := u64(pos)
		if err := w.events.Put(posKey, encode(e)); err != nil {
			return eventstore.AppendResult{}, nil, fmt.Errorf("put event %d: %w", pos, err)
		}
		if err := w.index.Put(indexKey(stream, e.Revision), posKey); err != nil {
			return eventstore.AppendResult{}, nil, fmt.Errorf("put index %s@%d: %w", stream, e.Revision, err)
		}
		if err := w.ids.Put(e.ID[:], posKey); err != nil {
			return eventstore.AppendResult{}, nil, fmt.Errorf("put id %s: %w", e.ID, err)
		}
	}
	base := tlog.StoredHashIndex(0, int64(size))
	for i, h := range hashes {
		if err := w.merkle.Put(u64(uint64(base)+uint64(i)), h[:]); err != nil {
			return eventstore.AppendResult{}, nil, fmt.Errorf("put merkle hash %d: %w", base+int64(i), err)
		}
	}
	tail := &recs[len(recs)-1]
	head := make([]byte, 8+len(tail.Hash))
	binary.BigEndian.PutUint64(head, tail.Revision)
	copy(head[8:], tail.Hash[:])
	if err := w.streams.Put([]byte(stream), head); err != nil {
		return eventstore.AppendResult{}, nil, fmt.Errorf("put head of %s: %w", stream, err)
	}
	last = size + uint64(len(recs))
	return eventstore.AppendResult{Revision: tail.Revision, Position: eventstore.Position{Commit: last, Prepare: last}}, nil, nil
}

// retried decides events against the ids already stored (see
// [eventstore.Retried]): done says the append is settled, as a retry with
// res or as rejected; err is a failure to read the ledger.
func (w *writer) retried(stream string, events []eventstore.EventData) (res eventstore.AppendResult, rejected error, done bool, err error) {
	stored := map[uuid.UUID]eventstore.StoredID{}
	for i := range events {
		v := w.ids.Get(events[i].ID[:])
		if v == nil {
			continue
		}
		pos := binary.BigEndian.Uint64(v)
		e, err := decode(w.events.Get(v), pos)
		if err != nil {
			return res, nil, false, err
		}
		stored[e.ID] = eventstore.StoredID{Stream: e.Stream, Revision: e.Revision, Position: e.Position}
	}
	if len(stored) == 0 {
		return res, nil, false, nil
	}
	res, _, rejected = eventstore.Retried(stream, events, func(id uuid.UUID) (eventstore.StoredID, bool) {
		s, ok := stored[id]
		return s, ok
	})
	return res, rejected, true, nil
}

// readHead returns the last revision and hash of stream, and whether it has
// any event.
func readHead(streams *bbolt.Bucket, stream string) (uint64, eventstore.Hash, bool, error) {
	var h eventstore.Hash
	v := streams.Get([]byte(stream))
	if v == nil {
		return 0, h, false, nil
	}
	if len(v) != 8+len(h) {
		return 0, h, false, fmt.Errorf("head of %s: %d bytes stored, want %d", stream, len(v), 8+len(h))
	}
	copy(h[:], v[8:])
	return binary.BigEndian.Uint64(v), h, true, nil
}

func readHashes(b *bbolt.Bucket, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 {
			return nil, fmt.Errorf("merkle hash %d: negative index", x)
		}
		v := b.Get(u64(uint64(x)))
		if len(v) != len(out[i]) {
			return nil, fmt.Errorf("merkle hash %d: not stored", x)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// ReadStream implements [eventstore.Store.ReadStream]. Reading forwards from
// past the last revision, or from End, returns no events and no error;
// reading backwards from past the last revision starts at the last one.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateRead(stream, opts); err != nil {
		return nil, err
	}
	var out []eventstore.RecordedEvent
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		last, _, exists, err := readHead(tx.Bucket([]byte(bucketStreams)), stream)
		if err != nil {
			return err
		}
		if !exists {
			return eventstore.StreamNotFound(stream)
		}
		var from, count uint64
		switch {
		case opts.Backwards:
			from = min(opts.From, last)
			count = from + 1
		case opts.From > last:
			return nil
		default:
			from = opts.From
			count = last - from + 1
		}
		if opts.Limit > 0 {
			count = min(count, uint64(opts.Limit))
		}
		index, events := tx.Bucket([]byte(bucketIndex)), tx.Bucket([]byte(bucketEvents))
		out = make([]eventstore.RecordedEvent, 0, count)
		for i := range count {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			rev := from + i
			if opts.Backwards {
				rev = from - i
			}
			posKey := index.Get(indexKey(stream, rev))
			if len(posKey) != 8 {
				return fmt.Errorf("%s@%d: missing from the stream index", stream, rev)
			}
			pos := binary.BigEndian.Uint64(posKey)
			e, err := decode(events.Get(posKey), pos)
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return nil
	})
	if err != nil {
		if domain.KindOf(err) != domain.Internal {
			return nil, err
		}
		return nil, fmt.Errorf("read stream %s: %w", stream, err)
	}
	return out, nil
}

// readAllBatch bounds the events ReadAll allocates room for up front.
const readAllBatch = 8192

// ReadAll implements [eventstore.Store.ReadAll]. Positions are dense, so
// after.Commit alone says where to start.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = readPage(ctx, tx.Bucket([]byte(bucketEvents)), after, limit, map[string]string{}, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read all after %s: %w", after, err)
	}
	return out, nil
}

// readPage decodes the events of bucket after after, up to limit (a
// default page when not positive), into one allocation, sized for a full
// page up to readAllBatch: a replay reads whole pages. names interns type
// names, roles and actors; with lend, the bodies are the file's memory
// (see LendAll).
func readPage(ctx context.Context, events *bbolt.Bucket, after eventstore.Position, limit int, names map[string]string, lend bool) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = eventstore.DefaultPageSize
	}
	if after.Commit == ^uint64(0) {
		return nil, nil
	}
	out := make([]eventstore.RecordedEvent, 0, min(limit, readAllBatch))
	c := events.Cursor()
	for k, v := c.Seek(u64(after.Commit + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		if len(out)%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out = append(out, eventstore.RecordedEvent{})
		if err := decodeRecord(&out[len(out)-1], v, binary.BigEndian.Uint64(k), names, lend); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LendAll calls fn with a reader of the global log, like ReadAll, that
// lends the events' bodies instead of copying them: every page it returns
// is read in one read transaction, and each event's Data is the database
// file's own memory, read-only and valid only until LendAll returns.
// Everything else in the events is the caller's. A replay that decodes each
// body once and keeps none of them spares a copy of the whole log this way.
//
// The transaction keeps the file's memory map in place, so an append that
// must grow the file waits until LendAll returns: lend for building read
// models at start, not while appends are being served.
func (s *Store) LendAll(ctx context.Context, fn func(read eventstore.Reader) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		events := tx.Bucket([]byte(bucketEvents))
		names := map[string]string{}
		return fn(func(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
			out, err := readPage(ctx, events, after, limit, names, true)
			if err != nil {
				return nil, fmt.Errorf("read all after %s: %w", after, err)
			}
			return out, nil
		})
	})
}

// Subscribe implements [eventstore.Store.Subscribe] with
// [eventstore.CatchUp], woken by every commit of this Store.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(eventstore.RecordedEvent) error) error {
	return eventstore.CatchUp(ctx, s.ReadAll, &s.signal, 0, after, handle)
}

// Head implements [eventstore.Store.Head].
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var head eventstore.Position
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket([]byte(bucketEvents)).Cursor().Last(); k != nil {
			p := binary.BigEndian.Uint64(k)
			head = eventstore.Position{Commit: p, Prepare: p}
		}
		return nil
	})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("read head: %w", err)
	}
	return head, nil
}

// ReadHashes implements [eventstore.Merkle.ReadHashes]. An index that is not
// stored yet is an error.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var out []tlog.Hash
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = readHashes(tx.Bucket([]byte(bucketMerkle)), indexes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read merkle hashes: %w", err)
	}
	return out, nil
}

// TreeSize returns the number of leaves of the stored Merkle log, read from
// the Merkle bucket alone (it implements proof.TreeSizer), so verification
// notices events deleted from the end of the log.
func (s *Store) TreeSize(ctx context.Context) (int64, error) {
	var stored int64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket([]byte(bucketMerkle)).Cursor().Last(); k != nil {
			stored = int64(binary.BigEndian.Uint64(k)) + 1
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read merkle tree size: %w", err)
	}
	return eventstore.TreeSize(stored)
}

// view runs fn in a read-only transaction, after checking ctx and that the
// store is open.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return s.db.View(fn)
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func indexKey(stream string, rev uint64) []byte {
	k := make([]byte, len(stream)+1+8)
	copy(k, stream)
	binary.BigEndian.PutUint64(k[len(stream)+1:], rev)
	return k
}
