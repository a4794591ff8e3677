package projections

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// AuditEntry is one change that affects a score or a target: what it was
// before and after, who did it, when and why, under which indicator and
// policy version, and the event behind it, so that an auditor can go from
// any number on a screen to the event that set it.
type AuditEntry struct {
	Change     string     `json:"change"`  // e.g. "target_set", "target_removed", "target_ended"
	Subject    string     `json:"subject"` // what changed, e.g. "iki:<id>"
	Employee   domain.NIP `json:"nip"`
	SKP        uuid.UUID  `json:"skp_id,omitzero"`
	Evaluation uuid.UUID  `json:"evaluation_id,omitzero"`
	Before     *Value     `json:"before,omitempty"`
	After      *Value     `json:"after,omitempty"`

	Actor         string     `json:"actor_nip"`
	Role          string     `json:"actor_role"`
	At            time.Time  `json:"at"`                       // when it was recorded
	EffectiveFrom *time.Time `json:"effective_from,omitempty"` // for amendments
	Reason        string     `json:"reason,omitempty"`

	Indicator        *uuid.UUID `json:"indicator_id,omitempty"`
	IndicatorVersion int        `json:"indicator_version,omitempty"`
	Policy           string     `json:"policy_version,omitempty"`

	EventID   uuid.UUID `json:"event_id"`
	EventType string    `json:"event_type"`
	Stream    string    `json:"stream"`
	Revision  uint64    `json:"stream_revision"`
	Position  string    `json:"position"`
}

// Value is a number on a screen: an IKI target, a realisation, a rating or a
// predicate. Only the fields that apply are set.
type Value struct {
	Text      string              `json:"text,omitempty"` // the IKI's wording
	Aspect    indicator.Aspect    `json:"aspect,omitempty"`
	Direction indicator.Direction `json:"direction,omitempty"`
	Target    *indicator.Target   `json:"target,omitempty"`
	Unit      string              `json:"unit,omitempty"`
	Realised  *float64            `json:"realised,omitempty"`
	Rating    string              `json:"rating,omitempty"`
	Predicate string              `json:"predicate,omitempty"`
	Formula   indicator.Formula   `json:"formula,omitempty"`
	Percent   *float64            `json:"achievement_percent,omitempty"`
	Problem   string              `json:"achievement_problem,omitempty"`
}

func targetValue(i *skp.IKI) *Value {
	if i == nil {
		return nil
	}
	t := i.Target
	return &Value{Text: i.Text, Aspect: i.Aspect, Direction: i.Direction, Target: &t, Unit: i.Unit}
}

// Audit is the audit trail: per SKP and per employee, every change that
// affects a score or a target, in log order.
type Audit struct {
	model *Model
	plans *idMap[Plan]
	evals *idMap[EvaluationView]
	// The trails hold pointers: an entry is built once and shared by the
	// trails it belongs to, and a growing trail copies pointers, not
	// entries. Entries are never changed once added, and a trail encodes
	// to the same JSON as a slice of entries.
	byEval     *idMap[[]*AuditEntry]
	records    *idMap[uuid.UUID] // execution stream → SKP
	realised   *idMap[float64]   // realisation → value, for the before of a correction
	rederived  *Map[Value]       // "skp/iki/period" → the basis a published replay set last
	bySKP      *idMap[[]*AuditEntry]
	byEmployee *Map[[]*AuditEntry]
}

// NewAudit returns an empty audit trail.
func NewAudit() *Audit {
	m := NewModel()
	return &Audit{
		model:      m,
		plans:      newIDMap[Plan](m, "plans", ""),
		evals:      newIDMap[EvaluationView](m, "evaluations", ""),
		byEval:     newIDMap[[]*AuditEntry](m, "by_evaluation", ""),
		records:    newIDMap[uuid.UUID](m, "records", recordPrefix),
		realised:   newIDMap[float64](m, "realised", ""),
		rederived:  NewMap[Value](m, "rederived"),
		bySKP:      newIDMap[[]*AuditEntry](m, "by_skp", ""),
		byEmployee: NewMap[[]*AuditEntry](m, "by_employee"),
	}
}

