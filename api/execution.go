package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/domain/year"
	"github.com/kinerja/kinerja/eventstore"
)

// periodOf resolves a period id of the performance-year calendar: "2026"
// (the year), "2026-Q1" … "2026-Q4", "2026-S1", "2026-S2", "2026-M01" …
// "2026-M12". The periods follow from the id alone (year.Periods), so the
// same id means the same dates in every instansi.
func periodOf(field, id string) (year.Period, error) {
	y, rest, _ := strings.Cut(id, "-")
	n, err := strconv.Atoi(y)
	cadence := year.Quarterly
	switch {
	case strings.HasPrefix(rest, "M"):
		cadence = year.Monthly
	case strings.HasPrefix(rest, "S"):
		cadence = year.Semester
	}
	if err == nil && len(y) == 4 {
		for _, p := range year.Periods(n, cadence) {
			if p.ID == id {
				return p, nil
			}
		}
	}
	return year.Period{}, domain.Errorf(domain.Invalid, "%s %q is not a period; use e.g. 2026, 2026-Q1 … 2026-Q4, 2026-S1, 2026-S2 or 2026-M01 … 2026-M12", field, id).WithField(field)
}

func executionTarget(skpID uuid.UUID) target[execution.Event] {
	return target[execution.Event]{stream: execution.Stream(skpID), decode: execution.Decode, id: skpID.String()}
}

// onRecord runs decide on the execution record of the SKP named by the path,
// with the SKP's plan as the fact. The first command on an approved SKP
// opens its record, in the same append.
func (s *server) onRecord(w http.ResponseWriter, r *http.Request, c command, itemID string, decide func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := executionTarget(id)
	t.itemID = itemID
	execute(s, w, r, c, t, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		plan, err := s.loadPlan(r.Context(), id, "skp_id")
		if err != nil {
			return nil, err
		}
		rec := execution.ReplayRecord(h.Events)
		var opened []execution.Event
		if !h.Exists {
			if opened, err = execution.Open(c.by, plan, c.at); err != nil {
				return nil, err
			}
			for _, e := range opened {
				rec.Apply(e)
			}
		}
		events, err := decide(rec, plan)
		if err != nil {
			return nil, err
		}
		return append(opened, events...), nil
	})
}

type evidenceRequest struct {
	SHA256     string                 `json:"sha256"`
	Kind       execution.EvidenceKind `json:"kind"`
	URI        string                 `json:"uri"`
	CapturedAt string                 `json:"captured_at,omitempty"`
}

// attachEvidence records content-addressed evidence on the caller's SKP.
func (s *server) attachEvidence(w http.ResponseWriter, r *http.Request, c command, req evidenceRequest) {
	at, err := parseTime("captured_at", req.CapturedAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.onRecord(w, r, c, req.SHA256, func(rec *execution.Record, _ skp.Plan) ([]execution.Event, error) {
		return rec.AttachEvidence(c.by, execution.Evidence{SHA256: req.SHA256, Kind: req.Kind, URI: req.URI, CapturedAt: at}, c.at)
	})
}

type realisationRequest struct {
	RealisationID *uuid.UUID `json:"realisation_id,omitempty"`
	IKIID         uuid.UUID  `json:"iki_id"`
	PeriodID      string     `json:"period_id"`
	Value         float64    `json:"value"`
	Narrative     string     `json:"narrative,omitempty"`
	EvidenceRefs  []string   `json:"evidence_refs,omitempty"`
	Supersedes    *uuid.UUID `json:"supersedes,omitempty"`
	Reason        string     `json:"reason,omitempty"` // required for a correction
}

// reportRealisation reports the value achieved for an IKI in a period.
func (s *server) reportRealisation(w http.ResponseWriter, r *http.Request, c command, req realisationRequest) {
	p, err := periodOf("period_id", req.PeriodID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.idOr(req.RealisationID, "realisation")
	c.cmd.Metadata.Reason = req.Reason
	s.onRecord(w, r, c, id.String(), func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error) {
		return rec.ReportRealisation(c.by, plan, execution.Realisation{ID: id, IKI: req.IKIID, Period: execution.PeriodRef{ID: p.ID, Start: p.Start, End: p.End},
			Value: req.Value, Narrative: req.Narrative, Evidence: req.EvidenceRefs, Supersedes: req.Supersedes, Reason: req.Reason}, c.at)
	})
}

type feedbackRequest struct {
	RHKID        *uuid.UUID    `json:"rhk_id,omitempty"`
	CoreValue    skp.CoreValue `json:"core_value,omitempty"`
	Text         string        `json:"text"`
	EvidenceRefs []string      `json:"evidence_refs,omitempty"`
}

// giveFeedback records the evaluator's continuous feedback.
func (s *server) giveFeedback(w http.ResponseWriter, r *http.Request, c command, req feedbackRequest) {
	id := c.newID("feedback")
	s.onRecord(w, r, c, id.String(), func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error) {
		return rec.GiveFeedback(c.by, plan, execution.FeedbackGiven{Feedback: id, RHK: req.RHKID, CoreValue: req.CoreValue, Text: req.Text, Evidence: req.EvidenceRefs}, c.at)
	})
}

