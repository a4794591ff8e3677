package proof_test

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// openBolt opens an embedded store in a fresh file and closes it at the end
// of the test.
func openBolt(t *testing.T, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// tamperBolt closes nothing: call it while no store has the file open. It
// opens the file with bbolt directly, as someone with the file would.
func tamperBolt(t *testing.T, path string, f func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func key(p uint64) []byte { return binary.BigEndian.AppendUint64(nil, p) }

func TestBoltTamperingIsNamed(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, tx *bbolt.Tx, fx fixture) want
	}{
		{"nothing", func(t *testing.T, tx *bbolt.Tx, fx fixture) want { return want{} }},
		{"bytes of an event's data changed", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			p := fx.at[fx.evaluation][3]
			events := tx.Bucket([]byte("events"))
			rec := bytes.Clone(events.Get(key(p)))
			i := bytes.Index(rec, []byte("DI_ATAS_EKSPEKTASI"))
			if i < 0 {
				t.Fatalf("event %d: rating not found in the stored record", p)
			}
			copy(rec[i:], "DI_BAWAH_EKSPEKTAS")
			return want{proof.Edited, p, fx.evaluation, 3}.put(t, events, p, rec)
		}},
		{"one byte of an event's actor changed", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			p := fx.at[fx.skp][1]
			events := tx.Bucket([]byte("events"))
			rec := bytes.Clone(events.Get(key(p)))
			i := bytes.Index(rec, []byte("199001012015031001"))
			rec[i+17] = '2'
			return want{proof.Edited, p, fx.skp, 1}.put(t, events, p, rec)
		}},
		{"event deleted", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			p := fx.at[fx.other][1]
			if err := tx.Bucket([]byte("events")).Delete(key(p)); err != nil {
				t.Fatal(err)
			}
			return want{proof.Missing, p, fx.other, 1}
		}},
		{"last event deleted", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			if err := tx.Bucket([]byte("events")).Delete(key(fx.head)); err != nil {
				t.Fatal(err)
			}
			return want{proof.Missing, fx.head, "", 0}
		}},
		{"two events swapped", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			p, q := fx.at[fx.evaluation][0], fx.at[fx.skp][2]
			events := tx.Bucket([]byte("events"))
			a, b := bytes.Clone(events.Get(key(p))), bytes.Clone(events.Get(key(q)))
			want{}.put(t, events, p, b)
			return want{proof.Reordered, p, fx.skp, 2}.put(t, events, q, a)
		}},
		{"Merkle hash changed", func(t *testing.T, tx *bbolt.Tx, fx fixture) want {
			merkle := tx.Bucket([]byte("merkle"))
			x := tlog.StoredHashIndex(2, 1) // the node over positions 5 to 8
			h := bytes.Clone(merkle.Get(key(uint64(x))))
			h[0] ^= 0x80
			return want{proof.Edited, 8, "", 0}.put(t, merkle, uint64(x), h)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ledger.db")
			s, err := bolt.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			fx := seed(t, s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var w want
			tamperBolt(t, path, func(tx *bbolt.Tx) error { w = tt.tamper(t, tx, fx); return nil })

			rep, err := proof.Verify(t.Context(), openBolt(t, path), proof.Options{Trusted: fx.trusted})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if w.kind == "" {
				if !rep.OK() || rep.Events != int64(fx.head) || rep.Checkpoints != 2 {
					t.Fatalf("Verify() = %s, want OK with %d events and 2 checkpoints", rep, fx.head)
				}
				return
			}
			wantBreak(t, rep, w.kind, w.position, w.stream, w.revision)
		})
	}
}

// put stores v under key p in b and returns w, so a tamper step reads as one
// expression.
func (w want) put(t *testing.T, b *bbolt.Bucket, p uint64, v []byte) want {
	t.Helper()
	if err := b.Put(key(p), v); err != nil {
		t.Fatal(err)
	}
	return w
}
