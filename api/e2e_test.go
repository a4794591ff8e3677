package api

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// org is the organisation seeded through HTTP: the ids the server gave.
type orgIDs struct {
	pemda, dinas, bidang string
}

// seedOrg opens year 2026 and registers the dinas: units, heads, people and
// placements, all through the API as HR.
func seedOrg(t testing.TB, f *apiFixture) orgIDs {
	t.Helper()
	f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/years", map[string]any{"instansi_id": "kab-contoh", "year": 2026, "periodic_cadence": "QUARTERLY"})
	unit := func(name, parent string) string {
		body := map[string]any{"name": name, "effective_from": "2020-01-01"}
		if parent != "" {
			body["parent_unit_id"] = parent
		}
		r := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", body)
		if loc, id := r.header.Get("Location"), r.str(t, "id"); loc != "/v1/units/"+id {
			t.Fatalf("Location %q does not name unit %s", loc, id)
		}
		return r.str(t, "id")
	}
	var o orgIDs
	o.pemda = unit("Pemerintah Kabupaten Contoh", "")
	o.dinas = unit("Dinas Penanaman Modal dan PTSP", o.pemda)
	o.bidang = unit("Bidang Pelayanan Perizinan", o.dinas)
	for _, h := range []struct {
		unit string
		head Caller
	}{{o.pemda, sekda}, {o.dinas, kadis}, {o.bidang, kabid}} {
		f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+h.unit+"/heads", map[string]any{"head_nip": h.head.NIP, "effective_from": "2024-01-01", "decision_ref": "SK-" + string(h.head.NIP)})
	}
	people := []struct {
		who       Caller
		name      string
		unit      string
		posType   string
		jfLevel   string
		superior  domain.NIP
		position  string
		posTitled string
	}{
		{sekda, "Sekda", o.pemda, "JPT", "", pjBupati.NIP, "sekda", "Sekretaris Daerah"},
		{kadis, "Kadis", o.dinas, "JPT", "", sekda.NIP, "kadis", "Kepala Dinas"},
		{kabid, "Kabid", o.bidang, "ADMINISTRATOR", "", kadis.NIP, "kabid", "Kepala Bidang"},
		{ani, "Ani", o.bidang, "FUNGSIONAL", "AHLI_PERTAMA", kabid.NIP, "prakom", "Pranata Komputer"},
		{budi, "Budi", o.bidang, "PELAKSANA", "", kabid.NIP, "penata-1", "Penata Perizinan"},
		{citra, "Citra", o.bidang, "PELAKSANA", "", kabid.NIP, "penata-2", "Penata Perizinan"},
	}
	for _, p := range people {
		r := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/employees", map[string]any{"nip": p.who.NIP, "employee_type": "PNS", "name": p.name, "tmt": tmtOf(p.who.NIP)})
		if loc := r.header.Get("Location"); loc != "/v1/employees/"+string(p.who.NIP) {
			t.Errorf("Location %q", loc)
		}
		f.must(t, http.StatusOK, hrStaff, "POST", "/v1/employees/"+string(p.who.NIP)+"/placements", map[string]any{
			"unit_id": p.unit, "position_id": p.position, "position_name": p.posTitled, "position_type": p.posType,
			"jf_level": p.jfLevel, "direct_superior_nip": p.superior, "effective_from": "2025-01-01"})
	}
	return o
}

// plan is one SKP seeded through the API.
type plan struct {
	id, rhk, iki string
}

