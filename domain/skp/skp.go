// Package skp is the planning aggregate: one employee's SKP (sasaran kinerja
// pegawai) for one period of a calendar year, with its RHK, their IKI and the
// seven BerAKHLAK behaviour expectations, from draft through approval,
// amendments and closing (PermenPANRB 6/2022, reference §2.2, §6.1).
//
// Facts owned by other aggregates (the employee's placement, the superior's
// approved plan, the employee's other SKPs) are parameters of the commands;
// the application layer loads them.
package skp

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

// Rules an SKP command can break, as named in *domain.Error.Rule.
const (
	RuleNIP             = "nip"                    // §8.1
	RuleNotActive       = "employee-not-active"    // §8.1
	RuleDesignated      = "designated-evaluator"   // §8.2
	RuleSelfEvaluation  = "self-evaluation"        // §8.3
	RulePeriod          = "skp-period-one-year"    // §8.5
	RuleOverlap         = "skp-period-overlap"     // §8.5
	RuleUtamaRequired   = "rhk-utama-required"     // §8.6
	RuleIKIRequired     = "rhk-iki-required"       // §8.7
	RuleIKIComplete     = "iki-aspect-target-unit" // §8.7
	RuleCascade         = "rhk-cascade"            // §8.8
	RuleJPTSource       = "rhk-jpt-source"         // §8.8
	RuleBehaviour       = "berakhlak-seven-values" // §8.9
	RuleEditAfterApprov = "edit-after-approval"    // §8.10
	RuleStage           = "skp-stage"
	RuleRequired        = "required"
)

// Stream returns the event stream name of SKP id.
func Stream(id uuid.UUID) string { return "skp-" + id.String() }

// SKP is the state of one SKP, rebuilt from its events.
type SKP struct {
	id                uuid.UUID
	employee          domain.NIP
	evaluator         domain.NIP
	evaluatorSuperior domain.NIP
	jpt               bool
	approach          Approach
	start, end        time.Time
	status            Status
	approved          bool
	rhks              []RHK
	ikis              []IKI
	behaviour         map[CoreValue]string
	pending           *AmendmentProposed
	dialogues         int
}

