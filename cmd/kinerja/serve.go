package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/esdb"
	"github.com/kinerja/kinerja/eventstore/postgres"
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
		databaseURL: stringFlag(fs, e, "database-url", "KINERJA_DATABASE_URL", "", "PostgreSQL URL (postgres://…); when set, events and read models live there"),
		esdbURL:     stringFlag(fs, e, "esdb-url", "KINERJA_ESDB_URL", "", "EventStoreDB/KurrentDB URL (esdb://…); when set, events live there"),
	}
}

// open opens the event store the flags name: EventStoreDB, PostgreSQL, or the
// embedded bbolt file under the data directory.
func (c storeConfig) open(ctx context.Context) (eventstore.Store, string, error) {
	switch {
	case *c.esdbURL != "" && *c.databaseURL != "":
		return nil, "", errors.New("set either --esdb-url or --database-url for events, not both (read models in PostgreSQL with EventStoreDB events come with the projections)")
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
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("serve takes no arguments, got %q", args)
				}
				return serve(ctx, e, *addr, store, keys)
			}
		},
	}
}

func serve(ctx context.Context, e env, addr string, sc storeConfig, keys tokenKeyConfig) error {
	log := slog.New(slog.NewJSONHandler(e.stdout, nil))
	tokens, err := keys.tokens()
	if err != nil {
		return err
	}
	store, backend, err := sc.open(ctx)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer store.Close()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api.New(api.Config{Logger: log, Version: buildVersion(), Tokens: tokens, Store: store}),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests outlive the signal that stops the server, so Shutdown can let
		// in-flight commands finish.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("serving", "addr", ln.Addr().String(), "backend", backend, "version", buildVersion())

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
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
