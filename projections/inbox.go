package projections

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// Kinds of inbox item.
const (
	ItemApproveSKP           = "approve_skp"           // a submitted SKP
	ItemApproveAmendment     = "approve_amendment"     // a proposed amendment of an approved SKP
	ItemReviewProgress       = "review_progress"       // a submitted daily progress entry
	ItemEvaluate             = "evaluate"              // an open evaluation to rate and finalise
	ItemDecideObjection      = "decide_objection"      // an objection, for the evaluator's superior
	ItemReviewRecommendation = "review_recommendation" // a published replay recommends another work-result rating
)

// InboxItem is one thing waiting for an evaluator's decision.
type InboxItem struct {
	Kind     string     `json:"kind"`
	Subject  uuid.UUID  `json:"subject_id"` // the SKP, the daily progress entry or the evaluation
	SKP      uuid.UUID  `json:"skp_id"`
	Employee domain.NIP `json:"nip"`
	Since    time.Time  `json:"since"`
	Position string     `json:"position"`
}

// Inbox is what waits for one evaluator, oldest first.
type Inbox struct {
	Evaluator domain.NIP  `json:"evaluator_nip"`
	Items     []InboxItem `json:"items"`
}

// SKPSummary is one line of an employee's page.
type SKPSummary struct {
	SKP       uuid.UUID  `json:"skp_id"`
	Year      int        `json:"year"`
	Start     time.Time  `json:"period_start"`
	End       time.Time  `json:"period_end"`
	Evaluator domain.NIP `json:"evaluator_nip"`
	Status    skp.Status `json:"status"`
	Comments  string     `json:"comments,omitempty"` // the last comments of a return or rejection
	Position  string     `json:"last_position"`
}

// EmployeePage is an employee's own page: their SKPs, newest period first,
// and their daily progress entries that were rejected and need attention.
type EmployeePage struct {
	Employee         domain.NIP          `json:"nip"`
	SKPs             []SKPSummary        `json:"skps"`
	Evaluations      []EvaluationSummary `json:"evaluations,omitempty"`
	RejectedProgress []uuid.UUID         `json:"rejected_progress,omitempty"`
}

// EvaluationSummary is one evaluation on an employee's page.
type EvaluationSummary struct {
	Evaluation uuid.UUID        `json:"evaluation_id"`
	SKP        uuid.UUID        `json:"skp_id"`
	Period     string           `json:"period_id"`
	Stage      evaluation.Stage `json:"stage"`
	Predicate  policy.Predicate `json:"predicate,omitempty"`
	Position   string           `json:"last_position"`
}

// inboxRow is how the model keeps an [Inbox]: the same JSON document, with
// pointers to the items, so that taking one item out of a long inbox copies
// pointers rather than items. Items are never changed once added.
type inboxRow struct {
	Evaluator domain.NIP   `json:"evaluator_nip"`
	Items     []*InboxItem `json:"items"`
}

// items returns a copy of the row's items, nil when there are none.
func (r inboxRow) items() []InboxItem {
	if r.Items == nil {
		return nil
	}
	out := make([]InboxItem, len(r.Items))
	for i, it := range r.Items {
		out[i] = *it
	}
	return out
}

// Inboxes is the read model of the evaluators' inboxes and the employees'
// pages.
type Inboxes struct {
	model     *Model
	inboxes   *Map[inboxRow]
	employees *Map[EmployeePage]
	skps      *idMap[SKPSummary]
	owners    *idMap[domain.NIP] // SKP → employee
	records   *idMap[record]     // execution stream → record
	evals     *idMap[EvaluationView]
}

// NewInboxes returns an empty inbox read model.
func NewInboxes() *Inboxes {
	m := NewModel()
	return &Inboxes{
		model:     m,
		inboxes:   NewMap[inboxRow](m, "inboxes"),
		employees: NewMap[EmployeePage](m, "employees"),
		skps:      newIDMap[SKPSummary](m, "skps", ""),
		owners:    newIDMap[domain.NIP](m, "owners", ""),
		records:   newIDMap[record](m, "records", recordPrefix),
		evals:     newIDMap[EvaluationView](m, "evaluations", ""),
	}
}

// Name implements Projection.
func (*Inboxes) Name() string { return "inbox" }

// Version implements Projection.
func (*Inboxes) Version() int { return 2 }

// Model implements Projection.
func (x *Inboxes) Model() *Model { return x.model }

var skpWorkflowTypes = map[string]bool{
	skp.Drafted{}.EventType():             true,
	skp.Submitted{}.EventType():           true,
	skp.ReturnedForRevision{}.EventType(): true,
	skp.Approved{}.EventType():            true,
	skp.AmendmentProposed{}.EventType():   true,
	skp.AmendmentApproved{}.EventType():   true,
	skp.AmendmentReturned{}.EventType():   true,
	skp.Closed{}.EventType():              true,
}

