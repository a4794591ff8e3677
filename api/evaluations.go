package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
)

func evaluationTarget(id uuid.UUID) target[evaluation.Event] {
	return target[evaluation.Event]{stream: evaluation.Stream(id), decode: evaluation.Decode, id: id.String()}
}

// assessmentID is the id of the organisational assessment of unit for a
// period: one per unit and period, so it is named, not random.
func assessmentID(unit uuid.UUID, periodID string) uuid.UUID {
	return uuid.NewSHA1(unit, []byte("assessment/"+periodID))
}

func evaluationPeriod(field, id string) (evaluation.Period, error) {
	p, err := periodOf(field, id)
	return evaluation.Period{ID: p.ID, Start: p.Start, End: p.End}, err
}

func lookupPolicy(id string) (policy.Policy, error) {
	if id == "" {
		id = policy.DefaultID
	}
	return policy.Lookup(id)
}

// loadUnit loads unit id as a fact, named by field when missing.
func (s *server) loadUnit(ctx context.Context, id uuid.UUID, field string) (*org.Unit, error) {
	h, err := loadFact(ctx, s, org.UnitStream(id), org.Decode, field, "unit")
	if err != nil {
		return nil, err
	}
	return org.ReplayUnit(h.Events), nil
}

type openEvaluationRequest struct {
	SKPID    uuid.UUID `json:"skp_id"`
	UnitID   uuid.UUID `json:"unit_id"`
	PeriodID string    `json:"period_id"`
	PolicyID string    `json:"policy_id,omitempty"` // default: the current regulation's policy
}

// openEvaluation opens the evaluation of an approved SKP's employee for a
// period (the designated evaluator). Whether the employee heads the unit
// comes from the unit's head at the end of the period.
func (s *server) openEvaluation(w http.ResponseWriter, r *http.Request, c command, req openEvaluationRequest) {
	period, err := evaluationPeriod("period_id", req.PeriodID)
	p, errP := lookupPolicy(req.PolicyID)
	if err := errOr(err, errP); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("evaluation")
	t := evaluationTarget(id)
	t.location = "/v1/evaluations/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		plan, err := s.loadPlan(r.Context(), req.SKPID, "skp_id")
		if err != nil {
			return nil, err
		}
		if req.UnitID == uuid.Nil {
			return nil, domain.Errorf(domain.Invalid, "name the unit the employee is evaluated in").WithField("unit_id").WithRule(evaluation.RuleRequired)
		}
		u, err := s.loadUnit(r.Context(), req.UnitID, "unit_id")
		if err != nil {
			return nil, err
		}
		head, _ := u.HeadOn(period.End)
		return evaluation.Open(c.by, evaluation.OpenCommand{Evaluation: id, Plan: plan, Unit: req.UnitID, Period: period, UnitHead: head == plan.Employee}, p, c.at)
	})
}

// evaluationFacts is what an evaluation command may need besides the
// evaluation: its opening, its policy and its unit's assessment.
type evaluationFacts struct {
	opened evaluation.Opened
	policy policy.Policy
	unit   evaluation.UnitFacts
}

// onEvaluation runs decide on the evaluation named by the path, with its
// policy and its unit's current assessment as facts.
func (s *server) onEvaluation(w http.ResponseWriter, r *http.Request, c command, itemID string, decide func(*evaluation.Evaluation, evaluationFacts) ([]evaluation.Event, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := evaluationTarget(id)
	t.itemID = itemID
	execute(s, w, r, c, t, func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		opened, ok := firstEvent[evaluation.Opened](h.Events)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, "no such evaluation").WithField("id")
		}
		f := evaluationFacts{opened: opened}
		if f.policy, err = policy.Lookup(opened.Policy); err != nil {
			return nil, err
		}
		a, err := eventstore.Load(r.Context(), s.store, evaluation.UnitStream(assessmentID(opened.Unit, opened.Period.ID)), evaluation.Decode)
		if err != nil {
			return nil, err
		}
		f.unit = evaluation.ReplayUnit(a.Events).Facts()
		return decide(evaluation.ReplayEvaluation(h.Events), f)
	})
}

