package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/projections"
	pgsink "github.com/kinerja/kinerja/projections/postgres"
)

func rebuildCommand() command {
	return command{
		name:    "rebuild",
		summary: "Rebuild the PostgreSQL read models (--database-url) from the log, blue/green; the embedded default rebuilds them in memory at every start.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			store := storeFlags(fs, e)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("rebuild takes no arguments, got %q", args)
				}
				return rebuild(ctx, e, store)
			}
		},
	}
}

// rebuild builds, from the whole log, every projection of api.Projections()
// whose version is not the live one in PostgreSQL, and swaps each in once it
// has caught up. Versions already live are left as they are: a live version
// is never rebuilt in place (bump the projection's Version instead).
func rebuild(ctx context.Context, e env, sc storeConfig) error {
	if *sc.databaseURL == "" {
		fmt.Fprintln(e.stdout, "Nothing to rebuild: without --database-url the read models live in memory, and `kinerja serve` rebuilds them from the log at every start.")
		return nil
	}
	store, _, err := sc.open(ctx)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer store.Close()
	pool, err := pgxpool.New(ctx, *sc.databaseURL)
	if err != nil {
		return fmt.Errorf("open read-model database: %w", err)
	}
	defer pool.Close()
	sink, err := pgsink.Open(ctx, pool)
	if err != nil {
		return fmt.Errorf("open read-model database: %w", err)
	}

	var todo []projections.Projection
	for _, p := range api.Projections() {
		live, ok, err := sink.Live(ctx, p.Name())
		if err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		if ok && live == p.Version() {
			fmt.Fprintf(e.stdout, "%s: version %d is live; kept\n", p.Name(), live)
			continue
		}
		todo = append(todo, p)
	}
	if len(todo) == 0 {
		fmt.Fprintln(e.stdout, "Every read model is live at its current version; nothing to rebuild.")
		return nil
	}
	var progress projections.Progress
	if isTerminal(e.stderr) {
		progress = projections.ProgressBar(e.stderr, "rebuild")
	}
	started := time.Now()
	if err := pgsink.RebuildAll(ctx, store, sink, todo, progress); err != nil {
		return err
	}
	if progress != nil {
		fmt.Fprintln(e.stderr)
	}
	for _, p := range todo {
		fmt.Fprintf(e.stdout, "%s: version %d rebuilt to position %s and live\n", p.Name(), p.Version(), p.Model().Position())
	}
	fmt.Fprintf(e.stdout, "Rebuilt %d read models in %s.\n", len(todo), time.Since(started).Round(time.Millisecond))
	return nil
}

// isTerminal reports whether w is a character device, where a progress bar
// that redraws its line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