// Replay folds events, oldest first, into a new SKP.
func Replay(events []Event) *SKP {
	s := &SKP{}
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// ID returns the SKP's id; the zero UUID before it is drafted.
func (s *SKP) ID() uuid.UUID { return s.id }

// Status returns the SKP's stage.
func (s *SKP) Status() Status { return s.status }

// Behaviour returns a copy of the behaviour expectations set so far.
func (s *SKP) Behaviour() map[CoreValue]string {
	m := make(map[CoreValue]string, len(s.behaviour))
	for k, v := range s.behaviour {
		m[k] = v
	}
	return m
}

// Plan returns a snapshot of the SKP for use as a fact by other commands.
func (s *SKP) Plan() Plan {
	return Plan{
		ID: s.id, Employee: s.employee, Evaluator: s.evaluator, EvaluatorSuperior: s.evaluatorSuperior,
		JPT: s.jpt, Status: s.status, Start: s.start, End: s.end,
		Approved: s.approved,
		RHKs:     slices.Clone(s.rhks), IKIs: slices.Clone(s.ikis),
	}
}

// Apply changes the SKP to reflect e. It never fails: events are facts.
func (s *SKP) Apply(e Event) {
	switch e := e.(type) {
	case Drafted:
		s.id, s.employee, s.evaluator, s.evaluatorSuperior = e.SKP, e.Employee, e.Evaluator, e.EvaluatorSuperior
		s.jpt, s.approach, s.start, s.end = e.JPT, e.Approach, e.Start, e.End
		s.status, s.behaviour = StatusDraft, map[CoreValue]string{}
	case RHKAdded:
		s.rhks = append(s.rhks, e.RHK)
	case RHKRemoved:
		s.rhks = slices.DeleteFunc(s.rhks, func(r RHK) bool { return r.ID == e.RHK })
		s.ikis = slices.DeleteFunc(s.ikis, func(i IKI) bool { return i.RHK == e.RHK })
	case IKIAdded:
		s.ikis = append(s.ikis, e.IKI)
	case IKIRemoved:
		s.ikis = slices.DeleteFunc(s.ikis, func(i IKI) bool { return i.ID == e.IKI })
	case BehaviourExpectationSet:
		if s.behaviour == nil {
			s.behaviour = map[CoreValue]string{}
		}
		s.behaviour[e.Value] = e.Expectation
	case Submitted:
		s.status = StatusSubmitted
	case ReturnedForRevision:
		s.status = StatusDraft
	case Approved:
		s.status, s.approved = StatusApproved, true
	case AmendmentProposed:
		p := e
		s.pending, s.status = &p, StatusAmendmentProposed
	case AmendmentApproved:
		if s.pending != nil {
			s.applyAmendment(*s.pending)
		}
		s.pending, s.status = nil, StatusApproved
	case AmendmentReturned:
		s.pending, s.status = nil, StatusApproved
	case Closed:
		s.status, s.pending = StatusClosed, nil
	case DialogueHeld:
		s.dialogues++
	}
}

func (s *SKP) applyAmendment(a AmendmentProposed) {
	from := a.EffectiveFrom
	end := func(to **time.Time) {
		if *to == nil {
			t := from
			*to = &t
		}
	}
	for _, id := range a.Changes.RemoveRHKs {
		for i := range s.rhks {
			if s.rhks[i].ID == id {
				end(&s.rhks[i].ValidTo)
			}
		}
		for i := range s.ikis {
			if s.ikis[i].RHK == id {
				end(&s.ikis[i].ValidTo)
			}
		}
	}
	for _, id := range a.Changes.RemoveIKIs {
		for i := range s.ikis {
			if s.ikis[i].ID == id {
				end(&s.ikis[i].ValidTo)
			}
		}
	}
	s.rhks = append(s.rhks, a.Changes.AddRHKs...)
	s.ikis = append(s.ikis, a.Changes.AddIKIs...)
}

// DraftCommand asks to open an SKP. Placement and OtherActive are facts the
// application layer loads: the employee's placement for the period and the
// periods of the employee's SKPs that are not closed.
type DraftCommand struct {
	ID          uuid.UUID
	Employee    domain.NIP
	Approach    Approach
	Start, End  time.Time // first and last day of the period, inclusive
	Placement   Placement
	OtherActive []Period
}

// Draft opens an SKP for cmd.Employee, who must draft it themself (by).
// The evaluator and the evaluator's superior come from the placement.
// It fails with Forbidden when by is not the employee, and with Invalid when
// a NIP is malformed, the employee is not active, the evaluator would be the
// employee, the period leaves one calendar year, or it overlaps another SKP
// that is not closed.
func Draft(by domain.NIP, cmd DraftCommand, at time.Time) ([]Event, error) {
	if by != cmd.Employee {
		return nil, domain.Errorf(domain.Forbidden, "an SKP is drafted by the employee themself").WithField("nip").WithRule(RuleDesignated)
	}
	for _, f := range []struct {
		field string
		nip   domain.NIP
	}{{"nip", cmd.Employee}, {"evaluator_nip", cmd.Placement.DirectSuperior}, {"evaluator_superior_nip", cmd.Placement.SuperiorOfSuperior}} {
		field, n := f.field, f.nip
		norm, _, err := domain.ParseNIP(string(n))
		if err != nil {
			return nil, domain.Errorf(domain.Invalid, "%s %q is not a valid NIP: %v", strings.ReplaceAll(field, "_", " "), n, err).WithField(field).WithRule(RuleNIP)
		}
		if norm != n {
			return nil, domain.Errorf(domain.Invalid, "%s %q must be given in its normalised form %s", strings.ReplaceAll(field, "_", " "), n, norm).WithField(field).WithRule(RuleNIP)
		}
	}
	switch {
	case cmd.ID == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the SKP needs an id").WithField("skp_id").WithRule(RuleRequired)
	case !cmd.Placement.Active:
		return nil, domain.Errorf(domain.Invalid, "employee %s is not registered as active for this period", cmd.Employee).WithField("nip").WithRule(RuleNotActive)
	case cmd.Placement.DirectSuperior == cmd.Employee:
		return nil, domain.Errorf(domain.Invalid, "an employee cannot be their own evaluator").WithField("evaluator_nip").WithRule(RuleSelfEvaluation)
	case cmd.Placement.SuperiorOfSuperior == cmd.Placement.DirectSuperior || cmd.Placement.SuperiorOfSuperior == cmd.Employee:
		return nil, domain.Errorf(domain.Invalid, "the evaluator's superior must be a third person, above the evaluator").WithField("evaluator_superior_nip").WithRule(RuleSelfEvaluation)
	case !cmd.Approach.Valid():
		return nil, domain.Errorf(domain.Invalid, "approach %q is not KUANTITATIF or KUALITATIF", cmd.Approach).WithField("approach").WithRule(RuleRequired)
	case cmd.Start.IsZero() || cmd.End.IsZero() || cmd.End.Before(cmd.Start):
		return nil, domain.Errorf(domain.Invalid, "the SKP period needs a start and an end on or after it").WithField("period_end").WithRule(RulePeriod)
	case cmd.Start.Year() != cmd.End.Year():
		return nil, domain.Errorf(domain.Invalid, "an SKP period must lie within one calendar year; %s and %s are in different years", day(cmd.Start), day(cmd.End)).WithField("period_end").WithRule(RulePeriod)
	}
	for _, o := range cmd.OtherActive {
		if !cmd.Start.After(o.End) && !o.Start.After(cmd.End) {
			return nil, domain.Errorf(domain.Invalid, "the period %s–%s overlaps SKP %s (%s–%s), which is still active; close it first", day(cmd.Start), day(cmd.End), o.SKP, day(o.Start), day(o.End)).WithField("period_start").WithRule(RuleOverlap)
		}
	}
	return []Event{Drafted{
		SKP: cmd.ID, Employee: cmd.Employee, Evaluator: cmd.Placement.DirectSuperior,
		EvaluatorSuperior: cmd.Placement.SuperiorOfSuperior, JPT: cmd.Placement.JPT,
		Approach: cmd.Approach, Start: cmd.Start, End: cmd.End, At: at,
	}}, nil
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func (s *SKP) checkExists() error {
	if s.id == uuid.Nil {
		return domain.Errorf(domain.NotFound, "no such SKP")
	}
	return nil
}

// checkDraftEdit is the guard shared by the draft-stage edits (§8.10).
func (s *SKP) checkDraftEdit(by domain.NIP) error {
	if err := s.checkExists(); err != nil {
		return err
	}
	if by != s.employee {
		return domain.Errorf(domain.Forbidden, "only the employee edits their own SKP").WithRule(RuleDesignated)
	}
	if s.status != StatusDraft {
		if s.approved {
			return domain.Errorf(domain.Invalid, "the SKP is %s; after approval RHK and IKI change only through an approved amendment", s.status).WithRule(RuleEditAfterApprov)
		}
		return domain.Errorf(domain.Invalid, "the SKP is %s; it can be edited only as a draft", s.status).WithRule(RuleStage)
	}
	return nil
}

// AddRHK adds a planned work result to the draft. Below JPT the RHK must
// name, in Parent, an RHK of superior: the direct superior's approved SKP
// for an overlapping period. A JPT's RHK instead cites a PK, Renstra, RKT or
// assignment Source, and superior may be nil. Errors: Forbidden for anyone
// but the employee; Invalid for a missing kind or text, a broken cascade or
// source, or an SKP that is not a draft.
func (s *SKP) AddRHK(by domain.NIP, r RHK, superior *Plan, at time.Time) ([]Event, error) {
	if err := s.checkDraftEdit(by); err != nil {
		return nil, err
	}
	r.ValidFrom, r.ValidTo = s.start, nil
	if err := s.validateRHK(r, superior, "rhk"); err != nil {
		return nil, err
	}
	return []Event{RHKAdded{RHK: r, At: at}}, nil
}

func (s *SKP) validateRHK(r RHK, superior *Plan, field string) error {
	switch {
	case r.ID == uuid.Nil:
		return domain.Errorf(domain.Invalid, "the RHK needs an id").WithField(field + ".rhk_id").WithRule(RuleRequired)
	case s.hasRHK(r.ID):
		return domain.Errorf(domain.Conflict, "RHK %s is already in this SKP", r.ID).WithField(field + ".rhk_id")
	case !r.Kind.Valid():
		return domain.Errorf(domain.Invalid, "RHK type %q is not UTAMA or TAMBAHAN", r.Kind).WithField(field + ".type").WithRule(RuleRequired)
	case strings.TrimSpace(r.Text) == "":
		return domain.Errorf(domain.Invalid, "the RHK needs a text").WithField(field + ".text").WithRule(RuleRequired)
	}
	if s.jpt {
		if r.Source == nil || !r.Source.Kind.Valid() || strings.TrimSpace(r.Source.Reference) == "" {
			return domain.Errorf(domain.Invalid, "an RHK of a JPT must cite its source: PK, RENSTRA, RKT or PENUGASAN, with a reference").WithField(field + ".source").WithRule(RuleJPTSource)
		}
		return nil
	}
	if r.Parent == nil {
		return domain.Errorf(domain.Invalid, "the RHK must name the superior's RHK it intervenes (RHK atasan yang diintervensi)").WithField(field + ".parent").WithRule(RuleCascade)
	}
	switch {
	case superior == nil || superior.ID != r.Parent.SKP:
		return domain.Errorf(domain.Invalid, "the intervened RHK must come from the superior's SKP %s, which was not given", r.Parent.SKP).WithField(field + ".parent.skp_id").WithRule(RuleCascade)
	case superior.Employee != s.evaluator:
		return domain.Errorf(domain.Invalid, "SKP %s belongs to %s, not to the direct superior %s", superior.ID, superior.Employee, s.evaluator).WithField(field + ".parent.skp_id").WithRule(RuleCascade)
	case !superior.Approved || superior.Status == StatusClosed:
		return domain.Errorf(domain.Invalid, "the superior's SKP %s is not approved, or already closed; an RHK can only intervene an approved, active SKP", superior.ID).WithField(field + ".parent.skp_id").WithRule(RuleCascade)
	case !superior.Overlaps(s.start, s.end):
		return domain.Errorf(domain.Invalid, "the superior's SKP %s covers %s–%s, which does not overlap this SKP", superior.ID, day(superior.Start), day(superior.End)).WithField(field + ".parent.skp_id").WithRule(RuleCascade)
	}
	p, ok := superior.RHK(r.Parent.RHK)
	if !ok || p.ValidTo != nil {
		return domain.Errorf(domain.Invalid, "RHK %s is not in the superior's approved SKP", r.Parent.RHK).WithField(field + ".parent.rhk_id").WithRule(RuleCascade)
	}
	return nil
}

func (s *SKP) hasRHK(id uuid.UUID) bool {
	return slices.ContainsFunc(s.rhks, func(r RHK) bool { return r.ID == id })
}

func (s *SKP) hasIKI(id uuid.UUID) bool {
	return slices.ContainsFunc(s.ikis, func(i IKI) bool { return i.ID == id })
}

// RemoveRHK removes an RHK and its IKI from the draft. Errors: Forbidden for
// anyone but the employee; NotFound for an unknown RHK; Invalid after
// submission or approval.
func (s *SKP) RemoveRHK(by domain.NIP, id uuid.UUID, reason string, at time.Time) ([]Event, error) {
	if err := s.checkDraftEdit(by); err != nil {
		return nil, err
	}
	if !s.hasRHK(id) {
		return nil, domain.Errorf(domain.NotFound, "RHK %s is not in this SKP", id).WithField("rhk_id")
	}
	return []Event{RHKRemoved{RHK: id, Reason: reason, At: at}}, nil
}

// AddIKI adds an indicator to an RHK of the draft. Under the quantitative
// approach an IKI needs an aspect, a target the achievement formula can use
// and a unit; under the qualitative approach an aspect and a text.
// Errors: Forbidden for anyone but the employee; Invalid for an incomplete
// IKI, an unknown RHK or an SKP that is not a draft.
func (s *SKP) AddIKI(by domain.NIP, i IKI, at time.Time) ([]Event, error) {
	if err := s.checkDraftEdit(by); err != nil {
		return nil, err
	}
	i.ValidFrom, i.ValidTo = s.start, nil
	if err := s.validateIKI(i, s.hasRHK, "iki"); err != nil {
		return nil, err
	}
	return []Event{IKIAdded{IKI: i, At: at}}, nil
}

func (s *SKP) validateIKI(i IKI, rhkExists func(uuid.UUID) bool, field string) error {
	switch {
	case i.ID == uuid.Nil:
		return domain.Errorf(domain.Invalid, "the IKI needs an id").WithField(field + ".iki_id").WithRule(RuleRequired)
	case s.hasIKI(i.ID):
		return domain.Errorf(domain.Conflict, "IKI %s is already in this SKP", i.ID).WithField(field + ".iki_id")
	case !rhkExists(i.RHK):
		return domain.Errorf(domain.Invalid, "RHK %s is not in this SKP", i.RHK).WithField(field + ".rhk_id").WithRule(RuleRequired)
	case strings.TrimSpace(i.Text) == "":
		return domain.Errorf(domain.Invalid, "the IKI needs a text").WithField(field + ".text").WithRule(RuleIKIComplete)
	case !i.Aspect.Valid():
		return domain.Errorf(domain.Invalid, "the IKI aspect %q is not KUANTITAS, KUALITAS, WAKTU or BIAYA", i.Aspect).WithField(field + ".aspect").WithRule(RuleIKIComplete)
	case i.Indicator != nil && i.Version < 1:
		return domain.Errorf(domain.Invalid, "an IKI that uses catalogue indicator %s must name the indicator version", *i.Indicator).WithField(field + ".indicator_version").WithRule(RuleIKIComplete)
	}
	if s.approach == Qualitative {
		return nil
	}
	switch {
	case strings.TrimSpace(i.Unit) == "":
		return domain.Errorf(domain.Invalid, "the IKI target needs a unit of measure, such as \"dokumen\" or \"%%\"").WithField(field + ".unit").WithRule(RuleIKIComplete)
	case !i.Direction.Valid():
		return domain.Errorf(domain.Invalid, "the IKI direction %q is not HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE", i.Direction).WithField(field + ".direction").WithRule(RuleIKIComplete)
	}
	for _, v := range []float64{i.Target.Value, i.Target.Min, i.Target.Max} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return domain.Errorf(domain.Invalid, "the IKI target must be a finite number").WithField(field + ".target").WithRule(RuleIKIComplete)
		}
	}
	probe := i.Target.Value
	if i.Direction == indicator.Range {
		probe = i.Target.Min
	}
	if _, err := indicator.Achievement(i.Direction, i.Target, probe); err != nil {
		return domain.Errorf(domain.Invalid, "the IKI target cannot measure achievement: %v", err).WithField(field + ".target").WithRule(RuleIKIComplete)
	}
	return nil
}

