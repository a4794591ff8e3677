package projections

import (
	"maps"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/eventstore"
)

// MonthProgress summarises an employee's daily progress log for one month:
// entries and minutes by stage, minutes per RHK and the days with an entry.
type MonthProgress struct {
	Employee domain.NIP     `json:"nip"`
	Month    string         `json:"month"` // "2026-01"
	Entries  int            `json:"entries"`
	Minutes  int            `json:"minutes"`
	ByStatus StatusTallies  `json:"by_status"`
	ByRHK    map[string]int `json:"minutes_by_rhk"` // RHK id, or "" for entries without one
	Days     [31]int        `json:"minutes_by_day"` // minutes on day 1 to 31 of the month
	Position string         `json:"last_position"`
}

// StatusTallies counts a month's entries by stage. Plain fields rather than
// a map: the fold copies the summary on every entry, and this copies cheaply.
type StatusTallies struct {
	Draft     Tally `json:"DRAFT"`
	Submitted Tally `json:"SUBMITTED"`
	Approved  Tally `json:"APPROVED"`
	Rejected  Tally `json:"REJECTED"`
}

// Of returns the tally of one stage.
func (s *StatusTallies) Of(st execution.LogStatus) *Tally {
	switch st {
	case execution.LogSubmitted:
		return &s.Submitted
	case execution.LogApproved:
		return &s.Approved
	case execution.LogRejected:
		return &s.Rejected
	}
	return &s.Draft
}

// Tally is a count of entries and their minutes.
type Tally struct {
	Entries int `json:"entries"`
	Minutes int `json:"minutes"`
}

type logEntry struct {
	Employee domain.NIP          `json:"nip"`
	Month    string              `json:"month"`
	Status   execution.LogStatus `json:"status"`
	Minutes  int                 `json:"minutes"`
}

type record struct {
	SKP       uuid.UUID  `json:"skp_id"`
	Employee  domain.NIP `json:"nip"`
	Evaluator domain.NIP `json:"evaluator_nip"`
}

// DailyProgress is the read model of daily-progress summaries per employee
// and month.
type DailyProgress struct {
	model   *Model
	months  *Map[MonthProgress]
	logs    *Map[logEntry]
	records *Map[record]
}

// NewDailyProgress returns an empty daily-progress read model.
func NewDailyProgress() *DailyProgress {
	m := NewModel()
	return &DailyProgress{
		model:   m,
		months:  NewMap[MonthProgress](m, "by_employee_month"),
		logs:    NewMap[logEntry](m, "logs"),
		records: NewMap[record](m, "records"),
	}
}

// Name implements Projection.
func (*DailyProgress) Name() string { return "daily_progress" }

// Version implements Projection.
func (*DailyProgress) Version() int { return 1 }

// Model implements Projection.
func (d *DailyProgress) Model() *Model { return d.model }

var progressTypes = map[string]bool{
	execution.Opened{}.EventType():                 true,
	execution.DailyProgressLogged{}.EventType():    true,
	execution.DailyProgressSubmitted{}.EventType(): true,
	execution.DailyProgressApproved{}.EventType():  true,
	execution.DailyProgressRejected{}.EventType():  true,
}

// Reads implements Projection.
func (d *DailyProgress) Reads(eventType string) bool { return progressTypes[eventType] }

// Apply implements Projection.
func (d *DailyProgress) Apply(ev *Event) error {
	e, err := ev.Body()
	if err != nil {
		return err
	}
	rec := &ev.RecordedEvent
	switch e := e.(type) {
	case execution.Opened:
		d.records.Put(rec.Stream, record{SKP: e.SKP, Employee: e.Employee, Evaluator: e.Evaluator})
	case execution.DailyProgressLogged:
		r, ok := d.records.Get(rec.Stream)
		if !ok {
			return nil
		}
		entry := logEntry{Employee: r.Employee, Month: e.Date.Format("2006-01"), Status: execution.LogDraft, Minutes: e.Minutes}
		d.logs.Put(e.Log.String(), entry)
		rhk := ""
		if e.RHK != nil {
			rhk = e.RHK.String()
		}
		d.change(entry, rec.Position, func(m *MonthProgress) {
			m.Entries++
			m.Minutes += e.Minutes
			m.ByRHK = with(m.ByRHK, rhk, m.ByRHK[rhk]+e.Minutes)
			m.Days[e.Date.Day()-1] += e.Minutes
			d := m.ByStatus.Of(execution.LogDraft)
			d.Entries++
			d.Minutes += e.Minutes
		})
	case execution.DailyProgressSubmitted:
		d.move(e.Log, execution.LogSubmitted, rec.Position)
	case execution.DailyProgressApproved:
		d.move(e.Log, execution.LogApproved, rec.Position)
	case execution.DailyProgressRejected:
		d.move(e.Log, execution.LogRejected, rec.Position)
	}
	return nil
}

// move changes the stage of one log entry in its month's counts.
func (d *DailyProgress) move(id uuid.UUID, to execution.LogStatus, pos eventstore.Position) {
	entry, ok := d.logs.Get(id.String())
	if !ok || entry.Status == to {
		return
	}
	from := entry.Status
	entry.Status = to
	d.logs.Put(id.String(), entry)
	d.change(entry, pos, func(m *MonthProgress) {
		f, t := m.ByStatus.Of(from), m.ByStatus.Of(to)
		f.Entries, f.Minutes = f.Entries-1, f.Minutes-entry.Minutes
		t.Entries, t.Minutes = t.Entries+1, t.Minutes+entry.Minutes
	})
}

func (d *DailyProgress) change(entry logEntry, pos eventstore.Position, fn func(*MonthProgress)) {
	key := monthKey(entry.Employee, entry.Month)
	m, ok := d.months.Get(key)
	if !ok {
		m = MonthProgress{Employee: entry.Employee, Month: entry.Month}
	}
	fn(&m)
	m.Position = pos.String()
	d.months.Put(key, m)
}

// with returns a copy of m with k set to v: rows are never changed in place.
func with[K comparable, V any](m map[K]V, k K, v V) map[K]V {
	c := make(map[K]V, len(m)+1)
	maps.Copy(c, m)
	c[k] = v
	return c
}

func monthKey(nip domain.NIP, month string) string { return string(nip) + "/" + month }

// Month returns the summary of the employee's daily progress in month
// ("2026-01"), whether there is any, and the position it reflects.
func (d *DailyProgress) Month(nip domain.NIP, month string) (m MonthProgress, ok bool, at eventstore.Position) {
	d.model.Read(func(pos eventstore.Position) {
		m, ok = d.months.Get(monthKey(nip, month))
		at = pos
	})
	return m, ok, at
}
