package proof_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

func TestVerifyIntactLedger(t *testing.T) {
	m := newMemLedger()
	fx := seed(t, m)
	rep, err := proof.Verify(t.Context(), m, proof.Options{Trusted: fx.trusted, PageSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("Verify() = %s, want OK", rep)
	}
	if rep.Events != int64(fx.head) || rep.TreeSize != int64(fx.head) || rep.Streams != 4 || rep.Checkpoints != 2 {
		t.Errorf("Verify() = %+v, want %d events in 4 streams and 2 checkpoints", rep, fx.head)
	}
	root, err := proof.TreeHash(t.Context(), m, int64(fx.head))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Root != root {
		t.Errorf("computed root %s, stored tree gives %s", rep.Root, root)
	}
	if want := fmt.Sprintf("OK: %d events in 4 streams", fx.head); !strings.HasPrefix(rep.String(), want) {
		t.Errorf("String() = %q, want prefix %q", rep, want)
	}
}

// rehash recomputes the hash of the event at row i and re-links every later
// event of its stream, as someone covering their tracks would.
func rehash(m *memLedger, i int) {
	prev := m.rows[i].PrevHash
	for j := i; j < len(m.rows); j++ {
		if m.rows[j].Stream != m.rows[i].Stream {
			continue
		}
		m.rows[j].PrevHash = prev
		m.rows[j].Hash = eventstore.ComputeHash(&m.rows[j])
		prev = m.rows[j].Hash
	}
}

// rebuildMerkle recomputes the whole Merkle log from the stored rows.
func rebuildMerkle(t *testing.T, m *memLedger) {
	t.Helper()
	leaves := make([]tlog.Hash, len(m.rows))
	for i := range m.rows {
		leaves[i] = eventstore.LeafHash(&m.rows[i])
	}
	hs, err := eventstore.MerkleHashes(0, leaves, func([]int64) ([]tlog.Hash, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = hs
}

func TestVerifyNamesTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, m *memLedger, fx fixture) want
	}{
		{"data edited", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.evaluation][2]
			m.row(p).Data = []byte(`{"step": 2, "rating": "SANGAT_BAIK"}`)
			return want{proof.Edited, p, fx.evaluation, 2}
		}},
		{"reason edited", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.other][1]
			m.row(p).Metadata.Reason = "koreksi"
			return want{proof.Edited, p, fx.other, 1}
		}},
		{"recorded time edited", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.skp][0]
			m.row(p).RecordedAt = m.row(p).RecordedAt.Add(-24 * 3600e9)
			return want{proof.Edited, p, fx.skp, 0}
		}},
		{"data edited and re-hashed with its stream", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.evaluation][1]
			r := m.row(p)
			r.Data = []byte(`{"rating": "SANGAT_BAIK"}`)
			for i := range m.rows {
				if m.rows[i].Position.Commit == p {
					rehash(m, i)
				}
			}
			return want{proof.Edited, p, fx.evaluation, 1}
		}},
		{"event deleted", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.evaluation][3]
			m.deleteRow(p)
			return want{proof.Missing, p, fx.evaluation, 3}
		}},
		{"last event of a stream deleted", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.skp][2]
			m.deleteRow(p)
			return want{proof.Missing, p, "", 0}
		}},
		{"last event of the log deleted", func(t *testing.T, m *memLedger, fx fixture) want {
			m.deleteRow(fx.head)
			return want{proof.Missing, fx.head, "", 0}
		}},
		{"last events of the log deleted and the head moved back", func(t *testing.T, m *memLedger, fx fixture) want {
			m.deleteRow(fx.head)
			m.deleteRow(fx.head - 1)
			m.head -= 2
			return want{proof.Missing, fx.head - 1, "", 0}
		}},
		{"two events of different streams swapped", func(t *testing.T, m *memLedger, fx fixture) want {
			p, q := fx.at[fx.other][0], fx.at[fx.skp][1]
			a, b := m.row(p), m.row(q)
			*a, *b = *b, *a
			a.Position, b.Position = b.Position, a.Position
			return want{proof.Reordered, p, fx.skp, 1}
		}},
		{"two events of one stream swapped", func(t *testing.T, m *memLedger, fx fixture) want {
			p, q := fx.at[fx.evaluation][1], fx.at[fx.evaluation][4]
			a, b := m.row(p), m.row(q)
			*a, *b = *b, *a
			a.Position, b.Position = b.Position, a.Position
			return want{proof.Reordered, p, fx.evaluation, 4}
		}},
		{"event moved to another position", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.other][1]
			m.row(p).Position = eventstore.Position{Commit: fx.head + 1, Prepare: fx.head + 1}
			m.moved = true
			return want{proof.Reordered, p, fx.other, 1}
		}},
		{"event inserted after the end", func(t *testing.T, m *memLedger, fx fixture) want {
			last := *m.row(fx.at[fx.evaluation][5])
			forged := eventstore.Seal(fx.evaluation, 6, last.Hash, last.RecordedAt, []eventstore.EventData{event(fx.evaluation, 6)})[0]
			forged.Position = eventstore.Position{Commit: fx.head + 1, Prepare: fx.head + 1}
			m.rows = append(m.rows, forged)
			return want{proof.Inserted, fx.head + 1, fx.evaluation, 6}
		}},
		{"event inserted after the end and the head moved", func(t *testing.T, m *memLedger, fx fixture) want {
			last := *m.row(fx.at[fx.skp][2])
			forged := eventstore.Seal(fx.skp, 3, last.Hash, last.RecordedAt, []eventstore.EventData{event(fx.skp, 3)})[0]
			forged.Position = eventstore.Position{Commit: fx.head + 1, Prepare: fx.head + 1}
			m.rows = append(m.rows, forged)
			m.head++
			return want{proof.Inserted, fx.head + 1, fx.skp, 3}
		}},
		{"event inserted in place of another", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.other][1]
			forged := eventstore.Seal("evaluation-forged", 0, eventstore.Hash{}, m.row(p).RecordedAt, []eventstore.EventData{event("evaluation-forged", 0)})[0]
			forged.Position = m.row(p).Position
			*m.row(p) = forged
			return want{proof.Inserted, p, "evaluation-forged", 0}
		}},
		{"Merkle log hash edited", func(t *testing.T, m *memLedger, fx fixture) want {
			m.hashes[tlog.StoredHashIndex(1, 2)][0] ^= 1 // the node over positions 5 and 6
			return want{proof.Edited, 6, "", 0}
		}},
		{"history rebuilt under a checkpoint", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.evaluation][0]
			m.row(p).Data = []byte(`{"rating": "SANGAT_BAIK"}`)
			rehash(m, 0)
			rebuildMerkle(t, m)
			return want{proof.Rewritten, fx.checkpoints[0].Position.Commit, proof.CheckpointStream, 0}
		}},
		{"checkpoint event edited", func(t *testing.T, m *memLedger, fx fixture) want {
			cp := m.row(fx.checkpoints[1].Position.Commit)
			cp.Data = []byte(strings.Replace(string(cp.Data), `"size":`, `"size":1`, 1))
			return want{proof.Edited, fx.checkpoints[1].Position.Commit, proof.CheckpointStream, 1}
		}},
		{"checkpoint signed by a stranger", func(t *testing.T, m *memLedger, fx fixture) want {
			stranger, _ := newKeys(t, "kinerja.test")
			forged, err := proof.SignCheckpoint(stranger, fx.checkpoints[0].Size, fx.checkpoints[0].Root, fx.checkpoints[0].Time)
			if err != nil {
				t.Fatal(err)
			}
			cp := m.row(fx.checkpoints[0].Position.Commit)
			cp.Data = []byte(strings.Replace(string(cp.Data), jsonString(t, string(fx.checkpoints[0].Note)), jsonString(t, string(forged.Note)), 1))
			for i := range m.rows {
				if m.rows[i].Position == cp.Position {
					rehash(m, i)
				}
			}
			rebuildMerkle(t, m)
			return want{proof.Forged, fx.checkpoints[0].Position.Commit, proof.CheckpointStream, 0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newMemLedger()
			fx := seed(t, m)
			w := tt.tamper(t, m, fx)
			rep, err := proof.Verify(t.Context(), m, proof.Options{Trusted: fx.trusted, PageSize: 3})
			if err != nil {
				t.Fatal(err)
			}
			ranged, err := proof.Verify(t.Context(), rangeLedger{m}, proof.Options{Trusted: fx.trusted, PageSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			if ranged.String() != rep.String() {
				t.Errorf("reading hashes by range: %s\nby index: %s", ranged, rep)
			}
			t.Log(rep)
			wantBreak(t, rep, w.kind, w.position, w.stream, w.revision)
			if !strings.HasPrefix(rep.String(), "BROKEN: position ") || !strings.Contains(rep.String(), string(w.kind)) {
				t.Errorf("String() = %q, want the break named", rep)
			}
		})
	}
}

func TestVerifyWithoutTrustedKeyRejectsCheckpoints(t *testing.T) {
	m := newMemLedger()
	fx := seed(t, m)
	_, other := newKeys(t, "kinerja.other")
	rep, err := proof.Verify(t.Context(), m, proof.Options{Trusted: note.VerifierList(other)})
	if err != nil {
		t.Fatal(err)
	}
	wantBreak(t, rep, proof.Forged, fx.checkpoints[0].Position.Commit, proof.CheckpointStream, 0)
	if len(rep.Breaks) != 2 {
		t.Errorf("Verify() found %d breaks, want both checkpoints: %+v", len(rep.Breaks), rep.Breaks)
	}
}

func TestVerifyFromCheckpoint(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, m *memLedger, fx fixture) want
	}{
		{"nothing", func(t *testing.T, m *memLedger, fx fixture) want { return want{} }},
		{"event after the checkpoint edited", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.skp][2]
			m.row(p).Data = []byte(`{}`)
			return want{proof.Edited, p, fx.skp, 2}
		}},
		{"event before the checkpoint that a later one links to edited", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.skp][0] // skp@1 comes after the first checkpoint
			m.row(p).Data = []byte(`{}`)
			return want{proof.Edited, p, fx.skp, 0}
		}},
		{"event before the checkpoint rewritten and re-hashed", func(t *testing.T, m *memLedger, fx fixture) want {
			p := fx.at[fx.skp][0]
			m.row(p).Data = []byte(`{}`)
			for i := range m.rows {
				if m.rows[i].Position.Commit == p {
					rehash(m, i)
				}
			}
			return want{proof.Edited, p, fx.skp, 0}
		}},
		{"Merkle log under the checkpoint rebuilt", func(t *testing.T, m *memLedger, fx fixture) want {
			m.row(fx.at[fx.evaluation][0]).Data = []byte(`{}`)
			rehash(m, 0)
			rebuildMerkle(t, m)
			return want{proof.Rewritten, uint64(fx.checkpoints[0].Size), "", 0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemLedger()
			fx := seed(t, m)
			w := tt.tamper(t, m, fx)
			from := fx.checkpoints[0]
			rep, err := proof.Verify(t.Context(), m, proof.Options{Trusted: fx.trusted, From: &from})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if w.kind == "" {
				if !rep.OK() || rep.From != from.Size || rep.Events != int64(fx.head)-from.Size || rep.Checkpoints != 2 {
					t.Fatalf("Verify() = %s (%+v), want OK for the %d events after %d with 2 checkpoints", rep, rep, int64(fx.head)-from.Size, from.Size)
				}
				return
			}
			wantBreak(t, rep, w.kind, w.position, w.stream, w.revision)
		})
	}
}

func TestVerifyFromUntrustedCheckpoint(t *testing.T) {
	m := newMemLedger()
	fx := seed(t, m)
	stranger, _ := newKeys(t, "kinerja.test")
	forged, err := proof.SignCheckpoint(stranger, fx.checkpoints[0].Size, fx.checkpoints[0].Root, fx.checkpoints[0].Time)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.Verify(t.Context(), m, proof.Options{Trusted: fx.trusted, From: &forged}); domain.KindOf(err) != domain.Invalid {
		t.Fatalf("Verify() from a checkpoint signed by a stranger: error = %v, want domain.Invalid", err)
	}
}