// Reads implements Projection.
func (x *Inboxes) Reads(eventType string) bool {
	return skpWorkflowTypes[eventType] || progressTypes[eventType] || evaluationTypes[eventType]
}

// Apply implements Projection.
func (x *Inboxes) Apply(ev *Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	switch category(ev.Type) {
	case "skp":
		e := body.(skp.Event)
		return x.applySKP(ev, e)
	case "execution":
		e := body.(execution.Event)
		return x.applyProgress(ev, e)
	case "evaluation":
		return x.applyEvaluation(ev, body.(evaluation.Event))
	}
	return nil
}

func (x *Inboxes) applyEvaluation(rec *Event, e evaluation.Event) error {
	id, err := rec.streamID()
	if err != nil {
		return err
	}
	v, _ := x.evals.Get(id)
	v, _ = foldEvaluation(v, rec, e)
	x.evals.Put(id, v)
	pos := rec.positionText()
	without := func(nip domain.NIP, kind string) []*InboxItem {
		inbox, _ := x.inboxes.Get(string(nip))
		items, _ := withoutFunc(inbox.Items, func(it *InboxItem) bool { return it.Kind == kind && it.Subject == id })
		return items
	}
	switch e := e.(type) {
	case evaluation.Opened:
		inbox, _ := x.inboxes.Get(string(v.Evaluator))
		x.putInbox(v.Evaluator, append(inbox.Items, &InboxItem{Kind: ItemEvaluate, Subject: id, SKP: v.SKP, Employee: v.Employee, Since: e.At, Position: pos}))
	case evaluation.Finalized:
		x.putInbox(v.Evaluator, without(v.Evaluator, ItemEvaluate))
	case evaluation.ObjectionFiled:
		inbox, _ := x.inboxes.Get(string(v.EvaluatorSuperior))
		x.putInbox(v.EvaluatorSuperior, append(inbox.Items, &InboxItem{Kind: ItemDecideObjection, Subject: id, SKP: v.SKP, Employee: v.Employee, Since: e.At, Position: pos}))
	case evaluation.ObjectionDecided:
		x.putInbox(v.EvaluatorSuperior, without(v.EvaluatorSuperior, ItemDecideObjection))
	case evaluation.RatingRecommended:
		items := without(v.Evaluator, ItemReviewRecommendation)
		x.putInbox(v.Evaluator, append(items, &InboxItem{Kind: ItemReviewRecommendation, Subject: id, SKP: v.SKP, Employee: v.Employee, Since: e.At, Position: pos}))
	case evaluation.WorkResultRated, evaluation.Locked:
		if inbox, _ := x.inboxes.Get(string(v.Evaluator)); slices.ContainsFunc(inbox.Items, func(it *InboxItem) bool { return it.Kind == ItemReviewRecommendation && it.Subject == id }) {
			x.putInbox(v.Evaluator, without(v.Evaluator, ItemReviewRecommendation))
		}
	}
	page, _ := x.employees.Get(string(v.Employee))
	page.Employee = v.Employee
	evs, _ := withoutFunc(page.Evaluations, func(o EvaluationSummary) bool { return o.Evaluation == id })
	page.Evaluations = append(evs, EvaluationSummary{Evaluation: id, SKP: v.SKP, Period: v.Period.ID, Stage: v.Stage, Predicate: v.Predicate, Position: pos})
	x.employees.Put(string(v.Employee), page)
	return nil
}

func (x *Inboxes) applySKP(rec *Event, e skp.Event) error {
	id, err := rec.streamID()
	if err != nil {
		return err
	}
	s, _ := x.skps.Get(id)
	pos := rec.positionText()
	var waiting string // the item the event leaves in the evaluator's inbox
	var since time.Time
	switch e := e.(type) {
	case skp.Drafted:
		s = SKPSummary{SKP: e.SKP, Year: e.Start.Year(), Start: e.Start, End: e.End, Evaluator: e.Evaluator, Status: skp.StatusDraft}
		x.owners.Put(id, e.Employee)
	case skp.Submitted:
		s.Status, s.Comments, waiting, since = skp.StatusSubmitted, "", ItemApproveSKP, e.At
	case skp.ReturnedForRevision:
		s.Status, s.Comments = skp.StatusDraft, e.Comments
	case skp.Approved:
		s.Status, s.Comments = skp.StatusApproved, ""
	case skp.AmendmentProposed:
		s.Status, waiting, since = skp.StatusAmendmentProposed, ItemApproveAmendment, e.At
	case skp.AmendmentApproved:
		s.Status, s.Comments = skp.StatusApproved, ""
	case skp.AmendmentReturned:
		s.Status, s.Comments = skp.StatusApproved, e.Comments
	case skp.Closed:
		s.Status = skp.StatusClosed
	}
	s.Position = pos
	x.skps.Put(id, s)
	employee, _ := x.owners.Get(id)

	inbox, _ := x.inboxes.Get(string(s.Evaluator))
	items, _ := withoutFunc(inbox.Items, func(it *InboxItem) bool {
		return it.Subject == id && (it.Kind == ItemApproveSKP || it.Kind == ItemApproveAmendment)
	})
	if waiting != "" {
		items = append(items, &InboxItem{Kind: waiting, Subject: id, SKP: id, Employee: employee, Since: since, Position: pos})
	}
	x.putInbox(s.Evaluator, items)

	page, _ := x.employees.Get(string(employee))
	page.Employee = employee
	skps := slices.DeleteFunc(slices.Clone(page.SKPs), func(o SKPSummary) bool { return o.SKP == id })
	skps = append(skps, s)
	slices.SortStableFunc(skps, func(a, b SKPSummary) int { return b.Start.Compare(a.Start) })
	page.SKPs = skps
	x.employees.Put(string(employee), page)
	return nil
}

