package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

// line is an audit entry reduced to what a person checks against the
// history: position, change, subject, before and after target, who, why.
func line(e projections.AuditEntry) string {
	val := func(v *projections.Value) string {
		if v == nil || v.Target == nil {
			return "-"
		}
		return fmt.Sprintf("%g %s", v.Target.Value, v.Unit)
	}
	eff := ""
	if e.EffectiveFrom != nil {
		eff = " from " + e.EffectiveFrom.Format("2006-01-02")
	}
	ind := ""
	if e.Indicator != nil {
		ind = fmt.Sprintf(" indicator v%d", e.IndicatorVersion)
	}
	return fmt.Sprintf("@%s r%d %s %s: %s -> %s%s by %s/%s%s (%s)", e.Position, e.Revision, e.Change, e.Subject[len(e.Subject)-2:],
		val(e.Before), val(e.After), eff, e.Actor[:4], e.Role, ind, e.Reason)
}

func TestAuditTrailOfAPlan(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	a := projections.NewAudit()
	build(t, &log, a)

	want := []string{
		"@3 r2 target_set d1: - -> 12 Dokumen by 1990/employee indicator v2 ()",
		"@4 r3 target_set d2: - -> 100 % by 1990/employee ()",
		"@5 r4 target_removed d2: 100 % -> - by 1990/employee (sudah tercakup IKI 1)",
		"@11 r10 target_ended d1: 12 Dokumen -> - from 2026-07-01 by 1980/evaluator indicator v2 (disepakati dalam dialog kinerja)",
		"@11 r10 target_set d3: - -> 10 Dokumen from 2026-07-01 by 1980/evaluator (disepakati dalam dialog kinerja)",
	}
	for _, tt := range []struct {
		name    string
		entries []projections.AuditEntry
	}{
		{"per SKP", first(a.ForSKP(skpA))},
		{"per employee", first(a.ForEmployee(employee))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.entries) != len(want) {
				t.Fatalf("%d entries, want %d:\n%v", len(tt.entries), len(want), tt.entries)
			}
			for i, e := range tt.entries {
				if got := line(e); got != want[i] {
					t.Errorf("entry %d:\n got %s\nwant %s", i, got, want[i])
				}
				if e.SKP != skpA || e.Employee != employee || e.Stream != "skp-"+skpA.String() {
					t.Errorf("entry %d is about %s/%s/%s, want SKP A of the employee", i, e.SKP, e.Employee, e.Stream)
				}
			}
			all := log.All()
			if e := tt.entries[3]; e.EventID != all[10].ID || e.EventType != "skp.amendment_approved" || !e.At.Equal(all[10].RecordedAt) {
				t.Errorf("entry 3 names event %s (%s) at %s, want %s (skp.amendment_approved) at %s",
					e.EventID, e.EventType, e.At, all[10].ID, all[10].RecordedAt)
			}
		})
	}
	if entries, _ := a.ForEmployee(evaluator); len(entries) != 0 {
		t.Errorf("the evaluator has %d audit entries of their own, want 0", len(entries))
	}
}

func first[A, B any](a A, _ B) A { return a }

func TestAuditTrailOfRealisations(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	a := projections.NewAudit()
	build(t, &log, a)

	entries, _ := a.ForSKP(skpA)
	if len(entries) != 9 {
		t.Fatalf("%d entries, want the 5 target changes and 4 realisations:\n%v", len(entries), entries)
	}
	var got []string
	for _, e := range entries[5:] {
		before := "-"
		if e.Before != nil && e.Before.Realised != nil {
			before = fmt.Sprint(*e.Before.Realised)
		}
		target := "?"
		if e.After.Target != nil {
			target = fmt.Sprint(e.After.Target.Value)
		}
		got = append(got, fmt.Sprintf("@%s %s %s: %s -> %g of %s indicator v%d (%s)", e.Position, e.Change,
			e.Subject[strings.LastIndex(e.Subject, ":")+1:], before, *e.After.Realised, target, e.IndicatorVersion, e.Reason))
	}
	want := []string{
		"@13 realisation_reported 2026-Q1: - -> 3 of 12 indicator v2 ()",
		"@14 realisation_reported 2026-Q2: - -> 6 of 12 indicator v2 ()",
		"@15 realisation_corrected 2026-Q2: 6 -> 7 of 12 indicator v2 (satu izin tercatat terlambat)",
		"@16 realisation_reported 2026-Q3: - -> 5 of 10 indicator v0 ()",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("realisation entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAuditTrailOfAnEvaluation(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	evaluationHistory(&log)
	a := projections.NewAudit()
	build(t, &log, a)

	val := func(v *projections.Value) string {
		switch {
		case v == nil:
			return "-"
		case v.Predicate != "":
			return v.Predicate
		}
		return v.Rating
	}
	var got []string
	entries, _ := a.ForEvaluation(eval1)
	for _, e := range entries {
		got = append(got, fmt.Sprintf("@%s %s: %s -> %s by %s/%s under %s (%s)", e.Position, e.Change, val(e.Before), val(e.After),
			e.Actor[:4], e.Role, e.Policy, e.Reason))
	}
	p := "permenpanrb-6-2022/se-3-2023"
	want := []string{
		"@19 work_result_rating_set: - -> SESUAI_EKSPEKTASI by 1980/evaluator under " + p + " (sesuai target)",
		"@20 behaviour_rating_set: - -> DI_ATAS_EKSPEKTASI by 1980/evaluator under " + p + " (proaktif)",
		"@21 predicate_set: - -> BAIK by 1980/evaluator under " + p + " ()",
		"@25 work_result_rating_changed: SESUAI_EKSPEKTASI -> DI_ATAS_EKSPEKTASI by 1970/evaluator_superior under " + p + " (keberatan " + obj1.String() + ": bukti tambahan diterima)",
		"@25 predicate_changed: BAIK -> SANGAT_BAIK by 1970/evaluator_superior under " + p + " (keberatan " + obj1.String() + ": bukti tambahan diterima)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("evaluation trail:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	all, _ := a.ForSKP(skpA)
	if len(all) != 9+5 {
		t.Errorf("the SKP's trail has %d entries, want 9 plan and realisation entries and 5 of the evaluation", len(all))
	}
	mine, _ := a.ForEmployee(employee)
	if len(mine) != len(all) {
		t.Errorf("the employee's trail has %d entries, want %d", len(mine), len(all))
	}
}
