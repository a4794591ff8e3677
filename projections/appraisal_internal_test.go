package projections

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
)

// TestSameAchievement checks that an achievement is kept in place of a new
// one only when both encode to the same JSON: equal through their pointers,
// and with the same sign of zero.
func TestSameAchievement(t *testing.T) {
	ind := uuid.MustParse("01000000-0000-4000-8000-000000000001")
	base := func() *Achievement {
		other := ind // a pointer of its own, to the same id
		return &Achievement{IKI: uuid.MustParse("01000000-0000-4000-8000-000000000002"), Period: "2026-01",
			PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
			Target: indicator.Target{Value: 10}, Unit: "dokumen", Realised: 5, Percent: 50, Indicator: &other, Version: 2,
			Rederived: &replay.Ref{ID: ind, Digest: "ab"}}
	}
	tests := []struct {
		name   string
		both   func(a *Achievement) // applied to both first, if set
		change func(a *Achievement) // applied to the second
		want   bool
	}{
		{name: "equal, through pointers of their own", change: func(*Achievement) {}, want: true},
		{name: "another percent", change: func(a *Achievement) { a.Percent = 51 }},
		{name: "negative zero against zero", both: func(a *Achievement) { a.Percent = 0 }, change: func(a *Achievement) { a.Percent = math.Copysign(0, -1) }},
		{name: "another indicator", change: func(a *Achievement) { a.Indicator = &uuid.Nil }},
		{name: "no indicator", change: func(a *Achievement) { a.Indicator = nil }},
		{name: "another replay", change: func(a *Achievement) { a.Rederived = &replay.Ref{ID: ind, Digest: "cd"} }},
		{name: "no replay", change: func(a *Achievement) { a.Rederived = nil }},
		{name: "another target", change: func(a *Achievement) { a.Target.Max = 1 }},
		{name: "a problem", change: func(a *Achievement) { a.Problem = "target-positive" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			if tt.both != nil {
				tt.both(a)
				tt.both(b)
			}
			tt.change(b)
			if got := sameAchievement(a, b); got != tt.want {
				t.Errorf("sameAchievement = %v, want %v\n a = %+v\n b = %+v", got, tt.want, a, b)
			}
			if got := sameAchievement(b, a); got != tt.want {
				t.Errorf("sameAchievement, swapped = %v, want %v", got, tt.want)
			}
		})
	}
}
