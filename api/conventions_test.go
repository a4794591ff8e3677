package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

// TestIdempotencyKeyRetry checks that a retried command, create or not,
// returns the first answer and appends nothing, and that another key is
// another command.
func TestIdempotencyKeyRetry(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	body := map[string]any{"name": "Bidang Umum", "effective_from": "2020-01-01"}
	first := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", body, "Idempotency-Key", "unit-1")
	head := f.head(t)
	again := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", body, "Idempotency-Key", "unit-1")
	if !bytes.Equal(first.body, again.body) {
		t.Errorf("retry answered %s, first answer was %s", again.body, first.body)
	}
	if a, b := first.header.Get("Location"), again.header.Get("Location"); a != b || a == "" {
		t.Errorf("Location %q then %q", a, b)
	}
	if h := f.head(t); h != head {
		t.Errorf("the retry moved the log head from %v to %v", head, h)
	}
	metrics := f.must(t, http.StatusOK, Caller{}, "GET", "/metrics", nil)
	if want := `kinerja_command_duration_seconds_count{category="unit",outcome="ok"} 2`; !bytes.Contains(metrics.body, []byte(want)) {
		t.Errorf("/metrics lacks %s", want)
	}
	other := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", body, "Idempotency-Key", "unit-2")
	if other.str(t, "id") == first.str(t, "id") {
		t.Error("another key created the same unit")
	}

	// The same key from another person is another command.
	unit := first.str(t, "id")
	heads := map[string]any{"head_nip": kabid.NIP, "effective_from": "2024-01-01", "decision_ref": "SK-1"}
	one := f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+unit+"/heads", heads, "Idempotency-Key", "k")
	head = f.head(t)
	two := f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+unit+"/heads", heads, "Idempotency-Key", "k")
	if !bytes.Equal(one.body, two.body) || f.head(t) != head {
		t.Errorf("retry of a non-create answered %s (first %s) and moved the head to %v", two.body, one.body, f.head(t))
	}
	refused(t, f.call(t, hrStaff, "POST", "/v1/units/"+unit+"/heads", heads, "Idempotency-Key", strings.Repeat("k", maxIdempotencyKey+1)), http.StatusBadRequest, "Idempotency-Key", "")

	// The same key with another body is another request: refused, not
	// answered with the first one's result, and nothing is appended.
	head = f.head(t)
	otherHead := map[string]any{"head_nip": kadis.NIP, "effective_from": "2024-01-01", "decision_ref": "SK-2"}
	refused(t, f.call(t, hrStaff, "POST", "/v1/units/"+unit+"/heads", otherHead, "Idempotency-Key", "k"), http.StatusConflict, "Idempotency-Key", eventstore.RuleCommandReused)
	refused(t, f.call(t, hrStaff, "POST", "/v1/units", map[string]any{"name": "Bidang Lain", "effective_from": "2020-01-01"}, "Idempotency-Key", "unit-1"),
		http.StatusConflict, "Idempotency-Key", eventstore.RuleCommandReused)
	if h := f.head(t); h != head {
		t.Errorf("a reused key moved the log head from %v to %v", head, h)
	}
}

// TestIfMatch checks optimistic concurrency: the current ETag is accepted,
// a stale one gets 412 and nothing is appended.
func TestIfMatch(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	created := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", map[string]any{"name": "Bidang Umum", "effective_from": "2020-01-01"})
	unit := created.str(t, "id")
	etag := f.must(t, http.StatusOK, auditor, "GET", "/v1/units/"+unit, nil).header.Get("ETag")
	if etag != `"0"` || created.header.Get("ETag") != etag {
		t.Fatalf("ETag after the first event %q (command answered %q), want \"0\"", etag, created.header.Get("ETag"))
	}
	moved := f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+unit+"/heads", map[string]any{"head_nip": kabid.NIP, "effective_from": "2024-01-01", "decision_ref": "SK-1"}, "If-Match", etag)
	if got := moved.header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag after the second event %q, want \"1\"", got)
	}
	head := f.head(t)
	stale := f.call(t, hrStaff, "POST", "/v1/units/"+unit+"/restructurings", map[string]any{"name": "Bidang Umum dan Kepegawaian", "effective_from": "2026-02-01", "reason": "perda 2026"}, "If-Match", etag)
	refused(t, stale, http.StatusPreconditionFailed, "", "if-match")
	if h := f.head(t); h != head {
		t.Errorf("a stale If-Match moved the log head from %v to %v", head, h)
	}
	refused(t, f.call(t, hrStaff, "POST", "/v1/units/"+unit+"/restructurings", map[string]any{}, "If-Match", "abc"), http.StatusBadRequest, "If-Match", "")
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+unit+"/restructurings", map[string]any{"name": "Bidang Umum dan Kepegawaian", "effective_from": "2026-02-01", "reason": "perda 2026"}, "If-Match", `W/"1"`)
}

