package projections_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func TestDailyProgressPerMonth(t *testing.T) {
	l1, l2, l3, l4 := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	var log logtest.Log
	log.Append(executionStream,
		by(execution.Opened{SKP: skpA, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31, At: at}, "system", "system", ""),
		by(execution.DailyProgressLogged{Log: l1, Date: date(2026, 1, 5), RHK: &rhk1, Description: "verifikasi berkas", Minutes: 120, At: at}, employee, "employee", ""),
		by(execution.DailyProgressLogged{Log: l2, Date: date(2026, 1, 5), Description: "rapat", Minutes: 60, At: at}, employee, "employee", ""),
		by(execution.DailyProgressLogged{Log: l3, Date: date(2026, 1, 6), RHK: &rhk1, Description: "verifikasi berkas", Minutes: 30, At: at}, employee, "employee", ""),
		by(execution.DailyProgressSubmitted{Log: l1, At: at}, employee, "employee", ""),
		by(execution.DailyProgressSubmitted{Log: l2, At: at}, employee, "employee", ""),
		by(execution.DailyProgressApproved{Log: l1, By: evaluator, At: at}, evaluator, "evaluator", ""),
		by(execution.DailyProgressRejected{Log: l2, By: evaluator, Comment: "bukan kegiatan SKP", At: at}, evaluator, "evaluator", ""),
		by(execution.DailyProgressLogged{Log: l4, Date: date(2026, 2, 2), RHK: &rhk1, Description: "verifikasi berkas", Minutes: 45, At: at}, employee, "employee", ""),
		by(execution.DailyProgressSubmitted{Log: l4, At: at}, employee, "employee", ""),
	)
	d := projections.NewDailyProgress()
	build(t, &log, d)

	r1 := rhk1.String()
	tests := []struct {
		month string
		want  projections.MonthProgress
	}{
		{"2026-01", projections.MonthProgress{Employee: employee, Month: "2026-01", Entries: 3, Minutes: 210,
			ByStatus: projections.StatusTallies{
				Approved: projections.Tally{Entries: 1, Minutes: 120},
				Rejected: projections.Tally{Entries: 1, Minutes: 60},
				Draft:    projections.Tally{Entries: 1, Minutes: 30},
			},
			ByRHK:    map[string]int{r1: 150, "": 60},
			Days:     days(map[int]int{5: 180, 6: 30}),
			Position: "8"}},
		{"2026-02", projections.MonthProgress{Employee: employee, Month: "2026-02", Entries: 1, Minutes: 45,
			ByStatus: projections.StatusTallies{Submitted: projections.Tally{Entries: 1, Minutes: 45}},
			ByRHK:    map[string]int{r1: 45},
			Days:     days(map[int]int{2: 45}),
			Position: "10"}},
	}
	for _, tt := range tests {
		t.Run(tt.month, func(t *testing.T) {
			got, ok, _ := d.Month(employee, tt.month)
			if !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Month(%s) = %+v, %v\nwant %+v", tt.month, got, ok, tt.want)
			}
		})
	}
	if _, ok, _ := d.Month(evaluator, "2026-01"); ok {
		t.Error("the evaluator has a summary of their own, want none")
	}
}

func days(m map[int]int) (d [31]int) {
	for day, minutes := range m {
		d[day-1] = minutes
	}
	return d
}
