package evaluation

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
)

// Stage is where an evaluation stands (§6.2).
type Stage string

// Stages of an evaluation.
const (
	StageOpen      Stage = "OPEN"
	StageFinalized Stage = "FINALIZED"
	StageDelivered Stage = "DELIVERED"
	StageObjected  Stage = "OBJECTION_FILED"
	StageLocked    Stage = "LOCKED"
)

// Stream returns the event stream name of evaluation id.
func Stream(id uuid.UUID) string { return "evaluation-" + id.String() }

// Evaluation is one employee's evaluation for one period, rebuilt from its
// events.
type Evaluation struct {
	id                uuid.UUID
	employee          domain.NIP
	evaluator         domain.NIP
	evaluatorSuperior domain.NIP
	unit              uuid.UUID
	period            Period
	unitHead          bool
	policy            string
	stage             Stage
	selfAssessed      bool
	work, behaviour   policy.Rating
	predicate         policy.Predicate
	deliveredAt       time.Time
	objection         uuid.UUID
	pending           map[Party]bool // explanations requested and not yet given
	decided           bool
	changedByDecision bool // an objection decision set the ratings and predicate
}

// ReplayEvaluation folds events, oldest first, into a new Evaluation.
func ReplayEvaluation(events []Event) *Evaluation {
	ev := &Evaluation{}
	for _, e := range events {
		ev.Apply(e)
	}
	return ev
}

// Apply changes the evaluation to reflect e. It never fails: events are facts.
func (ev *Evaluation) Apply(e Event) {
	if ev.pending == nil {
		ev.pending = map[Party]bool{}
	}
	switch e := e.(type) {
	case Opened:
		ev.id, ev.employee, ev.evaluator, ev.evaluatorSuperior = e.Evaluation, e.Employee, e.Evaluator, e.EvaluatorSuperior
		ev.unit, ev.period, ev.unitHead, ev.policy, ev.stage = e.Unit, e.Period, e.UnitHead, e.Policy, StageOpen
	case SelfAssessed:
		ev.selfAssessed = true
	case WorkResultRated:
		ev.work = e.Rating
	case BehaviourRated:
		ev.behaviour = e.Rating
	case PredicateDetermined:
		ev.predicate = e.Predicate
	case Finalized:
		ev.stage = StageFinalized
	case Delivered:
		ev.stage, ev.deliveredAt = StageDelivered, e.At
	case ObjectionFiled:
		ev.stage, ev.objection = StageObjected, e.Objection
	case ExplanationRequested:
		ev.pending[e.From] = true
	case ExplanationProvided:
		delete(ev.pending, e.From)
	case ObjectionDecided:
		ev.decided = true
		if e.Outcome == Changed {
			ev.work, ev.behaviour, ev.predicate = e.WorkResult, e.Behaviour, e.Predicate
			ev.changedByDecision = true
		}
	case PredicateRederived:
		ev.predicate, ev.policy = e.Predicate, e.Policy
	case Locked:
		ev.stage, ev.predicate = StageLocked, e.Predicate
	}
}

// ID returns the evaluation's id.
func (ev *Evaluation) ID() uuid.UUID { return ev.id }

// Stage returns where the evaluation stands.
func (ev *Evaluation) Stage() Stage { return ev.stage }

// Predicate returns the current predicate; empty until both ratings exist.
func (ev *Evaluation) Predicate() policy.Predicate { return ev.predicate }

// Ratings returns the current work-result and behaviour ratings.
func (ev *Evaluation) Ratings() (work, behaviour policy.Rating) { return ev.work, ev.behaviour }

// Policy returns the id of the rating policy the evaluation is under.
func (ev *Evaluation) Policy() string { return ev.policy }

// Employee returns the evaluated employee.
func (ev *Evaluation) Employee() domain.NIP { return ev.employee }

// OpenCommand asks to open an evaluation. Plan is the employee's approved
// SKP; UnitHead says, from the organisation, whether the employee heads
// Unit, in which case the unit's predicate becomes their work-result rating.
type OpenCommand struct {
	Evaluation uuid.UUID
	Plan       skp.Plan
	Unit       uuid.UUID
	Period     Period
	UnitHead   bool
}

