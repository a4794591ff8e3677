package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
)

// The things of the hand-made history of the query tests.
var (
	qUnit   = uuid.MustParse("00000000-0000-0000-0000-000000000001")
	qSKPK   = uuid.MustParse("00000000-0000-0000-0000-00000000000a") // kabid's
	qSKPA   = uuid.MustParse("00000000-0000-0000-0000-00000000000b") // ani's, submitted
	qSKPB   = uuid.MustParse("00000000-0000-0000-0000-00000000000c") // budi's, approved
	qRHKK   = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	qRHKA   = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	qRHKB   = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	qIKIB   = uuid.MustParse("00000000-0000-0000-0000-0000000000c2")
	qEval1  = uuid.MustParse("00000000-0000-0000-0000-0000000000e1") // budi's, finalised BAIK
	qEval2  = uuid.MustParse("00000000-0000-0000-0000-0000000000e2") // kabid's, open
	qInd    = uuid.MustParse("00000000-0000-0000-0000-0000000000f1")
	qLog1   = uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	qLog2   = uuid.MustParse("00000000-0000-0000-0000-0000000000d2")
	qJan1   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	qDec31  = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	qAt     = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	qPeriod = evaluation.Period{ID: "2026-TAHUNAN", Start: qJan1, End: qDec31}
)

// history appends hand-made events to a store, each stream with exact
// expected revisions, as the API would.
type history struct {
	t     testing.TB
	store eventstore.Store
	next  map[string]uint64
	n     int
}

func (h *history) add(stream string, actor domain.NIP, role string, events ...eventstore.Typed) eventstore.Position {
	h.t.Helper()
	if h.next == nil {
		h.next = map[string]uint64{}
	}
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		body, err := json.Marshal(e)
		if err != nil {
			h.t.Fatal(err)
		}
		h.n++
		data[i] = eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: body,
			Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: string(actor), Role: role}, CommandID: uuid.New(), SchemaVersion: 1}}
	}
	expected := eventstore.NoStream
	if n, ok := h.next[stream]; ok {
		expected = eventstore.Exact(n - 1)
	}
	res, err := h.store.Append(h.t.Context(), stream, expected, data...)
	if err != nil {
		h.t.Fatalf("append to %s: %v", stream, err)
	}
	h.next[stream] = res.Revision + 1
	return res.Position
}

