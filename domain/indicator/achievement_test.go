package indicator_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

func TestAchievement(t *testing.T) {
	tests := []struct {
		name     string
		d        indicator.Direction
		target   indicator.Target
		realised float64
		want     float64
	}{
		{"higher: met", indicator.HigherIsBetter, indicator.Target{Value: 200}, 200, 100},
		{"higher: exceeded", indicator.HigherIsBetter, indicator.Target{Value: 200}, 250, 125},
		{"higher: half", indicator.HigherIsBetter, indicator.Target{Value: 200}, 100, 50},
		{"higher: nothing done", indicator.HigherIsBetter, indicator.Target{Value: 200}, 0, 0},
		{"lower: met", indicator.LowerIsBetter, indicator.Target{Value: 4}, 4, 100},
		{"lower: better than target", indicator.LowerIsBetter, indicator.Target{Value: 4}, 3, 125},
		{"lower: zero is twice the target", indicator.LowerIsBetter, indicator.Target{Value: 4}, 0, 200},
		{"lower: worse than target", indicator.LowerIsBetter, indicator.Target{Value: 4}, 5, 75},
		{"lower: floored at zero", indicator.LowerIsBetter, indicator.Target{Value: 4}, 12, 0},
		{"range: inside", indicator.Range, indicator.Target{Min: 80, Max: 90}, 85, 100},
		{"range: on the minimum", indicator.Range, indicator.Target{Min: 80, Max: 90}, 80, 100},
		{"range: on the maximum", indicator.Range, indicator.Target{Min: 80, Max: 90}, 90, 100},
		{"range: below", indicator.Range, indicator.Target{Min: 80, Max: 90}, 72, 90},
		{"range: above", indicator.Range, indicator.Target{Min: 80, Max: 90}, 99, 90},
		{"range: far above floored", indicator.Range, indicator.Target{Min: 80, Max: 90}, 500, 0},
		{"range: zero bound uses the width", indicator.Range, indicator.Target{Min: 0, Max: 2}, -1, 50},
		{"range: negative bound", indicator.Range, indicator.Target{Min: -10, Max: -5}, -12, 80},
		{"range: single point", indicator.Range, indicator.Target{Min: 5, Max: 5}, 4, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indicator.Achievement(tt.d, tt.target, tt.realised)
			if err != nil {
				t.Fatalf("Achievement() error = %v", err)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Achievement(%s, %+v, %g) = %g, want %g", tt.d, tt.target, tt.realised, got, tt.want)
			}
		})
	}
}

func TestAchievementRejects(t *testing.T) {
	tests := []struct {
		name      string
		d         indicator.Direction
		target    indicator.Target
		realised  float64
		wantField string
		wantRule  string
	}{
		{"zero target", indicator.HigherIsBetter, indicator.Target{Value: 0}, 3, "target.value", indicator.RuleTargetValue},
		{"negative target", indicator.LowerIsBetter, indicator.Target{Value: -2}, 3, "target.value", indicator.RuleTargetValue},
		{"infinite target", indicator.HigherIsBetter, indicator.Target{Value: math.Inf(1)}, 3, "target.value", indicator.RuleTargetValue},
		{"negative realisation", indicator.HigherIsBetter, indicator.Target{Value: 5}, -1, "realised", indicator.RuleRealisedValue},
		{"NaN realisation", indicator.Range, indicator.Target{Min: 1, Max: 2}, math.NaN(), "realised", indicator.RuleRealisedValue},
		{"inverted range", indicator.Range, indicator.Target{Min: 9, Max: 2}, 3, "target.min", indicator.RuleTargetRange},
		{"zero point range, even when hit", indicator.Range, indicator.Target{}, 0, "target.max", indicator.RuleTargetRange},
		{"unknown direction", "UP", indicator.Target{Value: 5}, 3, "direction", indicator.RuleDirection},
		{"result beyond float64", indicator.HigherIsBetter, indicator.Target{Value: 1e-300}, 1e300, "realised", indicator.RuleRealisedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indicator.Achievement(tt.d, tt.target, tt.realised)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid {
				t.Fatalf("Achievement() = %g, %v; want an Invalid *domain.Error", got, err)
			}
			if de.Field != tt.wantField || de.Rule != tt.wantRule {
				t.Errorf("error field %q rule %q, want %q %q", de.Field, de.Rule, tt.wantField, tt.wantRule)
			}
		})
	}
}

func FuzzAchievement(f *testing.F) {
	f.Add("HIGHER_IS_BETTER", 10.0, 0.0, 0.0, 5.0)
	f.Add("LOWER_IS_BETTER", 10.0, 0.0, 0.0, 15.0)
	f.Add("RANGE", 0.0, 0.0, 2.0, 3.0)
	f.Add("HIGHER_IS_BETTER", 1e-300, 0.0, 0.0, 1e300)
	f.Fuzz(func(t *testing.T, d string, value, lo, hi, realised float64) {
		got, err := indicator.Achievement(indicator.Direction(d), indicator.Target{Value: value, Min: lo, Max: hi}, realised)
		if err != nil {
			if domain.KindOf(err) != domain.Invalid {
				t.Fatalf("error kind = %v, want invalid", domain.KindOf(err))
			}
			return
		}
		if math.IsNaN(got) || math.IsInf(got, 0) || got < 0 {
			t.Fatalf("Achievement(%s, %g, %g..%g, %g) = %g, want a finite number >= 0", d, value, lo, hi, realised, got)
		}
	})
}

func TestCompute(t *testing.T) {
	tests := []struct {
		f        indicator.Formula
		target   indicator.Target
		realised float64
		want     float64
	}{
		{indicator.Ratio, indicator.Target{Value: 50}, 40, 80},
		{indicator.MirroredRatio, indicator.Target{Value: 10}, 8, 120},
		{indicator.InverseRatio, indicator.Target{Value: 10}, 8, 125},
		{indicator.InverseRatio, indicator.Target{Value: 10}, 20, 50},
		{indicator.RangeDistance, indicator.Target{Min: 1, Max: 3}, 2, 100},
	}
	for _, tt := range tests {
		got, err := indicator.Compute(tt.f, tt.target, tt.realised)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Compute(%s, %+v, %g) = %g, %v; want %g", tt.f, tt.target, tt.realised, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		f         indicator.Formula
		realised  float64
		wantField string
		wantRule  string
	}{
		{indicator.InverseRatio, 0, "realised", indicator.RuleRealisedValue},
		{"AVERAGE", 1, "formula", indicator.RuleFormula},
		{"", 1, "formula", indicator.RuleFormula},
	} {
		_, err := indicator.Compute(tt.f, indicator.Target{Value: 10}, tt.realised)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != tt.wantField || de.Rule != tt.wantRule {
			t.Errorf("Compute(%q, %g) error = %#v, want Invalid on %s (%s)", tt.f, tt.realised, err, tt.wantField, tt.wantRule)
		}
	}
}

func TestDefaultFormula(t *testing.T) {
	for _, d := range []indicator.Direction{indicator.HigherIsBetter, indicator.LowerIsBetter, indicator.Range} {
		f := indicator.DefaultFormula(d)
		if f.Direction() != d {
			t.Errorf("DefaultFormula(%s) = %s, which measures %q", d, f, f.Direction())
		}
	}
	if indicator.DefaultFormula("UP") != "" || indicator.Formula("AVERAGE").Direction() != "" {
		t.Error("an unknown direction or formula maps to something")
	}
}