// Open opens the evaluation of the employee of an approved SKP for a period
// overlapping it, under policy p. The designated evaluator (the SKP's
// evaluator) opens it. Errors: Forbidden for anyone else; Invalid when the
// SKP is not approved, the evaluator is the employee, the period misses the
// SKP or the policy has no rating matrix.
func Open(by domain.NIP, cmd OpenCommand, p policy.Policy, at time.Time) ([]Event, error) {
	plan := cmd.Plan
	switch {
	case by != plan.Evaluator:
		return nil, domain.Errorf(domain.Forbidden, "the evaluation is opened by the designated evaluator %s", plan.Evaluator).WithRule(RuleDesignated)
	case plan.Evaluator == plan.Employee:
		return nil, domain.Errorf(domain.Invalid, "an employee cannot evaluate themself").WithField("evaluator_nip").WithRule(RuleSelfEvaluation)
	case !plan.Approved:
		return nil, domain.Errorf(domain.Invalid, "SKP %s was never approved; there is nothing to evaluate against", plan.ID).WithField("skp_id").WithRule(RuleStage)
	case cmd.Evaluation == uuid.Nil || cmd.Unit == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "name the evaluation and the unit").WithField("evaluation_id").WithRule(RuleRequired)
	case cmd.Period.ID == "" || cmd.Period.End.Before(cmd.Period.Start) || !plan.Overlaps(cmd.Period.Start, cmd.Period.End):
		return nil, domain.Errorf(domain.Invalid, "period %q is not within the SKP period", cmd.Period.ID).WithField("period").WithRule(RuleRequired)
	case p.Scheme != policy.MatrixScheme:
		return nil, domain.Errorf(domain.Invalid, "policy %s has no rating matrix; evaluations are opened under the matrix policy", p.ID).WithField("policy_id").WithRule(RulePolicy)
	}
	return []Event{Opened{
		Evaluation: cmd.Evaluation, Employee: plan.Employee, Evaluator: plan.Evaluator, EvaluatorSuperior: plan.EvaluatorSuperior,
		SKP: plan.ID, Unit: cmd.Unit, Period: cmd.Period, UnitHead: cmd.UnitHead, Policy: p.ID, At: at,
	}}, nil
}

func (ev *Evaluation) checkOpen() error {
	switch ev.stage {
	case "":
		return domain.Errorf(domain.NotFound, "no such evaluation")
	case StageOpen:
		return nil
	}
	return domain.Errorf(domain.Invalid, "the evaluation is %s; a finalised evaluation changes only through an objection decision", ev.stage).WithRule(RuleFinal)
}

// checkOpened refuses an evaluation that was never opened.
func (ev *Evaluation) checkOpened() error {
	if ev.stage == "" {
		return domain.Errorf(domain.NotFound, "no such evaluation")
	}
	return nil
}

// SelfAssess records the employee's self-assessment before finalisation.
// Errors: Forbidden for anyone but the employee; Invalid without notes or
// once finalised.
func (ev *Evaluation) SelfAssess(by domain.NIP, notes string, at time.Time) ([]Event, error) {
	if err := ev.checkOpen(); err != nil {
		return nil, err
	}
	switch {
	case by != ev.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the employee assesses themself").WithRule(RuleDesignated)
	case strings.TrimSpace(notes) == "":
		return nil, domain.Errorf(domain.Invalid, "the self-assessment needs notes").WithField("notes").WithRule(RuleRequired)
	}
	return []Event{SelfAssessed{Notes: notes, By: by, At: at}}, nil
}

