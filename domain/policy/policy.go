// Package policy holds the rating policy as versioned data: the predicate
// matrix of PermenPANRB 6/2022, the distribution quotas of SE MenPANRB 3/2023,
// the thresholds that recommend a work-result rating, the mapping for unit
// heads, the credit-point percentages and the objection window; and the
// legacy PP 30/2019 numeric scale, so that pre-2022 history replays
// faithfully. A policy is chosen by its ID and never changes once published:
// a new rule set is a new ID.
package policy

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

// Policy identifiers. An evaluation records the ID it was decided under.
const (
	// DefaultID is PermenPANRB 6/2022 with the quotas of SE MenPANRB 3/2023.
	DefaultID = "permenpanrb-6-2022/se-3-2023"
	// LegacyID is the numeric 0-120 scale of PP 30/2019 (pre-2022 history).
	LegacyID = "pp-30-2019"
)

// Rating is a work-result or behaviour rating (rating hasil kerja, rating
// perilaku kerja).
type Rating string

// Ratings, with the official terms as values.
const (
	AboveExpectation Rating = "DI_ATAS_EKSPEKTASI"
	AsExpected       Rating = "SESUAI_EKSPEKTASI"
	BelowExpectation Rating = "DI_BAWAH_EKSPEKTASI"
)

// Valid reports whether r is one of the three ratings.
func (r Rating) Valid() bool {
	return r == AboveExpectation || r == AsExpected || r == BelowExpectation
}

// Label returns r as an HR officer writes it, e.g. "Di Atas Ekspektasi".
func (r Rating) Label() string {
	switch r {
	case AboveExpectation:
		return "Di Atas Ekspektasi"
	case AsExpected:
		return "Sesuai Ekspektasi"
	case BelowExpectation:
		return "Di Bawah Ekspektasi"
	}
	return string(r)
}

// Predicate is an individual performance predicate (predikat kinerja pegawai).
type Predicate string

// Predicates of PermenPANRB 6/2022, with the official terms as values.
const (
	SangatBaik       Predicate = "SANGAT_BAIK"
	Baik             Predicate = "BAIK"
	ButuhPerbaikan   Predicate = "BUTUH_PERBAIKAN"
	KurangMisconduct Predicate = "KURANG_MISCONDUCT"
	SangatKurang     Predicate = "SANGAT_KURANG"
)

// Predicates of the PP 30/2019 numeric scale that have no counterpart of the
// same name under PermenPANRB 6/2022. The legacy scale also uses SangatBaik,
// Baik and SangatKurang.
const (
	Cukup  Predicate = "CUKUP"
	Kurang Predicate = "KURANG"
)

// Predicates lists the five predicates of PermenPANRB 6/2022, best first.
func Predicates() []Predicate {
	return []Predicate{SangatBaik, Baik, ButuhPerbaikan, KurangMisconduct, SangatKurang}
}

// Valid reports whether pr is one of the five predicates of PermenPANRB 6/2022.
func (pr Predicate) Valid() bool {
	return slices.Contains(Predicates(), pr)
}

// Label returns pr as an HR officer writes it, e.g. "Kurang/Misconduct".
func (pr Predicate) Label() string {
	switch pr {
	case SangatBaik:
		return "Sangat Baik"
	case Baik:
		return "Baik"
	case ButuhPerbaikan:
		return "Butuh Perbaikan"
	case KurangMisconduct:
		return "Kurang/Misconduct"
	case SangatKurang:
		return "Sangat Kurang"
	case Cukup:
		return "Cukup"
	case Kurang:
		return "Kurang"
	}
	return string(pr)
}

// OrgPredicate is the organisational predicate (capaian kinerja organisasi)
// the parent unit's leader sets for a unit and period.
type OrgPredicate string

// Organisational predicates of SE MenPANRB 3/2023.
const (
	OrgIstimewa       OrgPredicate = "ISTIMEWA"
	OrgBaik           OrgPredicate = "BAIK"
	OrgButuhPerbaikan OrgPredicate = "BUTUH_PERBAIKAN"
	OrgKurang         OrgPredicate = "KURANG"
	OrgSangatKurang   OrgPredicate = "SANGAT_KURANG"
)

