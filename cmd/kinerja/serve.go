package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/esdb"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/proof"
	"github.com/kinerja/kinerja/projections"
	pgsink "github.com/kinerja/kinerja/projections/postgres"
)

// storeConfig says where the ledger's events live. It is shared by every
// command that opens the ledger.
type storeConfig struct {
	data        *string
	databaseURL *string
	esdbURL     *string
}

func storeFlags(fs *flag.FlagSet, e env) storeConfig {
	return storeConfig{
		data:        stringFlag(fs, e, "data", "KINERJA_DATA", "./kinerja-data", "directory for the embedded ledger file and other local state"),
		databaseURL: stringFlag(fs, e, "database-url", "KINERJA_DATABASE_URL", "", "PostgreSQL URL (postgres://…); when set, read models live there, and the events too unless --esdb-url is set"),
		esdbURL:     stringFlag(fs, e, "esdb-url", "KINERJA_ESDB_URL", "", "EventStoreDB/KurrentDB URL (esdb://…); when set, events live there (read models in PostgreSQL with --database-url, else in memory)"),
	}
}

// existing opens the ledger like open, but refuses to create an empty
// embedded one: verify, checkpoint, export-proof and replay read a ledger
// that must already be there, and a mistyped --data must not pass as an
// empty, intact ledger.
func (c storeConfig) existing(ctx context.Context) (eventstore.Store, string, error) {
	if *c.databaseURL == "" && *c.esdbURL == "" {
		path := filepath.Join(*c.data, "events.db")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("no ledger in %s (no %s); give --data, --database-url or --esdb-url", *c.data, filepath.Base(path))
		}
	}
	return c.open(ctx)
}

// open opens the event store the flags name: EventStoreDB, PostgreSQL, or the
// embedded bbolt file under the data directory.
func (c storeConfig) open(ctx context.Context) (eventstore.Store, string, error) {
	switch {
	case *c.esdbURL != "":
		s, err := esdb.Open(ctx, *c.esdbURL)
		return s, "eventstoredb", err
	case *c.databaseURL != "":
		s, err := postgres.Open(ctx, *c.databaseURL)
		return s, "postgresql", err
	}
	if err := os.MkdirAll(*c.data, 0o750); err != nil {
		return nil, "", fmt.Errorf("create data directory: %w", err)
	}
	s, err := bolt.Open(filepath.Join(*c.data, "events.db"))
	return s, "embedded", err
}

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "Run the HTTP server. With no flags it keeps the ledger in an embedded file under ./kinerja-data.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			addr := stringFlag(fs, e, "addr", "KINERJA_ADDR", ":8080", "address to listen on")
			store := storeFlags(fs, e)
			keys := tokenKeyFlags(fs, e, store.data)
			ledgerKeys := keyFlags(fs, e, store.data)
			interval := durationFlag(fs, e, "checkpoint-interval", "KINERJA_CHECKPOINT_INTERVAL", time.Hour,
				"how often to sign a checkpoint of the ledger, when a signer key exists (see keygen)")
			demo := boolFlag(fs, e, "demo", "KINERJA_DEMO", "load a demo performance year into an empty ledger and print tokens and curl commands to try it")
			snapshotInterval := durationFlag(fs, e, "snapshot-interval", "KINERJA_SNAPSHOT_INTERVAL", 10*time.Minute,
				"with the embedded ledger, how often to save the read models that changed by "+strconv.Itoa(defaultSnapshotMinEvents)+
					" events or more to DATA/"+snapshotFile+", which the next start loads instead of replaying the whole log")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("serve takes no arguments, got %q", args)
				}
				withDemo, err := demo()
				if err != nil {
					return err
				}
				every, err := interval()
				if err != nil {
					return err
				}
				snapshotEvery, err := snapshotInterval()
				if err != nil {
					return err
				}
				return serve(ctx, e, serveConfig{addr: *addr, store: store, tokenKeys: keys, ledgerKeys: ledgerKeys, checkpointEvery: every, demo: withDemo,
					snapshotEvery: snapshotEvery, snapshotMinEvents: defaultSnapshotMinEvents})
			}
		},
	}
}

// durationFlag is stringFlag for a time.Duration. It returns a function
// that gives the value once the flags are parsed, or the error of an
// environment value that is not a duration.
func durationFlag(fs *flag.FlagSet, e env, name, envName string, def time.Duration, usage string) func() (time.Duration, error) {
	var envErr error
	if v := e.getenv(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			envErr = fmt.Errorf("%s=%q is not a duration such as 30m or 1h", envName, v)
		}
		def = d
	}
	d := fs.Duration(name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	return func() (time.Duration, error) {
		if envErr != nil {
			return 0, envErr
		}
		if *d <= 0 {
			return 0, fmt.Errorf("--%s must be positive, got %s", name, *d)
		}
		return *d, nil
	}
}

// boolFlag is stringFlag for a boolean: the variable's value is 1, true,
// 0, false or the like (strconv.ParseBool).
func boolFlag(fs *flag.FlagSet, e env, name, envName, usage string) func() (bool, error) {
	var envErr error
	def := false
	if v := e.getenv(envName); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			envErr = fmt.Errorf("%s=%q is neither true nor false", envName, v)
		}
		def = b
	}
	b := fs.Bool(name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	return func() (bool, error) { return *b, envErr }
}

// serveConfig is what serve needs from its flags.
type serveConfig struct {
	addr            string
	store           storeConfig
	tokenKeys       tokenKeyConfig
	ledgerKeys      keyConfig
	checkpointEvery time.Duration
	demo            bool
	// snapshotEvery is how often the snapshots of the in-memory read
	// models are refreshed, and snapshotMinEvents how far a model must
	// have moved for its snapshot to be saved again.
	snapshotEvery     time.Duration
	snapshotMinEvents uint64
}

