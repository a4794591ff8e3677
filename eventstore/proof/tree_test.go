package proof

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestCompactTreeMatchesTlog checks that the tree the verifier builds yields,
// leaf by leaf, exactly the hashes tlog stores and the roots tlog computes.
func TestCompactTreeMatchesTlog(t *testing.T) {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	var tree compactTree
	for n := int64(0); n <= 70; n++ {
		want, err := tlog.TreeHash(n, r)
		if err != nil {
			t.Fatal(err)
		}
		if got := tree.root(); got != want {
			t.Fatalf("root of %d leaves = %s, want %s", n, got, want)
		}
		leaf := tlog.RecordHash([]byte{byte(n), byte(n >> 8)})
		hs, err := tlog.StoredHashesForRecordHash(n, leaf, r)
		if err != nil {
			t.Fatal(err)
		}
		got := tree.add(leaf)
		if len(got) != len(hs) {
			t.Fatalf("leaf %d: %d stored hashes, tlog stores %d", n, len(got), len(hs))
		}
		for i := range hs {
			if got[i] != hs[i] {
				t.Fatalf("leaf %d: stored hash %d = %s, tlog stores %s", n, i, got[i], hs[i])
			}
		}
		stored = append(stored, hs...)
	}
}
