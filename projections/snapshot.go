package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/kinerja/kinerja/eventstore"
)

// A snapshot is a copy of an in-memory read model, kept so that a start
// can load it and fold only the events after it instead of the whole log.
// It is a cache: losing it, or finding it unreadable, costs a full replay
// and nothing else.

// TableRows is one table of a snapshot: its name and every row, by key.
type TableRows struct {
	Name string
	Rows []Row
}

// Capture takes p's rows and the position they reflect, holding the
// model's read lock only to take them, and returns the position and a
// function that encodes the rows taken, which may run later, without the
// lock: a row is never changed once put (see Map), so the rows taken stay
// as they were while the fold goes on.
func Capture(p Projection) (eventstore.Position, func() ([]TableRows, error)) {
	m := p.Model()
	m.mu.RLock()
	defer m.mu.RUnlock()
	encoders := make([]func() ([]Row, error), len(m.tables))
	for i, t := range m.tables {
		encoders[i] = t.capture()
	}
	tables := m.tables
	return m.pos, func() ([]TableRows, error) {
		out := make([]TableRows, len(tables))
		for i, t := range tables {
			rows, err := encoders[i]()
			if err != nil {
				return nil, fmt.Errorf("snapshot %s table %s: %w", p.Name(), t.Name(), err)
			}
			out[i] = TableRows{Name: t.Name(), Rows: rows}
		}
		return out, nil
	}
}

// Restore loads p's model from a snapshot store (a Sink's Load: the stored
// rows and their position) without tracking changes, as the memory sink
// keeps it. If the snapshot cannot be loaded, Restore leaves the model
// empty, at the start of the log, and returns the error: the caller
// replays the whole log instead.
func Restore(ctx context.Context, snapshots Sink, p Projection) error {
	m := p.Model()
	m.mu.Lock()
	defer m.mu.Unlock()
	pos, err := snapshots.Load(ctx, p)
	if err != nil {
		return errors.Join(fmt.Errorf("restore %s: %w", p.Name(), err), m.reset())
	}
	m.pos = pos
	m.clean()
	m.tracking = false
	return nil
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