// queryHistory is a bidang whose head is kabid: kabid's SKP is approved by
// kadis; ani's SKP, below kabid's RHK, waits for kabid's approval; budi's,
// also below it, is approved, logs 90 approved and 30 draft minutes in March
// and is evaluated BAIK and finalised; kabid's own evaluation is open. One
// indicator has two versions.
func queryHistory(h *history) {
	h.add(org.UnitStream(qUnit), hrStaff.NIP, "hr",
		org.UnitDefined{Unit: qUnit, Name: "Bidang Perizinan", EffectiveFrom: qJan1, By: hrStaff.NIP, At: qAt},
		org.HeadAppointed{Unit: qUnit, Head: kabid.NIP, EffectiveFrom: qJan1, DecisionRef: "SK-1/2026", By: hrStaff.NIP, At: qAt})
	plan := func(id uuid.UUID, who, evaluator, superior domain.NIP, rhk skp.RHK, ikis ...skp.IKI) {
		events := []eventstore.Typed{
			skp.Drafted{SKP: id, Employee: who, Evaluator: evaluator, EvaluatorSuperior: superior, Approach: skp.Quantitative, Start: qJan1, End: qDec31, At: qAt},
			skp.RHKAdded{RHK: rhk, At: qAt},
		}
		for _, iki := range ikis {
			events = append(events, skp.IKIAdded{IKI: iki, At: qAt})
		}
		h.add(skp.Stream(id), who, "employee", append(events, skp.Submitted{By: who, At: qAt})...)
	}
	plan(qSKPK, kabid.NIP, kadis.NIP, sekda.NIP, skp.RHK{ID: qRHKK, Kind: skp.Utama, Text: "Perizinan terbit tepat waktu", Parent: &skp.ParentRef{SKP: uuid.New(), RHK: uuid.New()}, ValidFrom: qJan1})
	h.add(skp.Stream(qSKPK), kadis.NIP, "evaluator", skp.Approved{By: kadis.NIP, At: qAt})
	plan(qSKPA, ani.NIP, kabid.NIP, kadis.NIP, skp.RHK{ID: qRHKA, Kind: skp.Utama, Text: "Berkas izin diverifikasi", Parent: &skp.ParentRef{SKP: qSKPK, RHK: qRHKK}, ValidFrom: qJan1})
	plan(qSKPB, budi.NIP, kabid.NIP, kadis.NIP, skp.RHK{ID: qRHKB, Kind: skp.Utama, Text: "Izin diterbitkan", Parent: &skp.ParentRef{SKP: qSKPK, RHK: qRHKK}, ValidFrom: qJan1},
		skp.IKI{ID: qIKIB, RHK: qRHKB, Text: "Izin terbit", Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter, Target: indicator.Target{Value: 12}, Unit: "Izin", ValidFrom: qJan1})
	h.add(skp.Stream(qSKPB), kabid.NIP, "evaluator", skp.Approved{By: kabid.NIP, At: qAt})

	march2, march3 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	h.add(execution.Stream(qSKPB), budi.NIP, "employee",
		execution.Opened{SKP: qSKPB, Employee: budi.NIP, Evaluator: kabid.NIP, Start: qJan1, End: qDec31, At: qAt},
		execution.DailyProgressLogged{Log: qLog1, Date: march2, RHK: &qRHKB, Description: "verifikasi 12 berkas", Minutes: 90, At: qAt},
		execution.DailyProgressSubmitted{Log: qLog1, At: qAt})
	h.add(execution.Stream(qSKPB), kabid.NIP, "evaluator", execution.DailyProgressApproved{Log: qLog1, By: kabid.NIP, At: qAt})
	h.add(execution.Stream(qSKPB), budi.NIP, "employee",
		execution.DailyProgressLogged{Log: qLog2, Date: march3, Description: "rapat koordinasi", Minutes: 30, At: qAt})

	h.add(evaluation.Stream(qEval1), kabid.NIP, "evaluator",
		evaluation.Opened{Evaluation: qEval1, Employee: budi.NIP, Evaluator: kabid.NIP, EvaluatorSuperior: kadis.NIP, SKP: qSKPB, Unit: qUnit, Period: qPeriod, Policy: policy.DefaultID, At: qAt},
		evaluation.WorkResultRated{Rating: policy.AsExpected, Rationale: "sesuai target", RatedBy: kabid.NIP, At: qAt},
		evaluation.BehaviourRated{Rating: policy.AsExpected, Notes: "baik", RatedBy: kabid.NIP, At: qAt},
		evaluation.PredicateDetermined{Predicate: policy.Baik, WorkResult: policy.AsExpected, Behaviour: policy.AsExpected, Policy: policy.DefaultID, At: qAt},
		evaluation.Finalized{SignedBy: kabid.NIP, SignatureRef: "sig-1", At: qAt})
	h.add(evaluation.Stream(qEval2), kadis.NIP, "evaluator",
		evaluation.Opened{Evaluation: qEval2, Employee: kabid.NIP, Evaluator: kadis.NIP, EvaluatorSuperior: sekda.NIP, SKP: qSKPK, Unit: qUnit, Period: qPeriod, UnitHead: true, Policy: policy.DefaultID, At: qAt})

	def := indicator.Definition{Name: "Izin terbit tepat waktu", Aspect: indicator.Quantity, UnitOfMeasure: "Dokumen", Direction: indicator.HigherIsBetter}
	h.add(indicator.Stream(qInd), hrStaff.NIP, "hr", indicator.Defined{Indicator: qInd, Code: "izin-tepat-waktu", Definition: def, ValidFrom: qJan1, DefinedBy: hrStaff.NIP, At: qAt})
	def.UnitOfMeasure = "Izin"
	h.add(indicator.Stream(qInd), hrStaff.NIP, "hr", indicator.Revised{Indicator: qInd, Version: 2, Definition: def, Changed: []string{"unit_of_measure"},
		ValidFrom: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Reason: "satuan diseragamkan", ApprovedBy: hrStaff.NIP, At: qAt})
}

// startRunners runs one runner per projection of Projections() on the
// memory sink until the test ends.
func startRunners(t testing.TB, store eventstore.Store) []*projections.Runner {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var runners []*projections.Runner
	for _, p := range Projections() {
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

// newQueryFixture serves the API with live read models over the embedded
// store holding queryHistory, and returns it with the log head.
func newQueryFixture(t testing.TB) (*apiFixture, string) {
	t.Helper()
	return newHistoryFixture(t, queryHistory)
}

// newHistoryFixture serves the API with live read models over an embedded
// store that fill wrote, and returns it with the log head.
func newHistoryFixture(t testing.TB, fill func(*history)) (*apiFixture, string) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	fill(&history{t: t, store: store})
	clk := &clock{t: qAt}
	tk, err := NewTokens(testKey, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store, Now: clk.Now,
		Runners: startRunners(t, store), ReadWait: 5 * time.Second}))
	t.Cleanup(srv.Close)
	f := &apiFixture{srv: srv, store: store, tokens: tk, clock: clk}
	return f, f.head(t).String()
}

// decodeInto decodes r's body into a value of type T.
func decodeInto[T any](t testing.TB, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return v
}

