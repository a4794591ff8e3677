// Package projections builds the read side of the ledger: read models folded
// from the global log by a checkpointed runner, kept in memory (the embedded
// default) or in PostgreSQL tables (sub-package postgres), rebuilt
// blue/green, and queried as of any position.
//
// A read model is a [Projection]: a pure fold of [eventstore.RecordedEvent]
// values into the keyed tables of a [Model]. The fold is written once; a
// [Sink] decides where the tables and the checkpoint are kept, and the
// [Runner] moves both together, batch by batch.
package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

// Projection is one read model: a pure fold of the global log into the tables
// of its Model. Apply is called in log order, once per event the projection
// Reads, under the model's write lock; it must not do I/O or read the clock.
// It returns an error only for an event it needs but cannot decode, before
// changing anything: the runner then stops before that event, so nothing is
// skipped.
type Projection interface {
	// Name is stable and lower case ([a-z][a-z0-9_]*); it names the
	// checkpoint and the tables in a persistent sink.
	Name() string
	// Version changes whenever the fold or the shape of a row changes; a new
	// version is built beside the old one (blue/green) and never shares its
	// tables.
	Version() int
	// Model returns the tables the fold writes.
	Model() *Model
	// Reads reports whether Apply needs events of this type. Events of other
	// types only move the position, undecoded.
	Reads(eventType string) bool
	// Apply folds e into the model.
	Apply(e *Event) error
}

var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// Model holds a projection's tables and the global position they reflect,
// under one lock, so that a reader never sees half a batch. Build it with
// NewModel and add tables with NewMap before the first event.
type Model struct {
	mu     sync.RWMutex
	pos    eventstore.Position
	tables []Table
	// tracking says whether tables remember which rows changed, for a
	// persistent sink's next commit; replays and the memory sink do not
	// need to pay for it.
	tracking bool
}

// NewModel returns an empty model at the start of the log.
func NewModel() *Model { return &Model{} }

// Read calls fn with the model's read lock held and the position it reflects.
// Queries run inside Read and must not keep references to rows beyond it
// unless the rows are immutable (see Map).
func (m *Model) Read(fn func(at eventstore.Position)) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	fn(m.pos)
}

// Position returns the position of the last event folded into the model.
func (m *Model) Position() eventstore.Position {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.pos
}

// Tables returns the model's tables in the order they were added.
func (m *Model) Tables() []Table { return slices.Clone(m.tables) }

// Digest returns a SHA-256 over the canonical JSON of every row of every
// table, in table and key order, and the position. Two models with the same
// digest hold the same read model.
func (m *Model) Digest() ([32]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h := sha256.New()
	fmt.Fprintf(h, "position %s\n", m.pos)
	for _, t := range m.tables {
		if err := t.digest(h); err != nil {
			return [32]byte{}, fmt.Errorf("digest table %s: %w", t.Name(), err)
		}
	}
	var d [32]byte
	h.Sum(d[:0])
	return d, nil
}

// Row is one row of a table as a sink stores it: the key and the row's JSON
// document. A nil Doc means the row was deleted.
type Row struct {
	Key string
	Doc []byte
}

// Table is what a sink needs from one table of a model. The runner calls
// these methods with the model's write lock held.
type Table interface {
	// Name is the table's name, unique within its model.
	Name() string
	// Changed returns the rows put or deleted since the last Clean, sorted by
	// key, with the current JSON of each (nil Doc for a deleted row).
	Changed() ([]Row, error)
	// All returns every row, sorted by key.
	All() ([]Row, error)
	// Replace drops every row and loads rows instead; a row that does not
	// decode fails the whole load.
	Replace(rows []Row) error
	// Len returns the number of rows.
	Len() int

	clean()
	digest(h hash.Hash) error
	// capture takes the rows as they are and returns a function that
	// encodes them and yields them in key order, whenever it is called.
	capture() func(yield func(Row) error) error
}

