package proof_test

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	skey, vkey, err := proof.GenerateKey(rand.Reader, "kinerja.bkn.go.id")
	if err != nil {
		t.Fatal(err)
	}
	sPath, vPath := filepath.Join(dir, "ledger.key"), filepath.Join(dir, "ledger.pub")
	if err := proof.WriteKeyFiles(sPath, vPath, skey, vkey); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(sPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("signer key file mode = %v (%v), want 0600", st.Mode().Perm(), err)
	}
	signer, err := proof.ReadSignerKey(sPath)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := proof.ReadVerifierKey(vPath)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := proof.SignCheckpoint(signer, 3, tlog.RecordHash([]byte("x")), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.OpenCheckpoint(cp.Note, note.VerifierList(verifier)); err != nil {
		t.Errorf("a checkpoint signed with the written signer key does not open with the written verifier key: %v", err)
	}
	if err := proof.WriteKeyFiles(sPath, filepath.Join(dir, "other.pub"), skey, vkey); domain.KindOf(err) != domain.Conflict {
		t.Errorf("overwriting a key file: error = %v, want a conflict", err)
	}
	if err := proof.WriteKeyFiles(filepath.Join(dir, "new.key"), vPath, skey, vkey); domain.KindOf(err) != domain.Conflict {
		t.Errorf("overwriting a verifier key file: error = %v, want a conflict", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the signer key of a failed pair was left behind: %v", err)
	}
}

func TestKeysRejected(t *testing.T) {
	skey, vkey, err := proof.GenerateKey(rand.Reader, "kinerja.test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		parse func() error
	}{
		{"name with a space", func() error { _, _, err := proof.GenerateKey(rand.Reader, "kinerja bkn"); return err }},
		{"name with a plus", func() error { _, _, err := proof.GenerateKey(rand.Reader, "a+b"); return err }},
		{"empty name", func() error { _, _, err := proof.GenerateKey(rand.Reader, ""); return err }},
		{"signer key as verifier", func() error { _, err := proof.ParseVerifierKey([]byte(skey)); return err }},
		{"verifier key as signer", func() error { _, err := proof.ParseSignerKey([]byte(vkey)); return err }},
		{"garbage verifier", func() error { _, err := proof.ParseVerifierKey([]byte("kinerja+1234+abc")); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse()
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field == "" {
				t.Fatalf("error = %#v, want domain.Invalid naming a field", err)
			}
		})
	}
}

func TestOpenCheckpoint(t *testing.T) {
	signer, verifier := newKeys(t, "kinerja.test")
	stranger, _ := newKeys(t, "kinerja.test")
	impostor, impostorVerifier := newKeys(t, "kinerja.impostor")
	trusted := note.VerifierList(verifier, impostorVerifier)
	root := tlog.RecordHash([]byte("root"))
	at := time.Date(2026, 11, 22, 21, 24, 4, 123456789, time.UTC)
	good, err := proof.SignCheckpoint(signer, 42, root, at)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(s note.Signer, text string) []byte {
		msg, err := note.Sign(&note.Note{Text: text}, s)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	text := string(proof.FormatCheckpoint("kinerja.test", 42, root, at))
	tests := []struct {
		name string
		msg  []byte
		ok   bool
	}{
		{"signed by the key", good.Note, true},
		{"size altered", []byte(strings.Replace(string(good.Note), "\n42\n", "\n43\n", 1)), false},
		{"signed by a stranger with the same name", sign(stranger, text), false},
		{"origin is not the signer", sign(impostor, text), false},
		{"extra line", sign(signer, text+"extra\n"), false},
		{"size with a leading zero", sign(signer, strings.Replace(text, "\n42\n", "\n042\n", 1)), false},
		{"time not in UTC", sign(signer, strings.Replace(text, "Z\n", "+07:00\n", 1)), false},
		{"not a note", []byte("kinerja.test\n42\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp, err := proof.OpenCheckpoint(tt.msg, trusted)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if cp.Origin != "kinerja.test" || cp.Size != 42 || cp.Root != root || !cp.Time.Equal(at.Truncate(time.Microsecond)) {
					t.Errorf("OpenCheckpoint() = %+v, want size 42, root %s, time %s", cp, root, at)
				}
				return
			}
			if domain.KindOf(err) != domain.Invalid {
				t.Fatalf("OpenCheckpoint() error = %v, want domain.Invalid", err)
			}
		})
	}
}

