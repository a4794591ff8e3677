package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Projections returns a fresh, empty instance of every read model the
// queries serve: projections.All() and the API's own evaluation index, in the
// order a server starts them. Pass the runners that keep them in
// Config.Runners.
func Projections() []projections.Projection {
	return append(projections.All(), newEvaluationIndex())
}

// Query parameters bounds.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// queryRoute is one query under /v1: a GET answered from the read models.
// The route table of queries drives the router and the OpenAPI document like
// resourceRoutes does for commands and aggregate reads.
type queryRoute struct {
	path    string
	summary string
	roles   []Role
	params  []apiParam // query parameters besides min_position
	// data is the zero value of what the answer carries, for the OpenAPI
	// document: under "items" when list is set, else under "data"; nil for
	// a recursive type, which is documented as a plain object.
	data    any
	list    bool
	handler http.HandlerFunc
}

// queryRoutes is the route table of the queries.
func (s *server) queryRoutes() []queryRoute {
	var (
		all     = []Role{RoleEmployee, RoleEvaluator, RoleHR, RoleAuditor, RoleAdmin}
		leaders = []Role{RoleEvaluator, RoleHR, RoleAuditor, RoleAdmin}
		str     = map[string]any{"type": "string"}
		integer = map[string]any{"type": "integer", "minimum": 1, "maximum": maxPageSize}
	)
	return []queryRoute{
		{path: "/inbox", summary: "What waits for your decision as evaluator, oldest first", roles: []Role{RoleEvaluator}, data: projections.Inbox{}, handler: s.getInbox},
		{path: "/me", summary: "Your own page: your SKPs, evaluations and rejected daily progress", roles: all, data: projections.EmployeePage{}, handler: s.getMe},
		{path: "/evaluations", summary: "Evaluations you may read, in the order they were opened, a page at a time", roles: all, data: projections.EvaluationView{}, list: true, handler: s.listEvaluations, params: []apiParam{
			{Name: "unit", In: "query", Description: "only evaluations of this unit (UUID)", Schema: str},
			{Name: "period", In: "query", Description: "only evaluations of this period id", Schema: str},
			{Name: "stage", In: "query", Description: "only evaluations at this stage", Schema: map[string]any{"type": "string", "enum": stageNames()}},
			{Name: "limit", In: "query", Description: "page size; default " + strconv.Itoa(defaultPageSize), Schema: integer},
			{Name: "cursor", In: "query", Description: "the next_cursor of the previous page", Schema: str},
		}},
		{path: "/evaluations/{id}/audit", summary: "The audit trail of an evaluation's ratings and predicate", roles: all, data: projections.AuditEntry{}, list: true, handler: s.evaluationAudit},
		{path: "/skps/{id}/audit", summary: "The audit trail of an SKP's targets and realisations", roles: all, data: projections.AuditEntry{}, list: true, handler: s.skpAudit},
		{path: "/employees/{nip}/audit", summary: "The audit trail of an employee across their SKPs", roles: all, data: projections.AuditEntry{}, list: true, handler: s.employeeAudit},
		{path: "/units/{id}/audit", summary: "The audit trail of every evaluation of a unit in a period, in log order", roles: leaders, data: projections.AuditEntry{}, list: true, handler: s.unitAudit, params: []apiParam{
			{Name: "period", In: "query", Required: true, Description: "the period id", Schema: str},
		}},
		{path: "/employees/{nip}/daily-progress", summary: "An employee's daily progress in one month", roles: all, data: projections.MonthProgress{}, handler: s.dailyProgress, params: []apiParam{
			{Name: "month", In: "query", Required: true, Description: "the month, YYYY-MM", Schema: str},
		}},
		{path: "/units/{id}/distribution", summary: "A unit's distribution of predicates in a period against its quota", roles: leaders, data: projections.Distribution{}, handler: s.unitDistribution, params: []apiParam{
			{Name: "period", In: "query", Required: true, Description: "the period id", Schema: str},
		}},
		{path: "/units/{id}/cascade", summary: "A unit's plan cascade for a year: the head's RHK and those that intervene them", roles: all, list: true, handler: s.unitCascade, params: []apiParam{
			{Name: "year", In: "query", Required: true, Description: "the calendar year", Schema: map[string]any{"type": "integer"}},
		}},
		{path: "/indicators", summary: "The indicator catalogue with every version of each indicator", roles: all, data: projections.CatalogueEntry{}, list: true, handler: s.listIndicators},
		{path: "/indicators/{id}/revisions", summary: "An indicator from the catalogue: every version with what changed, who and why", roles: all, data: projections.CatalogueEntry{}, handler: s.indicatorRevisions},
		{path: "/policies", summary: "The rating policies: matrix, quotas, formulas and windows", roles: all, data: policyJSON{}, list: true, handler: s.listPolicies},
		{path: "/policies/{id}", summary: "One rating policy; its id's slash is sent as %2F", roles: all, data: policyJSON{}, handler: s.getPolicy},
	}
}