// TestBadInput sends malformed, mistyped and rule-breaking commands: each
// gets a 4xx problem naming the field or rule, and the log is unchanged.
func TestBadInput(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	o := seedOrg(t, f)
	plans := seedPlans(t, f)
	aniSKP := plans[ani.NIP].id
	ev := f.must(t, http.StatusCreated, kabid, "POST", "/v1/evaluations", map[string]any{"skp_id": aniSKP, "unit_id": o.bidang, "period_id": "2026-Q1"}).str(t, "id")
	f.must(t, http.StatusCreated, kadis, "POST", "/v1/units/"+o.bidang+"/assessments", map[string]any{"period_id": "2026-Q1", "predicate": "BAIK", "basis": "capaian triwulan I"})
	employee := map[string]any{"nip": "199505052020121003", "employee_type": "PNS", "name": "Dewi", "tmt": "2020-12-01"}
	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range m {
			c[a] = b
		}
		c[k] = v
		return c
	}

	tests := []struct {
		name   string
		who    Caller
		method string
		path   string
		body   any
		header []string
		status int
		field  string
		rule   string
	}{
		{name: "malformed JSON", who: hrStaff, method: "POST", path: "/v1/employees", body: `{"nip": "19950505`, status: 400, field: "body"},
		{name: "two JSON values", who: hrStaff, method: "POST", path: "/v1/units", body: `{"name":"x","effective_from":"2020-01-01"} {}`, status: 400, field: "body"},
		{name: "unknown field", who: hrStaff, method: "POST", path: "/v1/employees", body: with(employee, "golongan", "III/a"), status: 400, field: "golongan"},
		{name: "wrong type", who: hrStaff, method: "POST", path: "/v1/years", body: map[string]any{"instansi_id": "kab-contoh", "year": "2027", "periodic_cadence": "QUARTERLY"}, status: 400, field: "year"},
		{name: "wrong type nested", who: ani, method: "POST", path: "/v1/skps/" + aniSKP + "/realisations", body: map[string]any{"iki_id": plans[ani.NIP].iki, "period_id": "2026", "value": "banyak"}, status: 400, field: "value"},
		{name: "oversize body", who: hrStaff, method: "POST", path: "/v1/employees", body: `{"name":"` + strings.Repeat("a", maxBody) + `"}`, status: 413, rule: "body-too-large"},
		{name: "not JSON content", who: hrStaff, method: "POST", path: "/v1/employees", body: "nip=1", header: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 400, field: "Content-Type"},
		{name: "invalid NIP", who: hrStaff, method: "POST", path: "/v1/employees", body: with(employee, "nip", "19950505202012100"), status: 400, field: "nip"},
		{name: "invalid NIP month", who: hrStaff, method: "POST", path: "/v1/employees", body: with(employee, "nip", "199505052020131003"), status: 400, field: "nip"},
		{name: "invalid NIP in path", who: hrStaff, method: "POST", path: "/v1/employees/12345/placements", body: map[string]any{}, status: 400, field: "nip"},
		{name: "invalid superior NIP", who: hrStaff, method: "POST", path: "/v1/employees/" + string(ani.NIP) + "/placements", body: map[string]any{"unit_id": o.bidang, "position_id": "p", "position_name": "P", "position_type": "PELAKSANA", "direct_superior_nip": "1980", "effective_from": "2026-02-01"}, status: 400, field: "direct_superior_nip"},
		{name: "unknown employee type", who: hrStaff, method: "POST", path: "/v1/employees", body: with(employee, "employee_type", "HONORER"), status: 400, field: "employee_type", rule: "employee-type"},
		{name: "unknown cadence", who: hrStaff, method: "POST", path: "/v1/years", body: map[string]any{"instansi_id": "kab-contoh", "year": 2027, "periodic_cadence": "WEEKLY"}, status: 400, field: "periodic_cadence", rule: "year-cadence"},
		{name: "bad instansi code", who: hrStaff, method: "POST", path: "/v1/years", body: map[string]any{"instansi_id": "Kab Contoh", "year": 2027, "periodic_cadence": "QUARTERLY"}, status: 400, field: "instansi_id", rule: "year-instansi"},
		{name: "year opened twice", who: hrStaff, method: "POST", path: "/v1/years", body: map[string]any{"instansi_id": "kab-contoh", "year": 2026, "periodic_cadence": "QUARTERLY"}, status: 409, rule: "year-opened-once"},
		{name: "unknown rating", who: kabid, method: "POST", path: "/v1/evaluations/" + ev + "/work-result-rating", body: map[string]any{"rating": "BAGUS"}, status: 400, field: "rating", rule: "rating-valid"},
		{name: "unknown close reason", who: kabid, method: "POST", path: "/v1/skps/" + aniSKP + "/close", body: map[string]any{"reason": "BOSAN"}, status: 400, field: "reason"},
		{name: "unknown period", who: ani, method: "POST", path: "/v1/skps/" + aniSKP + "/realisations", body: map[string]any{"iki_id": plans[ani.NIP].iki, "period_id": "2026-Q5", "value": 10}, status: 400, field: "period_id"},
		{name: "date outside the period", who: ani, method: "POST", path: "/v1/skps/" + aniSKP + "/daily-logs", body: map[string]any{"date": "2025-12-31", "description": "lembur", "minutes": 60}, status: 400, field: "date"},
		{name: "date not a date", who: ani, method: "POST", path: "/v1/skps/" + aniSKP + "/daily-logs", body: map[string]any{"date": "31/12/2026", "description": "lembur", "minutes": 60}, status: 400, field: "date"},
		{name: "minutes out of range", who: ani, method: "POST", path: "/v1/skps/" + aniSKP + "/daily-logs", body: map[string]any{"date": "2026-01-05", "description": "lembur", "minutes": 2000}, status: 400, field: "minutes"},
		{name: "rating by an evaluator not designated", who: kadis, method: "POST", path: "/v1/evaluations/" + ev + "/work-result-rating", body: map[string]any{"rating": "SESUAI_EKSPEKTASI"}, status: 403, rule: "designated-evaluator"},
		{name: "rating by an employee", who: budi, method: "POST", path: "/v1/evaluations/" + ev + "/work-result-rating", body: map[string]any{"rating": "SESUAI_EKSPEKTASI"}, status: 403, rule: "role"},
		{name: "rating by the employee rated", who: Caller{NIP: ani.NIP, Roles: []Role{RoleEvaluator}}, method: "POST", path: "/v1/evaluations/" + ev + "/work-result-rating", body: map[string]any{"rating": "DI_ATAS_EKSPEKTASI"}, status: 403, rule: "designated-evaluator"},
		{name: "path id not a UUID", who: ani, method: "POST", path: "/v1/skps/not-a-uuid/submit", status: 400, field: "id"},
		{name: "unknown SKP", who: ani, method: "POST", path: "/v1/skps/" + uuid.NewString() + "/submit", status: 404},
		{name: "unknown policy", who: kabid, method: "POST", path: "/v1/evaluations", body: map[string]any{"skp_id": aniSKP, "unit_id": o.bidang, "period_id": "2026-Q2", "policy_id": "permenpanrb-99"}, status: 404, field: "policy_id"},
		{name: "second SKP overlapping an open one", who: budi, method: "POST", path: "/v1/skps", body: map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-12-31"}, status: 400, rule: "skp-period-overlap"},
		{name: "evaluation period outside the SKP", who: kabid, method: "POST", path: "/v1/evaluations", body: map[string]any{"skp_id": aniSKP, "unit_id": o.bidang, "period_id": "2025-Q4"}, status: 400, field: "period"},
		{name: "as_of not a position", who: auditor, method: "GET", path: "/v1/evaluations/" + ev + "?as_of=yesterday", status: 400, field: "as_of"},
		{name: "no token", who: nobody, method: "POST", path: "/v1/units", body: map[string]any{"name": "x", "effective_from": "2020-01-01"}, status: 401, rule: "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := f.head(t)
			refused(t, f.call(t, tt.who, tt.method, tt.path, tt.body, tt.header...), tt.status, tt.field, tt.rule)
			if h := f.head(t); h != head {
				t.Errorf("the refused command moved the log head from %v to %v", head, h)
			}
		})
	}
}

