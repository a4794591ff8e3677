package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/projections"
	pgsink "github.com/kinerja/kinerja/projections/postgres"
)

func TestRebuildEmbeddedExplains(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"rebuild", "--data", t.TempDir()}, noEnv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "rebuilds them from the log at every start") {
		t.Errorf("rebuild on the embedded default printed %q, want an explanation", out.String())
	}
}

// TestRebuildPostgres rebuilds every read model of a PostgreSQL ledger
// holding a submitted SKP, checks that the evaluator's inbox is live in
// PostgreSQL, and that a second rebuild keeps the live versions.
func TestRebuildPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	store, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	appendSubmittedSKP(t, store)
	store.Close()

	var out bytes.Buffer
	if err := run(t.Context(), []string{"rebuild", "--database-url", dsn}, noEnv, &out, &out); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out.String())
	}
	for _, p := range api.Projections() {
		if !strings.Contains(out.String(), fmt.Sprintf("%s: version %d rebuilt to position 2 and live", p.Name(), p.Version())) {
			t.Errorf("rebuild did not report %s rebuilt to position 2:\n%s", p.Name(), out.String())
		}
	}

	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sink, err := pgsink.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := pgsink.Read[projections.Inbox](t.Context(), sink, "inbox", "inboxes", string(testEvaluator))
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox.Items) != 1 || inbox.Items[0].Kind != projections.ItemApproveSKP || inbox.Items[0].Subject != testSKP {
		t.Errorf("inbox in PostgreSQL = %+v, want SKP %s to approve", inbox, testSKP)
	}

	out.Reset()
	if err := run(t.Context(), []string{"rebuild", "--database-url", dsn}, noEnv, &out, &out); err != nil {
		t.Fatalf("second rebuild: %v\n%s", err, out.String())
	}
	for _, p := range api.Projections() {
		if !strings.Contains(out.String(), fmt.Sprintf("%s: version %d is live; kept", p.Name(), p.Version())) {
			t.Errorf("second rebuild printed %q, want %s kept", out.String(), p.Name())
		}
	}
	if !strings.Contains(out.String(), "nothing to rebuild") {
		t.Errorf("second rebuild printed %q, want nothing to rebuild", out.String())
	}
}