// seedPlan drafts, fills, submits and approves who's SKP for 2026. parent
// is the superior's plan, nil for a JPT, whose RHK cites the PK.
func seedPlan(t testing.TB, f *apiFixture, who, evaluator Caller, parent *plan, target float64, unit string) plan {
	t.Helper()
	var p plan
	p.id = f.must(t, http.StatusCreated, who, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-12-31"}).str(t, "id")
	rhk := map[string]any{"type": "UTAMA", "text": "Layanan perizinan tepat waktu"}
	if parent == nil {
		rhk["source"] = map[string]any{"kind": "PK", "reference": "PK 2026 sasaran 1"}
	} else {
		rhk["parent"] = map[string]any{"skp_id": parent.id, "rhk_id": parent.rhk}
	}
	p.rhk = f.must(t, http.StatusOK, who, "POST", "/v1/skps/"+p.id+"/rhks", rhk).str(t, "item_id")
	p.iki = f.must(t, http.StatusOK, who, "POST", "/v1/skps/"+p.id+"/ikis", map[string]any{
		"rhk_id": p.rhk, "text": "Izin terbit tepat waktu", "aspect": "KUANTITAS", "direction": "HIGHER_IS_BETTER",
		"target": map[string]any{"value": target}, "unit": unit}).str(t, "item_id")
	for _, v := range []string{"BERORIENTASI_PELAYANAN", "AKUNTABEL", "KOMPETEN", "HARMONIS", "LOYAL", "ADAPTIF", "KOLABORATIF"} {
		f.must(t, http.StatusOK, evaluator, "POST", "/v1/skps/"+p.id+"/behaviour-expectations", map[string]any{"core_value": v, "expectation": "sesuai pedoman perilaku BerAKHLAK"})
	}
	f.must(t, http.StatusOK, who, "POST", "/v1/skps/"+p.id+"/submit", nil)
	f.must(t, http.StatusOK, evaluator, "POST", "/v1/skps/"+p.id+"/approve", map[string]any{"signature_ref": "ttd-el-" + string(who.NIP)})
	return p
}

// seedPlans seeds the cascade: the Kadis's SKP from the PK, the Kabid's
// from the Kadis's, the staff's from the Kabid's.
func seedPlans(t testing.TB, f *apiFixture) map[domain.NIP]plan {
	t.Helper()
	plans := map[domain.NIP]plan{}
	k := seedPlan(t, f, kadis, sekda, nil, 4000, "izin")
	plans[kadis.NIP] = k
	b := seedPlan(t, f, kabid, kadis, &k, 4000, "izin")
	plans[kabid.NIP] = b
	for _, who := range []Caller{ani, budi, citra} {
		plans[who.NIP] = seedPlan(t, f, who, kabid, &b, 1200, "berkas")
	}
	return plans
}

// TestPerformanceYearOverHTTP drives one unit's year through the API only:
// organisation, SKPs cascading and approved, realisations with evidence,
// the organisational predicate, ratings, the distribution check,
// finalisation, delivery, a keberatan and its decision, locking and credit
// points; then it reads the evaluation back, as of before the decision too.
func TestPerformanceYearOverHTTP(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { performanceYear(t, newAPIFixture(t, day(2026, 1, 2))) })
	t.Run("postgresql", func(t *testing.T) { performanceYear(t, newPostgresFixture(t, day(2026, 1, 2))) })
}