// views are the read models the queries serve, each with the runner that
// keeps it, found by type among Config.Runners.
type views struct {
	audit         *projections.Audit
	appraisals    *projections.Appraisals
	catalogue     *projections.Catalogue
	progress      *projections.DailyProgress
	inboxes       *projections.Inboxes
	cascade       *projections.Cascade
	distributions *projections.Distributions
	index         *evaluationIndex
	runners       map[string]*projections.Runner // by projection name
	all           []*projections.Runner
}

func newViews(runners []*projections.Runner) *views {
	v := &views{runners: map[string]*projections.Runner{}, all: runners}
	for _, r := range runners {
		switch p := r.Projection().(type) {
		case *projections.Audit:
			v.audit = p
		case *projections.Appraisals:
			v.appraisals = p
		case *projections.Catalogue:
			v.catalogue = p
		case *projections.DailyProgress:
			v.progress = p
		case *projections.Inboxes:
			v.inboxes = p
		case *projections.Cascade:
			v.cascade = p
		case *projections.Distributions:
			v.distributions = p
		case *evaluationIndex:
			v.index = p
		}
		v.runners[r.Projection().Name()] = r
	}
	return v
}

// await makes the handler's read models usable: each named projection must
// be running, and when the request carries min_position each must reflect at
// least that position within s.readWait, else the answer is a 409
// projection-lag problem. It reports whether the handler may go on; if not,
// it has answered.
func (s *server) await(w http.ResponseWriter, r *http.Request, names ...string) bool {
	var want *eventstore.Position
	if v := r.URL.Query().Get("min_position"); v != "" {
		p, err := eventstore.ParsePosition(v)
		if err != nil {
			s.writeError(w, r, domain.Errorf(domain.Invalid, "min_position=%q is not a log position; use the position a command answered with", v).WithField("min_position"))
			return false
		}
		want = &p
	}
	for _, name := range names {
		runner := s.views.runners[name]
		if runner == nil {
			writeStatusProblem(w, r, http.StatusServiceUnavailable, "read-model-unavailable",
				fmt.Sprintf("The %s view is not running on this server; try again later.", name))
			return false
		}
		if want == nil {
			continue
		}
		if err := runner.WaitFor(r.Context(), *want, s.readWait); err != nil {
			if r.Context().Err() != nil {
				return false // the client left; there is no one to answer
			}
			if domain.KindOf(err) != domain.Conflict {
				err = fmt.Errorf("wait for %s view at %s: %w", name, want, err)
			}
			s.writeError(w, r, err)
			return false
		}
	}
	return true
}

// viewResponse is the answer of a query: the data and the log position the
// read model reflected when it was read.
type viewResponse struct {
	Position string `json:"position,omitempty"` // empty for data that is not from the log

	Data any `json:"data"`
}

// pageResponse is a page of a list query; Next is empty on the last page.
type pageResponse struct {
	Position string `json:"position,omitempty"`
	Items    any    `json:"items"`
	Next     string `json:"next_cursor,omitempty"`
}

func (s *server) getInbox(w http.ResponseWriter, r *http.Request) {
	if !s.await(w, r, "inbox") {
		return
	}
	c := callerFrom(r.Context())
	items, at := s.views.inboxes.InboxOf(c.NIP)
	writeJSON(w, http.StatusOK, viewResponse{Position: at.String(), Data: projections.Inbox{Evaluator: c.NIP, Items: nonNil(items)}})
}

