package proof_test

import (
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// TestProofsCheckWithTlog proves every event in every tree size, and every
// pair of sizes, and checks each proof with tlog's own functions against
// leaves and roots computed here, not taken from the proof.
func TestProofsCheckWithTlog(t *testing.T) {
	ctx := t.Context()
	m := newMemLedger()
	fx := seed(t, m)
	events, err := m.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	roots := make([]tlog.Hash, fx.head+1)
	for n := range roots {
		if roots[n], err = proof.TreeHash(ctx, m, int64(n)); err != nil {
			t.Fatal(err)
		}
	}
	for size := int64(1); size <= int64(fx.head); size++ {
		for i := int64(0); i < size; i++ {
			p, err := proof.ProveInclusion(ctx, m, uint64(i+1), size)
			if err != nil {
				t.Fatal(err)
			}
			leaf := eventstore.LeafHash(&events[i])
			if err := tlog.CheckRecord(p.Proof, size, roots[size], i, leaf); err != nil {
				t.Fatalf("inclusion of position %d in %d: %v", i+1, size, err)
			}
			if p.Leaf != leaf || p.Root != roots[size] {
				t.Fatalf("inclusion of position %d in %d names leaf %s root %s, want %s %s", i+1, size, p.Leaf, p.Root, leaf, roots[size])
			}
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
			if i > 0 && tlog.CheckRecord(p.Proof, size, roots[size], i-1, leaf) == nil {
				t.Fatalf("the proof of position %d also proves position %d", i+1, i)
			}
		}
		for from := int64(1); from <= size; from++ {
			p, err := proof.ProveConsistency(ctx, m, from, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(p.Proof, size, roots[size], from, roots[from]); err != nil {
				t.Fatalf("consistency of %d with %d: %v", from, size, err)
			}
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The two signed checkpoints are consistent with each other.
	a, b := fx.checkpoints[0], fx.checkpoints[1]
	p, err := proof.ProveConsistency(ctx, m, a.Size, b.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p.Proof, b.Size, b.Root, a.Size, a.Root); err != nil {
		t.Errorf("checkpoints of %d and %d events are not consistent: %v", a.Size, b.Size, err)
	}
}

func TestProofsRejectBadArguments(t *testing.T) {
	ctx := t.Context()
	m := newMemLedger()
	fx := seed(t, m)
	head := int64(fx.head)
	tests := []struct {
		name  string
		prove func() error
		field string
	}{
		{"inclusion at position 0", func() error { _, err := proof.ProveInclusion(ctx, m, 0, head); return err }, "position"},
		{"inclusion after the size", func() error { _, err := proof.ProveInclusion(ctx, m, 5, 4); return err }, "position"},
		{"inclusion in a size beyond the log", func() error { _, err := proof.ProveInclusion(ctx, m, 1, head+1); return err }, "size"},
		{"consistency from 0", func() error { _, err := proof.ProveConsistency(ctx, m, 0, head); return err }, "from"},
		{"consistency backwards", func() error { _, err := proof.ProveConsistency(ctx, m, 5, 4); return err }, "from"},
		{"consistency beyond the log", func() error { _, err := proof.ProveConsistency(ctx, m, 1, head+1); return err }, "to"},
		{"tree hash beyond the log", func() error { _, err := proof.TreeHash(ctx, m, head+1); return err }, "size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var de *domain.Error
			if err := tt.prove(); !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != tt.field {
				t.Fatalf("error = %#v, want domain.Invalid naming %q", err, tt.field)
			}
		})
	}
}