type behaviourInputRequest struct {
	// Relation is CITIZEN for a citizen's input, which HR records from a
	// survey or complaint named in source_ref; otherwise leave it empty: a
	// peer's or subordinate's relation comes from the organisation.
	Relation   execution.Relation `json:"relation,omitempty"`
	PeriodID   string             `json:"period_id"`
	CoreValue  skp.CoreValue      `json:"core_value"`
	Assessment policy.Rating      `json:"assessment"`
	Text       string             `json:"text"`
	SourceRef  string             `json:"source_ref,omitempty"`
}

// giveBehaviourInput records a peer's or a subordinate's view of the
// employee's behaviour, or, recorded by HR, a citizen's. The relation of a
// peer or subordinate comes from the organisation: a subordinate's superior
// is the employee, a peer shares the employee's evaluator.
func (s *server) giveBehaviourInput(w http.ResponseWriter, r *http.Request, c command, req behaviourInputRequest) {
	p, err := periodOf("period_id", req.PeriodID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	citizen := req.Relation == execution.Citizen
	switch {
	case citizen && !callerFrom(r.Context()).Has(RoleHR):
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "a citizen's input is recorded by HR from a survey or complaint").WithField("relation").WithRule("role"))
		return
	case citizen:
		c.cmd.Metadata.Actor.Role = string(RoleHR)
	case req.Relation != "":
		s.writeError(w, r, domain.Errorf(domain.Invalid, "relation is CITIZEN or left out; a peer's or subordinate's relation comes from the organisation, not %q", req.Relation).WithField("relation"))
		return
	}
	id := c.newID("input")
	in := execution.PeerInputGiven{Input: id, SourceRef: req.SourceRef, Period: execution.PeriodRef{ID: p.ID, Start: p.Start, End: p.End},
		CoreValue: req.CoreValue, Assessment: req.Assessment, Text: req.Text}
	s.onRecordOpen(w, r, c, id.String(), func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error) {
		if citizen {
			in.Relation = execution.Citizen
			return rec.GiveInput("", in, c.at)
		}
		x, err := s.loadEmployee(r.Context(), c.by, "from_nip")
		if err != nil {
			return nil, err
		}
		mine, ok := x.PlacementOn(c.at)
		switch {
		case c.by == plan.Employee || c.by == plan.Evaluator:
			// the domain refuses both, in its own words
		case ok && mine.DirectSuperior == plan.Employee:
			in.Relation = execution.Subordinate
		case ok && mine.DirectSuperior == plan.Evaluator:
			in.Relation = execution.Peer
		default:
			return nil, domain.Errorf(domain.Forbidden, "you are neither a peer nor a subordinate of %s, so you give no behaviour input on them", plan.Employee).WithRule(execution.RuleActor)
		}
		return rec.GiveInput(c.by, in, c.at)
	})
}

// onRecordOpen is onRecord for commands of people other than the employee
// and the evaluator, who cannot open the record: it must exist.
func (s *server) onRecordOpen(w http.ResponseWriter, r *http.Request, c command, itemID string, decide func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := executionTarget(id)
	t.itemID = itemID
	execute(s, w, r, c, t, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		if !h.Exists {
			return nil, domain.Errorf(domain.NotFound, "the SKP has no execution record yet; it opens with the employee's or evaluator's first entry").WithField("skp_id")
		}
		plan, err := s.loadPlan(r.Context(), id, "skp_id")
		if err != nil {
			return nil, err
		}
		return decide(execution.ReplayRecord(h.Events), plan)
	})
}

type dailyLogRequest struct {
	LogID        *uuid.UUID `json:"log_id,omitempty"`
	Date         string     `json:"date"`
	RHKID        *uuid.UUID `json:"rhk_id,omitempty"`
	Description  string     `json:"description"`
	Minutes      int        `json:"minutes"`
	EvidenceRefs []string   `json:"evidence_refs,omitempty"`
}

