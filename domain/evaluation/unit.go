// Package evaluation is the appraisal of the year (penilaian kinerja) in
// the three stages of SE MenPANRB 3/2023: the organisational predicate of a
// unit for a period and the distribution pattern it fixes (Unit), then each
// employee's evaluation (Evaluation): self-assessment, the work-result and
// behaviour ratings by the designated evaluator, the predicate by the
// policy's matrix, finalisation once the unit's distribution passes,
// delivery, the objection (keberatan) and its final decision.
//
// Facts owned by other aggregates (the approved SKP, the unit's state, the
// rating policy) are command parameters, loaded by the application layer.
package evaluation

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

// Rules an evaluation command can break, as named in *domain.Error.Rule.
const (
	RuleDesignated      = "designated-evaluator" // §8.2
	RuleSelfEvaluation  = "self-evaluation"      // §8.3
	RuleObjectionDecide = "objection-decider"    // §8.4
	RuleRating          = "rating-valid"         // §8.14
	RuleOrgPredicate    = "org-predicate-first"  // §8.15
	RuleHeadRating      = "unit-head-rating"     // §8.16
	RuleDistribution    = "distribution-quota"   // §8.17
	RuleSignature       = "evaluator-signature"  // §8.18
	RuleFinal           = "finalized-evaluation" // §8.19
	RuleObjectionWindow = "objection-window"     // §8.20
	RuleObjectionReason = "objection-reasons"    // §8.20
	RuleSecondObjection = "one-objection"        // §8.20
	RuleParentLeader    = "parent-leader"        // SE 3/2023: set by the leader one level above
	RulePolicy          = "policy-version"
	RuleStage           = "stage"
	RuleRequired        = "required"
)

// Results of a distribution check.
const (
	Pass = "PASS"
	Fail = "FAIL"
)

// UnitStream returns the event stream name of a unit's assessment for a period.
func UnitStream(id uuid.UUID) string { return "unitassessment-" + id.String() }

// Unit is the organisational side of one unit's evaluation for one period:
// its predicate, the pattern, and the distribution checks. Rebuilt from events.
type Unit struct {
	id         uuid.UUID
	unit       uuid.UUID
	period     Period
	predicate  policy.OrgPredicate
	policy     string
	setBy      domain.NIP
	checked    map[uuid.UUID]policy.Predicate
	violations []Violation
	hasCheck   bool
	overridden bool
	finalizing map[uuid.UUID]policy.Predicate // evaluations whose finalisation the assessment recorded
}

// ReplayUnit folds events, oldest first, into a new Unit.
func ReplayUnit(events []Event) *Unit {
	u := &Unit{}
	for _, e := range events {
		u.Apply(e)
	}
	return u
}

// Apply changes the unit to reflect e. It never fails: events are facts.
func (u *Unit) Apply(e Event) {
	switch e := e.(type) {
	case OrgPredicateSet:
		u.id, u.unit, u.period, u.predicate, u.policy, u.setBy = e.Assessment, e.Unit, e.Period, e.Predicate, e.Policy, e.SetBy
	case OrgPredicateRevised:
		u.predicate = e.Predicate
		u.checked, u.violations, u.hasCheck, u.overridden = nil, nil, false, false
	case DistributionChecked:
		u.checked, u.violations, u.hasCheck, u.overridden = maps.Clone(e.Predicates), slices.Clone(e.Violations), true, false
	case OverrideRecorded:
		u.overridden = true
	case FinalizationRecorded:
		if u.finalizing == nil {
			u.finalizing = map[uuid.UUID]policy.Predicate{}
		}
		u.finalizing[e.Evaluation] = e.Predicate
	case PatternFixed:
		if e.Replay != nil { // fixed again under other quotas: the last check no longer counts
			u.policy = e.Policy
			u.checked, u.violations, u.hasCheck, u.overridden = nil, nil, false, false
		}
	}
}