// checkRating holds the guards common to both ratings: invariants 2, 14, 15
// and 19 (invariant 3 holds from Open), and that the policy and unit facts are this evaluation's.
func (ev *Evaluation) checkRating(by domain.NIP, r policy.Rating, unit UnitFacts, p policy.Policy, field string) error {
	if err := ev.checkOpen(); err != nil {
		return err
	}
	switch {
	case by != ev.evaluator:
		return domain.Errorf(domain.Forbidden, "only the designated evaluator %s rates this evaluation", ev.evaluator).WithRule(RuleDesignated)
	case p.ID != ev.policy:
		return domain.Errorf(domain.Invalid, "the evaluation is under policy %s, not %s", ev.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case !r.Valid():
		return domain.Errorf(domain.Invalid, "%q is not a rating; use DI_ATAS_EKSPEKTASI, SESUAI_EKSPEKTASI or DI_BAWAH_EKSPEKTASI", r).WithField(field).WithRule(RuleRating)
	case !unit.Set:
		return domain.Errorf(domain.Invalid, "the unit's organisational predicate for %s is not set yet; employees are rated after it (SE MenPANRB 3/2023)", ev.period.ID).WithField(field).WithRule(RuleOrgPredicate)
	case unit.Unit != ev.unit || unit.PeriodID != ev.period.ID:
		return domain.Errorf(domain.Invalid, "the unit facts given are for unit %s, period %q, not this evaluation's unit %s, period %q", unit.Unit, unit.PeriodID, ev.unit, ev.period.ID).WithField("unit_id").WithRule(RuleOrgPredicate)
	}
	return nil
}

// derive returns the PredicateDetermined event for the ratings, when both exist.
func (ev *Evaluation) derive(work, behaviour policy.Rating, p policy.Policy, at time.Time) ([]Event, error) {
	if work == "" || behaviour == "" {
		return nil, nil
	}
	pr, err := p.Predicate(work, behaviour)
	if err != nil {
		return nil, err
	}
	return []Event{PredicateDetermined{Predicate: pr, WorkResult: work, Behaviour: behaviour, Policy: p.ID, At: at}}, nil
}

// RateWorkResult records the evaluator's work-result rating and, once both
// ratings exist, the predicate by the policy's matrix. A unit head's rating
// must be the one the policy maps from the unit's organisational predicate.
// Errors: Forbidden for anyone but the designated evaluator; Invalid for an
// unknown rating, a unit predicate not yet set, a unit head's rating that
// differs from the mapping, a foreign policy, or a finalised evaluation.
func (ev *Evaluation) RateWorkResult(by domain.NIP, r policy.Rating, rationale string, unit UnitFacts, p policy.Policy, at time.Time) ([]Event, error) {
	if err := ev.checkRating(by, r, unit, p, "work_result_rating"); err != nil {
		return nil, err
	}
	if ev.unitHead {
		if want := p.HeadWorkRating(unit.Predicate); r != want {
			return nil, domain.Errorf(domain.Invalid, "the employee heads the unit, whose organisational predicate is %s, so the work-result rating is %s, not %s", unit.Predicate.Label(), want.Label(), r.Label()).WithField("work_result_rating").WithRule(RuleHeadRating)
		}
	}
	more, err := ev.derive(r, ev.behaviour, p, at)
	if err != nil {
		return nil, err
	}
	return append([]Event{WorkResultRated{Rating: r, Rationale: rationale, RatedBy: by, At: at}}, more...), nil
}

// RateBehaviour records the evaluator's behaviour rating and, once both
// ratings exist, the predicate by the policy's matrix. Errors as for
// RateWorkResult, without the unit-head rule.
func (ev *Evaluation) RateBehaviour(by domain.NIP, r policy.Rating, notes string, unit UnitFacts, p policy.Policy, at time.Time) ([]Event, error) {
	if err := ev.checkRating(by, r, unit, p, "behaviour_rating"); err != nil {
		return nil, err
	}
	more, err := ev.derive(ev.work, r, p, at)
	if err != nil {
		return nil, err
	}
	return append([]Event{BehaviourRated{Rating: r, Notes: notes, RatedBy: by, At: at}}, more...), nil
}

// Unit returns the unit the evaluation was opened in.
func (ev *Evaluation) Unit() uuid.UUID { return ev.unit }

// UnitHead reports whether the employee heads the unit the evaluation was
// opened in.
func (ev *Evaluation) UnitHead() bool { return ev.unitHead }

// InParentCurve reports whether, under p, the evaluation's predicate counts
// in the distribution of the unit above its own: it does for the unit's
// head when p.HeadInOwnCurve is false (domain reference §3.3).
func (ev *Evaluation) InParentCurve(p policy.Policy) bool { return ev.unitHead && !p.HeadInOwnCurve }

// CurveUnit returns the unit in whose distribution curve the evaluation's
// predicate counts under p: its own unit, or parent (the unit above it on
// the period's last day, from the organisation) when [Evaluation.InParentCurve].
// It is uuid.Nil when the predicate counts in no curve: a head in the
// parent's curve of a unit with no unit above.
func (ev *Evaluation) CurveUnit(parent uuid.UUID, p policy.Policy) uuid.UUID {
	if ev.InParentCurve(p) {
		return parent
	}
	return ev.unit
}

// FinalizeCommand asks to sign an evaluation.
type FinalizeCommand struct {
	SignatureRef string
	DocumentRef  string
	// ParentUnit is the unit above the evaluation's unit on the period's
	// last day, loaded by the application layer from the organisation. Only
	// a head whose predicate counts in the parent's curve needs it.
	ParentUnit uuid.UUID
	// Curve is the assessment of the unit whose distribution counts this
	// evaluation: the unit [Evaluation.CurveUnit] names.
	Curve UnitFacts
	// Unit is the assessment of the evaluation's own unit. A unit head needs
	// it: their work-result rating must still be the one the unit's
	// predicate maps to, whichever curve counts them (§8.16).
	Unit UnitFacts
}

// Finalize signs the evaluation under policy p. It needs both ratings, the
// evaluator's signature reference, and a distribution check that counted
// this evaluation's current predicate and passed, or was overridden, in
// the curve the evaluation counts in: its own unit's, or, for a unit head
// under a policy that counts heads in the parent's curve, the unit above's
// (cmd.ParentUnit). A head's work-result rating must still be the one
// their own unit's predicate (cmd.Unit) maps to. Errors: Forbidden for
// anyone but the designated evaluator; Invalid (rule RuleDistribution) for
// facts of another unit's curve, a head in the parent's curve of a unit with
// no unit above, or a check that did not count the predicate or failed,
// naming the broken quota; Invalid (rule RuleHeadRating) for a head whose
// unit's predicate was revised since they were rated; Invalid otherwise.
func (ev *Evaluation) Finalize(by domain.NIP, cmd FinalizeCommand, p policy.Policy, at time.Time) ([]Event, error) {
	if err := ev.checkOpen(); err != nil {
		return nil, err
	}
	switch {
	case by != ev.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "only the designated evaluator %s signs this evaluation", ev.evaluator).WithRule(RuleDesignated)
	case p.ID != ev.policy:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is under policy %s, not %s", ev.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case ev.predicate == "":
		return nil, domain.Errorf(domain.Invalid, "rate both the work result and the behaviour before finalising").WithField("predicate").WithRule(RuleStage)
	case strings.TrimSpace(cmd.SignatureRef) == "":
		return nil, domain.Errorf(domain.Invalid, "finalising needs the evaluator's signature").WithField("signature_ref").WithRule(RuleSignature)
	}
	if ev.unitHead {
		own := cmd.Unit
		switch {
		case own.Unit != ev.unit || own.PeriodID != ev.period.ID || !own.Set:
			return nil, domain.Errorf(domain.Invalid, "the unit facts given are not for this evaluation's unit and period").WithField("unit_id").WithRule(RuleOrgPredicate)
		case ev.work != p.HeadWorkRating(own.Predicate):
			return nil, domain.Errorf(domain.Invalid, "the employee heads the unit, whose organisational predicate is now %s, so the work-result rating is %s, not %s; rate the work result again", own.Predicate.Label(), p.HeadWorkRating(own.Predicate).Label(), ev.work.Label()).WithField("work_result_rating").WithRule(RuleHeadRating)
		}
	}
	unit := cmd.Curve
	curve := ev.CurveUnit(cmd.ParentUnit, p)
	switch {
	case curve == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the employee heads the unit, and under policy %s a head's predicate counts in the distribution of the unit above, but the unit has none on %s", p.ID, ev.period.End.Format(time.DateOnly)).WithField("unit_id").WithRule(RuleDistribution)
	case curve != ev.unit && (unit.Unit != curve || unit.PeriodID != ev.period.ID):
		return nil, domain.Errorf(domain.Invalid, "the employee heads the unit, and under policy %s a head's predicate counts in the distribution of the unit above (%s); finalising needs that unit's check for period %q, not unit %s's", p.ID, curve, ev.period.ID, unit.Unit).WithField("unit_id").WithRule(RuleDistribution)
	case unit.Unit != curve || unit.PeriodID != ev.period.ID:
		return nil, domain.Errorf(domain.Invalid, "the unit facts given are not for this evaluation's unit and period").WithField("unit_id").WithRule(RuleDistribution)
	}
	if checked, ok := unit.Checked[ev.id]; !ok || checked != ev.predicate {
		return nil, domain.Errorf(domain.Invalid, "the distribution of unit %s has not been checked with this evaluation's current predicate (%s); check that unit's distribution first", curve, ev.predicate.Label()).WithField("predicate").WithRule(RuleDistribution)
	}
	if len(unit.Violations) > 0 && !unit.Overridden {
		return nil, domain.Errorf(domain.Invalid, "the unit's predicates break the distribution pattern for an organisational predicate of %s: %s", unit.Predicate.Label(), unit.Violations[0].Message).WithField("predicate").WithRule(RuleDistribution)
	}
	return []Event{Finalized{SignedBy: by, SignatureRef: cmd.SignatureRef, DocumentRef: cmd.DocumentRef, At: at}}, nil
}