func (s *server) getMe(w http.ResponseWriter, r *http.Request) {
	if !s.await(w, r, "inbox") {
		return
	}
	page, at := s.views.inboxes.PageOf(callerFrom(r.Context()).NIP)
	page.SKPs = nonNil(page.SKPs)
	writeJSON(w, http.StatusOK, viewResponse{Position: at.String(), Data: page})
}

// listEvaluations pages through the evaluations in the order they were
// opened; the cursor is the log position of the last one's opening.
// Auditors, HR and administrators see every evaluation; anyone else those
// that name them as employee, evaluator or the evaluator's superior.
func (s *server) listEvaluations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f evaluationFilter
	var errs []error
	if v := q.Get("unit"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			errs = append(errs, domain.Errorf(domain.Invalid, "unit %q is not a UUID", v).WithField("unit"))
		}
		f.unit = id
	}
	f.period = q.Get("period")
	if v := q.Get("stage"); v != "" {
		if !slices.Contains(stageNames(), v) {
			errs = append(errs, domain.Errorf(domain.Invalid, "stage %q is not a stage; use one of %v", v, stageNames()).WithField("stage"))
		}
		f.stage = evaluation.Stage(v)
	}
	limit := defaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			errs = append(errs, domain.Errorf(domain.Invalid, "limit %q must be a whole number from 1 to %d", v, maxPageSize).WithField("limit"))
		}
		limit = n
	}
	var after eventstore.Position
	if v := q.Get("cursor"); v != "" {
		p, err := eventstore.ParsePosition(v)
		if err != nil {
			errs = append(errs, domain.Errorf(domain.Invalid, "cursor %q is not a cursor of this list; use the next_cursor of the previous page", v).WithField("cursor"))
		}
		after = p
	}
	if err := errOr(errs...); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "appraisal", evaluationIndexName) {
		return
	}
	c := callerFrom(r.Context())
	if !canReadLedger(c) {
		f.party = c.NIP
	}
	page, next, at := s.views.index.find(f, after, limit, func(id uuid.UUID) (projections.EvaluationView, bool) {
		ea, ok, _ := s.views.appraisals.Evaluation(id)
		return ea.Evaluation, ok
	})
	resp := pageResponse{Position: at.String(), Items: nonNil(page)}
	if next != nil {
		resp.Next = next.String()
	}
	writeJSON(w, http.StatusOK, resp)
}

// evaluationAudit answers the audit trail of one evaluation to its employee,
// evaluator and evaluator's superior, and to auditors, HR and administrators.
func (s *server) evaluationAudit(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "audit", evaluationIndexName) {
		return
	}
	e, ok, _ := s.views.index.get(id)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "evaluation %s is not in the ledger", id))
		return
	}
	if c := callerFrom(r.Context()); !canReadLedger(c) && !e.names(c.NIP) {
		s.writeError(w, r, forbidRead("evaluation"))
		return
	}
	entries, at := s.views.audit.ForEvaluation(id)
	s.answerAudit(w, r, "Audit trail of evaluation "+id.String(), entries, at)
}

// skpAudit answers the audit trail of one SKP to its employee, evaluator and
// evaluator's superior, and to auditors, HR and administrators.
func (s *server) skpAudit(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "audit", "appraisal") {
		return
	}
	ap, ok, _ := s.views.appraisals.Get(id)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "SKP %s is not in the ledger", id))
		return
	}
	p := ap.Plan
	if c := callerFrom(r.Context()); !canReadLedger(c) && c.NIP != p.Employee && c.NIP != p.Evaluator && c.NIP != p.EvaluatorSuperior {
		s.writeError(w, r, forbidRead("SKP"))
		return
	}
	entries, at := s.views.audit.ForSKP(id)
	s.answerAudit(w, r, "Audit trail of SKP "+id.String(), entries, at)
}

