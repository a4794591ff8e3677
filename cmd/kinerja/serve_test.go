package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/eventstore/proof"
)

var (
	testEmployee  = domain.NIP("199003252015032001")
	testEvaluator = domain.NIP("198004102005011002")
	testSKP       = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
)

// appendSubmittedSKP appends an SKP the employee drafted and submitted to
// the evaluator, which puts it in the evaluator's inbox.
func appendSubmittedSKP(t *testing.T, store eventstore.Store) {
	t.Helper()
	jan1, dec31 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	var data []eventstore.EventData
	for _, e := range []eventstore.Typed{
		skp.Drafted{SKP: testSKP, Employee: testEmployee, Evaluator: testEvaluator, EvaluatorSuperior: "197203151998031004", Approach: skp.Quantitative, Start: jan1, End: dec31, At: jan1},
		skp.Submitted{By: testEmployee, At: jan1},
	} {
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: body,
			Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: string(testEmployee), Role: "employee"}, CommandID: uuid.New(), SchemaVersion: 1}})
	}
	if _, err := store.Append(t.Context(), skp.Stream(testSKP), eventstore.NoStream, data...); err != nil {
		t.Fatal(err)
	}
}

// TestServeAnswersReadyzAndInbox starts serve on the embedded default over
// a ledger that already holds a submitted SKP, and checks that /readyz turns
// ready and the evaluator's inbox shows the SKP.
func TestServeAnswersReadyzAndInbox(t *testing.T) {
	data := t.TempDir()
	store, err := bolt.Open(filepath.Join(data, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	appendSubmittedSKP(t, store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	out := serveAndQuery(t, data)
	if !strings.Contains(out, `"read_models":"memory"`) || !strings.Contains(out, "no signer key") {
		t.Errorf("the log does not say the read models are in memory and checkpoints unsigned:\n%s", out)
	}
}

// TestServePostgresAnswersReadyzAndInbox is the same with events and read
// models in PostgreSQL.
func TestServePostgresAnswersReadyzAndInbox(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	store, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	appendSubmittedSKP(t, store)
	store.Close()
	out := serveAndQuery(t, t.TempDir(), "--database-url", dsn)
	if !strings.Contains(out, `"read_models":"postgresql"`) {
		t.Errorf("the log does not say the read models are in PostgreSQL:\n%s", out)
	}
}

// serveAndQuery runs serve with data and args until /readyz is ready,
// checks the evaluator's inbox, stops it and returns its log.
func serveAndQuery(t *testing.T, data string, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--data", data, "--checkpoint-interval", "1h"}, args...), noEnv, &out, &out)
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after a clean stop\n%s", err, out.String())
		}
	})

	get := func(path, token string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, err := get("/readyz", "")
		if err == nil && status == http.StatusOK {
			if !strings.Contains(string(body), `"status":"ready"`) || !strings.Contains(string(body), `"name":"inbox"`) {
				t.Errorf("/readyz = %s, want ready with the inbox projection", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never became ready: %d %s %v\n%s", status, body, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	empty := ""
	tokens, err := tokenKeyConfig{key: &empty, data: &data}.tokens()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(api.Caller{NIP: testEvaluator, Roles: []api.Role{api.RoleEvaluator}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := get("/v1/inbox?min_position=2", tok)
	if err != nil || status != http.StatusOK {
		t.Fatalf("/v1/inbox = %d %s %v", status, body, err)
	}
	var inbox struct {
		Position string
		Data     struct {
			Items []struct {
				Kind    string
				Subject uuid.UUID `json:"subject_id"`
				NIP     domain.NIP
			}
		}
	}
	if err := json.Unmarshal(body, &inbox); err != nil {
		t.Fatal(err)
	}
	if inbox.Position != "2" || len(inbox.Data.Items) != 1 || inbox.Data.Items[0].Kind != "approve_skp" || inbox.Data.Items[0].Subject != testSKP || inbox.Data.Items[0].NIP != testEmployee {
		t.Errorf("/v1/inbox = %s, want SKP %s of %s to approve, at position 2", body, testSKP, testEmployee)
	}
	return out.String()
}

func TestServeRefusesBadCheckpointInterval(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{args: []string{"--checkpoint-interval", "0s"}, getenv: noEnv, want: "--checkpoint-interval must be positive"},
		{getenv: func(k string) string {
			if k == "KINERJA_CHECKPOINT_INTERVAL" {
				return "hourly"
			}
			return ""
		}, want: `KINERJA_CHECKPOINT_INTERVAL="hourly" is not a duration`},
		{getenv: func(k string) string {
			if k == "KINERJA_DEMO" {
				return "perhaps"
			}
			return ""
		}, want: `KINERJA_DEMO="perhaps" is neither true nor false`},
	} {
		var out syncBuffer
		err := run(t.Context(), append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tt.args...), tt.getenv, &out, &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %q = %v, want an error saying %q", tt.args, err, tt.want)
		}
	}
}

// TestServeSignsCheckpoints: with a signer key in the data directory, serve
// signs a checkpoint at start and after new events at every interval.
func TestServeSignsCheckpoints(t *testing.T) {
	data := t.TempDir()
	skey, vkey, err := proof.GenerateKey(rand.Reader, "kinerja-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.WriteKeyFiles(filepath.Join(data, "ledger.key"), filepath.Join(data, "ledger.pub"), skey, vkey); err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(data, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	appendSubmittedSKP(t, store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", freeAddr(t), "--data", data, "--checkpoint-interval", "20ms"}, noEnv, &out, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "checkpoint signed") {
		if time.Now().After(deadline) {
			stop()
			<-done
			t.Fatalf("no checkpoint signed:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // several idle intervals: nothing new to sign
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "checkpoint signed"); n != 1 {
		t.Errorf("%d checkpoints signed over an idle ledger, want 1:\n%s", n, out.String())
	}

	store, err = bolt.Open(filepath.Join(data, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cp, err := proof.Latest(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 2 {
		t.Errorf("latest checkpoint covers %d events, want the 2 of the SKP", cp.Size)
	}
}