// UnitFacts is what an evaluation command needs to know about its unit for
// the period. Build it with [Unit.Facts].
type UnitFacts struct {
	Unit       uuid.UUID
	PeriodID   string
	Set        bool                           // the organisational predicate is set
	Predicate  policy.OrgPredicate            // the organisational predicate
	Checked    map[uuid.UUID]policy.Predicate // evaluation → predicate at the last distribution check
	Violations []Violation                    // of the last check
	Overridden bool                           // a failing last check was overridden
}

// Facts returns the unit's state as a fact for evaluation commands.
func (u *Unit) Facts() UnitFacts {
	return UnitFacts{
		Unit: u.unit, PeriodID: u.period.ID, Set: u.id != uuid.Nil, Predicate: u.predicate,
		Checked: maps.Clone(u.checked), Violations: slices.Clone(u.violations), Overridden: u.overridden,
	}
}

// SetOrgPredicateCommand asks to set a unit's organisational predicate.
type SetOrgPredicateCommand struct {
	Assessment      uuid.UUID
	Unit            uuid.UUID
	Period          Period
	Predicate       policy.OrgPredicate
	Basis           string   // action plan achievement, or PK achievement and expectations
	Recommendations []string // units whose recommendations were considered
	// ParentLeader is the leader of the unit one level above, loaded by the
	// application layer from the organisation: the only one who may set it.
	ParentLeader domain.NIP
}

// SetOrgPredicate sets a unit's organisational predicate for a period and
// fixes the distribution pattern the policy gives for it. Errors: Forbidden
// for anyone but the parent unit's leader; Invalid for an unknown predicate,
// a missing basis or period, or a policy without a matrix; Conflict when the
// predicate is already set (revise it instead).
func (u *Unit) SetOrgPredicate(by domain.NIP, cmd SetOrgPredicateCommand, p policy.Policy, at time.Time) ([]Event, error) {
	switch {
	case u.id != uuid.Nil:
		return nil, domain.Errorf(domain.Conflict, "the organisational predicate of this unit and period is already set; revise it with a reason").WithRule(RuleStage)
	case cmd.ParentLeader == "" || by != cmd.ParentLeader:
		return nil, domain.Errorf(domain.Forbidden, "the organisational predicate is set by the leader of the unit one level above").WithRule(RuleParentLeader)
	case cmd.Assessment == uuid.Nil || cmd.Unit == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "name the unit and the assessment").WithField("unit_id").WithRule(RuleRequired)
	case cmd.Period.ID == "" || cmd.Period.End.Before(cmd.Period.Start):
		return nil, domain.Errorf(domain.Invalid, "the predicate needs a period with an id, a start and an end").WithField("period").WithRule(RuleRequired)
	case !cmd.Predicate.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not ISTIMEWA, BAIK, BUTUH_PERBAIKAN, KURANG or SANGAT_KURANG", cmd.Predicate).WithField("predicate").WithRule(RuleRequired)
	case strings.TrimSpace(cmd.Basis) == "":
		return nil, domain.Errorf(domain.Invalid, "say what the predicate is based on: the action plans or the performance agreement").WithField("basis").WithRule(RuleRequired)
	case p.Scheme != policy.MatrixScheme:
		return nil, domain.Errorf(domain.Invalid, "policy %s has no organisational predicate or distribution pattern", p.ID).WithField("policy_id").WithRule(RulePolicy)
	}
	return []Event{
		OrgPredicateSet{Assessment: cmd.Assessment, Unit: cmd.Unit, Period: cmd.Period, Predicate: cmd.Predicate, Basis: cmd.Basis,
			Recommendations: slices.Clone(cmd.Recommendations), Policy: p.ID, SetBy: by, At: at},
		pattern(cmd.Predicate, p, at),
	}, nil
}

func pattern(org policy.OrgPredicate, p policy.Policy, at time.Time) PatternFixed {
	quotas := []Quota{}
	for _, q := range p.Quotas[org] {
		quotas = append(quotas, Quota{Rule: q.Rule, Predicates: slices.Clone(q.Predicates), Kind: q.Kind, Percent: q.Percent, AtLeast: q.AtLeast})
	}
	return PatternFixed{OrgPredicate: org, Policy: p.ID, Quotas: quotas, At: at}
}