func TestSignStoresCheckpointsInTheLedger(t *testing.T) {
	ctx := t.Context()
	m := newMemLedger()
	signer, verifier := newKeys(t, "kinerja.test")
	if _, err := proof.Latest(ctx, m); domain.KindOf(err) != domain.NotFound {
		t.Fatalf("Latest() on an empty ledger: error = %v, want NotFound", err)
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	first, created, err := proof.Sign(ctx, m, signer, at)
	if err != nil || !created {
		t.Fatalf("Sign() on an empty ledger = %v, created %v", err, created)
	}
	if first.Size != 0 || first.Position.Commit != 1 {
		t.Errorf("first checkpoint covers %d events at position %d, want 0 at 1", first.Size, first.Position.Commit)
	}
	again, created, err := proof.Sign(ctx, m, signer, at.Add(time.Hour))
	if err != nil || created || again.Position != first.Position {
		t.Fatalf("Sign() with nothing new = %+v, created %v, %v; want the first one back", again, created, err)
	}
	if _, err := m.Append(ctx, "skp-1", eventstore.NoStream, event("skp-1", 0)); err != nil {
		t.Fatal(err)
	}
	second, created, err := proof.Sign(ctx, m, signer, at.Add(2*time.Hour))
	if err != nil || !created {
		t.Fatalf("Sign() after an append = %v, created %v", err, created)
	}
	root, err := proof.TreeHash(ctx, m, 2)
	if err != nil {
		t.Fatal(err)
	}
	if second.Size != 2 || second.Root != root || second.Position.Commit != 3 || second.Revision != 1 {
		t.Errorf("second checkpoint = size %d root %s at %d rev %d, want size 2 root %s at 3 rev 1", second.Size, second.Root, second.Position.Commit, second.Revision, root)
	}
	list, err := proof.List(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1].Position != second.Position {
		t.Fatalf("List() = %+v, want the two checkpoints", list)
	}
	for _, cp := range list {
		opened, err := proof.OpenCheckpoint(cp.Note, note.VerifierList(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if opened.Size != cp.Size || opened.Root != cp.Root {
			t.Errorf("stored fields %d/%s differ from the signed note %d/%s", cp.Size, cp.Root, opened.Size, opened.Root)
		}
	}
	latest, err := proof.Latest(ctx, m)
	if err != nil || latest.Position != second.Position || string(latest.Note) != string(second.Note) {
		t.Errorf("Latest() = %+v, %v; want the second checkpoint", latest, err)
	}
	rep, err := proof.Verify(ctx, m, proof.Options{Trusted: note.VerifierList(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checkpoints != 2 || rep.Events != 3 {
		t.Errorf("Verify() = %s, want OK with 3 events and 2 checkpoints", rep)
	}

	// The API serves checkpoints as JSON; the note in it is what a client checks.
	body, err := json.Marshal(latest)
	if err != nil {
		t.Fatal(err)
	}
	var served struct {
		Size     int64     `json:"size"`
		Root     tlog.Hash `json:"root_hash"`
		Note     string    `json:"note"`
		Position uint64    `json:"position"`
	}
	if err := json.Unmarshal(body, &served); err != nil {
		t.Fatal(err)
	}
	opened, err := proof.OpenCheckpoint([]byte(served.Note), note.VerifierList(verifier))
	if err != nil {
		t.Fatalf("the served note does not open: %v\n%s", err, body)
	}
	if opened.Size != served.Size || opened.Root != served.Root || served.Position != 3 {
		t.Errorf("served %s, whose note says size %d root %s", body, opened.Size, opened.Root)
	}
}

// TestConcurrentSignersStoreOneCheckpoint signs from two goroutines at once
// on the embedded store: one appends, the other finds nothing new to sign
// after the conflict and returns that checkpoint.
func TestConcurrentSignersStoreOneCheckpoint(t *testing.T) {
	s := openBolt(t, filepath.Join(t.TempDir(), "ledger.db"))
	signer, _ := newKeys(t, "kinerja.test")
	if _, err := s.Append(t.Context(), "skp-1", eventstore.NoStream, event("skp-1", 0)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		cp      proof.Checkpoint
		created bool
		err     error
	}
	results := make(chan result, 2)
	for i := range 2 {
		go func() {
			cp, created, err := proof.Sign(t.Context(), s, signer, time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
			results <- result{cp, created, err}
		}()
	}
	a, b := <-results, <-results
	if a.err != nil || b.err != nil {
		t.Fatalf("Sign() errors: %v, %v", a.err, b.err)
	}
	list, err := proof.List(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || a.cp.Position != b.cp.Position || a.created == b.created {
		t.Fatalf("two signers stored %d checkpoints (created %v and %v at %v and %v), want one", len(list), a.created, b.created, a.cp.Position, b.cp.Position)
	}
}
