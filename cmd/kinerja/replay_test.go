package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/postgres"
	"github.com/kinerja/kinerja/eventstore/postgres/pgtest"
	"github.com/kinerja/kinerja/projections/whatif"
)

// loadDemoInto loads the demo year into store through the API handler.
func loadDemoInto(t *testing.T, store eventstore.Store) {
	t.Helper()
	tokens, err := api.NewTokens(bytes.Repeat([]byte("demo-key-"), 4), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := loadDemo(t.Context(), store, tokens, &out); err != nil {
		t.Fatalf("loadDemo() = %v", err)
	}
}

// demoDir returns a data directory holding the demo year in the embedded
// ledger, closed.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	loadDemoInto(t, store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runReplay(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(t.Context(), append([]string{"replay"}, args...), func(string) string { return "" }, &o, &e)
	return o.String(), e.String(), err
}

// TestReplayDemo is the hand-checked history: the demo's Seksi Pelayanan
// Umum measures the service-response-time indicator, lower is better,
// target 8 hours, MIRRORED_RATIO ((16 - realised) / 8). Each quarter, people
// rated DI_ATAS report 7.0 hours (112.5%), SESUAI 8.0 (100%) and DI_BAWAH
// 10.3 (71.25%). Revised to higher-is-better (RATIO, realised / 8) from 1
// July, Q3 and Q4 become 87.5% for 7.0, 100% for 8.0 and 128.75% for 10.3:
//   - Tatang (the head), Budi, Cucu, Dian and Fajar: mean 112.5 → 100, the
//     recommendation DI_ATAS → SESUAI, while their evaluators decided
//     DI_ATAS, which stays;
//   - Siti: mean 71.25 → 100, DI_BAWAH → SESUAI; her keberatan already set
//     SESUAI, so her predicate is decided and stays;
//   - Endang, Gina, Hadi and Intan (8.0 hours) and everyone else: no change.
func TestReplayDemo(t *testing.T) {
	dir := demoDir(t)
	out := filepath.Join(dir, "report.json")
	before := ledgerHead(t, dir)
	stdout, stderr, err := runReplay(t, "--data", dir, "--indicator", "service-response-time", "--direction", "HIGHER_IS_BETTER", "--valid-from", "2026-07-01", "--out", out)
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, stderr)
	}
	if after := ledgerHead(t, dir); after != before {
		t.Errorf("the ledger's head moved from %s to %s: a replay must write nothing", before, after)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep whatif.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("the report is not JSON: %v", err)
	}

	down := map[string]string{"197712242003121003": "Tatang", "198601152010011007": "Budi", "198907072014032004": "Cucu", "199111112017081001": "Dian", "199409092019031003": "Fajar"}
	const siti = "199207172018012002"
	if len(rep.Evaluations) != 6 {
		t.Errorf("the report lists %d people, want 6 (Tatang, Budi, Cucu, Dian, Fajar, Siti)", len(rep.Evaluations))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, d := range rep.Evaluations {
		nip := string(d.Employee)
		wantBefore, wantAfter, wantMean := 112.5, 87.5, 100.0
		wantRec := [2]policy.Rating{policy.AboveExpectation, policy.AsExpected}
		wantDecided := policy.AboveExpectation
		switch {
		case nip == siti:
			wantBefore, wantAfter = 71.25, 128.75
			wantRec = [2]policy.Rating{policy.BelowExpectation, policy.AsExpected}
			wantDecided = policy.AsExpected
		case down[nip] == "":
			t.Errorf("%s changes, but is not in Seksi Pelayanan Umum with a rating away from SESUAI: %+v", nip, d)
			continue
		}
		if len(d.Achievements) != 2 || d.Period != "2026" {
			t.Errorf("%s: achievements %+v of period %q, want Q3 and Q4 of 2026", nip, d.Achievements, d.Period)
			continue
		}
		for i, a := range d.Achievements {
			if wantPeriod := []string{"2026-Q3", "2026-Q4"}[i]; a.Period != wantPeriod || !near(a.Before, wantBefore) || !near(a.After, wantAfter) ||
				a.Rule != whatif.RuleIndicatorRevision || a.Event == nil || !strings.Contains(a.Reason, "planned LOWER_IS_BETTER against target 8, now HIGHER_IS_BETTER by RATIO") {
				t.Errorf("%s: achievement %+v, want %s from %g to %g by the revision, citing the realisation", nip, a, wantPeriod, wantBefore, wantAfter)
			}
		}
		w := d.WorkResult
		if w.MeanAfter == nil || !near(*w.MeanAfter, wantMean) || w.RecommendedBefore != wantRec[0] || w.RecommendedAfter != wantRec[1] || w.Decided != wantDecided {
			t.Errorf("%s: work result %+v, want recommended %s → %s with %s decided", nip, w, wantRec[0], wantRec[1], wantDecided)
		}
		if d.Predicate != nil {
			t.Errorf("%s: predicate %+v changes; decided ratings and the keberatan's decision stay", nip, d.Predicate)
		}
	}
	wantSum := whatif.Summary{Evaluations: 41, EvaluationsChanged: 6, PeopleChanged: 6, AchievementsChanged: 12, RecommendationsUp: 1, RecommendationsDown: 5, RecommendationsOnly: 5}
	if rep.Summary != wantSum {
		t.Errorf("summary = %+v, want %+v (40 evaluations and the Sekda's SKP, not evaluated)", rep.Summary, wantSum)
	}
	for _, want := range []string{"people changed                    6", "recommended ratings down          5", "199207172018012002", "DI_BAWAH_EKSPEKTASI → SESUAI_EKSPEKTASI", "Digest sha256:" + rep.Digest, "Report written to " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing (no progress bar off a terminal)", stderr)
	}

	// The same replay again gives the same bytes; as CSV it has one row per
	// change and the digest.
	again := filepath.Join(dir, "again.json")
	if _, _, err := runReplay(t, "--data", dir, "--indicator", "service-response-time", "--direction", "HIGHER_IS_BETTER", "--valid-from", "2026-07-01", "--out", again); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(again); err != nil || !bytes.Equal(b, body) {
		t.Errorf("a second run wrote a different report (err %v)", err)
	}
	csvOut := filepath.Join(dir, "report.csv")
	if _, _, err := runReplay(t, "--data", dir, "--indicator", "service-response-time", "--direction", "HIGHER_IS_BETTER", "--valid-from", "2026-07-01", "--out", csvOut); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(csvOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the CSV report does not parse: %v", err)
	}
	// A header, 12 achievements, 6 recommendations, the digest.
	if len(rows) != 20 || rows[0][0] != "kind" || rows[19][0] != "digest" || rows[19][8] != rep.Digest {
		t.Errorf("CSV has %d rows (last %q), want 20 ending with the digest %s", len(rows), rows[len(rows)-1], rep.Digest)
	}
	xlsxOut := filepath.Join(dir, "report.xlsx")
	if _, _, err := runReplay(t, "--data", dir, "--indicator", "service-response-time", "--direction", "HIGHER_IS_BETTER", "--valid-from", "2026-07-01", "--out", xlsxOut); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenFile(xlsxOut)
	if err != nil {
		t.Fatalf("the XLSX report does not open: %v", err)
	}
	defer book.Close()
	sheet, err := book.GetRows("Changes")
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet) != 20 || sheet[19][0] != "digest" || sheet[19][8] != rep.Digest {
		t.Errorf("the XLSX Changes sheet has %d rows, want the CSV's 20 ending with the digest %s", len(sheet), rep.Digest)
	}
}

