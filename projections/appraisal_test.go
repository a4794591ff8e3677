package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func TestAppraisalOfAPlanWithRealisations(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	a := projections.NewAppraisals()
	build(t, &log, a)

	ap, ok, at := a.Get(skpA)
	if !ok {
		t.Fatal("no appraisal for SKP A")
	}
	if at.Commit != 16 || ap.Position != "16" {
		t.Errorf("read model at %s, appraisal last touched at %s; want 16 and 16", at, ap.Position)
	}
	p := ap.Plan
	if p.Employee != employee || p.Evaluator != evaluator || p.Status != skp.StatusApproved || p.Year() != 2026 {
		t.Errorf("plan header = %s/%s %s %d, want employee/evaluator APPROVED 2026", p.Employee, p.Evaluator, p.Status, p.Year())
	}
	var statuses []string
	for _, h := range p.History {
		statuses = append(statuses, fmt.Sprintf("%s@%s", h.Status, h.Position))
	}
	wantStatuses := "DRAFT@1 SUBMITTED@6 DRAFT@7 SUBMITTED@8 APPROVED@9 AMENDMENT_PROPOSED@10 APPROVED@11"
	if got := strings.Join(statuses, " "); got != wantStatuses {
		t.Errorf("status history = %s\nwant %s", got, wantStatuses)
	}
	var ikis []string
	for _, i := range p.IKIs {
		to := "open"
		if i.ValidTo != nil {
			to = i.ValidTo.Format("2006-01-02")
		}
		ikis = append(ikis, fmt.Sprintf("%s:%g %s until %s", i.ID.String()[34:], i.Target.Value, i.Unit, to))
	}
	if got, want := strings.Join(ikis, ", "), "d1:12 Dokumen until 2026-07-01, d3:10 Dokumen until open"; got != want {
		t.Errorf("IKI = %s\nwant %s", got, want)
	}

	var achieved []string
	for _, a := range ap.Achievements {
		achieved = append(achieved, fmt.Sprintf("%s %s %g/%g = %.2f%% v%d", a.IKI.String()[34:], a.Period, a.Realised, a.Target.Value, a.Percent, a.Version))
	}
	want := []string{
		"d1 2026-Q1 3/12 = 25.00% v2",
		"d1 2026-Q2 7/12 = 58.33% v2", // the correction, not the superseded 6
		"d3 2026-Q3 5/10 = 50.00% v0",
	}
	if got := strings.Join(achieved, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("achievements:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if len(ap.Realisations) != 4 || ap.Realisations[2].Supersedes == nil || *ap.Realisations[2].Supersedes != real2 {
		t.Errorf("realisations = %+v, want 4, the third superseding the second", ap.Realisations)
	}

	year, _ := a.ForEmployeeYear(employee, 2026)
	if len(year) != 1 || year[0].Appraisal.Plan.SKP != skpA {
		t.Errorf("ForEmployeeYear(employee, 2026) = %d appraisals, want SKP A only", len(year))
	}
	if other, _ := a.ForEmployeeYear(employee, 2025); len(other) != 0 {
		t.Errorf("ForEmployeeYear(employee, 2025) = %d appraisals, want none", len(other))
	}
}

func TestAppraisalOfAnEvaluation(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	evaluationHistory(&log)
	a := projections.NewAppraisals()
	build(t, &log, a)

	ea, ok, _ := a.Evaluation(eval1)
	if !ok {
		t.Fatal("no appraisal for the evaluation")
	}
	v := ea.Evaluation
	got := fmt.Sprintf("%s %s/%s %s policy=%s matrix=%s objection=%s @%s", v.Stage, v.WorkResult, v.Behaviour, v.Predicate,
		v.Policy, v.MatrixVersion, v.Objection.Outcome, v.Position)
	want := "LOCKED DI_ATAS_EKSPEKTASI/DI_ATAS_EKSPEKTASI SANGAT_BAIK policy=permenpanrb-6-2022/se-3-2023 matrix=permenpanrb-6-2022/se-3-2023 objection=CHANGED @26"
	if got != want {
		t.Errorf("evaluation:\n got %s\nwant %s", got, want)
	}
	if len(ea.Achievements) != 1 || ea.Achievements[0].Period != "2026-Q2" || fmt.Sprintf("%.2f", ea.Achievements[0].Percent) != "58.33" {
		t.Errorf("period achievements = %+v, want only Q2 at 58.33%%", ea.Achievements)
	}
	if ea.Appraisal.Plan.SKP != skpA || len(ea.Appraisal.Achievements) != 3 {
		t.Errorf("the evaluation's SKP = %s with %d achievements, want SKP A with 3", ea.Appraisal.Plan.SKP, len(ea.Appraisal.Achievements))
	}
	year, _ := a.ForEmployeeYear(employee, 2026)
	if len(year) != 1 || len(year[0].Evaluations) != 1 || year[0].Evaluations[0].Predicate != "SANGAT_BAIK" {
		t.Errorf("employee year = %+v, want SKP A with its one evaluation, Sangat Baik", year)
	}
}
