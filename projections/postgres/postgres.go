// Package postgres keeps read models in PostgreSQL tables: one table per
// read-model table and projection version, keyed rows with a jsonb document,
// and one checkpoint row per projection version moved in the same
// transaction as the rows. Versions are blue/green: a new version is built
// into its own tables beside the live one (see Rebuild) and queries read the
// version marked live.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Schema is the PostgreSQL schema that holds every read-model table, the
// checkpoints and the live versions.
const Schema = "projections"

// migrationLock serialises DDL between runners starting at once: concurrent
// CREATE TABLE IF NOT EXISTS can still fail on the catalogue's unique index.
const migrationLock = 4_242_001

// lockProjection takes, until tx ends, the lock on the tables of projection:
// DDL on them (create, a rebuild's bulk load) holds it, so that two runners
// never make the same table at once, while loads of different projections
// run side by side. It is (migrationLock, hash of the name) in PostgreSQL's
// two-key advisory lock space, apart from migrationLock itself.
func lockProjection(ctx context.Context, tx pgx.Tx, projection string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(migrationLock), projection)
	return err
}

var migrations = []string{
	`CREATE SCHEMA IF NOT EXISTS projections`,
	`CREATE TABLE IF NOT EXISTS projections.checkpoints (
		projection  text        NOT NULL,
		version     integer     NOT NULL,
		commit_pos  bigint      NOT NULL DEFAULT 0,
		prepare_pos bigint      NOT NULL DEFAULT 0,
		updated_at  timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (projection, version)
	)`,
	`CREATE TABLE IF NOT EXISTS projections.live (
		projection text        PRIMARY KEY,
		version    integer     NOT NULL,
		swapped_at timestamptz NOT NULL DEFAULT now()
	)`,
}

// ErrCheckpointMoved is returned by Commit when the stored checkpoint is
// already at or past the batch: another runner of the same version got there
// first, and this one must reload.
var ErrCheckpointMoved = errors.New("checkpoint already moved past this batch")

// Sink is the PostgreSQL sink. It is safe for concurrent use.
type Sink struct {
	pool *pgxpool.Pool
}

// Open migrates the projections schema in pool's database and returns a
// sink over it.
func Open(ctx context.Context, pool *pgxpool.Pool) (*Sink, error) {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		for _, m := range migrations {
			if _, err := tx.Exec(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate %s schema: %w", Schema, err)
	}
	return &Sink{pool: pool}, nil
}

// TableName returns the PostgreSQL table, in Schema, that holds table of
// version version of projection.
func TableName(projection string, version int, table string) pgx.Identifier {
	return pgx.Identifier{Schema, projection + "_v" + strconv.Itoa(version) + "_" + table}
}

func tableOf(p projections.Projection, t projections.Table) pgx.Identifier {
	return TableName(p.Name(), p.Version(), t.Name())
}

// create makes p's tables and checkpoint row if they do not exist, and marks
// p's version live when no version of p is.
func create(ctx context.Context, tx pgx.Tx, p projections.Projection) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return err
	}
	if err := lockProjection(ctx, tx, p.Name()); err != nil {
		return err
	}
	for _, t := range p.Model().Tables() {
		ddl := `CREATE TABLE IF NOT EXISTS ` + tableOf(p, t).Sanitize() + ` (key text PRIMARY KEY, doc jsonb NOT NULL)`
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO projections.checkpoints (projection, version) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, p.Name(), p.Version())
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO projections.live (projection, version) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, p.Name(), p.Version())
	return err
}

