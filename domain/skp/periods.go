package skp

import (
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// typePeriodReserved is the stored type of PeriodReserved. Its category is
// not "skp": the register is not an SKP, and readers of SKP streams must not
// take it for one.
const typePeriodReserved = "skpperiods.reserved"

// PeriodsStream returns the event stream of employee n's period register.
func PeriodsStream(n domain.NIP) string { return "skpperiods-" + string(n) }

// PeriodReserved records that an SKP of the employee claims its period. It
// is appended to the employee's register before the SKP's Drafted, at the
// register's revision the draft was decided on, so that two drafts decided
// at once cannot both pass the overlap rule (§8.5): the second append
// conflicts, and that draft is decided again with the first one's period.
type PeriodReserved struct {
	SKP   uuid.UUID `json:"skp_id"`
	Start time.Time `json:"period_start"`
	End   time.Time `json:"period_end"`
	At    time.Time `json:"at"`
}

// EventType implements Event.
func (PeriodReserved) EventType() string { return typePeriodReserved }

// Periods is one employee's register of the periods their SKPs claim,
// rebuilt from events. A reservation stays: whether its SKP is still active
// is the SKP's own state, which the application layer reads.
type Periods struct {
	reserved []Period
}

// ReplayPeriods folds events, oldest first, into a register.
func ReplayPeriods(events []Event) *Periods {
	p := &Periods{}
	for _, e := range events {
		p.Apply(e)
	}
	return p
}

// Apply changes the register to reflect e. It never fails: events are facts.
func (p *Periods) Apply(e Event) {
	if e, ok := e.(PeriodReserved); ok {
		p.reserved = append(p.reserved, Period{SKP: e.SKP, Start: e.Start, End: e.End})
	}
}

// Overlapping returns the reservations whose period overlaps start–end,
// oldest first.
func (p *Periods) Overlapping(start, end time.Time) []Period {
	var out []Period
	for _, r := range p.reserved {
		if !start.After(r.End) && !r.Start.After(end) {
			out = append(out, r)
		}
	}
	return out
}

// Reserve claims the period of a drafted SKP. Decide the draft with [Draft]
// first, counting the register's overlapping reservations whose SKP is
// still active among cmd.OtherActive. A reservation already held by the
// SKP decides nothing (a retried draft). Errors: Invalid for a missing SKP
// id or a period that ends before it starts.
func (p *Periods) Reserve(id uuid.UUID, start, end, at time.Time) ([]Event, error) {
	switch {
	case id == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the SKP needs an id").WithField("skp_id").WithRule(RuleRequired)
	case start.IsZero() || end.Before(start):
		return nil, domain.Errorf(domain.Invalid, "the SKP period needs a start and an end on or after it").WithField("period_end").WithRule(RulePeriod)
	}
	for _, r := range p.reserved {
		if r.SKP == id {
			return nil, nil
		}
	}
	return []Event{PeriodReserved{SKP: id, Start: start, End: end, At: at}}, nil
}