// Deliver records that the result reached the employee, which opens the
// objection window. Errors: Forbidden for anyone but the evaluator; Invalid
// unless finalised.
func (ev *Evaluation) Deliver(by domain.NIP, at time.Time) ([]Event, error) {
	switch {
	case ev.stage == "":
		return nil, domain.Errorf(domain.NotFound, "no such evaluation")
	case by != ev.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "the result is delivered by the evaluator %s", ev.evaluator).WithRule(RuleDesignated)
	case ev.stage != StageFinalized:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is %s; only a finalised, undelivered result can be delivered", ev.stage).WithRule(RuleStage)
	}
	return []Event{Delivered{By: by, At: at}}, nil
}

// FileObjection records the employee's objection, with reasons, no later
// than the policy's window (14 calendar days by default) after delivery.
// Errors: Forbidden for anyone but the employee; Invalid for no reasons, a
// late filing, a second objection or an undelivered result.
func (ev *Evaluation) FileObjection(by domain.NIP, id uuid.UUID, reasons string, p policy.Policy, at time.Time) ([]Event, error) {
	switch {
	case ev.stage == "":
		return nil, domain.Errorf(domain.NotFound, "no such evaluation")
	case by != ev.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the evaluated employee may object to their evaluation").WithRule(RuleDesignated)
	case ev.objection != uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "an objection to this evaluation was already filed; the decision on it is final").WithRule(RuleSecondObjection)
	case ev.stage != StageDelivered:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is %s; an objection is filed after the result is delivered", ev.stage).WithRule(RuleStage)
	case p.ID != ev.policy:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is under policy %s, not %s", ev.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case id == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the objection needs an id").WithField("objection_id").WithRule(RuleRequired)
	case strings.TrimSpace(reasons) == "":
		return nil, domain.Errorf(domain.Invalid, "an objection must give its reasons").WithField("reasons").WithRule(RuleObjectionReason)
	}
	if deadline := p.ObjectionDeadline(ev.deliveredAt); at.After(deadline) {
		return nil, domain.Errorf(domain.Invalid, "the objection window closed on %s, %d calendar days after the result was delivered on %s", deadline.Format("2006-01-02 15:04 MST"), p.ObjectionWindowDays(), ev.deliveredAt.Format("2006-01-02 15:04 MST")).WithField("filed_at").WithRule(RuleObjectionWindow)
	}
	return []Event{ObjectionFiled{Objection: id, Reasons: reasons, By: by, At: at}}, nil
}

