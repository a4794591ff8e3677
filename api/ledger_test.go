package api

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// TestLedgerProofsOverHTTP serves checkpoints and proofs from a real
// embedded store and checks them with tlog's own functions, and the bundle
// with the offline verifier.
func TestLedgerProofsOverHTTP(t *testing.T) {
	f := newFeedFixture(t)
	evalID := uuid.New()
	for i := range 3 {
		expected := eventstore.NoStream
		if i > 0 {
			expected = eventstore.Exact(uint64(i - 1))
		}
		if _, err := f.store.Append(t.Context(), evaluation.Stream(evalID), expected, eventstore.EventData{
			ID: uuid.New(), Type: "evaluation.test", Data: json.RawMessage(fmt.Sprintf(`{"step":%d}`, i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.appendEvents(t, 4)
	skey, vkey, err := proof.GenerateKey(rand.Reader, "kinerja.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := proof.ParseSignerKey([]byte(skey))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := proof.ParseVerifierKey([]byte(vkey))
	if err != nil {
		t.Fatal(err)
	}
	cp, _, err := proof.Sign(t.Context(), f.store, signer, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	var latest struct {
		Size int64     `json:"size"`
		Root tlog.Hash `json:"root_hash"`
		Note string    `json:"note"`
	}
	getJSON(t, f.get(t, "/v1/ledger/checkpoints/latest", RoleAuditor), &latest)
	if latest.Size != 7 || latest.Root != cp.Root {
		t.Fatalf("latest checkpoint = %d %v, want 7 %v", latest.Size, latest.Root, cp.Root)
	}
	if _, err := note.Open([]byte(latest.Note), note.VerifierList(verifier)); err != nil {
		t.Fatalf("the served checkpoint's signature does not verify: %v", err)
	}

	events, err := f.store.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []int{1, 5, 7} {
		var p proof.InclusionProof
		getJSON(t, f.get(t, fmt.Sprintf("/v1/ledger/proofs/inclusion?position=%d&size=7", pos), RoleAuditor), &p)
		leaf := eventstore.LeafHash(&events[pos-1])
		if err := tlog.CheckRecord(p.Proof, 7, cp.Root, int64(pos-1), leaf); err != nil {
			t.Errorf("inclusion proof of position %d does not check against the checkpoint: %v", pos, err)
		}
	}
	var c proof.ConsistencyProof
	getJSON(t, f.get(t, "/v1/ledger/proofs/consistency?from=3&to=7", RoleHR), &c)
	old, err := proof.TreeHash(t.Context(), f.store, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(c.Proof, 7, cp.Root, 3, old); err != nil {
		t.Errorf("consistency proof 3→7 does not check: %v", err)
	}

	resp := f.get(t, "/v1/evaluations/"+evalID.String()+"/proof", RoleAuditor)
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("bundle: %d %v %s", resp.StatusCode, err, body)
	}
	report, err := proof.VerifyBundle(body, note.VerifierList(verifier))
	if err != nil || report.Events != 3 {
		t.Errorf("the served bundle: %+v, %v; want 3 events verified", report, err)
	}

	for _, tt := range []struct {
		path   string
		role   Role
		status int
	}{
		{"/v1/ledger/checkpoints", RoleEmployee, http.StatusForbidden},
		{"/v1/evaluations/" + evalID.String() + "/proof", RoleEvaluator, http.StatusForbidden},
		{"/v1/ledger/proofs/inclusion?position=0&size=7", RoleAuditor, http.StatusBadRequest},
		{"/v1/ledger/proofs/inclusion?position=9&size=7", RoleAuditor, http.StatusBadRequest},
		{"/v1/ledger/proofs/consistency?from=5&to=3", RoleAuditor, http.StatusBadRequest},
	} {
		if got := f.get(t, tt.path, tt.role).StatusCode; got != tt.status {
			t.Errorf("GET %s as %s = %d, want %d", tt.path, tt.role, got, tt.status)
		}
	}
}

// TestSignCheckpointOnDemand signs through the API with the server's key,
// and refuses without one.
func TestSignCheckpointOnDemand(t *testing.T) {
	f := newFeedFixture(t)
	f.appendEvents(t, 2)
	skey, vkey, err := proof.GenerateKey(rand.Reader, "kinerja.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := proof.ParseSignerKey([]byte(skey))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := proof.ParseVerifierKey([]byte(vkey))
	if err != nil {
		t.Fatal(err)
	}
	tk := testTokens(t)
	tk.now = time.Now
	srv := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: f.store, Signer: signer}))
	t.Cleanup(srv.Close)
	withKey := feedFixture{srv: srv, store: f.store, tokens: tk}

	resp := withKey.post(t, "/v1/ledger/checkpoints", RoleAdmin)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/ledger/checkpoints = %d, want 201", resp.StatusCode)
	}
	var cp struct {
		Size int64  `json:"size"`
		Note string `json:"note"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cp); err != nil {
		t.Fatal(err)
	}
	if cp.Size != 2 {
		t.Errorf("signed a checkpoint of %d events, want 2", cp.Size)
	}
	if _, err := note.Open([]byte(cp.Note), note.VerifierList(verifier)); err != nil {
		t.Errorf("the checkpoint does not verify: %v", err)
	}
	if got := withKey.post(t, "/v1/ledger/checkpoints", RoleAdmin).StatusCode; got != http.StatusOK {
		t.Errorf("signing again with nothing new = %d, want 200 (the same checkpoint)", got)
	}
	if got := withKey.post(t, "/v1/ledger/checkpoints", RoleAuditor).StatusCode; got != http.StatusForbidden {
		t.Errorf("an auditor signing = %d, want 403", got)
	}
	if got := f.post(t, "/v1/ledger/checkpoints", RoleAdmin).StatusCode; got != http.StatusNotFound {
		t.Errorf("signing on a server without a key = %d, want 404", got)
	}
}

func (f feedFixture) post(t *testing.T, path string, role Role) *http.Response {
	t.Helper()
	tok, err := f.tokens.Issue(Caller{NIP: "198609262015051001", Roles: []Role{role}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), "POST", f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func getJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
