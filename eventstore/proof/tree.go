package proof

import (
	"crypto/sha256"

	"golang.org/x/mod/sumdb/tlog"
)

// emptyRoot is the root of a tree with no leaves, per RFC 6962: the SHA-256
// of nothing.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// compactTree builds an RFC 6962 tree leaf by leaf, keeping only the roots
// of its complete subtrees (largest first). It yields exactly the hashes tlog
// stores for each leaf, so a verifier can compare them with the stored ones
// and compute the root at any size without reading anything back.
type compactTree struct {
	n     int64
	stack []tlog.Hash
	buf   []tlog.Hash
}

// add appends leaf and returns the hashes tlog stores for it, in stored-index
// order: the leaf, then each subtree root the leaf completes. The slice is
// reused by the next call.
func (t *compactTree) add(leaf tlog.Hash) []tlog.Hash {
	t.buf = append(t.buf[:0], leaf)
	h := leaf
	for m := t.n; m&1 == 1; m >>= 1 {
		h = tlog.NodeHash(t.stack[len(t.stack)-1], h)
		t.stack = t.stack[:len(t.stack)-1]
		t.buf = append(t.buf, h)
	}
	t.stack = append(t.stack, h)
	t.n++
	return t.buf
}

// root returns the root hash of the tree of the leaves added so far.
func (t *compactTree) root() tlog.Hash {
	if len(t.stack) == 0 {
		return emptyRoot
	}
	h := t.stack[len(t.stack)-1]
	for i := len(t.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(t.stack[i], h)
	}
	return h
}
