package policy_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
)

func lookup(t *testing.T, id string) policy.Policy {
	t.Helper()
	p, err := policy.Lookup(id)
	if err != nil {
		t.Fatalf("Lookup(%q) error = %v", id, err)
	}
	if p.ID != id {
		t.Fatalf("Lookup(%q).ID = %q", id, p.ID)
	}
	return p
}

func TestLookup(t *testing.T) {
	for _, id := range policy.IDs() {
		lookup(t, id)
	}
	_, err := policy.Lookup("permenpanrb-8-2021")
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.NotFound || de.Field != "policy_id" {
		t.Errorf("Lookup(unknown) error = %#v, want NotFound on policy_id", err)
	}
}

func TestLookupReturnsIndependentCopies(t *testing.T) {
	a := lookup(t, policy.DefaultID)
	a.Matrix[policy.Cell{Work: policy.AboveExpectation, Behaviour: policy.AboveExpectation}] = policy.SangatKurang
	a.Credit[policy.SangatBaik] = 0
	b := lookup(t, policy.DefaultID)
	if got, _ := b.Predicate(policy.AboveExpectation, policy.AboveExpectation); got != policy.SangatBaik {
		t.Errorf("a change to one looked-up policy leaked into the next: %q", got)
	}
	if b.CreditPercent(policy.SangatBaik) != 150 {
		t.Error("a change to one looked-up policy's credit table leaked into the next")
	}
}

// TestPredicateMatrix covers all nine cells of PermenPANRB 6/2022's kuadran.
func TestPredicateMatrix(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	const (
		above = policy.AboveExpectation
		as    = policy.AsExpected
		below = policy.BelowExpectation
	)
	tests := []struct {
		work, behaviour policy.Rating
		want            policy.Predicate
	}{
		{above, above, policy.SangatBaik},
		{above, as, policy.Baik},
		{above, below, policy.KurangMisconduct},
		{as, above, policy.Baik},
		{as, as, policy.Baik},
		{as, below, policy.KurangMisconduct},
		{below, above, policy.ButuhPerbaikan},
		{below, as, policy.ButuhPerbaikan},
		{below, below, policy.SangatKurang},
	}
	for _, tt := range tests {
		t.Run(string(tt.work)+"/"+string(tt.behaviour), func(t *testing.T) {
			got, err := p.Predicate(tt.work, tt.behaviour)
			if err != nil || got != tt.want {
				t.Errorf("Predicate(%s, %s) = %q, %v; want %q", tt.work, tt.behaviour, got, err, tt.want)
			}
		})
	}
}

func TestPredicateRejects(t *testing.T) {
	def := lookup(t, policy.DefaultID)
	legacy := lookup(t, policy.LegacyID)
	tests := []struct {
		name            string
		p               policy.Policy
		work, behaviour policy.Rating
		wantField       string
		wantRule        string
		wantText        string
	}{
		{"unknown work rating", def, "DI_ATAS", policy.AsExpected, "work_result_rating", "rating-valid", "not a rating"},
		{"empty behaviour rating", def, policy.AsExpected, "", "behaviour_rating", "rating-valid", "not a rating"},
		{"legacy policy has no matrix", legacy, policy.AsExpected, policy.AsExpected, "", "policy-scheme", "use the numeric score"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Predicate(tt.work, tt.behaviour)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid {
				t.Fatalf("Predicate() = %q, %v; want an Invalid *domain.Error", got, err)
			}
			if de.Field != tt.wantField || de.Rule != tt.wantRule || !strings.Contains(de.Message, tt.wantText) {
				t.Errorf("error = field %q rule %q message %q; want field %q rule %q mentioning %q", de.Field, de.Rule, de.Message, tt.wantField, tt.wantRule, tt.wantText)
			}
		})
	}
}

type counts = map[policy.Predicate]int

const (
	sb = policy.SangatBaik
	b  = policy.Baik
	bp = policy.ButuhPerbaikan
	km = policy.KurangMisconduct
	sk = policy.SangatKurang
)