func TestInboxAndMe(t *testing.T) {
	f, head := newQueryFixture(t)

	inbox := decodeInto[struct {
		Position string
		Data     projections.Inbox
	}](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/inbox?min_position="+head, nil))
	if inbox.Position != head {
		t.Errorf("inbox at position %s, want the head %s", inbox.Position, head)
	}
	var got []string
	for _, it := range inbox.Data.Items {
		got = append(got, it.Kind+" "+string(it.Employee)+" "+it.Subject.String())
	}
	// ani's SKP waits for approval, budi's finalised evaluation no longer
	// waits, and budi's approved log entry is done.
	want := []string{"approve_skp " + string(ani.NIP) + " " + qSKPA.String()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kabid's inbox = %q, want %q", got, want)
	}

	kadisInbox := decodeInto[struct{ Data projections.Inbox }](t, f.must(t, http.StatusOK, kadis, "GET", "/v1/inbox?min_position="+head, nil))
	got = nil
	for _, it := range kadisInbox.Data.Items {
		got = append(got, it.Kind+" "+string(it.Employee)+" "+it.Subject.String())
	}
	if want := []string{"evaluate " + string(kabid.NIP) + " " + qEval2.String()}; !reflect.DeepEqual(got, want) {
		t.Errorf("kadis's inbox = %q, want %q", got, want)
	}

	me := decodeInto[struct{ Data projections.EmployeePage }](t, f.must(t, http.StatusOK, budi, "GET", "/v1/me?min_position="+head, nil))
	if len(me.Data.SKPs) != 1 || me.Data.SKPs[0].SKP != qSKPB || me.Data.SKPs[0].Status != skp.StatusApproved || me.Data.SKPs[0].Evaluator != kabid.NIP {
		t.Errorf("budi's page SKPs = %+v, want his approved SKP %s evaluated by kabid", me.Data.SKPs, qSKPB)
	}
	if len(me.Data.Evaluations) != 1 || me.Data.Evaluations[0].Evaluation != qEval1 || me.Data.Evaluations[0].Predicate != policy.Baik {
		t.Errorf("budi's page evaluations = %+v, want %s with BAIK", me.Data.Evaluations, qEval1)
	}
	if me.Data.Employee != budi.NIP {
		t.Errorf("page of %s, want budi %s", me.Data.Employee, budi.NIP)
	}

	refused(t, f.call(t, budi, "GET", "/v1/inbox", nil), http.StatusForbidden, "", "role")
}

func TestListEvaluations(t *testing.T) {
	f, head := newQueryFixture(t)
	type page struct {
		Items []projections.EvaluationView
		Next  string `json:"next_cursor"`
	}
	ids := func(p page) []uuid.UUID {
		var out []uuid.UUID
		for _, v := range p.Items {
			out = append(out, v.Evaluation)
		}
		return out
	}
	tests := []struct {
		name  string
		who   Caller
		query string
		want  []uuid.UUID
		more  bool
	}{
		{name: "auditor sees all", who: auditor, want: []uuid.UUID{qEval1, qEval2}},
		{name: "HR filters by stage", who: hrStaff, query: "&stage=FINALIZED", want: []uuid.UUID{qEval1}},
		{name: "HR filters by unit and period", who: hrStaff, query: "&unit=" + qUnit.String() + "&period=2026-TAHUNAN", want: []uuid.UUID{qEval1, qEval2}},
		{name: "another period has none", who: hrStaff, query: "&period=2025-TAHUNAN", want: nil},
		{name: "a page of one", who: admin, query: "&limit=1", want: []uuid.UUID{qEval1}, more: true},
		{name: "budi's page of one is his last", who: budi, query: "&limit=1", want: []uuid.UUID{qEval1}},
		{name: "budi sees his own", who: budi, want: []uuid.UUID{qEval1}},
		{name: "kabid sees the one he rates and his own", who: kabid, want: []uuid.UUID{qEval1, qEval2}},
		{name: "kadis sees the one he rates and the one he is superior of", who: kadis, want: []uuid.UUID{qEval1, qEval2}},
		{name: "sekda sees kabid's, as superior", who: sekda, want: []uuid.UUID{qEval2}},
		{name: "ani has none", who: ani, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeInto[page](t, f.must(t, http.StatusOK, tt.who, "GET", "/v1/evaluations?min_position="+head+tt.query, nil))
			if got := ids(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("evaluations = %v, want %v", got, tt.want)
			}
			if (p.Next != "") != tt.more {
				t.Errorf("next_cursor = %q, want one: %v", p.Next, tt.more)
			}
		})
	}

	var walked []uuid.UUID
	cursor := ""
	for range 5 {
		p := decodeInto[page](t, f.must(t, http.StatusOK, admin, "GET", "/v1/evaluations?limit=1&cursor="+cursor, nil))
		walked = append(walked, ids(p)...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if want := []uuid.UUID{qEval1, qEval2}; !reflect.DeepEqual(walked, want) {
		t.Errorf("pages of one gave %v, want %v in the order they were opened", walked, want)
	}

	p := decodeInto[page](t, f.must(t, http.StatusOK, budi, "GET", "/v1/evaluations", nil))
	if len(p.Items) != 1 {
		t.Fatalf("budi's evaluations = %+v, want one", p.Items)
	}
	if v := p.Items[0]; v.Stage != evaluation.StageFinalized || v.Predicate != policy.Baik || v.Evaluator != kabid.NIP || v.WorkResult != policy.AsExpected {
		t.Errorf("budi's evaluation = %+v, want FINALIZED, BAIK, rated SESUAI_EKSPEKTASI by kabid", v)
	}

	for _, bad := range []struct{ query, field string }{
		{"stage=DONE", "stage"}, {"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=x", "limit"},
		{"unit=nope", "unit"}, {"cursor=nope", "cursor"}, {"min_position=x", "min_position"},
	} {
		refused(t, f.call(t, hrStaff, "GET", "/v1/evaluations?"+bad.query, nil), http.StatusBadRequest, bad.field, "")
	}
}

func TestAuditTrails(t *testing.T) {
	f, head := newQueryFixture(t)
	type trail struct {
		Position string
		Items    []projections.AuditEntry
	}
	changes := func(tr trail) []string {
		var out []string
		for _, e := range tr.Items {
			out = append(out, e.Change+" "+e.Subject+" by "+e.Actor)
		}
		return out
	}

	ev := decodeInto[trail](t, f.must(t, http.StatusOK, budi, "GET", "/v1/evaluations/"+qEval1.String()+"/audit?min_position="+head, nil))
	if len(ev.Items) == 0 {
		t.Fatal("the evaluation's audit trail is empty")
	}
	for _, e := range ev.Items {
		if e.Evaluation != qEval1 || e.Employee != budi.NIP || e.Stream != evaluation.Stream(qEval1) {
			t.Errorf("entry %s is not of budi's evaluation %s", e, qEval1)
		}
	}
	evChanges := changes(ev)

	sk := decodeInto[trail](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/skps/"+qSKPB.String()+"/audit?min_position="+head, nil))
	rated := []string{
		"work_result_rating_set work_result_rating by " + string(kabid.NIP),
		"behaviour_rating_set behaviour_rating by " + string(kabid.NIP),
		"predicate_set predicate by " + string(kabid.NIP),
	}
	if got, want := changes(sk), append([]string{"target_set iki:" + qIKIB.String() + " by " + string(budi.NIP)}, rated...); !reflect.DeepEqual(got, want) {
		t.Errorf("budi's SKP trail = %q, want %q", got, want)
	}
	for _, e := range sk.Items {
		if e.SKP != qSKPB {
			t.Errorf("entry %s is not of SKP %s", e, qSKPB)
		}
	}

	if !reflect.DeepEqual(evChanges, rated) {
		t.Errorf("evaluation trail = %q, want %q", evChanges, rated)
	}

	emp := decodeInto[trail](t, f.must(t, http.StatusOK, auditor, "GET", "/v1/employees/"+string(budi.NIP)+"/audit?min_position="+head, nil))
	if len(emp.Items) < len(ev.Items) {
		t.Errorf("budi's trail has %d entries, fewer than his evaluation's %d", len(emp.Items), len(ev.Items))
	}
	for _, e := range emp.Items {
		if e.Employee != budi.NIP {
			t.Errorf("entry %s in budi's trail is someone else's", e)
		}
	}

	// The same trail as the CSV and printable HTML reports: one row per
	// entry, each with the event id and position that prove it.
	csvReply := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+qEval1.String()+"/audit?format=csv&min_position="+head, nil)
	rows, err := csv.NewReader(bytes.NewReader(csvReply.body)).ReadAll()
	if err != nil || len(rows) != len(ev.Items)+1 {
		t.Fatalf("CSV report: %d rows, %v; want a header and %d rows", len(rows), err, len(ev.Items))
	}
	for i, e := range ev.Items {
		if row := strings.Join(rows[i+1], ","); !strings.Contains(row, e.EventID.String()) || !strings.Contains(row, ","+e.Position) {
			t.Errorf("CSV row %d %q lacks event %s at position %s", i, row, e.EventID, e.Position)
		}
	}
	page := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+qEval1.String()+"/audit?format=html", nil)
	if ct := page.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !bytes.Contains(page.body, []byte(ev.Items[0].EventID.String())) {
		t.Errorf("HTML report: %s without the first event id", ct)
	}
	refused(t, f.call(t, auditor, "GET", "/v1/evaluations/"+qEval1.String()+"/audit?format=pdf", nil), http.StatusBadRequest, "format", "")

	refused(t, f.call(t, hrStaff, "GET", "/v1/evaluations/"+uuid.NewString()+"/audit", nil), http.StatusNotFound, "", "")
	refused(t, f.call(t, hrStaff, "GET", "/v1/skps/"+uuid.NewString()+"/audit", nil), http.StatusNotFound, "", "")
	refused(t, f.call(t, hrStaff, "GET", "/v1/evaluations/x/audit", nil), http.StatusBadRequest, "id", "")
	refused(t, f.call(t, hrStaff, "GET", "/v1/employees/123/audit", nil), http.StatusBadRequest, "nip", "")
}

func TestDailyProgressDistributionCascade(t *testing.T) {
	f, head := newQueryFixture(t)

	m := decodeInto[struct{ Data projections.MonthProgress }](t, f.must(t, http.StatusOK, budi, "GET", "/v1/employees/"+string(budi.NIP)+"/daily-progress?month=2026-03&min_position="+head, nil)).Data
	if m.Entries != 2 || m.Minutes != 120 || m.ByStatus.Approved != (projections.Tally{Entries: 1, Minutes: 90}) || m.ByStatus.Draft != (projections.Tally{Entries: 1, Minutes: 30}) || m.Days[1] != 90 || m.Days[2] != 30 {
		t.Errorf("budi's March = %+v, want 2 entries, 120 minutes: 90 approved on the 2nd, 30 draft on the 3rd", m)
	}
	empty := decodeInto[struct{ Data projections.MonthProgress }](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/employees/"+string(budi.NIP)+"/daily-progress?month=2026-04", nil)).Data
	if empty.Entries != 0 || empty.Employee != budi.NIP || empty.Month != "2026-04" {
		t.Errorf("budi's April = %+v, want an empty month", empty)
	}
	refused(t, f.call(t, budi, "GET", "/v1/employees/"+string(budi.NIP)+"/daily-progress?month=2026-13", nil), http.StatusBadRequest, "month", "")
	refused(t, f.call(t, budi, "GET", "/v1/employees/"+string(budi.NIP)+"/daily-progress", nil), http.StatusBadRequest, "month", "")

	d := decodeInto[struct{ Data projections.Distribution }](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/units/"+qUnit.String()+"/distribution?period=2026-TAHUNAN&min_position="+head, nil)).Data
	if d.Unit != qUnit || d.Period != "2026-TAHUNAN" || d.Counts[policy.Baik] != 1 || d.Population != 1 {
		t.Errorf("distribution = %+v, want one BAIK in the unit's 2026 curve", d)
	}
	refused(t, f.call(t, kabid, "GET", "/v1/units/"+qUnit.String()+"/distribution", nil), http.StatusBadRequest, "period", "")
	refused(t, f.call(t, hrStaff, "GET", "/v1/units/"+qUnit.String()+"/distribution?period=2025-TAHUNAN", nil), http.StatusNotFound, "", "")

	c := decodeInto[struct{ Items []projections.CascadeNode }](t, f.must(t, http.StatusOK, ani, "GET", "/v1/units/"+qUnit.String()+"/cascade?year=2026&min_position="+head, nil))
	if len(c.Items) != 1 || c.Items[0].RHK != qRHKK || c.Items[0].Employee != kabid.NIP {
		t.Fatalf("cascade roots = %+v, want kabid's RHK %s", c.Items, qRHKK)
	}
	var children []string
	for _, ch := range c.Items[0].Children {
		children = append(children, string(ch.Employee)+" "+ch.RHK.String())
	}
	if want := []string{string(ani.NIP) + " " + qRHKA.String(), string(budi.NIP) + " " + qRHKB.String()}; !reflect.DeepEqual(children, want) && !reflect.DeepEqual(children, []string{want[1], want[0]}) {
		t.Errorf("below kabid's RHK: %q, want ani's and budi's RHK %q", children, want)
	}
	refused(t, f.call(t, ani, "GET", "/v1/units/"+qUnit.String()+"/cascade?year=20x6", nil), http.StatusBadRequest, "year", "")
	refused(t, f.call(t, hrStaff, "GET", "/v1/units/"+uuid.NewString()+"/cascade?year=2026", nil), http.StatusNotFound, "", "")
}

func TestIndicatorsAndPolicies(t *testing.T) {
	f, head := newQueryFixture(t)
	cat := decodeInto[struct{ Items []projections.CatalogueEntry }](t, f.must(t, http.StatusOK, ani, "GET", "/v1/indicators?min_position="+head, nil))
	if len(cat.Items) != 1 {
		t.Fatalf("catalogue = %+v, want one indicator", cat.Items)
	}
	e := cat.Items[0]
	if e.Indicator != qInd || e.Code != "izin-tepat-waktu" || len(e.Versions) != 2 {
		t.Fatalf("indicator = %+v, want %s with two versions", e, qInd)
	}
	if v := e.Versions[1]; v.Number != 2 || v.Definition.UnitOfMeasure != "Izin" || v.Reason != "satuan diseragamkan" || !reflect.DeepEqual(v.Changed, []string{"unit_of_measure"}) {
		t.Errorf("version 2 = %+v, want the unit of measure changed to Izin for a stated reason", v)
	}

	type pol struct {
		ID     string `json:"policy_id"`
		Scheme string
		Matrix []struct {
			Work      string `json:"work_result_rating"`
			Behaviour string `json:"behaviour_rating"`
			Predicate string
		}
		Quotas          map[string][]map[string]any
		ObjectionWindow int `json:"objection_window_days"`
	}
	list := decodeInto[struct{ Items []pol }](t, f.must(t, http.StatusOK, ani, "GET", "/v1/policies", nil))
	var got []string
	for _, p := range list.Items {
		got = append(got, p.ID+" "+p.Scheme)
	}
	if want := []string{policy.DefaultID + " MATRIX", policy.LegacyID + " NUMERIC"}; !reflect.DeepEqual(got, want) {
		t.Errorf("policies = %q, want %q", got, want)
	}
	one := decodeInto[struct{ Data pol }](t, f.must(t, http.StatusOK, ani, "GET", "/v1/policies/"+strings.ReplaceAll(policy.DefaultID, "/", "%2F"), nil)).Data
	if len(one.Matrix) != 9 || one.ObjectionWindow <= 0 || len(one.Quotas) == 0 {
		t.Errorf("policy %s = %+v, want a 3×3 matrix, quotas and an objection window", policy.DefaultID, one)
	}
	for _, c := range one.Matrix {
		if c.Work == string(policy.AsExpected) && c.Behaviour == string(policy.AsExpected) && c.Predicate != string(policy.Baik) {
			t.Errorf("SESUAI × SESUAI gives %s, want BAIK", c.Predicate)
		}
	}
	refused(t, f.call(t, ani, "GET", "/v1/policies/nope", nil), http.StatusNotFound, "policy_id", "policy-known")

	rev := decodeInto[struct {
		Position string
		Data     projections.CatalogueEntry
	}](t, f.must(t, http.StatusOK, citra, "GET", "/v1/indicators/"+qInd.String()+"/revisions?min_position="+head, nil))
	if rev.Position != head || !reflect.DeepEqual(rev.Data, e) {
		t.Errorf("revisions = %+v at %s, want the catalogue's entry %+v at %s", rev.Data, rev.Position, e, head)
	}
	refused(t, f.call(t, citra, "GET", "/v1/indicators/"+uuid.NewString()+"/revisions", nil), http.StatusNotFound, "", "")
}

// TestQueryOwnership is who may read what through the queries: auditors,
// HR and administrators everything, anyone else their own records and those
// that name them as evaluator.
func TestQueryOwnership(t *testing.T) {
	f, head := newQueryFixture(t)
	var (
		evalAudit = "/v1/evaluations/" + qEval1.String() + "/audit" // budi's, rated by kabid, kadis above
		skpAudit  = "/v1/skps/" + qSKPB.String() + "/audit"         // budi's, evaluated by kabid
		empAudit  = "/v1/employees/" + string(budi.NIP) + "/audit"  // budi, whose evaluator is kabid
		progress  = "/v1/employees/" + string(budi.NIP) + "/daily-progress?month=2026-03"
		distrib   = "/v1/units/" + qUnit.String() + "/distribution?period=2026-TAHUNAN"
		cascade   = "/v1/units/" + qUnit.String() + "/cascade?year=2026"
		ok, no    = http.StatusOK, http.StatusForbidden
	)
	tests := []struct {
		path string
		who  Caller
		want int
	}{
		{evalAudit, budi, ok}, {evalAudit, kabid, ok}, {evalAudit, kadis, ok}, {evalAudit, ani, no}, {evalAudit, sekda, no},
		{evalAudit, auditor, ok}, {evalAudit, hrStaff, ok}, {evalAudit, admin, ok},
		{skpAudit, budi, ok}, {skpAudit, kabid, ok}, {skpAudit, kadis, ok}, {skpAudit, ani, no}, {skpAudit, auditor, ok},
		{empAudit, budi, ok}, {empAudit, kabid, ok}, {empAudit, ani, no}, {empAudit, sekda, no}, {empAudit, hrStaff, ok},
		{progress, budi, ok}, {progress, kabid, ok}, {progress, ani, no}, {progress, admin, ok},
		{distrib, kabid, ok}, {distrib, kadis, ok}, {distrib, sekda, ok}, {distrib, budi, no}, {distrib, ani, no}, {distrib, auditor, ok},
		{cascade, ani, ok}, {cascade, kabid, ok}, {cascade, citra, no}, {cascade, sekda, no}, {cascade, hrStaff, ok},
		{"/v1/inbox", kabid, ok}, {"/v1/inbox", hrStaff, no}, {"/v1/inbox", ani, no},
		{"/v1/me", ani, ok}, {"/v1/me", auditor, ok},
		{"/v1/indicators", citra, ok}, {"/v1/policies", citra, ok},
		{"/v1/evaluations", citra, ok},
	}
	for _, tt := range tests {
		t.Run(tt.path+" as "+string(tt.who.NIP), func(t *testing.T) {
			sep := "?"
			if strings.Contains(tt.path, "?") {
				sep = "&"
			}
			r := f.call(t, tt.who, "GET", tt.path+sep+"min_position="+head, nil)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.want, r.body)
			}
			if tt.want == no {
				refused(t, r, no, "", "")
			}
		})
	}
	refused(t, f.call(t, nobody, "GET", "/v1/me", nil), http.StatusUnauthorized, "", "")
}

// TestQueriesAwaitTheirReadModel: a query with min_position past what its
// read model reflects waits, within a bound, and then answers 409
// projection-lag; with no read model running it answers 503.
func TestQueriesAwaitTheirReadModel(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	queryHistory(&history{t: t, store: store})
	head, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var stopped []*projections.Runner // never run: they stay at the start of the log
	for _, p := range Projections() {
		stopped = append(stopped, projections.NewRunner(store, p, projections.Memory{}, projections.Config{}, slog.New(slog.DiscardHandler)))
	}
	tk, err := NewTokens(testKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	lagging := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store, Runners: stopped, ReadWait: 20 * time.Millisecond}))
	t.Cleanup(lagging.Close)
	f := &apiFixture{srv: lagging, store: store, tokens: tk}

	start := time.Now()
	r := f.call(t, kabid, "GET", "/v1/inbox?min_position="+head.String(), nil)
	refused(t, r, http.StatusConflict, "", "projection-lag")
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("answered after %v, before the 20ms bound", waited)
	}
	if !strings.Contains(string(r.body), "inbox") {
		t.Errorf("problem %s does not name the inbox view", r.body)
	}
	// Without min_position the query answers what the view has: nothing yet.
	got := decodeInto[struct {
		Position string
		Data     projections.Inbox
	}](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/inbox", nil))
	if got.Position != "0" || len(got.Data.Items) != 0 {
		t.Errorf("unstarted inbox = %+v, want empty at position 0", got)
	}

	bare := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk, Store: store}))
	t.Cleanup(bare.Close)
	g := &apiFixture{srv: bare, store: store, tokens: tk}
	refused(t, g.call(t, kabid, "GET", "/v1/inbox", nil), http.StatusServiceUnavailable, "", "read-model-unavailable")
}