// firstEvent returns the first event of type T in events.
func firstEvent[T any, E any](events []E) (T, bool) {
	for _, e := range events {
		if t, ok := any(e).(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

type selfAssessmentRequest struct {
	Notes string `json:"notes"`
}

// selfAssess records the employee's self-assessment.
func (s *server) selfAssess(w http.ResponseWriter, r *http.Request, c command, req selfAssessmentRequest) {
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, _ evaluationFacts) ([]evaluation.Event, error) {
		return ev.SelfAssess(c.by, req.Notes, c.at)
	})
}

type ratingRequest struct {
	Rating    policy.Rating `json:"rating"`
	Rationale string        `json:"rationale,omitempty"`
}

// rateWorkResult records the designated evaluator's work-result rating.
func (s *server) rateWorkResult(w http.ResponseWriter, r *http.Request, c command, req ratingRequest) {
	c.cmd.Metadata.Reason = req.Rationale
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		events, err := ev.RateWorkResult(c.by, req.Rating, req.Rationale, f.unit, f.policy, c.at)
		return events, renameField(err, ratingField)
	})
}

// rateBehaviour records the designated evaluator's behaviour rating.
func (s *server) rateBehaviour(w http.ResponseWriter, r *http.Request, c command, req ratingRequest) {
	c.cmd.Metadata.Reason = req.Rationale
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		events, err := ev.RateBehaviour(c.by, req.Rating, req.Rationale, f.unit, f.policy, c.at)
		return events, renameField(err, ratingField)
	})
}

// ratingField names the domain's rating fields as the request spells them.
func ratingField(f string) string {
	if f == "work_result_rating" || f == "behaviour_rating" {
		return "rating"
	}
	return f
}

type finalizeRequest struct {
	SignatureRef string `json:"signature_ref"`
	DocumentRef  string `json:"document_ref"`
}

// finalizeEvaluation signs the evaluation once the distribution check of
// the curve it counts in counted it and passed (or was overridden): its
// unit's, or, for a unit head whose policy counts heads in the parent's
// curve, the check of the unit above on the period's last day.
//
// The finalisation depends on assessments in other streams, which a
// revision of their organisational predicate may change while it is
// decided. So before the evaluation's Finalized is appended, each
// assessment it was decided on records it (evaluation.FinalizationRecorded)
// at the revision that was read: a revision committed in between makes that
// append conflict, and the finalisation is decided again on the revised
// assessment; a revision decided before it conflicts with the record and is
// then refused. The store appends one stream at a time, so the record is
// written first: if the Finalized then fails, the record stays and the
// predicate stays fixed, the safe side; a retry of the finalisation finds
// it and records nothing again.
func (s *server) finalizeEvaluation(w http.ResponseWriter, r *http.Request, c command, req finalizeRequest) {
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		for attempt := 1; ; attempt++ {
			events, err := s.decideFinalize(r.Context(), c, ev, f, req)
			if !errors.Is(err, eventstore.ErrWrongExpectedRevision) || attempt == maxFinalizeAttempts {
				return events, err
			}
		}
	})
}

// maxFinalizeAttempts bounds how often a finalisation is decided again
// because an assessment it depends on moved on meanwhile.
const maxFinalizeAttempts = 4

// assessmentHistory is a unit's assessment stream as read.
type assessmentHistory struct {
	stream string
	h      eventstore.History[evaluation.Event]
}

