package postgres_test

import (
	"testing"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/eventstore/storetest"
)

// openStore opens a store in a fresh schema of the database dsn and closes
// it when the test ends.
func openStore(t *testing.T, dsn string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, append([]postgres.Option{postgres.WithSchema(pgtest.SchemaName(t))}, opts...)...)
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return openStore(t, dsn)
	})
}