func (ev *Evaluation) checkObjectionOpen() error {
	switch {
	case ev.stage == "":
		return domain.Errorf(domain.NotFound, "no such evaluation")
	case ev.stage != StageObjected:
		return domain.Errorf(domain.Invalid, "there is no open objection on this evaluation").WithRule(RuleStage)
	}
	return nil
}

// RequestExplanation asks the evaluator or the employee to explain, during
// an objection. Errors: Forbidden for anyone but the evaluator's superior;
// Invalid for an unknown party, no question, or no open objection.
func (ev *Evaluation) RequestExplanation(by domain.NIP, from Party, question string, at time.Time) ([]Event, error) {
	if err := ev.checkObjectionOpen(); err != nil {
		return nil, err
	}
	switch {
	case by != ev.evaluatorSuperior:
		return nil, domain.Errorf(domain.Forbidden, "explanations are requested by the evaluator's superior %s, who examines the objection", ev.evaluatorSuperior).WithRule(RuleObjectionDecide)
	case from != PartyEvaluator && from != PartyEmployee:
		return nil, domain.Errorf(domain.Invalid, "ask EVALUATOR or EMPLOYEE, not %q", from).WithField("from").WithRule(RuleRequired)
	case strings.TrimSpace(question) == "":
		return nil, domain.Errorf(domain.Invalid, "say what is to be explained").WithField("question").WithRule(RuleRequired)
	}
	return []Event{ExplanationRequested{From: from, Question: question, By: by, At: at}}, nil
}