// OrgPredicates lists the five organisational predicates, best first.
func OrgPredicates() []OrgPredicate {
	return []OrgPredicate{OrgIstimewa, OrgBaik, OrgButuhPerbaikan, OrgKurang, OrgSangatKurang}
}

// Valid reports whether o is one of the five organisational predicates.
func (o OrgPredicate) Valid() bool {
	return slices.Contains(OrgPredicates(), o)
}

// Label returns o as an HR officer writes it, e.g. "Butuh Perbaikan".
func (o OrgPredicate) Label() string {
	switch o {
	case OrgIstimewa:
		return "Istimewa"
	case OrgBaik:
		return "Baik"
	case OrgButuhPerbaikan:
		return "Butuh Perbaikan"
	case OrgKurang:
		return "Kurang"
	case OrgSangatKurang:
		return "Sangat Kurang"
	}
	return string(o)
}

// Scheme is the way a policy turns an appraisal into a predicate.
type Scheme string

// Schemes.
const (
	// MatrixScheme derives the predicate from two ratings (PermenPANRB 6/2022).
	MatrixScheme Scheme = "MATRIX"
	// NumericScheme derives it from a 0-120 score (PP 30/2019).
	NumericScheme Scheme = "NUMERIC"
)

// Cell is one cell of the predicate matrix.
type Cell struct {
	Work      Rating
	Behaviour Rating
}

// QuotaKind says whether a quota bounds a share from below or from above.
type QuotaKind string

// Quota kinds.
const (
	Minimum QuotaKind = "MIN" // at least Percent (rounded up), and at least AtLeast people
	Maximum QuotaKind = "MAX" // at most Percent (rounded down)
)

// Quota is one rule of a distribution pattern: the number of employees whose
// predicate is one of Predicates must be at least, or at most, Percent of the
// unit's population.
type Quota struct {
	Rule       string      // stable identifier, e.g. "quota-baik-max-70"
	Predicates []Predicate // counted together ("and/or" in the SE)
	Kind       QuotaKind
	Percent    int // of the population; minimums round up, maximums round down
	AtLeast    int // an absolute minimum, for "there must be" rules; Minimum only
}

// Limit returns the quota's bound, in people, for a population of n: a
// minimum rounds its percentage up and is at least AtLeast, a maximum rounds
// down.
func (q Quota) Limit(n int) int {
	if q.Kind == Minimum {
		return max((q.Percent*n+99)/100, q.AtLeast)
	}
	return q.Percent * n / 100
}

// Band is one band of the PP 30/2019 numeric scale: scores from From
// (inclusive) up to the next band's From give Predicate.
type Band struct {
	From      float64
	Predicate Predicate
}

// Thresholds turn an indicator achievement in percent into a recommended
// work-result rating. They are local policy, not regulation.
type Thresholds struct {
	AboveFrom      float64 // achievement at or above this is above expectation
	AsExpectedFrom float64 // at or above this (and below AboveFrom) is as expected
}

// Policy is a rating policy. Its fields are data, so that a revised policy is
// a new value with a new ID rather than edited code; Lookup returns a fresh
// copy on every call.
type Policy struct {
	ID     string
	Name   string // the regulations it implements
	Scheme Scheme
	Matrix map[Cell]Predicate       // MatrixScheme only
	Quotas map[OrgPredicate][]Quota // distribution pattern per organisational predicate
	// OverrideAllowed says whether a unit whose distribution breaks the
	// quotas may still be finalised with a recorded, justified override
	// (domain reference §8.17; small units can make a quota unsatisfiable).
	OverrideAllowed bool
	// HeadInOwnCurve says whether a unit head's predicate counts in the
	// distribution of their own unit rather than their parent's (§3.3).
	HeadInOwnCurve bool
	HeadRatings    map[OrgPredicate]Rating // a unit head's work-result rating from the unit's predicate
	Credit         map[Predicate]int       // percent of the credit-point coefficient
	// Formulas is the achievement formula for each indicator direction, used
	// where an indicator names none.
	Formulas map[indicator.Direction]indicator.Formula
	// AchievementCap caps an achievement in percent; 0 means no cap.
	AchievementCap  float64
	Thresholds      Thresholds              // recommended work-result rating from achievement
	Bands           []Band                  // NumericScheme only, ascending by From
	MaxScore        float64                 // NumericScheme only: the top of the scale
	Innovation      map[Predicate]Predicate // NumericScheme: the predicate given instead when no innovation is shown
	ObjectionWindow int                     // calendar days from delivery in which a keberatan may be filed
}

