package indicator

import (
	"math"

	"github.com/kinerja/kinerja/domain"
)

// Aspect is the aspect of an IKI target (aspek).
type Aspect string

// Aspects, with the official terms as values.
const (
	Quantity Aspect = "KUANTITAS"
	Quality  Aspect = "KUALITAS"
	Time     Aspect = "WAKTU"
	Cost     Aspect = "BIAYA"
)

// Valid reports whether a is one of the four aspects.
func (a Aspect) Valid() bool {
	return a == Quantity || a == Quality || a == Time || a == Cost
}

// Direction says which realisations are better for an indicator.
type Direction string

// Directions.
const (
	HigherIsBetter Direction = "HIGHER_IS_BETTER"
	LowerIsBetter  Direction = "LOWER_IS_BETTER"
	Range          Direction = "RANGE" // on target anywhere from Min to Max
)

// Valid reports whether d is one of the three directions.
func (d Direction) Valid() bool {
	return d == HigherIsBetter || d == LowerIsBetter || d == Range
}

// Formula is a way to compute an achievement from a target and a
// realisation. Each formula belongs to one direction.
type Formula string

// Formulas.
const (
	// Ratio is realised / target × 100 (HIGHER_IS_BETTER).
	Ratio Formula = "RATIO"
	// MirroredRatio is (2 × target − realised) / target × 100, floored at 0
	// (LOWER_IS_BETTER): the SAKIP formula for negative-polarity indicators,
	// finite when the realisation is zero.
	MirroredRatio Formula = "MIRRORED_RATIO"
	// InverseRatio is target / realised × 100 (LOWER_IS_BETTER); a
	// realisation of zero cannot be measured by it.
	InverseRatio Formula = "INVERSE_RATIO"
	// RangeDistance is 100 inside Min..Max and, outside, 100 less the
	// distance to the nearest bound as a percentage of that bound (of the
	// range's width when the bound is zero), floored at 0 (RANGE).
	RangeDistance Formula = "RANGE_DISTANCE"
)

// Direction returns the direction that f measures, or "" for an unknown f.
func (f Formula) Direction() Direction {
	switch f {
	case Ratio:
		return HigherIsBetter
	case MirroredRatio, InverseRatio:
		return LowerIsBetter
	case RangeDistance:
		return Range
	}
	return ""
}

// DefaultFormula returns the formula used for direction d when neither the
// indicator nor the rating policy names one: RATIO, MIRRORED_RATIO or
// RANGE_DISTANCE; "" for an unknown direction.
func DefaultFormula(d Direction) Formula {
	switch d {
	case HigherIsBetter:
		return Ratio
	case LowerIsBetter:
		return MirroredRatio
	case Range:
		return RangeDistance
	}
	return ""
}

// Target is the target of an IKI: Value for HIGHER_IS_BETTER and
// LOWER_IS_BETTER, Min to Max (inclusive) for RANGE.
type Target struct {
	Value float64 `json:"value,omitempty"`
	Min   float64 `json:"min,omitempty"`
	Max   float64 `json:"max,omitempty"`
}

// Rule identifiers of achievement errors.
const (
	RuleDirection     = "indicator-direction"
	RuleFormula       = "indicator-formula"
	RuleTargetValue   = "target-positive"
	RuleTargetRange   = "target-range"
	RuleRealisedValue = "realisation-value"
)

// Achievement returns the achievement (capaian) of a realisation against a
// target, in percent, where 100 means the target is exactly met, by the
// default formula of direction d (see DefaultFormula and the Formula
// constants).
//
// Impossible inputs are an *Error of kind Invalid naming the field: an
// unknown direction, a target that is not positive (HIGHER/LOWER), Min above
// Max or a single-point range at zero (RANGE), a negative realisation
// (HIGHER/LOWER), and any NaN or infinity.
func Achievement(d Direction, t Target, realised float64) (float64, error) {
	if !d.Valid() {
		return 0, invalid("direction", RuleDirection, "the direction must be HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE")
	}
	return Compute(DefaultFormula(d), t, realised)
}

// Compute returns the achievement in percent of realised against t by
// formula f, always a finite number. Inputs the formula cannot measure are
// an *Error of kind Invalid, as for Achievement; an unknown formula, a zero
// realisation under INVERSE_RATIO and a result too large for a float64 are
// too.
func Compute(f Formula, t Target, realised float64) (float64, error) {
	a, err := compute(f, t, realised)
	if err == nil && !finite(a) {
		// Events store achievements as JSON, which has no infinity.
		return 0, invalid("realised", RuleRealisedValue, "the realised value is too far from the target to compute an achievement")
	}
	return a, err
}

func compute(f Formula, t Target, realised float64) (float64, error) {
	if !finite(realised) {
		return 0, invalid("realised", RuleRealisedValue, "the realised value must be a finite number")
	}
	switch f {
	case Ratio, MirroredRatio, InverseRatio:
		if !finite(t.Value) || t.Value <= 0 {
			return 0, invalid("target.value", RuleTargetValue, "the target must be a number above zero to compute an achievement; for a target of zero use a RANGE with a tolerance, e.g. from 0 to 2")
		}
		if realised < 0 {
			return 0, invalid("realised", RuleRealisedValue, "the realised value cannot be negative")
		}
		switch f {
		case Ratio:
			return realised / t.Value * 100, nil
		case InverseRatio:
			if realised == 0 {
				return 0, invalid("realised", RuleRealisedValue, "the inverse-ratio formula cannot measure a realisation of zero; use MIRRORED_RATIO for indicators that can reach zero")
			}
			return t.Value / realised * 100, nil
		}
		return math.Max(0, (2*t.Value-realised)/t.Value*100), nil
	case RangeDistance:
		if !finite(t.Min) || !finite(t.Max) || t.Min > t.Max {
			return 0, invalid("target.min", RuleTargetRange, "the target range must run from a minimum to a maximum that is not below it")
		}
		if t.Min == 0 && t.Max == 0 {
			return 0, invalid("target.max", RuleTargetRange, "a target range of the single point zero cannot measure a miss; give the range a width")
		}
		var dist, ref float64
		switch {
		case realised < t.Min:
			dist, ref = t.Min-realised, math.Abs(t.Min)
		case realised > t.Max:
			dist, ref = realised-t.Max, math.Abs(t.Max)
		default:
			return 100, nil
		}
		if ref == 0 {
			ref = t.Max - t.Min // the bound is zero, so the other one is not
		}
		return math.Max(0, 100-dist/ref*100), nil
	}
	return 0, invalid("formula", RuleFormula, "the formula must be RATIO, MIRRORED_RATIO, INVERSE_RATIO or RANGE_DISTANCE")
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func invalid(field, rule, msg string) *domain.Error {
	return domain.Errorf(domain.Invalid, "%s", msg).WithField(field).WithRule(rule)
}
