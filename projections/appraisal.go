package projections

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// Appraisal is one SKP as the employee, the evaluator and payroll see it:
// the plan with its RHK and IKI and their targets, every realisation
// reported, the achievement per IKI and period (with the indicator version
// used), and the last event position that touched it.
type Appraisal struct {
	Plan         Plan          `json:"plan"`
	Realisations []Realisation `json:"realisations"`
	Achievements []Achievement `json:"achievements"`
	Evaluations  []uuid.UUID   `json:"evaluation_ids,omitempty"`  // in the order they were opened
	Bases        []Basis       `json:"rederived_bases,omitempty"` // set by published replays
	Position     string        `json:"last_position"`
}

// EvaluationAppraisal is one evaluation with the appraisal of its SKP and
// the achievements of the realisations that fall in its period.
type EvaluationAppraisal struct {
	Evaluation   EvaluationView `json:"evaluation"`
	Appraisal    Appraisal      `json:"skp"`
	Achievements []Achievement  `json:"period_achievements"`
}

// YearAppraisal is one SKP of an employee's year with its evaluations.
type YearAppraisal struct {
	Appraisal   Appraisal        `json:"skp"`
	Evaluations []EvaluationView `json:"evaluations"`
}

// Basis is what a published replay set to measure one IKI in one period
// instead of the plan's direction and target (execution.AchievementRederived).
type Basis struct {
	IKI       uuid.UUID           `json:"iki_id"`
	Period    string              `json:"period_id"`
	Indicator uuid.UUID           `json:"indicator_id"`
	Direction indicator.Direction `json:"direction"`
	Formula   indicator.Formula   `json:"formula"`
	Target    indicator.Target    `json:"target"`
	Replay    replay.Ref          `json:"replay"`
	Position  string              `json:"position"`
}

// Realisation is one reported realisation. A correction names the one it
// supersedes, which stays listed; the latest report for an IKI and period is
// the current one.
type Realisation struct {
	ID         uuid.UUID           `json:"realisation_id"`
	IKI        uuid.UUID           `json:"iki_id"`
	RHK        uuid.UUID           `json:"rhk_id"`
	Period     execution.PeriodRef `json:"period"`
	Value      float64             `json:"value"`
	Narrative  string              `json:"narrative"`
	Evidence   []string            `json:"evidence_refs,omitempty"`
	Indicator  *uuid.UUID          `json:"indicator_id,omitempty"`
	Version    int                 `json:"indicator_version,omitempty"`
	Supersedes *uuid.UUID          `json:"supersedes,omitempty"`
	Reason     string              `json:"reason,omitempty"`
	By         domain.NIP          `json:"by"`
	At         time.Time           `json:"at"`
	Position   string              `json:"position"`
}

// Achievement is the achievement (capaian) of one IKI in one period from its
// current realisation (the latest reported), in percent of the target. Problem says why it could
// not be computed (then Percent is zero).
type Achievement struct {
	IKI         uuid.UUID        `json:"iki_id"`
	Period      string           `json:"period_id"`
	PeriodStart time.Time        `json:"period_start"`
	PeriodEnd   time.Time        `json:"period_end"`
	Target      indicator.Target `json:"target"`
	// Direction and Formula measure the realisation: the plan's direction
	// and its default formula, or what a published replay set.
	Direction   indicator.Direction `json:"direction,omitempty"`
	Formula     indicator.Formula   `json:"formula,omitempty"`
	Unit        string              `json:"unit"`
	Realised    float64             `json:"realised"`
	Percent     float64             `json:"percent"`
	Problem     string              `json:"problem,omitempty"`
	Indicator   *uuid.UUID          `json:"indicator_id,omitempty"`
	Version     int                 `json:"indicator_version,omitempty"`
	Realisation uuid.UUID           `json:"realisation_id"`
	Rederived   *replay.Ref         `json:"rederived_by,omitempty"` // the published replay whose basis measures it
}

// appraisalRow is how the model keeps an [Appraisal]: the same JSON
// document, with pointers to the realisations and the achievements, so that
// reporting a realisation grows a list of pointers, and setting the
// achievement of one copies a plan's worth of pointers, rather than of
// realisations and achievements. Neither is ever changed once added.
type appraisalRow struct {
	Plan         Plan           `json:"plan"`
	Realisations []*Realisation `json:"realisations"`
	Achievements []*Achievement `json:"achievements"`
	Evaluations  []uuid.UUID    `json:"evaluation_ids,omitempty"`
	Bases        []Basis        `json:"rederived_bases,omitempty"`
	Position     string         `json:"last_position"`
}

