package proof

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
)

// InclusionProof proves that the event at Position is leaf Position-1 of the
// tree of Size events with root Root. Check it with
// tlog.CheckRecord(Proof, Size, Root, Position-1, Leaf), where Leaf must be
// eventstore.LeafHash of the event in question.
type InclusionProof struct {
	Position uint64           `json:"position"`
	Size     int64            `json:"size"`
	Leaf     tlog.Hash        `json:"leaf_hash"`
	Root     tlog.Hash        `json:"root_hash"`
	Proof    tlog.RecordProof `json:"proof"`
}

// Check verifies p with tlog.CheckRecord against its own root and leaf. A
// caller that trusts a checkpoint must also compare Root with the
// checkpoint's root and Leaf with the event's leaf hash.
func (p InclusionProof) Check() error {
	if p.Position < 1 || int64(p.Position) > p.Size {
		return domain.Errorf(domain.Invalid, "position %d is outside a tree of %d events", p.Position, p.Size).WithField("position")
	}
	if err := tlog.CheckRecord(p.Proof, p.Size, p.Root, int64(p.Position)-1, p.Leaf); err != nil {
		return domain.Errorf(domain.Invalid, "the inclusion proof of position %d in the tree of %d events does not check: %v", p.Position, p.Size, err).WithRule("inclusion-proof")
	}
	return nil
}

// ProveInclusion returns the inclusion proof of the event at position in
// the tree of the first size events, from the stored Merkle hashes. It fails
// with domain.Invalid (naming "position" or "size") unless
// 1 <= position <= size <= the log's head.
func ProveInclusion(ctx context.Context, l Log, position uint64, size int64) (InclusionProof, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove inclusion: read head: %w", err)
	}
	switch {
	case size < 1 || size > int64(head.Commit):
		return InclusionProof{}, domain.Errorf(domain.Invalid, "tree size %d is outside the log, which has %d events", size, head.Commit).WithField("size")
	case position < 1 || position > uint64(size):
		return InclusionProof{}, domain.Errorf(domain.Invalid, "position %d is not in a tree of %d events; use 1 to %d", position, size, size).WithField("position")
	}
	r := hashReader(ctx, l)
	leaf, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, int64(position)-1)})
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove inclusion: position %d: %w", position, err)
	}
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove inclusion: tree hash of size %d: %w", size, err)
	}
	p, err := tlog.ProveRecord(size, int64(position)-1, r)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove inclusion: position %d in size %d: %w", position, size, err)
	}
	return InclusionProof{Position: position, Size: size, Leaf: leaf[0], Root: root, Proof: p}, nil
}

// ConsistencyProof proves that the tree of From events with root FromRoot is
// a prefix of the tree of To events with root ToRoot: nothing in the first
// From events changed between the two. Check it with
// tlog.CheckTree(Proof, To, ToRoot, From, FromRoot).
type ConsistencyProof struct {
	From     int64          `json:"from"`
	To       int64          `json:"to"`
	FromRoot tlog.Hash      `json:"from_root_hash"`
	ToRoot   tlog.Hash      `json:"to_root_hash"`
	Proof    tlog.TreeProof `json:"proof"`
}

// Check verifies p with tlog.CheckTree against its own roots. A caller
// that trusts two checkpoints must also compare the roots with theirs.
func (p ConsistencyProof) Check() error {
	if p.From < 1 || p.From > p.To {
		return domain.Errorf(domain.Invalid, "tree size %d cannot be a prefix of size %d", p.From, p.To).WithField("from")
	}
	if err := tlog.CheckTree(p.Proof, p.To, p.ToRoot, p.From, p.FromRoot); err != nil {
		return domain.Errorf(domain.Invalid, "the tree of %d events is not a prefix of the tree of %d events: %v", p.From, p.To, err).WithRule("consistency-proof")
	}
	return nil
}

// ProveConsistency returns the proof that the tree of the first from events
// is a prefix of the tree of the first to events. It fails with
// domain.Invalid (naming "from" or "to") unless 1 <= from <= to <= the log's
// head.
func ProveConsistency(ctx context.Context, l Log, from, to int64) (ConsistencyProof, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove consistency: read head: %w", err)
	}
	switch {
	case to < 1 || to > int64(head.Commit):
		return ConsistencyProof{}, domain.Errorf(domain.Invalid, "tree size %d is outside the log, which has %d events", to, head.Commit).WithField("to")
	case from < 1 || from > to:
		return ConsistencyProof{}, domain.Errorf(domain.Invalid, "tree size %d must be between 1 and %d", from, to).WithField("from")
	}
	r := hashReader(ctx, l)
	fromRoot, err := tlog.TreeHash(from, r)
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove consistency: tree hash of size %d: %w", from, err)
	}
	toRoot, err := tlog.TreeHash(to, r)
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove consistency: tree hash of size %d: %w", to, err)
	}
	p, err := tlog.ProveTree(to, from, r)
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove consistency: %d to %d: %w", from, to, err)
	}
	return ConsistencyProof{From: from, To: to, FromRoot: fromRoot, ToRoot: toRoot, Proof: p}, nil
}
