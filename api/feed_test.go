package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
)

type feedFixture struct {
	srv    *httptest.Server
	store  *bolt.Store
	tokens *Tokens
}

func newFeedFixture(t *testing.T) feedFixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tk := testTokens(t)
	tk.now = time.Now
	srv := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store}))
	t.Cleanup(srv.Close)
	return feedFixture{srv: srv, store: store, tokens: tk}
}

func (f feedFixture) appendEvents(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		_, err := f.store.Append(t.Context(), "skp-"+uuid.NewString(), eventstore.NoStream, eventstore.EventData{
			ID: uuid.New(), Type: "skp.drafted", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (f feedFixture) get(t *testing.T, path string, role Role, header ...string) *http.Response {
	t.Helper()
	tok, err := f.tokens.Issue(Caller{NIP: "198609262015051001", Roles: []Role{role}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestEventFeedPages(t *testing.T) {
	f := newFeedFixture(t)
	f.appendEvents(t, 5)

	var seen []string
	cursor := ""
	for range 4 {
		resp := f.get(t, "/v1/events?limit=2&after="+cursor, RoleAuditor)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var page eventsPage
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			seen = append(seen, e.Position)
			if e.Hash.IsZero() || e.Type != "skp.drafted" {
				t.Errorf("event without its envelope: %+v", e)
			}
		}
		cursor = page.Next
	}
	if got := strings.Join(seen, ","); got != "1,2,3,4,5" {
		t.Errorf("paged through positions %s, want 1,2,3,4,5", got)
	}
}

func TestEventFeedRefusals(t *testing.T) {
	f := newFeedFixture(t)
	tests := []struct {
		path   string
		role   Role
		status int
	}{
		{"/v1/events", RoleEmployee, http.StatusForbidden},
		{"/v1/events", RoleEvaluator, http.StatusForbidden},
		{"/v1/events?limit=0", RoleAuditor, http.StatusBadRequest},
		{"/v1/events?limit=5000", RoleAuditor, http.StatusBadRequest},
		{"/v1/events?after=yesterday", RoleAuditor, http.StatusBadRequest},
		{"/v1/events/stream", RoleEmployee, http.StatusForbidden},
	}
	for _, tt := range tests {
		resp := f.get(t, tt.path, tt.role)
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s as %s = %d %s, want %d problem+json", tt.path, tt.role, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
		}
	}
}

// TestEventStreamResumes reads the SSE feed, then reconnects with
// Last-Event-ID and gets only what came after, including events appended
// while it was connected.
func TestEventStreamResumes(t *testing.T) {
	f := newFeedFixture(t)
	f.appendEvents(t, 3)

	resp := f.get(t, "/v1/events/stream", RoleHR)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	ids := readSSEIDs(t, r, 3)
	f.appendEvents(t, 1) // committed while the client is connected
	ids = append(ids, readSSEIDs(t, r, 1)...)
	if got := strings.Join(ids, ","); got != "1,2,3,4" {
		t.Fatalf("stream ids %s, want 1,2,3,4", got)
	}
	resp.Body.Close()

	f.appendEvents(t, 1)
	resumed := f.get(t, "/v1/events/stream", RoleHR, "Last-Event-ID", "4")
	if got := readSSEIDs(t, bufio.NewReader(resumed.Body), 1); got[0] != "5" {
		t.Errorf("resumed at %s, want 5", got[0])
	}
}

func readSSEIDs(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var ids []string
	for len(ids) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (got ids %v)", err, ids)
		}
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "id: "); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	f := newFeedFixture(t)
	f.get(t, "/v1/events", RoleAuditor)
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `kinerja_http_requests_total{method="GET",route="/v1/events",status="200"} 1`
	if !strings.Contains(b.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}
