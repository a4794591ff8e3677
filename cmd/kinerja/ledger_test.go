package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
)

// TestLedgerCommands walks an auditor's path through the CLI on the embedded
// store: keygen, checkpoint, verify, export-proof, then verify-bundle with
// the public key alone, and a tampered bundle refused.
func TestLedgerCommands(t *testing.T) {
	data := t.TempDir()
	evalID := uuid.New()
	s, err := bolt.Open(filepath.Join(data, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		expected := eventstore.NoStream
		if i > 0 {
			expected = eventstore.Exact(uint64(i - 1))
		}
		if _, err := s.Append(t.Context(), evaluation.Stream(evalID), expected, eventstore.EventData{
			ID: uuid.New(), Type: "evaluation.test", Data: json.RawMessage(fmt.Sprintf(`{"step":%d}`, i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	kinerja := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), args, noEnv, &out, &out)
		return out.String(), err
	}
	if out, err := kinerja("keygen", "--data", data, "--name", "kinerja.test"); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	if out, err := kinerja("keygen", "--data", data, "--name", "kinerja.test"); err == nil {
		t.Fatalf("a second keygen overwrote the keys:\n%s", out)
	}
	out, err := kinerja("checkpoint", "--data", data)
	if err != nil || !strings.HasPrefix(out, "kinerja.test\n3\n") {
		t.Fatalf("checkpoint = %q, %v", out, err)
	}
	out, err = kinerja("verify", "--data", data)
	if err != nil || !strings.HasPrefix(out, "OK: ") {
		t.Fatalf("verify = %q, %v", out, err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.json")
	if out, err := kinerja("export-proof", "--data", data, "--evaluation", evalID.String(), "--out", bundle); err != nil {
		t.Fatalf("export-proof: %v\n%s", err, out)
	}
	pub := filepath.Join(data, "ledger.pub")
	if out, err := kinerja("verify-bundle", "--key", pub, bundle); err != nil {
		t.Fatalf("verify-bundle of a fresh bundle: %v\n%s", err, out)
	}

	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(b, []byte(`{\"step\":1}`), []byte(`{\"step\":9}`), 1)
	if bytes.Equal(tampered, b) {
		t.Fatal("the test did not find the event to tamper with")
	}
	if err := os.WriteFile(bundle, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = kinerja("verify-bundle", "--key", pub, bundle)
	if !errors.Is(err, errVerifyFailed) || !strings.HasPrefix(out, "BROKEN") {
		t.Errorf("verify-bundle of a tampered bundle = %q, %v; want BROKEN", out, err)
	}
}

// TestLedgerCommandsRefuseAMissingLedger: a mistyped --data must not pass
// as an empty, intact ledger, nor leave one behind.
func TestLedgerCommandsRefuseAMissingLedger(t *testing.T) {
	data := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"verify", "--data", data}, {"replay", "--data", data, "--indicator", "x", "--direction", "HIGHER_IS_BETTER", "--target", "1", "--valid-from", "2026-07-01"}} {
		var out bytes.Buffer
		err := run(t.Context(), args, noEnv, &out, &out)
		if err == nil || strings.HasPrefix(out.String(), "OK") {
			t.Errorf("%s on a missing ledger = %q, %v; want an error", args[0], out.String(), err)
		}
		if _, err := os.Stat(filepath.Join(data, "events.db")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s created %s", args[0], filepath.Join(data, "events.db"))
		}
	}
}
