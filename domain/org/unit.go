package org

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Rule identifiers of unit rejections.
const (
	RuleUnitDefinedOnce = "unit-defined-once"
	RuleUnitName        = "unit-name"
	RuleUnitParent      = "unit-parent"
	RuleUnitChange      = "unit-restructure-changes"
	RuleUnitDate        = "unit-effective-from"
	RuleReason          = "reason"
	RuleHead            = "unit-head"
	RuleUnitDissolved   = "unit-dissolved"
)

// UnitStream returns the event-store stream of unit id.
func UnitStream(id uuid.UUID) string { return "unit-" + id.String() }

// Shape is a unit's name and parent from EffectiveFrom on.
type Shape struct {
	Name          string
	Parent        uuid.UUID // uuid.Nil for the instansi itself
	EffectiveFrom time.Time
}

// Head is a unit's head from EffectiveFrom until the next appointment.
type Head struct {
	NIP           domain.NIP
	EffectiveFrom time.Time
}

// Unit is one organisational unit (unit kerja): its shape and its heads over
// time. The zero value is a unit not yet defined.
type Unit struct {
	id        uuid.UUID
	shapes    []Shape
	heads     []Head
	dissolved bool
	lastDay   time.Time
}

// ReplayUnit folds events, oldest first, into a new Unit.
func ReplayUnit(events []Event) *Unit {
	u := new(Unit)
	for _, e := range events {
		u.Apply(e)
	}
	return u
}

// Apply changes the unit to reflect e. It never fails: events are facts, and
// events of employees are ignored.
func (u *Unit) Apply(e Event) {
	switch e := e.(type) {
	case UnitDefined:
		u.id = e.Unit
		u.shapes = []Shape{{Name: e.Name, Parent: e.Parent, EffectiveFrom: e.EffectiveFrom}}
	case UnitRestructured:
		u.shapes = append(u.shapes, Shape{Name: e.Name, Parent: e.Parent, EffectiveFrom: e.EffectiveFrom})
	case HeadAppointed:
		u.heads = append(u.heads, Head{NIP: e.Head, EffectiveFrom: e.EffectiveFrom})
	case UnitDissolved:
		u.dissolved, u.lastDay = true, e.LastDay
	}
}

// ID returns the unit's id, or uuid.Nil before it is defined.
func (u *Unit) ID() uuid.UUID { return u.id }

// Defined reports whether the unit has been defined.
func (u *Unit) Defined() bool { return len(u.shapes) > 0 }

// Dissolved reports whether the unit is dissolved, and its last day.
func (u *Unit) Dissolved() (lastDay time.Time, ok bool) { return u.lastDay, u.dissolved }

// ExistsOn reports whether the unit exists on the calendar date of day.
func (u *Unit) ExistsOn(day time.Time) bool {
	_, ok := u.ShapeOn(day)
	return ok
}

// ShapeOn returns the unit's name and parent on the calendar date of day,
// and false before the unit exists or after it is dissolved.
func (u *Unit) ShapeOn(day time.Time) (Shape, bool) {
	d := date(day)
	if u.dissolved && d.After(u.lastDay) {
		return Shape{}, false
	}
	for i := len(u.shapes) - 1; i >= 0; i-- {
		if !u.shapes[i].EffectiveFrom.After(d) {
			return u.shapes[i], true
		}
	}
	return Shape{}, false
}

// HeadOn returns the unit's head on the calendar date of day, and false when
// nobody has been appointed by then or the unit no longer exists.
func (u *Unit) HeadOn(day time.Time) (domain.NIP, bool) {
	d := date(day)
	if u.dissolved && d.After(u.lastDay) {
		return "", false
	}
	for i := len(u.heads) - 1; i >= 0; i-- {
		if !u.heads[i].EffectiveFrom.After(d) {
			return u.heads[i].NIP, true
		}
	}
	return "", false
}

// Heads returns every appointment of a head, oldest first.
func (u *Unit) Heads() []Head { return slices.Clone(u.heads) }