// RemoveIKI removes an indicator from the draft. Errors as for RemoveRHK.
func (s *SKP) RemoveIKI(by domain.NIP, id uuid.UUID, reason string, at time.Time) ([]Event, error) {
	if err := s.checkDraftEdit(by); err != nil {
		return nil, err
	}
	if !s.hasIKI(id) {
		return nil, domain.Errorf(domain.NotFound, "IKI %s is not in this SKP", id).WithField("iki_id")
	}
	return []Event{IKIRemoved{IKI: id, Reason: reason, At: at}}, nil
}

// SetBehaviourExpectation records the evaluator's specific expectation for
// one BerAKHLAK value on a draft or submitted SKP; setting a value again
// replaces it. Errors: Forbidden for anyone but the evaluator; Invalid for a
// value outside the seven, an empty text, or an approved or closed SKP.
func (s *SKP) SetBehaviourExpectation(by domain.NIP, v CoreValue, expectation string, at time.Time) ([]Event, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	switch {
	case by != s.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "only the evaluator sets behaviour expectations (ekspektasi khusus pimpinan)").WithRule(RuleDesignated)
	case s.status != StatusDraft && s.status != StatusSubmitted:
		return nil, domain.Errorf(domain.Invalid, "the SKP is %s; behaviour expectations are set before approval", s.status).WithRule(RuleEditAfterApprov)
	case !v.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not one of the seven BerAKHLAK core values", v).WithField("core_value").WithRule(RuleBehaviour)
	case strings.TrimSpace(expectation) == "":
		return nil, domain.Errorf(domain.Invalid, "the expectation for %s needs a text", v).WithField("expectation").WithRule(RuleBehaviour)
	}
	return []Event{BehaviourExpectationSet{Value: v, Expectation: expectation, By: by, At: at}}, nil
}

