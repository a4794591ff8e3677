package execution_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
)

var (
	hr  = domain.NIP("198505052010011001")
	ref = replay.Ref{ID: uuid.MustParse("00000000-0000-0000-0000-0000000007a1"), Digest: strings.Repeat("0123456789abcdef", 4)}
)

// realised is the first Q1 realisation of ikiID with value v.
func realised(v float64) execution.RealisationReported {
	r := reported()
	r.Value = v
	return r
}

// corrected supersedes the first Q1 realisation with real2ID of value v.
func corrected(v float64) execution.RealisationReported {
	r := reported()
	prev := realID
	r.Realisation, r.Supersedes, r.Reason, r.Value = real2ID, &prev, "rekap ulang", v
	return r
}

// lowerIsBetter is the basis of a revision that makes ikiID a
// LOWER_IS_BETTER indicator with target 8, measured by the SAKIP formula.
func lowerIsBetter() execution.Rederivation {
	return execution.Rederivation{IKI: ikiID, Period: q1.ID, Indicator: catalog, Direction: indicator.LowerIsBetter,
		Formula: indicator.MirroredRatio, Target: indicator.Target{Value: 8}}
}

// rederived is the event RederiveAchievement decides for x on realisation
// id, with the given percent and problem.
func rederived(x execution.Rederivation, id uuid.UUID, percent float64, problem string) execution.AchievementRederived {
	return execution.AchievementRederived{IKI: x.IKI, Period: x.Period, Realisation: id, Indicator: x.Indicator, Direction: x.Direction,
		Formula: x.Formula, Target: x.Target, Percent: percent, Problem: problem, Replay: ref, By: hr, At: at}
}

func TestRederiveAchievement(t *testing.T) {
	rederive := func(r replay.Ref, x execution.Rederivation) func(*execution.Record) ([]execution.Event, error) {
		return func(rec *execution.Record) ([]execution.Event, error) { return rec.RederiveAchievement(hr, r, x, at) }
	}
	with := func(f func(*execution.Rederivation)) execution.Rederivation {
		x := lowerIsBetter()
		f(&x)
		return x
	}
	six := []execution.Event{opened(), attached(), realised(6)}
	// By hand: (2 × 8 − 6) / 8 × 100 = 125 under MIRRORED_RATIO; after the
	// correction to 4, (2 × 8 − 4) / 8 × 100 = 150.
	first := rederived(lowerIsBetter(), realID, 125, "")
	run(t, []testCase{
		{name: "not opened", when: rederive(ref, lowerIsBetter()), wantKind: domain.NotFound},
		{name: "no replay id", given: six, when: rederive(replay.Ref{Digest: ref.Digest}, lowerIsBetter()),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef},
		{name: "digest not a SHA-256", given: six, when: rederive(replay.Ref{ID: ref.ID, Digest: "abc"}, lowerIsBetter()),
			wantKind: domain.Invalid, wantRule: replay.RuleReplayRef},
		{name: "no realisation at all", given: []execution.Event{opened()}, when: rederive(ref, lowerIsBetter()),
			wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "no realisation for the IKI", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.IKI = iki2ID })),
			wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "no realisation for the period", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Period = q3.ID })),
			wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "another indicator than the realisation measures", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Indicator = uuid.New() })),
			wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "unknown direction", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Direction = "UP" })),
			wantKind: domain.Invalid, wantRule: indicator.RuleDirection},
		{name: "no direction", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Direction = "" })),
			wantKind: domain.Invalid, wantRule: indicator.RuleDirection},
		{name: "formula of another direction", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = indicator.Ratio })),
			wantKind: domain.Invalid, wantRule: indicator.RuleFormula},
		{name: "no formula", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = "" })),
			wantKind: domain.Invalid, wantRule: indicator.RuleFormula},
		{name: "unknown formula", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = "SQUARE" })),
			wantKind: domain.Invalid, wantRule: indicator.RuleFormula},

		{name: "LOWER_IS_BETTER target 8 realised 6 by the SAKIP formula", given: six, when: rederive(ref, lowerIsBetter()),
			want: []execution.Event{first}},
		// By hand: 8 / 4 × 100 = 200; 6 / 8 × 100 = 75; 6 lies in 5..10.
		{name: "by the inverse ratio", given: []execution.Event{opened(), attached(), realised(4)},
			when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio }), realID, 200, "")}},
		{name: "HIGHER_IS_BETTER by ratio", given: six, when: rederive(ref, execution.Rederivation{IKI: ikiID, Period: q1.ID, Indicator: catalog,
			Direction: indicator.HigherIsBetter, Formula: indicator.Ratio, Target: indicator.Target{Value: 8}}),
			want: []execution.Event{rederived(execution.Rederivation{IKI: ikiID, Period: q1.ID, Indicator: catalog,
				Direction: indicator.HigherIsBetter, Formula: indicator.Ratio, Target: indicator.Target{Value: 8}}, realID, 75, "")}},
		{name: "a range that holds the value", given: six, when: rederive(ref, execution.Rederivation{IKI: ikiID, Period: q1.ID, Indicator: catalog,
			Direction: indicator.Range, Formula: indicator.RangeDistance, Target: indicator.Target{Min: 5, Max: 10}}),
			want: []execution.Event{rederived(execution.Rederivation{IKI: ikiID, Period: q1.ID, Indicator: catalog,
				Direction: indicator.Range, Formula: indicator.RangeDistance, Target: indicator.Target{Min: 5, Max: 10}}, realID, 100, "")}},

		{name: "a value the inverse ratio cannot measure", given: []execution.Event{opened(), attached(), realised(0)},
			when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio }), realID, 0,
				"the inverse-ratio formula cannot measure a realisation of zero; use MIRRORED_RATIO for indicators that can reach zero")}},
		{name: "a target of zero", given: six, when: rederive(ref, with(func(x *execution.Rederivation) { x.Target = indicator.Target{} })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.Target = indicator.Target{} }), realID, 0,
				"the target must be a number above zero to compute an achievement; for a target of zero use a RANGE with a tolerance, e.g. from 0 to 2")}},

		{name: "the same basis twice", given: append(six, first), when: rederive(ref, lowerIsBetter())},
		{name: "the same basis from another replay", given: append(six, first),
			when: rederive(replay.Ref{ID: uuid.MustParse("00000000-0000-0000-0000-0000000007a2"), Digest: strings.Repeat("ab", 32)}, lowerIsBetter())},
		// By hand: (2 × 12 − 6) / 12 × 100 = 150; 8 / 4 × 100 = 200.
		{name: "another target on the same realisation", given: append(six, first),
			when: rederive(ref, with(func(x *execution.Rederivation) { x.Target.Value = 12 })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.Target.Value = 12 }), realID, 150, "")}},
		{name: "another formula on the same realisation", given: []execution.Event{opened(), attached(), realised(4), rederived(lowerIsBetter(), realID, 150, "")},
			when: rederive(ref, with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.Formula = indicator.InverseRatio }), realID, 200, "")}},
		{name: "a correction, then the same basis", given: append(six, first, corrected(4)), when: rederive(ref, lowerIsBetter()),
			want: []execution.Event{rederived(lowerIsBetter(), real2ID, 150, "")}},
		{name: "the same basis on the other IKI's own realisation", given: append(six, first, reportedFor(iki2ID, q3, 4)),
			when: rederive(ref, with(func(x *execution.Rederivation) { x.IKI, x.Period = iki2ID, q3.ID })),
			want: []execution.Event{rederived(with(func(x *execution.Rederivation) { x.IKI, x.Period = iki2ID, q3.ID }), real2ID, 150, "")}},
		{name: "measures its own realisation, not the last reported", given: append(six, reportedFor(iki2ID, q3, 4)), when: rederive(ref, lowerIsBetter()),
			want: []execution.Event{first}},
	})
}

