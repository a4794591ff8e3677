package eventstore

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Merkle is implemented by backends that keep the global Merkle log beside
// the events, in the same transaction as the append: an RFC 6962 tree
// (golang.org/x/mod/sumdb/tlog) whose leaf i is the event at dense global
// position i+1, with record hash LeafHash(event). The tree size is the
// Commit of Head.
type Merkle interface {
	// ReadHashes returns the stored hashes at the given tlog stored-hash
	// indexes (see tlog.StoredHashIndex).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// LeafHash is the Merkle record hash of an event: tlog.RecordHash over the
// event's chain hash, which already commits to its envelope and data.
func LeafHash(e *RecordedEvent) tlog.Hash { return tlog.RecordHash(e.Hash[:]) }

// MerkleHashes returns the hashes to store when leaves are appended to a tree
// of size n: for leaf n+i, tlog.StoredHashesForRecordHash. The result is
// contiguous from stored index tlog.StoredHashIndex(0, n). read fetches hashes
// stored before this append; hashes made earlier in the same batch are
// served from memory.
func MerkleHashes(n int64, leaves []tlog.Hash, read func(indexes []int64) ([]tlog.Hash, error)) ([]tlog.Hash, error) {
	base := tlog.StoredHashIndex(0, n)
	var out []tlog.Hash
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hashes := make([]tlog.Hash, len(indexes))
		var missing []int64
		var at []int
		for i, x := range indexes {
			if x >= base {
				if x-base >= int64(len(out)) {
					return nil, fmt.Errorf("merkle: hash %d is not stored yet", x)
				}
				hashes[i] = out[x-base]
				continue
			}
			missing = append(missing, x)
			at = append(at, i)
		}
		if len(missing) > 0 {
			got, err := read(missing)
			if err != nil {
				return nil, err
			}
			if len(got) != len(missing) {
				return nil, fmt.Errorf("merkle: asked for %d stored hashes, got %d", len(missing), len(got))
			}
			for j, i := range at {
				hashes[i] = got[j]
			}
		}
		return hashes, nil
	})
	for i, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(n+int64(i), leaf, r)
		if err != nil {
			return nil, fmt.Errorf("merkle: leaf %d: %w", n+int64(i), err)
		}
		out = append(out, hs...)
	}
	return out, nil
}

// TreeSize returns the number of leaves of a Merkle log that holds stored
// hashes 0..stored-1 (see tlog.StoredHashCount). Backends use it to report
// their log's size from the Merkle storage alone, independently of the
// events. A count that no tree size gives is an error: the storage is
// damaged.
func TreeSize(stored int64) (int64, error) {
	lo, hi := int64(0), stored // StoredHashCount(n) >= n, so n <= stored
	for lo < hi {
		mid := lo + (hi-lo)/2
		if tlog.StoredHashCount(mid) < stored {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if tlog.StoredHashCount(lo) != stored {
		return 0, fmt.Errorf("merkle: %d stored hashes is no tree size's count", stored)
	}
	return lo, nil
}
