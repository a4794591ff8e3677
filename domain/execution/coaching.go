package execution

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/skp"
)

// CoachingType is the kind of coaching session.
type CoachingType string

// Kinds of coaching session.
const (
	Bimbingan CoachingType = "BIMBINGAN"
	Konseling CoachingType = "KONSELING"
)

// Valid reports whether t is BIMBINGAN or KONSELING.
func (t CoachingType) Valid() bool { return t == Bimbingan || t == Konseling }

// FeedbackQuestions is the number of questions of Format B.1.8.
const FeedbackQuestions = 9

// Competency is one competency evaluated after a session, scored 1–5.
type Competency struct {
	Name   string `json:"name"`
	Score  int    `json:"score"`
	Reason string `json:"reason"`
}

// SessionStream returns the event stream name of coaching session id.
func SessionStream(id uuid.UUID) string { return "coaching-" + id.String() }

// Session is one coaching session, rebuilt from its events.
type Session struct {
	id          uuid.UUID
	coach       domain.NIP
	employee    domain.NIP
	feedback    []string
	competences []Competency
}

// ReplaySession folds events, oldest first, into a new Session.
func ReplaySession(events []Event) *Session {
	s := &Session{}
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// Apply changes the session to reflect e. It never fails: events are facts.
func (s *Session) Apply(e Event) {
	switch e := e.(type) {
	case SessionHeld:
		s.id, s.coach, s.employee = e.Session, e.Coach, e.Employee
	case CoachingFeedbackSubmitted:
		s.feedback = e.Answers
	case CompetencyEvaluated:
		s.competences = e.Competencies
	}
}

// HoldSession records a coaching session the evaluator holds with the
// employee of plan, on a day inside the SKP period. Errors: Forbidden for
// anyone but the plan's evaluator; Invalid for an unknown type, a day outside
// the period or an unapproved plan.
func HoldSession(by domain.NIP, plan skp.Plan, h SessionHeld, at time.Time) ([]Event, error) {
	switch {
	case by != plan.Evaluator:
		return nil, domain.Errorf(domain.Forbidden, "coaching is given by the employee's evaluator %s", plan.Evaluator).WithRule(RuleActor)
	case !plan.Approved:
		return nil, domain.Errorf(domain.Invalid, "SKP %s is not approved", plan.ID).WithField("skp_id").WithRule(RulePlan)
	case h.Session == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the session needs an id").WithField("session_id").WithRule(RuleRequired)
	case !h.Type.Valid():
		return nil, domain.Errorf(domain.Invalid, "session type %q is not BIMBINGAN or KONSELING", h.Type).WithField("type").WithRule(RuleRequired)
	case h.Date.Before(plan.Start) || h.Date.After(plan.End):
		return nil, domain.Errorf(domain.Invalid, "%s is outside the SKP period %s–%s", day(h.Date), day(plan.Start), day(plan.End)).WithField("date").WithRule(RuleRequired)
	}
	h.Coach, h.Employee, h.SKP, h.At = by, plan.Employee, plan.ID, at
	return []Event{h}, nil
}

// SubmitFeedback records the employee's nine answers of Format B.1.8, once.
// Errors: Forbidden for anyone but the coached employee; Invalid for other
// than nine non-empty answers; Conflict when already submitted.
func (s *Session) SubmitFeedback(by domain.NIP, answers []string, at time.Time) ([]Event, error) {
	if s.id == uuid.Nil {
		return nil, domain.Errorf(domain.NotFound, "no such coaching session")
	}
	switch {
	case by != s.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the coached employee gives feedback on the session").WithRule(RuleActor)
	case s.feedback != nil:
		return nil, domain.Errorf(domain.Conflict, "feedback on this session was already submitted")
	case len(answers) != FeedbackQuestions:
		return nil, domain.Errorf(domain.Invalid, "Format B.1.8 has %d questions; %d answers were given", FeedbackQuestions, len(answers)).WithField("answers").WithRule(RuleRequired)
	}
	for k, a := range answers {
		if strings.TrimSpace(a) == "" {
			return nil, domain.Errorf(domain.Invalid, "question %d has no answer", k+1).WithField(fmt.Sprintf("answers[%d]", k)).WithRule(RuleRequired)
		}
	}
	return []Event{CoachingFeedbackSubmitted{By: by, Answers: append([]string(nil), answers...), At: at}}, nil
}

// EvaluateCompetencies records the coach's Format B.1.9 evaluation, once.
// Errors: Forbidden for anyone but the coach; Invalid for no competencies,
// a missing name or reason, or a score outside 1–5; Conflict when already
// evaluated.
func (s *Session) EvaluateCompetencies(by domain.NIP, cs []Competency, at time.Time) ([]Event, error) {
	if s.id == uuid.Nil {
		return nil, domain.Errorf(domain.NotFound, "no such coaching session")
	}
	switch {
	case by != s.coach:
		return nil, domain.Errorf(domain.Forbidden, "only the coach evaluates competencies after the session").WithRule(RuleActor)
	case s.competences != nil:
		return nil, domain.Errorf(domain.Conflict, "the competencies of this session were already evaluated")
	case len(cs) == 0:
		return nil, domain.Errorf(domain.Invalid, "evaluate at least one competency").WithField("competencies").WithRule(RuleRequired)
	}
	for k, c := range cs {
		field := fmt.Sprintf("competencies[%d]", k)
		switch {
		case strings.TrimSpace(c.Name) == "":
			return nil, domain.Errorf(domain.Invalid, "competency %d has no name", k+1).WithField(field + ".name").WithRule(RuleRequired)
		case c.Score < 1 || c.Score > 5:
			return nil, domain.Errorf(domain.Invalid, "competency %q is scored %d; scores run from 1 to 5", c.Name, c.Score).WithField(field + ".score").WithRule(RuleValue)
		case strings.TrimSpace(c.Reason) == "":
			return nil, domain.Errorf(domain.Invalid, "give the reason for the score of %q", c.Name).WithField(field + ".reason").WithRule(RuleRequired)
		}
	}
	return []Event{CompetencyEvaluated{By: by, Competencies: append([]Competency(nil), cs...), At: at}}, nil
}
