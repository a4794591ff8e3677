package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

func skpTarget(id uuid.UUID) target[skp.Event] {
	return target[skp.Event]{stream: skp.Stream(id), decode: skp.Decode, id: id.String()}
}

// loadPlan loads SKP id as a fact, named by field when missing.
func (s *server) loadPlan(ctx context.Context, id uuid.UUID, field string) (skp.Plan, error) {
	h, err := loadFact(ctx, s, skp.Stream(id), skp.Decode, field, "SKP")
	if err != nil {
		return skp.Plan{}, err
	}
	return skp.Replay(h.Events).Plan(), nil
}

// loadEmployee loads employee n as a fact, named by field when missing.
func (s *server) loadEmployee(ctx context.Context, n domain.NIP, field string) (*org.Employee, error) {
	h, err := loadFact(ctx, s, org.EmployeeStream(n), org.Decode, field, "employee "+string(n))
	if err != nil {
		return nil, err
	}
	return org.ReplayEmployee(h.Events), nil
}

type draftSKPRequest struct {
	Approach    skp.Approach `json:"approach"`
	PeriodStart string       `json:"period_start"`
	PeriodEnd   string       `json:"period_end"`
}

// draftSKP opens the caller's own SKP for a period. The evaluator and the
// evaluator's superior come from the organisation: the caller's placement on
// the first day and their superior's.
func (s *server) draftSKP(w http.ResponseWriter, r *http.Request, c command, req draftSKPRequest) {
	start, errS := parseDate("period_start", req.PeriodStart, false)
	end, errE := parseDate("period_end", req.PeriodEnd, false)
	if err := errOr(errS, errE); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("skp")
	t := skpTarget(id)
	t.location = "/v1/skps/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		for attempt := 1; ; attempt++ {
			events, err := s.decideDraft(r.Context(), c, id, req.Approach, start, end)
			if !errors.Is(err, eventstore.ErrWrongExpectedRevision) || attempt == maxReserveAttempts {
				return events, err
			}
		}
	})
}

// maxReserveAttempts bounds how often a draft is decided again because the
// employee's period register moved on meanwhile.
const maxReserveAttempts = 4

// decideDraft decides the draft of SKP id and reserves its period in the
// caller's register (skp.PeriodReserved) at the revision the overlap rule
// was decided on: another draft reserved in between makes the append
// conflict (an error wrapping eventstore.ErrWrongExpectedRevision), and the
// draft is decided again with that one's period. The store appends one
// stream at a time, so the reservation goes first: if the Drafted then
// fails, the reservation stays and blocks its period until the same command
// is retried (the SKP id derives from the command) and drafts the SKP.
func (s *server) decideDraft(ctx context.Context, c command, id uuid.UUID, approach skp.Approach, start, end time.Time) ([]skp.Event, error) {
	cmd := skp.DraftCommand{ID: id, Employee: c.by, Approach: approach, Start: start, End: end}
	x, err := s.loadEmployee(ctx, c.by, "nip")
	if err != nil {
		return nil, err
	}
	p, placed := x.PlacementOn(start)
	if !placed {
		return nil, domain.Errorf(domain.Invalid, "you have no placement on %s; HR places you in a unit first", start.Format(time.DateOnly)).WithField("period_start").WithRule(skp.RuleNotActive)
	}
	cmd.Placement = skp.Placement{Active: x.ActiveOn(start) && x.ActiveOn(end), JPT: p.PositionType == org.JPT, DirectSuperior: p.DirectSuperior}
	if p.DirectSuperior != "" {
		sup, err := s.loadEmployee(ctx, p.DirectSuperior, "evaluator_nip")
		if err != nil {
			return nil, err
		}
		if sp, ok := sup.PlacementOn(start); ok {
			cmd.Placement.SuperiorOfSuperior = sp.DirectSuperior
		}
	}
	register, err := eventstore.Load(ctx, s.store, skp.PeriodsStream(c.by), skp.Decode)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", skp.PeriodsStream(c.by), err)
	}
	periods := skp.ReplayPeriods(register.Events)
	// SKPs drafted before the register existed are known only to the
	// read model or the log; the register knows every draft since.
	if cmd.OtherActive, err = s.openSKPs(ctx, c.by); err != nil {
		return nil, err
	}
	reserved, err := s.activeReservations(ctx, periods, id, start, end, cmd.OtherActive)
	if err != nil {
		return nil, err
	}
	cmd.OtherActive = append(cmd.OtherActive, reserved...)
	events, err := skp.Draft(c.by, cmd, c.at)
	if err != nil {
		return nil, err
	}
	reserve, err := periods.Reserve(id, start, end, c.at)
	if err != nil || len(reserve) == 0 {
		return events, err
	}
	data := make([]eventstore.EventData, len(reserve))
	md := c.cmd.Metadata
	md.CommandID = c.cmd.ID
	for i, e := range reserve {
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		data[i] = eventstore.EventData{ID: uuid.NewSHA1(c.cmd.ID, fmt.Appendf(nil, "%s/%d", skp.PeriodsStream(c.by), i)), Type: e.EventType(), Data: body, Metadata: md}
	}
	expected := eventstore.NoStream
	if register.Exists {
		expected = eventstore.Exact(register.Revision)
	}
	if _, err := s.store.Append(ctx, skp.PeriodsStream(c.by), expected, data...); err != nil {
		return nil, fmt.Errorf("reserve the period of SKP %s in %s: %w", id, skp.PeriodsStream(c.by), err)
	}
	return events, nil
}