// Load implements projections.Sink: it creates p's tables if need be, then
// replaces p's model with the stored rows and returns the stored checkpoint,
// read in one snapshot.
func (s *Sink) Load(ctx context.Context, p projections.Projection) (eventstore.Position, error) {
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return create(ctx, tx, p) }); err != nil {
		return eventstore.Position{}, fmt.Errorf("create tables of %s v%d: %w", p.Name(), p.Version(), err)
	}
	var pos eventstore.Position
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var c, pr int64
		err := tx.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projections.checkpoints
			WHERE projection = $1 AND version = $2`, p.Name(), p.Version()).Scan(&c, &pr)
		if err != nil {
			return fmt.Errorf("read checkpoint: %w", err)
		}
		pos = eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}
		for _, t := range p.Model().Tables() {
			rows, err := readRows(ctx, tx, tableOf(p, t))
			if err != nil {
				return fmt.Errorf("read table %s: %w", t.Name(), err)
			}
			if err := t.Replace(rows); err != nil {
				return fmt.Errorf("load table %s: %w", t.Name(), err)
			}
		}
		return nil
	})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("load %s v%d: %w", p.Name(), p.Version(), err)
	}
	return pos, nil
}

func readRows(ctx context.Context, q pgx.Tx, table pgx.Identifier) ([]projections.Row, error) {
	rows, err := q.Query(ctx, `SELECT key, doc::text FROM `+table.Sanitize()+` ORDER BY key`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (projections.Row, error) {
		var row projections.Row
		var doc string
		err := r.Scan(&row.Key, &doc)
		row.Doc = []byte(doc)
		return row, err
	})
}

// Commit implements projections.Sink: in one transaction it moves the
// checkpoint row, only if it is before to (so a replayed batch changes
// nothing and reports ErrCheckpointMoved), and upserts or deletes the changed
// rows of every table.
func (s *Sink) Commit(ctx context.Context, p projections.Projection, from, to eventstore.Position) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projections.checkpoints
			SET commit_pos = $3, prepare_pos = $4, updated_at = now()
			WHERE projection = $1 AND version = $2 AND (commit_pos, prepare_pos) < ($3, $4)`,
			p.Name(), p.Version(), int64(to.Commit), int64(to.Prepare))
		if err != nil {
			return fmt.Errorf("move checkpoint to %s: %w", to, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("move checkpoint from %s to %s: %w", from, to, ErrCheckpointMoved)
		}
		for _, t := range p.Model().Tables() {
			rows, err := t.Changed()
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Name(), err)
			}
			if err := writeRows(ctx, tx, tableOf(p, t), rows); err != nil {
				return fmt.Errorf("write table %s: %w", t.Name(), err)
			}
		}
		return nil
	})
}

func writeRows(ctx context.Context, tx pgx.Tx, table pgx.Identifier, rows []projections.Row) error {
	var keys, docs, gone []string
	for _, r := range rows {
		if r.Doc == nil {
			gone = append(gone, r.Key)
			continue
		}
		keys = append(keys, r.Key)
		docs = append(docs, string(r.Doc))
	}
	name := table.Sanitize()
	if len(keys) > 0 {
		_, err := tx.Exec(ctx, `INSERT INTO `+name+` (key, doc)
			SELECT k, d::jsonb FROM unnest($1::text[], $2::text[]) AS u(k, d)
			ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`, keys, docs)
		if err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM `+name+` WHERE key = ANY($1)`, gone); err != nil {
			return err
		}
	}
	return nil
}

// Live returns the version of projection that queries read, and whether any
// version of it exists.
func (s *Sink) Live(ctx context.Context, projection string) (int, bool, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT version FROM projections.live WHERE projection = $1`, projection).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("live version of %s: %w", projection, err)
	}
	return v, true, nil
}

// Get returns the document at key in table of the live version of
// projection. A missing projection or row is a domain.NotFound error.
func (s *Sink) Get(ctx context.Context, projection, table, key string) ([]byte, error) {
	v, ok, err := s.Live(ctx, projection)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.NotFound, "the %s view has not been built yet", projection)
	}
	var doc string
	err = s.pool.QueryRow(ctx, `SELECT doc::text FROM `+TableName(projection, v, table).Sanitize()+` WHERE key = $1`, key).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.Errorf(domain.NotFound, "%s has no %s entry %q", projection, table, key)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s.%s %s: %w", projection, table, key, err)
	}
	return []byte(doc), nil
}

// Checkpoint returns the stored checkpoint of p's version, the zero Position
// when it has none.
func (s *Sink) Checkpoint(ctx context.Context, projection string, version int) (eventstore.Position, error) {
	var c, pr int64
	err := s.pool.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projections.checkpoints
		WHERE projection = $1 AND version = $2`, projection, version).Scan(&c, &pr)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Position{}, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("checkpoint of %s v%d: %w", projection, version, err)
	}
	return eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}, nil
}

// Read returns the row at key of table in the live version of projection,
// decoded as T: the typed form of Get, for queries served from PostgreSQL
// (postgres.Read[projections.Appraisal](ctx, s, "appraisal", "by_skp", id)).
// A missing projection or row is a domain.NotFound error.
func Read[T any](ctx context.Context, s *Sink, projection, table, key string) (T, error) {
	var v T
	doc, err := s.Get(ctx, projection, table, key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, fmt.Errorf("decode %s.%s %s: %w", projection, table, key, err)
	}
	return v, nil
}