// checkComplete holds the submission guards of §6.1 over rhks and ikis.
func (s *SKP) checkComplete(rhks []RHK, ikis []IKI, on time.Time) error {
	utama := false
	for _, r := range rhks {
		if !r.ActiveOn(on) {
			continue
		}
		utama = utama || r.Kind == Utama
		if !slices.ContainsFunc(ikis, func(i IKI) bool { return i.RHK == r.ID && i.ActiveOn(on) }) {
			return domain.Errorf(domain.Invalid, "RHK %q has no IKI; every RHK needs at least one indicator", r.Text).WithField("rhks").WithRule(RuleIKIRequired)
		}
	}
	if !utama {
		return domain.Errorf(domain.Invalid, "the SKP has no RHK utama; at least one main work result is required").WithField("rhks").WithRule(RuleUtamaRequired)
	}
	return nil
}

// Submit sends the draft to the evaluator. It needs at least one RHK utama,
// an IKI for every RHK, and exactly the seven BerAKHLAK expectations.
// Errors: Forbidden for anyone but the employee; Invalid otherwise.
func (s *SKP) Submit(by domain.NIP, at time.Time) ([]Event, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	switch {
	case by != s.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the employee submits their own SKP").WithRule(RuleDesignated)
	case s.status != StatusDraft:
		return nil, domain.Errorf(domain.Invalid, "the SKP is %s; only a draft can be submitted", s.status).WithRule(RuleStage)
	}
	if err := s.checkComplete(s.rhks, s.ikis, s.start); err != nil {
		return nil, err
	}
	for _, v := range CoreValues() {
		if _, ok := s.behaviour[v]; !ok {
			return nil, domain.Errorf(domain.Invalid, "the behaviour block lacks %s; it must hold all seven BerAKHLAK values", v).WithField("behaviour").WithRule(RuleBehaviour)
		}
	}
	return []Event{Submitted{By: by, At: at}}, nil
}