// TestCheckDistribution covers each organisational predicate's quotas, with
// units of 1, 3 and 7 people where percentages round awkwardly.
func TestCheckDistribution(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	type want struct {
		rule         string
		count, limit int
	}
	tests := []struct {
		name   string
		org    policy.OrgPredicate
		counts counts
		want   []want
	}{
		// Istimewa: at most 70% Sangat Baik.
		{"istimewa 7: 4 sangat baik (floor 4.9) pass", policy.OrgIstimewa, counts{sb: 4, b: 3}, nil},
		{"istimewa 7: 5 sangat baik fail", policy.OrgIstimewa, counts{sb: 5, b: 2}, []want{{"quota-sangat-baik-max-70", 5, 4}}},
		{"istimewa 3: 2 sangat baik (floor 2.1) pass", policy.OrgIstimewa, counts{sb: 2, bp: 1}, nil},
		{"istimewa 3: 3 sangat baik fail", policy.OrgIstimewa, counts{sb: 3}, []want{{"quota-sangat-baik-max-70", 3, 2}}},
		{"istimewa 1: a lone sangat baik fails (floor 0.7 = 0)", policy.OrgIstimewa, counts{sb: 1}, []want{{"quota-sangat-baik-max-70", 1, 0}}},
		{"istimewa 1: a lone baik passes", policy.OrgIstimewa, counts{b: 1}, nil},
		{"istimewa 10: exactly 70% pass", policy.OrgIstimewa, counts{sb: 7, b: 3}, nil},

		// Baik: at most 70% Baik, and there must be Butuh Perbaikan or Kurang/Misconduct.
		{"baik 7: 4 baik, 1 butuh perbaikan pass", policy.OrgBaik, counts{b: 4, bp: 1, sb: 2}, nil},
		{"baik 7: kurang/misconduct satisfies the required low rating", policy.OrgBaik, counts{b: 4, km: 1, sb: 2}, nil},
		{"baik 7: 5 baik fail", policy.OrgBaik, counts{b: 5, bp: 1, sb: 1}, []want{{"quota-baik-max-70", 5, 4}}},
		{"baik 7: nobody below baik fail", policy.OrgBaik, counts{b: 4, sb: 3}, []want{{"quota-butuh-perbaikan-or-kurang-required", 0, 1}}},
		{"baik 7: sangat kurang does not count as the low rating", policy.OrgBaik, counts{b: 4, sb: 2, sk: 1}, []want{{"quota-butuh-perbaikan-or-kurang-required", 0, 1}}},
		{"baik 3: 2 baik, 1 butuh perbaikan pass", policy.OrgBaik, counts{b: 2, bp: 1}, nil},
		{"baik 3: all baik break both rules", policy.OrgBaik, counts{b: 3}, []want{{"quota-baik-max-70", 3, 2}, {"quota-butuh-perbaikan-or-kurang-required", 0, 1}}},
		{"baik 1: a lone baik breaks both rules", policy.OrgBaik, counts{b: 1}, []want{{"quota-baik-max-70", 1, 0}, {"quota-butuh-perbaikan-or-kurang-required", 0, 1}}},
		{"baik 1: a lone butuh perbaikan passes", policy.OrgBaik, counts{bp: 1}, nil},

		// Butuh Perbaikan: at least 60% Butuh Perbaikan, at most 10% Sangat Baik.
		{"butuh perbaikan 7: 5 butuh perbaikan (ceil 4.2) pass", policy.OrgButuhPerbaikan, counts{bp: 5, b: 2}, nil},
		{"butuh perbaikan 7: 4 butuh perbaikan fail", policy.OrgButuhPerbaikan, counts{bp: 4, b: 3}, []want{{"quota-butuh-perbaikan-min-60", 4, 5}}},
		{"butuh perbaikan 7: one sangat baik (floor 0.7 = 0) fail", policy.OrgButuhPerbaikan, counts{bp: 5, sb: 1, b: 1}, []want{{"quota-sangat-baik-max-10", 1, 0}}},
		{"butuh perbaikan 10: one sangat baik pass", policy.OrgButuhPerbaikan, counts{bp: 6, sb: 1, km: 3}, nil},
		{"butuh perbaikan 3: 2 butuh perbaikan (ceil 1.8) pass", policy.OrgButuhPerbaikan, counts{bp: 2, b: 1}, nil},
		{"butuh perbaikan 3: 1 butuh perbaikan fail", policy.OrgButuhPerbaikan, counts{bp: 1, b: 2}, []want{{"quota-butuh-perbaikan-min-60", 1, 2}}},
		{"butuh perbaikan 1: the one must be butuh perbaikan", policy.OrgButuhPerbaikan, counts{b: 1}, []want{{"quota-butuh-perbaikan-min-60", 0, 1}}},

		// Kurang: at least 60% Kurang/Misconduct, at least 10% Butuh Perbaikan, at most 10% Sangat Baik.
		{"kurang 7: 5 kurang, 1 butuh perbaikan pass", policy.OrgKurang, counts{km: 5, bp: 1, b: 1}, nil},
		{"kurang 7: 4 kurang, no butuh perbaikan fail twice", policy.OrgKurang, counts{km: 4, b: 3}, []want{{"quota-kurang-min-60", 4, 5}, {"quota-butuh-perbaikan-min-10", 0, 1}}},
		{"kurang 7: one sangat baik fail", policy.OrgKurang, counts{km: 5, bp: 1, sb: 1}, []want{{"quota-sangat-baik-max-10", 1, 0}}},
		{"kurang 3: 2 kurang, 1 butuh perbaikan pass", policy.OrgKurang, counts{km: 2, bp: 1}, nil},
		// With one person, 60% and 10% both round up to one: unsatisfiable, as §3.3 warns.
		{"kurang 1: unsatisfiable, a kurang still lacks a butuh perbaikan", policy.OrgKurang, counts{km: 1}, []want{{"quota-butuh-perbaikan-min-10", 0, 1}}},
		{"kurang 1: unsatisfiable, a butuh perbaikan still lacks a kurang", policy.OrgKurang, counts{bp: 1}, []want{{"quota-kurang-min-60", 0, 1}}},

		// Sangat Kurang: at least 60% Sangat Kurang, at least 10% Kurang/Misconduct or Butuh Perbaikan, no Sangat Baik.
		{"sangat kurang 7: 5 sangat kurang, 1 kurang, 1 baik pass", policy.OrgSangatKurang, counts{sk: 5, km: 1, b: 1}, nil},
		{"sangat kurang 7: butuh perbaikan satisfies the 10%", policy.OrgSangatKurang, counts{sk: 5, bp: 2}, nil},
		{"sangat kurang 7: 4 sangat kurang fail", policy.OrgSangatKurang, counts{sk: 4, km: 3}, []want{{"quota-sangat-kurang-min-60", 4, 5}}},
		{"sangat kurang 7: any sangat baik fails", policy.OrgSangatKurang, counts{sk: 5, km: 1, sb: 1}, []want{{"quota-sangat-baik-none", 1, 0}}},
		{"sangat kurang 3: 2 sangat kurang, 1 kurang pass", policy.OrgSangatKurang, counts{sk: 2, km: 1}, nil},
		{"sangat kurang 3: all sangat kurang lack the 10%", policy.OrgSangatKurang, counts{sk: 3}, []want{{"quota-kurang-or-butuh-perbaikan-min-10", 0, 1}}},
		{"sangat kurang 1: a lone sangat baik breaks all three", policy.OrgSangatKurang, counts{sb: 1}, []want{
			{"quota-sangat-kurang-min-60", 0, 1}, {"quota-kurang-or-butuh-perbaikan-min-10", 0, 1}, {"quota-sangat-baik-none", 1, 0}}},

		// Inputs that are not a distribution.
		{"empty unit passes", policy.OrgBaik, counts{}, nil},
		{"zero counts are an empty unit", policy.OrgBaik, counts{b: 0, bp: 0}, nil},
		{"negative count", policy.OrgIstimewa, counts{b: 2, sb: -1}, []want{{"count-negative", -1, 0}}},
		{"unknown predicate", policy.OrgIstimewa, counts{b: 2, "CUKUP": 1}, []want{{"predicate-valid", 1, 0}}},
		{"unknown org predicate", "CUKUP", counts{b: 2}, []want{{"org-predicate-valid", 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.CheckDistribution(tt.org, tt.counts)
			if len(got) != len(tt.want) {
				t.Fatalf("CheckDistribution(%s, %v) = %+v, want %d violations %+v", tt.org, tt.counts, got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				v := got[i]
				if v.Rule != w.rule || v.Count != w.count || v.Limit != w.limit {
					t.Errorf("violation %d = %s count %d limit %d, want %s count %d limit %d", i, v.Rule, v.Count, v.Limit, w.rule, w.count, w.limit)
				}
				if v.Message == "" {
					t.Errorf("violation %d (%s) has no message", i, v.Rule)
				}
			}
		})
	}
}

func TestCheckDistributionMessage(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	got := p.CheckDistribution(policy.OrgIstimewa, counts{sb: 5, b: 2})
	if len(got) != 1 {
		t.Fatalf("got %+v, want one violation", got)
	}
	want := "under organisational predicate Istimewa at most 4 of the 7 employees (70%, rounded down) may be Sangat Baik; 5 are"
	if got[0].Message != want {
		t.Errorf("message = %q\nwant      %q", got[0].Message, want)
	}
	if got[0].Predicate != sb || !reflect.DeepEqual(got[0].Predicates, []policy.Predicate{sb}) {
		t.Errorf("predicates = %q %q", got[0].Predicate, got[0].Predicates)
	}
	got = p.CheckDistribution(policy.OrgSangatKurang, counts{sk: 3})
	if len(got) != 1 || !strings.Contains(got[0].Message, "Kurang/Misconduct or Butuh Perbaikan") {
		t.Errorf("got %+v, want one violation naming both predicates", got)
	}
}

func TestCheckDistributionCustomQuotas(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	p.Quotas = map[policy.OrgPredicate][]policy.Quota{
		policy.OrgBaik: {
			{Rule: "local-min-3-baik", Predicates: []policy.Predicate{b}, Kind: policy.Minimum, Percent: 20, AtLeast: 3},
			{Rule: "malformed-no-predicates", Kind: policy.Maximum, Percent: 0},
		},
	}
	got := p.CheckDistribution(policy.OrgBaik, counts{b: 2, bp: 3})
	if len(got) != 1 || got[0].Rule != "local-min-3-baik" || got[0].Limit != 3 || got[0].Count != 2 {
		t.Errorf("CheckDistribution with local quotas = %+v, want only local-min-3-baik with limit 3", got)
	}
	if !strings.Contains(got[0].Message, "at least 3") {
		t.Errorf("message %q does not state the bound", got[0].Message)
	}
}

func TestLegacyHasNoDistributionQuota(t *testing.T) {
	p := lookup(t, policy.LegacyID)
	if got := p.CheckDistribution(policy.OrgBaik, counts{policy.Baik: 10}); len(got) != 0 {
		t.Errorf("legacy CheckDistribution = %+v, want none: PP 30/2019 has no quotas", got)
	}
	if got := p.CheckDistribution(policy.OrgBaik, counts{policy.Baik: -1}); len(got) != 1 {
		t.Errorf("legacy CheckDistribution with a negative count = %+v, want one violation", got)
	}
}

func TestNumericPredicate(t *testing.T) {
	p := lookup(t, policy.LegacyID)
	tests := []struct {
		score      float64
		innovation bool
		want       policy.Predicate
	}{
		{120, true, policy.SangatBaik},
		{110, true, policy.SangatBaik},
		{110, false, policy.Baik},
		{109.99, true, policy.Baik},
		{90, false, policy.Baik},
		{89.99, true, policy.Cukup},
		{70, false, policy.Cukup},
		{69.99, false, policy.Kurang},
		{50, false, policy.Kurang},
		{49.99, false, policy.SangatKurang},
		{0, false, policy.SangatKurang},
	}
	for _, tt := range tests {
		got, err := p.NumericPredicate(tt.score, tt.innovation)
		if err != nil || got != tt.want {
			t.Errorf("NumericPredicate(%g, %v) = %q, %v; want %q", tt.score, tt.innovation, got, err, tt.want)
		}
	}
}

func TestNumericPredicateRejects(t *testing.T) {
	legacy := lookup(t, policy.LegacyID)
	def := lookup(t, policy.DefaultID)
	tests := []struct {
		name     string
		p        policy.Policy
		score    float64
		wantRule string
	}{
		{"above 120", legacy, 120.5, "score-range"},
		{"negative", legacy, -1, "score-range"},
		{"NaN", legacy, math.NaN(), "score-range"},
		{"default policy is not numeric", def, 100, "policy-scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.NumericPredicate(tt.score, false)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Rule != tt.wantRule {
				t.Errorf("NumericPredicate(%g) error = %v, want Invalid with rule %s", tt.score, err, tt.wantRule)
			}
		})
	}
}

