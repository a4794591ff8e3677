package replay_test

import (
	"testing"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
)

func TestIndicatorRevisionApply(t *testing.T) {
	eight, ten := indicator.Target{Value: 8}, indicator.Target{Value: 10}
	lower := replay.Basis{Direction: indicator.LowerIsBetter, Target: eight}                                         // as an IKI plans it: no formula
	lowerInverse := replay.Basis{Direction: indicator.LowerIsBetter, Formula: indicator.InverseRatio, Target: eight} // a basis a replay set
	tests := []struct {
		name    string
		rev     replay.IndicatorRevision
		planned replay.Basis
		want    replay.Basis
	}{
		{"a new direction takes its default formula", replay.IndicatorRevision{Direction: indicator.HigherIsBetter}, lower,
			replay.Basis{Direction: indicator.HigherIsBetter, Formula: indicator.Ratio, Target: eight}},
		{"a formula alone sets the direction", replay.IndicatorRevision{Formula: indicator.Ratio}, lower,
			replay.Basis{Direction: indicator.HigherIsBetter, Formula: indicator.Ratio, Target: eight}},
		{"a target alone keeps the planned direction with its default formula", replay.IndicatorRevision{Target: &ten}, lower,
			replay.Basis{Direction: indicator.LowerIsBetter, Formula: indicator.MirroredRatio, Target: ten}},
		{"a target alone keeps a formula a replay set", replay.IndicatorRevision{Target: &ten}, lowerInverse,
			replay.Basis{Direction: indicator.LowerIsBetter, Formula: indicator.InverseRatio, Target: ten}},
		{"the same direction keeps a formula a replay set", replay.IndicatorRevision{Direction: indicator.LowerIsBetter}, lowerInverse, lowerInverse},
		{"another direction drops it", replay.IndicatorRevision{Direction: indicator.HigherIsBetter}, lowerInverse,
			replay.Basis{Direction: indicator.HigherIsBetter, Formula: indicator.Ratio, Target: eight}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rev.Apply(tt.planned); got != tt.want {
				t.Errorf("Apply(%+v) = %+v, want %+v", tt.planned, got, tt.want)
			}
		})
	}
}