func performanceYear(t *testing.T, f *apiFixture) {
	o := seedOrg(t, f)
	plans := seedPlans(t, f)

	skp := f.must(t, http.StatusOK, ani, "GET", "/v1/skps/"+plans[ani.NIP].id, nil)
	if got := skp.str(t, "state.status"); got != "APPROVED" {
		t.Errorf("Ani's SKP is %s, want APPROVED", got)
	}
	if got := skp.str(t, "state.evaluator_nip"); got != string(kabid.NIP) {
		t.Errorf("Ani's evaluator is %s, want the Kabid", got)
	}
	if got := skp.str(t, "state.evaluator_superior_nip"); got != string(kadis.NIP) {
		t.Errorf("Ani's evaluator's superior is %s, want the Kadis", got)
	}
	if etag, rev := skp.header.Get("ETag"), skp.str(t, "revision"); etag != `"`+rev+`"` {
		t.Errorf("ETag %s, revision %s", etag, rev)
	}

	f.clock.Set(day(2026, 2, 2))
	f.must(t, http.StatusOK, kabid, "POST", "/v1/skps/"+plans[ani.NIP].id+"/dialogues", map[string]any{"date": "2026-02-02", "notes_ref": "notulen-dialog-ani-1"})
	if got := f.must(t, http.StatusOK, ani, "GET", "/v1/skps/"+plans[ani.NIP].id, nil).str(t, "state.dialogues"); got != "1" {
		t.Errorf("dialogues %s, want 1", got)
	}

	// Mid-year: the catalogue indicator is revised, Ani's SKP is amended,
	// and HR starts a metric series measured with the indicator.
	f.clock.Set(day(2026, 6, 15))
	ind := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/indicators", map[string]any{"code": "service-response-time", "valid_from": "2026-01-01",
		"definition": map[string]any{"name": "Waktu tanggap layanan", "aspect": "WAKTU", "unit_of_measure": "jam", "direction": "LOWER_IS_BETTER"}}).str(t, "id")
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/indicators/"+ind+"/revisions", map[string]any{"valid_from": "2026-07-01", "reason": "standar pelayanan baru",
		"definition": map[string]any{"name": "Waktu tanggap layanan", "aspect": "WAKTU", "unit_of_measure": "jam", "direction": "LOWER_IS_BETTER", "measurement": "rata-rata jam sejak permohonan diterima"}})
	if got := f.must(t, http.StatusOK, ani, "GET", "/v1/indicators/"+ind, nil).str(t, "state.versions"); !strings.Contains(got, `"version":2`) {
		t.Errorf("indicator versions after the revision: %s", got)
	}
	series := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/metric-series", map[string]any{"unit_id": o.bidang, "indicator_id": ind, "unit_of_measure": "jam"}).str(t, "id")
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/metric-series/"+series+"/observations", map[string]any{"period_id": "2026-Q2", "value": 4.5, "indicator_version": 1, "source": "sistem antrean"})
	f.clock.Set(day(2026, 7, 1))
	newIKI := "3f0e6a57-6a43-4f6e-9a1e-5d6b2c1f0a11"
	f.must(t, http.StatusOK, ani, "POST", "/v1/skps/"+plans[ani.NIP].id+"/amendments", map[string]any{"reason": "tugas tambahan layanan daring", "effective_from": "2026-07-01",
		"add_ikis": []map[string]any{{"iki_id": newIKI, "rhk_id": plans[ani.NIP].rhk, "text": "Berkas daring terverifikasi", "aspect": "KUANTITAS", "direction": "HIGHER_IS_BETTER", "target": map[string]any{"value": 300}, "unit": "berkas"}}})
	f.must(t, http.StatusOK, kabid, "POST", "/v1/skps/"+plans[ani.NIP].id+"/amendments/approve", nil)
	if got := f.must(t, http.StatusOK, ani, "GET", "/v1/skps/"+plans[ani.NIP].id, nil).str(t, "state.ikis"); !strings.Contains(got, newIKI) {
		t.Errorf("the amended SKP lacks the new IKI: %s", got)
	}

	// December: evidence, realisations, a daily log, feedback, behaviour
	// input, coaching.
	f.clock.Set(day(2026, 12, 28))
	realised := map[domain.NIP]float64{ani.NIP: 1380, budi.NIP: 1150, citra.NIP: 840}
	for _, who := range []Caller{ani, budi, citra} {
		p := plans[who.NIP]
		sum := execution.EvidenceID([]byte("rekap verifikasi 2026 " + string(who.NIP)))
		f.must(t, http.StatusOK, who, "POST", "/v1/skps/"+p.id+"/evidence", map[string]any{"sha256": sum, "kind": "DOCUMENT", "uri": "arsip://bukti/" + string(who.NIP) + "/rekap.pdf"})
		f.must(t, http.StatusOK, who, "POST", "/v1/skps/"+p.id+"/realisations", map[string]any{"iki_id": p.iki, "period_id": "2026", "value": realised[who.NIP], "evidence_refs": []string{sum}})
	}
	logID := f.must(t, http.StatusOK, ani, "POST", "/v1/skps/"+plans[ani.NIP].id+"/daily-logs", map[string]any{"date": "2026-12-28", "rhk_id": plans[ani.NIP].rhk, "description": "verifikasi 40 berkas", "minutes": 300}).str(t, "item_id")
	f.must(t, http.StatusOK, ani, "POST", "/v1/skps/"+plans[ani.NIP].id+"/daily-logs/"+logID+"/submit", nil)
	f.must(t, http.StatusOK, kabid, "POST", "/v1/skps/"+plans[ani.NIP].id+"/daily-logs/"+logID+"/review", map[string]any{"approve": true})
	f.must(t, http.StatusOK, kabid, "POST", "/v1/skps/"+plans[ani.NIP].id+"/feedback", map[string]any{"rhk_id": plans[ani.NIP].rhk, "text": "pertahankan ketepatan waktu"})
	f.must(t, http.StatusOK, budi, "POST", "/v1/skps/"+plans[ani.NIP].id+"/behaviour-inputs", map[string]any{"period_id": "2026", "core_value": "KOLABORATIF", "assessment": "DI_ATAS_EKSPEKTASI", "text": "selalu membantu rekan"})
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/skps/"+plans[ani.NIP].id+"/behaviour-inputs", map[string]any{"relation": "CITIZEN", "source_ref": "SKM-2026-11", "period_id": "2026-Q4", "core_value": "BERORIENTASI_PELAYANAN", "assessment": "SESUAI_EKSPEKTASI", "text": "pelayanan ramah"})
	refused(t, f.call(t, sekda, "POST", "/v1/skps/"+plans[ani.NIP].id+"/behaviour-inputs", map[string]any{"period_id": "2026", "core_value": "LOYAL", "assessment": "SESUAI_EKSPEKTASI", "text": "x"}), http.StatusForbidden, "", "")
	session := f.must(t, http.StatusCreated, kabid, "POST", "/v1/coaching-sessions", map[string]any{"skp_id": plans[ani.NIP].id, "date": "2026-12-28", "type": "BIMBINGAN"}).str(t, "id")
	answers := []string{"ya", "ya", "ya", "cukup", "ya", "ya", "jelas", "ya", "lanjutkan"}
	f.must(t, http.StatusOK, ani, "POST", "/v1/coaching-sessions/"+session+"/feedback", map[string]any{"answers": answers})
	f.must(t, http.StatusOK, kabid, "POST", "/v1/coaching-sessions/"+session+"/competencies", map[string]any{"competencies": []map[string]any{{"name": "analisis berkas", "score": 4, "reason": "teliti"}}})
	refused(t, f.call(t, budi, "GET", "/v1/coaching-sessions/"+session, nil), http.StatusForbidden, "", "read-own")
	exec := f.must(t, http.StatusOK, kabid, "GET", "/v1/skps/"+plans[ani.NIP].id+"/execution", nil)
	if got := exec.str(t, "state.behaviour_inputs"); !strings.Contains(got, `"relation":"PEER"`) || !strings.Contains(got, `"relation":"CITIZEN"`) {
		t.Errorf("behaviour inputs: %s", got)
	}
	if got := exec.str(t, "state.daily_logs"); !strings.Contains(got, `"status":"APPROVED"`) {
		t.Errorf("daily log after approval: %s", got)
	}
	if got := exec.str(t, "state.realisations"); !strings.Contains(got, `"value":1380`) {
		t.Errorf("realisations: %s", got)
	}

	f.clock.Set(day(2026, 12, 31).Add(8 * time.Hour))
	for _, who := range []Caller{kabid, ani, budi, citra} {
		evaluator := kabid
		if who.NIP == kabid.NIP {
			evaluator = kadis
		}
		f.must(t, http.StatusOK, evaluator, "POST", "/v1/skps/"+plans[who.NIP].id+"/close", map[string]any{"reason": "YEAR_END"})
	}

	// January 2027: evaluations open; the predicate of the bidang comes first.
	f.clock.Set(day(2027, 1, 4))
	evals := map[domain.NIP]string{}
	evaluatorOf := map[domain.NIP]Caller{kabid.NIP: kadis, ani.NIP: kabid, budi.NIP: kabid, citra.NIP: kabid}
	for _, who := range []Caller{kabid, ani, budi, citra} {
		r := f.must(t, http.StatusCreated, evaluatorOf[who.NIP], "POST", "/v1/evaluations", map[string]any{"skp_id": plans[who.NIP].id, "unit_id": o.bidang, "period_id": "2026"})
		evals[who.NIP] = r.str(t, "id")
	}
	refused(t, f.call(t, kabid, "POST", "/v1/evaluations/"+evals[ani.NIP]+"/work-result-rating", map[string]any{"rating": "DI_ATAS_EKSPEKTASI", "rationale": "capaian 115%"}), http.StatusBadRequest, "", "org-predicate-first")
	refused(t, f.call(t, kabid, "POST", "/v1/units/"+o.bidang+"/assessments", map[string]any{"period_id": "2026", "predicate": "BAIK", "basis": "x"}), http.StatusForbidden, "", "")
	f.clock.Set(day(2027, 1, 6))
	asm := f.must(t, http.StatusCreated, kadis, "POST", "/v1/units/"+o.bidang+"/assessments", map[string]any{"period_id": "2026", "predicate": "BAIK", "basis": "capaian PK bidang 2026: 96%"})
	if loc := asm.header.Get("Location"); loc != "/v1/units/"+o.bidang+"/assessments/2026" {
		t.Errorf("assessment Location %q", loc)
	}

	f.clock.Set(day(2027, 1, 7))
	rate := func(who Caller, work, behaviour string) {
		t.Helper()
		by := evaluatorOf[who.NIP]
		f.must(t, http.StatusOK, by, "POST", "/v1/evaluations/"+evals[who.NIP]+"/work-result-rating", map[string]any{"rating": work, "rationale": "berdasarkan capaian IKI"})
		f.must(t, http.StatusOK, by, "POST", "/v1/evaluations/"+evals[who.NIP]+"/behaviour-rating", map[string]any{"rating": behaviour, "rationale": "berdasarkan umpan balik"})
	}
	rate(kabid, "SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI")
	rate(ani, "DI_ATAS_EKSPEKTASI", "DI_ATAS_EKSPEKTASI")
	rate(budi, "SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI")
	rate(citra, "DI_BAWAH_EKSPEKTASI", "SESUAI_EKSPEKTASI")
	wantPredicate := map[domain.NIP]string{kabid.NIP: "BAIK", ani.NIP: "SANGAT_BAIK", budi.NIP: "BAIK", citra.NIP: "BUTUH_PERBAIKAN"}
	for who, id := range evals {
		if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+id, nil).str(t, "state.predicate"); got != wantPredicate[who] {
			t.Errorf("predicate of %s is %s, want %s", who, got, wantPredicate[who])
		}
	}

	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+o.bidang+"/assessments/2026/distribution-check", nil)
	if got := f.must(t, http.StatusOK, kabid, "GET", "/v1/units/"+o.bidang+"/assessments/2026", nil).str(t, "state.last_check.result"); got != "PASS" {
		t.Fatalf("distribution check %s, want PASS", got)
	}
	// The Kabid heads the bidang: under the default policy their predicate
	// counts in the dinas's curve, not the bidang's, so the bidang's check
	// does not finalise them; the Sekda sets the dinas's predicate and the
	// Kadis checks the dinas's curve, which holds the Kabid.
	refused(t, f.call(t, kadis, "POST", "/v1/evaluations/"+evals[kabid.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"}), http.StatusBadRequest, "predicate", "distribution-quota")
	f.must(t, http.StatusCreated, sekda, "POST", "/v1/units/"+o.dinas+"/assessments", map[string]any{"period_id": "2026", "predicate": "ISTIMEWA", "basis": "capaian PK dinas 2026: 104%"})
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+o.dinas+"/assessments/2026/distribution-check", nil)

	f.clock.Set(day(2027, 1, 12))
	for who, id := range evals {
		f.must(t, http.StatusOK, evaluatorOf[who], "POST", "/v1/evaluations/"+id+"/finalize", map[string]any{"signature_ref": "ttd-el", "document_ref": "dok-" + string(who)})
	}
	delivered := time.Date(2027, 1, 15, 10, 0, 0, 0, time.FixedZone("WIB", 7*3600))
	f.clock.Set(delivered)
	for who, id := range evals {
		f.must(t, http.StatusOK, evaluatorOf[who], "POST", "/v1/evaluations/"+id+"/deliver", nil)
	}

	// The keberatan: Citra objects, the Kadis asks the Kabid, then decides.
	f.clock.Set(delivered.AddDate(0, 0, 5))
	obj := f.must(t, http.StatusOK, citra, "POST", "/v1/evaluations/"+evals[citra.NIP]+"/objection", map[string]any{"reasons": "berkas Desember tertunda karena gangguan sistem OSS"})
	beforeDecision := obj.str(t, "position")
	refused(t, f.call(t, kabid, "POST", "/v1/evaluations/"+evals[citra.NIP]+"/objection/decision", map[string]any{"outcome": "UPHELD", "reason": "x"}), http.StatusForbidden, "", "objection-decider")
	f.must(t, http.StatusOK, kadis, "POST", "/v1/evaluations/"+evals[citra.NIP]+"/objection/explanation-requests", map[string]any{"from": "EVALUATOR", "question": "apakah gangguan OSS dipertimbangkan?"})
	f.must(t, http.StatusOK, kabid, "POST", "/v1/evaluations/"+evals[citra.NIP]+"/objection/explanations", map[string]any{"text": "belum; gangguan OSS tercatat di log sistem"})
	f.clock.Set(delivered.AddDate(0, 0, 10))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/evaluations/"+evals[citra.NIP]+"/objection/decision", map[string]any{"outcome": "CHANGED", "work_result": "SESUAI_EKSPEKTASI", "behaviour": "SESUAI_EKSPEKTASI", "reason": "gangguan sistem di luar kendali pegawai"})

	now := f.must(t, http.StatusOK, citra, "GET", "/v1/evaluations/"+evals[citra.NIP], nil)
	if got, stage := now.str(t, "state.predicate"), now.str(t, "state.stage"); got != "BAIK" || stage != "LOCKED" {
		t.Errorf("after the decision Citra's evaluation is %s, %s; want BAIK, LOCKED", got, stage)
	}
	then := f.must(t, http.StatusOK, citra, "GET", "/v1/evaluations/"+evals[citra.NIP]+"?as_of="+beforeDecision, nil)
	if got, stage := then.str(t, "state.predicate"), then.str(t, "state.stage"); got != "BUTUH_PERBAIKAN" || stage != "OBJECTION_FILED" {
		t.Errorf("as of the objection Citra's evaluation is %s, %s; want BUTUH_PERBAIKAN, OBJECTION_FILED", got, stage)
	}
	if a, b := then.obj(t)["revision"].(float64), now.obj(t)["revision"].(float64); a >= b {
		t.Errorf("as_of revision %v is not before the current %v", a, b)
	}
	// Every event of the evaluation names its actor, the authenticated
	// caller under the role they acted in, and a decision carries its reason.
	decided := false
	for _, e := range now.obj(t)["events"].([]any) {
		ev := e.(map[string]any)
		md := ev["metadata"].(map[string]any)
		actor := md["actor"].(map[string]any)
		if id := actor["id"].(string); id != string(kabid.NIP) && id != string(kadis.NIP) && id != string(citra.NIP) {
			t.Errorf("event %v recorded actor %v", ev["type"], actor)
		}
		if ev["type"] == "evaluation.objection_decided" {
			decided = true
			if actor["id"] != string(kadis.NIP) || actor["role"] != "evaluator" || md["reason"] != "gangguan sistem di luar kendali pegawai" {
				t.Errorf("the decision was recorded with actor %v and reason %v", actor, md["reason"])
			}
		}
		if ev["type"] == "evaluation.objection_filed" && (actor["id"] != string(citra.NIP) || actor["role"] != "employee") {
			t.Errorf("the objection was recorded with actor %v", actor)
		}
	}
	if !decided {
		t.Error("the evaluation's events hold no objection decision")
	}

	// The auditor's view from the read models: the audit trail of Citra's
	// evaluation lists every change of her scores with actor, role, reason
	// and policy version, ending with the objection decision; the bidang's
	// distribution counts the predicates the ratings and the decision gave.
	head := f.head(t).String()
	trail := decodeInto[struct{ Items []projections.AuditEntry }](t, f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+evals[citra.NIP]+"/audit?min_position="+head, nil)).Items
	var changes []string
	for _, e := range trail {
		changes = append(changes, e.Change+" by "+e.Actor+" ("+e.Role+")")
		if e.Policy != "permenpanrb-6-2022/se-3-2023" || e.EventID == uuid.Nil || e.Position == "" {
			t.Errorf("audit entry %+v lacks its policy version or its event", e)
		}
	}
	if len(trail) == 0 {
		t.Fatal("Citra's audit trail is empty")
	}
	last := trail[len(trail)-1]
	if last.Before == nil || last.After == nil || last.Before.Predicate != "BUTUH_PERBAIKAN" || last.After.Predicate != "BAIK" || last.Actor != string(kadis.NIP) || last.Reason != "gangguan sistem di luar kendali pegawai" {
		t.Errorf("the trail ends with %+v, want the Kadis's decision BUTUH_PERBAIKAN → BAIK with its reason; trail: %q", last, changes)
	}
	for _, want := range []string{"work_result_rating_set by " + string(kabid.NIP) + " (evaluator)", "behaviour_rating_set by " + string(kabid.NIP) + " (evaluator)"} {
		if !slices.Contains(changes, want) {
			t.Errorf("the trail lacks %q: %q", want, changes)
		}
	}
	unitTrail := decodeInto[struct{ Items []projections.AuditEntry }](t, f.must(t, http.StatusOK, auditor, "GET", "/v1/units/"+o.bidang+"/audit?period=2026&min_position="+head, nil)).Items
	ofEval := map[string]int{}
	for i, e := range unitTrail {
		ofEval[e.Evaluation.String()]++
		if i > 0 && positionBefore(t, e.Position, unitTrail[i-1].Position) {
			t.Errorf("the unit's trail is out of log order at %s, %s", unitTrail[i-1].Position, e.Position)
		}
	}
	for who, id := range evals {
		if ofEval[id] < 3 {
			t.Errorf("the unit's trail holds %d entries of %s's evaluation, want its two ratings and predicate at least", ofEval[id], who)
		}
	}
	refused(t, f.call(t, ani, "GET", "/v1/units/"+o.bidang+"/audit?period=2026", nil), http.StatusForbidden, "", "")

	dist := decodeInto[struct{ Data projections.Distribution }](t, f.must(t, http.StatusOK, kadis, "GET", "/v1/units/"+o.bidang+"/distribution?period=2026&min_position="+head, nil)).Data
	wantCounts := map[policy.Predicate]int{policy.SangatBaik: 1, policy.Baik: 2}
	if !maps.Equal(dist.Counts, wantCounts) || dist.Population != 3 {
		t.Errorf("the bidang's distribution is %+v, want counts %v of 3 people (Ani, Budi, Citra after her keberatan; the Kabid counts above)", dist, wantCounts)
	}
	// The keberatan lifted the bidang's only Butuh Perbaikan after the check
	// passed, so the view now names the Baik pattern's broken minimum: the
	// decision stands (it is final), and HR sees the curve as it is.
	if len(dist.Violations) != 1 || dist.Violations[0].Rule != "quota-butuh-perbaikan-or-kurang-required" {
		t.Errorf("the distribution's violations are %+v, want the Baik pattern's missing Butuh Perbaikan or Kurang", dist.Violations)
	}

	// The others lock when the window lapses; credit points follow.
	f.clock.Set(delivered.AddDate(0, 0, 15))
	refused(t, f.call(t, budi, "POST", "/v1/evaluations/"+evals[budi.NIP]+"/objection", map[string]any{"reasons": "terlalu rendah"}), http.StatusBadRequest, "", "objection-window")
	for _, who := range []Caller{kabid, ani, budi} {
		f.must(t, http.StatusOK, hrStaff, "POST", "/v1/evaluations/"+evals[who.NIP]+"/lock", nil)
	}
	f.clock.Set(day(2027, 2, 1))
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/employees/"+string(ani.NIP)+"/follow-up/credit-points", map[string]any{"evaluation_id": evals[ani.NIP], "jf_level": "AHLI_PERTAMA", "coefficient": 12.5, "months": 12})
	if got := f.must(t, http.StatusOK, ani, "GET", "/v1/employees/"+string(ani.NIP)+"/follow-up", nil).str(t, "state.credit_points_total"); got != "18.75" {
		t.Errorf("Ani's credit points %s, want 18.75", got)
	}
}

// positionBefore reports whether log position a comes before b.
func positionBefore(t testing.TB, a, b string) bool {
	t.Helper()
	pa, err := eventstore.ParsePosition(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := eventstore.ParsePosition(b)
	if err != nil {
		t.Fatal(err)
	}
	return pa.Less(pb)
}