// TestLookupsFromReadModelsMatchTheLogScan: the facts commands read across
// streams are the same from the read models as from a scan of the log.
func TestLookupsFromReadModelsMatchTheLogScan(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	queryHistory(&history{t: t, store: store})
	quiet := slog.New(slog.DiscardHandler)
	live := &server{log: quiet, store: store, views: newViews(startRunners(t, store)), readWait: 5 * time.Second}
	scan := &server{log: quiet, store: store, views: newViews(nil), readWait: 5 * time.Second}

	for _, n := range []domain.NIP{ani.NIP, budi.NIP, kabid.NIP, citra.NIP} {
		fromModel, err := live.openSKPs(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		fromLog, err := scan.openSKPs(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromModel, fromLog) {
			t.Errorf("open SKPs of %s: read model %+v, log %+v", n, fromModel, fromLog)
		}
	}
	if got, _ := live.openSKPs(t.Context(), budi.NIP); len(got) != 1 || got[0].SKP != qSKPB {
		t.Errorf("budi's open SKPs = %+v, want %s", got, qSKPB)
	}

	for _, period := range []string{"2026-TAHUNAN", "2025-TAHUNAN"} {
		ownModel, headsModel, err := live.openedIn(t.Context(), qUnit, period, true)
		if err != nil {
			t.Fatal(err)
		}
		ownLog, headsLog, err := scan.openedIn(t.Context(), qUnit, period, true)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ownModel, ownLog) || !reflect.DeepEqual(headsModel, headsLog) {
			t.Errorf("evaluations of the unit in %s differ: read model %v and heads %v, log %v and heads %v", period, ownModel, headsModel, ownLog, headsLog)
		}
	}
	if own, _, _ := live.openedIn(t.Context(), qUnit, "2026-TAHUNAN", false); len(own) != 2 {
		t.Errorf("the unit has %d evaluations in 2026, want 2", len(own))
	}
}