// Map is a table of rows of type V by string key. Rows are immutable once
// Put: a fold that changes a row builds a new value (cloning any slice or map
// it changes) and Puts it, so a reader holding the old value never sees it
// move. Appending to a slice a reader holds is safe: it never reads past its
// own length.
type Map[V any] struct{ *table[string, V] }

// NewMap adds a table called name to m and returns it. It panics if name is
// not an identifier or is already taken, which is a programming error in the
// projection's constructor.
func NewMap[V any](m *Model, name string) *Map[V] {
	return &Map[V]{newTable[string, V](m, name, stringKeys{})}
}

// Name returns the table's name.
func (t *Map[V]) Name() string { return t.name }

// Get returns the row at key and whether there is one.
func (t *Map[V]) Get(key string) (V, bool) { return t.table.Get(key) }

// getBytes is Get for a key held as bytes, which it looks up without
// making a string of them.
func (t *Map[V]) getBytes(key []byte) (V, bool) {
	v, ok := t.rows[string(key)]
	return v, ok
}

// Put sets the row at key.
func (t *Map[V]) Put(key string, v V) { t.table.Put(key, v) }

// Delete removes the row at key, if any.
func (t *Map[V]) Delete(key string) { t.table.Delete(key) }

// Len returns the number of rows.
func (t *Map[V]) Len() int { return len(t.rows) }

// Keys returns every key, sorted.
func (t *Map[V]) Keys() []string { return t.table.Keys() }

// idMap is a table of rows of type V keyed by a UUID, for the tables whose
// keys are ids (an SKP, an evaluation, a log entry) or the streams of ids
// ("execution-<id>"). It behaves as a Map whose key is prefix+id.String(),
// and its rows are the same to a sink, but a fold looks rows up by the
// 16-byte id: it neither formats the id nor hashes and compares a 36-byte
// string, which was the largest single cost of the folds at a million
// events (the string's bytes are one more cache miss per lookup).
type idMap[V any] struct{ *table[uuid.UUID, V] }

// newIDMap adds a table called name to m whose keys are prefix followed by
// a UUID in its canonical form; see NewMap.
func newIDMap[V any](m *Model, name, prefix string) *idMap[V] {
	return &idMap[V]{newTable[uuid.UUID, V](m, name, idKeys{prefix: prefix})}
}

// keyCodec gives a table's keys of type K their text, the key a sink stores
// (see Row), and back. Its order is the order of the texts.
type keyCodec[K comparable] interface {
	text(k K) string
	parse(text string) (K, error)
	compare(a, b K) int
}

type stringKeys struct{}

func (stringKeys) text(k string) string              { return k }
func (stringKeys) parse(text string) (string, error) { return text, nil }
func (stringKeys) compare(a, b string) int           { return strings.Compare(a, b) }

// idKeys are prefix+id.String(). The canonical text of a UUID is its bytes
// in lower-case hexadecimal with dashes at fixed places, so the texts sort
// as the bytes do.
type idKeys struct{ prefix string }

func (c idKeys) text(k uuid.UUID) string { return c.prefix + k.String() }

func (c idKeys) parse(text string) (uuid.UUID, error) {
	rest, ok := strings.CutPrefix(text, c.prefix)
	if !ok {
		return uuid.Nil, fmt.Errorf("key %q does not start with %q", text, c.prefix)
	}
	id, ok := parseCanonical(rest)
	if !ok {
		return uuid.Nil, fmt.Errorf("key %q is not %s and a UUID in lower case", text, c.prefix)
	}
	return id, nil
}