// activeReservations returns the reservations in periods that overlap
// start–end, other than SKP id's own and those in known, whose SKP is still
// active: not closed. A reserved SKP not drafted yet counts as active: its
// draft may be committing right now.
func (s *server) activeReservations(ctx context.Context, periods *skp.Periods, id uuid.UUID, start, end time.Time, known []skp.Period) ([]skp.Period, error) {
	var out []skp.Period
	for _, r := range periods.Overlapping(start, end) {
		if r.SKP == id || slices.ContainsFunc(known, func(k skp.Period) bool { return k.SKP == r.SKP }) {
			continue
		}
		h, err := eventstore.Load(ctx, s.store, skp.Stream(r.SKP), skp.Decode)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", skp.Stream(r.SKP), err)
		}
		if h.Exists && skp.Replay(h.Events).Status() == skp.StatusClosed {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

type rhkRequest struct {
	RHKID  *uuid.UUID     `json:"rhk_id,omitempty"` // empty: derived from the command
	Type   skp.RHKKind    `json:"type"`
	Text   string         `json:"text"`
	Parent *skp.ParentRef `json:"parent,omitempty"` // the superior's RHK it intervenes; required below JPT
	Source *skp.Source    `json:"source,omitempty"` // required for a JPT
}

// addRHK adds an RHK to the caller's draft SKP; below JPT it must intervene
// an RHK of the superior's approved SKP, which is loaded as the fact.
func (s *server) addRHK(w http.ResponseWriter, r *http.Request, c command, req rhkRequest) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rhk := skp.RHK{ID: c.idOr(req.RHKID, "rhk"), Kind: req.Type, Text: req.Text, Parent: req.Parent, Source: req.Source}
	t := skpTarget(id)
	t.itemID = rhk.ID.String()
	execute(s, w, r, c, t, func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		superior, err := s.superiorPlan(r.Context(), req.Parent, "rhk.parent.skp_id")
		if err != nil {
			return nil, err
		}
		events, err := skp.Replay(h.Events).AddRHK(c.by, rhk, superior, c.at)
		return events, renameField(err, func(f string) string { return strings.TrimPrefix(f, "rhk.") })
	})
}

// superiorPlan loads the plan parent names, or nil when there is none.
func (s *server) superiorPlan(ctx context.Context, parent *skp.ParentRef, field string) (*skp.Plan, error) {
	if parent == nil || parent.SKP == uuid.Nil {
		return nil, nil
	}
	p, err := s.loadPlan(ctx, parent.SKP, field)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

type removalRequest struct {
	Reason string `json:"reason"`
}

// removeRHK removes an RHK (and its IKI) from the caller's draft SKP.
func (s *server) removeRHK(w http.ResponseWriter, r *http.Request, c command, req removalRequest) {
	id, err := pathUUID(r, "id")
	item, errI := pathUUID(r, "rhk_id")
	if err := errOr(err, errI); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, skpTarget(id), func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		return skp.Replay(h.Events).RemoveRHK(c.by, item, req.Reason, c.at)
	})
}

type ikiRequest struct {
	IKIID     *uuid.UUID          `json:"iki_id,omitempty"` // empty: derived from the command
	RHKID     uuid.UUID           `json:"rhk_id"`
	Text      string              `json:"text"`
	Aspect    indicator.Aspect    `json:"aspect"`
	Direction indicator.Direction `json:"direction,omitempty"`
	Target    indicator.Target    `json:"target"`
	Unit      string              `json:"unit,omitempty"`
	// IndicatorID names a catalogue indicator; IndicatorVersion 0 takes the
	// version valid on the first day of the SKP.
	IndicatorID      *uuid.UUID `json:"indicator_id,omitempty"`
	IndicatorVersion int        `json:"indicator_version,omitempty"`
}

