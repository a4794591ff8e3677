// Package bolt keeps read models in a bbolt file, for the embedded set-up
// when building them from the log at every start would be too slow: the
// rows and the checkpoint of each projection version live in one bucket,
// so a restart loads the rows and catches up from the checkpoint instead
// of replaying everything. They move together either batch by batch (the
// Sink's Commit) or as a snapshot of a model kept in memory (Save).
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// ErrCheckpointMoved is returned by Commit when the stored checkpoint is
// already at or past the batch; the runner then reloads.
var ErrCheckpointMoved = errors.New("checkpoint already moved past this batch")

var (
	keyCheckpoint = []byte("checkpoint")
	// keyCheckpointRoot holds the Merkle root of the log up to a
	// snapshot's checkpoint, so that a snapshot of another ledger, or of
	// another history, is told apart.
	keyCheckpointRoot = []byte("checkpoint_root")
)

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
// rows and returns the stored checkpoint. A version never stored, or whose
// last Save was cut short, loads empty, at the start of the log.
func (s *Sink) Load(_ context.Context, p projections.Projection) (eventstore.Position, error) {
	var pos eventstore.Position
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName(p))
		if b != nil && b.Get(keyCheckpoint) == nil {
			b = nil // a save cut short: rows without their checkpoint mean nothing
		}
		if b != nil {
			var err error
			if pos, err = decodePosition(b.Get(keyCheckpoint)); err != nil {
				return err
			}
		}
		// The rows are gathered table by table, then the tables decode side
		// by side: decoding is most of a load. The documents are the file's
		// memory, valid until the transaction ends, which is after Replace.
		tables := p.Model().Tables()
		rows := make([][]projections.Row, len(tables))
		for i, t := range tables {
			if b == nil {
				continue
			}
			tb := b.Bucket([]byte(t.Name()))
			if tb == nil {
				continue
			}
			err := tb.ForEach(func(k, v []byte) error {
				rows[i] = append(rows[i], projections.Row{Key: string(k), Doc: v})
				return nil
			})
			if err != nil {
				return err
			}
		}
		errs := make([]error, len(tables))
		var wg sync.WaitGroup
		for i, t := range tables {
			wg.Go(func() {
				if err := t.Replace(rows[i]); err != nil {
					errs[i] = fmt.Errorf("load table %s: %w", t.Name(), err)
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
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

// saveBatch bounds the bytes of rows one transaction of Save holds: bbolt
// keeps a transaction's values in memory until it commits. Tests lower it.
var saveBatch = 32 << 20

// Save stores a snapshot of p (see projections.Capture): tables, taken at
// pos, where the log's Merkle root is root, replace whatever the file holds
// of p's version, and the stored copies of p's other versions are dropped.
// Load then returns the snapshot, and SnapshotRoot the root. A save writes
// the rows in transactions of bounded size, so that a large model does not
// need its whole encoding in memory at once, and the checkpoint last:
// until then the version holds no checkpoint, and Load finds it empty. A
// save cut short thus costs a replay, never a model mixed from two saves.
// Save is for a model kept in memory whose copy is refreshed now and then;
// a model committed batch by batch uses Commit.
func (s *Sink) Save(ctx context.Context, p projections.Projection, pos eventstore.Position, root [32]byte, tables []projections.TableSnapshot) error {
	name := bucketName(p)
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		var drop [][]byte
		err := tx.ForEach(func(bucket []byte, _ *bbolt.Bucket) error {
			if isVersionOf(bucket, p.Name()) {
				drop = append(drop, bytes.Clone(bucket))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, b := range drop {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		_, err = tx.CreateBucket(name)
		return err
	}); err != nil {
		return fmt.Errorf("save %s v%d at %s: %w", p.Name(), p.Version(), pos, err)
	}
	for _, t := range tables {
		if err := s.saveTable(ctx, name, t); err != nil {
			return fmt.Errorf("save %s v%d at %s: table %s: %w", p.Name(), p.Version(), pos, t.Name, err)
		}
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(name)
		if b == nil {
			return errors.New("the version's bucket went missing during the save")
		}
		if err := b.Put(keyCheckpointRoot, root[:]); err != nil {
			return err
		}
		return b.Put(keyCheckpoint, encodePosition(pos))
	})
	if err != nil {
		return fmt.Errorf("save %s v%d at %s: %w", p.Name(), p.Version(), pos, err)
	}
	return nil
}

// saveTable writes t's rows into the bucket named version, saveBatch bytes
// or so per transaction.
func (s *Sink) saveTable(ctx context.Context, version []byte, t projections.TableSnapshot) error {
	var batch []projections.Row
	size := 0
	flush := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(version)
			if b == nil {
				return errors.New("the version's bucket went missing during the save")
			}
			tb, err := b.CreateBucketIfNotExists([]byte(t.Name))
			if err != nil {
				return err
			}
			tb.FillPercent = 1 // the rows come in key order: fill each page
			for _, r := range batch {
				if err := tb.Put([]byte(r.Key), r.Doc); err != nil {
					return fmt.Errorf("row %s: %w", r.Key, err)
				}
			}
			return nil
		})
		batch, size = batch[:0], 0
		return err
	}
	err := t.Each(func(r projections.Row) error {
		batch = append(batch, r)
		size += len(r.Key) + len(r.Doc)
		if size >= saveBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush() // also for no rows: the table exists, empty
}

// SnapshotRoot returns the Merkle root of the log up to the checkpoint of
// p's stored snapshot, and false when there is none (nothing saved, or rows
// committed by Commit rather than saved).
func (s *Sink) SnapshotRoot(p projections.Projection) ([32]byte, bool, error) {
	var root [32]byte
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName(p))
		if b == nil {
			return nil
		}
		v := b.Get(keyCheckpointRoot)
		if v == nil {
			return nil
		}
		if len(v) != len(root) {
			return fmt.Errorf("checkpoint root is %d bytes, want %d", len(v), len(root))
		}
		copy(root[:], v)
		found = true
		return nil
	})
	if err != nil {
		return root, false, fmt.Errorf("read snapshot of %s v%d: %w", p.Name(), p.Version(), err)
	}
	return root, found, nil
}

// isVersionOf reports whether bucket holds a version of the projection
// called name.
func isVersionOf(bucket []byte, name string) bool {
	v, ok := strings.CutPrefix(string(bucket), name+"_v")
	if !ok || v == "" {
		return false
	}
	_, err := strconv.Atoi(v)
	return err == nil
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