// employeeAudit answers the audit trail of one employee.
func (s *server) employeeAudit(w http.ResponseWriter, r *http.Request) {
	n, err := parseNIP("nip", r.PathValue("nip"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "audit", "inbox") {
		return
	}
	if err := s.mayReadEmployee(callerFrom(r.Context()), n, "audit trail"); err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, at := s.views.audit.ForEmployee(n)
	s.answerAudit(w, r, "Audit trail of employee "+string(n), entries, at)
}

// mayReadEmployee allows employee n's records to n, to an evaluator named on
// one of n's SKPs, and to auditors, HR and administrators. It reads the
// inbox read model, which the caller has awaited.
func (s *server) mayReadEmployee(c Caller, n domain.NIP, what string) error {
	if canReadLedger(c) || c.NIP == n {
		return nil
	}
	if c.Has(RoleEvaluator) {
		page, _ := s.views.inboxes.PageOf(n)
		for _, sk := range page.SKPs {
			if sk.Evaluator == c.NIP {
				return nil
			}
		}
	}
	return forbidRead(what)
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// dailyProgress answers an employee's month of daily progress; a month
// without entries is all zeros.
func (s *server) dailyProgress(w http.ResponseWriter, r *http.Request) {
	n, err := parseNIP("nip", r.PathValue("nip"), false)
	month := r.URL.Query().Get("month")
	var monthErr error
	if !monthPattern.MatchString(month) {
		monthErr = domain.Errorf(domain.Invalid, "month %q must be a month as YYYY-MM, such as 2026-03", month).WithField("month")
	}
	if err := errOr(err, monthErr); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "daily_progress", "inbox") {
		return
	}
	if err := s.mayReadEmployee(callerFrom(r.Context()), n, "daily progress"); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, ok, at := s.views.progress.Month(n, month)
	if !ok {
		m = projections.MonthProgress{Employee: n, Month: month, ByRHK: map[string]int{}}
	}
	writeJSON(w, http.StatusOK, viewResponse{Position: at.String(), Data: m})
}

// unitDistribution answers a unit's distribution in a period to auditors,
// HR and administrators, and to the evaluators and evaluators' superiors of
// the evaluations in it.
func (s *server) unitDistribution(w http.ResponseWriter, r *http.Request) {
	unit, err := pathUUID(r, "id")
	period := r.URL.Query().Get("period")
	var periodErr error
	if period == "" {
		periodErr = domain.Errorf(domain.Invalid, "name the period with ?period=, such as 2026-TAHUNAN").WithField("period")
	}
	if err := errOr(err, periodErr); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "distribution", evaluationIndexName) {
		return
	}
	if c := callerFrom(r.Context()); !canReadLedger(c) && !s.views.index.leads(c.NIP, unit, period) {
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "you may read the distribution only of a unit and period in which you evaluate").WithRule("read-own"))
		return
	}
	d, ok, at := s.views.distributions.ForUnit(unit, period)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "unit %s has no evaluations or assessment in period %q", unit, period))
		return
	}
	writeJSON(w, http.StatusOK, viewResponse{Position: at.String(), Data: d})
}

// unitAudit answers the audit trails of every evaluation of a unit in a
// period, merged in log order, to those who may read its distribution.
func (s *server) unitAudit(w http.ResponseWriter, r *http.Request) {
	unit, err := pathUUID(r, "id")
	period := r.URL.Query().Get("period")
	var periodErr error
	if period == "" {
		periodErr = domain.Errorf(domain.Invalid, "name the period with ?period=, such as 2026").WithField("period")
	}
	if err := errOr(err, periodErr); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "audit", evaluationIndexName) {
		return
	}
	if c := callerFrom(r.Context()); !canReadLedger(c) && !s.views.index.leads(c.NIP, unit, period) {
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "you may read the audit trail only of a unit and period in which you evaluate").WithRule("read-own"))
		return
	}
	ids := s.views.index.ofUnit(unit, period)
	if len(ids) == 0 {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "unit %s has no evaluations in period %q", unit, period))
		return
	}
	var (
		entries []projections.AuditEntry
		at      eventstore.Position
	)
	for _, id := range ids {
		trail, pos := s.views.audit.ForEvaluation(id)
		entries = append(entries, trail...)
		at = pos
	}
	if err := sortByPosition(entries); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerAudit(w, r, "Audit trail of unit "+unit.String()+", period "+period, entries, at)
}