// logDailyProgress writes a draft entry of the caller's daily log.
func (s *server) logDailyProgress(w http.ResponseWriter, r *http.Request, c command, req dailyLogRequest) {
	d, err := parseDate("date", req.Date, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.idOr(req.LogID, "log")
	s.onRecord(w, r, c, id.String(), func(rec *execution.Record, plan skp.Plan) ([]execution.Event, error) {
		return rec.LogDailyProgress(c.by, plan, execution.DailyProgressLogged{Log: id, Date: d, RHK: req.RHKID, Description: req.Description, Minutes: req.Minutes, Evidence: req.EvidenceRefs}, c.at)
	})
}

// submitDailyProgress sends a draft log entry to the superior.
func (s *server) submitDailyProgress(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	logID, err := pathUUID(r, "log_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.onRecordOpen(w, r, c, logID.String(), func(rec *execution.Record, _ skp.Plan) ([]execution.Event, error) {
		return rec.SubmitDailyProgress(c.by, logID, c.at)
	})
}

type reviewRequest struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty"` // required for a rejection
}

// reviewDailyProgress approves or rejects a submitted entry (the evaluator).
func (s *server) reviewDailyProgress(w http.ResponseWriter, r *http.Request, c command, req reviewRequest) {
	logID, err := pathUUID(r, "log_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Comment
	s.onRecordOpen(w, r, c, logID.String(), func(rec *execution.Record, _ skp.Plan) ([]execution.Event, error) {
		return rec.ReviewDailyProgress(c.by, logID, req.Approve, req.Comment, c.at)
	})
}

type recordView struct {
	SKP          uuid.UUID                       `json:"skp_id"`
	Realisations []execution.RealisationReported `json:"realisations"` // every report, corrections included
	Feedback     []execution.FeedbackGiven       `json:"feedback"`
	Inputs       []execution.PeerInputGiven      `json:"behaviour_inputs"`
	DailyLogs    []dailyLogView                  `json:"daily_logs"`
}

type dailyLogView struct {
	execution.DailyProgressLogged
	Status execution.LogStatus `json:"status"`
}

// getExecution reads the execution record of an SKP: realisations,
// feedback, behaviour inputs and the daily log. The SKP's parties read it.
func (s *server) getExecution(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var plan skp.Plan
	if !canReadLedger(callerFrom(r.Context())) {
		if plan, err = s.loadPlan(r.Context(), id, "skp_id"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	readAggregate(s, w, r, id.String(), execution.Stream(id), execution.Decode,
		func(c Caller, _ eventstore.History[execution.Event]) error {
			if named(c, plan) {
				return nil
			}
			return forbidRead("execution record")
		},
		func(h eventstore.History[execution.Event]) any {
			rec := execution.ReplayRecord(h.Events)
			v := recordView{SKP: id, Realisations: rec.History(), Feedback: rec.Feedback(), Inputs: rec.Inputs()}
			for _, e := range h.Events {
				if l, ok := e.(execution.DailyProgressLogged); ok {
					st, _ := rec.LogStatus(l.Log)
					v.DailyLogs = append(v.DailyLogs, dailyLogView{DailyProgressLogged: l, Status: st})
				}
			}
			return v
		})
}

type coachingRequest struct {
	SKPID    uuid.UUID              `json:"skp_id"`
	Date     string                 `json:"date"`
	Type     execution.CoachingType `json:"type"`
	NotesRef string                 `json:"notes_ref,omitempty"`
}

func coachingTarget(id uuid.UUID) target[execution.Event] {
	return target[execution.Event]{stream: execution.SessionStream(id), decode: execution.Decode, id: id.String()}
}

// holdCoaching records a coaching session the evaluator holds with the
// employee of an SKP.
func (s *server) holdCoaching(w http.ResponseWriter, r *http.Request, c command, req coachingRequest) {
	d, err := parseDate("date", req.Date, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("coaching")
	t := coachingTarget(id)
	t.location = "/v1/coaching-sessions/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		plan, err := s.loadPlan(r.Context(), req.SKPID, "skp_id")
		if err != nil {
			return nil, err
		}
		return execution.HoldSession(c.by, plan, execution.SessionHeld{Session: id, Date: d, Type: req.Type, NotesRef: req.NotesRef}, c.at)
	})
}

type coachingFeedbackRequest struct {
	Answers []string `json:"answers"`
}

// submitCoachingFeedback records the coached employee's nine answers.
func (s *server) submitCoachingFeedback(w http.ResponseWriter, r *http.Request, c command, req coachingFeedbackRequest) {
	s.onSession(w, r, c, func(x *execution.Session) ([]execution.Event, error) {
		return x.SubmitFeedback(c.by, req.Answers, c.at)
	})
}

type competenciesRequest struct {
	Competencies []execution.Competency `json:"competencies"`
}

// evaluateCompetencies records the coach's evaluation after a session.
func (s *server) evaluateCompetencies(w http.ResponseWriter, r *http.Request, c command, req competenciesRequest) {
	s.onSession(w, r, c, func(x *execution.Session) ([]execution.Event, error) {
		return x.EvaluateCompetencies(c.by, req.Competencies, c.at)
	})
}

func (s *server) onSession(w http.ResponseWriter, r *http.Request, c command, decide func(*execution.Session) ([]execution.Event, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	execute(s, w, r, c, coachingTarget(id), func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		if !h.Exists {
			return nil, domain.Errorf(domain.NotFound, "no such coaching session").WithField("id")
		}
		return decide(execution.ReplaySession(h.Events))
	})
}

// getCoaching reads a coaching session: its coach and employee read it.
func (s *server) getCoaching(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), execution.SessionStream(id), execution.Decode,
		func(c Caller, h eventstore.History[execution.Event]) error {
			if held, ok := h.Events[0].(execution.SessionHeld); ok && (c.NIP == held.Coach || c.NIP == held.Employee) {
				return nil
			}
			return forbidRead("coaching session")
		},
		func(h eventstore.History[execution.Event]) any { return eventBodies(h.Events) })
}

