// Package pgtest gives tests a PostgreSQL database of their own, on the
// throw-away cluster that cmd/withpg starts for a test run:
//
//	go run ./cmd/withpg -- go test ./...
//
// PostgreSQL tests never skip: without a cluster they fail and say how to
// get one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL holds a superuser DSN for the test cluster.
const EnvURL = "KINERJA_TEST_DATABASE_URL"

// URL returns the test cluster's superuser DSN from KINERJA_TEST_DATABASE_URL,
// and fails the test when it is not set.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: this test needs PostgreSQL. Run the tests through the throw-away cluster: go run ./cmd/withpg -- go test ./...", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database with a unique name on the test
// cluster and returns a superuser DSN for it. The database is dropped, with
// any connections still open to it, when the test and its subtests end.
//
// Creating a database takes a few tenths of a second; tests that need many
// isolated stores should share one database and use a schema each.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// NewDatabaseOwnedBy is NewDatabase for a database owned by role, which
// must exist, so that a test can act as a role that is not a superuser.
func NewDatabaseOwnedBy(t testing.TB, role string) string {
	t.Helper()
	return newDatabase(t, role)
}

// NewRole creates a login role that is not a superuser, with a unique name,
// and returns its name. It is dropped when the test ends, after the
// databases it owns (create those after the role).
func NewRole(t testing.TB) string {
	t.Helper()
	name := uniqueName(t, "r")
	admin(t, "CREATE ROLE "+pgx.Identifier{name}.Sanitize()+" LOGIN NOSUPERUSER")
	t.Cleanup(func() { admin(t, "DROP ROLE IF EXISTS "+pgx.Identifier{name}.Sanitize()) })
	return name
}

// WithUser returns dsn with its user replaced by role (trust
// authentication needs no password).
func WithUser(t testing.TB, dsn, role string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.User = url.User(role)
	return u.String()
}

func newDatabase(t testing.TB, owner string) string {
	t.Helper()
	name := uniqueName(t, "db")
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if owner != "" {
		create += " OWNER " + pgx.Identifier{owner}.Sanitize()
	}
	admin(t, create)
	t.Cleanup(func() { admin(t, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)") })
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the cluster's maintenance database.
func admin(t testing.TB, sql string) {
	t.Helper()
	// t.Context is cancelled before cleanups run, and the drops must still run.
	ctx := context.WithoutCancel(t.Context())
	conn, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// SchemaName returns a unique schema name for a test that wants its own
// tables in a shared database.
func SchemaName(t testing.TB) string {
	t.Helper()
	return uniqueName(t, "s")
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName is a lower-case identifier of at most 63 bytes: a prefix, a bit
// of the test's name for whoever lists databases, and random hex.
func uniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	hint := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	if len(hint) > 32 {
		hint = hint[:32]
	}
	return fmt.Sprintf("t%s_%s_%s", prefix, hint, hex.EncodeToString(b[:]))
}