// ledgerHead opens the embedded ledger in dir and returns its head.
func ledgerHead(t *testing.T, dir string) eventstore.Position {
	t.Helper()
	store, err := bolt.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	head, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// TestReplayAt replays the demo as it stood just after the Q2 reports
// (before the Q3 ones): the revision from July has nothing to change yet,
// and nobody is evaluated.
func TestReplayAt(t *testing.T) {
	dir := demoDir(t)
	store, err := bolt.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	var at eventstore.Position
	for after := eventstore.Start; ; {
		page, err := store.ReadAll(t.Context(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Type == "execution.realisation_reported" && bytes.Contains(e.Data, []byte(`"2026-Q3"`)) && at.IsZero() {
				at = after
			}
			after = e.Position
		}
	}
	store.Close()
	if at.IsZero() {
		t.Fatal("the demo has no Q3 realisation")
	}
	out := filepath.Join(dir, "at.json")
	stdout, stderr, err := runReplay(t, "--data", dir, "--indicator", "service-response-time", "--direction", "HIGHER_IS_BETTER", "--valid-from", "2026-07-01", "--at", at.String(), "--out", out)
	if err != nil {
		t.Fatalf("replay --at %s: %v\n%s", at, err, stderr)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep whatif.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	// 41 SKPs, none evaluated yet; the Q1 and Q2 reports are before July.
	if rep.Position != at.String() || rep.Summary.Evaluations != 41 || rep.Summary.EvaluationsChanged != 0 || len(rep.Evaluations) != 0 {
		t.Errorf("replay --at %s: position %s, summary %+v; want that position, 41 SKPs and no change", at, rep.Position, rep.Summary)
	}
	if !strings.Contains(stdout, "Replayed to position "+at.String()+" ") {
		t.Errorf("stdout does not name position %s:\n%s", at, stdout)
	}
}

// TestReplayRejects checks that a command line the replay cannot run is
// refused with the flag named, and writes nothing.
func TestReplayRejects(t *testing.T) {
	dir := demoDir(t)
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "nothing to substitute", args: []string{"--data", dir}, want: "name what to substitute"},
		{name: "no date", args: []string{"--data", dir, "--indicator", "service-response-time", "--direction", "RANGE"}, want: "--valid-from is required"},
		{name: "bad date", args: []string{"--data", dir, "--indicator", "service-response-time", "--direction", "RANGE", "--valid-from", "1 Juli"}, want: "is not a date"},
		{name: "half a range", args: []string{"--data", dir, "--indicator", "service-response-time", "--direction", "RANGE", "--target-min", "4", "--valid-from", "2026-07-01"}, want: "needs both --target-min and --target-max"},
		{name: "revision without indicator", args: []string{"--data", dir, "--direction", "RANGE"}, want: "name it with --indicator"},
		{name: "unknown indicator", args: []string{"--data", dir, "--indicator", "no-such", "--direction", "RANGE", "--valid-from", "2026-07-01"}, want: "holds no indicator"},
		{name: "unknown policy", args: []string{"--data", dir, "--policy", "permenpanrb-9-2099"}, want: "no rating policy"},
		{name: "pdf", args: []string{"--data", dir, "--quotas", policy.LegacyID, "--out", filepath.Join(dir, "r.pdf")}, want: ".json, .csv or .xlsx"},
		{name: "bad position", args: []string{"--data", dir, "--quotas", policy.LegacyID, "--at", "kemarin"}, want: "neither a log position nor a date"},
		{name: "bad unit", args: []string{"--data", dir, "--quotas", policy.LegacyID, "--unit", "bidang"}, want: "not a unit id"},
		{name: "bad year", args: []string{"--data", dir, "--quotas", policy.LegacyID, "--year", "26"}, want: "not a performance year"},
		{name: "no ledger", args: []string{"--data", empty, "--quotas", policy.LegacyID}, want: "no ledger in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runReplay(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("replay %q = %v, want an error saying %q", tt.args, err, tt.want)
			}
		})
	}
	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("the replay without a ledger left %d files in the data directory (err %v)", len(entries), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.xlsx")); err == nil {
		t.Error("a refused replay wrote r.xlsx")
	}
}

