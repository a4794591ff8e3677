package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
)

func TestReadyzWhenCaughtUp(t *testing.T) {
	f, head := newQueryFixture(t)
	f.must(t, http.StatusOK, kabid, "GET", "/v1/evaluations?min_position="+head, nil) // index and appraisal caught up
	for _, p := range []string{"/v1/inbox", "/v1/me", "/v1/indicators", "/v1/employees/" + string(budi.NIP) + "/daily-progress?month=2026-03",
		"/v1/units/" + qUnit.String() + "/cascade?year=2026", "/v1/units/" + qUnit.String() + "/distribution?period=2026-TAHUNAN",
		"/v1/employees/" + string(budi.NIP) + "/audit"} {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		f.must(t, http.StatusOK, hrOrEvaluator(p), "GET", p+sep+"min_position="+head, nil)
	}
	r := f.must(t, http.StatusOK, nobody, "GET", "/readyz", nil)
	got := decodeInto[readyResponse](t, r)
	if got.Status != "ready" || len(got.Projections) != len(Projections()) {
		t.Fatalf("readyz = %+v, want ready with %d projections", got, len(Projections()))
	}
	for _, p := range got.Projections {
		if p.Lag != 0 || p.Position != head || p.Error != "" {
			t.Errorf("projection %+v, want lag 0 at %s", p, head)
		}
	}
	m := f.must(t, http.StatusOK, nobody, "GET", "/metrics", nil)
	if !regexp.MustCompile(`(?m)^kinerja_projection_lag_events\{projection="inbox"\} 0$`).Match(m.body) {
		t.Errorf("metrics lack a zero lag gauge for the inbox:\n%s", grepLines(string(m.body), "kinerja_projection_lag"))
	}
}

func hrOrEvaluator(path string) Caller {
	if path == "/v1/inbox" {
		return kabid
	}
	return hrStaff
}

func TestReadyzWhenLagging(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &history{t: t, store: store}
	queryHistory(h)
	var stopped []*projections.Runner
	for _, p := range Projections() {
		stopped = append(stopped, projections.NewRunner(store, p, projections.Memory{}, projections.Config{}, slog.New(slog.DiscardHandler)))
	}
	tk, err := NewTokens(testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store, Runners: stopped, MaxLag: 5}))
	t.Cleanup(srv.Close)
	f := &apiFixture{srv: srv, store: store, tokens: tk}

	r := f.call(t, nobody, "GET", "/readyz", nil)
	refused(t, r, http.StatusServiceUnavailable, "", "projection-lag")
	for _, name := range []string{"audit", "inbox", "api_evaluation_index"} {
		if !strings.Contains(string(r.body), name+" (") {
			t.Errorf("problem %s does not name the lagging %s", r.body, name)
		}
	}
	m := f.must(t, http.StatusOK, nobody, "GET", "/metrics", nil)
	want := `kinerja_projection_lag_events{projection="audit"} ` + f.head(t).String()
	if !strings.Contains(string(m.body), want+"\n") {
		t.Errorf("metrics lack %q:\n%s", want, grepLines(string(m.body), "kinerja_projection_lag"))
	}

	bare := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store}))
	t.Cleanup(bare.Close)
	refused(t, (&apiFixture{srv: bare, tokens: tk}).call(t, nobody, "GET", "/readyz", nil), http.StatusServiceUnavailable, "", "not-ready")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