// eventBodies lists an aggregate's events by type, for aggregates whose
// state is just their facts.
func eventBodies[E eventstore.Typed](events []E) []map[string]any {
	out := make([]map[string]any, len(events))
	for i, e := range events {
		out[i] = map[string]any{"type": e.EventType(), "data": e}
	}
	return out
}

type openSeriesRequest struct {
	UnitID        *uuid.UUID `json:"unit_id,omitempty"`
	NIP           string     `json:"nip,omitempty"`
	IndicatorID   uuid.UUID  `json:"indicator_id"`
	UnitOfMeasure string     `json:"unit_of_measure"`
}

func seriesTarget(id uuid.UUID) target[execution.Event] {
	return target[execution.Event]{stream: execution.SeriesStream(id), decode: execution.Decode, id: id.String()}
}

// openSeries starts a series of objective observations of a catalogue
// indicator for one unit or one person (HR, for the systems it imports).
func (s *server) openSeries(w http.ResponseWriter, r *http.Request, c command, req openSeriesRequest) {
	n, err := parseNIP("nip", req.NIP, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("series")
	t := seriesTarget(id)
	t.location = "/v1/metric-series/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		if _, err := loadFact(r.Context(), s, indicator.Stream(req.IndicatorID), indicator.Decode, "indicator_id", "indicator in the catalogue"); err != nil {
			return nil, err
		}
		return execution.OpenSeries(execution.SeriesOpened{Series: id, Unit: req.UnitID, NIP: n, Indicator: req.IndicatorID, UnitOfMeasure: req.UnitOfMeasure}, c.at)
	})
}

type observationRequest struct {
	PeriodID         string     `json:"period_id"`
	Value            float64    `json:"value"`
	IndicatorVersion int        `json:"indicator_version"`
	Source           string     `json:"source"`
	SourceRef        string     `json:"source_ref,omitempty"`
	Supersedes       *uuid.UUID `json:"supersedes,omitempty"`
	Reason           string     `json:"reason,omitempty"`
}

// observeMetric records one observation of a series (HR).
func (s *server) observeMetric(w http.ResponseWriter, r *http.Request, c command, req observationRequest) {
	id, err := pathUUID(r, "id")
	p, errP := periodOf("period_id", req.PeriodID)
	if err := errOr(err, errP); err != nil {
		s.writeError(w, r, err)
		return
	}
	obs := c.newID("observation")
	t := seriesTarget(id)
	t.itemID = obs.String()
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, t, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
		return execution.ReplaySeries(h.Events).Observe(execution.MetricObserved{Observation: obs, Period: execution.PeriodRef{ID: p.ID, Start: p.Start, End: p.End},
			Value: req.Value, Version: req.IndicatorVersion, Source: req.Source, SourceRef: req.SourceRef, Supersedes: req.Supersedes, Reason: req.Reason}, c.at)
	})
}

// getSeries reads a metric series; its observations are objective data of
// the instansi, which every role may read.
func (s *server) getSeries(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), execution.SeriesStream(id), execution.Decode,
		func(Caller, eventstore.History[execution.Event]) error { return nil },
		func(h eventstore.History[execution.Event]) any { return eventBodies(h.Events) })
}