func TestLegacyScore(t *testing.T) {
	tests := []struct {
		skp, behaviour float64
		peers          bool
		want           float64
	}{
		{100, 80, false, 94},
		{100, 80, true, 92},
		{120, 120, false, 120},
	}
	for _, tt := range tests {
		got, err := policy.LegacyScore(tt.skp, tt.behaviour, tt.peers)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("LegacyScore(%g, %g, %v) = %g, %v; want %g", tt.skp, tt.behaviour, tt.peers, got, err, tt.want)
		}
	}
	for _, bad := range [][2]float64{{121, 100}, {100, -0.5}, {math.NaN(), 100}} {
		_, err := policy.LegacyScore(bad[0], bad[1], false)
		if domain.KindOf(err) != domain.Invalid {
			t.Errorf("LegacyScore(%g, %g) error = %v, want Invalid", bad[0], bad[1], err)
		}
	}
}

func TestRecommendRating(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	tests := []struct {
		achievement float64
		want        policy.Rating
	}{
		{150, policy.AboveExpectation},
		{110, policy.AboveExpectation},
		{109.9, policy.AsExpected},
		{90, policy.AsExpected},
		{89.9, policy.BelowExpectation},
		{0, policy.BelowExpectation},
		{math.NaN(), policy.BelowExpectation},
	}
	for _, tt := range tests {
		if got := p.RecommendRating(tt.achievement); got != tt.want {
			t.Errorf("RecommendRating(%g) = %q, want %q", tt.achievement, got, tt.want)
		}
	}
	p.Thresholds = policy.Thresholds{AboveFrom: 120, AsExpectedFrom: 100}
	if got := p.RecommendRating(110); got != policy.AsExpected {
		t.Errorf("with local thresholds 120/100, RecommendRating(110) = %q, want %q", got, policy.AsExpected)
	}
}