func (x *Inboxes) putInbox(evaluator domain.NIP, items []*InboxItem) {
	if len(items) == 0 {
		x.inboxes.Delete(string(evaluator))
		return
	}
	x.inboxes.Put(string(evaluator), inboxRow{Evaluator: evaluator, Items: items})
}

func (x *Inboxes) applyProgress(rec *Event, e execution.Event) error {
	id, known, err := rec.executionRecord(e)
	if err != nil {
		return err
	}
	var r record
	if known {
		r, _ = x.records.Get(id)
	}
	var entry uuid.UUID
	switch e := e.(type) {
	case execution.Opened:
		x.records.Put(id, record{SKP: e.SKP, Employee: e.Employee, Evaluator: e.Evaluator})
		return nil
	case execution.DailyProgressLogged:
		return nil // a draft waits for no one
	case execution.DailyProgressSubmitted:
		entry = e.Log
		inbox, _ := x.inboxes.Get(string(r.Evaluator))
		x.putInbox(r.Evaluator, append(inbox.Items, &InboxItem{Kind: ItemReviewProgress, Subject: e.Log, SKP: r.SKP,
			Employee: r.Employee, Since: e.At, Position: rec.positionText()}))
	case execution.DailyProgressApproved:
		entry = e.Log
	case execution.DailyProgressRejected:
		entry = e.Log
	}
	if rec.Type != (execution.DailyProgressSubmitted{}).EventType() {
		inbox, _ := x.inboxes.Get(string(r.Evaluator))
		if items, ok := withoutFunc(inbox.Items, func(it *InboxItem) bool {
			return it.Kind == ItemReviewProgress && it.Subject == entry
		}); ok {
			x.putInbox(r.Evaluator, items)
		} else if len(items) == 0 {
			x.putInbox(r.Evaluator, items) // as before: an empty inbox has no row
		}
	}
	page, existed := x.employees.Get(string(r.Employee))
	rejected, removed := withoutFunc(page.RejectedProgress, func(id uuid.UUID) bool { return id == entry })
	if rec.Type == (execution.DailyProgressRejected{}).EventType() {
		rejected = append(rejected, entry)
	} else if existed && !removed && page.Employee == r.Employee {
		return nil // the page does not change: spare the copy
	}
	page.Employee = r.Employee
	page.RejectedProgress = rejected
	x.employees.Put(string(r.Employee), page)
	return nil
}

// withoutFunc returns s without the elements del matches, and whether there
// were any. It copies s only when it removes something, so a row that holds
// s never sees it change.
func withoutFunc[T any](s []T, del func(T) bool) ([]T, bool) {
	i := slices.IndexFunc(s, del)
	if i < 0 {
		return s, false
	}
	out := make([]T, i, len(s)-1)
	copy(out, s[:i])
	for _, v := range s[i+1:] {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out, true
}

// InboxOf returns what waits for evaluator, oldest first, and the position
// it reflects.
func (x *Inboxes) InboxOf(evaluator domain.NIP) (items []InboxItem, at eventstore.Position) {
	x.model.Read(func(pos eventstore.Position) {
		inbox, _ := x.inboxes.Get(string(evaluator))
		items, at = inbox.items(), pos
	})
	return items, at
}

// PageOf returns the employee's own page and the position it reflects.
func (x *Inboxes) PageOf(nip domain.NIP) (page EmployeePage, at eventstore.Position) {
	x.model.Read(func(pos eventstore.Position) {
		page, _ = x.employees.Get(string(nip))
		page.Employee, at = nip, pos
	})
	return page, at
}