// TestOpenAPIDocumentsQueries: every query is documented with its query
// parameters, min_position, and the shape of its answer.
func TestOpenAPIDocumentsQueries(t *testing.T) {
	f := newAPIFixture(t, qAt)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
			Responses  map[string]struct {
				Content map[string]struct{ Schema map[string]any }
			}
		}
	}
	if err := json.Unmarshal(f.must(t, http.StatusOK, nobody, "GET", "/openapi.json", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	s := &server{}
	for _, q := range s.queryRoutes() {
		op, ok := doc.Paths["/v1"+q.path]["get"]
		if !ok {
			t.Errorf("GET /v1%s is not documented", q.path)
			continue
		}
		var names []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		want := []string{}
		for _, p := range q.params {
			want = append(want, p.Name)
		}
		if want = append(want, "min_position"); !reflect.DeepEqual(names, want) {
			t.Errorf("GET /v1%s documents query parameters %q, want %q", q.path, names, want)
		}
		schema := op.Responses["200"].Content["application/json"].Schema
		props, _ := schema["properties"].(map[string]any)
		if _, ok := props["position"]; !ok {
			t.Errorf("GET /v1%s answer schema %v has no position", q.path, schema)
		}
	}
	items := doc.Paths["/v1/evaluations"]["get"].Responses["200"].Content["application/json"].Schema["properties"].(map[string]any)["items"].(map[string]any)["items"].(map[string]any)
	if _, ok := items["properties"].(map[string]any)["evaluation_id"]; !ok {
		t.Errorf("the evaluation list's items are documented as %v, without evaluation_id", items)
	}
}

// BenchmarkEvaluationPage is the cost of one page of the evaluation list
// over an index of 100,000 evaluations: 1,000 evaluators with 100 each,
// 100 superiors with 1,000 each. HR pages through all of them; an evaluator
// through their 100.
func BenchmarkEvaluationPage(b *testing.B) {
	x := newEvaluationIndex()
	for i := range 100_000 {
		o := evaluation.Opened{Evaluation: uuid.New(), Employee: domain.NIP(fmt.Sprintf("1%017d", i)), Evaluator: domain.NIP(fmt.Sprintf("2%017d", i%1000)),
			EvaluatorSuperior: domain.NIP(fmt.Sprintf("3%017d", i%100)), Unit: qUnit, Period: qPeriod}
		body, err := json.Marshal(o)
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Apply(projections.NewEvent(eventstore.RecordedEvent{Type: evaluation.Opened{}.EventType(), Data: body, Position: eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}})); err != nil {
			b.Fatal(err)
		}
	}
	view := func(id uuid.UUID) (projections.EvaluationView, bool) {
		return projections.EvaluationView{Evaluation: id, Stage: evaluation.StageOpen}, true
	}
	for _, bc := range []struct {
		name  string
		party domain.NIP
	}{{"hr", ""}, {"evaluator_of_100", domain.NIP(fmt.Sprintf("2%017d", 7))}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				page, _, _ := x.find(evaluationFilter{party: bc.party}, eventstore.Start, defaultPageSize, view)
				if len(page) != defaultPageSize {
					b.Fatalf("page of %d", len(page))
				}
			}
		})
	}
}