// Name implements Projection.
func (*Audit) Name() string { return "audit" }

// Version implements Projection.
func (*Audit) Version() int { return 1 }

// Model implements Projection.
func (a *Audit) Model() *Model { return a.model }

var auditSKPTypes = map[string]bool{
	skp.Drafted{}.EventType():           true,
	skp.RHKRemoved{}.EventType():        true,
	skp.IKIAdded{}.EventType():          true,
	skp.IKIRemoved{}.EventType():        true,
	skp.AmendmentProposed{}.EventType(): true,
	skp.AmendmentApproved{}.EventType(): true,
	skp.AmendmentReturned{}.EventType(): true,
}

// Reads implements Projection: the audit trail reads the events that set or
// end a target or a score, and what it needs to say whose they are.
func (a *Audit) Reads(eventType string) bool {
	return auditSKPTypes[eventType] || appraisalExecutionTypes[eventType] || evaluationTypes[eventType]
}

// Apply implements Projection.
func (a *Audit) Apply(ev *Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	switch category(ev.Type) {
	case "skp":
		e := body.(skp.Event)
		return a.applySKP(ev, e)
	case "execution":
		e := body.(execution.Event)
		return a.applyExecution(ev, e)
	case "evaluation":
		return a.applyEvaluation(ev, body.(evaluation.Event))
	}
	return nil
}

func (a *Audit) applyEvaluation(rec *Event, e evaluation.Event) error {
	id, err := rec.streamID()
	if err != nil {
		return err
	}
	key := id
	v, _ := a.evals.Get(key)
	v, changes := foldEvaluation(v, rec, e)
	a.evals.Put(key, v)
	for _, c := range changes {
		entry := entryOf(rec)
		entry.Employee, entry.SKP, entry.Evaluation = v.Employee, v.SKP, v.Evaluation
		entry.Change, entry.Subject = c.Subject+"_changed", c.Subject
		if c.Before == "" {
			entry.Change = c.Subject + "_set"
		}
		before, after := &Value{}, &Value{}
		if c.Subject == "predicate" {
			before.Predicate, after.Predicate = c.Before, c.After
		} else {
			before.Rating, after.Rating = c.Before, c.After
		}
		if c.Before != "" {
			entry.Before = before
		}
		entry.After = after
		entry.Policy = v.Policy
		if c.Subject == "predicate" && v.MatrixVersion != "" {
			entry.Policy = v.MatrixVersion
		}
		if d, ok := e.(evaluation.ObjectionDecided); ok && entry.Reason == "" {
			entry.Reason = "keberatan " + d.Objection.String() + ": " + d.Reason
		}
		if entry.Reason == "" {
			switch e := e.(type) {
			case evaluation.WorkResultRated:
				entry.Reason = e.Rationale
			case evaluation.BehaviourRated:
				entry.Reason = e.Notes
			}
		}
		list, _ := a.byEval.Get(key)
		a.byEval.Put(key, append(list, &entry))
		a.add(v.SKP, string(v.Employee), &entry)
	}
	if r, ok := e.(evaluation.RatingRecommended); ok {
		entry := entryOf(rec)
		entry.Employee, entry.SKP, entry.Evaluation = v.Employee, v.SKP, v.Evaluation
		entry.Change, entry.Subject, entry.Policy = "rating_recommended", "work_result_rating", r.Policy
		entry.Before, entry.After = &Value{Rating: string(r.Decided)}, &Value{Rating: string(r.Recommended), Percent: r.MeanAchievement}
		list, _ := a.byEval.Get(key)
		a.byEval.Put(key, append(list, &entry))
		a.add(v.SKP, string(v.Employee), &entry)
	}
	return nil
}

