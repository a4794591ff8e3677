// Package replay holds the inputs of a what-if replay of a performance year
// (the substitutions: a revised indicator from a date, another rating
// policy, another quota version) and the record that HR accepted one: once
// published, the changes a replay found become events that name it.
package replay

import (
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
)

// Rules of rejected replay inputs and publications, as named in
// *domain.Error.Rule.
const (
	RuleSubstitution = "whatif-substitution" // an input that substitutes nothing, or cannot
	RuleReplayRef    = "replay-ref"          // a publication without the replay's id or digest
	RuleStale        = "replay-stale"        // the log moved on from the replayed position
	RulePolicyKnown  = "policy-known"        // a policy id the ledger does not know
)

// IndicatorRevision substitutes a revised definition of one catalogue
// indicator for every realisation of a period that starts on or after
// ValidFrom. Empty fields keep what each IKI planned: its direction, its
// target, the default formula of the direction.
type IndicatorRevision struct {
	Indicator uuid.UUID           `json:"indicator_id"`
	Code      string              `json:"code,omitempty"` // names the indicator when Indicator is uuid.Nil
	Direction indicator.Direction `json:"direction,omitempty"`
	Formula   indicator.Formula   `json:"formula,omitempty"`
	Target    *indicator.Target   `json:"target,omitempty"`
	ValidFrom time.Time           `json:"valid_from"` // a calendar date, midnight UTC
}

// Substitutions are the what-if inputs. Policy replaces each evaluation's
// rating policy for the recommended rating (its thresholds) and the derived
// predicate (its matrix); Quotas replaces each unit's policy for the
// distribution check. Empty means as recorded.
type Substitutions struct {
	Indicators []IndicatorRevision `json:"indicators,omitempty"`
	Policy     string              `json:"rating_policy,omitempty"`
	Quotas     string              `json:"quota_policy,omitempty"`
	Scope      Scope               `json:"scope,omitzero"`
}

// Scope narrows a replay to one unit and the units below it (an instansi is
// the unit at the top of its tree) and to one performance year; zero fields
// narrow nothing. An evaluation is in a unit by the unit it was opened in,
// an SKP not evaluated yet by its employee's latest placement; a year by
// the start of the evaluation's period, or of the SKP.
type Scope struct {
	Unit uuid.UUID `json:"unit_id,omitzero"`
	Year int       `json:"year,omitempty"`
}

// Validate reports the first input that cannot be replayed as an *Error of
// kind Invalid naming the field (or NotFound for an unknown policy): no
// substitution at all, an indicator without an id, a date, or with an
// unknown direction or formula, a formula that does not measure the
// direction, two revisions of one indicator.
func (s Substitutions) Validate() error {
	if len(s.Indicators) == 0 && s.Policy == "" && s.Quotas == "" {
		return domain.Errorf(domain.Invalid, "name what to substitute: an indicator revision, a rating policy or a quota version").
			WithRule(RuleSubstitution)
	}
	seen, seenCode := map[uuid.UUID]bool{}, map[string]bool{}
	for _, r := range s.Indicators {
		switch {
		case r.Indicator == uuid.Nil && r.Code == "":
			return domain.Errorf(domain.Invalid, "the revised indicator needs its id or code").WithField("indicator_id").WithRule(RuleSubstitution)
		case (r.Indicator != uuid.Nil && seen[r.Indicator]) || (r.Indicator == uuid.Nil && seenCode[r.Code]):
			return domain.Errorf(domain.Invalid, "indicator %s is revised twice; give one revision per indicator", r.Indicator).
				WithField("indicator_id").WithRule(RuleSubstitution)
		case r.ValidFrom.IsZero():
			return domain.Errorf(domain.Invalid, "the revision of indicator %s needs the date it is valid from", r.Indicator).
				WithField("valid_from").WithRule(indicator.RuleValidFrom)
		case r.Direction != "" && !r.Direction.Valid():
			return domain.Errorf(domain.Invalid, "the direction must be HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE, not %q", r.Direction).
				WithField("direction").WithRule(indicator.RuleDirection)
		case r.Formula != "" && r.Formula.Direction() == "":
			return domain.Errorf(domain.Invalid, "%q is not a formula; use RATIO, MIRRORED_RATIO, INVERSE_RATIO or RANGE_DISTANCE", r.Formula).
				WithField("formula").WithRule(indicator.RuleFormula)
		case r.Formula != "" && r.Direction != "" && r.Formula.Direction() != r.Direction:
			return domain.Errorf(domain.Invalid, "formula %s does not measure %s", r.Formula, r.Direction).
				WithField("formula").WithRule(indicator.RuleFormula)
		case r.Direction == "" && r.Formula == "" && r.Target == nil:
			return domain.Errorf(domain.Invalid, "the revision of indicator %s changes nothing; give a direction, a formula or a target", r.Indicator).
				WithField("direction").WithRule(RuleSubstitution)
		}
		seen[r.Indicator] = true
		if r.Indicator == uuid.Nil {
			seenCode[r.Code] = true
		}
	}
	if y := s.Scope.Year; y != 0 && (y < 2000 || y > 2200) {
		return domain.Errorf(domain.Invalid, "year %d is not a performance year; give one from 2000 on", y).WithField("year").WithRule(RuleSubstitution)
	}
	for _, f := range []struct{ field, what, id string }{{"rating_policy", "rating policy", s.Policy}, {"quota_policy", "quota version", s.Quotas}} {
		if f.id == "" {
			continue
		}
		p, err := policy.Lookup(f.id)
		if err != nil {
			return domain.Errorf(domain.NotFound, "no %s %q; known policies are %q", f.what, f.id, policy.IDs()).
				WithField(f.field).WithRule(RulePolicyKnown)
		}
		if f.field == "rating_policy" && p.Scheme != policy.MatrixScheme {
			return domain.Errorf(domain.Invalid, "policy %s rates on a numeric scale, not by the two ratings this year was evaluated with; substitute a matrix policy", f.id).
				WithField(f.field).WithRule("policy-scheme")
		}
	}
	return nil
}

// RevisionFor returns the revision that applies to a realisation of
// indicator id for a period starting on start, if any.
func (s Substitutions) RevisionFor(id *uuid.UUID, start time.Time) (IndicatorRevision, bool) {
	if id == nil {
		return IndicatorRevision{}, false
	}
	for _, r := range s.Indicators {
		if r.Indicator == *id && !start.Before(indicator.Date(r.ValidFrom)) {
			return r, true
		}
	}
	return IndicatorRevision{}, false
}

// Basis is what measures a realisation against its target: a direction, a
// formula and a target.
type Basis struct {
	Direction indicator.Direction `json:"direction"`
	Formula   indicator.Formula   `json:"formula"`
	Target    indicator.Target    `json:"target"`
}

// Apply returns the basis that measures a realisation under r, given the
// one it was measured on (planned). The revision's fields replace the
// planned ones; a direction follows from a revised formula; and without a
// revised formula the formula is the planned one if the direction stays,
// else the default formula of the new direction.
func (r IndicatorRevision) Apply(planned Basis) Basis {
	b := planned
	switch {
	case r.Direction != "":
		b.Direction = r.Direction
	case r.Formula != "":
		b.Direction = r.Formula.Direction()
	}
	switch {
	case r.Formula != "":
		b.Formula = r.Formula
	case b.Direction != planned.Direction || b.Formula == "":
		b.Formula = indicator.DefaultFormula(b.Direction)
	}
	if r.Target != nil {
		b.Target = *r.Target
	}
	return b
}
