package postgres

import (
	"encoding/binary"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The write statements' parameters are encoded here, in PostgreSQL's binary
// format, rather than by pgx's general encoder. A group's leader encodes
// them while every appender of the group waits, so this is on the path of
// every append. For a group of 32 events pgx's encoder, which walks the
// arrays by reflection into growing buffers, makes 524 allocations and
// takes about 9 times as long as this, which makes two (BenchmarkInsertParams).
// TestEncodeMatchesPgx checks that both give the same bytes.

// binaryParams says that every parameter of a statement is in binary format.
var binaryParams = []int16{pgtype.BinaryFormatCode}

// pgEpoch is PostgreSQL's timestamp zero, 2000-01-01 UTC, in Unix
// microseconds.
const pgEpoch = 946_684_800_000_000

// arrayHeader is the size of a one-dimensional array's header: dimensions,
// NULL flag, element type, length and lower bound.
const arrayHeader = 5 * 4

// insertParams returns the parameters of insertEvents for the events of w
// from index from up to index to.
func (w *write) insertParams(from, to int) [][]byte {
	n := to - from
	size := 15*arrayHeader + 8 + n*(15*4+3*8+4*16+2*32)
	for i := from; i < to; i++ {
		size += len(w.streams[i]) + len(w.types[i]) + len(w.data[i]) + len(w.actorIDs[i]) + len(w.actorRoles[i]) + len(w.reasons[i])
	}
	buf := make([]byte, 0, size)
	params := make([][]byte, 0, 16)
	add := func(encode func([]byte) []byte) {
		start := len(buf)
		buf = encode(buf)
		params = append(params, buf[start:len(buf):len(buf)])
	}
	add(func(b []byte) []byte { return appendInt8Array(b, w.positions[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.TextOID, w.streams[from:to]) })
	add(func(b []byte) []byte { return appendInt8Array(b, w.revisions[from:to]) })
	add(func(b []byte) []byte { return appendUUIDArray(b, w.ids[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.TextOID, w.types[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.ByteaOID, w.data[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.TextOID, w.actorIDs[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.TextOID, w.actorRoles[from:to]) })
	add(func(b []byte) []byte { return appendUUIDArray(b, w.commandIDs[from:to]) })
	add(func(b []byte) []byte { return appendUUIDArray(b, w.correlationIDs[from:to]) })
	add(func(b []byte) []byte { return appendUUIDArray(b, w.causationIDs[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.TextOID, w.reasons[from:to]) })
	add(func(b []byte) []byte { return appendInt8Array(b, w.schemaVersions[from:to]) })
	add(func(b []byte) []byte { return appendTimestamptz(b, w.at) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.ByteaOID, w.prevHashes[from:to]) })
	add(func(b []byte) []byte { return appendBytesArray(b, pgtype.ByteaOID, w.hashes[from:to]) })
	return params
}

// bigint encodes v as a bigint parameter.
func bigint(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

func appendArrayHeader(b []byte, elem uint32, n int) []byte {
	b = binary.BigEndian.AppendUint32(b, 1) // dimensions
	b = binary.BigEndian.AppendUint32(b, 0) // no NULL elements
	b = binary.BigEndian.AppendUint32(b, elem)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return binary.BigEndian.AppendUint32(b, 1) // lower bound
}

func appendInt8Array(b []byte, v []int64) []byte {
	b = appendArrayHeader(b, pgtype.Int8OID, len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// appendBytesArray appends an array of text or bytea: both are sent as their
// bytes.
func appendBytesArray[T ~string | ~[]byte](b []byte, elem uint32, v []T) []byte {
	b = appendArrayHeader(b, elem, len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, uint32(len(x)))
		b = append(b, x...)
	}
	return b
}

func appendUUIDArray(b []byte, v [][16]byte) []byte {
	b = appendArrayHeader(b, pgtype.UUIDOID, len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, 16)
		b = append(b, x[:]...)
	}
	return b
}

// appendTimestamptz appends t in microseconds since pgEpoch; t must be at
// most microsecond-precise, as Seal makes it.
func appendTimestamptz(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixMicro()-pgEpoch))
}