func (req ikiRequest) iki(id uuid.UUID) skp.IKI {
	return skp.IKI{ID: id, RHK: req.RHKID, Text: req.Text, Aspect: req.Aspect, Direction: req.Direction, Target: req.Target,
		Unit: req.Unit, Indicator: req.IndicatorID, Version: req.IndicatorVersion}
}

// addIKI adds an indicator to an RHK of the caller's draft SKP. A catalogue
// indicator is loaded to check, or pick, its version.
func (s *server) addIKI(w http.ResponseWriter, r *http.Request, c command, req ikiRequest) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	iki := req.iki(c.idOr(req.IKIID, "iki"))
	t := skpTarget(id)
	t.itemID = iki.ID.String()
	execute(s, w, r, c, t, func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		x := skp.Replay(h.Events)
		if err := s.resolveIndicator(r.Context(), &iki, x.Plan().Start, "iki"); err != nil {
			return nil, renameField(err, func(f string) string { return strings.TrimPrefix(f, "iki.") })
		}
		events, err := x.AddIKI(c.by, iki, c.at)
		return events, renameField(err, func(f string) string { return strings.TrimPrefix(f, "iki.") })
	})
}

// resolveIndicator checks the catalogue indicator an IKI names, and picks
// the version valid on day when none is given.
func (s *server) resolveIndicator(ctx context.Context, iki *skp.IKI, day time.Time, field string) error {
	if iki.Indicator == nil {
		return nil
	}
	h, err := loadFact(ctx, s, indicator.Stream(*iki.Indicator), indicator.Decode, field+".indicator_id", "indicator in the catalogue")
	if err != nil {
		return err
	}
	x := indicator.Replay(h.Events)
	if iki.Version == 0 {
		v, err := x.VersionOn(day)
		if err != nil {
			return err
		}
		iki.Version = v.Number
		return nil
	}
	_, err = x.Version(iki.Version)
	return err
}

// removeIKI removes an IKI from the caller's draft SKP.
func (s *server) removeIKI(w http.ResponseWriter, r *http.Request, c command, req removalRequest) {
	id, err := pathUUID(r, "id")
	item, errI := pathUUID(r, "iki_id")
	if err := errOr(err, errI); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, skpTarget(id), func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		return skp.Replay(h.Events).RemoveIKI(c.by, item, req.Reason, c.at)
	})
}

type behaviourExpectationRequest struct {
	CoreValue   skp.CoreValue `json:"core_value"`
	Expectation string        `json:"expectation"`
}

// setBehaviourExpectation sets the evaluator's expectation for one
// BerAKHLAK value.
func (s *server) setBehaviourExpectation(w http.ResponseWriter, r *http.Request, c command, req behaviourExpectationRequest) {
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) {
		return x.SetBehaviourExpectation(c.by, req.CoreValue, req.Expectation, c.at)
	})
}

// onSKP runs decide on the SKP named by the path.
func (s *server) onSKP(w http.ResponseWriter, r *http.Request, c command, decide func(*skp.SKP) ([]skp.Event, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	execute(s, w, r, c, skpTarget(id), func(h eventstore.History[skp.Event]) ([]skp.Event, error) {
		return decide(skp.Replay(h.Events))
	})
}

// submitSKP submits the caller's draft SKP to the evaluator.
func (s *server) submitSKP(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.Submit(c.by, c.at) })
}

type approveRequest struct {
	SignatureRef string `json:"signature_ref,omitempty"`
}

// approveSKP approves a submitted SKP (its designated evaluator).
func (s *server) approveSKP(w http.ResponseWriter, r *http.Request, c command, req approveRequest) {
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.Approve(c.by, req.SignatureRef, c.at) })
}

type commentsRequest struct {
	Comments string `json:"comments"`
}

// returnSKP sends a submitted SKP back to draft (its designated evaluator).
func (s *server) returnSKP(w http.ResponseWriter, r *http.Request, c command, req commentsRequest) {
	c.cmd.Metadata.Reason = req.Comments
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.ReturnForRevision(c.by, req.Comments, c.at) })
}

type amendmentRequest struct {
	Reason        string       `json:"reason"`
	EffectiveFrom string       `json:"effective_from"`
	AddRHKs       []rhkRequest `json:"add_rhks,omitempty"`
	RemoveRHKs    []uuid.UUID  `json:"remove_rhks,omitempty"`
	AddIKIs       []ikiRequest `json:"add_ikis,omitempty"`
	RemoveIKIs    []uuid.UUID  `json:"remove_ikis,omitempty"`
}

