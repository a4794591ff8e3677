package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
)

// TestLoadDemo loads the demo into a fresh embedded ledger, checks what
// the year left in it, loads it again to see that nothing is appended,
// and runs every printed curl command against the API handler with the
// printed tokens.
func TestLoadDemo(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tokens, err := api.NewTokens(bytes.Repeat([]byte("demo-key-"), 4), time.Now)
	if err != nil {
		t.Fatal(err)
	}

	_, people := demoOrganisation()
	for _, p := range people {
		if _, warnings, err := domain.ParseNIP(p.nip); err != nil || len(warnings) > 0 {
			t.Errorf("NIP %s of %s: %v %v", p.nip, p.name, err, warnings)
		}
	}

	var first bytes.Buffer
	start := time.Now()
	if err := loadDemo(t.Context(), store, tokens, &first); err != nil {
		t.Fatalf("loadDemo() on an empty ledger: %v", err)
	}
	t.Logf("demo loaded in %v", time.Since(start).Round(time.Millisecond))
	head := demoHead(t, store)

	l := readDemoLedger(t, store)
	counts := []struct {
		what      string
		got, want int
	}{
		{"employees registered", l.registered, 43},
		{"evaluations opened (the kecamatan's employees)", len(l.evaluations), 40},
		{"SKPs approved", l.approved, 41},
		{"evaluations LOCKED", l.stages[evaluation.StageLocked], 31},
		{"evaluations OPEN", l.stages[evaluation.StageOpen], 9},
		{"open evaluations with both ratings", l.ratedOpen, 6},
		{"keberatan filed", l.objectionsFiled, 1},
		{"keberatan decided", l.objectionsDecided, 1},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	for _, pr := range []policy.Predicate{policy.SangatBaik, policy.Baik, policy.ButuhPerbaikan} {
		if l.lockedPredicates[pr] == 0 {
			t.Errorf("no locked evaluation is %s; the demo should show a spread of predicates: %v", pr, l.lockedPredicates)
		}
	}
	wantChecks := map[string]string{
		"Kecamatan Sukamaju":    "FAIL overridden",
		"Sekretariat Kecamatan": "PASS",
		"Seksi Pemerintahan":    "FAIL PASS",
		"Seksi Pelayanan Umum":  "PASS",
	}
	for unit, want := range wantChecks {
		if got := l.checks[unit]; got != want {
			t.Errorf("distribution checks of %s: %q, want %q", unit, got, want)
		}
	}
	if got, ok := l.checks["Seksi Kesejahteraan Sosial"]; ok {
		t.Errorf("Seksi Kesejahteraan Sosial is still being rated, but its distribution was checked: %q", got)
	}

	var second bytes.Buffer
	if err := loadDemo(t.Context(), store, tokens, &second); err != nil {
		t.Fatalf("loadDemo() on the loaded ledger: %v", err)
	}
	if again := demoHead(t, store); again != head {
		t.Fatalf("the second load moved the ledger's head from %v to %v", head, again)
	}
	if !strings.Contains(second.String(), "nothing was loaded") {
		t.Errorf("the second load does not say that it loaded nothing:\n%s", second.String())
	}
	env1, curls1 := parseDemoOutput(t, first.String())
	env2, curls2 := parseDemoOutput(t, second.String())
	if !slices.Equal(curls1, curls2) {
		t.Errorf("the second load prints other commands:\n%s\nwant\n%s", strings.Join(curls2, "\n"), strings.Join(curls1, "\n"))
	}
	if len(curls2) < 4 {
		t.Errorf("%d curl commands printed, want at least 4:\n%s", len(curls2), second.String())
	}
	for _, env := range []map[string]string{env1, env2} {
		checkDemoTokens(t, tokens, env, l.nips)
	}

	// The commands run against a handler as serve builds it: the real clock
	// and the read models caught up with the log.
	runners := startDemoRunners(t, store)
	for _, r := range runners {
		if err := r.WaitFor(t.Context(), head, 5*time.Second); err != nil {
			t.Fatalf("read model %s: %v", r.Projection().Name(), err)
		}
	}
	h := api.New(api.Config{Logger: slog.New(slog.DiscardHandler), Tokens: tokens, Store: store, Runners: runners})
	var requests []curlRequest
	opened, rated := "", ""
	for _, line := range curls2 {
		c := parseCurl(t, line, env2)
		c.line = line
		requests = append(requests, c)
		id, rest, _ := strings.Cut(strings.TrimPrefix(c.path, "/v1/evaluations/"), "/")
		switch {
		case c.method == http.MethodPost && rest == "work-result-rating":
			rated = id
		case c.method == http.MethodGet && rest == "" && id != "/v1/evaluations":
			opened = id
		}
	}
	if opened == "" || rated == "" {
		t.Fatalf("the printed commands neither open (%q) nor rate (%q) an evaluation:\n%s", opened, rated, second.String())
	}
	camat := domain.NIP("197806222000121001") // decided the keberatan
	// What each answer must show, by the command's path.
	wants := map[string][]string{
		"/v1/evaluations":                                  {rated},
		"/v1/evaluations/" + opened:                        {`"stage":"LOCKED"`, "evaluation.objection_decided", string(camat)},
		"/v1/evaluations/" + opened + "/audit":             {string(camat)},
		"/v1/evaluations/" + rated + "/work-result-rating": {`"position"`},
	}
	for _, c := range requests {
		line := c.line
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(t.Context(), c.method, c.path, strings.NewReader(c.body))
			req.Header = c.header
			h.ServeHTTP(rec, req)
			if (rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed) && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Skipf("the API has no route %s %s yet (status %d)", c.method, c.path, rec.Code)
			}
			if rec.Code < 200 || rec.Code > 299 {
				t.Fatalf("%s: status %d: %s", line, rec.Code, rec.Body.String())
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: the answer is not JSON: %s", line, rec.Body.String())
			}
			want, ok := wants[c.path]
			if !ok {
				t.Fatalf("%s: the test does not know what this command should show", line)
			}
			for _, w := range want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("%s: the answer lacks %s: %s", line, w, rec.Body.String())
				}
			}
		})
	}
	id, err := uuid.Parse(rated)
	if err != nil {
		t.Fatalf("the rating command names evaluation %q: %v", rated, err)
	}
	h2, err := eventstore.Load(t.Context(), store, evaluation.Stream(id), evaluation.Decode)
	if err != nil {
		t.Fatal(err)
	}
	if work, _ := evaluation.ReplayEvaluation(h2.Events).Ratings(); work != policy.AsExpected {
		t.Errorf("after the printed rating the evaluation's work result is %q, want %s", work, policy.AsExpected)
	}
}