// appraisal returns the row as an Appraisal, with its own copy of the
// realisations and the achievements.
func (r appraisalRow) appraisal() Appraisal {
	return Appraisal{Plan: r.Plan, Realisations: derefs(r.Realisations), Achievements: derefs(r.Achievements),
		Evaluations: r.Evaluations, Bases: r.Bases, Position: r.Position}
}

// inPeriod returns copies of the achievements of the realisations that fall
// in p, nil when there are none.
func (r appraisalRow) inPeriod(p evaluation.Period) []Achievement {
	var out []Achievement
	for _, ach := range r.Achievements {
		if !ach.PeriodStart.Before(p.Start) && !ach.PeriodEnd.After(p.End) {
			out = append(out, *ach)
		}
	}
	return out
}

// derefs returns copies of the values ps points at, nil for a nil ps.
func derefs[T any](ps []*T) []T {
	if ps == nil {
		return nil
	}
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// Appraisals is the appraisal read model: per SKP, and an index of the SKPs
// of each employee and year.
type Appraisals struct {
	model   *Model
	bySKP   *idMap[appraisalRow]
	byEval  *idMap[EvaluationView]
	records *idMap[uuid.UUID] // execution stream → SKP
	years   *Map[[]uuid.UUID] // "nip/year" → SKPs, in drafting order
	// revisions are the indicator revisions of published replays, per
	// indicator, in publication order: they measure realisations reported
	// later, too.
	revisions *Map[[]PublishedRevision]
}

// PublishedRevision is an indicator revision HR published with a replay.
type PublishedRevision struct {
	Revision replay.IndicatorRevision `json:"revision"`
	Replay   replay.Ref               `json:"replay"`
}

// NewAppraisals returns an empty appraisal read model.
func NewAppraisals() *Appraisals {
	m := NewModel()
	return &Appraisals{
		model:   m,
		bySKP:   newIDMap[appraisalRow](m, "by_skp", ""),
		byEval:  newIDMap[EvaluationView](m, "by_evaluation", ""),
		records: newIDMap[uuid.UUID](m, "records", recordPrefix),
		years:   NewMap[[]uuid.UUID](m, "by_employee_year"),

		revisions: NewMap[[]PublishedRevision](m, "published_revisions"),
	}
}

// Name implements Projection.
func (*Appraisals) Name() string { return "appraisal" }

// Version implements Projection.
func (*Appraisals) Version() int { return 2 }

// Model implements Projection.
func (a *Appraisals) Model() *Model { return a.model }

var appraisalExecutionTypes = map[string]bool{
	execution.Opened{}.EventType():               true,
	execution.RealisationReported{}.EventType():  true,
	execution.AchievementRederived{}.EventType(): true,
}

// evaluationTypes are the events of one employee's evaluation.
var evaluationTypes = map[string]bool{
	evaluation.Opened{}.EventType():              true,
	evaluation.SelfAssessed{}.EventType():        true,
	evaluation.WorkResultRated{}.EventType():     true,
	evaluation.BehaviourRated{}.EventType():      true,
	evaluation.PredicateDetermined{}.EventType(): true,
	evaluation.Finalized{}.EventType():           true,
	evaluation.Delivered{}.EventType():           true,
	evaluation.ObjectionFiled{}.EventType():      true,
	evaluation.ObjectionDecided{}.EventType():    true,
	evaluation.Locked{}.EventType():              true,
	evaluation.RatingRecommended{}.EventType():   true,
	evaluation.PredicateRederived{}.EventType():  true,
}

// Reads implements Projection.
func (a *Appraisals) Reads(eventType string) bool {
	return category(eventType) == "skp" || appraisalExecutionTypes[eventType] || evaluationTypes[eventType] ||
		eventType == (replay.Published{}).EventType()
}

// Apply implements Projection.
func (a *Appraisals) Apply(ev *Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	rec := ev
	switch category(ev.Type) {
	case "skp":
		e := body.(skp.Event)
		id, err := rec.streamID()
		if err != nil {
			return err
		}
		ap, existed := a.bySKP.Get(id)
		var changes []TargetChange
		ap.Plan, changes = foldPlan(ap.Plan, rec, e)
		ap.Position = rec.positionText()
		if len(changes) > 0 {
			ap.Achievements = achievements(ap.Plan, ap.Realisations, a.measure(ap.Bases), ap.Achievements)
		}
		a.bySKP.Put(id, ap)
		if !existed {
			key := yearKey(ap.Plan.Employee, ap.Plan.Year())
			ids, _ := a.years.Get(key)
			a.years.Put(key, append(ids, id))
		}
	case "execution":
		e := body.(execution.Event)
		return a.applyExecution(rec, e)
	case "evaluation":
		return a.applyEvaluation(rec, body.(evaluation.Event))
	case "replay":
		if p, ok := body.(replay.Published); ok {
			a.applyPublished(rec, p)
		}
	}
	return nil
}

// applyPublished records the indicator revisions of a published replay and
// measures again every achievement of the indicators it revises.
func (a *Appraisals) applyPublished(rec *Event, p replay.Published) {
	revised := map[uuid.UUID]bool{}
	for _, r := range p.Inputs.Indicators {
		if r.Indicator == uuid.Nil {
			continue // a publication names each indicator by id
		}
		list, _ := a.revisions.Get(r.Indicator.String())
		a.revisions.Put(r.Indicator.String(), append(list, PublishedRevision{Revision: r, Replay: replay.Ref{ID: p.Replay, Digest: p.Digest}}))
		revised[r.Indicator] = true
	}
	if len(revised) == 0 {
		return
	}
	for _, key := range a.bySKP.Keys() {
		ap, _ := a.bySKP.Get(key)
		if !slices.ContainsFunc(ap.Achievements, func(x *Achievement) bool { return x.Indicator != nil && revised[*x.Indicator] }) {
			continue
		}
		ap.Achievements = achievements(ap.Plan, ap.Realisations, a.measure(ap.Bases), ap.Achievements)
		ap.Position = rec.positionText()
		a.bySKP.Put(key, ap)
	}
}

// measure returns what measures the realisations of an SKP whose
// published bases are bases (see measures.basis).
func (a *Appraisals) measure(bases []Basis) measures {
	return measures{bases: bases, revisions: a.revisions}
}

// measures says what measures a realisation other than the plan.
type measures struct {
	bases     []Basis                   // the SKP's, set by published replays
	revisions *Map[[]PublishedRevision] // per indicator, in publication order
}

// basis returns what measures realisation r of iki: the basis a replay set
// for its IKI and period, else the latest published revision of its
// indicator valid from the start of its period, applied to the plan; ok is
// false when neither applies.
func (m measures) basis(iki skp.IKI, r *Realisation, indicatorID *uuid.UUID) (b replay.Basis, by *replay.Ref, ok bool) {
	if i := slices.IndexFunc(m.bases, func(b Basis) bool { return b.IKI == iki.ID && b.Period == r.Period.ID }); i >= 0 {
		x := m.bases[i]
		return replay.Basis{Direction: x.Direction, Formula: x.Formula, Target: x.Target}, &x.Replay, true
	}
	if indicatorID == nil || m.revisions.Len() == 0 {
		return replay.Basis{}, nil, false
	}
	list, _ := m.revisions.Get(indicatorID.String())
	for i := len(list) - 1; i >= 0; i-- {
		if pr := list[i]; !r.Period.Start.Before(indicator.Date(pr.Revision.ValidFrom)) {
			planned := replay.Basis{Direction: iki.Direction, Formula: indicator.DefaultFormula(iki.Direction), Target: iki.Target}
			return pr.Revision.Apply(planned), &pr.Replay, true
		}
	}
	return replay.Basis{}, nil, false
}

func (a *Appraisals) applyEvaluation(rec *Event, e evaluation.Event) error {
	id, err := rec.streamID()
	if err != nil {
		return err
	}
	v, _ := a.byEval.Get(id)
	v, _ = foldEvaluation(v, rec, e)
	a.byEval.Put(id, v)
	if _, opened := e.(evaluation.Opened); opened {
		if ap, ok := a.bySKP.Get(v.SKP); ok {
			ap.Evaluations = append(ap.Evaluations, id)
			ap.Position = rec.positionText()
			a.bySKP.Put(v.SKP, ap)
		}
	}
	return nil
}

func yearKey(nip domain.NIP, year int) string { return string(nip) + "/" + strconv.Itoa(year) }

func (a *Appraisals) applyExecution(rec *Event, e execution.Event) error {
	record, ok, err := rec.executionRecord(e)
	if !ok {
		return err // nil for an event on a stream no record is opened in
	}
	switch e := e.(type) {
	case execution.Opened:
		a.records.Put(record, e.SKP)
	case execution.RealisationReported:
		id, ok := a.records.Get(record)
		if !ok {
			return nil // a record that was never opened has no appraisal
		}
		ap, ok := a.bySKP.Get(id)
		if !ok {
			return nil
		}
		ap.Realisations = report(ap.Realisations, e, rec.positionText())
		ap.Achievements = reachieve(ap.Plan, ap.Achievements, ap.Realisations[len(ap.Realisations)-1], a.measure(ap.Bases))
		ap.Position = rec.positionText()
		a.bySKP.Put(id, ap)
	case execution.AchievementRederived:
		id, ok := a.records.Get(record)
		if !ok {
			return nil
		}
		ap, ok := a.bySKP.Get(id)
		if !ok {
			return nil
		}
		b := Basis{IKI: e.IKI, Period: e.Period, Indicator: e.Indicator, Direction: e.Direction, Formula: e.Formula, Target: e.Target,
			Replay: e.Replay, Position: rec.positionText()}
		bases, _ := withoutFunc(ap.Bases, func(o Basis) bool { return o.IKI == b.IKI && o.Period == b.Period })
		ap.Bases = append(bases, b)
		ap.Achievements = achievements(ap.Plan, ap.Realisations, a.measure(ap.Bases), ap.Achievements)
		ap.Position = rec.positionText()
		a.bySKP.Put(id, ap)
	}
	return nil
}

// report returns rs with e added. Appending leaves what readers hold intact.
func report(rs []*Realisation, e execution.RealisationReported, pos string) []*Realisation {
	return append(rs, &Realisation{
		ID: e.Realisation, IKI: e.IKI, RHK: e.RHK, Period: e.Period, Value: e.Value, Narrative: e.Narrative,
		Evidence: e.Evidence, Indicator: e.Indicator, Version: e.Version, Supersedes: e.Supersedes, Reason: e.Reason,
		By: e.By, At: e.At, Position: pos,
	})
}

// reachieve returns achievements with the one of r's IKI and period set
// from r, the latest report for them, keeping plan order, then period order.
func reachieve(p Plan, prev []*Achievement, r *Realisation, measure measures) []*Achievement {
	iki, ok := findIKI(p.IKIs, r.IKI)
	if !ok {
		return prev // a realisation of an IKI the plan does not have shows no achievement
	}
	ach := new(Achievement)
	*ach = achievementOf(iki, r, measure)
	// The plan has a handful of IKI: a linear search beats building an index
	// on every report.
	order := func(id uuid.UUID) int {
		for i := len(p.IKIs) - 1; i >= 0; i-- { // the last index, as the map this replaces kept
			if p.IKIs[i].ID == id {
				return i
			}
		}
		return 0
	}
	at := order(ach.IKI)
	// Achievements come grouped by IKI: look each group's order up once.
	lastIKI, lastOrder := ach.IKI, at
	goesBefore := func(b *Achievement) bool { // whether ach goes before b
		if b.IKI != lastIKI {
			lastIKI, lastOrder = b.IKI, order(b.IKI)
		}
		if lastOrder != at {
			return at < lastOrder
		}
		return periodBefore(ach.PeriodStart, ach.Period, b.PeriodStart, b.Period)
	}
	out := make([]*Achievement, 0, len(prev)+1)
	placed := false
	for _, a := range prev {
		if a.IKI == ach.IKI && a.Period == ach.Period {
			continue
		}
		if !placed && goesBefore(a) {
			out, placed = append(out, ach), true
		}
		out = append(out, a)
	}
	if !placed {
		out = append(out, ach)
	}
	return out
}

func periodBefore(aStart time.Time, aID string, bStart time.Time, bID string) bool {
	if !aStart.Equal(bStart) {
		return aStart.Before(bStart)
	}
	return aID < bID
}

// achievements computes the achievement of every IKI and period from its
// latest realisation (a correction is always the latest), in plan order, then
// period order. An achievement of prev equal to the one computed is kept
// rather than allocated again: most of a plan's are unchanged by a change to
// one IKI.
func achievements(p Plan, rs []*Realisation, measure measures, prev []*Achievement) []*Achievement {
	if len(rs) == 0 {
		return nil
	}
	// One pass groups the current realisations (as indexes into rs) by IKI,
	// in the order their periods first appear; the plan order then picks the
	// groups.
	current := make(map[uuid.UUID][]int, len(p.IKIs))
	for i, r := range rs {
		group := current[r.IKI]
		if j := slices.IndexFunc(group, func(c int) bool { return rs[c].Period.ID == r.Period.ID }); j >= 0 {
			group[j] = i
		} else {
			current[r.IKI] = append(group, i)
		}
	}
	n := 0
	for _, iki := range p.IKIs {
		n += len(current[iki.ID])
	}
	if n == 0 {
		return nil
	}
	var block []Achievement // one allocation for the new ones
	out := make([]*Achievement, 0, n)
	next := 0 // prev comes in the same order: search it from where the last match was
	for _, iki := range p.IKIs {
		group := current[iki.ID]
		slices.SortStableFunc(group, func(i, j int) int {
			a, b := rs[i].Period, rs[j].Period
			switch {
			case periodBefore(a.Start, a.ID, b.Start, b.ID):
				return -1
			case periodBefore(b.Start, b.ID, a.Start, a.ID):
				return 1
			}
			return 0
		})
		for _, i := range group {
			ach := achievementOf(iki, rs[i], measure)
			if j := slices.IndexFunc(prev[next:], func(o *Achievement) bool { return o.IKI == ach.IKI && o.Period == ach.Period }); j >= 0 {
				next += j + 1
				if old := prev[next-1]; sameAchievement(old, &ach) {
					out = append(out, old)
					continue
				}
			}
			if block == nil {
				block = make([]Achievement, 0, n-len(out))
			}
			block = append(block, ach)
			out = append(out, &block[len(block)-1])
		}
	}
	return out
}

// sameAchievement reports whether a and b hold the same achievement, field
// by field and through their pointers: whether they encode to the same JSON.
func sameAchievement(a, b *Achievement) bool {
	x, y := *a, *b
	if !samePointee(x.Indicator, y.Indicator) || !samePointee(x.Rederived, y.Rederived) {
		return false
	}
	if math.Float64bits(x.Percent) != math.Float64bits(y.Percent) || math.Float64bits(x.Realised) != math.Float64bits(y.Realised) {
		return false // 0 and -0 are equal, and encode differently
	}
	x.Indicator, y.Indicator, x.Rederived, y.Rederived = nil, nil, nil, nil
	return x == y
}

func samePointee[T comparable](a, b *T) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// achievementOf computes the achievement of realisation r against iki's
// target, or on the basis a published replay set for its IKI and period. A
// realisation that names its indicator version keeps it.
func achievementOf(iki skp.IKI, r *Realisation, measure measures) Achievement {
	ach := Achievement{IKI: iki.ID, Period: r.Period.ID, PeriodStart: r.Period.Start, PeriodEnd: r.Period.End, Target: iki.Target,
		Direction: iki.Direction, Unit: iki.Unit, Realised: r.Value, Indicator: iki.Indicator, Version: iki.Version, Realisation: r.ID}
	if r.Indicator != nil {
		ach.Indicator, ach.Version = r.Indicator, r.Version
	}
	if iki.Direction.Valid() {
		ach.Formula = indicator.DefaultFormula(iki.Direction)
	}
	pct, err := 0.0, error(nil)
	if b, by, ok := measure.basis(iki, r, ach.Indicator); ok {
		ach.Target, ach.Direction, ach.Formula, ach.Rederived = b.Target, b.Direction, b.Formula, by
		pct, err = indicator.Compute(b.Formula, b.Target, r.Value)
	} else {
		pct, err = indicator.Achievement(iki.Direction, iki.Target, r.Value)
	}
	if err != nil {
		ach.Problem = err.Error()
	} else {
		ach.Percent = pct
	}
	return ach
}

// Get returns the appraisal of SKP id, whether there is one, and the
// position the read model reflects.
func (a *Appraisals) Get(id uuid.UUID) (ap Appraisal, ok bool, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		var row appraisalRow
		row, ok = a.bySKP.Get(id)
		ap, at = row.appraisal(), pos
	})
	return ap, ok, at
}