// sortByPosition puts audit entries of several trails in log order.
func sortByPosition(entries []projections.AuditEntry) error {
	pos := make(map[string]eventstore.Position, len(entries))
	for _, e := range entries {
		p, err := eventstore.ParsePosition(e.Position)
		if err != nil {
			return fmt.Errorf("audit entry of event %s: %w", e.EventID, err)
		}
		pos[e.Position] = p
	}
	slices.SortStableFunc(entries, func(a, b projections.AuditEntry) int {
		switch pa, pb := pos[a.Position], pos[b.Position]; {
		case pa.Less(pb):
			return -1
		case pb.Less(pa):
			return 1
		}
		return 0
	})
	return nil
}

// unitCascade answers a unit's plan cascade to auditors, HR and
// administrators, and to anyone whose RHK is in it.
func (s *server) unitCascade(w http.ResponseWriter, r *http.Request) {
	unit, err := pathUUID(r, "id")
	v := r.URL.Query().Get("year")
	year, yerr := strconv.Atoi(v)
	var yearErr error
	if yerr != nil || year < 1900 || year > 9999 {
		yearErr = domain.Errorf(domain.Invalid, "year %q must be a calendar year, such as 2026", v).WithField("year")
	}
	if err := errOr(err, yearErr); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "cascade") {
		return
	}
	roots, ok, at := s.views.cascade.ForUnit(unit, year)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "unit %s is not in the ledger", unit))
		return
	}
	if c := callerFrom(r.Context()); !canReadLedger(c) && !inCascade(roots, c.NIP) {
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "you may read the cascade only of a unit whose plan includes your RHK").WithRule("read-own"))
		return
	}
	writeJSON(w, http.StatusOK, pageResponse{Position: at.String(), Items: nonNil(roots)})
}

func inCascade(nodes []projections.CascadeNode, n domain.NIP) bool {
	for _, node := range nodes {
		if node.Employee == n || inCascade(node.Children, n) {
			return true
		}
	}
	return false
}

func (s *server) listIndicators(w http.ResponseWriter, r *http.Request) {
	if !s.await(w, r, "catalogue") {
		return
	}
	entries, at := s.views.catalogue.List()
	writeJSON(w, http.StatusOK, pageResponse{Position: at.String(), Items: nonNil(entries)})
}

// indicatorRevisions answers one indicator of the catalogue with its
// versions. GET /v1/indicators/{id} reads the indicator's own stream and
// also answers as of a past position.
func (s *server) indicatorRevisions(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.await(w, r, "catalogue") {
		return
	}
	e, ok, at := s.views.catalogue.Get(id)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "indicator %s is not in the catalogue", id))
		return
	}
	writeJSON(w, http.StatusOK, viewResponse{Position: at.String(), Data: e})
}