// TestReadAsOf checks that ?as_of= reads a stream only up to a global
// position, and refuses a position before the stream began.
func TestReadAsOf(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	created := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units", map[string]any{"name": "Bidang Umum", "effective_from": "2020-01-01"})
	unit := created.str(t, "id")
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+unit+"/heads", map[string]any{"head_nip": kabid.NIP, "effective_from": "2024-01-01", "decision_ref": "SK-1"})
	then := f.must(t, http.StatusOK, kabid, "GET", "/v1/units/"+unit+"?as_of="+created.str(t, "position"), nil)
	if got := then.str(t, "state.heads"); got != "[]" && got != "" {
		t.Errorf("as of its definition the unit has heads %s", got)
	}
	if then.header.Get("ETag") != `"0"` || then.str(t, "as_of") != created.str(t, "position") {
		t.Errorf("as_of read: ETag %s, as_of %s", then.header.Get("ETag"), then.str(t, "as_of"))
	}
	if got := f.must(t, http.StatusOK, kabid, "GET", "/v1/units/"+unit, nil).str(t, "state.heads"); !strings.Contains(got, string(kabid.NIP)) {
		t.Errorf("now the unit has heads %s", got)
	}
	refused(t, f.call(t, kabid, "GET", "/v1/units/"+unit+"?as_of=0", nil), http.StatusNotFound, "", "")

	// Read your writes: the position a command answered with is met; one
	// past the head is not yet.
	f.must(t, http.StatusOK, kabid, "GET", "/v1/units/"+unit+"?min_position="+created.str(t, "position"), nil)
	refused(t, f.call(t, kabid, "GET", "/v1/units/"+unit+"?min_position=999", nil), http.StatusConflict, "min_position", "min-position")
	refused(t, f.call(t, kabid, "GET", "/v1/units/"+unit+"?min_position=soon", nil), http.StatusBadRequest, "min_position", "")
}