func TestHeadWorkRating(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	want := map[policy.OrgPredicate]policy.Rating{
		policy.OrgIstimewa:       policy.AboveExpectation,
		policy.OrgBaik:           policy.AsExpected,
		policy.OrgButuhPerbaikan: policy.BelowExpectation,
		policy.OrgKurang:         policy.BelowExpectation,
		policy.OrgSangatKurang:   policy.BelowExpectation,
		"CUKUP":                  "",
	}
	for org, w := range want {
		if got := p.HeadWorkRating(org); got != w {
			t.Errorf("HeadWorkRating(%s) = %q, want %q", org, got, w)
		}
	}
}

func TestCreditPercent(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	want := map[policy.Predicate]int{sb: 150, b: 100, bp: 75, km: 50, sk: 25, policy.Cukup: 0, "": 0}
	for pr, w := range want {
		if got := p.CreditPercent(pr); got != w {
			t.Errorf("CreditPercent(%q) = %d, want %d", pr, got, w)
		}
	}
	if got := lookup(t, policy.LegacyID).CreditPercent(policy.Baik); got != 0 {
		t.Errorf("legacy CreditPercent(BAIK) = %d, want 0", got)
	}
}

func TestObjectionWindow(t *testing.T) {
	for _, id := range policy.IDs() {
		p := lookup(t, id)
		if p.ObjectionWindowDays() != 14 {
			t.Errorf("%s: ObjectionWindowDays() = %d, want 14", id, p.ObjectionWindowDays())
		}
		delivered := time.Date(2025, 1, 20, 9, 30, 0, 0, time.UTC)
		want := time.Date(2025, 2, 3, 9, 30, 0, 0, time.UTC)
		if got := p.ObjectionDeadline(delivered); !got.Equal(want) {
			t.Errorf("%s: ObjectionDeadline(%v) = %v, want %v", id, delivered, got, want)
		}
	}
}

