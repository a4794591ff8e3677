package projections

import (
	"context"
	"errors"

	"github.com/kinerja/kinerja/eventstore"
)

// A snapshot is a copy of an in-memory read model, kept so that a start
// can load it and fold only the events after it instead of the whole log.
// It is a cache: losing it, or finding it unreadable, costs a full replay
// and nothing else.

// TableSnapshot is one table of a snapshot: its name, and Each, which
// encodes the rows taken, in key order, and hands them to yield one by one,
// stopping at the first error.
type TableSnapshot struct {
	Name string
	Each func(yield func(Row) error) error
}

// Capture takes p's rows and the position they reflect, holding the
// model's read lock only to take them, and returns the position and the
// tables, whose rows are encoded as they are read, later and without the
// lock: a row is never changed once put (see Map), so the rows taken stay
// as they were while the fold goes on.
func Capture(p Projection) (eventstore.Position, []TableSnapshot) {
	m := p.Model()
	m.mu.RLock()
	defer m.mu.RUnlock()
	tables := make([]TableSnapshot, len(m.tables))
	for i, t := range m.tables {
		tables[i] = TableSnapshot{Name: t.Name(), Each: t.capture()}
	}
	return m.pos, tables
}

// Restore loads p's model from a snapshot store (a Sink's Load: the stored
// rows and their position) without tracking changes, as the memory sink
// keeps it. If the snapshot cannot be loaded, Restore leaves the model
// empty, at the start of the log, and returns the error: the caller
// replays the whole log instead.
func Restore(ctx context.Context, snapshots Sink, p Projection) error {
	return load(ctx, snapshots, p, false)
}

// Reset empties p's model and moves it back to the start of the log, for a
// full replay.
func Reset(p Projection) error {
	m := p.Model()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reset()
}

func (m *Model) reset() error {
	var errs []error
	for _, t := range m.tables {
		errs = append(errs, t.Replace(nil))
	}
	m.pos = eventstore.Position{}
	return errors.Join(errs...)
}
