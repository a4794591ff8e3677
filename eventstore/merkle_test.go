package eventstore_test

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore"
)

// TestMerkleHashesMatchTlog appends leaves in uneven batches and checks that
// the stored hashes give the same tree, and valid proofs, as tlog building
// the tree one record at a time.
func TestMerkleHashesMatchTlog(t *testing.T) {
	var stored []tlog.Hash
	read := func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("index %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	}
	var leaves []tlog.Hash
	n := int64(0)
	for _, batch := range []int{1, 2, 5, 1, 17, 3} {
		var add []tlog.Hash
		for i := 0; i < batch; i++ {
			add = append(add, tlog.RecordHash([]byte(fmt.Sprintf("event %d", n+int64(i)))))
		}
		hs, err := eventstore.MerkleHashes(n, add, read)
		if err != nil {
			t.Fatal(err)
		}
		if want := tlog.StoredHashIndex(0, n); int64(len(stored)) != want {
			t.Fatalf("stored %d hashes before leaf %d, want %d", len(stored), n, want)
		}
		stored = append(stored, hs...)
		leaves = append(leaves, add...)
		n += int64(batch)
	}

	var ref []tlog.Hash
	refRead := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = ref[x]
		}
		return out, nil
	})
	for i, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leaf, refRead)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, hs...)
	}
	got, err := tlog.TreeHash(n, tlog.HashReaderFunc(read))
	if err != nil {
		t.Fatal(err)
	}
	want, err := tlog.TreeHash(n, refRead)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("tree hash = %v, want %v", got, want)
	}
	proof, err := tlog.ProveRecord(n, 7, tlog.HashReaderFunc(read))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof, n, got, 7, leaves[7]); err != nil {
		t.Errorf("inclusion proof of leaf 7 does not check: %v", err)
	}
}

func TestTreeSizeInvertsStoredHashCount(t *testing.T) {
	for n := int64(0); n < 300; n++ {
		got, err := eventstore.TreeSize(tlog.StoredHashCount(n))
		if err != nil || got != n {
			t.Fatalf("TreeSize(StoredHashCount(%d)) = %d, %v", n, got, err)
		}
	}
	if _, err := eventstore.TreeSize(tlog.StoredHashCount(5) + 1); err == nil {
		t.Error("TreeSize accepted a count that no tree has")
	}
}