// decideFinalize decides the finalisation of ev on the assessments it
// depends on, as they are now, and records it in each of them. It returns
// an error that wraps eventstore.ErrWrongExpectedRevision when one of them
// moved on since it was read.
func (s *server) decideFinalize(ctx context.Context, c command, ev *evaluation.Evaluation, f evaluationFacts, req finalizeRequest) ([]evaluation.Event, error) {
	own, err := s.loadAssessment(ctx, f.opened.Unit, f.opened.Period.ID)
	if err != nil {
		return nil, err
	}
	ownFacts := assessmentFacts(own, f.opened.Unit, f.opened.Period.ID)
	cmd := evaluation.FinalizeCommand{SignatureRef: req.SignatureRef, DocumentRef: req.DocumentRef, Curve: ownFacts, Unit: ownFacts}
	// The check of the curve admitted it; for a head, the predicate of
	// their own unit gave their work-result rating (§8.16).
	dependsOn := []assessmentHistory{own}
	if ev.InParentCurve(f.policy) {
		parent, err := s.parentUnit(ctx, f.opened.Unit, f.opened.Period.End)
		if err != nil {
			return nil, err
		}
		cmd.ParentUnit = parent
		if parent != uuid.Nil {
			curve, err := s.loadAssessment(ctx, parent, f.opened.Period.ID)
			if err != nil {
				return nil, err
			}
			cmd.Curve = assessmentFacts(curve, parent, f.opened.Period.ID)
			dependsOn = []assessmentHistory{curve, own}
		}
	}
	events, err := ev.Finalize(c.by, cmd, f.policy, c.at)
	if err != nil {
		return nil, err
	}
	for _, a := range dependsOn {
		if err := s.recordFinalization(ctx, c, a, ev); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// loadAssessment reads the organisational assessment of unit for a period.
func (s *server) loadAssessment(ctx context.Context, unit uuid.UUID, periodID string) (assessmentHistory, error) {
	stream := evaluation.UnitStream(assessmentID(unit, periodID))
	h, err := eventstore.Load(ctx, s.store, stream, evaluation.Decode)
	if err != nil {
		return assessmentHistory{}, fmt.Errorf("load %s: %w", stream, err)
	}
	return assessmentHistory{stream: stream, h: h}, nil
}

// assessmentFacts returns a as a fact; an assessment not set yet is named
// by unit and period.
func assessmentFacts(a assessmentHistory, unit uuid.UUID, periodID string) evaluation.UnitFacts {
	if !a.h.Exists {
		return evaluation.UnitFacts{Unit: unit, PeriodID: periodID}
	}
	return evaluation.ReplayUnit(a.h.Events).Facts()
}

// recordFinalization appends to assessment a, at the revision it was read
// at, that ev is being finalised with its current predicate; nothing when
// a already records that. The event id derives from the command and the
// stream, so a retried command appends nothing twice.
func (s *server) recordFinalization(ctx context.Context, c command, a assessmentHistory, ev *evaluation.Evaluation) error {
	events, err := evaluation.ReplayUnit(a.h.Events).RecordFinalization(c.by, ev.ID(), ev.Predicate(), c.at)
	if err != nil || len(events) == 0 {
		return err
	}
	data := make([]eventstore.EventData, len(events))
	md := c.cmd.Metadata
	md.CommandID = c.cmd.ID
	for i, e := range events {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		data[i] = eventstore.EventData{ID: uuid.NewSHA1(c.cmd.ID, fmt.Appendf(nil, "%s/%d", a.stream, i)), Type: e.EventType(), Data: body, Metadata: md}
	}
	if _, err := s.store.Append(ctx, a.stream, eventstore.Exact(a.h.Revision), data...); err != nil {
		return fmt.Errorf("record finalisation of evaluation %s in %s: %w", ev.ID(), a.stream, err)
	}
	return nil
}

// deliverEvaluation records that the result reached the employee; the
// objection window starts now.
func (s *server) deliverEvaluation(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, _ evaluationFacts) ([]evaluation.Event, error) {
		return ev.Deliver(c.by, c.at)
	})
}

type objectionRequest struct {
	Reasons string `json:"reasons"`
}

// fileObjection records the employee's keberatan within the window.
func (s *server) fileObjection(w http.ResponseWriter, r *http.Request, c command, req objectionRequest) {
	id := c.newID("objection")
	c.cmd.Metadata.Reason = req.Reasons
	s.onEvaluation(w, r, c, id.String(), func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		return ev.FileObjection(c.by, id, req.Reasons, f.policy, c.at)
	})
}

type explanationRequestRequest struct {
	From     evaluation.Party `json:"from"`
	Question string           `json:"question"`
}

// requestExplanation asks a party of an objection to explain (the
// evaluator's superior).
func (s *server) requestExplanation(w http.ResponseWriter, r *http.Request, c command, req explanationRequestRequest) {
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, _ evaluationFacts) ([]evaluation.Event, error) {
		return ev.RequestExplanation(c.by, req.From, req.Question, c.at)
	})
}