func serve(ctx context.Context, e env, cfg serveConfig) error {
	log := slog.New(slog.NewJSONHandler(e.stdout, nil))
	tokens, err := cfg.tokenKeys.tokens()
	if err != nil {
		return err
	}
	store, backend, err := cfg.store.open(ctx)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer store.Close()
	if cfg.demo {
		if err := loadDemo(ctx, store, tokens, e.stdout); err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
	}

	sink, closeSink, err := openSink(ctx, cfg.store)
	if err != nil {
		return err
	}
	defer closeSink()
	ps := api.Projections()
	var snaps *snapshots
	if _, inMemory := sink.(projections.Memory); inMemory {
		// In memory the read models are built at every start: from their
		// snapshots, with the embedded ledger, and the log after them, read
		// and decoded once for all of them; the runners then follow the log
		// from there.
		started := time.Now()
		if l, ok := store.(proof.Log); ok && backend == "embedded" {
			snaps = openSnapshots(*cfg.store.data, l, cfg.snapshotMinEvents, log)
		}
		restored := 0
		if snaps != nil {
			defer snaps.close()
			restored = snaps.restore(ctx, ps)
		}
		replayed, err := build(ctx, store, ps)
		if err != nil {
			return fmt.Errorf("build read models: %w", err)
		}
		log.Info("read models built", "position", ps[0].Model().Position().String(), "from_snapshots", restored,
			"replayed_events", replayed, "duration_ms", time.Since(started).Milliseconds())
	}
	runners := make([]*projections.Runner, len(ps))
	for i, p := range ps {
		runners[i] = projections.NewRunner(store, p, sink, projections.Config{}, log)
	}
	signer, err := checkpointSigner(cfg.ledgerKeys, store, log)
	if err != nil {
		return err
	}

	stopping := make(chan struct{})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api.New(api.Config{Logger: log, Version: buildVersion(), Tokens: tokens, Store: store, Runners: runners, Signer: signer.noteSigner(), Stopping: stopping}),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests outlive the signal that stops the server, so Shutdown can let
		// in-flight commands finish.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(func() { close(stopping) }) // event streams end; commands finish
	log.Info("serving", "addr", ln.Addr().String(), "backend", backend, "read_models", sinkName(sink), "version", buildVersion())

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() {
			// Run retries its own failures (Err and /readyz report them) and
			// returns only once ctx ends, with ctx's cause; anything else
			// stops the server.
			if err := r.Run(ctx); !errors.Is(err, context.Cause(ctx)) {
				cancel(fmt.Errorf("projection %s: %w", r.Projection().Name(), err))
			}
		})
	}
	if signer != nil {
		wg.Go(func() { signCheckpoints(ctx, signer, cfg.checkpointEvery, log) })
	}
	if snaps != nil {
		wg.Go(func() { snaps.keep(ctx, ps, cfg.snapshotEvery) })
	}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			cancel(err)
		}
	})
	<-ctx.Done()
	shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	err = srv.Shutdown(shutdownCtx)
	wg.Wait()
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return cause
	}
	log.Info("stopped")
	return err
}

// openSink returns where the read models are kept: PostgreSQL tables when
// the events are in PostgreSQL, else memory.
func openSink(ctx context.Context, sc storeConfig) (projections.Sink, func(), error) {
	if *sc.databaseURL == "" {
		return projections.Memory{}, func() {}, nil
	}
	pool, err := pgxpool.New(ctx, *sc.databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open read-model database: %w", err)
	}
	sink, err := pgsink.Open(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("open read-model database: %w", err)
	}
	return sink, pool.Close, nil
}

func sinkName(s projections.Sink) string {
	if _, ok := s.(projections.Memory); ok {
		return "memory"
	}
	return "postgresql"
}

// ledgerSigner signs checkpoints of one ledger.
type ledgerSigner struct {
	ledger proof.Ledger
	signer note.Signer
}

// noteSigner returns the key that signs checkpoints on demand, or nil.
func (l *ledgerSigner) noteSigner() note.Signer {
	if l == nil {
		return nil
	}
	return l.signer
}

// checkpointSigner returns the signer of periodic checkpoints, or nil when
// there is no signer key: at --signer-key, or by default DATA/ledger.key. A
// named key file that is missing or bad is an error; so is a key for a
// backend that keeps no Merkle log.
func checkpointSigner(keys keyConfig, store eventstore.Store, log *slog.Logger) (*ledgerSigner, error) {
	signer, err := proof.ReadSignerKey(keys.signerPath())
	if errors.Is(err, fs.ErrNotExist) && *keys.signer == "" {
		log.Info("no signer key; checkpoints are not signed", "path", keys.signerPath())
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signer key: %w", err)
	}
	l, ok := store.(proof.Ledger)
	if !ok {
		return nil, errors.New("a signer key is set but this backend keeps no Merkle log to sign; use the embedded or PostgreSQL backend")
	}
	return &ledgerSigner{ledger: l, signer: signer}, nil
}

// signCheckpoints signs a checkpoint now and then every interval until ctx
// ends. A failed signing is logged and tried again at the next tick: the
// ledger stays correct without it, and the next checkpoint covers the
// events since.
func signCheckpoints(ctx context.Context, s *ledgerSigner, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		cp, created, err := proof.Sign(ctx, s.ledger, s.signer, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.ErrorContext(ctx, "sign checkpoint", "err", err, "retry_in", every.String())
		case created:
			log.InfoContext(ctx, "checkpoint signed", "size", cp.Size)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
