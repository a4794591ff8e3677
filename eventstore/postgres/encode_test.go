package postgres

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kinerja/kinerja/eventstore"
)

// TestEncodeMatchesPgx checks the hand-written encoding of the write
// statements' parameters against pgx's own, byte for byte.
func TestEncodeMatchesPgx(t *testing.T) {
	var group []*request
	for i, data := range []string{`{}`, `{"a":"ü"}`, `[1,2,3]`} {
		cmd := uuid.New()
		group = append(group, &request{
			stream:   "skp-" + uuid.NewString(),
			expected: eventstore.NoStream,
			events: []eventstore.EventData{{
				ID:   uuid.New(),
				Type: "skp.drafted",
				Data: []byte(data),
				Metadata: eventstore.Metadata{
					Actor:         eventstore.Actor{ID: "199001012020121001", Role: "pegawai"},
					CommandID:     cmd,
					CorrelationID: uuid.New(),
					CausationID:   cmd,
					Reason:        []string{"", "koreksi target", "ralat"}[i],
					SchemaVersion: i + 1,
				},
			}},
		})
	}
	at := time.Date(2026, 11, 23, 5, 6, 7, 123456000, time.FixedZone("WIB", 7*3600))
	heads := map[string]streamHead{}
	w, err := decide(group, 0, []byte{}, heads, map[uuid.UUID]storedEvent{}, at)
	if err != nil {
		t.Fatal(err)
	}
	// A second group, so that the head and frontier are not empty.
	w2, err := decide(group[:1], w.next, w.frontier, heads, map[uuid.UUID]storedEvent{}, at)
	if err != nil {
		t.Fatal(err)
	}

	m := pgtype.NewMap()
	check := func(name string, got [][]byte, oids []uint32, values []any) {
		t.Helper()
		if len(got) != len(values) {
			t.Fatalf("%s: %d parameters, want %d", name, len(got), len(values))
		}
		for i, v := range values {
			want, err := m.Encode(oids[i], pgtype.BinaryFormatCode, v, make([]byte, 0, 64)) // a non-nil buffer, so that only NULL is nil
			if err != nil {
				t.Fatalf("%s: pgx encodes $%d: %v", name, i+1, err)
			}
			if !bytes.Equal(got[i], want) || (got[i] == nil) != (want == nil) { // nil is NULL
				t.Errorf("%s $%d:\n got %x\nwant %x", name, i+1, got[i], want)
			}
		}
	}
	insertOIDs := []uint32{pgtype.Int8ArrayOID, pgtype.TextArrayOID, pgtype.Int8ArrayOID, pgtype.UUIDArrayOID, pgtype.TextArrayOID,
		pgtype.ByteaArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.UUIDArrayOID, pgtype.UUIDArrayOID,
		pgtype.UUIDArrayOID, pgtype.TextArrayOID, pgtype.Int8ArrayOID, pgtype.TimestamptzOID, pgtype.ByteaArrayOID, pgtype.ByteaArrayOID}
	for _, w := range []*write{w, w2} {
		// Every range of rows, as a group sent in two parts inserts them.
		for from := 0; from < len(w.positions); from++ {
			for to := from + 1; to <= len(w.positions); to++ {
				check(fmt.Sprintf("insert events %d to %d", from, to), w.insertRows(from, to).params, insertOIDs,
					[]any{w.positions[from:to], w.streams[from:to], w.revisions[from:to], w.ids[from:to], w.types[from:to],
						w.data[from:to], w.actorIDs[from:to], w.actorRoles[from:to], w.commandIDs[from:to],
						w.correlationIDs[from:to], w.causationIDs[from:to], w.reasons[from:to], w.schemaVersions[from:to],
						w.at, w.prevHashes[from:to], w.hashes[from:to]})
			}
		}
		check("insert hashes", w.insertHashes().params, []uint32{pgtype.Int8OID, pgtype.ByteaOID}, []any{merkleBase(w.head), w.merkle})
		check("move head", w.moveHead().params, []uint32{pgtype.Int8OID, pgtype.ByteaOID, pgtype.Int8OID, pgtype.ByteaOID},
			[]any{w.next, w.frontier, w.head, w.headFrontier})
	}
}

// BenchmarkInsertParams compares the encoding of a 32-event group's insert
// parameters with pgx's:
//
//	go test -run '^$' -bench InsertParams ./eventstore/postgres/
func BenchmarkInsertParams(b *testing.B) {
	var group []*request
	for range 32 {
		cmd := uuid.New()
		group = append(group, &request{stream: "bench-" + uuid.NewString(), expected: eventstore.NoStream, events: []eventstore.EventData{{
			ID: uuid.New(), Type: "evaluation.work_result_rated", Data: bytes.Repeat([]byte("x"), 300),
			Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: "199001012020121001", Role: "evaluator"}, CommandID: cmd, CorrelationID: cmd, CausationID: cmd, SchemaVersion: 1},
		}}})
	}
	w, err := decide(group, 0, []byte{}, map[string]streamHead{}, map[uuid.UUID]storedEvent{}, time.Now().Truncate(time.Microsecond))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			w.insertParams(0, len(w.positions))
		}
	})
	b.Run("pgx", func(b *testing.B) {
		m := pgtype.NewMap()
		sd := &pgconn.StatementDescription{ParamOIDs: []uint32{pgtype.Int8ArrayOID, pgtype.TextArrayOID, pgtype.Int8ArrayOID,
			pgtype.UUIDArrayOID, pgtype.TextArrayOID, pgtype.ByteaArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID,
			pgtype.UUIDArrayOID, pgtype.UUIDArrayOID, pgtype.UUIDArrayOID, pgtype.TextArrayOID, pgtype.Int8ArrayOID,
			pgtype.TimestamptzOID, pgtype.ByteaArrayOID, pgtype.ByteaArrayOID}}
		args := []any{w.positions, w.streams, w.revisions, w.ids, w.types, w.data, w.actorIDs, w.actorRoles,
			w.commandIDs, w.correlationIDs, w.causationIDs, w.reasons, w.schemaVersions, w.at, w.prevHashes, w.hashes}
		var eqb pgx.ExtendedQueryBuilder
		for b.Loop() {
			if err := eqb.Build(m, sd, args); err != nil {
				b.Fatal(err)
			}
		}
	})
}
