package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore"
)

type tlogHash = tlog.Hash

// ReadHashes implements eventstore.Merkle. An index that is not stored (past
// the tree of the committed log) is an error.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	rows, err := s.pool.Query(ctx, `SELECT x, substring(m.hashes FROM (x - m.first)::int * 32 + 1 FOR 32)
		FROM unnest($1::bigint[]) AS x
		CROSS JOIN LATERAL (SELECT first, hashes FROM merkle_hashes WHERE first <= x ORDER BY first DESC LIMIT 1) AS m`, indexes)
	if err != nil {
		return nil, fmt.Errorf("read merkle hashes: %w", err)
	}
	found := make(map[int64]tlog.Hash, len(indexes))
	var (
		index int64
		hash  []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&index, &hash}, func() error {
		if len(hash) == 0 {
			return nil // past the row that would hold it: not stored
		}
		var h tlog.Hash
		if len(hash) != len(h) {
			return fmt.Errorf("hash %d is %d bytes, want %d", index, len(hash), len(h))
		}
		copy(h[:], hash)
		found[index] = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read merkle hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("read merkle hashes: hash %d is not stored", x)
		}
		out[i] = h
	}
	return out, nil
}

// merkleBase is the stored-hash index of the first hash stored when leaves
// are appended to a tree of size n.
func merkleBase(n int64) int64 { return tlog.StoredHashIndex(0, n) }

// frontierIndexes returns the stored-hash indexes of the roots of the
// complete subtrees that make up a tree of size n, largest first: one per
// set bit of n. They are all an append to the tree needs to read.
func frontierIndexes(n int64) []int64 {
	var out []int64
	for level := 62; level >= 0; level-- {
		if n>>level&1 == 1 {
			out = append(out, tlog.StoredHashIndex(level, n>>level-1))
		}
	}
	return out
}

// extendMerkle appends leaves to the tree of size n whose frontier (see
// log_head) is given, and returns the hashes to store from merkleBase(n)
// on and the frontier of the grown tree.
func extendMerkle(n int64, frontier []byte, leaves []tlog.Hash) ([]tlog.Hash, []byte, error) {
	indexes := frontierIndexes(n)
	if len(frontier) != len(indexes)*tlog.HashSize {
		return nil, nil, fmt.Errorf("merkle frontier of tree size %d is %d bytes, want %d", n, len(frontier), len(indexes)*tlog.HashSize)
	}
	old := make(map[int64]tlog.Hash, len(indexes))
	for i, x := range indexes {
		old[x] = tlog.Hash(frontier[i*tlog.HashSize : (i+1)*tlog.HashSize])
	}
	hashes, err := eventstore.MerkleHashes(n, leaves, func(want []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(want))
		for i, x := range want {
			h, ok := old[x]
			if !ok {
				return nil, fmt.Errorf("merkle: hash %d is not in the frontier of tree size %d", x, n)
			}
			out[i] = h
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	base := merkleBase(n)
	grown := n + int64(len(leaves))
	next := make([]byte, 0, tlog.HashSize*len(frontierIndexes(grown)))
	for _, x := range frontierIndexes(grown) {
		var h tlog.Hash
		if x >= base {
			h = hashes[x-base]
		} else if h = old[x]; h == (tlog.Hash{}) {
			return nil, nil, fmt.Errorf("merkle: frontier hash %d of tree size %d is neither old nor new", x, grown)
		}
		next = append(next, h[:]...)
	}
	return hashes, next, nil
}

// ReadHashRange returns the stored Merkle hashes with indexes lo to hi-1, in
// order, reading whole merkle_hashes rows rather than one hash at a time (it
// implements proof.HashRangeReader, which verification uses to read every
// stored hash). An index that is not stored is an error.
func (s *Store) ReadHashRange(ctx context.Context, lo, hi int64) ([]tlog.Hash, error) {
	if lo < 0 || hi < lo {
		return nil, fmt.Errorf("read merkle hashes %d..%d: not a range", lo, hi)
	}
	if lo == hi {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT first, hashes FROM merkle_hashes
		WHERE first >= (SELECT coalesce(max(first), 0) FROM merkle_hashes WHERE first <= $1) AND first < $2
		ORDER BY first`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read merkle hashes %d..%d: %w", lo, hi, err)
	}
	out := make([]tlog.Hash, 0, hi-lo)
	var (
		first  int64
		hashes []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&first, &hashes}, func() error {
		if len(hashes)%tlog.HashSize != 0 {
			return fmt.Errorf("row %d holds %d bytes, not whole hashes", first, len(hashes))
		}
		next := lo + int64(len(out)) // the index this row must continue from
		end := first + int64(len(hashes)/tlog.HashSize)
		if first > next {
			return fmt.Errorf("hashes %d..%d are not stored", next, first)
		}
		for x := max(first, next); x < min(end, hi); x++ {
			var h tlog.Hash
			copy(h[:], hashes[(x-first)*tlog.HashSize:])
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read merkle hashes %d..%d: %w", lo, hi, err)
	}
	if int64(len(out)) != hi-lo {
		return nil, fmt.Errorf("read merkle hashes %d..%d: hash %d is not stored", lo, hi, lo+int64(len(out)))
	}
	return out, nil
}

// TreeSize returns the number of leaves of the stored Merkle log, read from
// merkle_hashes alone (it implements proof.TreeSizer), so verification
// notices events deleted from the end of the log.
func (s *Store) TreeSize(ctx context.Context) (int64, error) {
	var stored int64
	err := s.pool.QueryRow(ctx, `SELECT first + length(hashes) / 32 FROM merkle_hashes ORDER BY first DESC LIMIT 1`).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read merkle tree size: %w", err)
	}
	return eventstore.TreeSize(stored)
}