// ProvideExplanation records the explanation of the party that was asked.
// Errors: Forbidden when by is not the party asked; Invalid without a text
// or without a pending request.
func (ev *Evaluation) ProvideExplanation(by domain.NIP, text string, at time.Time) ([]Event, error) {
	if err := ev.checkObjectionOpen(); err != nil {
		return nil, err
	}
	var from Party
	switch by {
	case ev.evaluator:
		from = PartyEvaluator
	case ev.employee:
		from = PartyEmployee
	default:
		return nil, domain.Errorf(domain.Forbidden, "only the evaluator or the employee explains, when asked").WithRule(RuleDesignated)
	}
	switch {
	case !ev.pending[from]:
		return nil, domain.Errorf(domain.Invalid, "no explanation was requested from the %s", strings.ToLower(string(from))).WithRule(RuleStage)
	case strings.TrimSpace(text) == "":
		return nil, domain.Errorf(domain.Invalid, "the explanation needs a text").WithField("text").WithRule(RuleRequired)
	}
	return []Event{ExplanationProvided{From: from, Text: text, By: by, At: at}}, nil
}

// Decide records the final decision on the objection by the evaluator's
// superior, and locks the evaluation. UPHELD keeps the ratings; CHANGED sets
// new ratings, at least one different, and the predicate the policy's
// matrix gives for them. Errors: Forbidden for anyone but the evaluator's
// superior; Invalid for an unknown outcome, missing or unchanged ratings, no
// reason, or no open objection.
func (ev *Evaluation) Decide(by domain.NIP, outcome Outcome, work, behaviour policy.Rating, reason string, p policy.Policy, at time.Time) ([]Event, error) {
	if err := ev.checkObjectionOpen(); err != nil {
		return nil, err
	}
	switch {
	case by != ev.evaluatorSuperior:
		return nil, domain.Errorf(domain.Forbidden, "an objection is decided by the evaluator's superior %s only", ev.evaluatorSuperior).WithRule(RuleObjectionDecide)
	case p.ID != ev.policy:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is under policy %s, not %s", ev.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "the decision needs a reason").WithField("reason").WithRule(RuleRequired)
	}
	switch outcome {
	case Upheld:
		if work != "" || behaviour != "" {
			return nil, domain.Errorf(domain.Invalid, "an upheld evaluation keeps its ratings; give no new ones").WithField("work_result").WithRule(RuleRequired)
		}
		return []Event{
			ObjectionDecided{Objection: ev.objection, Outcome: Upheld, Reason: reason, By: by, At: at},
			Locked{Predicate: ev.predicate, At: at},
		}, nil
	case Changed:
		if !work.Valid() {
			return nil, domain.Errorf(domain.Invalid, "%q is not a rating; use DI_ATAS_EKSPEKTASI, SESUAI_EKSPEKTASI or DI_BAWAH_EKSPEKTASI", work).WithField("work_result").WithRule(RuleRating)
		}
		if !behaviour.Valid() {
			return nil, domain.Errorf(domain.Invalid, "%q is not a rating; use DI_ATAS_EKSPEKTASI, SESUAI_EKSPEKTASI or DI_BAWAH_EKSPEKTASI", behaviour).WithField("behaviour").WithRule(RuleRating)
		}
		if work == ev.work && behaviour == ev.behaviour {
			return nil, domain.Errorf(domain.Invalid, "the ratings given are the current ones; decide UPHELD to keep them").WithField("work_result").WithRule(RuleRequired)
		}
		pr, err := p.Predicate(work, behaviour)
		if err != nil {
			return nil, err
		}
		return []Event{
			ObjectionDecided{Objection: ev.objection, Outcome: Changed, WorkResult: work, Behaviour: behaviour, Predicate: pr, Reason: reason, By: by, At: at},
			Locked{Predicate: pr, At: at},
		}, nil
	}
	return nil, domain.Errorf(domain.Invalid, "outcome %q is not UPHELD or CHANGED", outcome).WithField("outcome").WithRule(RuleRequired)
}