// IDs returns the identifiers of every known policy.
func IDs() []string {
	return []string{DefaultID, LegacyID}
}

// Lookup returns the policy with the given ID. An unknown ID is an *Error of
// kind NotFound.
func Lookup(id string) (Policy, error) {
	switch id {
	case DefaultID:
		return permenpanrb6of2022(), nil
	case LegacyID:
		return pp30of2019(), nil
	}
	return Policy{}, domain.Errorf(domain.NotFound, "no rating policy %q; known policies are %q and %q", id, DefaultID, LegacyID).
		WithField("policy_id").WithRule("policy-known")
}

// Predicate returns the predicate that the matrix gives for a work-result
// rating and a behaviour rating (PermenPANRB 6/2022, kuadran kinerja). An
// invalid rating, or a policy on the numeric scale, is an *Error of kind
// Invalid.
func (p Policy) Predicate(work, behaviour Rating) (Predicate, error) {
	if p.Scheme != MatrixScheme {
		return "", domain.Errorf(domain.Invalid, "policy %s rates on the numeric 0-%g scale of PP 30/2019; use the numeric score, not two ratings", p.ID, p.MaxScore).
			WithRule("policy-scheme")
	}
	if !work.Valid() {
		return "", invalidRating("work_result_rating", work)
	}
	if !behaviour.Valid() {
		return "", invalidRating("behaviour_rating", behaviour)
	}
	pr, ok := p.Matrix[Cell{work, behaviour}]
	if !ok {
		return "", domain.Errorf(domain.Invalid, "policy %s has no predicate for work result %s and behaviour %s", p.ID, work.Label(), behaviour.Label()).
			WithRule("policy-matrix")
	}
	return pr, nil
}

func invalidRating(field string, r Rating) *domain.Error {
	return domain.Errorf(domain.Invalid, "%q is not a rating; use %s, %s or %s", r, AboveExpectation, AsExpected, BelowExpectation).
		WithField(field).WithRule("rating-valid")
}

// NumericPredicate returns the predicate of a PP 30/2019 score from 0 to the
// policy's MaxScore. Under PP 30/2019 the top band (Sangat Baik) also needs a
// new idea or method that benefits the organisation; without it the score
// gives the band below. A score outside the scale, or a policy that is not
// numeric, is an *Error of kind Invalid.
func (p Policy) NumericPredicate(score float64, innovation bool) (Predicate, error) {
	if p.Scheme != NumericScheme {
		return "", domain.Errorf(domain.Invalid, "policy %s derives the predicate from the work-result and behaviour ratings, not from a numeric score", p.ID).
			WithRule("policy-scheme")
	}
	if math.IsNaN(score) || score < 0 || score > p.MaxScore {
		return "", domain.Errorf(domain.Invalid, "a PP 30/2019 score runs from 0 to %g; %g is outside it", p.MaxScore, score).
			WithField("score").WithRule("score-range")
	}
	var pr Predicate
	for _, b := range p.Bands {
		if score >= b.From {
			pr = b.Predicate
		}
	}
	if lower, ok := p.Innovation[pr]; ok && !innovation {
		pr = lower
	}
	return pr, nil
}

// LegacyScore combines an SKP score and a behaviour score (each 0-120) into
// the final PP 30/2019 score: 70% SKP and 30% behaviour, or 60/40 when the
// opinions of peers and subordinates were considered (Pasal 41). A score
// outside 0-120 is an *Error of kind Invalid.
func LegacyScore(skp, behaviour float64, peersConsulted bool) (float64, error) {
	for _, s := range []struct {
		field string
		v     float64
	}{{"skp_score", skp}, {"behaviour_score", behaviour}} {
		if math.IsNaN(s.v) || s.v < 0 || s.v > 120 {
			return 0, domain.Errorf(domain.Invalid, "a PP 30/2019 score runs from 0 to 120; %s is %g", s.field, s.v).
				WithField(s.field).WithRule("score-range")
		}
	}
	if peersConsulted {
		return 0.6*skp + 0.4*behaviour, nil
	}
	return 0.7*skp + 0.3*behaviour, nil
}