// proposeAmendment proposes changes to the caller's approved SKP. New RHK
// intervene the superior's approved SKP named by their parent.
func (s *server) proposeAmendment(w http.ResponseWriter, r *http.Request, c command, req amendmentRequest) {
	from, err := parseDate("effective_from", req.EffectiveFrom, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) {
		var superior *skp.Plan
		for k, rhk := range req.AddRHKs {
			if rhk.Parent != nil {
				if superior, err = s.superiorPlan(r.Context(), rhk.Parent, fieldIndex("changes.add_rhks", k)+".parent.skp_id"); err != nil {
					return nil, err
				}
				break
			}
		}
		ch := skp.Amendment{RemoveRHKs: req.RemoveRHKs, RemoveIKIs: req.RemoveIKIs}
		for k, x := range req.AddRHKs {
			ch.AddRHKs = append(ch.AddRHKs, skp.RHK{ID: c.idOr(x.RHKID, "rhk/"+strconv.Itoa(k)), Kind: x.Type, Text: x.Text, Parent: x.Parent, Source: x.Source})
		}
		for k, x := range req.AddIKIs {
			ch.AddIKIs = append(ch.AddIKIs, x.iki(c.idOr(x.IKIID, "iki/"+strconv.Itoa(k))))
		}
		for k := range ch.AddIKIs {
			if err := s.resolveIndicator(r.Context(), &ch.AddIKIs[k], from, fieldIndex("changes.add_ikis", k)); err != nil {
				return nil, err
			}
		}
		return x.ProposeAmendment(c.by, req.Reason, from, ch, superior, c.at)
	})
}

func fieldIndex(field string, k int) string {
	return field + "[" + strconv.Itoa(k) + "]"
}

// approveAmendment applies the pending amendment (the designated evaluator).
func (s *server) approveAmendment(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.ApproveAmendment(c.by, c.at) })
}

// returnAmendment discards the pending amendment (the designated evaluator).
func (s *server) returnAmendment(w http.ResponseWriter, r *http.Request, c command, req commentsRequest) {
	c.cmd.Metadata.Reason = req.Comments
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.ReturnAmendment(c.by, req.Comments, c.at) })
}

type closeSKPRequest struct {
	Reason skp.CloseReason `json:"reason"`
}

// closeSKP ends an SKP (the designated evaluator).
func (s *server) closeSKP(w http.ResponseWriter, r *http.Request, c command, req closeSKPRequest) {
	c.cmd.Metadata.Reason = string(req.Reason)
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.Close(c.by, req.Reason, c.at) })
}

type dialogueRequest struct {
	Date     string `json:"date"`
	NotesRef string `json:"notes_ref"`
}

// holdDialogue records a performance dialogue between the employee and the
// evaluator; either of them records it.
func (s *server) holdDialogue(w http.ResponseWriter, r *http.Request, c command, req dialogueRequest) {
	d, err := parseDate("date", req.Date, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.onSKP(w, r, c, func(x *skp.SKP) ([]skp.Event, error) { return x.HoldDialogue(c.by, d, req.NotesRef, c.at) })
}

type planView struct {
	ID                uuid.UUID                `json:"skp_id"`
	Employee          domain.NIP               `json:"nip"`
	Evaluator         domain.NIP               `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP               `json:"evaluator_superior_nip"`
	JPT               bool                     `json:"jpt"`
	Status            skp.Status               `json:"status"`
	Start             time.Time                `json:"period_start"`
	End               time.Time                `json:"period_end"`
	Approved          bool                     `json:"approved"`
	RHKs              []skp.RHK                `json:"rhks"`
	IKIs              []skp.IKI                `json:"ikis"`
	Behaviour         map[skp.CoreValue]string `json:"behaviour_expectations"`
	Dialogues         int                      `json:"dialogues"`
}

// named reports whether the caller is a party to plan p: the employee, the
// evaluator or the evaluator's superior.
func named(c Caller, p skp.Plan) bool {
	return c.NIP == p.Employee || c.NIP == p.Evaluator || c.NIP == p.EvaluatorSuperior
}

// getSKP reads an SKP from its stream: its parties, HR, auditors and
// administrators may.
func (s *server) getSKP(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), skp.Stream(id), skp.Decode,
		func(c Caller, h eventstore.History[skp.Event]) error {
			if named(c, skp.Replay(h.Events).Plan()) {
				return nil
			}
			return forbidRead("SKP")
		},
		func(h eventstore.History[skp.Event]) any {
			x := skp.Replay(h.Events)
			p := x.Plan()
			return planView{ID: p.ID, Employee: p.Employee, Evaluator: p.Evaluator, EvaluatorSuperior: p.EvaluatorSuperior, JPT: p.JPT,
				Status: p.Status, Start: p.Start, End: p.End, Approved: p.Approved, RHKs: p.RHKs, IKIs: p.IKIs, Behaviour: x.Behaviour(), Dialogues: x.Dialogues()}
		})
}
