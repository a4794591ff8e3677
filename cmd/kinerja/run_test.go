package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, noEnv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "kinerja ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version printed %q", out.String())
	}
}

func TestHelpNamesEveryFlagAndItsVariable(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"help", "serve"}, noEnv, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-addr", "KINERJA_ADDR", "-data", "KINERJA_DATA", "-database-url", "KINERJA_DATABASE_URL", "-esdb-url", "KINERJA_ESDB_URL", `default ":8080"`, `default "./kinerja-data"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help serve does not mention %q:\n%s", want, out.String())
		}
	}
}

func TestEnvironmentSetsDefaults(t *testing.T) {
	var out bytes.Buffer
	getenv := func(k string) string {
		if k == "KINERJA_ADDR" {
			return "127.0.0.1:9999"
		}
		return ""
	}
	if err := run(t.Context(), []string{"help", "serve"}, getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `default "127.0.0.1:9999"`) {
		t.Errorf("KINERJA_ADDR did not become the default:\n%s", out.String())
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {}, {"help", "frobnicate"}} {
		var out bytes.Buffer
		err := run(t.Context(), args, noEnv, &out, &out)
		if !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
		if out.Len() == 0 {
			t.Errorf("run(%q) printed no explanation", args)
		}
	}
}

// TestServeEmbeddedDefault starts the server as the README does, with only a
// data directory and a free port, and checks /healthz and a clean stop.
func TestServeEmbeddedDefault(t *testing.T) {
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data", t.TempDir()}, noEnv, &out, &out)
	}()

	var resp *http.Response
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		resp, err = http.Get("http://" + addr + "/healthz")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("server did not answer: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.Status != "ok" {
		t.Errorf("/healthz = %d %+v, want 200 ok", resp.StatusCode, body)
	}

	stop()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after a clean stop\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `"backend":"embedded"`) {
		t.Errorf("the log does not say the embedded backend is in use:\n%s", out.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeStopsWithAnOpenEventStream: a change-feed client connected when
// the server is stopped does not hold the graceful shutdown to its timeout.
func TestServeStopsWithAnOpenEventStream(t *testing.T) {
	addr, data := freeAddr(t), t.TempDir()
	var tok bytes.Buffer
	if err := run(t.Context(), []string{"token", "--data", data, "--nip", "198609262015051001", "--role", "auditor", "issue"}, noEnv, &tok, &tok); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr, "--data", data}, noEnv, &out, &out) }()

	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/v1/events/stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("server did not answer: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream answered %d", resp.StatusCode)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v with a stream open; want a clean stop\n%s", err, out.String())
		}
	case <-time.After(8 * time.Second): // the shutdown timeout is 10 s
		t.Fatal("serve is still stopping 8 s after the signal: the open stream holds it")
	}
}