// Violation is one broken rule of a distribution pattern.
type Violation struct {
	Rule       string
	Predicate  Predicate   // the first (or only) predicate the rule counts
	Predicates []Predicate // every predicate the rule counts together
	Count      int         // how many employees have them
	Limit      int         // the bound, in people, for this population
	Message    string
}

// CheckDistribution checks the count of each individual predicate in a unit
// against the distribution pattern that the organisational predicate org
// fixes (SE MenPANRB 3/2023). Percentages become people with ceil for
// minimums and floor for maximums. It returns every violation, in the order
// of the policy's quotas; none means the distribution passes. An empty unit
// passes; an invalid org, a negative count or a predicate outside the five is
// itself reported as a violation. A policy without quotas (PP 30/2019) has no
// distribution rule to break.
func (p Policy) CheckDistribution(org OrgPredicate, counts map[Predicate]int) []Violation {
	var out []Violation
	n := 0
	for _, pr := range sortedKeys(counts) {
		c := counts[pr]
		switch {
		case c < 0:
			out = append(out, Violation{Rule: "count-negative", Predicate: pr, Predicates: []Predicate{pr}, Count: c,
				Message: fmt.Sprintf("the number of employees rated %s cannot be negative (%d)", pr.Label(), c)})
		case c > 0 && p.Scheme == MatrixScheme && !pr.Valid():
			out = append(out, Violation{Rule: "predicate-valid", Predicate: pr, Predicates: []Predicate{pr}, Count: c,
				Message: fmt.Sprintf("%q is not a predicate of policy %s", pr, p.ID)})
		default:
			n += c
		}
	}
	if len(p.Quotas) == 0 {
		return out
	}
	if !org.Valid() {
		return append(out, Violation{Rule: "org-predicate-valid",
			Message: fmt.Sprintf("%q is not an organisational predicate; use ISTIMEWA, BAIK, BUTUH_PERBAIKAN, KURANG or SANGAT_KURANG", org)})
	}
	if n == 0 {
		return out
	}
	for _, q := range p.Quotas[org] {
		count := 0
		for _, pr := range q.Predicates {
			if c := counts[pr]; c > 0 {
				count += c
			}
		}
		v := Violation{Rule: q.Rule, Predicates: slices.Clone(q.Predicates), Count: count}
		if len(q.Predicates) > 0 {
			v.Predicate = q.Predicates[0]
		}
		switch q.Kind {
		case Minimum:
			v.Limit = q.Limit(n)
			if count >= v.Limit {
				continue
			}
			v.Message = fmt.Sprintf("under organisational predicate %s at least %d of the %d employees (%s) must be %s; %d are",
				org.Label(), v.Limit, n, minimumBasis(q), labels(q.Predicates), count)
		case Maximum:
			v.Limit = q.Limit(n)
			if count <= v.Limit {
				continue
			}
			if v.Limit == 0 && q.Percent == 0 {
				v.Message = fmt.Sprintf("under organisational predicate %s no employee may be %s; %d are", org.Label(), labels(q.Predicates), count)
			} else {
				v.Message = fmt.Sprintf("under organisational predicate %s at most %d of the %d employees (%d%%, rounded down) may be %s; %d are",
					org.Label(), v.Limit, n, q.Percent, labels(q.Predicates), count)
			}
		}
		out = append(out, v)
	}
	return out
}

func minimumBasis(q Quota) string {
	switch {
	case q.Percent == 0:
		return "there must be some"
	case q.AtLeast > 0:
		return fmt.Sprintf("%d%%, rounded up, and at least %d", q.Percent, q.AtLeast)
	}
	return fmt.Sprintf("%d%%, rounded up", q.Percent)
}

func labels(prs []Predicate) string {
	s := ""
	for i, pr := range prs {
		switch {
		case i == 0:
		case i == len(prs)-1:
			s += " or "
		default:
			s += ", "
		}
		s += pr.Label()
	}
	return s
}