// reportedFor is a first realisation real2ID of iki in period p with value v.
func reportedFor(iki uuid.UUID, p execution.PeriodRef, v float64) execution.RealisationReported {
	r := reported()
	r.Realisation, r.IKI, r.Period, r.Value = real2ID, iki, p, v
	return r
}

// TestRederiveAchievementFields checks that each refusal names the field
// at fault, which the table above leaves out.
func TestRederiveAchievementFields(t *testing.T) {
	rec := execution.ReplayRecord([]execution.Event{opened(), attached(), realised(6)})
	for _, tt := range []struct {
		name  string
		ref   replay.Ref
		x     func(*execution.Rederivation)
		field string
	}{
		{name: "no replay id", ref: replay.Ref{Digest: ref.Digest}, x: func(*execution.Rederivation) {}, field: "replay_id"},
		{name: "bad digest", ref: replay.Ref{ID: ref.ID, Digest: strings.ToUpper(ref.Digest)}, x: func(*execution.Rederivation) {}, field: "digest"},
		{name: "no realisation", ref: ref, x: func(x *execution.Rederivation) { x.Period = "2026-Q2" }, field: "iki_id"},
		{name: "bad direction", ref: ref, x: func(x *execution.Rederivation) { x.Direction = "DOWN" }, field: "direction"},
		{name: "formula of another direction", ref: ref, x: func(x *execution.Rederivation) { x.Formula = indicator.RangeDistance }, field: "formula"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := lowerIsBetter()
			tt.x(&x)
			got, err := rec.RederiveAchievement(hr, tt.ref, x, at)
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("RederiveAchievement() = %v, %v; want a *domain.Error", got, err)
			}
			if got != nil || de.Kind != domain.Invalid || de.Field != tt.field {
				t.Errorf("RederiveAchievement() = %v, %v (kind %v, field %q); want no events, kind Invalid and field %q", got, err, de.Kind, de.Field, tt.field)
			}
		})
	}
}
