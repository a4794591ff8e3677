package year

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kinerja/kinerja/domain"
)

// Cadence is how often an instansi evaluates periodically within the year.
type Cadence string

// Cadences (PermenPANRB 6/2022: monthly, quarterly or semester, as the
// instansi decides).
const (
	Monthly   Cadence = "MONTHLY"
	Quarterly Cadence = "QUARTERLY"
	Semester  Cadence = "SEMESTER"
)

// Valid reports whether c is one of the three cadences.
func (c Cadence) Valid() bool {
	return c == Monthly || c == Quarterly || c == Semester
}

// months returns the number of months in one period of c.
func (c Cadence) months() int {
	switch c {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case Semester:
		return 6
	}
	return 0
}

// PeriodKind tells periodic periods from the annual one.
type PeriodKind string

// Period kinds.
const (
	Periodic PeriodKind = "PERIODIK"
	Annual   PeriodKind = "TAHUNAN"
)

// Period is one evaluation period, from Start to End inclusive (calendar
// dates at midnight UTC).
type Period struct {
	ID    string     `json:"period_id"` // e.g. "2025-Q1", "2025-M07", "2025-S2", "2025"
	Name  string     `json:"name"`      // e.g. "Triwulan I 2025"
	Kind  PeriodKind `json:"kind"`
	Start time.Time  `json:"start"`
	End   time.Time  `json:"end"`
}

// Contains reports whether the calendar date of day falls within p.
func (p Period) Contains(day time.Time) bool {
	d := date(day)
	return !d.Before(p.Start) && !d.After(p.End)
}

// Periods returns the periods of year y under cadence c: the periodic ones
// in order, then the annual period. An invalid cadence gives only the annual
// period.
func Periods(y int, c Cadence) []Period {
	var out []Period
	if n := c.months(); n > 0 {
		romans := []string{"I", "II", "III", "IV"}
		bulan := []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
		for i := 0; i < 12/n; i++ {
			start := time.Date(y, time.Month(1+i*n), 1, 0, 0, 0, 0, time.UTC)
			p := Period{Kind: Periodic, Start: start, End: start.AddDate(0, n, -1)}
			switch c {
			case Monthly:
				p.ID, p.Name = fmt.Sprintf("%d-M%02d", y, i+1), fmt.Sprintf("Bulan %s %d", bulan[i], y)
			case Quarterly:
				p.ID, p.Name = fmt.Sprintf("%d-Q%d", y, i+1), fmt.Sprintf("Triwulan %s %d", romans[i], y)
			case Semester:
				p.ID, p.Name = fmt.Sprintf("%d-S%d", y, i+1), fmt.Sprintf("Semester %s %d", romans[i], y)
			}
			out = append(out, p)
		}
	}
	return append(out, Period{ID: fmt.Sprint(y), Name: fmt.Sprintf("Tahunan %d", y), Kind: Annual,
		Start: time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC), End: time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC)})
}

// Rule identifiers of year rejections.
const (
	RuleOpenedOnce = "year-opened-once"
	RuleInstansi   = "year-instansi"
	RuleYear       = "year-number"
	RuleCadence    = "year-cadence"
	RuleActor      = "actor-nip"
	RuleNotEnded   = "year-ended"
	RuleClosed     = "year-closed"
)

// Stream returns the event-store stream of year y of the instansi with code
// instansi, e.g. "year-kab-gowa-2025".
func Stream(instansi string, y int) string { return fmt.Sprintf("year-%s-%d", instansi, y) }

// Year is one performance year of one instansi. The zero value is a year not
// yet opened.
type Year struct {
	instansi string
	year     int
	cadence  Cadence
	periods  []Period
	closed   bool
}

// Replay folds events, oldest first, into a new Year.
func Replay(events []Event) *Year {
	y := new(Year)
	for _, e := range events {
		y.Apply(e)
	}
	return y
}

// Apply changes the year to reflect e. It never fails: events are facts.
func (y *Year) Apply(e Event) {
	switch e := e.(type) {
	case Opened:
		y.instansi, y.year, y.cadence, y.periods = e.Instansi, e.Year, e.Cadence, slices.Clone(e.Periods)
	case Closed:
		y.closed = true
	}
}