type explanationRequest struct {
	Text string `json:"text"`
}

// provideExplanation records the explanation of the party asked. A caller
// who holds both the employee and the evaluator role is recorded under the
// role of the party they are in this evaluation.
func (s *server) provideExplanation(w http.ResponseWriter, r *http.Request, c command, req explanationRequest) {
	if id, err := pathUUID(r, "id"); err == nil {
		h, err := eventstore.Load(r.Context(), s.store, evaluation.Stream(id), evaluation.Decode)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if o, ok := firstEvent[evaluation.Opened](h.Events); ok && c.by == o.Evaluator {
			c.cmd.Metadata.Actor.Role = string(RoleEvaluator)
		} else if ok && c.by == o.Employee {
			c.cmd.Metadata.Actor.Role = string(RoleEmployee)
		}
	}
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, _ evaluationFacts) ([]evaluation.Event, error) {
		return ev.ProvideExplanation(c.by, req.Text, c.at)
	})
}

type decisionRequest struct {
	Outcome    evaluation.Outcome `json:"outcome"`
	WorkResult policy.Rating      `json:"work_result,omitempty"` // for CHANGED
	Behaviour  policy.Rating      `json:"behaviour,omitempty"`   // for CHANGED
	Reason     string             `json:"reason"`
}

// decideObjection records the evaluator's superior's decision on the
// objection, which locks the evaluation.
func (s *server) decideObjection(w http.ResponseWriter, r *http.Request, c command, req decisionRequest) {
	c.cmd.Metadata.Reason = req.Reason
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		return ev.Decide(c.by, req.Outcome, req.WorkResult, req.Behaviour, req.Reason, f.policy, c.at)
	})
}

// lockEvaluation makes a delivered evaluation final once the objection
// window has lapsed. It is the ledger's own step; HR or the evaluator
// triggers it.
func (s *server) lockEvaluation(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	s.onEvaluation(w, r, c, "", func(ev *evaluation.Evaluation, f evaluationFacts) ([]evaluation.Event, error) {
		return ev.Lock(f.policy, c.at)
	})
}

type evaluationView struct {
	evaluation.Opened
	Stage      evaluation.Stage             `json:"stage"`
	WorkResult policy.Rating                `json:"work_result,omitempty"`
	Behaviour  policy.Rating                `json:"behaviour,omitempty"`
	Predicate  policy.Predicate             `json:"predicate,omitempty"`
	Objection  *evaluation.ObjectionFiled   `json:"objection,omitempty"`
	Decision   *evaluation.ObjectionDecided `json:"decision,omitempty"`
}

// getEvaluation reads an evaluation from its stream: the employee, the
// evaluator and the evaluator's superior read it.
func (s *server) getEvaluation(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), evaluation.Stream(id), evaluation.Decode,
		func(c Caller, h eventstore.History[evaluation.Event]) error {
			o, _ := firstEvent[evaluation.Opened](h.Events)
			if c.NIP == o.Employee || c.NIP == o.Evaluator || c.NIP == o.EvaluatorSuperior {
				return nil
			}
			return forbidRead("evaluation")
		},
		func(h eventstore.History[evaluation.Event]) any {
			ev := evaluation.ReplayEvaluation(h.Events)
			v := evaluationView{Stage: ev.Stage(), Predicate: ev.Predicate()}
			v.Opened, _ = firstEvent[evaluation.Opened](h.Events)
			v.WorkResult, v.Behaviour = ev.Ratings()
			if o, ok := firstEvent[evaluation.ObjectionFiled](h.Events); ok {
				v.Objection = &o
			}
			if d, ok := firstEvent[evaluation.ObjectionDecided](h.Events); ok {
				v.Decision = &d
			}
			return v
		})
}

// assessmentPath reads {id} (the unit) and {period_id}.
func assessmentPath(r *http.Request) (uuid.UUID, evaluation.Period, error) {
	unit, err := pathUUID(r, "id")
	if err != nil {
		return unit, evaluation.Period{}, err
	}
	p, err := evaluationPeriod("period_id", r.PathValue("period_id"))
	return unit, p, err
}