func (a *Audit) applyExecution(rec *Event, e execution.Event) error {
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
			return nil
		}
		key := id
		plan, _ := a.plans.Get(key)
		// Every realisation reported adds an entry: build it, its after
		// value and what that points at in one allocation.
		r := &reportedEntry{entry: entryOf(rec), realised: e.Value}
		entry := &r.entry
		entry.Employee, entry.SKP = plan.Employee, id
		entry.Change = "realisation_reported"
		entry.Subject = ikiSubject(e.IKI, e.Period.ID)
		r.after = Value{Realised: &r.realised, Text: e.Narrative}
		entry.After = &r.after
		entry.Indicator, entry.IndicatorVersion = e.Indicator, e.Version
		if i := indexIKI(plan.IKIs, e.IKI); i >= 0 {
			iki := &plan.IKIs[i]
			r.target = iki.Target
			r.after.Target, r.after.Unit, r.after.Direction, r.after.Aspect = &r.target, iki.Unit, iki.Direction, iki.Aspect
			if entry.Indicator == nil {
				entry.Indicator, entry.IndicatorVersion = iki.Indicator, iki.Version
			}
		}
		if e.Supersedes != nil {
			entry.Change = "realisation_corrected"
			if prev, ok := a.realised.Get(*e.Supersedes); ok {
				entry.Before = &Value{Realised: ptr(prev)}
			}
		}
		if entry.Reason == "" {
			entry.Reason = e.Reason
		}
		a.realised.Put(e.Realisation, e.Value)
		a.add(key, string(plan.Employee), entry)
	case execution.AchievementRederived:
		id, ok := a.records.Get(record)
		if !ok {
			return nil
		}
		key := id
		plan, _ := a.plans.Get(key)
		realised, _ := a.realised.Get(e.Realisation)
		entry := entryOf(rec)
		entry.Employee, entry.SKP = plan.Employee, id
		entry.Change = "achievement_rederived"
		entry.Subject = ikiSubject(e.IKI, e.Period)
		entry.Indicator = ptr(e.Indicator)
		basisKey := key.String() + "/" + e.IKI.String() + "/" + e.Period
		before, had := a.rederived.Get(basisKey)
		if !had {
			if i, ok := findIKI(plan.IKIs, e.IKI); ok {
				before = Value{Direction: i.Direction, Target: ptr(i.Target), Unit: i.Unit}
				if pct, err := indicator.Achievement(i.Direction, i.Target, realised); err != nil {
					before.Problem = err.Error()
				} else {
					before.Percent = ptr(pct)
				}
			}
		}
		before.Realised = ptr(realised)
		after := Value{Direction: e.Direction, Formula: e.Formula, Target: ptr(e.Target), Unit: before.Unit, Realised: ptr(realised), Problem: e.Problem}
		if e.Problem == "" {
			after.Percent = ptr(e.Percent)
		}
		entry.Before, entry.After = &before, &after
		a.rederived.Put(basisKey, after)
		a.add(key, string(plan.Employee), &entry)
	}
	return nil
}

// ikiSubject returns the subject of an entry about IKI iki in one period,
// "iki:<id>/period:<period>", built in one allocation: every realisation
// reported makes one.
func ikiSubject(iki uuid.UUID, period string) string {
	var id [36]byte
	hex.Encode(id[0:8], iki[0:4])
	hex.Encode(id[9:13], iki[4:6])
	hex.Encode(id[14:18], iki[6:8])
	hex.Encode(id[19:23], iki[8:10])
	hex.Encode(id[24:], iki[10:])
	id[8], id[13], id[18], id[23] = '-', '-', '-', '-'
	var b strings.Builder
	b.Grow(len("iki:") + len(id) + len("/period:") + len(period))
	b.WriteString("iki:")
	b.Write(id[:])
	b.WriteString("/period:")
	b.WriteString(period)
	return b.String()
}

// reportedEntry is the audit entry of a realisation reported, with the
// values its After points at, allocated together.
type reportedEntry struct {
	entry    AuditEntry
	after    Value
	realised float64
	target   indicator.Target
}

// indexIKI returns the index of the first of ikis with the given id, -1 when
// there is none.
func indexIKI(ikis []skp.IKI, id uuid.UUID) int {
	for i := range ikis {
		if ikis[i].ID == id {
			return i
		}
	}
	return -1
}