func (s *SKP) checkEvaluatorDecision(by domain.NIP, want Status) error {
	if err := s.checkExists(); err != nil {
		return err
	}
	switch {
	case by != s.evaluator:
		return domain.Errorf(domain.Forbidden, "only the designated evaluator %s decides on this SKP", s.evaluator).WithRule(RuleDesignated)
	case s.status != want:
		return domain.Errorf(domain.Invalid, "the SKP is %s, not %s", s.status, want).WithRule(RuleStage)
	}
	return nil
}

// ReturnForRevision sends a submitted SKP back to draft. Comments are
// required. Errors: Forbidden for anyone but the evaluator; Invalid otherwise.
func (s *SKP) ReturnForRevision(by domain.NIP, comments string, at time.Time) ([]Event, error) {
	if err := s.checkEvaluatorDecision(by, StatusSubmitted); err != nil {
		return nil, err
	}
	if strings.TrimSpace(comments) == "" {
		return nil, domain.Errorf(domain.Invalid, "say what to revise").WithField("comments").WithRule(RuleRequired)
	}
	return []Event{ReturnedForRevision{By: by, Comments: comments, At: at}}, nil
}

// Approve approves a submitted SKP. Errors: Forbidden for anyone but the
// evaluator; Invalid when the SKP is not submitted.
func (s *SKP) Approve(by domain.NIP, signatureRef string, at time.Time) ([]Event, error) {
	if err := s.checkEvaluatorDecision(by, StatusSubmitted); err != nil {
		return nil, err
	}
	return []Event{Approved{By: by, SignatureRef: signatureRef, At: at}}, nil
}