func assessmentTarget(unit uuid.UUID, periodID string) target[evaluation.Event] {
	return target[evaluation.Event]{stream: evaluation.UnitStream(assessmentID(unit, periodID)), decode: evaluation.Decode, id: unit.String() + "/" + periodID}
}

type orgPredicateRequest struct {
	PeriodID            string              `json:"period_id"`
	Predicate           policy.OrgPredicate `json:"predicate"`
	Basis               string              `json:"basis"`
	RecommendationsFrom []string            `json:"recommendations_from,omitempty"`
	PolicyID            string              `json:"policy_id,omitempty"`
}

// setOrgPredicate sets a unit's organisational predicate for a period. Only
// the head of the unit one level above, on the period's last day, may.
func (s *server) setOrgPredicate(w http.ResponseWriter, r *http.Request, c command, req orgPredicateRequest) {
	unit, err := pathUUID(r, "id")
	period, errP := evaluationPeriod("period_id", req.PeriodID)
	p, errL := lookupPolicy(req.PolicyID)
	if err := errOr(err, errP, errL); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Basis
	t := assessmentTarget(unit, period.ID)
	t.location = "/v1/units/" + unit.String() + "/assessments/" + period.ID
	caller := callerFrom(r.Context())
	execute(s, w, r, c, t, func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		leader, top, err := s.parentLeader(r.Context(), unit, period.End)
		switch {
		case err != nil:
			return nil, err
		case top && !caller.Has(RoleHR):
			return nil, domain.Errorf(domain.Forbidden, "the instansi's organisational predicate comes from outside the ledger (the evaluation of the instansi's own performance); HR records it, citing that decision as the basis").
				WithRule(evaluation.RuleParentLeader)
		case top:
			// HR records the outside decision; the event says so.
			leader = c.by
			c.cmd.Metadata.Actor.Role = string(RoleHR)
		}
		return evaluation.ReplayUnit(h.Events).SetOrgPredicate(c.by, evaluation.SetOrgPredicateCommand{Assessment: assessmentID(unit, period.ID), Unit: unit,
			Period: period, Predicate: req.Predicate, Basis: req.Basis, Recommendations: req.RecommendationsFrom, ParentLeader: leader}, p, c.at)
	})
}

// parentLeader returns the head, on day, of the unit above unit, or top
// when unit is the instansi itself (it has no unit above).
func (s *server) parentLeader(ctx context.Context, unit uuid.UUID, day time.Time) (head domain.NIP, top bool, err error) {
	u, err := s.loadUnit(ctx, unit, "unit_id")
	if err != nil {
		return "", false, err
	}
	shape, ok := u.ShapeOn(day)
	if !ok {
		return "", false, domain.Errorf(domain.Invalid, "the unit does not exist on %s", day.Format(time.DateOnly)).WithField("unit_id").WithRule(evaluation.RuleRequired)
	}
	if shape.Parent == uuid.Nil {
		return "", true, nil
	}
	parent, err := s.loadUnit(ctx, shape.Parent, "unit_id")
	if err != nil {
		return "", false, err
	}
	head, ok = parent.HeadOn(day)
	if !ok {
		return "", false, domain.Errorf(domain.Invalid, "the unit above has no head on %s to set the predicate; HR appoints one first", day.Format(time.DateOnly)).WithField("unit_id").WithRule(evaluation.RuleParentLeader)
	}
	return head, false, nil
}

type revisePredicateRequest struct {
	Predicate policy.OrgPredicate `json:"predicate"`
	Reason    string              `json:"reason"`
}