func (idKeys) compare(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// table is the Table behind Map and idMap: rows of type V by key K, whose
// text codec gives.
type table[K comparable, V any] struct {
	name  string
	model *Model
	codec keyCodec[K]
	rows  map[K]V
	dirty map[K]struct{}
}

func newTable[K comparable, V any](m *Model, name string, codec keyCodec[K]) *table[K, V] {
	if !identifier.MatchString(name) {
		panic("projections: table name " + strconv.Quote(name) + " is not [a-z][a-z0-9_]*")
	}
	for _, t := range m.tables {
		if t.Name() == name {
			panic("projections: table " + name + " added twice")
		}
	}
	t := &table[K, V]{name: name, model: m, codec: codec, rows: map[K]V{}, dirty: map[K]struct{}{}}
	m.tables = append(m.tables, t)
	return t
}

// Name returns the table's name.
func (t *table[K, V]) Name() string { return t.name }

// Get returns the row at key and whether there is one.
func (t *table[K, V]) Get(key K) (V, bool) {
	v, ok := t.rows[key]
	return v, ok
}

// Put sets the row at key.
func (t *table[K, V]) Put(key K, v V) {
	t.rows[key] = v
	if t.model.tracking {
		t.dirty[key] = struct{}{}
	}
}

// Delete removes the row at key, if any.
func (t *table[K, V]) Delete(key K) {
	if _, ok := t.rows[key]; !ok {
		return
	}
	delete(t.rows, key)
	if t.model.tracking {
		t.dirty[key] = struct{}{}
	}
}

// Len returns the number of rows.
func (t *table[K, V]) Len() int { return len(t.rows) }

// Keys returns every key, sorted.
func (t *table[K, V]) Keys() []K {
	keys := make([]K, 0, len(t.rows))
	for k := range t.rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, t.codec.compare)
	return keys
}

// Changed implements Table. It reports changes only while the model tracks
// them: from a persistent sink's Load on (see Runner and CatchUp).
func (t *table[K, V]) Changed() ([]Row, error) {
	keys := make([]K, 0, len(t.dirty))
	for k := range t.dirty {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, t.codec.compare)
	rows := make([]Row, len(keys))
	for i, k := range keys {
		rows[i].Key = t.codec.text(k)
		v, ok := t.rows[k]
		if !ok {
			continue
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode row %s: %w", rows[i].Key, err)
		}
		rows[i].Doc = doc
	}
	return rows, nil
}

// All implements Table.
func (t *table[K, V]) All() ([]Row, error) {
	rows := make([]Row, 0, len(t.rows))
	err := t.capture()(func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// Replace implements Table. It decodes with github.com/goccy/go-json,
// which reads what encoding/json writes into the same values and is about
// three times faster at it: loading a large model is mostly decoding.
func (t *table[K, V]) Replace(rows []Row) error {
	loaded := make(map[K]V, len(rows))
	for _, r := range rows {
		k, err := t.codec.parse(r.Key)
		if err != nil {
			return fmt.Errorf("decode row %s: %w", r.Key, err)
		}
		var v V
		if err := gojson.Unmarshal(r.Doc, &v); err != nil {
			return fmt.Errorf("decode row %s: %w", r.Key, err)
		}
		loaded[k] = v
	}
	t.rows = loaded
	clear(t.dirty)
	return nil
}

func (t *table[K, V]) clean() { clear(t.dirty) }

func (t *table[K, V]) capture() func(yield func(Row) error) error {
	type keyed struct {
		key K
		v   V
	}
	rows := make([]keyed, 0, len(t.rows))
	for k, v := range t.rows {
		rows = append(rows, keyed{k, v})
	}
	return func(yield func(Row) error) error {
		slices.SortFunc(rows, func(a, b keyed) int { return t.codec.compare(a.key, b.key) })
		for _, r := range rows {
			key := t.codec.text(r.key)
			doc, err := json.Marshal(r.v)
			if err != nil {
				return fmt.Errorf("encode row %s: %w", key, err)
			}
			if err := yield(Row{Key: key, Doc: doc}); err != nil {
				return err
			}
		}
		return nil
	}
}

func (t *table[K, V]) digest(h hash.Hash) error {
	fmt.Fprintf(h, "table %s %d\n", t.name, len(t.rows))
	for _, k := range t.Keys() {
		doc, err := json.Marshal(t.rows[k])
		if err != nil {
			return fmt.Errorf("encode row %s: %w", t.codec.text(k), err)
		}
		key := t.codec.text(k)
		fmt.Fprintf(h, "%d:%s%d:", len(key), key, len(doc))
		h.Write(doc)
	}
	return nil
}
