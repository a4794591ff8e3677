package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

const recordVersion = 1

// encode returns the stored record of e; see the package doc for the format.
// The position is the record's key and is not part of it.
func encode(e *eventstore.RecordedEvent) []byte {
	m := &e.Metadata
	n := 1 + 16 + 3*16 + 2*32 + 6*binary.MaxVarintLen64 +
		len(e.Stream) + len(e.Type) + len(e.Data) + len(m.Actor.ID) + len(m.Actor.Role) + len(m.Reason) + 6*binary.MaxVarintLen64
	b := make([]byte, 0, n)
	b = append(b, recordVersion)
	b = append(b, e.ID[:]...)
	b = appendBytes(b, []byte(e.Stream))
	b = binary.AppendUvarint(b, e.Revision)
	b = appendBytes(b, []byte(e.Type))
	b = appendBytes(b, e.Data)
	b = appendBytes(b, []byte(m.Actor.ID))
	b = appendBytes(b, []byte(m.Actor.Role))
	b = append(b, m.CommandID[:]...)
	b = append(b, m.CorrelationID[:]...)
	b = append(b, m.CausationID[:]...)
	b = appendBytes(b, []byte(m.Reason))
	b = binary.AppendVarint(b, int64(m.SchemaVersion))
	b = binary.AppendVarint(b, e.RecordedAt.UnixMicro())
	b = append(b, e.PrevHash[:]...)
	b = append(b, e.Hash[:]...)
	return b
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// decode rebuilds the event stored at pos from its record. It copies
// everything it keeps: the record lives only as long as its transaction.
func decode(rec []byte, pos uint64) (*eventstore.RecordedEvent, error) {
	e := &eventstore.RecordedEvent{}
	if err := decodeRecord(e, rec, pos, nil, false); err != nil {
		return nil, err
	}
	return e, nil
}

// decodeRecord decodes the record at position pos into e. Type names,
// roles and actors repeat across a log: with names not nil, each distinct
// one is allocated once and shared. With lend, e.Data is rec's own memory
// rather than a copy (see Store.LendAll).
func decodeRecord(e *eventstore.RecordedEvent, rec []byte, pos uint64, names map[string]string, lend bool) error {
	d := decoder{b: rec}
	if v := d.fixed(1); d.err == nil && v[0] != recordVersion {
		return fmt.Errorf("decode event %d: record version %d is not supported", pos, v[0])
	}
	*e = eventstore.RecordedEvent{Position: eventstore.Position{Commit: pos, Prepare: pos}}
	m := &e.Metadata
	e.ID = uuid.UUID(d.fixed(16))
	e.Stream = string(d.bytes())
	e.Revision = d.uvarint()
	e.Type = intern(names, d.bytes())
	if lend {
		b := d.bytes()
		e.Data = b[:len(b):len(b)] // an append must not write into the file's memory
	} else {
		e.Data = append([]byte(nil), d.bytes()...)
	}
	m.Actor.ID = intern(names, d.bytes())
	m.Actor.Role = intern(names, d.bytes())
	m.CommandID = uuid.UUID(d.fixed(16))
	m.CorrelationID = uuid.UUID(d.fixed(16))
	m.CausationID = uuid.UUID(d.fixed(16))
	m.Reason = string(d.bytes())
	m.SchemaVersion = int(d.varint())
	e.RecordedAt = time.UnixMicro(d.varint()).UTC()
	e.PrevHash = eventstore.Hash(d.fixed(32))
	e.Hash = eventstore.Hash(d.fixed(32))
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("decode event %d: %w", pos, d.err)
	}
	return nil
}

// intern returns b as a string, the one in names when it holds it.
func intern(names map[string]string, b []byte) string {
	if names == nil {
		return string(b)
	}
	if s, ok := names[string(b)]; ok { // the lookup does not allocate
		return s
	}
	s := string(b)
	names[s] = s
	return s
}

var errShort = errors.New("record is truncated")

// decoder reads a record; after the first error every read returns zero
// values and err says what went wrong.
type decoder struct {
	b   []byte
	err error
}

// fixed returns the next n bytes, or n zero bytes after an error, so that
// the conversions to arrays never panic.
func (d *decoder) fixed(n int) []byte {
	if d.err == nil && len(d.b) < n {
		d.err = errShort
	}
	if d.err != nil {
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err == nil && uint64(len(d.b)) < n {
		d.err = errShort
	}
	if d.err != nil {
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}