// ProposeAmendment proposes changes to an approved SKP, effective from a day
// inside its period; nothing changes until the evaluator approves. New RHK
// follow the cascade rules of AddRHK (superior is the direct superior's
// approved plan), new IKI those of AddIKI, and the amended plan must still
// pass the submission guards. Errors: Forbidden for anyone but the employee;
// Invalid for a reason-less, empty or rule-breaking amendment, or an SKP that
// is not approved.
func (s *SKP) ProposeAmendment(by domain.NIP, reason string, effectiveFrom time.Time, c Amendment, superior *Plan, at time.Time) ([]Event, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	switch {
	case by != s.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the employee proposes an amendment to their SKP").WithRule(RuleDesignated)
	case s.status != StatusApproved:
		return nil, domain.Errorf(domain.Invalid, "the SKP is %s; only an approved SKP without a pending amendment can be amended", s.status).WithRule(RuleStage)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "an amendment needs a reason").WithField("reason").WithRule(RuleRequired)
	case effectiveFrom.Before(s.start) || effectiveFrom.After(s.end):
		return nil, domain.Errorf(domain.Invalid, "the amendment must take effect within the SKP period %s–%s", day(s.start), day(s.end)).WithField("effective_from").WithRule(RulePeriod)
	case len(c.AddRHKs)+len(c.RemoveRHKs)+len(c.AddIKIs)+len(c.RemoveIKIs) == 0:
		return nil, domain.Errorf(domain.Invalid, "the amendment changes nothing").WithField("changes").WithRule(RuleRequired)
	}
	c = Amendment{
		AddRHKs: slices.Clone(c.AddRHKs), RemoveRHKs: slices.Clone(c.RemoveRHKs),
		AddIKIs: slices.Clone(c.AddIKIs), RemoveIKIs: slices.Clone(c.RemoveIKIs),
	}
	live := func(id uuid.UUID) bool {
		return slices.ContainsFunc(s.rhks, func(r RHK) bool { return r.ID == id && r.ValidTo == nil })
	}
	for k, id := range c.RemoveRHKs {
		if !live(id) {
			return nil, domain.Errorf(domain.Invalid, "RHK %s is not in the approved SKP", id).WithRule(RuleRequired).WithField(fieldIndex("changes.remove_rhks", k))
		}
	}
	for k, id := range c.RemoveIKIs {
		if !slices.ContainsFunc(s.ikis, func(i IKI) bool { return i.ID == id && i.ValidTo == nil }) {
			return nil, domain.Errorf(domain.Invalid, "IKI %s is not in the approved SKP", id).WithRule(RuleRequired).WithField(fieldIndex("changes.remove_ikis", k))
		}
	}
	added := map[uuid.UUID]bool{}
	for k := range c.AddRHKs {
		c.AddRHKs[k].ValidFrom, c.AddRHKs[k].ValidTo = effectiveFrom, nil
		if added[c.AddRHKs[k].ID] {
			return nil, domain.Errorf(domain.Invalid, "RHK %s is added twice", c.AddRHKs[k].ID).WithRule(RuleRequired).WithField(fieldIndex("changes.add_rhks", k))
		}
		if err := s.validateRHK(c.AddRHKs[k], superior, fieldIndex("changes.add_rhks", k)); err != nil {
			return nil, err
		}
		added[c.AddRHKs[k].ID] = true
	}
	removed := func(id uuid.UUID) bool { return slices.Contains(c.RemoveRHKs, id) }
	addedIKI := map[uuid.UUID]bool{}
	for k := range c.AddIKIs {
		c.AddIKIs[k].ValidFrom, c.AddIKIs[k].ValidTo = effectiveFrom, nil
		if addedIKI[c.AddIKIs[k].ID] {
			return nil, domain.Errorf(domain.Invalid, "IKI %s is added twice", c.AddIKIs[k].ID).WithRule(RuleRequired).WithField(fieldIndex("changes.add_ikis", k))
		}
		exists := func(id uuid.UUID) bool { return added[id] || (live(id) && !removed(id)) }
		if err := s.validateIKI(c.AddIKIs[k], exists, fieldIndex("changes.add_ikis", k)); err != nil {
			return nil, err
		}
		addedIKI[c.AddIKIs[k].ID] = true
	}
	after := Replay(nil)
	*after = *s
	after.rhks, after.ikis = slices.Clone(s.rhks), slices.Clone(s.ikis)
	after.applyAmendment(AmendmentProposed{EffectiveFrom: effectiveFrom, Changes: c})
	if err := after.checkComplete(after.rhks, after.ikis, effectiveFrom); err != nil {
		return nil, err
	}
	return []Event{AmendmentProposed{By: by, Reason: reason, EffectiveFrom: effectiveFrom, Changes: c, At: at}}, nil
}

