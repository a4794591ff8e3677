package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Rebuild builds p's version from the start of the log into new tables
// beside the live version (blue/green) and makes it live once it has caught
// up with the head of the log. p must be freshly constructed (its model
// empty). It folds the log in memory, bulk-loads the rows with COPY together
// with the checkpoint, catches up on what was appended meanwhile batch by
// batch, and then swaps. Rebuilding the version that is live is a
// domain.Invalid error: bump the projection's Version instead. progress, if
// not nil, is called as the work advances.
func Rebuild(ctx context.Context, log projections.Reader, s *Sink, p projections.Projection, progress projections.Progress) error {
	return RebuildAll(ctx, log, s, []projections.Projection{p}, progress)
}

// RebuildAll is Rebuild for several projections, reading and decoding the
// log once for all of them (see projections.ReplayAll). Each is swapped as
// soon as it has caught up; an error leaves the ones not yet swapped as they
// were, with their live versions untouched.
func RebuildAll(ctx context.Context, log projections.Reader, s *Sink, ps []projections.Projection, progress projections.Progress) error {
	for _, p := range ps {
		live, ok, err := s.Live(ctx, p.Name())
		if err != nil {
			return err
		}
		if ok && live == p.Version() {
			return domain.Errorf(domain.Invalid, "version %d of the %s view is live; rebuild a new version beside it", p.Version(), p.Name()).WithField("version")
		}
		if !p.Model().Position().IsZero() {
			return domain.Errorf(domain.Invalid, "rebuild of %s needs an empty model; it is at %s", p.Name(), p.Model().Position())
		}
	}
	if err := projections.ReplayAll(ctx, log, ps, eventstore.Start, progress); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	// The projections are loaded side by side, each in its own transaction
	// under its own lock, so that PostgreSQL copies and indexes several
	// tables at once and encoding the rows of one overlaps with the COPY of
	// another.
	// progress is shared, and its contract says never twice at once.
	var mu sync.Mutex
	if progress != nil {
		report := progress
		progress = func(done, total uint64) {
			mu.Lock()
			defer mu.Unlock()
			report(done, total)
		}
	}
	next := make(chan int)
	errs := make([]error, len(ps))
	loadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range min(len(ps), max(2, runtime.GOMAXPROCS(0))) {
		wg.Go(func() {
			for i := range next {
				if err := s.load(loadCtx, log, ps[i], progress); err != nil {
					errs[i] = err
					cancel()
				}
			}
		})
	}
	for i := range ps {
		select {
		case next <- i:
		case <-loadCtx.Done():
		}
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	return nil
}

// load bulk-loads p, catches up with the log and promotes p: it becomes
// live unless a newer version already is (an older binary's rebuild never
// takes the live view back from a newer one).
func (s *Sink) load(ctx context.Context, log projections.Reader, p projections.Projection, progress projections.Progress) error {
	if err := s.bulkLoad(ctx, p); err != nil {
		return fmt.Errorf("rebuild %s v%d: %w", p.Name(), p.Version(), err)
	}
	if _, err := projections.CatchUp(ctx, log, p, s, progress); err != nil {
		return fmt.Errorf("rebuild %s v%d: %w", p.Name(), p.Version(), err)
	}
	if err := s.Promote(ctx, p); err != nil {
		return fmt.Errorf("rebuild %s v%d: %w", p.Name(), p.Version(), err)
	}
	return nil
}

// bulkLoad replaces p's version's tables with every row of p's model and
// sets its checkpoint to the model's position, in one transaction.
func (s *Sink) bulkLoad(ctx context.Context, p projections.Projection) error {
	pos := p.Model().Position()
	// The rows are encoded before the transaction takes the projection's
	// lock; loads of other projections run meanwhile (see RebuildAll).
	tables := p.Model().Tables()
	rows := make([][]projections.Row, len(tables))
	for i, t := range tables {
		var err error
		if rows[i], err = t.All(); err != nil {
			return fmt.Errorf("bulk load at %s: table %s: %w", pos, t.Name(), err)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockProjection(ctx, tx, p.Name()); err != nil {
			return err
		}
		var live int
		err := tx.QueryRow(ctx, `SELECT version FROM projections.live WHERE projection = $1`, p.Name()).Scan(&live)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the live version: %w", err)
		}
		if err == nil && live == p.Version() {
			return domain.Errorf(domain.Invalid, "version %d of the %s view became live during the rebuild", p.Version(), p.Name())
		}
		for i, t := range tables {
			name, rows := tableOf(p, t), rows[i]
			if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+name.Sanitize()); err != nil {
				return err
			}
			// The primary key is added after the COPY: building the index
			// once is cheaper than maintaining it row by row.
			if _, err := tx.Exec(ctx, `CREATE TABLE `+name.Sanitize()+` (key text NOT NULL, doc jsonb NOT NULL)`); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, name, []string{"key", "doc"}, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				return []any{rows[i].Key, rows[i].Doc}, nil
			}))
			if err != nil {
				return fmt.Errorf("copy table %s: %w", t.Name(), err)
			}
			if _, err := tx.Exec(ctx, `ALTER TABLE `+name.Sanitize()+` ADD PRIMARY KEY (key)`); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO projections.checkpoints (projection, version, commit_pos, prepare_pos)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (projection, version) DO UPDATE
			SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos, updated_at = now()`,
			p.Name(), p.Version(), int64(pos.Commit), int64(pos.Prepare))
		return err
	})
	if err != nil {
		return fmt.Errorf("bulk load at %s: %w", pos, err)
	}
	p.Model().MarkStored()
	return nil
}

// Swap makes version the one queries of projection read. The tables of the
// version it replaces stay until dropped with Drop, so a swap can be undone.
func (s *Sink) Swap(ctx context.Context, projection string, version int) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO projections.live (projection, version) VALUES ($1, $2)
		ON CONFLICT (projection) DO UPDATE SET version = excluded.version, swapped_at = now()`, projection, version)
	if err != nil {
		return fmt.Errorf("swap %s to v%d: %w", projection, version, err)
	}
	return nil
}

// Promote implements projections.Promoter: it makes p's version the one
// queries read, if no newer version already is. A runner calls it when its
// projection has caught up, so a new version deployed beside the old one
// takes over by itself, and an old binary started again never takes back.
func (s *Sink) Promote(ctx context.Context, p projections.Projection) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO projections.live (projection, version) VALUES ($1, $2)
		ON CONFLICT (projection) DO UPDATE SET version = excluded.version, swapped_at = now()
		WHERE projections.live.version < excluded.version`, p.Name(), p.Version())
	if err != nil {
		return fmt.Errorf("promote %s to v%d: %w", p.Name(), p.Version(), err)
	}
	return nil
}