func sortedKeys(m map[Predicate]int) []Predicate {
	keys := make([]Predicate, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// RecommendRating recommends a work-result rating from an achievement in
// percent, by the policy's thresholds. It is a recommendation for the
// evaluator, whose judgement decides; NaN recommends below expectation.
func (p Policy) RecommendRating(achievementPercent float64) Rating {
	switch {
	case achievementPercent >= p.Thresholds.AboveFrom:
		return AboveExpectation
	case achievementPercent >= p.Thresholds.AsExpectedFrom:
		return AsExpected
	}
	return BelowExpectation
}

// HeadWorkRating returns the work-result rating that a unit's head receives
// from the unit's organisational predicate (SE MenPANRB 3/2023: the unit's
// achievement becomes its head's work-result rating). An org predicate the
// policy does not map gives "".
func (p Policy) HeadWorkRating(org OrgPredicate) Rating {
	return p.HeadRatings[org]
}

// CreditPercent returns the percentage of the credit-point coefficient
// (angka kredit, Peraturan BKN 3/2023) that predicate pr earns: 150, 100, 75,
// 50 or 25. It returns 0 when the policy converts no credit for pr.
func (p Policy) CreditPercent(pr Predicate) int {
	return p.Credit[pr]
}

// ObjectionWindowDays returns the number of calendar days after delivery of
// an evaluation result in which a keberatan may be filed.
func (p Policy) ObjectionWindowDays() int {
	return p.ObjectionWindow
}

// ObjectionDeadline returns the last instant at which a keberatan on a result
// delivered at delivered may be filed: delivered plus the window in calendar
// days, in delivered's location.
func (p Policy) ObjectionDeadline(delivered time.Time) time.Time {
	return delivered.AddDate(0, 0, p.ObjectionWindow)
}

// Achievement returns the achievement in percent of realised against
// target for an indicator of direction d: by formula f when the indicator
// names one, else by the policy's formula for d (the package default when
// the policy has none), capped at AchievementCap when that is set. Inputs
// the formula cannot measure are an *Error of kind Invalid (see
// [indicator.Compute]); so is a formula that does not measure d.
func (p Policy) Achievement(d indicator.Direction, f indicator.Formula, target indicator.Target, realised float64) (float64, error) {
	if !d.Valid() {
		return 0, domain.Errorf(domain.Invalid, "the direction must be HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE, not %q", d).
			WithField("direction").WithRule(indicator.RuleDirection)
	}
	if f == "" {
		f = p.Formulas[d]
	}
	if f == "" {
		f = indicator.DefaultFormula(d)
	}
	if f.Direction() != d {
		return 0, domain.Errorf(domain.Invalid, "formula %q does not measure %s", f, d).WithField("formula").WithRule(indicator.RuleFormula)
	}
	a, err := indicator.Compute(f, target, realised)
	if err != nil {
		return 0, err
	}
	if p.AchievementCap > 0 && a > p.AchievementCap {
		a = p.AchievementCap
	}
	return a, nil
}

// CreditPoints returns the credit points (angka kredit, Peraturan BKN
// 3/2023) that predicate pr earns for months months of a year in a
// functional position with the given annual coefficient: months / 12 ×
// percent × coefficient. A predicate the policy converts no credit for,
// months outside 1-12 or a coefficient that is not positive is an *Error of
// kind Invalid.
func (p Policy) CreditPoints(pr Predicate, coefficient float64, months int) (float64, error) {
	pct := p.Credit[pr]
	switch {
	case pct == 0:
		return 0, domain.Errorf(domain.Invalid, "policy %s converts no credit points for predicate %s", p.ID, pr.Label()).WithField("predicate").WithRule("credit-percentage")
	case months < 1 || months > 12:
		return 0, domain.Errorf(domain.Invalid, "credit points are converted for 1 to 12 months, not %d", months).WithField("months").WithRule("credit-months")
	case math.IsNaN(coefficient) || math.IsInf(coefficient, 0) || coefficient <= 0:
		return 0, domain.Errorf(domain.Invalid, "the annual credit-point coefficient must be above zero, not %g", coefficient).WithField("coefficient").WithRule("credit-coefficient")
	}
	return float64(months) / 12 * float64(pct) / 100 * coefficient, nil
}
