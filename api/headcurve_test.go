package api

import (
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/projections"
)

// headCurve is an organisation whose bidang has its head and three staff
// evaluated for 2026, all rated, with the predicates of the bidang and the
// dinas set; nothing is checked or finalised yet.
type headCurve struct {
	f     *apiFixture
	o     orgIDs
	evals map[domain.NIP]string
	by    map[domain.NIP]Caller // each evaluation's evaluator
}

func newHeadCurve(t *testing.T) headCurve {
	t.Helper()
	return newHeadCurveOn(t, newAPIFixture(t, day(2026, 1, 2)))
}

// newHeadCurveOn seeds the headCurve organisation through fixture f.
func newHeadCurveOn(t *testing.T, f *apiFixture) headCurve {
	t.Helper()
	h := headCurve{f: f, o: seedOrg(t, f), evals: map[domain.NIP]string{},
		by: map[domain.NIP]Caller{kabid.NIP: kadis, ani.NIP: kabid, budi.NIP: kabid, citra.NIP: kabid}}
	plans := seedPlans(t, f)
	f.clock.Set(day(2027, 1, 4))
	for _, who := range []Caller{kabid, ani, budi, citra} {
		h.evals[who.NIP] = f.must(t, http.StatusCreated, h.by[who.NIP], "POST", "/v1/evaluations", map[string]any{"skp_id": plans[who.NIP].id, "unit_id": h.o.bidang, "period_id": "2026"}).str(t, "id")
	}
	f.must(t, http.StatusCreated, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments", map[string]any{"period_id": "2026", "predicate": "BAIK", "basis": "capaian PK bidang 2026: 96%"})
	f.must(t, http.StatusCreated, sekda, "POST", "/v1/units/"+h.o.dinas+"/assessments", map[string]any{"period_id": "2026", "predicate": "BUTUH_PERBAIKAN", "basis": "capaian PK dinas 2026: 81%"})
	f.clock.Set(day(2027, 1, 7))
	// The Kabid's work-result rating comes from the bidang's predicate (Baik:
	// as expected), not from the dinas's, whose curve counts them (§8.16).
	refused(t, f.call(t, kadis, "POST", "/v1/evaluations/"+h.evals[kabid.NIP]+"/work-result-rating", map[string]any{"rating": "DI_BAWAH_EKSPEKTASI"}), http.StatusBadRequest, "rating", evaluation.RuleHeadRating)
	for who, r := range map[domain.NIP][2]string{
		kabid.NIP: {"SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI"}, // the bidang is Baik, so its head's work result is as expected (§8.16)
		ani.NIP:   {"DI_ATAS_EKSPEKTASI", "DI_ATAS_EKSPEKTASI"},
		budi.NIP:  {"SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI"},
		citra.NIP: {"DI_BAWAH_EKSPEKTASI", "SESUAI_EKSPEKTASI"},
	} {
		f.must(t, http.StatusOK, h.by[who], "POST", "/v1/evaluations/"+h.evals[who]+"/work-result-rating", map[string]any{"rating": r[0]})
		f.must(t, http.StatusOK, h.by[who], "POST", "/v1/evaluations/"+h.evals[who]+"/behaviour-rating", map[string]any{"rating": r[1]})
	}
	return h
}

// ledgerCheck is the last distribution check recorded in a unit's
// assessment for 2026.
func (h headCurve) ledgerCheck(t *testing.T, unit string) evaluation.DistributionChecked {
	t.Helper()
	v := decodeInto[struct {
		State struct {
			LastCheck *evaluation.DistributionChecked `json:"last_check"`
		} `json:"state"`
	}](t, h.f.must(t, http.StatusOK, auditor, "GET", "/v1/units/"+unit+"/assessments/2026", nil))
	if v.State.LastCheck == nil {
		t.Fatalf("unit %s has no distribution check", unit)
	}
	return *v.State.LastCheck
}

// readDistribution is the unit's 2026 distribution from the read model, as
// of the log's head.
func (h headCurve) readDistribution(t *testing.T, unit string) projections.Distribution {
	t.Helper()
	return decodeInto[struct{ Data projections.Distribution }](t, h.f.must(t, http.StatusOK, auditor, "GET",
		"/v1/units/"+unit+"/distribution?period=2026&min_position="+h.f.head(t).String(), nil)).Data
}

// TestHeadCountsInTheParentCurve: under the default policy (HeadInOwnCurve
// false) the Kabid's predicate is counted in the dinas's distribution check
// and not in the bidang's; the Kabid is finalised against the dinas's check
// only; and the ledger's checks count what the distribution read model
// shows.
func TestHeadCountsInTheParentCurve(t *testing.T) {
	h := newHeadCurve(t)
	f := h.f
	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/distribution-check", nil)
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.dinas+"/assessments/2026/distribution-check", nil)

	bidang, dinas := h.ledgerCheck(t, h.o.bidang), h.ledgerCheck(t, h.o.dinas)
	staff := []string{h.evals[ani.NIP], h.evals[budi.NIP], h.evals[citra.NIP]}
	if got := idsOf(bidang.Predicates); !slices.Equal(got, sortedIDs(staff)) {
		t.Errorf("the bidang's check counted %v, want the staff %v and not the Kabid %s", got, sortedIDs(staff), h.evals[kabid.NIP])
	}
	if got := idsOf(dinas.Predicates); !slices.Equal(got, []string{h.evals[kabid.NIP]}) {
		t.Errorf("the dinas's check counted %v, want the Kabid %s alone", got, h.evals[kabid.NIP])
	}
	if want := map[policy.Predicate]int{policy.SangatBaik: 1, policy.Baik: 1, policy.ButuhPerbaikan: 1}; !maps.Equal(bidang.Counts, want) || bidang.Result != evaluation.Pass {
		t.Errorf("the bidang's check is %s with counts %v, want PASS with %v", bidang.Result, bidang.Counts, want)
	}
	// One Baik of one under an organisational predicate of Butuh Perbaikan
	// breaks the pattern's minimum of Butuh Perbaikan.
	if want := map[policy.Predicate]int{policy.Baik: 1}; !maps.Equal(dinas.Counts, want) || dinas.Result != evaluation.Fail {
		t.Errorf("the dinas's check is %s with counts %v, want FAIL with %v", dinas.Result, dinas.Counts, want)
	}

	// The read model and the ledger agree, unit by unit.
	for name, c := range map[string]struct {
		unit  string
		check evaluation.DistributionChecked
	}{"bidang": {h.o.bidang, bidang}, "dinas": {h.o.dinas, dinas}} {
		d := h.readDistribution(t, c.unit)
		if !maps.Equal(d.Counts, c.check.Counts) || d.Population != len(c.check.Predicates) {
			t.Errorf("the %s's distribution shows %v of %d people; the ledger's check counted %v of %d", name, d.Counts, d.Population, c.check.Counts, len(c.check.Predicates))
		}
		var readRules, ledgerRules []string
		for _, v := range d.Violations {
			readRules = append(readRules, v.Rule)
		}
		for _, v := range c.check.Violations {
			ledgerRules = append(ledgerRules, v.Rule)
		}
		if readRules, ledgerRules = sortedIDs(readRules), sortedIDs(ledgerRules); !slices.Equal(readRules, ledgerRules) {
			t.Errorf("the %s's distribution names violations %v; the ledger's check %v", name, readRules, ledgerRules)
		}
	}

	// The staff finalise against the bidang's passing check; the Kabid does
	// not while the dinas's check fails, and does once the Sekda, who set
	// the dinas's predicate, overrides it.
	for _, who := range []Caller{ani, budi, citra} {
		f.must(t, http.StatusOK, kabid, "POST", "/v1/evaluations/"+h.evals[who.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	}
	refused(t, f.call(t, kadis, "POST", "/v1/evaluations/"+h.evals[kabid.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"}), http.StatusBadRequest, "predicate", "distribution-quota")
	f.must(t, http.StatusOK, sekda, "POST", "/v1/units/"+h.o.dinas+"/assessments/2026/override", map[string]any{"justification": "dinas hanya menilai satu kepala bidang"})
	f.must(t, http.StatusOK, kadis, "POST", "/v1/evaluations/"+h.evals[kabid.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+h.evals[kabid.NIP], nil).str(t, "state.stage"); got != string(evaluation.StageFinalized) {
		t.Errorf("the Kabid's evaluation is %s, want FINALIZED", got)
	}

	// A finalised Kabid fixes both predicates: the dinas's, whose curve
	// counts them, and the bidang's, which gave their work-result rating.
	refused(t, f.call(t, sekda, "POST", "/v1/units/"+h.o.dinas+"/assessments/2026/revision", map[string]any{"predicate": "BAIK", "reason": "koreksi"}), http.StatusBadRequest, "predicate", evaluation.RuleFinal)
}

// TestHeadFinalisedOnlyAgainstTheParentCheck: the bidang's passing check
// does not finalise its head; until the dinas's curve is checked the
// refusal names the unit above.
func TestHeadFinalisedOnlyAgainstTheParentCheck(t *testing.T) {
	h := newHeadCurve(t)
	f := h.f
	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/distribution-check", nil)
	r := f.call(t, kadis, "POST", "/v1/evaluations/"+h.evals[kabid.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	refused(t, r, http.StatusBadRequest, "predicate", "distribution-quota")
	if title := r.str(t, "title"); !strings.Contains(title, h.o.dinas) {
		t.Errorf("the refusal %q does not name the dinas %s, whose check counts the Kabid", title, h.o.dinas)
	}
}

// TestCurveFromIndexMatchesTheLogScan: the curve a distribution check
// counts is the same whether its candidates come from the evaluation index
// or from a scan of the log.
func TestCurveFromIndexMatchesTheLogScan(t *testing.T) {
	h := newHeadCurve(t)
	quiet := slog.New(slog.DiscardHandler)
	live := &server{log: quiet, store: h.f.store, views: newViews(startRunners(t, h.f.store)), readWait: 5 * time.Second}
	scan := &server{log: quiet, store: h.f.store, views: newViews(nil), readWait: 5 * time.Second}
	period := evaluation.Period{ID: "2026", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	want := map[string][2][]string{
		h.o.bidang: {sortedIDs([]string{h.evals[ani.NIP], h.evals[budi.NIP], h.evals[citra.NIP]}), {h.evals[kabid.NIP]}},
		h.o.dinas:  {{h.evals[kabid.NIP]}, nil},
		h.o.pemda:  {nil, nil},
	}
	for unit, w := range want {
		for name, s := range map[string]*server{"index": live, "log": scan} {
			c, err := s.curveOf(t.Context(), uuid.MustParse(unit), period)
			if err != nil {
				t.Fatal(err)
			}
			if got := evalIDs(c.members); !slices.Equal(got, w[0]) {
				t.Errorf("%s: members of %s = %v, want %v", name, unit, got, w[0])
			}
			if got := evalIDs(c.away); !slices.Equal(got, w[1]) {
				t.Errorf("%s: away of %s = %v, want %v", name, unit, got, w[1])
			}
		}
	}
}

func idsOf(m map[uuid.UUID]policy.Predicate) []string {
	var out []string
	for id := range m {
		out = append(out, id.String())
	}
	return sortedIDs(out)
}

func evalIDs(evs []*evaluation.Evaluation) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.ID().String())
	}
	return sortedIDs(out)
}

func sortedIDs(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestIndexRowOfVersion1Decodes: a row the evaluation index stored before
// version 2 (no unit_head) still decodes, as a non-head, and a version 2 row
// keeps the flag.
func TestIndexRowOfVersion1Decodes(t *testing.T) {
	v1 := `{"evaluation_id":"00000000-0000-0000-0000-0000000000e2","nip":"198004102005011002","evaluator_nip":"197203151998031004","evaluator_superior_nip":"196902141992031003","unit_id":"00000000-0000-0000-0000-000000000001","period_id":"2026","opened_at":{"commit":7,"prepare":7}}`
	var row indexedEvaluation
	if err := json.Unmarshal([]byte(v1), &row); err != nil {
		t.Fatalf("a version 1 row does not decode: %v", err)
	}
	if row.UnitHead || row.Unit != qUnit || row.Period != "2026" {
		t.Errorf("the version 1 row decodes as %+v", row)
	}
	row.UnitHead = true
	data, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	var back indexedEvaluation
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, row) {
		t.Errorf("a version 2 row round-trips as %+v (%v), want %+v", back, err, row)
	}
}
