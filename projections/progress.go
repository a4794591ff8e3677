package projections

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

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

// monthRow is how the model keeps a [MonthProgress]: the same JSON
// document, with the minutes per RHK in a small sorted slice rather than a
// map, because the fold copies them on every entry (rows are immutable) and
// a month has a handful of RHK.
type monthRow struct {
	Employee domain.NIP    `json:"nip"`
	Month    string        `json:"month"`
	Entries  int           `json:"entries"`
	Minutes  int           `json:"minutes"`
	ByStatus StatusTallies `json:"by_status"`
	ByRHK    rhkMinutes    `json:"minutes_by_rhk"`
	Days     [31]int       `json:"minutes_by_day"`
	Position string        `json:"last_position"`
	// key is the row's key in the table once a fold has looked it up (see
	// DailyProgress.month), so that putting it back makes no new string.
	key string
}

func (r monthRow) progress() MonthProgress {
	return MonthProgress{Employee: r.Employee, Month: r.Month, Entries: r.Entries, Minutes: r.Minutes, ByStatus: r.ByStatus,
		ByRHK: r.ByRHK.asMap(), Days: r.Days, Position: r.Position}
}

// rhkMinutes is minutes per RHK id ("" for entries without one), sorted by
// id. It encodes to the same JSON as the map[string]int it stands for: an
// object in key order, or null when nil.
type rhkMinutes []rhkMinute

type rhkMinute struct {
	RHK     string
	Minutes int
}

// plus returns a copy of r with minutes added to rhk's.
func (r rhkMinutes) plus(rhk string, minutes int) rhkMinutes {
	i, found := slices.BinarySearchFunc(r, rhk, func(m rhkMinute, k string) int { return strings.Compare(m.RHK, k) })
	out := make(rhkMinutes, len(r), len(r)+1)
	copy(out, r)
	if found {
		out[i].Minutes += minutes
		return out
	}
	return slices.Insert(out, i, rhkMinute{RHK: rhk, Minutes: minutes})
}

func (r rhkMinutes) asMap() map[string]int {
	if r == nil {
		return nil
	}
	m := make(map[string]int, len(r))
	for _, e := range r {
		m[e.RHK] = e.Minutes
	}
	return m
}

// MarshalJSON encodes r as the map it stands for.
func (r rhkMinutes) MarshalJSON() ([]byte, error) { return json.Marshal(r.asMap()) }

// UnmarshalJSON decodes the map r stands for.
func (r *rhkMinutes) UnmarshalJSON(b []byte) error {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		*r = nil
		return nil
	}
	out := make(rhkMinutes, 0, len(m))
	for k, v := range m {
		out = append(out, rhkMinute{RHK: k, Minutes: v})
	}
	slices.SortFunc(out, func(a, b rhkMinute) int { return strings.Compare(a.RHK, b.RHK) })
	*r = out
	return nil
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
	months  *Map[monthRow]
	logs    *idMap[logEntry] // daily progress entry → its month and stage
	records *idMap[record]   // execution stream → record
	// monthText holds the text of each month seen, "2006-01", by year*12 +
	// month - 1: every entry logged names its month, and one string per
	// month spares formatting and allocating one per entry.
	monthText map[int]string
}

// NewDailyProgress returns an empty daily-progress read model.
func NewDailyProgress() *DailyProgress {
	m := NewModel()
	return &DailyProgress{
		model:     m,
		months:    NewMap[monthRow](m, "by_employee_month"),
		logs:      newIDMap[logEntry](m, "logs", ""),
		records:   newIDMap[record](m, "records", recordPrefix),
		monthText: map[int]string{},
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
	rec := ev
	switch e := e.(type) {
	case execution.Opened:
		id, _, err := rec.executionRecord(e)
		if err != nil {
			return err
		}
		d.records.Put(id, record{SKP: e.SKP, Employee: e.Employee, Evaluator: e.Evaluator})
	case execution.DailyProgressLogged:
		id, ok, err := rec.executionRecord(e)
		if !ok {
			return err // nil for an event on a stream no record is opened in
		}
		r, ok := d.records.Get(id)
		if !ok {
			return nil
		}
		entry := logEntry{Employee: r.Employee, Month: d.monthOf(e.Date), Status: execution.LogDraft, Minutes: e.Minutes}
		d.logs.Put(e.Log, entry)
		rhk := ""
		if e.RHK != nil {
			rhk = e.RHK.String()
		}
		key, m := d.month(entry)
		m.Entries++
		m.Minutes += e.Minutes
		m.ByRHK = m.ByRHK.plus(rhk, e.Minutes)
		m.Days[e.Date.Day()-1] += e.Minutes
		t := m.ByStatus.Of(execution.LogDraft)
		t.Entries++
		t.Minutes += e.Minutes
		m.Position = rec.positionText()
		d.months.Put(key, m)
	case execution.DailyProgressSubmitted:
		d.move(e.Log, execution.LogSubmitted, rec.positionText())
	case execution.DailyProgressApproved:
		d.move(e.Log, execution.LogApproved, rec.positionText())
	case execution.DailyProgressRejected:
		d.move(e.Log, execution.LogRejected, rec.positionText())
	}
	return nil
}

// move changes the stage of one log entry in its month's counts.
func (d *DailyProgress) move(id uuid.UUID, to execution.LogStatus, pos string) {
	entry, ok := d.logs.Get(id)
	if !ok || entry.Status == to {
		return
	}
	from := entry.Status
	entry.Status = to
	d.logs.Put(id, entry)
	key, m := d.month(entry)
	f, t := m.ByStatus.Of(from), m.ByStatus.Of(to)
	f.Entries, f.Minutes = f.Entries-1, f.Minutes-entry.Minutes
	t.Entries, t.Minutes = t.Entries+1, t.Minutes+entry.Minutes
	m.Position = pos
	d.months.Put(key, m)
}

// month returns the key and a copy of the row of entry's month, a new one
// if there is none yet, for the caller to change and Put. (A callback that
// changed the row through a pointer would move every copy to the heap.) It
// makes the key's string only for a row that has none yet.
func (d *DailyProgress) month(entry logEntry) (string, monthRow) {
	var buf [64]byte
	key := appendMonthKey(buf[:0], entry.Employee, entry.Month)
	m, ok := d.months.getBytes(key)
	if !ok {
		m = monthRow{Employee: entry.Employee, Month: entry.Month}
	}
	if m.key == "" { // a new row, or one loaded from a sink
		m.key = string(key)
	}
	return m.key, m
}

// monthOf returns the month of t as "2006-01" formats it.
func (d *DailyProgress) monthOf(t time.Time) string {
	y, m, _ := t.Date()
	n := y*12 + int(m) - 1
	text, ok := d.monthText[n]
	if !ok {
		text = t.Format("2006-01")
		d.monthText[n] = text
	}
	return text
}

// monthKey is the key of the row of nip's month.
func monthKey(nip domain.NIP, month string) string { return string(appendMonthKey(nil, nip, month)) }

func appendMonthKey(b []byte, nip domain.NIP, month string) []byte {
	return append(append(append(b, nip...), '/'), month...)
}

// Month returns the summary of the employee's daily progress in month
// ("2026-01"), whether there is any, and the position it reflects.
func (d *DailyProgress) Month(nip domain.NIP, month string) (m MonthProgress, ok bool, at eventstore.Position) {
	d.model.Read(func(pos eventstore.Position) {
		var row monthRow
		row, ok = d.months.Get(monthKey(nip, month))
		m, at = row.progress(), pos
	})
	return m, ok, at
}