// Define defines unit id with a name under parent (uuid.Nil for the
// instansi itself) from the calendar date of effectiveFrom. It is a Conflict
// if the unit is already defined, and Invalid for a missing id, name or
// date, a unit that is its own parent, or an invalid actor.
func (u *Unit) Define(id uuid.UUID, name string, parent uuid.UUID, effectiveFrom time.Time, by domain.NIP, at time.Time) ([]Event, error) {
	switch {
	case u.Defined():
		return nil, domain.Errorf(domain.Conflict, "unit %q is already defined; restructure it instead", u.shapes[0].Name).WithField("unit_id").WithRule(RuleUnitDefinedOnce)
	case id == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the unit needs an id").WithField("unit_id").WithRule(RuleUnitDefinedOnce)
	case strings.TrimSpace(name) == "":
		return nil, domain.Errorf(domain.Invalid, "the unit needs a name").WithField("name").WithRule(RuleUnitName)
	case parent == id:
		return nil, domain.Errorf(domain.Invalid, "a unit cannot be its own parent").WithField("parent_unit_id").WithRule(RuleUnitParent)
	case effectiveFrom.IsZero():
		return nil, domain.Errorf(domain.Invalid, "give the date from which the unit exists").WithField("effective_from").WithRule(RuleUnitDate)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{UnitDefined{Unit: id, Name: name, Parent: parent, EffectiveFrom: date(effectiveFrom), By: by, At: at}}, nil
}

// Restructure renames the unit or moves it under parent from the calendar
// date of effectiveFrom, for the reason given. It is NotFound for a unit not
// defined, and Invalid for a missing name or reason, a unit that would be
// its own parent, a change that changes nothing, a date not after the
// latest shape's, or an invalid actor.
func (u *Unit) Restructure(name string, parent uuid.UUID, effectiveFrom time.Time, reason string, by domain.NIP, at time.Time) ([]Event, error) {
	if !u.Defined() {
		return nil, unitNotDefined()
	}
	latest := u.shapes[len(u.shapes)-1]
	d := date(effectiveFrom)
	switch {
	case u.dissolved:
		return nil, dissolvedError(u)
	case strings.TrimSpace(name) == "":
		return nil, domain.Errorf(domain.Invalid, "the unit needs a name").WithField("name").WithRule(RuleUnitName)
	case parent == u.id:
		return nil, domain.Errorf(domain.Invalid, "a unit cannot be its own parent").WithField("parent_unit_id").WithRule(RuleUnitParent)
	case name == latest.Name && parent == latest.Parent:
		return nil, domain.Errorf(domain.Invalid, "the restructuring changes neither the name nor the parent of unit %q", latest.Name).WithRule(RuleUnitChange)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "a restructuring needs a reason").WithField("reason").WithRule(RuleReason)
	case effectiveFrom.IsZero() || !d.After(latest.EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "the unit's latest structure is effective from %s; a restructuring must start later", latest.EffectiveFrom.Format(time.DateOnly)).WithField("effective_from").WithRule(RuleUnitDate)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{UnitRestructured{Unit: u.id, Name: name, Parent: parent, EffectiveFrom: d, Reason: reason, By: by, At: at}}, nil
}

// AppointHead makes head the unit's head from the calendar date of
// effectiveFrom, under decision (SK) decisionRef. It is NotFound for a unit
// not defined, and Invalid for an invalid head NIP, the current head again,
// a date before the unit exists or not after the latest appointment, a
// missing SK or an invalid actor.
func (u *Unit) AppointHead(head domain.NIP, effectiveFrom time.Time, decisionRef string, by domain.NIP, at time.Time) ([]Event, error) {
	if !u.Defined() {
		return nil, unitNotDefined()
	}
	d := date(effectiveFrom)
	switch {
	case u.dissolved:
		return nil, dissolvedError(u)
	case !head.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a valid NIP for the unit's head", head).WithField("head_nip").WithRule(RuleHead)
	case len(u.heads) > 0 && u.heads[len(u.heads)-1].NIP == head:
		return nil, domain.Errorf(domain.Invalid, "%s is already the head of unit %q", head, u.shapes[0].Name).WithField("head_nip").WithRule(RuleHead)
	case effectiveFrom.IsZero() || d.Before(u.shapes[0].EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "unit %q exists from %s; its head cannot be appointed before", u.shapes[0].Name, u.shapes[0].EffectiveFrom.Format(time.DateOnly)).WithField("effective_from").WithRule(RuleUnitDate)
	case len(u.heads) > 0 && !d.After(u.heads[len(u.heads)-1].EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "the latest head was appointed from %s; a new head must start later", u.heads[len(u.heads)-1].EffectiveFrom.Format(time.DateOnly)).WithField("effective_from").WithRule(RuleUnitDate)
	case strings.TrimSpace(decisionRef) == "":
		return nil, domain.Errorf(domain.Invalid, "give the SK that appoints the head").WithField("decision_ref").WithRule(RuleDecisionRef)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{HeadAppointed{Unit: u.id, Head: head, EffectiveFrom: d, DecisionRef: decisionRef, By: by, At: at}}, nil
}

// Dissolve ends the unit after the calendar date of lastDay, for the reason
// given. It is NotFound for a unit not defined, and Invalid for one already
// dissolved, a missing reason, a last day before the latest structure or
// head appointment (history stays as it was), or an invalid actor.
func (u *Unit) Dissolve(lastDay time.Time, reason string, by domain.NIP, at time.Time) ([]Event, error) {
	if !u.Defined() {
		return nil, unitNotDefined()
	}
	d := date(lastDay)
	latest := u.shapes[len(u.shapes)-1].EffectiveFrom
	if len(u.heads) > 0 && u.heads[len(u.heads)-1].EffectiveFrom.After(latest) {
		latest = u.heads[len(u.heads)-1].EffectiveFrom
	}
	switch {
	case u.dissolved:
		return nil, dissolvedError(u)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "dissolving a unit needs a reason").WithField("reason").WithRule(RuleReason)
	case lastDay.IsZero() || d.Before(latest):
		return nil, domain.Errorf(domain.Invalid, "the unit's latest change is effective from %s; its last day cannot be earlier", latest.Format(time.DateOnly)).WithField("last_day").WithRule(RuleUnitDate)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{UnitDissolved{Unit: u.id, LastDay: d, Reason: reason, By: by, At: at}}, nil
}

func dissolvedError(u *Unit) *domain.Error {
	return domain.Errorf(domain.Invalid, "unit %q was dissolved after %s", u.shapes[len(u.shapes)-1].Name, u.lastDay.Format(time.DateOnly)).WithRule(RuleUnitDissolved)
}

func unitNotDefined() *domain.Error {
	return domain.Errorf(domain.NotFound, "no such unit; define the unit first").WithField("unit_id")
}
