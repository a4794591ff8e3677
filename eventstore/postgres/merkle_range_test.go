package postgres_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// TestReadHashRangeMatchesReadHashes reads every stored hash of a log built
// by appends of uneven sizes (so ranges cross merkle_hashes rows) both ways.
func TestReadHashRangeMatchesReadHashes(t *testing.T) {
	t.Parallel()
	s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i, n := range []int{1, 3, 1, 7, 2, 5} {
		events := make([]eventstore.EventData, n)
		for j := range events {
			events[j] = eventstore.EventData{ID: uuid.New(), Type: "test.happened", Data: json.RawMessage(fmt.Sprintf(`{"i":%d,"j":%d}`, i, j))}
		}
		if _, err := s.Append(t.Context(), fmt.Sprintf("test-%d", i), eventstore.NoStream, events...); err != nil {
			t.Fatal(err)
		}
	}
	stored := tlog.StoredHashCount(19) // the leaves appended above
	indexes := make([]int64, stored)
	for i := range indexes {
		indexes[i] = int64(i)
	}
	want, err := s.ReadHashes(t.Context(), indexes)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, stored}, {0, 1}, {5, 6}, {3, 17}, {stored - 2, stored}, {7, 7}} {
		got, err := s.ReadHashRange(t.Context(), r[0], r[1])
		if err != nil {
			t.Fatalf("ReadHashRange(%d, %d): %v", r[0], r[1], err)
		}
		if len(got) != int(r[1]-r[0]) {
			t.Fatalf("ReadHashRange(%d, %d) gave %d hashes", r[0], r[1], len(got))
		}
		for i, h := range got {
			if h != want[r[0]+int64(i)] {
				t.Errorf("ReadHashRange(%d, %d)[%d] = %v, ReadHashes says %v", r[0], r[1], i, h, want[r[0]+int64(i)])
			}
		}
	}
	if _, err := s.ReadHashRange(t.Context(), stored-1, stored+1); err == nil {
		t.Error("ReadHashRange past the stored hashes succeeded")
	}
}
