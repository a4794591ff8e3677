package policy

import "github.com/kinerja/kinerja/domain/indicator"

// permenpanrb6of2022 is the default policy. The matrix is PermenPANRB 6/2022's
// kuadran kinerja (domain reference §3.2), the quotas SE MenPANRB 3/2023's
// pola distribusi (§3.3, "most (at most 70%)" read as a hard maximum), the
// head mapping and the thresholds documented assumptions (§3.3, §3.1), the
// credit percentages Peraturan BKN 3/2023 (§2.8) and the objection window PP
// 30/2019 Pasal 59, in calendar days (§2.7).
func permenpanrb6of2022() Policy {
	return Policy{
		ID:     DefaultID,
		Name:   "PermenPANRB 6/2022 with SE MenPANRB 3/2023",
		Scheme: MatrixScheme,
		Matrix: map[Cell]Predicate{
			{AboveExpectation, AboveExpectation}: SangatBaik,
			{AboveExpectation, AsExpected}:       Baik,
			{AboveExpectation, BelowExpectation}: KurangMisconduct,
			{AsExpected, AboveExpectation}:       Baik,
			{AsExpected, AsExpected}:             Baik,
			{AsExpected, BelowExpectation}:       KurangMisconduct,
			{BelowExpectation, AboveExpectation}: ButuhPerbaikan,
			{BelowExpectation, AsExpected}:       ButuhPerbaikan,
			{BelowExpectation, BelowExpectation}: SangatKurang,
		},
		Quotas: map[OrgPredicate][]Quota{
			OrgIstimewa: {
				{Rule: "quota-sangat-baik-max-70", Predicates: []Predicate{SangatBaik}, Kind: Maximum, Percent: 70},
			},
			OrgBaik: {
				{Rule: "quota-baik-max-70", Predicates: []Predicate{Baik}, Kind: Maximum, Percent: 70},
				{Rule: "quota-butuh-perbaikan-or-kurang-required", Predicates: []Predicate{ButuhPerbaikan, KurangMisconduct}, Kind: Minimum, AtLeast: 1},
			},
			OrgButuhPerbaikan: {
				{Rule: "quota-butuh-perbaikan-min-60", Predicates: []Predicate{ButuhPerbaikan}, Kind: Minimum, Percent: 60},
				{Rule: "quota-sangat-baik-max-10", Predicates: []Predicate{SangatBaik}, Kind: Maximum, Percent: 10},
			},
			OrgKurang: {
				{Rule: "quota-kurang-min-60", Predicates: []Predicate{KurangMisconduct}, Kind: Minimum, Percent: 60},
				{Rule: "quota-butuh-perbaikan-min-10", Predicates: []Predicate{ButuhPerbaikan}, Kind: Minimum, Percent: 10},
				{Rule: "quota-sangat-baik-max-10", Predicates: []Predicate{SangatBaik}, Kind: Maximum, Percent: 10},
			},
			OrgSangatKurang: {
				{Rule: "quota-sangat-kurang-min-60", Predicates: []Predicate{SangatKurang}, Kind: Minimum, Percent: 60},
				{Rule: "quota-kurang-or-butuh-perbaikan-min-10", Predicates: []Predicate{KurangMisconduct, ButuhPerbaikan}, Kind: Minimum, Percent: 10},
				{Rule: "quota-sangat-baik-none", Predicates: []Predicate{SangatBaik}, Kind: Maximum, Percent: 0},
			},
		},
		HeadRatings: map[OrgPredicate]Rating{
			OrgIstimewa:       AboveExpectation,
			OrgBaik:           AsExpected,
			OrgButuhPerbaikan: BelowExpectation,
			OrgKurang:         BelowExpectation,
			OrgSangatKurang:   BelowExpectation,
		},
		Credit: map[Predicate]int{
			SangatBaik:       150,
			Baik:             100,
			ButuhPerbaikan:   75,
			KurangMisconduct: 50,
			SangatKurang:     25,
		},
		OverrideAllowed: true,
		HeadInOwnCurve:  false,
		Formulas: map[indicator.Direction]indicator.Formula{
			indicator.HigherIsBetter: indicator.Ratio,
			indicator.LowerIsBetter:  indicator.MirroredRatio,
			indicator.Range:          indicator.RangeDistance,
		},
		Thresholds:      Thresholds{AboveFrom: 110, AsExpectedFrom: 90},
		ObjectionWindow: 14,
	}
}

// pp30of2019 is the numeric 0-120 scale of PP 30/2019 Pasal 41 (domain
// reference §3.4): Sangat Baik from 110 with an innovation, Baik from 90,
// Cukup from 70, Kurang from 50, Sangat Kurang below. It has no rating matrix
// and no distribution quotas, and converts no credit points (the percentages
// of Peraturan BKN 3/2023 apply to the 2022 predicates only).
func pp30of2019() Policy {
	return Policy{
		ID:     LegacyID,
		Name:   "PP 30/2019 numeric scale",
		Scheme: NumericScheme,
		Bands: []Band{
			{From: 0, Predicate: SangatKurang},
			{From: 50, Predicate: Kurang},
			{From: 70, Predicate: Cukup},
			{From: 90, Predicate: Baik},
			{From: 110, Predicate: SangatBaik},
		},
		MaxScore:   120,
		Innovation: map[Predicate]Predicate{SangatBaik: Baik},
		Formulas: map[indicator.Direction]indicator.Formula{
			indicator.HigherIsBetter: indicator.Ratio,
			indicator.LowerIsBetter:  indicator.MirroredRatio,
			indicator.Range:          indicator.RangeDistance,
		},
		Thresholds:      Thresholds{AboveFrom: 110, AsExpectedFrom: 90},
		ObjectionWindow: 14,
	}
}
