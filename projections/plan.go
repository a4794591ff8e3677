package projections

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/skp"
)

// category returns the part of an event type before the dot: "skp" for
// "skp.drafted".
func category(eventType string) string {
	c, _, _ := strings.Cut(eventType, ".")
	return c
}

// streamID returns the id part of a stream name "category-id".
func streamID(stream string) (uuid.UUID, error) {
	_, id, ok := strings.Cut(stream, "-")
	if !ok {
		return uuid.Nil, fmt.Errorf("stream %q is not category-id", stream)
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("stream %q: %w", stream, err)
	}
	return u, nil
}

// Plan is an SKP as the read side shows it: its header, status, RHK and IKI
// (removed ones keep their ValidTo), behaviour expectations and a pending
// amendment.
type Plan struct {
	SKP               uuid.UUID                `json:"skp_id"`
	Employee          domain.NIP               `json:"nip"`
	Evaluator         domain.NIP               `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP               `json:"evaluator_superior_nip"`
	JPT               bool                     `json:"jpt"`
	Approach          skp.Approach             `json:"approach"`
	Start             time.Time                `json:"period_start"`
	End               time.Time                `json:"period_end"`
	Status            skp.Status               `json:"status"`
	RHKs              []skp.RHK                `json:"rhks"`
	IKIs              []skp.IKI                `json:"ikis"`
	Behaviour         map[skp.CoreValue]string `json:"behaviour,omitempty"`
	Pending           *skp.AmendmentProposed   `json:"pending_amendment,omitempty"`
	ApprovedBy        domain.NIP               `json:"approved_by,omitempty"`
	Position          string                   `json:"last_position"` // the last event that touched the plan
	History           []StatusChange           `json:"history"`
}

// StatusChange is one step of an SKP's workflow.
type StatusChange struct {
	Status   skp.Status `json:"status"`
	By       string     `json:"by"`
	At       time.Time  `json:"at"`
	Comments string     `json:"comments,omitempty"`
	Position string     `json:"position"`
}

// Year returns the calendar year of the plan's period.
func (p Plan) Year() int { return p.Start.Year() }

// TargetChange is a change to the target of one IKI that a plan event made:
// Before is nil when the IKI was added, After nil when it was removed or
// ended (by an amendment, from EffectiveFrom).
type TargetChange struct {
	IKI           skp.IKI
	Before, After *skp.IKI
	Reason        string
	EffectiveFrom time.Time
}

// foldPlan returns the plan after e, and the target changes e made. It never
// modifies p's slices or maps in place (rows are immutable, see Map).
func foldPlan(p Plan, rec *Event, e skp.Event) (Plan, []TargetChange) {
	var changes []TargetChange
	step := func(s skp.Status, by domain.NIP, at time.Time, comments string) {
		p.Status = s
		p.History = append(p.History, StatusChange{Status: s, By: string(by), At: at, Comments: comments, Position: rec.positionText()})
	}
	switch e := e.(type) {
	case skp.Drafted:
		p = Plan{SKP: e.SKP, Employee: e.Employee, Evaluator: e.Evaluator, EvaluatorSuperior: e.EvaluatorSuperior,
			JPT: e.JPT, Approach: e.Approach, Start: e.Start, End: e.End}
		step(skp.StatusDraft, e.Employee, e.At, "")
	case skp.RHKAdded:
		p.RHKs = append(p.RHKs, e.RHK)
	case skp.RHKRemoved:
		p.RHKs = slices.DeleteFunc(slices.Clone(p.RHKs), func(r skp.RHK) bool { return r.ID == e.RHK })
		for _, i := range p.IKIs {
			if i.RHK == e.RHK {
				changes = append(changes, TargetChange{IKI: i, Before: ptr(i), Reason: e.Reason})
			}
		}
		p.IKIs = slices.DeleteFunc(slices.Clone(p.IKIs), func(i skp.IKI) bool { return i.RHK == e.RHK })
	case skp.IKIAdded:
		p.IKIs = append(p.IKIs, e.IKI)
		changes = append(changes, TargetChange{IKI: e.IKI, After: ptr(e.IKI)})
	case skp.IKIRemoved:
		for _, i := range p.IKIs {
			if i.ID == e.IKI {
				changes = append(changes, TargetChange{IKI: i, Before: ptr(i), Reason: e.Reason})
			}
		}
		p.IKIs = slices.DeleteFunc(slices.Clone(p.IKIs), func(i skp.IKI) bool { return i.ID == e.IKI })
	case skp.BehaviourExpectationSet:
		b := make(map[skp.CoreValue]string, len(p.Behaviour)+1)
		for k, v := range p.Behaviour {
			b[k] = v
		}
		b[e.Value] = e.Expectation
		p.Behaviour = b
	case skp.Submitted:
		step(skp.StatusSubmitted, e.By, e.At, "")
	case skp.ReturnedForRevision:
		step(skp.StatusDraft, e.By, e.At, e.Comments)
	case skp.Approved:
		p.ApprovedBy = e.By
		step(skp.StatusApproved, e.By, e.At, "")
	case skp.AmendmentProposed:
		a := e
		p.Pending = &a
		step(skp.StatusAmendmentProposed, e.By, e.At, e.Reason)
	case skp.AmendmentApproved:
		if p.Pending != nil {
			p, changes = amend(p, *p.Pending)
		}
		p.Pending = nil
		step(skp.StatusApproved, e.By, e.At, "")
	case skp.AmendmentReturned:
		p.Pending = nil
		step(skp.StatusApproved, e.By, e.At, e.Comments)
	case skp.Closed:
		p.Pending = nil
		step(skp.StatusClosed, e.By, e.At, string(e.Reason))
	}
	p.Position = rec.positionText()
	return p, changes
}

// amend applies an approved amendment the way skp.SKP does: removed RHK and
// IKI end at the effective date, added ones join the plan. It copies the RHK
// or the IKI only when it ends one of them (copy on write; appending leaves
// what readers hold intact), and the copy has room for what is added.
func amend(p Plan, a skp.AmendmentProposed) (Plan, []TargetChange) {
	var changes []TargetChange
	from := a.EffectiveFrom
	rhks, ikis := p.RHKs, p.IKIs
	ownRHKs, ownIKIs := false, false
	// Every RHK and IKI the amendment ends shares one end date (a ValidTo
	// is never changed once set).
	var end *time.Time
	ended := func() *time.Time {
		if end == nil {
			end = ptr(from)
		}
		return end
	}
	endIKI := func(i int) {
		if ikis[i].ValidTo != nil {
			return
		}
		if !ownIKIs {
			ikis, ownIKIs = cloneGrow(ikis, len(a.Changes.AddIKIs)), true
		}
		before := ikis[i]
		ikis[i].ValidTo = ended()
		changes = append(changes, TargetChange{IKI: before, Before: ptr(before), Reason: a.Reason, EffectiveFrom: from})
	}
	for _, id := range a.Changes.RemoveRHKs {
		for i := range rhks {
			if rhks[i].ID == id && rhks[i].ValidTo == nil {
				if !ownRHKs {
					rhks, ownRHKs = cloneGrow(rhks, len(a.Changes.AddRHKs)), true
				}
				rhks[i].ValidTo = ended()
			}
		}
		for i := range ikis {
			if ikis[i].RHK == id {
				endIKI(i)
			}
		}
	}
	for _, id := range a.Changes.RemoveIKIs {
		for i := range ikis {
			if ikis[i].ID == id {
				endIKI(i)
			}
		}
	}
	rhks = append(rhks, a.Changes.AddRHKs...)
	for _, i := range a.Changes.AddIKIs {
		ikis = append(ikis, i)
		changes = append(changes, TargetChange{IKI: i, After: ptr(i), Reason: a.Reason, EffectiveFrom: from})
	}
	p.RHKs, p.IKIs = rhks, ikis
	return p, changes
}

// cloneGrow returns a copy of s with room for extra more elements, nil for a
// nil s when extra is 0 (as slices.Clone does: a nil list encodes as null).
func cloneGrow[T any](s []T, extra int) []T {
	if s == nil && extra == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)+extra), s...)
}

func ptr[T any](v T) *T { return &v }
