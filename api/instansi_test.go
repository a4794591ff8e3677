package api

import (
	"net/http"
	"testing"

	"github.com/kinerja/kinerja/domain/evaluation"
)

// TestInstansiPredicateRecordedByHR: the instansi has no unit above it, so
// its organisational predicate (from the evaluation of its own performance)
// is recorded by HR, not set by a leader; only HR, then, revises it or
// accepts its failing distribution.
func TestInstansiPredicateRecordedByHR(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	o := seedOrg(t, f)
	body := map[string]any{"period_id": "2026-Q1", "predicate": "BAIK", "basis": "hasil evaluasi SAKIP 2025: BB"}
	refused(t, f.call(t, sekda, "POST", "/v1/units/"+o.pemda+"/assessments", body), http.StatusForbidden, "", evaluation.RuleParentLeader)
	refused(t, f.call(t, hrStaff, "POST", "/v1/units/"+o.dinas+"/assessments", body), http.StatusForbidden, "", evaluation.RuleParentLeader)

	set := f.must(t, http.StatusCreated, hrStaff, "POST", "/v1/units/"+o.pemda+"/assessments", body)
	got := f.must(t, http.StatusOK, auditor, "GET", set.header.Get("Location"), nil)
	if got.str(t, "state.predicate") != "BAIK" || got.str(t, "state.set_by") != string(hrStaff.NIP) {
		t.Errorf("the instansi's assessment = %s, want BAIK recorded by HR %s", got.body, hrStaff.NIP)
	}
	revise := map[string]any{"predicate": "ISTIMEWA", "reason": "hasil evaluasi SAKIP dikoreksi: A"}
	refused(t, f.call(t, sekda, "POST", "/v1/units/"+o.pemda+"/assessments/2026-Q1/revision", revise), http.StatusForbidden, "", evaluation.RuleParentLeader)
	f.must(t, http.StatusOK, hrStaff, "POST", "/v1/units/"+o.pemda+"/assessments/2026-Q1/revision", revise)
}
