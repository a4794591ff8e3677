package proof_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// exportBundle seeds an embedded store and exports the evaluation's bundle
// against the latest checkpoint.
func exportBundle(t *testing.T) (fixture, []byte) {
	t.Helper()
	s := openBolt(t, filepath.Join(t.TempDir(), "ledger.db"))
	fx := seed(t, s)
	cp, err := proof.Latest(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.ExportBundle(t.Context(), s, cp, fx.evaluation)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return fx, data
}

func TestBundleVerifiesOffline(t *testing.T) {
	fx, data := exportBundle(t)
	rep, err := proof.VerifyBundle(data, fx.trusted)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != len(fx.at[fx.evaluation]) || !slices.Equal(rep.Streams, []string{fx.evaluation}) || rep.Checkpoint.Size != fx.checkpoints[1].Size {
		t.Errorf("VerifyBundle() = %+v, want %d events of %s under the checkpoint of %d events", rep, len(fx.at[fx.evaluation]), fx.evaluation, fx.checkpoints[1].Size)
	}
	t.Log(rep)
}

func TestBundleStopsAtItsCheckpoint(t *testing.T) {
	s := openBolt(t, filepath.Join(t.TempDir(), "ledger.db"))
	fx := seed(t, s)
	b, err := proof.ExportBundle(t.Context(), s, fx.checkpoints[0], fx.evaluation, fx.other)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Events {
		if int64(e.Position) > fx.checkpoints[0].Size {
			t.Errorf("event at position %d is beyond the checkpoint of %d events", e.Position, fx.checkpoints[0].Size)
		}
	}
	if len(b.Events) != 6 { // evaluation revisions 0 to 3 and other revisions 0 and 1 precede it
		t.Errorf("bundle holds %d events, want 6", len(b.Events))
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.VerifyBundle(data, fx.trusted); err != nil {
		t.Fatal(err)
	}
	_, err = proof.ExportBundle(t.Context(), s, fx.checkpoints[0], "evaluation-missing")
	if domain.KindOf(err) != domain.NotFound {
		t.Errorf("exporting a stream with no events: error = %v, want NotFound", err)
	}
}

// TestBundleAnyChangedByteFails changes bytes of the file, one at a time,
// and expects every result to be rejected: every byte of the first event and
// of the checkpoint, and every 5th byte elsewhere (every byte everywhere
// takes over 30 s under -race; run with -run AnyChanged -all-bytes for it).
func TestBundleAnyChangedByteFails(t *testing.T) {
	fx, data := exportBundle(t)
	first := bytes.Index(data, []byte(`"events": [`))
	second := bytes.Index(data[first:], []byte("\n    },\n")) + first
	if first < 0 || second < first {
		t.Fatalf("cannot find the first event in\n%s", data)
	}
	every := func(i int) bool { return *allBytes || i < second || i%5 == 0 }
	checked := 0
	for i := range data {
		if !every(i) {
			continue
		}
		changed := bytes.Clone(data)
		changed[i] ^= 0x01
		checked++
		if _, err := proof.VerifyBundle(changed, fx.trusted); err == nil {
			t.Fatalf("byte %d (%q) changed to %q: the bundle still verifies", i, data[i], changed[i])
		} else if domain.KindOf(err) != domain.Invalid {
			t.Fatalf("byte %d changed: error = %v, want domain.Invalid", i, err)
		}
	}
	t.Logf("%d of %d bytes changed, each rejected", checked, len(data))
}

var allBytes = flag.Bool("all-bytes", false, "TestBundleAnyChangedByteFails changes every byte of the bundle")

// TestBundleRejectsReencodedChanges changes what a bundle holds and encodes
// it again canonically, so only the proofs can catch it, and checks that
// the error names the right part.
func TestBundleRejectsReencodedChanges(t *testing.T) {
	fx, data := exportBundle(t)
	stranger, _ := newKeys(t, "kinerja.test")
	tests := []struct {
		name   string
		change func(b *proof.Bundle)
		field  string
	}{
		{"data edited", func(b *proof.Bundle) { b.Events[2].Data = `{"rating":"SANGAT_BAIK"}` }, "events[2]"},
		{"reason edited", func(b *proof.Bundle) { b.Events[1].Metadata.Reason = "koreksi" }, "events[1]"},
		{"event left out", func(b *proof.Bundle) { b.Events = slices.Delete(b.Events, 1, 2) }, "events[1]"},
		{"events swapped", func(b *proof.Bundle) { b.Events[1], b.Events[2] = b.Events[2], b.Events[1] }, "events[1]"},
		{"position changed", func(b *proof.Bundle) { b.Events[3].Position++ }, "events[3]"},
		{"proof hash changed", func(b *proof.Bundle) { b.Events[0].Proof[0][0] ^= 1 }, "events[0]"},
		{"proof of another event", func(b *proof.Bundle) { b.Events[0].Proof = b.Events[1].Proof }, "events[0]"},
		{"first revision left out", func(b *proof.Bundle) { b.Events = b.Events[1:] }, "events[0]"},
		{"checkpoint re-signed by a stranger", func(b *proof.Bundle) {
			cp, err := proof.OpenCheckpoint([]byte(b.Checkpoint), fx.trusted)
			if err != nil {
				t.Fatal(err)
			}
			forged, err := proof.SignCheckpoint(stranger, cp.Size, cp.Root, cp.Time)
			if err != nil {
				t.Fatal(err)
			}
			b.Checkpoint = string(forged.Note)
		}, "checkpoint"},
		{"no events", func(b *proof.Bundle) { b.Events = nil }, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b proof.Bundle
			if err := json.Unmarshal(data, &b); err != nil {
				t.Fatal(err)
			}
			tt.change(&b)
			changed, err := b.Encode()
			if err != nil {
				t.Fatal(err)
			}
			_, err = proof.VerifyBundle(changed, fx.trusted)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != tt.field {
				t.Fatalf("VerifyBundle() error = %#v, want domain.Invalid naming %q", err, tt.field)
			}
			t.Log(err)
		})
	}
}

func TestBundleNeedsTheRightKey(t *testing.T) {
	_, data := exportBundle(t)
	_, other := newKeys(t, "kinerja.other")
	_, err := proof.VerifyBundle(data, note.VerifierList(other))
	var de *domain.Error
	if !errors.As(err, &de) || de.Field != "checkpoint" {
		t.Fatalf("VerifyBundle() with another key: error = %v, want the checkpoint named", err)
	}
}

// FuzzVerifyBundle checks that no input makes VerifyBundle panic or accept a
// bundle other than the one exported.
func FuzzVerifyBundle(f *testing.F) {
	s := newMemLedger()
	signer, verifier := newKeys(f, "kinerja.fuzz")
	ctx := f.Context()
	if _, err := s.Append(ctx, "evaluation-1", eventstore.NoStream, event("evaluation-1", 0), event("evaluation-1", 1)); err != nil {
		f.Fatal(err)
	}
	cp, _, err := proof.Sign(ctx, s, signer, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	b, err := proof.ExportBundle(ctx, s, cp, "evaluation-1")
	if err != nil {
		f.Fatal(err)
	}
	good, err := b.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":"kinerja-proof-bundle/v1","checkpoint":"","events":[]}`))
	f.Add([]byte(`[]`))
	trusted := note.VerifierList(verifier)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := proof.VerifyBundle(data, trusted); err == nil && !bytes.Equal(data, good) {
			t.Fatalf("a bundle other than the exported one verifies:\n%s", data)
		}
	})
}
