package proof_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestBundleGolden pins the bundle format an auditor keeps for years: a
// bundle built from fixed keys, ids and times must encode byte for byte as
// testdata/bundle.golden.json, and that file must keep verifying with
// testdata/golden.pub.
func TestBundleGolden(t *testing.T) {
	ctx := t.Context()
	skey, vkey, err := proof.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "kinerja.golden")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := proof.ParseSignerKey([]byte(skey))
	if err != nil {
		t.Fatal(err)
	}
	m := newMemLedger()
	ns := uuid.MustParse("0b9d5c1e-2f41-4c3a-8d7e-5a6b7c8d9e0f")
	for i, stream := range []string{"evaluation-golden", "skp-golden", "evaluation-golden"} {
		cmd := uuid.NewSHA1(ns, fmt.Appendf(nil, "command/%d", i))
		expected := eventstore.NoStream
		if i == 2 {
			expected = eventstore.Exact(0)
		}
		_, err := m.Append(ctx, stream, expected, eventstore.EventData{
			ID:   eventstore.DeriveEventID(cmd, 0),
			Type: "evaluation.work_result_rated",
			Data: fmt.Appendf(nil, `{"rating": "SESUAI_EKSPEKTASI", "step": %d}`, i),
			Metadata: eventstore.Metadata{
				Actor:     eventstore.Actor{ID: "199001012015031001", Role: "evaluator"},
				CommandID: cmd, CorrelationID: cmd, Reason: "penilaian <triwulan> & catatan", SchemaVersion: 1,
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cp, _, err := proof.Sign(ctx, m, signer, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.ExportBundle(ctx, m, cp, "evaluation-golden")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	bundlePath, keyPath := filepath.Join("testdata", "bundle.golden.json"), filepath.Join("testdata", "golden.pub")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bundlePath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyPath, []byte(vkey+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the bundle encodes differently from %s (run with -update if the change is intended and compatible):\n%s", bundlePath, got)
	}
	v, err := proof.ReadVerifierKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := proof.VerifyBundle(want, note.VerifierList(v))
	if err != nil {
		t.Fatalf("%s no longer verifies: %v", bundlePath, err)
	}
	if rep.Events != 2 || rep.Checkpoint.Size != 3 {
		t.Errorf("VerifyBundle(%s) = %s, want 2 events under a checkpoint of 3", bundlePath, rep)
	}
}