// RefixPattern fixes the unit's distribution pattern again under p's
// quotas, for a published replay that substitutes the quota version; the
// last distribution check no longer counts. The pattern already under p
// decides nothing. Errors: NotFound when no organisational predicate is
// set; Invalid for a replay without id or digest.
func (u *Unit) RefixPattern(by domain.NIP, ref replay.Ref, p policy.Policy, at time.Time) ([]Event, error) {
	if u.id == uuid.Nil {
		return nil, domain.Errorf(domain.NotFound, "the unit has no organisational predicate for this period yet")
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if p.ID == u.policy {
		return nil, nil
	}
	e := pattern(u.predicate, p, at)
	e.Replay = &ref
	return []Event{e}, nil
}

// ReviseOrgPredicate changes the organisational predicate with a reason and
// fixes the new pattern; the last distribution check no longer counts.
// finalized is the number of the unit's evaluations for the period already
// finalised, loaded by the application layer: a revision is allowed only
// while it is zero and the assessment has recorded no finalisation (see
// [Unit.RecordFinalization]), which also holds when finalisations race with
// the revision. Errors: Forbidden for anyone but the leader who set it;
// Invalid for no change, no reason, or finalised evaluations; NotFound when
// no predicate is set.
func (u *Unit) ReviseOrgPredicate(by domain.NIP, pr policy.OrgPredicate, reason string, finalized int, p policy.Policy, at time.Time) ([]Event, error) {
	switch {
	case u.id == uuid.Nil:
		return nil, domain.Errorf(domain.NotFound, "no organisational predicate is set for this unit and period")
	case by != u.setBy:
		return nil, domain.Errorf(domain.Forbidden, "only %s, who set the organisational predicate, revises it", u.setBy).WithRule(RuleParentLeader)
	case p.ID != u.policy:
		return nil, domain.Errorf(domain.Invalid, "the unit is assessed under policy %s, not %s", u.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case !pr.Valid() || pr == u.predicate:
		return nil, domain.Errorf(domain.Invalid, "give a different organisational predicate than %s", u.predicate).WithField("predicate").WithRule(RuleRequired)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "a revision of the organisational predicate needs a reason").WithField("reason").WithRule(RuleRequired)
	case finalized > 0 || len(u.finalizing) > 0:
		return nil, domain.Errorf(domain.Invalid, "%d evaluations of the unit are already finalised; the organisational predicate can no longer change", max(finalized, len(u.finalizing))).WithField("predicate").WithRule(RuleFinal)
	}
	return []Event{OrgPredicateRevised{Predicate: pr, Reason: reason, By: by, At: at}, pattern(pr, p, at)}, nil
}

// RecordFinalization records that evaluation id, with predicate pr, is
// being finalised on this assessment: it counts in the unit's curve, or it
// is the unit head's, rated from the unit's predicate. The application layer
// appends it at the assessment revision the finalisation was decided on and
// before the evaluation's Finalized, so that a revision of the predicate
// committed in between makes the append conflict (and the finalisation is
// decided again), and a revision decided before it conflicts with it (and
// is then refused). A finalisation already recorded with pr decides
// nothing. Errors: NotFound when no predicate is set; Invalid for a
// missing evaluation or predicate.
func (u *Unit) RecordFinalization(by domain.NIP, id uuid.UUID, pr policy.Predicate, at time.Time) ([]Event, error) {
	switch {
	case u.id == uuid.Nil:
		return nil, domain.Errorf(domain.NotFound, "no organisational predicate is set for this unit and period").WithRule(RuleOrgPredicate)
	case id == uuid.Nil || !pr.Valid():
		return nil, domain.Errorf(domain.Invalid, "name the evaluation and its predicate").WithField("evaluation_id").WithRule(RuleRequired)
	}
	if got, ok := u.finalizing[id]; ok && got == pr {
		return nil, nil
	}
	return []Event{FinalizationRecorded{Evaluation: id, Predicate: pr, By: by, At: at}}, nil
}

// CheckDistribution checks the predicates of the unit's evaluations
// (evaluation id → current predicate, loaded by the application layer)
// against the pattern, and records the result: PASS, or FAIL with each
// violation in the words of the SE. The leader who set the predicate, or
// the evaluator of the unit's staff (evaluator), may run it. Errors:
// Forbidden for anyone else; NotFound when no predicate is set; Invalid for
// an empty unit or an unknown predicate.
func (u *Unit) CheckDistribution(by, evaluator domain.NIP, predicates map[uuid.UUID]policy.Predicate, p policy.Policy, at time.Time) ([]Event, error) {
	switch {
	case u.id == uuid.Nil:
		return nil, domain.Errorf(domain.NotFound, "no organisational predicate is set for this unit and period; set it first").WithRule(RuleOrgPredicate)
	case by == "" || (by != u.setBy && by != evaluator):
		return nil, domain.Errorf(domain.Forbidden, "the distribution is checked by the unit's evaluator or by the leader who set the organisational predicate").WithRule(RuleDesignated)
	case p.ID != u.policy:
		return nil, domain.Errorf(domain.Invalid, "the unit is assessed under policy %s, not %s", u.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case len(predicates) == 0:
		return nil, domain.Errorf(domain.Invalid, "there are no evaluations to check").WithField("predicates").WithRule(RuleRequired)
	}
	counts := map[policy.Predicate]int{}
	for id, pr := range predicates {
		if !pr.Valid() {
			return nil, domain.Errorf(domain.Invalid, "evaluation %s has no valid predicate (%q); rate it first", id, pr).WithField("predicates").WithRule(RuleRequired)
		}
		counts[pr]++
	}
	violations := []Violation{}
	for _, v := range p.CheckDistribution(u.predicate, counts) {
		prs := v.Predicates
		if len(prs) == 0 && v.Predicate != "" {
			prs = []policy.Predicate{v.Predicate}
		}
		violations = append(violations, Violation{Rule: v.Rule, Predicates: slices.Clone(prs), Count: v.Count, Limit: v.Limit, Message: v.Message})
	}
	result := Pass
	if len(violations) > 0 {
		result = Fail
	}
	return []Event{DistributionChecked{Predicates: maps.Clone(predicates), Counts: counts, Result: result, Violations: violations, By: by, At: at}}, nil
}

// RecordOverride accepts a failing distribution with a justification, so
// that the unit's evaluations can be finalised (SE 3/2023 gives no rounding
// for small units; the reference's modelling notes allow documented
// overrides). Only the leader who set the predicate may. Errors: Forbidden
// for anyone else; Invalid without a justification or a failing check.
func (u *Unit) RecordOverride(by domain.NIP, justification string, at time.Time) ([]Event, error) {
	switch {
	case u.id == uuid.Nil:
		return nil, domain.Errorf(domain.NotFound, "no organisational predicate is set for this unit and period")
	case by != u.setBy:
		return nil, domain.Errorf(domain.Forbidden, "only %s, who set the organisational predicate, can accept a distribution that breaks the pattern", u.setBy).WithRule(RuleParentLeader)
	case !u.hasCheck || len(u.violations) == 0:
		return nil, domain.Errorf(domain.Invalid, "there is no failing distribution check to override").WithRule(RuleStage)
	case u.overridden:
		return nil, domain.Errorf(domain.Invalid, "the last distribution check is already overridden").WithRule(RuleStage)
	case strings.TrimSpace(justification) == "":
		return nil, domain.Errorf(domain.Invalid, "an override needs a justification").WithField("justification").WithRule(RuleRequired)
	}
	return []Event{OverrideRecorded{Justification: justification, By: by, At: at}}, nil
}