// startDemoRunners runs one runner per projection the API serves, on the
// memory sink, until the test ends.
func startDemoRunners(t *testing.T, store eventstore.Store) []*projections.Runner {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var runners []*projections.Runner
	for _, p := range api.Projections() {
		r := projections.NewRunner(store, p, projections.Memory{}, projections.Config{MinBackoff: 10 * time.Millisecond}, slog.New(slog.DiscardHandler))
		runners = append(runners, r)
		wg.Go(func() {
			if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("runner %s: %v", p.Name(), err)
			}
		})
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return runners
}

func demoHead(t *testing.T, store eventstore.Store) eventstore.Position {
	t.Helper()
	p, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// demoLedger is what the demo left in the ledger, read from the events
// themselves rather than through the demo's code.
type demoLedger struct {
	registered, approved               int
	objectionsFiled, objectionsDecided int
	evaluations                        map[string][]evaluation.Event
	stages                             map[evaluation.Stage]int
	ratedOpen                          int
	lockedPredicates                   map[policy.Predicate]int
	checks                             map[string]string // unit name → results in order, and "overridden"
	nips                               map[domain.NIP]bool
}

// readDemoLedger reads the whole log. Every event must name as its actor a
// person of the demo under the role they act in.
func readDemoLedger(t *testing.T, store eventstore.Store) demoLedger {
	t.Helper()
	_, people := demoOrganisation()
	l := demoLedger{evaluations: map[string][]evaluation.Event{}, stages: map[evaluation.Stage]int{}, lockedPredicates: map[policy.Predicate]int{},
		checks: map[string]string{}, nips: map[domain.NIP]bool{}}
	for _, p := range people {
		l.nips[domain.NIP(p.nip)] = true
	}
	unitNames := map[uuid.UUID]string{}
	assessments := map[string][]evaluation.Event{}
	roles := map[string]bool{}
	after := eventstore.Start
	for {
		recs, err := store.ReadAll(t.Context(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if a := rec.Metadata.Actor; !l.nips[domain.NIP(a.ID)] || a.Role == "" {
				t.Errorf("%s %s@%d was recorded with actor %+v, not a person of the demo", rec.Type, rec.Stream, rec.Revision, a)
			}
			roles[rec.Metadata.Actor.Role] = true
			switch {
			case rec.Type == org.EmployeeRegistered{}.EventType():
				l.registered++
			case rec.Type == org.UnitDefined{}.EventType():
				var u org.UnitDefined
				if err := json.Unmarshal(rec.Data, &u); err != nil {
					t.Fatal(err)
				}
				unitNames[u.Unit] = u.Name
			case rec.Type == skp.Approved{}.EventType():
				l.approved++
			case strings.HasPrefix(rec.Stream, "evaluation-"), strings.HasPrefix(rec.Stream, "unitassessment-"):
				e, err := evaluation.Decode(rec.Type, rec.Data)
				if err != nil {
					t.Fatalf("decode %s@%d: %v", rec.Stream, rec.Revision, err)
				}
				if strings.HasPrefix(rec.Stream, "evaluation-") {
					l.evaluations[rec.Stream] = append(l.evaluations[rec.Stream], e)
				} else {
					assessments[rec.Stream] = append(assessments[rec.Stream], e)
				}
			}
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].Position
	}
	for _, r := range []api.Role{api.RoleEmployee, api.RoleEvaluator, api.RoleHR} {
		if !roles[string(r)] {
			t.Errorf("no event was recorded under role %s", r)
		}
	}
	for _, events := range l.evaluations {
		ev := evaluation.ReplayEvaluation(events)
		l.stages[ev.Stage()]++
		switch {
		case ev.Stage() == evaluation.StageLocked:
			l.lockedPredicates[ev.Predicate()]++
		case ev.Stage() == evaluation.StageOpen && ev.Predicate() != "":
			l.ratedOpen++
		}
		for _, e := range events {
			switch e.(type) {
			case evaluation.ObjectionFiled:
				l.objectionsFiled++
			case evaluation.ObjectionDecided:
				l.objectionsDecided++
			}
		}
	}
	for _, events := range assessments {
		var unit uuid.UUID
		var results []string
		for _, e := range events {
			switch e := e.(type) {
			case evaluation.OrgPredicateSet:
				unit = e.Unit
			case evaluation.DistributionChecked:
				results = append(results, e.Result)
			case evaluation.OverrideRecorded:
				results = append(results, "overridden")
			}
		}
		if len(results) > 0 {
			l.checks[unitNames[unit]] = strings.Join(results, " ")
		}
	}
	return l
}

// parseDemoOutput returns the variables the output exports and its curl
// commands. Every other line must be a shell comment.
func parseDemoOutput(t *testing.T, out string) (map[string]string, []string) {
	t.Helper()
	env := map[string]string{}
	var curls []string
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "export "):
			name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if !ok {
				t.Fatalf("export line without a value: %q", line)
			}
			env[name] = value
		case strings.HasPrefix(line, "curl "):
			curls = append(curls, line)
		case line != "" && !strings.HasPrefix(line, "#"):
			t.Errorf("line %q is neither a comment, an export nor a curl command, so the output cannot be pasted into a shell", line)
		}
	}
	return env, curls
}

