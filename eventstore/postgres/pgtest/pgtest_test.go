package pgtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// recorder is a testing.TB that records a fatal failure instead of ending
// the goroutine, so that a test can check what pgtest reports.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}

func TestURLFailsWithoutCluster(t *testing.T) {
	t.Setenv(pgtest.EnvURL, "")
	r := &recorder{TB: t}
	if got := pgtest.URL(r); got != "" {
		t.Errorf("URL() = %q without %s, want \"\"", got, pgtest.EnvURL)
	}
	if !strings.Contains(r.fatal, "go run ./cmd/withpg -- go test ./...") {
		t.Errorf("URL() without %s failed with %q, want a failure that says how to run the tests", pgtest.EnvURL, r.fatal)
	}
}

func TestNewDatabase(t *testing.T) {
	admin, err := pgx.Connect(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(t.Context())

	var names []string
	t.Run("create", func(t *testing.T) {
		for range 2 {
			dsn := pgtest.NewDatabase(t)
			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatalf("connect to the new database: %v", err)
			}
			var name string
			var tables int
			err = conn.QueryRow(t.Context(), `SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables)
			conn.Close(t.Context()) // left open, it would be dropped WITH (FORCE) anyway
			if err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("database %s has %d tables, want an empty one", name, tables)
			}
			names = append(names, name)
		}
		if names[0] == names[1] {
			t.Errorf("two calls created the same database %s", names[0])
		}
	})
	for _, name := range names {
		var exists bool
		if err := admin.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
	if len(names) != 2 {
		t.Fatalf("created %d databases, want 2", len(names))
	}
}

func TestRoleAndOwnedDatabase(t *testing.T) {
	role := pgtest.NewRole(t)
	dsn := pgtest.WithUser(t, pgtest.NewDatabaseOwnedBy(t, role), role)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect as %s: %v", role, err)
	}
	defer conn.Close(t.Context())
	var user, owner string
	var super bool
	err = conn.QueryRow(t.Context(), `SELECT current_user, pg_get_userbyid(datdba), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
		FROM pg_database WHERE datname = current_database()`).Scan(&user, &owner, &super)
	if err != nil {
		t.Fatal(err)
	}
	if user != role || owner != role || super {
		t.Errorf("connected as %s (superuser %v) to a database owned by %s; want %s, not a superuser, owning it", user, super, owner, role)
	}
}
