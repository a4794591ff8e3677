package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinerja/kinerja/api"
)

func TestTokenIssueMakesAVerifiableToken(t *testing.T) {
	data := t.TempDir()
	var out, errs bytes.Buffer
	err := run(t.Context(), []string{"token", "--data", data, "--nip", "19860926 201505 1 001", "--role", "evaluator,employee", "issue"}, noEnv, &out, &errs)
	if err != nil {
		t.Fatalf("token issue: %v\n%s", err, errs.String())
	}
	if info, err := os.Stat(filepath.Join(data, tokenKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token key file: %v, mode %v; want 0600", err, info.Mode())
	}
	key, err := tokenKeyConfig{key: new(string), data: &data}.load()
	if err != nil {
		t.Fatal(err)
	}
	tk, err := api.NewTokens(key, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tk.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the printed token does not verify with the stored key: %v", err)
	}
	if c.NIP != "198609262015051001" || !c.Has(api.RoleEvaluator) || !c.Has(api.RoleEmployee) {
		t.Errorf("token carries %+v", c)
	}

	// A second run reuses the key instead of making a new one.
	out.Reset()
	if err := run(t.Context(), []string{"token", "--data", data, "--nip", "198609262015051001", "--role", "hr", "issue"}, noEnv, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Verify(strings.TrimSpace(out.String())); err != nil {
		t.Errorf("a token from the second run does not verify with the first key: %v", err)
	}
}

func TestTokenIssueRejectsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"token", "--nip", "12345", "--role", "hr", "issue"},
		{"token", "--nip", "198609262015051001", "--role", "superuser", "issue"},
		{"token", "--nip", "198609262015051001", "issue"},
		{"token", "--nip", "198609262015051001", "--role", "hr"},
	} {
		var out bytes.Buffer
		args = append([]string{args[0], "--data", t.TempDir()}, args[1:]...)
		if err := run(t.Context(), args, noEnv, &out, &out); err == nil {
			t.Errorf("run(%q) succeeded, printed %q", args, out.String())
		}
	}
}

// TestTokenKeyFileLeftEmpty: an empty key file (a crash of an older
// version between creating and writing it) is refused with what to do, not
// used as a short key; the directory holds no temporary key after a run.
func TestTokenKeyFileLeftEmpty(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, tokenKeyFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := tokenKeyConfig{key: new(string), data: &data}.load()
	if err == nil || !strings.Contains(err.Error(), "remove it to make a new key") {
		t.Fatalf("load() of an empty key file error = %v, want a refusal saying to remove it", err)
	}
	fresh := t.TempDir()
	if _, err := (tokenKeyConfig{key: new(string), data: &fresh}).load(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(fresh)
	if err != nil || len(entries) != 1 || entries[0].Name() != tokenKeyFile {
		t.Errorf("the data directory holds %v (%v), want only %s", entries, err, tokenKeyFile)
	}
}