// TestEvaluationIndexReloaded: an index whose tables a persistent sink
// replaced lists the evaluations in the same order as the one that folded
// them.
func TestEvaluationIndexReloaded(t *testing.T) {
	folded := newEvaluationIndex()
	var want []uuid.UUID
	for i := range 5 {
		id := uuid.New()
		want = append(want, id)
		body, err := json.Marshal(evaluation.Opened{Evaluation: id, Employee: budi.NIP, Evaluator: kabid.NIP, Unit: qUnit, Period: qPeriod})
		if err != nil {
			t.Fatal(err)
		}
		pos := eventstore.Position{Commit: uint64(10 * (i + 1)), Prepare: uint64(10 * (i + 1))}
		if err := folded.Apply(projections.NewEvent(eventstore.RecordedEvent{Type: evaluation.Opened{}.EventType(), Data: body, Position: pos})); err != nil {
			t.Fatal(err)
		}
	}
	reloaded := newEvaluationIndex()
	for i, table := range folded.Model().Tables() {
		rows, err := table.All()
		if err != nil {
			t.Fatal(err)
		}
		if err := reloaded.Model().Tables()[i].Replace(rows); err != nil {
			t.Fatal(err)
		}
	}
	view := func(id uuid.UUID) (projections.EvaluationView, bool) {
		return projections.EvaluationView{Evaluation: id}, true
	}
	for name, x := range map[string]*evaluationIndex{"folded": folded, "reloaded": reloaded} {
		for _, f := range []evaluationFilter{{}, {party: budi.NIP}, {unit: qUnit, period: qPeriod.ID}} {
			var got []uuid.UUID
			after := eventstore.Start
			for {
				page, next, _ := x.find(f, after, 2, view)
				for _, v := range page {
					got = append(got, v.Evaluation)
				}
				if next == nil {
					break
				}
				after = *next
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s index with filter %+v lists %v, want %v", name, f, got, want)
			}
		}
	}
}

