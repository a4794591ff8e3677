package whatif

import (
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/projections"
)

// EventRef names one event of the log that explains a change.
type EventRef struct {
	ID       uuid.UUID `json:"event_id"`
	Type     string    `json:"type"`
	Position string    `json:"position"`
}

// decisions are the events of one evaluation a report cites: the last
// rating of work results by the evaluator, the last determination of the
// predicate, and the last objection decision.
type decisions struct {
	WorkResult *EventRef `json:"work_result,omitempty"`
	Predicate  *EventRef `json:"predicate,omitempty"`
	Objection  *EventRef `json:"objection,omitempty"`
}

// explain is a projection of its own that indexes the events a report
// cites: each realisation's report, and each evaluation's decisions.
type explain struct {
	model        *projections.Model
	realisations *projections.Map[EventRef]  // realisation id → its report
	evaluations  *projections.Map[decisions] // evaluation stream → its decisions
}

func newExplain() *explain {
	m := projections.NewModel()
	return &explain{
		model:        m,
		realisations: projections.NewMap[EventRef](m, "realisations"),
		evaluations:  projections.NewMap[decisions](m, "evaluations"),
	}
}

func (*explain) Name() string                { return "whatif_explain" }
func (*explain) Version() int                { return 1 }
func (x *explain) Model() *projections.Model { return x.model }

var explainTypes = map[string]bool{
	execution.RealisationReported{}.EventType():  true,
	evaluation.WorkResultRated{}.EventType():     true,
	evaluation.PredicateDetermined{}.EventType(): true,
	evaluation.PredicateRederived{}.EventType():  true,
	evaluation.ObjectionDecided{}.EventType():    true,
}

func (*explain) Reads(eventType string) bool { return explainTypes[eventType] }

func (x *explain) Apply(e *projections.Event) error {
	body, err := e.Body()
	if err != nil {
		return err
	}
	ref := EventRef{ID: e.ID, Type: e.Type, Position: e.Position.String()}
	if r, ok := body.(execution.RealisationReported); ok {
		x.realisations.Put(r.Realisation.String(), ref)
		return nil
	}
	d, _ := x.evaluations.Get(e.Stream)
	switch body.(type) {
	case evaluation.WorkResultRated:
		d.WorkResult = &ref
	case evaluation.PredicateDetermined, evaluation.PredicateRederived:
		d.Predicate = &ref
	case evaluation.ObjectionDecided:
		d.Objection = &ref
	}
	x.evaluations.Put(e.Stream, d)
	return nil
}
