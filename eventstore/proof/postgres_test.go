package proof_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// openPostgres opens a store in a schema of its own in the database dsn
// names, and a superuser connection to the same schema for tampering.
func openPostgres(t *testing.T, dsn string) (*postgres.Store, *pgx.Conn) {
	t.Helper()
	schema := "proof_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	s, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(context.WithoutCancel(t.Context())); err != nil {
			t.Error(err)
		}
	})
	sqlExec(t, conn, "SET search_path = "+pgx.Identifier{schema}.Sanitize())
	return s, conn
}

func sqlExec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// asSuperuser runs sql with the append-only triggers bypassed, as a
// superuser with database access could.
func asSuperuser(t *testing.T, conn *pgx.Conn, sql ...string) {
	t.Helper()
	sqlExec(t, conn, "BEGIN")
	sqlExec(t, conn, "SET LOCAL session_replication_role = replica")
	for _, s := range sql {
		sqlExec(t, conn, s)
	}
	sqlExec(t, conn, "COMMIT")
}

func TestPostgresTamperingIsNamed(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	tests := []struct {
		name   string
		tamper func(t *testing.T, conn *pgx.Conn, fx fixture) want
	}{
		{"nothing", func(t *testing.T, conn *pgx.Conn, fx fixture) want { return want{} }},
		{"data edited bypassing the trigger", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			p := fx.at[fx.evaluation][2]
			asSuperuser(t, conn, fmt.Sprintf(`UPDATE events SET data = convert_to(replace(convert_from(data, 'UTF8'), 'DI_ATAS', 'DI_BAWAH'), 'UTF8') WHERE position = %d`, p))
			return want{proof.Edited, p, fx.evaluation, 2}
		}},
		{"trigger disabled and reason edited", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			p := fx.at[fx.other][1]
			asSuperuser(t, conn,
				"ALTER TABLE events DISABLE TRIGGER events_append_only",
				fmt.Sprintf(`UPDATE events SET reason = 'koreksi' WHERE position = %d`, p),
				"ALTER TABLE events ENABLE TRIGGER events_append_only")
			return want{proof.Edited, p, fx.other, 1}
		}},
		{"row deleted", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			p := fx.at[fx.evaluation][1]
			asSuperuser(t, conn, fmt.Sprintf(`DELETE FROM events WHERE position = %d`, p))
			return want{proof.Missing, p, fx.evaluation, 1}
		}},
		{"last row deleted and the head moved back", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			asSuperuser(t, conn,
				fmt.Sprintf(`DELETE FROM events WHERE position = %d`, fx.head),
				fmt.Sprintf(`UPDATE log_head SET position = %d`, fx.head-1))
			return want{proof.Missing, fx.head, "", 0}
		}},
		{"two rows' contents swapped", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			p, q := fx.at[fx.other][0], fx.at[fx.skp][1]
			asSuperuser(t, conn,
				fmt.Sprintf(`CREATE TEMP TABLE swap ON COMMIT DROP AS SELECT * FROM events WHERE position IN (%d, %d)`, p, q),
				fmt.Sprintf(`DELETE FROM events WHERE position IN (%d, %d)`, p, q),
				fmt.Sprintf(`UPDATE swap SET position = %d + %d - position`, p, q),
				`INSERT INTO events SELECT * FROM swap`)
			return want{proof.Reordered, p, fx.skp, 1}
		}},
		{"event inserted", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			var rev int64
			var last []byte
			if err := conn.QueryRow(t.Context(), `SELECT revision, hash FROM events WHERE stream = $1 ORDER BY revision DESC LIMIT 1`, fx.evaluation).Scan(&rev, &last); err != nil {
				t.Fatal(err)
			}
			e := eventstore.Seal(fx.evaluation, uint64(rev)+1, eventstore.Hash(last), fx.checkpoints[1].Time, []eventstore.EventData{event(fx.evaluation, int(rev)+1)})[0]
			m := e.Metadata
			sqlExec(t, conn, `INSERT INTO events (position, stream, revision, id, type, data, actor_id, actor_role,
				command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				int64(fx.head)+1, e.Stream, int64(e.Revision), e.ID, e.Type, []byte(e.Data), m.Actor.ID, m.Actor.Role,
				m.CommandID, m.CorrelationID, m.CausationID, m.Reason, int64(m.SchemaVersion), e.RecordedAt, e.PrevHash[:], e.Hash[:])
			if strings.Contains(t.Name(), "head") {
				sqlExec(t, conn, `UPDATE log_head SET position = position + 1`)
			}
			return want{proof.Inserted, fx.head + 1, fx.evaluation, e.Revision}
		}},
		{"event inserted and the head moved", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			var rev int64
			var last []byte
			if err := conn.QueryRow(t.Context(), `SELECT revision, hash FROM events WHERE stream = $1 ORDER BY revision DESC LIMIT 1`, fx.evaluation).Scan(&rev, &last); err != nil {
				t.Fatal(err)
			}
			e := eventstore.Seal(fx.evaluation, uint64(rev)+1, eventstore.Hash(last), fx.checkpoints[1].Time, []eventstore.EventData{event(fx.evaluation, int(rev)+1)})[0]
			m := e.Metadata
			sqlExec(t, conn, `INSERT INTO events (position, stream, revision, id, type, data, actor_id, actor_role,
				command_id, correlation_id, causation_id, reason, schema_version, recorded_at, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				int64(fx.head)+1, e.Stream, int64(e.Revision), e.ID, e.Type, []byte(e.Data), m.Actor.ID, m.Actor.Role,
				m.CommandID, m.CorrelationID, m.CausationID, m.Reason, int64(m.SchemaVersion), e.RecordedAt, e.PrevHash[:], e.Hash[:])
			if strings.Contains(t.Name(), "head") {
				sqlExec(t, conn, `UPDATE log_head SET position = position + 1`)
			}
			return want{proof.Inserted, fx.head + 1, fx.evaluation, e.Revision}
		}},
		{"Merkle hash edited", func(t *testing.T, conn *pgx.Conn, fx fixture) want {
			// merkle_hashes keeps each append's hashes as one row of 32-byte
			// hashes from stored index first; replace hash x in its row.
			x := tlog.StoredHashIndex(1, 0)
			asSuperuser(t, conn, fmt.Sprintf(`UPDATE merkle_hashes
				SET hashes = overlay(hashes PLACING sha256(substring(hashes FROM ((%[1]d - first) * 32 + 1)::int FOR 32)) FROM ((%[1]d - first) * 32 + 1)::int FOR 32)
				WHERE first = (SELECT max(first) FROM merkle_hashes WHERE first <= %[1]d)`, x))
			return want{proof.Edited, 2, "", 0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, conn := openPostgres(t, dsn)
			fx := seed(t, s)
			w := tt.tamper(t, conn, fx)

			rep, err := proof.Verify(t.Context(), s, proof.Options{Trusted: fx.trusted})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if w.kind == "" {
				if !rep.OK() || rep.Events != int64(fx.head) || rep.Checkpoints != 2 {
					t.Fatalf("Verify() = %s, want OK with %d events and 2 checkpoints", rep, fx.head)
				}
				return
			}
			wantBreak(t, rep, w.kind, w.position, w.stream, w.revision)
		})
	}
}

// TestPostgresBundle exports and verifies a bundle from PostgreSQL, where
// event bodies live in bytea and times in timestamptz.
func TestPostgresBundle(t *testing.T) {
	s, _ := openPostgres(t, pgtest.NewDatabase(t))
	fx := seed(t, s)
	cp, err := proof.Latest(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.ExportBundle(t.Context(), s, cp, fx.evaluation, fx.skp)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := proof.VerifyBundle(data, fx.trusted)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(fx.at[fx.evaluation]) + len(fx.at[fx.skp]); rep.Events != want {
		t.Errorf("VerifyBundle() = %s, want %d events", rep, want)
	}
}
