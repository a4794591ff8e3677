// Command withpg runs a command against a throw-away PostgreSQL cluster:
//
//	go run ./cmd/withpg [-c name=value]... -- COMMAND [ARG]...
//
// It creates a cluster in a temporary directory (initdb with trust
// authentication, UTF8, no locale), starts it on a unix socket in that
// directory and a free TCP port on 127.0.0.1, runs COMMAND with
// KINERJA_TEST_DATABASE_URL set to a superuser DSN for it, then stops the
// cluster and removes the directory, also when COMMAND fails or withpg is
// interrupted. It exits with COMMAND's status.
//
// When run as root, initdb and pg_ctl run as the postgres user, because
// initdb refuses to run as root. The binaries are taken from PATH, or else
// from the highest version under /usr/lib/postgresql/*/bin.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		os.Exit(exitCode(err, os.Stderr))
	}
}
