package proof_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore"
)

// memLedger is a TEST DOUBLE of a dense backend (eventstore.Store's reads and
// appends plus eventstore.Merkle), kept in memory so that tests can tamper
// with its rows the way someone with database access would. It follows the
// contract only as far as this package needs: dense positions, the hash
// chain via eventstore.Seal and the Merkle log via eventstore.MerkleHashes.
type memLedger struct {
	mu     sync.Mutex
	rows   []eventstore.RecordedEvent // "the events table": sorted by position, tamperable
	hashes []tlog.Hash                // "the Merkle table"
	head   uint64                     // "the log head row"
	heads  map[string]int             // "the stream heads": index in rows of each stream's last appended event
	moved  bool                       // set by a test that changed a row's position out of order
	now    func() time.Time
}

func newMemLedger() *memLedger {
	at := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	return &memLedger{heads: make(map[string]int), now: func() time.Time { at = at.Add(time.Second); return at }}
}

func (m *memLedger) last(stream string) (uint64, eventstore.Hash, bool) {
	i, ok := m.heads[stream]
	if !ok {
		return 0, eventstore.Hash{}, false
	}
	return m.rows[i].Revision, m.rows[i].Hash, true
}

func (m *memLedger) Append(_ context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rev, prev, exists := m.last(stream)
	if !expected.Check(rev, exists) {
		return eventstore.AppendResult{}, eventstore.WrongExpectedRevision(stream, expected, rev, exists)
	}
	first := uint64(0)
	if exists {
		first = rev + 1
	}
	sealed := eventstore.Seal(stream, first, prev, m.now(), events)
	leaves := make([]tlog.Hash, len(sealed))
	for i := range sealed {
		sealed[i].Position = eventstore.Position{Commit: m.head + 1 + uint64(i), Prepare: m.head + 1 + uint64(i)}
		leaves[i] = eventstore.LeafHash(&sealed[i])
	}
	hs, err := eventstore.MerkleHashes(int64(m.head), leaves, m.readHashes)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	m.rows = append(m.rows, sealed...)
	m.heads[stream] = len(m.rows) - 1
	m.hashes = append(m.hashes, hs...)
	m.head += uint64(len(sealed))
	last := sealed[len(sealed)-1]
	return eventstore.AppendResult{Revision: last.Revision, Position: last.Position}, nil
}

func (m *memLedger) ReadStream(_ context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []eventstore.RecordedEvent
	for _, e := range m.rows {
		if e.Stream == stream {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, eventstore.StreamNotFound(stream)
	}
	if opts.Backwards {
		slices.Reverse(out)
		if opts.From != eventstore.End {
			out = slices.DeleteFunc(out, func(e eventstore.RecordedEvent) bool { return e.Revision > opts.From })
		}
	} else {
		out = slices.DeleteFunc(out, func(e eventstore.RecordedEvent) bool { return e.Revision < opts.From })
	}
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out, nil
}

func (m *memLedger) ReadAll(_ context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit <= 0 {
		limit = eventstore.DefaultPageSize
	}
	byPosition := func(a, b eventstore.RecordedEvent) int { return cmp.Compare(a.Position.Commit, b.Position.Commit) }
	rows := m.rows
	if m.moved {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, byPosition)
	}
	i, _ := slices.BinarySearchFunc(rows, after.Commit+1, func(e eventstore.RecordedEvent, p uint64) int { return cmp.Compare(e.Position.Commit, p) })
	return slices.Clone(rows[i:min(i+limit, len(rows))]), nil
}

func (m *memLedger) Head(context.Context) (eventstore.Position, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return eventstore.Position{Commit: m.head, Prepare: m.head}, nil
}

func (m *memLedger) ReadHashes(_ context.Context, indexes []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.readHashes(indexes)
}

func (m *memLedger) readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("memledger: hash %d is not stored", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// row returns the stored row at position p, for tampering.
func (m *memLedger) row(p uint64) *eventstore.RecordedEvent {
	for i := range m.rows {
		if m.rows[i].Position.Commit == p {
			return &m.rows[i]
		}
	}
	panic(fmt.Sprintf("memledger: no row at position %d", p))
}

// deleteRow removes the row at position p, leaving the Merkle log as it is.
func (m *memLedger) deleteRow(p uint64) {
	m.rows = slices.DeleteFunc(m.rows, func(e eventstore.RecordedEvent) bool { return e.Position.Commit == p })
}

// rangeLedger is the memLedger test double with proof.HashRangeReader.
type rangeLedger struct{ *memLedger }

func (m rangeLedger) ReadHashRange(_ context.Context, lo, hi int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if lo < 0 || hi > int64(len(m.hashes)) || lo > hi {
		return nil, fmt.Errorf("memledger: hashes %d to %d are not stored", lo, hi-1)
	}
	return slices.Clone(m.hashes[lo:hi]), nil
}
