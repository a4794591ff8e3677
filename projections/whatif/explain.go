package whatif

import (
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/org"
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
// cites (each realisation's report, and each evaluation's decisions) and
// what a scope needs: the unit tree, where each employee is placed, and the
// year of each unit's assessment.
type explain struct {
	model        *projections.Model
	realisations *projections.Map[EventRef]  // realisation id → its report
	evaluations  *projections.Map[decisions] // evaluation stream → its decisions
	parents      *projections.Map[uuid.UUID] // unit → its parent (uuid.Nil for an instansi)
	placements   *projections.Map[uuid.UUID] // NIP → the unit of the latest placement
	curveYears   *projections.Map[int]       // "unit/period" → the year its period starts in
}

func newExplain() *explain {
	m := projections.NewModel()
	return &explain{
		model:        m,
		realisations: projections.NewMap[EventRef](m, "realisations"),
		evaluations:  projections.NewMap[decisions](m, "evaluations"),
		parents:      projections.NewMap[uuid.UUID](m, "parents"),
		placements:   projections.NewMap[uuid.UUID](m, "placements"),
		curveYears:   projections.NewMap[int](m, "curve_years"),
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
	evaluation.OrgPredicateSet{}.EventType():     true,
	org.UnitDefined{}.EventType():                true,
	org.UnitRestructured{}.EventType():           true,
	org.PlacementChanged{}.EventType():           true,
}

func (*explain) Reads(eventType string) bool { return explainTypes[eventType] }

func (x *explain) Apply(e *projections.Event) error {
	body, err := e.Body()
	if err != nil {
		return err
	}
	ref := EventRef{ID: e.ID, Type: e.Type, Position: e.Position.String()}
	switch b := body.(type) {
	case execution.RealisationReported:
		x.realisations.Put(b.Realisation.String(), ref)
		return nil
	case org.UnitDefined:
		x.parents.Put(b.Unit.String(), b.Parent)
		return nil
	case org.UnitRestructured:
		x.parents.Put(b.Unit.String(), b.Parent)
		return nil
	case org.PlacementChanged:
		x.placements.Put(string(b.NIP), b.Placement.Unit)
		return nil
	case evaluation.OrgPredicateSet:
		x.curveYears.Put(b.Unit.String()+"/"+b.Period.ID, b.Period.Start.Year())
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

// within reports whether unit is scope or lies below it in the unit tree
// as replayed. Call it inside model.Read.
func (x *explain) within(unit, scope uuid.UUID) bool {
	for seen := 0; unit != uuid.Nil && seen < 64; seen++ { // 64: a tree deeper than any instansi, and a guard against a cycle
		if unit == scope {
			return true
		}
		unit, _ = x.parents.Get(unit.String())
	}
	return false
}