// TestEvaluationPageStopsAtALaggingView: an evaluation the appraisal model
// does not know yet ends the page before it, and the next page (once the
// model has caught up) starts with it: no evaluation is skipped.
func TestEvaluationPageStopsAtALaggingView(t *testing.T) {
	x := newEvaluationIndex()
	var ids []uuid.UUID
	for i := range 4 {
		id := uuid.New()
		ids = append(ids, id)
		body, err := json.Marshal(evaluation.Opened{Evaluation: id, Employee: budi.NIP, Evaluator: kabid.NIP, Unit: qUnit, Period: qPeriod})
		if err != nil {
			t.Fatal(err)
		}
		pos := eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}
		if err := x.Apply(projections.NewEvent(eventstore.RecordedEvent{Type: evaluation.Opened{}.EventType(), Data: body, Position: pos})); err != nil {
			t.Fatal(err)
		}
	}
	known := map[uuid.UUID]bool{ids[0]: true, ids[1]: true, ids[3]: true} // the model lags on ids[2]
	view := func(id uuid.UUID) (projections.EvaluationView, bool) {
		return projections.EvaluationView{Evaluation: id}, known[id]
	}
	page, next, _ := x.find(evaluationFilter{}, eventstore.Start, 10, view)
	if len(page) != 2 || next == nil {
		t.Fatalf("first page = %d items, next %v; want the two before the lagging one and a cursor", len(page), next)
	}
	again, next2, _ := x.find(evaluationFilter{}, *next, 10, view)
	if len(again) != 0 || next2 == nil || *next2 != *next {
		t.Fatalf("while it lags: %d items, next %v; want an empty page and the same cursor %v", len(again), next2, *next)
	}
	known[ids[2]] = true
	rest, last, _ := x.find(evaluationFilter{}, *next, 10, view)
	if len(rest) != 2 || rest[0].Evaluation != ids[2] || rest[1].Evaluation != ids[3] || last != nil {
		t.Errorf("after catching up: %v, next %v; want ids[2] and ids[3] on the last page", rest, last)
	}
}