// Opened reports whether the year has been opened.
func (y *Year) Opened() bool { return y.year != 0 }

// Closed reports whether the year has been closed.
func (y *Year) Closed() bool { return y.closed }

// Number returns the calendar year, or 0 before it is opened.
func (y *Year) Number() int { return y.year }

// Instansi returns the code of the instansi whose year this is.
func (y *Year) Instansi() string { return y.instansi }

// Cadence returns the periodic cadence.
func (y *Year) Cadence() Cadence { return y.cadence }

// Periods returns every period, periodic ones first, then the annual one.
func (y *Year) Periods() []Period { return slices.Clone(y.periods) }

// Period returns the period with the given id. An unknown id, or a year not
// opened, is an *Error of kind NotFound.
func (y *Year) Period(id string) (Period, error) {
	for _, p := range y.periods {
		if p.ID == id {
			return p, nil
		}
	}
	ids := make([]string, len(y.periods))
	for i, p := range y.periods {
		ids[i] = p.ID
	}
	return Period{}, domain.Errorf(domain.NotFound, "the performance year has no period %q; its periods are %s", id, strings.Join(ids, ", ")).WithField("period_id")
}

// PeriodOn returns the periodic period that contains the calendar date of
// day, and false if the day is outside the year or the year is not opened.
func (y *Year) PeriodOn(day time.Time) (Period, bool) {
	for _, p := range y.periods {
		if p.Kind == Periodic && p.Contains(day) {
			return p, true
		}
	}
	return Period{}, false
}

// Open opens performance year number of the instansi with code instansi
// (lower-case letters, digits and hyphens) under cadence, with the periods
// that follow from it. It is a Conflict if the year is already opened, and
// Invalid for a bad instansi code, a year before 2000 or after next year, an
// unknown cadence or an invalid actor.
func (y *Year) Open(instansi string, number int, cadence Cadence, by domain.NIP, at time.Time) ([]Event, error) {
	switch {
	case y.Opened():
		return nil, domain.Errorf(domain.Conflict, "performance year %d of %s is already open", y.year, y.instansi).WithRule(RuleOpenedOnce)
	case !validCode(instansi):
		return nil, domain.Errorf(domain.Invalid, "%q is not an instansi code; use lower-case letters, digits and hyphens, e.g. kab-gowa", instansi).WithField("instansi_id").WithRule(RuleInstansi)
	case number < 2000 || number > at.Year()+1:
		return nil, domain.Errorf(domain.Invalid, "a performance year runs from 2000 to next year (%d), not %d", at.Year()+1, number).WithField("year").WithRule(RuleYear)
	case !cadence.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a cadence; use MONTHLY, QUARTERLY or SEMESTER", cadence).WithField("periodic_cadence").WithRule(RuleCadence)
	case !by.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not the NIP of the officer opening the year", by).WithField("opened_by").WithRule(RuleActor)
	}
	return []Event{Opened{Instansi: instansi, Year: number, Cadence: cadence, Periods: Periods(number, cadence), OpenedBy: by, At: at}}, nil
}

// Close closes the year. It is NotFound for a year not opened, and Invalid
// for one already closed, before the year has ended (on the calendar date of
// at) or for an invalid actor.
func (y *Year) Close(by domain.NIP, at time.Time) ([]Event, error) {
	switch {
	case !y.Opened():
		return nil, domain.Errorf(domain.NotFound, "no such performance year; open it first").WithField("year")
	case y.closed:
		return nil, domain.Errorf(domain.Invalid, "performance year %d of %s is already closed", y.year, y.instansi).WithRule(RuleClosed)
	case date(at).Year() <= y.year:
		return nil, domain.Errorf(domain.Invalid, "performance year %d cannot close before it ends on 31 December", y.year).WithRule(RuleNotEnded)
	case !by.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not the NIP of the officer closing the year", by).WithField("closed_by").WithRule(RuleActor)
	}
	return []Event{Closed{ClosedBy: by, At: at}}, nil
}

func validCode(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// date returns the calendar date of t (in t's location) as midnight UTC.
func date(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
