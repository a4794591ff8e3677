package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func items(list []projections.InboxItem) string {
	var out []string
	for _, it := range list {
		out = append(out, fmt.Sprintf("%s %s of %s @%s", it.Kind, it.Subject.String()[34:], it.Employee[:4], it.Position))
	}
	return strings.Join(out, ", ")
}

func TestInboxAndEmployeePageFollowTheWorkflow(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	tests := []struct {
		until     uint64
		wantInbox string
		wantPage  string
	}{
		{1, "", "a1 2026 DRAFT ()"},
		{6, "approve_skp a1 of 1990 @6", "a1 2026 SUBMITTED ()"},
		{7, "", "a1 2026 DRAFT (lengkapi ekspektasi)"},
		{8, "approve_skp a1 of 1990 @8", "a1 2026 SUBMITTED ()"},
		{9, "", "a1 2026 APPROVED ()"},
		{10, "approve_amendment a1 of 1990 @10", "a1 2026 AMENDMENT_PROPOSED ()"},
		{11, "", "a1 2026 APPROVED ()"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.until), func(t *testing.T) {
			x := projections.NewInboxes()
			if err := projections.Replay(t.Context(), &log, x, eventstore.Position{Commit: tt.until, Prepare: tt.until}, nil); err != nil {
				t.Fatal(err)
			}
			inbox, _ := x.InboxOf(evaluator)
			if got := items(inbox); got != tt.wantInbox {
				t.Errorf("evaluator's inbox = %q, want %q", got, tt.wantInbox)
			}
			page, at := x.PageOf(employee)
			var lines []string
			for _, s := range page.SKPs {
				lines = append(lines, fmt.Sprintf("%s %d %s (%s)", s.SKP.String()[34:], s.Year, s.Status, s.Comments))
			}
			if got := strings.Join(lines, "; "); got != tt.wantPage {
				t.Errorf("employee's page = %q, want %q", got, tt.wantPage)
			}
			if at.Commit != tt.until {
				t.Errorf("read model at %s, want %d", at, tt.until)
			}
			if own, _ := x.InboxOf(employee); len(own) != 0 {
				t.Errorf("the employee's own inbox = %s, want empty", items(own))
			}
		})
	}
}

func TestInboxOfDailyProgress(t *testing.T) {
	l1, l2 := uuid.MustParse("00000000-0000-0000-0000-000000000011"), uuid.MustParse("00000000-0000-0000-0000-000000000012")
	var log logtest.Log
	log.Append(executionStream,
		by(execution.Opened{SKP: skpA, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31, At: at}, "system", "system", ""),
		by(execution.DailyProgressLogged{Log: l1, Date: date(2026, 1, 5), Description: "a", Minutes: 10, At: at}, employee, "employee", ""),
		by(execution.DailyProgressLogged{Log: l2, Date: date(2026, 1, 5), Description: "b", Minutes: 10, At: at}, employee, "employee", ""),
		by(execution.DailyProgressSubmitted{Log: l1, At: at}, employee, "employee", ""),
		by(execution.DailyProgressSubmitted{Log: l2, At: at}, employee, "employee", ""),
		by(execution.DailyProgressRejected{Log: l1, By: evaluator, Comment: "tanpa bukti", At: at}, evaluator, "evaluator", ""),
	)
	x := projections.NewInboxes()
	build(t, &log, x)
	inbox, _ := x.InboxOf(evaluator)
	if got, want := items(inbox), "review_progress 12 of 1990 @5"; got != want {
		t.Errorf("evaluator's inbox = %q, want %q", got, want)
	}
	page, _ := x.PageOf(employee)
	if len(page.RejectedProgress) != 1 || page.RejectedProgress[0] != l1 {
		t.Errorf("rejected entries on the employee's page = %v, want [%s]", page.RejectedProgress, l1)
	}
}

func TestInboxOfEvaluationsAndObjections(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	evaluationHistory(&log)
	tests := []struct {
		until         uint64
		evaluator     string
		superior      string
		employeeStage string
	}{
		{17, "evaluate aa of 1990 @17", "", "OPEN "},
		{21, "evaluate aa of 1990 @17", "", "OPEN BAIK"},
		{22, "", "", "FINALIZED BAIK"},
		{24, "", "decide_objection aa of 1990 @24", "OBJECTION_FILED BAIK"},
		{25, "", "", "OBJECTION_FILED SANGAT_BAIK"},
		{26, "", "", "LOCKED SANGAT_BAIK"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.until), func(t *testing.T) {
			x := projections.NewInboxes()
			if err := projections.Replay(t.Context(), &log, x, eventstore.Position{Commit: tt.until, Prepare: tt.until}, nil); err != nil {
				t.Fatal(err)
			}
			if got, _ := x.InboxOf(evaluator); items(got) != tt.evaluator {
				t.Errorf("evaluator's inbox = %q, want %q", items(got), tt.evaluator)
			}
			if got, _ := x.InboxOf(evalSup); items(got) != tt.superior {
				t.Errorf("superior's inbox = %q, want %q", items(got), tt.superior)
			}
			page, _ := x.PageOf(employee)
			if len(page.Evaluations) != 1 {
				t.Fatalf("employee's evaluations = %+v, want one", page.Evaluations)
			}
			if got := fmt.Sprintf("%s %s", page.Evaluations[0].Stage, page.Evaluations[0].Predicate); got != tt.employeeStage {
				t.Errorf("employee's evaluation = %q, want %q", got, tt.employeeStage)
			}
		})
	}
}