// checkDemoTokens checks that env holds a token for each role, each for a
// person of the demo and only that role.
func checkDemoTokens(t *testing.T, tokens *api.Tokens, env map[string]string, nips map[domain.NIP]bool) {
	t.Helper()
	for _, r := range []api.Role{api.RoleEmployee, api.RoleEvaluator, api.RoleHR, api.RoleAuditor, api.RoleAdmin} {
		name := "KINERJA_" + strings.ToUpper(string(r))
		c, err := tokens.Verify(env[name])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !nips[c.NIP] || !slices.Equal(c.Roles, []api.Role{r}) {
			t.Errorf("%s is for %s with roles %v, want a person of the demo as %s", name, c.NIP, c.Roles, r)
		}
	}
}

type curlRequest struct {
	line, method, path, body string
	header                   http.Header
}

// parseCurl reads the curl options the demo prints: -s, -X, -H, -d and the
// URL, with shell quoting and $VARIABLES from env.
func parseCurl(t *testing.T, line string, env map[string]string) curlRequest {
	t.Helper()
	words, err := shellWords(line, env)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	c := curlRequest{method: http.MethodGet, header: http.Header{}}
	for i := 1; i < len(words); i++ {
		w := words[i]
		next := func() string {
			if i+1 >= len(words) {
				t.Fatalf("%s: %s needs a value", line, w)
			}
			i++
			return words[i]
		}
		switch {
		case w == "-s":
		case w == "-X":
			c.method = next()
		case w == "-H":
			name, value, ok := strings.Cut(next(), ":")
			if !ok {
				t.Fatalf("%s: header %q has no colon", line, words[i])
			}
			c.header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		case w == "-d":
			c.body = next()
		case strings.HasPrefix(w, demoBaseURL+"/"):
			c.path = strings.TrimPrefix(w, demoBaseURL)
		default:
			t.Fatalf("%s: unexpected word %q", line, w)
		}
	}
	if c.path == "" {
		t.Fatalf("%s: no URL under %s", line, demoBaseURL)
	}
	return c
}

// shellWords splits line as a POSIX shell would for the quoting the demo
// prints: single quotes literal, double quotes and bare words expanding
// $NAME from env.
func shellWords(line string, env map[string]string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote == '\'' && ch == '\'':
			quote = 0
		case quote == '\'':
			w.WriteByte(ch)
		case ch == '$':
			j := i + 1
			for j < len(line) && (line[j] == '_' || line[j] >= 'A' && line[j] <= 'Z' || line[j] >= 'a' && line[j] <= 'z' || line[j] >= '0' && line[j] <= '9') {
				j++
			}
			v, ok := env[line[i+1:j]]
			if !ok {
				return nil, fmt.Errorf("$%s is not exported by the demo's output", line[i+1:j])
			}
			w.WriteString(v)
			inWord = true
			i = j - 1
		case quote == '"' && ch == '"':
			quote = 0
		case quote == '"':
			w.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