func stageNames() []string {
	return []string{string(evaluation.StageOpen), string(evaluation.StageFinalized), string(evaluation.StageDelivered), string(evaluation.StageObjected), string(evaluation.StageLocked)}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// defaultReadWait bounds how long a query with min_position waits for its
// read model.
const defaultReadWait = 3 * time.Second

// evaluationIndexName names the API's evaluation index projection.
const evaluationIndexName = "api_evaluation_index"

// indexedEvaluation is what never changes about an evaluation: who it is of
// and for, the unit and the period, from its Opened event.
type indexedEvaluation struct {
	Evaluation        uuid.UUID  `json:"evaluation_id"`
	Employee          domain.NIP `json:"nip"`
	Evaluator         domain.NIP `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP `json:"evaluator_superior_nip"`
	Unit              uuid.UUID  `json:"unit_id"`
	Period            string     `json:"period_id"`
	// UnitHead says the employee heads Unit (version 2; rows of version 1
	// lack it and decode as false).
	UnitHead bool `json:"unit_head,omitempty"`
	// Opened is the log position of the Opened event: lists are in this
	// order, and a page's cursor is its last evaluation's.
	Opened eventstore.Position `json:"opened_at"`
}

// names reports whether n is a party of the evaluation.
func (e indexedEvaluation) names(n domain.NIP) bool {
	return n == e.Employee || n == e.Evaluator || n == e.EvaluatorSuperior
}

// evaluationIndex is the read model behind the evaluation list: every
// evaluation by id, with its parties, unit and period, and the ids of each
// party's and each unit-period's evaluations, and of each period's unit
// heads' evaluations, in the order they were opened.
// Lists only grow at the end, which the Map contract allows without a copy,
// so the fold costs O(1) per evaluation. The projections
// package has each evaluation's current view but no way to list them; the
// stage and predicate come from there.
type evaluationIndex struct {
	model   *projections.Model
	rows    *projections.Map[indexedEvaluation]
	byParty *projections.Map[[]string] // NIP → evaluation ids
	byUnit  *projections.Map[[]string] // "unit/period" → evaluation ids
	heads   *projections.Map[[]string] // period → evaluation ids of unit heads

	// order lists every id in opening order. It is a cache, not a table, so
	// a persistent sink does not rewrite one huge row per commit: rows are
	// only ever added, so it is current while it is as long as rows. Apply
	// appends to it; a sink's Load replaces the rows behind its back, and
	// then the next reader rebuilds it.
	mu    sync.Mutex
	order []string
}

func newEvaluationIndex() *evaluationIndex {
	m := projections.NewModel()
	return &evaluationIndex{model: m, rows: projections.NewMap[indexedEvaluation](m, "evaluations"),
		byParty: projections.NewMap[[]string](m, "by_party"), byUnit: projections.NewMap[[]string](m, "by_unit_period"),
		heads: projections.NewMap[[]string](m, "heads_by_period")}
}

// Name implements projections.Projection.
func (*evaluationIndex) Name() string { return evaluationIndexName }

// Version implements projections.Projection. Version 2 adds the unit-head
// flag and the heads of each period, which the distribution check needs.
func (*evaluationIndex) Version() int { return 2 }

// Model implements projections.Projection.
func (x *evaluationIndex) Model() *projections.Model { return x.model }

// Reads implements projections.Projection.
func (*evaluationIndex) Reads(eventType string) bool {
	return eventType == evaluation.Opened{}.EventType()
}

func unitPeriodKey(unit uuid.UUID, period string) string { return unit.String() + "/" + period }

// Apply implements projections.Projection.
func (x *evaluationIndex) Apply(ev *projections.Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	o, ok := body.(evaluation.Opened)
	if !ok {
		return fmt.Errorf("event %s of type %s decodes to %T, not evaluation.Opened", ev.ID, ev.Type, body)
	}
	id := o.Evaluation.String()
	if _, seen := x.rows.Get(id); seen {
		return nil // an evaluation opens once; a repeat changes nothing
	}
	x.rows.Put(id, indexedEvaluation{Evaluation: o.Evaluation, Employee: o.Employee, Evaluator: o.Evaluator,
		EvaluatorSuperior: o.EvaluatorSuperior, Unit: o.Unit, Period: o.Period.ID, UnitHead: o.UnitHead, Opened: ev.Position})
	add := func(t *projections.Map[[]string], key string) {
		ids, _ := t.Get(key)
		t.Put(key, append(ids, id)) // readers never read past their own length
	}
	parties := []domain.NIP{o.Employee}
	for _, n := range []domain.NIP{o.Evaluator, o.EvaluatorSuperior} {
		if n != "" && !slices.Contains(parties, n) {
			parties = append(parties, n)
		}
	}
	for _, n := range parties {
		add(x.byParty, string(n))
	}
	add(x.byUnit, unitPeriodKey(o.Unit, o.Period.ID))
	if o.UnitHead {
		add(x.heads, o.Period.ID)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.order) == x.rows.Len()-1 {
		x.order = append(x.order, id)
	}
	return nil
}

// allInOrder returns every evaluation id in opening order. Call it inside
// Read.
func (x *evaluationIndex) allInOrder() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.order) != x.rows.Len() {
		keys := x.rows.Keys()
		slices.SortFunc(keys, func(a, b string) int {
			ra, _ := x.rows.Get(a)
			rb, _ := x.rows.Get(b)
			switch {
			case ra.Opened.Less(rb.Opened):
				return -1
			case rb.Opened.Less(ra.Opened):
				return 1
			}
			return 0
		})
		x.order = keys
	}
	return x.order
}

// get returns evaluation id's index row and whether there is one.
func (x *evaluationIndex) get(id uuid.UUID) (e indexedEvaluation, ok bool, at eventstore.Position) {
	x.model.Read(func(pos eventstore.Position) {
		e, ok = x.rows.Get(id.String())
		at = pos
	})
	return e, ok, at
}

// leads reports whether n evaluates, or is the superior evaluator of, an
// evaluation of unit in period.
func (x *evaluationIndex) leads(n domain.NIP, unit uuid.UUID, period string) bool {
	found := false
	x.model.Read(func(eventstore.Position) {
		ids, _ := x.byParty.Get(string(n))
		for _, k := range ids {
			e, _ := x.rows.Get(k)
			if e.Unit == unit && e.Period == period && (e.Evaluator == n || e.EvaluatorSuperior == n) {
				found = true
				return
			}
		}
	})
	return found
}

// ofUnit returns the evaluations of unit in period, in id order.
func (x *evaluationIndex) ofUnit(unit uuid.UUID, period string) []uuid.UUID {
	var out []uuid.UUID
	x.model.Read(func(eventstore.Position) {
		ids, _ := x.byUnit.Get(unitPeriodKey(unit, period))
		for _, k := range ids {
			e, _ := x.rows.Get(k)
			out = append(out, e.Evaluation)
		}
	})
	return out
}

// curveCandidates returns, as of one position, the evaluations of unit in
// period and the index rows of every unit head's evaluation in period, in
// opening order.
func (x *evaluationIndex) curveCandidates(unit uuid.UUID, period string) (own []uuid.UUID, heads []indexedEvaluation) {
	x.model.Read(func(eventstore.Position) {
		ids, _ := x.byUnit.Get(unitPeriodKey(unit, period))
		for _, k := range ids {
			e, _ := x.rows.Get(k)
			own = append(own, e.Evaluation)
		}
		ids, _ = x.heads.Get(period)
		for _, k := range ids {
			e, _ := x.rows.Get(k)
			heads = append(heads, e)
		}
	})
	return own, heads
}

// evaluationFilter selects evaluations; zero fields select everything.
type evaluationFilter struct {
	unit   uuid.UUID
	period string
	stage  evaluation.Stage
	party  domain.NIP // employee, evaluator or evaluator's superior
}

// find returns up to limit evaluations opened after position after that f
// selects, in opening order, each as view returns it, and the cursor of the
// next page, nil on the last. An evaluation view does not know yet (its read
// model lags the index) ends the page before it, so that the next page
// starts with it instead of skipping it; if it is the first, the page is
// empty and the cursor is the one asked for.
func (x *evaluationIndex) find(f evaluationFilter, after eventstore.Position, limit int, view func(uuid.UUID) (projections.EvaluationView, bool)) (page []projections.EvaluationView, next *eventstore.Position, at eventstore.Position) {
	x.model.Read(func(pos eventstore.Position) {
		at = pos
		var ids []string
		switch {
		case f.party != "":
			ids, _ = x.byParty.Get(string(f.party))
		case f.unit != uuid.Nil && f.period != "":
			ids, _ = x.byUnit.Get(unitPeriodKey(f.unit, f.period))
		default:
			ids = x.allInOrder()
		}
		i := sort.Search(len(ids), func(i int) bool {
			e, _ := x.rows.Get(ids[i])
			return after.Less(e.Opened)
		})
		var last eventstore.Position
		for ; i < len(ids); i++ {
			e, _ := x.rows.Get(ids[i])
			if (f.unit != uuid.Nil && e.Unit != f.unit) || (f.period != "" && e.Period != f.period) || (f.party != "" && !e.names(f.party)) {
				continue
			}
			v, ok := view(e.Evaluation)
			if !ok {
				if len(page) == 0 {
					last = after
				}
				next = &last
				return
			}
			if f.stage != "" && v.Stage != f.stage {
				continue
			}
			if len(page) == limit {
				next = &last
				return
			}
			page = append(page, v)
			last = e.Opened
		}
	})
	return page, next, at
}

// policyJSON is the wire form of a rating policy. Maps keyed by structs
// become sorted lists, so the document is stable.
type policyJSON struct {
	ID              string                                    `json:"policy_id"`
	Name            string                                    `json:"name"`
	Scheme          policy.Scheme                             `json:"scheme"`
	Matrix          []matrixCellJSON                          `json:"matrix,omitempty"`
	Quotas          map[policy.OrgPredicate][]quotaJSON       `json:"quotas"`
	OverrideAllowed bool                                      `json:"override_allowed"`
	HeadInOwnCurve  bool                                      `json:"head_in_own_curve"`
	HeadRatings     map[policy.OrgPredicate]policy.Rating     `json:"head_ratings,omitempty"`
	Credit          map[policy.Predicate]int                  `json:"credit_percent,omitempty"`
	Formulas        map[indicator.Direction]indicator.Formula `json:"formulas,omitempty"`
	AchievementCap  float64                                   `json:"achievement_cap_percent,omitempty"`
	Thresholds      thresholdsJSON                            `json:"thresholds"`
	Bands           []bandJSON                                `json:"bands,omitempty"`
	MaxScore        float64                                   `json:"max_score,omitempty"`
	Innovation      map[policy.Predicate]policy.Predicate     `json:"without_innovation,omitempty"`
	ObjectionWindow int                                       `json:"objection_window_days"`
}

type matrixCellJSON struct {
	Work      policy.Rating    `json:"work_result_rating"`
	Behaviour policy.Rating    `json:"behaviour_rating"`
	Predicate policy.Predicate `json:"predicate"`
}

type quotaJSON struct {
	Rule       string             `json:"rule"`
	Predicates []policy.Predicate `json:"predicates"`
	Kind       policy.QuotaKind   `json:"kind"`
	Percent    int                `json:"percent"`
	AtLeast    int                `json:"at_least,omitempty"`
}

type thresholdsJSON struct {
	AboveFrom      float64 `json:"above_expectation_from_percent"`
	AsExpectedFrom float64 `json:"as_expected_from_percent"`
}

type bandJSON struct {
	From      float64          `json:"from"`
	Predicate policy.Predicate `json:"predicate"`
}

func toPolicyJSON(p policy.Policy) policyJSON {
	out := policyJSON{ID: p.ID, Name: p.Name, Scheme: p.Scheme, Quotas: map[policy.OrgPredicate][]quotaJSON{},
		OverrideAllowed: p.OverrideAllowed, HeadInOwnCurve: p.HeadInOwnCurve, HeadRatings: p.HeadRatings, Credit: p.Credit,
		Formulas: p.Formulas, AchievementCap: p.AchievementCap, MaxScore: p.MaxScore, Innovation: p.Innovation, ObjectionWindow: p.ObjectionWindow,
		Thresholds: thresholdsJSON{AboveFrom: p.Thresholds.AboveFrom, AsExpectedFrom: p.Thresholds.AsExpectedFrom}}
	ratings := []policy.Rating{policy.AboveExpectation, policy.AsExpected, policy.BelowExpectation}
	for _, work := range ratings {
		for _, behaviour := range ratings {
			if pr, ok := p.Matrix[policy.Cell{Work: work, Behaviour: behaviour}]; ok {
				out.Matrix = append(out.Matrix, matrixCellJSON{Work: work, Behaviour: behaviour, Predicate: pr})
			}
		}
	}
	for org, qs := range p.Quotas {
		for _, q := range qs {
			out.Quotas[org] = append(out.Quotas[org], quotaJSON{Rule: q.Rule, Predicates: q.Predicates, Kind: q.Kind, Percent: q.Percent, AtLeast: q.AtLeast})
		}
	}
	for _, b := range p.Bands {
		out.Bands = append(out.Bands, bandJSON{From: b.From, Predicate: b.Predicate})
	}
	return out
}

// listPolicies answers every known rating policy. Policies are data in the
// binary, so the answer reflects no log position.
func (s *server) listPolicies(w http.ResponseWriter, r *http.Request) {
	if !s.await(w, r) { // validates min_position, which any server meets
		return
	}
	var out []policyJSON
	for _, id := range policy.IDs() {
		p, err := policy.Lookup(id)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("look up policy %s: %w", id, err))
			return
		}
		out = append(out, toPolicyJSON(p))
	}
	writeJSON(w, http.StatusOK, pageResponse{Items: nonNil(out)})
}

// getPolicy answers one rating policy. Policy ids contain a slash, which
// the path carries escaped as %2F.
func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) {
	if !s.await(w, r) {
		return
	}
	id, err := url.PathUnescape(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, domain.Errorf(domain.Invalid, "policy id %q is not a valid escaped path segment", r.PathValue("id")).WithField("id"))
		return
	}
	p, err := policy.Lookup(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewResponse{Data: toPolicyJSON(p)})
}