func fieldIndex(field string, k int) string {
	return field + "[" + strconv.Itoa(k) + "]"
}

// ApproveAmendment applies the pending amendment. Errors: Forbidden for
// anyone but the evaluator; Invalid when no amendment is pending.
func (s *SKP) ApproveAmendment(by domain.NIP, at time.Time) ([]Event, error) {
	if err := s.checkEvaluatorDecision(by, StatusAmendmentProposed); err != nil {
		return nil, err
	}
	return []Event{AmendmentApproved{By: by, At: at}}, nil
}

// ReturnAmendment discards the pending amendment with comments. Errors as
// for ApproveAmendment, and Invalid without comments.
func (s *SKP) ReturnAmendment(by domain.NIP, comments string, at time.Time) ([]Event, error) {
	if err := s.checkEvaluatorDecision(by, StatusAmendmentProposed); err != nil {
		return nil, err
	}
	if strings.TrimSpace(comments) == "" {
		return nil, domain.Errorf(domain.Invalid, "say why the amendment is returned").WithField("comments").WithRule(RuleRequired)
	}
	return []Event{AmendmentReturned{By: by, Comments: comments, At: at}}, nil
}

// Close ends the SKP. The evaluator closes it at year end (not before the
// last day of the period) or early on a change of position or superior,
// retirement or termination. Errors: Forbidden for anyone but the evaluator;
// Invalid for an unknown reason, an early year-end close, or a closed SKP.
func (s *SKP) Close(by domain.NIP, reason CloseReason, at time.Time) ([]Event, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	switch {
	case by != s.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "only the designated evaluator %s closes this SKP", s.evaluator).WithRule(RuleDesignated)
	case s.status == StatusClosed:
		return nil, domain.Errorf(domain.Invalid, "the SKP is already closed").WithRule(RuleStage)
	case !reason.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a reason to close an SKP; use YEAR_END, POSITION_CHANGE, SUPERIOR_CHANGE, RETIREMENT or TERMINATION", reason).WithField("reason").WithRule(RuleRequired)
	case reason == CloseYearEnd && at.Before(s.end):
		return nil, domain.Errorf(domain.Invalid, "a year-end close cannot happen before the period ends on %s", day(s.end)).WithField("reason").WithRule(RulePeriod)
	}
	return []Event{Closed{By: by, Reason: reason, At: at}}, nil
}

