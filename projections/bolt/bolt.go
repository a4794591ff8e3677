// Package bolt keeps read models in a bbolt file, for the embedded set-up
// when building them from the log at every start would be too slow: the
// rows and the checkpoint of each projection version live in one bucket and
// move together in one bbolt transaction per batch, so a restart loads the
// rows and catches up from the checkpoint instead of replaying everything.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// ErrCheckpointMoved is returned by Commit when the stored checkpoint is
// already at or past the batch; the runner then reloads.
var ErrCheckpointMoved = errors.New("checkpoint already moved past this batch")

var keyCheckpoint = []byte("checkpoint")

// Sink is the bbolt sink. It is safe for concurrent use.
type Sink struct {
	db   *bbolt.DB
	path string
}

// Open opens (creating it and its directory) the read-model file at path.
// Only one process may have it open; Open gives up after a few seconds.
func Open(path string) (*Sink, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open read models: %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open read models: %s: the file is in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open read models: %s: %w", path, err)
	}
	return &Sink{db: db, path: path}, nil
}

// Close closes the file.
func (s *Sink) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close read models: %s: %w", s.path, err)
	}
	return nil
}

// bucketName is the bucket of one projection version.
func bucketName(p projections.Projection) []byte {
	return []byte(p.Name() + "_v" + strconv.Itoa(p.Version()))
}

// Load implements projections.Sink: it replaces p's model with the stored
// rows and returns the stored checkpoint (the start of the log when the
// version has never been stored).
func (s *Sink) Load(_ context.Context, p projections.Projection) (eventstore.Position, error) {
	var pos eventstore.Position
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName(p))
		if b != nil {
			var err error
			if pos, err = decodePosition(b.Get(keyCheckpoint)); err != nil {
				return err
			}
		}
		for _, t := range p.Model().Tables() {
			var rows []projections.Row
			if b != nil {
				if tb := b.Bucket([]byte(t.Name())); tb != nil {
					rows = make([]projections.Row, 0, tb.Stats().KeyN)
					err := tb.ForEach(func(k, v []byte) error {
						rows = append(rows, projections.Row{Key: string(k), Doc: v}) // Replace decodes before the transaction ends
						return nil
					})
					if err != nil {
						return err
					}
				}
			}
			if err := t.Replace(rows); err != nil {
				return fmt.Errorf("load table %s: %w", t.Name(), err)
			}
		}
		return nil
	})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("load %s v%d from %s: %w", p.Name(), p.Version(), s.path, err)
	}
	return pos, nil
}

// Commit implements projections.Sink: in one bbolt transaction it moves the
// checkpoint, only if it is before to, and writes the changed rows.
func (s *Sink) Commit(_ context.Context, p projections.Projection, from, to eventstore.Position) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketName(p))
		if err != nil {
			return err
		}
		stored, err := decodePosition(b.Get(keyCheckpoint))
		if err != nil {
			return err
		}
		if !stored.Less(to) {
			return fmt.Errorf("move checkpoint from %s to %s, stored %s: %w", from, to, stored, ErrCheckpointMoved)
		}
		if err := b.Put(keyCheckpoint, encodePosition(to)); err != nil {
			return err
		}
		for _, t := range p.Model().Tables() {
			rows, err := t.Changed()
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Name(), err)
			}
			if len(rows) == 0 {
				continue
			}
			tb, err := b.CreateBucketIfNotExists([]byte(t.Name()))
			if err != nil {
				return err
			}
			for _, r := range rows {
				if r.Doc == nil {
					err = tb.Delete([]byte(r.Key))
				} else {
					err = tb.Put([]byte(r.Key), r.Doc)
				}
				if err != nil {
					return fmt.Errorf("table %s row %s: %w", t.Name(), r.Key, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("commit %s v%d at %s: %w", p.Name(), p.Version(), to, err)
	}
	return nil
}

func encodePosition(p eventstore.Position) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, p.Commit)
	binary.BigEndian.PutUint64(b[8:], p.Prepare)
	return b
}

func decodePosition(b []byte) (eventstore.Position, error) {
	switch len(b) {
	case 0:
		return eventstore.Position{}, nil
	case 16:
		return eventstore.Position{Commit: binary.BigEndian.Uint64(b), Prepare: binary.BigEndian.Uint64(b[8:])}, nil
	}
	return eventstore.Position{}, fmt.Errorf("checkpoint is %d bytes, want 16", len(b))
}
