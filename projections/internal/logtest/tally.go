package logtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kinerja/kinerja/projections"
)

// Tally is a test projection: per stream, the number of "test.counted"
// events, the sum and the list of their N, so that a skipped or repeated
// event shows in its rows. A "test.deleted" event deletes the stream's row.
type Tally struct {
	model   *projections.Model
	Counts  *projections.Map[TallyRow]
	version int
}

// TallyRow is one row of a Tally.
type TallyRow struct {
	Events int   `json:"events"`
	Sum    int   `json:"sum"`
	Seen   []int `json:"seen"`
}

// NewTally returns an empty Tally that reports the given version.
func NewTally(version int) *Tally {
	m := projections.NewModel()
	return &Tally{model: m, Counts: projections.NewMap[TallyRow](m, "counts"), version: version}
}

// Name implements projections.Projection.
func (*Tally) Name() string { return "tally" }

// Version implements projections.Projection.
func (t *Tally) Version() int { return t.version }

// Model implements projections.Projection.
func (t *Tally) Model() *projections.Model { return t.model }

// Reads implements projections.Projection.
func (*Tally) Reads(eventType string) bool { return strings.HasPrefix(eventType, "test.") }

// Apply implements projections.Projection.
func (t *Tally) Apply(e *projections.Event) error {
	switch e.Type {
	case "test.deleted":
		t.Counts.Delete(e.Stream)
	case "test.counted":
		var body struct{ N int }
		if err := json.Unmarshal(e.Data, &body); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		row, _ := t.Counts.Get(e.Stream)
		row.Events++
		row.Sum += body.N
		row.Seen = append(row.Seen, body.N)
		t.Counts.Put(e.Stream, row)
	}
	return nil
}

// Counted is a "test.counted" event carrying n.
func Counted(n int) Event {
	return Event{Type: "test.counted", Data: map[string]int{"N": n}}
}

// Deleted is a "test.deleted" event.
func Deleted() Event { return Event{Type: "test.deleted", Data: struct{}{}} }