// Lock makes a delivered evaluation final once the objection window has
// lapsed without an objection. It is the ledger's own step, so it takes no
// actor. Errors: Invalid while the window is open or for an undelivered or
// objected evaluation.
func (ev *Evaluation) Lock(p policy.Policy, at time.Time) ([]Event, error) {
	switch {
	case ev.stage == "":
		return nil, domain.Errorf(domain.NotFound, "no such evaluation")
	case ev.stage != StageDelivered:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is %s; only a delivered result without an objection locks when the window lapses", ev.stage).WithRule(RuleStage)
	case p.ID != ev.policy:
		return nil, domain.Errorf(domain.Invalid, "the evaluation is under policy %s, not %s", ev.policy, p.ID).WithField("policy_id").WithRule(RulePolicy)
	}
	if deadline := p.ObjectionDeadline(ev.deliveredAt); !at.After(deadline) {
		return nil, domain.Errorf(domain.Invalid, "the objection window is open until %s", deadline.Format("2006-01-02 15:04 MST")).WithRule(RuleObjectionWindow)
	}
	return []Event{Locked{Predicate: ev.predicate, At: at}}, nil
}

// RecommendRating records the work-result rating a published replay
// recommends, for the evaluator to act on: the decided rating stays. A
// recommendation equal to the decided rating decides nothing. Errors:
// NotFound for an evaluation not opened; Invalid for a replay without id or
// digest, an unknown rating, or an evaluation with no decided work-result
// rating (its recommendation is derived on the read side, not recorded).
func (ev *Evaluation) RecommendRating(by domain.NIP, ref replay.Ref, r policy.Rating, mean *float64, policyID string, at time.Time) ([]Event, error) {
	if err := ev.checkOpened(); err != nil {
		return nil, err
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	switch {
	case !r.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a rating; use DI_ATAS_EKSPEKTASI, SESUAI_EKSPEKTASI or DI_BAWAH_EKSPEKTASI", r).WithField("recommended").WithRule(RuleRating)
	case ev.work == "":
		return nil, domain.Errorf(domain.Invalid, "evaluation %s has no decided work-result rating to recommend against", ev.id).WithField("work_result_rating").WithRule(RuleRequired)
	case policyID == "":
		return nil, domain.Errorf(domain.Invalid, "the recommendation needs the policy whose thresholds it applies").WithField("policy_id").WithRule(RulePolicy)
	case r == ev.work:
		return nil, nil
	}
	return []Event{RatingRecommended{Decided: ev.work, Recommended: r, MeanAchievement: mean, Policy: policyID, Replay: ref, By: by, At: at}}, nil
}

// RederivePredicate derives the predicate again from the evaluator's two
// ratings under p's matrix, for a published replay that substitutes the
// rating policy; the evaluation is under p from then on. The same predicate
// under the same policy decides nothing. Errors: NotFound for an
// evaluation not opened; Invalid for a replay without id or digest or an
// evaluation without both ratings; Conflict (rule RuleObjectionDecide) when
// an objection decision set the predicate, which a replay never overrides.
func (ev *Evaluation) RederivePredicate(by domain.NIP, ref replay.Ref, p policy.Policy, at time.Time) ([]Event, error) {
	if err := ev.checkOpened(); err != nil {
		return nil, err
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	switch {
	case ev.work == "" || ev.behaviour == "":
		return nil, domain.Errorf(domain.Invalid, "evaluation %s needs both ratings before its predicate is derived", ev.id).WithField("work_result_rating").WithRule(RuleRequired)
	case ev.changedByDecision:
		return nil, domain.Errorf(domain.Conflict, "the objection decision on evaluation %s set its predicate; a replay does not re-derive it", ev.id).
			WithField("predicate").WithRule(RuleObjectionDecide)
	}
	pr, err := p.Predicate(ev.work, ev.behaviour)
	if err != nil {
		return nil, err
	}
	if pr == ev.predicate && p.ID == ev.policy {
		return nil, nil
	}
	return []Event{PredicateRederived{Before: ev.predicate, Predicate: pr, WorkResult: ev.work, Behaviour: ev.behaviour, Policy: p.ID, Replay: ref, By: by, At: at}}, nil
}

// Facts is what follow-up needs from a locked evaluation.
type Facts struct {
	Evaluation uuid.UUID
	Employee   domain.NIP
	Period     Period
	Locked     bool
	Predicate  policy.Predicate
}

// Facts returns the evaluation's outcome as a fact for follow-up commands.
func (ev *Evaluation) Facts() Facts {
	return Facts{Evaluation: ev.id, Employee: ev.employee, Period: ev.period, Locked: ev.stage == StageLocked, Predicate: ev.predicate}
}