func TestEnums(t *testing.T) {
	for _, r := range []policy.Rating{policy.AboveExpectation, policy.AsExpected, policy.BelowExpectation} {
		if !r.Valid() || r.Label() == string(r) {
			t.Errorf("rating %q: Valid %v, Label %q", r, r.Valid(), r.Label())
		}
	}
	for _, pr := range policy.Predicates() {
		if !pr.Valid() || pr.Label() == string(pr) {
			t.Errorf("predicate %q: Valid %v, Label %q", pr, pr.Valid(), pr.Label())
		}
	}
	for _, o := range policy.OrgPredicates() {
		if !o.Valid() || o.Label() == string(o) {
			t.Errorf("org predicate %q: Valid %v, Label %q", o, o.Valid(), o.Label())
		}
	}
	if policy.Rating("DI_ATAS").Valid() || policy.Cukup.Valid() || policy.OrgPredicate("CUKUP").Valid() {
		t.Error("an unofficial value is Valid")
	}
}

func TestPolicyAchievement(t *testing.T) {
	def := lookup(t, policy.DefaultID)
	capped := lookup(t, policy.DefaultID)
	capped.AchievementCap = 120
	inverse := lookup(t, policy.DefaultID)
	inverse.Formulas[indicator.LowerIsBetter] = indicator.InverseRatio
	empty := lookup(t, policy.DefaultID)
	empty.Formulas = nil
	tests := []struct {
		name     string
		p        policy.Policy
		d        indicator.Direction
		f        indicator.Formula
		target   indicator.Target
		realised float64
		want     float64
	}{
		{"higher, policy formula", def, indicator.HigherIsBetter, "", indicator.Target{Value: 10}, 15, 150},
		{"lower, policy formula is mirrored", def, indicator.LowerIsBetter, "", indicator.Target{Value: 10}, 8, 120},
		{"lower, a policy that prefers the inverse ratio", inverse, indicator.LowerIsBetter, "", indicator.Target{Value: 10}, 8, 125},
		{"lower, the indicator's own formula wins", inverse, indicator.LowerIsBetter, indicator.MirroredRatio, indicator.Target{Value: 10}, 8, 120},
		{"range, policy formula", def, indicator.Range, "", indicator.Target{Min: 10, Max: 20}, 22, 90},
		{"capped at 120", capped, indicator.HigherIsBetter, "", indicator.Target{Value: 10}, 15, 120},
		{"below the cap untouched", capped, indicator.HigherIsBetter, "", indicator.Target{Value: 10}, 9, 90},
		{"a policy without formulas uses the package default", empty, indicator.LowerIsBetter, "", indicator.Target{Value: 10}, 8, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Achievement(tt.d, tt.f, tt.target, tt.realised)
			if err != nil || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Achievement() = %g, %v; want %g", got, err, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		name      string
		d         indicator.Direction
		f         indicator.Formula
		target    indicator.Target
		wantField string
	}{
		{"unknown direction", "UP", "", indicator.Target{Value: 10}, "direction"},
		{"formula of another direction", indicator.HigherIsBetter, indicator.MirroredRatio, indicator.Target{Value: 10}, "formula"},
		{"zero target", indicator.HigherIsBetter, "", indicator.Target{}, "target.value"},
	} {
		_, err := def.Achievement(bad.d, bad.f, bad.target, 5)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != bad.wantField {
			t.Errorf("%s: error = %#v, want Invalid on %s", bad.name, err, bad.wantField)
		}
	}
}

func TestCreditPoints(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	// Peraturan BKN 3/2023: a Pemula coefficient of 3.75 gives 5.625, 3.75,
	// 2.8125, 1.875 and 0.9375 for a whole year.
	tests := []struct {
		pr     policy.Predicate
		months int
		want   float64
	}{
		{sb, 12, 5.625},
		{b, 12, 3.75},
		{bp, 12, 2.8125},
		{km, 12, 1.875},
		{sk, 12, 0.9375},
		{b, 6, 1.875},
		{sb, 1, 0.46875},
	}
	for _, tt := range tests {
		got, err := p.CreditPoints(tt.pr, 3.75, tt.months)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("CreditPoints(%s, 3.75, %d) = %g, %v; want %g", tt.pr, tt.months, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		name        string
		p           policy.Policy
		pr          policy.Predicate
		coefficient float64
		months      int
		wantField   string
	}{
		{"no percentage for the predicate", p, policy.Cukup, 3.75, 12, "predicate"},
		{"legacy policy converts nothing", lookup(t, policy.LegacyID), b, 3.75, 12, "predicate"},
		{"zero months", p, b, 3.75, 0, "months"},
		{"thirteen months", p, b, 3.75, 13, "months"},
		{"zero coefficient", p, b, 0, 12, "coefficient"},
		{"NaN coefficient", p, b, math.NaN(), 12, "coefficient"},
	} {
		_, err := bad.p.CreditPoints(bad.pr, bad.coefficient, bad.months)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != bad.wantField {
			t.Errorf("%s: error = %#v, want Invalid on %s", bad.name, err, bad.wantField)
		}
	}
}

func TestPolicyFlags(t *testing.T) {
	p := lookup(t, policy.DefaultID)
	if !p.OverrideAllowed || p.HeadInOwnCurve {
		t.Errorf("default policy: OverrideAllowed %v, HeadInOwnCurve %v; want true, false", p.OverrideAllowed, p.HeadInOwnCurve)
	}
	for _, id := range policy.IDs() {
		p := lookup(t, id)
		for _, d := range []indicator.Direction{indicator.HigherIsBetter, indicator.LowerIsBetter, indicator.Range} {
			if f := p.Formulas[d]; f.Direction() != d {
				t.Errorf("%s: formula for %s is %q", id, d, f)
			}
		}
	}
}

func TestQuotaLimit(t *testing.T) {
	tests := []struct {
		q    policy.Quota
		n    int
		want int
	}{
		{policy.Quota{Kind: policy.Maximum, Percent: 70}, 9, 6},  // 6.3 rounds down
		{policy.Quota{Kind: policy.Maximum, Percent: 70}, 10, 7}, // exact
		{policy.Quota{Kind: policy.Minimum, Percent: 10}, 9, 1},  // 0.9 rounds up
		{policy.Quota{Kind: policy.Minimum, Percent: 10}, 20, 2}, // exact
		{policy.Quota{Kind: policy.Minimum, AtLeast: 1}, 3, 1},   // "there must be one"
		{policy.Quota{Kind: policy.Minimum, Percent: 0}, 0, 0},   // an empty unit
		{policy.Quota{Kind: policy.Maximum, Percent: 0}, 12, 0},  // none may be
	}
	for _, tt := range tests {
		if got := tt.q.Limit(tt.n); got != tt.want {
			t.Errorf("%+v.Limit(%d) = %d, want %d", tt.q, tt.n, got, tt.want)
		}
	}
}