// findIKI returns the first of ikis with the given id. It takes the slice
// rather than the plan and ranges over indexes: a plan and an IKI are large
// to copy, and every realisation reported looks one up.
func findIKI(ikis []skp.IKI, id uuid.UUID) (skp.IKI, bool) {
	if i := indexIKI(ikis, id); i >= 0 {
		return ikis[i], true
	}
	return skp.IKI{}, false
}

func (a *Audit) applySKP(rec *Event, e skp.Event) error {
	id, err := rec.streamID()
	if err != nil {
		return err
	}
	key := id
	plan, _ := a.plans.Get(key)
	plan, changes := foldPlan(plan, rec, e)
	a.plans.Put(key, plan)
	for _, c := range changes {
		entry := entryOf(rec)
		entry.Employee, entry.SKP = plan.Employee, plan.SKP
		entry.Subject = "iki:" + c.IKI.ID.String()
		entry.Before, entry.After = targetValue(c.Before), targetValue(c.After)
		entry.Indicator, entry.IndicatorVersion = c.IKI.Indicator, c.IKI.Version
		switch {
		case c.Before == nil:
			entry.Change = "target_set"
		case !c.EffectiveFrom.IsZero():
			entry.Change = "target_ended"
		default:
			entry.Change = "target_removed"
		}
		if !c.EffectiveFrom.IsZero() {
			entry.EffectiveFrom = ptr(c.EffectiveFrom)
		}
		if entry.Reason == "" {
			entry.Reason = c.Reason
		}
		a.add(key, string(plan.Employee), &entry)
	}
	return nil
}

// entryOf fills the envelope part of an audit entry from rec.
func entryOf(rec *Event) AuditEntry {
	return AuditEntry{
		Actor: rec.Metadata.Actor.ID, Role: rec.Metadata.Actor.Role, At: rec.RecordedAt, Reason: rec.Metadata.Reason,
		EventID: rec.ID, EventType: rec.Type, Stream: rec.Stream, Revision: rec.Revision, Position: rec.positionText(),
	}
}

func (a *Audit) add(skpKey uuid.UUID, nip string, e *AuditEntry) {
	list, _ := a.bySKP.Get(skpKey)
	a.bySKP.Put(skpKey, append(list, e))
	if nip != "" {
		list, _ := a.byEmployee.Get(nip)
		a.byEmployee.Put(nip, append(list, e))
	}
}

// ForSKP returns the audit trail of one SKP, oldest first, and the position
// it reflects.
func (a *Audit) ForSKP(id uuid.UUID) (entries []AuditEntry, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		entries, at = values(a.bySKP, id), pos
	})
	return entries, at
}

// ForEvaluation returns the audit trail of one evaluation's ratings and
// predicate, oldest first, and the position it reflects.
func (a *Audit) ForEvaluation(id uuid.UUID) (entries []AuditEntry, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		entries, at = values(a.byEval, id), pos
	})
	return entries, at
}

// ForEmployee returns the audit trail of one employee across their SKPs,
// oldest first, and the position it reflects.
func (a *Audit) ForEmployee(nip domain.NIP) (entries []AuditEntry, at eventstore.Position) {
	a.model.Read(func(pos eventstore.Position) {
		list, _ := a.byEmployee.Get(string(nip))
		entries, at = derefs(list), pos
	})
	return entries, at
}

// values returns a copy of the trail at key in t, nil when there is none.
func values(t *idMap[[]*AuditEntry], key uuid.UUID) []AuditEntry {
	list, _ := t.Get(key)
	return derefs(list)
}

// String returns a one-line summary of e for logs and test failures.
func (e AuditEntry) String() string {
	return fmt.Sprintf("%s %s %s by %s/%s at %s: %v -> %v (%s)", e.Position, e.Change, e.Subject, e.Actor, e.Role,
		e.At.Format(time.RFC3339), e.Before, e.After, e.Reason)
}