// ForEmployeeYear returns the appraisals of the employee's SKPs of one year
// (more than one after a change of position or superior), in drafting order,
// each with its evaluations.
func (a *Appraisals) ForEmployeeYear(nip domain.NIP, year int) (aps []YearAppraisal, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		ids, _ := a.years.Get(yearKey(nip, year))
		for _, id := range ids {
			row, ok := a.bySKP.Get(id)
			if !ok {
				continue
			}
			y := YearAppraisal{Appraisal: row.appraisal()}
			for _, e := range row.Evaluations {
				if v, ok := a.byEval.Get(e); ok {
					y.Evaluations = append(y.Evaluations, v)
				}
			}
			aps = append(aps, y)
		}
		at = pos
	})
	return aps, at
}

// Evaluation returns evaluation id with the appraisal of its SKP and the
// achievements of its period, whether it exists, and the position the read
// model reflects.
func (a *Appraisals) Evaluation(id uuid.UUID) (ea EvaluationAppraisal, ok bool, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		at = pos
		if ea.Evaluation, ok = a.byEval.Get(id); !ok {
			return
		}
		row, _ := a.bySKP.Get(ea.Evaluation.SKP)
		ea.Appraisal, ea.Achievements = row.appraisal(), row.inPeriod(ea.Evaluation.Period)
	})
	return ea, ok, at
}