// Dialogues returns how many performance dialogues were recorded.
func (s *SKP) Dialogues() int { return s.dialogues }

// HoldDialogue records a performance dialogue between the evaluator and the
// employee on a day inside the SKP period, at any stage before closing.
// Either of them records it. Errors: Forbidden for anyone else; Invalid for
// a day outside the period, no notes or a closed SKP.
func (s *SKP) HoldDialogue(by domain.NIP, date time.Time, notesRef string, at time.Time) ([]Event, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	switch {
	case by != s.employee && by != s.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "a performance dialogue is recorded by the employee or the evaluator").WithRule(RuleDesignated)
	case s.status == StatusClosed:
		return nil, domain.Errorf(domain.Invalid, "the SKP is closed").WithRule(RuleStage)
	case date.Before(s.start) || date.After(s.end):
		return nil, domain.Errorf(domain.Invalid, "%s is outside the SKP period %s–%s", day(date), day(s.start), day(s.end)).WithField("date").WithRule(RulePeriod)
	case strings.TrimSpace(notesRef) == "":
		return nil, domain.Errorf(domain.Invalid, "refer to the notes of the dialogue").WithField("notes_ref").WithRule(RuleRequired)
	}
	return []Event{DialogueHeld{Participants: []domain.NIP{s.employee, s.evaluator}, Date: date, NotesRef: notesRef, By: by, At: at}}, nil
}