// reviseOrgPredicate changes a unit's predicate before any of its
// evaluations for the period is finalised.
func (s *server) reviseOrgPredicate(w http.ResponseWriter, r *http.Request, c command, req revisePredicateRequest) {
	unit, period, err := assessmentPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, assessmentTarget(unit, period.ID), func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		set, ok := firstEvent[evaluation.OrgPredicateSet](h.Events)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, "the organisational predicate of this unit and period is not set").WithField("period_id")
		}
		p, err := policy.Lookup(set.Policy)
		if err != nil {
			return nil, err
		}
		// The predicate fixes the pattern of the unit's curve and its head's
		// work-result rating (§8.16), wherever the head's predicate counts.
		curve, err := s.curveOf(r.Context(), unit, period)
		if err != nil {
			return nil, err
		}
		finalized := 0
		for _, ev := range append(curve.members, curve.away...) {
			if ev.Stage() != evaluation.StageOpen {
				finalized++
			}
		}
		return evaluation.ReplayUnit(h.Events).ReviseOrgPredicate(c.by, req.Predicate, req.Reason, finalized, p, c.at)
	})
}

// checkDistribution checks the current predicates of the evaluations in the
// unit's curve for the period (see curveOf) against the pattern.
func (s *server) checkDistribution(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	unit, period, err := assessmentPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	execute(s, w, r, c, assessmentTarget(unit, period.ID), func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		set, ok := firstEvent[evaluation.OrgPredicateSet](h.Events)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, "the organisational predicate of this unit and period is not set").WithField("period_id")
		}
		p, err := policy.Lookup(set.Policy)
		if err != nil {
			return nil, err
		}
		u, err := s.loadUnit(r.Context(), unit, "unit_id")
		if err != nil {
			return nil, err
		}
		head, _ := u.HeadOn(period.End)
		curve, err := s.curveOf(r.Context(), unit, period)
		if err != nil {
			return nil, err
		}
		predicates := make(map[uuid.UUID]policy.Predicate, len(curve.members))
		for _, ev := range curve.members {
			predicates[ev.ID()] = ev.Predicate()
		}
		return evaluation.ReplayUnit(h.Events).CheckDistribution(c.by, head, predicates, p, c.at)
	})
}

type overrideRequest struct {
	Justification string `json:"justification"`
}

// recordOverride accepts a failing distribution with a justification.
func (s *server) recordOverride(w http.ResponseWriter, r *http.Request, c command, req overrideRequest) {
	unit, period, err := assessmentPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Justification
	execute(s, w, r, c, assessmentTarget(unit, period.ID), func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
		return evaluation.ReplayUnit(h.Events).RecordOverride(c.by, req.Justification, c.at)
	})
}

type assessmentView struct {
	evaluation.OrgPredicateSet
	Current    policy.OrgPredicate             `json:"current_predicate"`
	Pattern    *evaluation.PatternFixed        `json:"pattern,omitempty"` // the latest
	LastCheck  *evaluation.DistributionChecked `json:"last_check,omitempty"`
	Overridden bool                            `json:"overridden"`
	Checked    map[uuid.UUID]policy.Predicate  `json:"checked,omitempty"`
}

// getAssessment reads a unit's organisational assessment for a period: the
// leader who set it and the unit's head read it.
func (s *server) getAssessment(w http.ResponseWriter, r *http.Request) {
	unit, period, err := assessmentPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var head domain.NIP
	if !canReadLedger(callerFrom(r.Context())) {
		u, err := s.loadUnit(r.Context(), unit, "unit_id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		head, _ = u.HeadOn(period.End)
	}
	t := assessmentTarget(unit, period.ID)
	readAggregate(s, w, r, t.id, t.stream, t.decode,
		func(c Caller, h eventstore.History[evaluation.Event]) error {
			set, _ := firstEvent[evaluation.OrgPredicateSet](h.Events)
			if c.NIP == set.SetBy || (c.NIP == head && head != "") {
				return nil
			}
			return forbidRead("unit assessment")
		},
		func(h eventstore.History[evaluation.Event]) any {
			u := evaluation.ReplayUnit(h.Events)
			f := u.Facts()
			v := assessmentView{Current: f.Predicate, Overridden: f.Overridden, Checked: f.Checked}
			v.OrgPredicateSet, _ = firstEvent[evaluation.OrgPredicateSet](h.Events)
			for _, e := range h.Events {
				switch e := e.(type) {
				case evaluation.PatternFixed:
					v.Pattern = &e
				case evaluation.DistributionChecked:
					v.LastCheck = &e
				case evaluation.OrgPredicateRevised:
					v.LastCheck = nil // a revision voids the last check
				}
			}
			return v
		})
}
