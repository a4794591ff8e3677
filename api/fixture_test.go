package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
)

// clock is the server's injected now, moved by the test between requests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// apiFixture is the whole API over a real event store, with a clock the
// test moves.
type apiFixture struct {
	srv    *httptest.Server
	store  eventstore.Store
	tokens *Tokens
	clock  *clock
}

// newAPIFixture serves the API over the embedded store in a temporary
// directory.
func newAPIFixture(t testing.TB, start time.Time) *apiFixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newAPIFixtureOn(t, store, start)
}

// newPostgresFixture serves the API over the PostgreSQL store, in a
// database of its own on the test cluster.
func newPostgresFixture(t testing.TB, start time.Time) *apiFixture {
	t.Helper()
	store, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newAPIFixtureOn(t, store, start)
}

func newAPIFixtureOn(t testing.TB, store eventstore.Store, start time.Time) *apiFixture {
	t.Helper()
	clk := &clock{t: start}
	tk, err := NewTokens(testKey, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store, Now: clk.Now,
		Runners: startRunners(t, store), ReadWait: 5 * time.Second}))
	t.Cleanup(srv.Close)
	return &apiFixture{srv: srv, store: store, tokens: tk, clock: clk}
}

// reply is an answer of the API, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r reply) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// str returns the string at a dotted path of the JSON body, "" if absent.
func (r reply) str(t testing.TB, path string) string {
	t.Helper()
	var v any = r.obj(t)
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// call sends a request as who (no token when who has no roles). body is
// sent as is when it is a string, as JSON otherwise, and not at all when nil.
// header holds name, value pairs.
func (f *apiFixture) call(t testing.TB, who Caller, method, path string, body any, header ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if len(who.Roles) > 0 {
		tok, err := f.tokens.Issue(who, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// must is call that fails the test unless the status is want.
func (f *apiFixture) must(t testing.TB, want int, who Caller, method, path string, body any, header ...string) reply {
	t.Helper()
	r := f.call(t, who, method, path, body, header...)
	if r.status != want {
		t.Fatalf("%s %s as %s: status %d, want %d; body %s", method, path, who.NIP, r.status, want, r.body)
	}
	return r
}

// head returns the position of the log's last event.
func (f *apiFixture) head(t testing.TB) eventstore.Position {
	t.Helper()
	p, err := f.store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// refused checks that r is a problem+json with status want naming field
// (when not empty) and rule (when not empty).
func refused(t testing.TB, r reply, want int, field, rule string) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem %q: %v", r.body, err)
	}
	if p.Title == "" || p.Type == "" || p.Status != want {
		t.Errorf("problem without type, title or status: %+v", p)
	}
	if field != "" && p.Field != field {
		t.Errorf("problem names field %q, want %q (%s)", p.Field, field, p.Title)
	}
	if rule != "" && p.Rule != rule {
		t.Errorf("problem names rule %q, want %q (%s)", p.Rule, rule, p.Title)
	}
}

// The people of the test instansi: a regency's dinas with one bidang.
var (
	pjBupati = Caller{NIP: "196805121990031002"} // not registered: above the ledger
	sekda    = Caller{NIP: "196902141992031003", Roles: []Role{RoleEmployee, RoleEvaluator}}
	kadis    = Caller{NIP: "197203151998031004", Roles: []Role{RoleEmployee, RoleEvaluator}}
	kabid    = Caller{NIP: "198004102005011002", Roles: []Role{RoleEmployee, RoleEvaluator}}
	ani      = Caller{NIP: "199003252015032001", Roles: []Role{RoleEmployee}}
	budi     = Caller{NIP: "199107072019031001", Roles: []Role{RoleEmployee}}
	citra    = Caller{NIP: "199202292020122001", Roles: []Role{RoleEmployee}}
	hrStaff  = Caller{NIP: "198609262015051001", Roles: []Role{RoleHR}}
	auditor  = Caller{NIP: "197501012000031001", Roles: []Role{RoleAuditor}}
	admin    = Caller{NIP: "198201012006041002", Roles: []Role{RoleAdmin}}
	nobody   = Caller{}
)

// tmtOf is the first day of the month of the TMT CPNS written in a NIP.
func tmtOf(n domain.NIP) string { return string(n[8:12]) + "-" + string(n[12:14]) + "-01" }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 8, 0, 0, 0, time.UTC) }
