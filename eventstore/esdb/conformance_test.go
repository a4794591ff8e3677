package esdb_test

import (
	"os"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/esdb"
	"github.com/kinerja/kinerja/eventstore/esdb/esdbtest"
	"github.com/kinerja/kinerja/eventstore/storetest"
)

// TestConformance runs the shared suite against the adapter talking, through
// the real client over real gRPC, to the in-process test double.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, esdbtest.Start(t).URL())
	})
}

// skipWithoutServer is how to run the suite against a real server.
const skipWithoutServer = `KINERJA_TEST_ESDB_URL is not set, so the suite does not run against a real server. To run it:
  docker run --rm -d --name esdb -p 2113:2113 docker.eventstore.com/eventstore/eventstore:24.10 --insecure --mem-db
  (or KurrentDB: docker run --rm -d --name kurrentdb -p 2113:2113 kurrentplatform/kurrentdb:latest --insecure --mem-db)
  KINERJA_TEST_ESDB_URL='esdb://127.0.0.1:2113?tls=false' go test -race -count=1 -run TestConformanceServer ./eventstore/esdb/`

// TestConformanceServer runs the shared suite against the EventStoreDB or
// KurrentDB that KINERJA_TEST_ESDB_URL names. Each store lives under its own
// stream prefix, so every store starts empty on a shared database.
func TestConformanceServer(t *testing.T) {
	url := os.Getenv("KINERJA_TEST_ESDB_URL")
	if url == "" {
		t.Skip(skipWithoutServer)
	}
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, url, esdb.WithStreamPrefix("t"+uuid.NewString()[:8]+"_"))
	})
}

// open opens a store on url and closes it when t ends.
func open(t *testing.T, url string, opts ...esdb.Option) *esdb.Store {
	t.Helper()
	s, err := esdb.Open(t.Context(), url, opts...)
	if err != nil {
		t.Fatalf("Open(%s) error = %v", url, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return s
}