// TestReplayBackendsAgree loads the demo into the embedded and the
// PostgreSQL ledger and checks that the same replay gives the same digest
// on both, and on the embedded one twice.
func TestReplayBackendsAgree(t *testing.T) {
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Code: "service-response-time", Direction: indicator.HigherIsBetter, ValidFrom: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}}, Quotas: policy.LegacyID}
	digest := func(store eventstore.Store) string {
		t.Helper()
		rep, err := whatif.Run(t.Context(), store, eventstore.Position{}, subs, nil)
		if err != nil {
			t.Fatalf("Run() = %v", err)
		}
		if _, err := rep.JSON(); err != nil {
			t.Fatal(err)
		}
		if rep.Summary.EvaluationsChanged == 0 || rep.Summary.UnitsChanged == 0 {
			t.Errorf("the replay changes nothing (%+v): the comparison would prove little", rep.Summary)
		}
		return rep.Digest
	}
	embedded, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedded.Close() })
	loadDemoInto(t, embedded)
	pg, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	loadDemoInto(t, pg)

	first, second, onPG := digest(embedded), digest(embedded), digest(pg)
	t.Logf("digests: embedded %s and %s, PostgreSQL %s", first, second, onPG)
	if first != second {
		t.Errorf("two runs on the embedded ledger: digests %s and %s", first, second)
	}
	if first != onPG {
		t.Errorf("embedded digest %s, PostgreSQL digest %s: the backends disagree", first, onPG)
	}
}
