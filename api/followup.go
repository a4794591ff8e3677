package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/followup"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
)

// followUpID is the id of an employee's follow-up record: one per employee,
// so it is named after the NIP.
func followUpID(n domain.NIP) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:kinerja:followup:"+string(n)))
}

// onFollowUp runs decide on the follow-up record of the employee named by
// the path, with the locked evaluation evaluationID as the fact. The first
// decision opens the record, in the same append. An evaluator decides only
// for evaluations they made or oversaw; HR for everyone.
func (s *server) onFollowUp(w http.ResponseWriter, r *http.Request, c command, evaluationID uuid.UUID, decide func(*followup.Record, evaluation.Facts, policy.Policy) ([]followup.Event, error)) {
	n, err := employeeNIP(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := followUpID(n)
	t := target[followup.Event]{stream: followup.Stream(id), decode: followup.Decode, id: string(n)}
	execute(s, w, r, c, t, func(h eventstore.History[followup.Event]) ([]followup.Event, error) {
		eh, err := loadFact(r.Context(), s, evaluation.Stream(evaluationID), evaluation.Decode, "evaluation_id", "evaluation")
		if err != nil {
			return nil, err
		}
		opened, _ := firstEvent[evaluation.Opened](eh.Events)
		if roleFrom(r.Context()) == RoleEvaluator && c.by != opened.Evaluator && c.by != opened.EvaluatorSuperior {
			return nil, domain.Errorf(domain.Forbidden, "as an evaluator you decide follow-up only on evaluations you made or oversaw").WithField("evaluation_id").WithRule("follow-up-official")
		}
		p, err := policy.Lookup(opened.Policy)
		if err != nil {
			return nil, err
		}
		rec := followup.Replay(h.Events)
		var open []followup.Event
		if !h.Exists {
			if open, err = followup.Open(id, n, c.at); err != nil {
				return nil, err
			}
			for _, e := range open {
				rec.Apply(e)
			}
		}
		events, err := decide(rec, evaluation.ReplayEvaluation(eh.Events).Facts(), p)
		if err != nil {
			return nil, err
		}
		return append(open, events...), nil
	})
}

type creditPointsRequest struct {
	EvaluationID uuid.UUID `json:"evaluation_id"`
	JFLevel      string    `json:"jf_level"`
	Coefficient  float64   `json:"coefficient"`
	Months       int       `json:"months"`
}

// convertCreditPoints converts a locked evaluation's predicate into credit
// points (angka kredit).
func (s *server) convertCreditPoints(w http.ResponseWriter, r *http.Request, c command, req creditPointsRequest) {
	s.onFollowUp(w, r, c, req.EvaluationID, func(rec *followup.Record, ev evaluation.Facts, p policy.Policy) ([]followup.Event, error) {
		return rec.ConvertCreditPoints(c.by, ev, followup.Conversion{JFLevel: req.JFLevel, Coefficient: req.Coefficient, Months: req.Months}, p, c.at)
	})
}

type improvementRequest struct {
	EvaluationID uuid.UUID `json:"evaluation_id"`
	Start        string    `json:"start"`
	End          string    `json:"end"`
	Cause        string    `json:"cause"`
}

// startImprovementPeriod gives an employee below Baik a period to improve.
func (s *server) startImprovementPeriod(w http.ResponseWriter, r *http.Request, c command, req improvementRequest) {
	start, errS := parseDate("start", req.Start, false)
	end, errE := parseDate("end", req.End, false)
	if err := errOr(errS, errE); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Cause
	s.onFollowUp(w, r, c, req.EvaluationID, func(rec *followup.Record, ev evaluation.Facts, _ policy.Policy) ([]followup.Event, error) {
		return rec.StartImprovementPeriod(c.by, ev, start, end, req.Cause, c.at)
	})
}

type decisionBody struct {
	EvaluationID uuid.UUID  `json:"evaluation_id"`
	DecisionID   *uuid.UUID `json:"decision_id,omitempty"`
	Type         string     `json:"type"`
	LegalBasis   string     `json:"legal_basis"`
	DecisionRef  string     `json:"decision_ref"`
	Notes        string     `json:"notes,omitempty"`
}

func (req decisionBody) decision(c command) followup.Decision {
	return followup.Decision{ID: c.idOr(req.DecisionID, "decision"), Type: req.Type, LegalBasis: req.LegalBasis, DecisionRef: req.DecisionRef, Notes: req.Notes}
}

// grantReward records a reward (penghargaan).
func (s *server) grantReward(w http.ResponseWriter, r *http.Request, c command, req decisionBody) {
	c.cmd.Metadata.Reason = req.LegalBasis
	s.onFollowUp(w, r, c, req.EvaluationID, func(rec *followup.Record, ev evaluation.Facts, _ policy.Policy) ([]followup.Event, error) {
		return rec.GrantReward(c.by, ev, req.decision(c), c.at)
	})
}

// imposeSanction records a sanction (sanksi).
func (s *server) imposeSanction(w http.ResponseWriter, r *http.Request, c command, req decisionBody) {
	c.cmd.Metadata.Reason = req.LegalBasis
	s.onFollowUp(w, r, c, req.EvaluationID, func(rec *followup.Record, ev evaluation.Facts, _ policy.Policy) ([]followup.Event, error) {
		return rec.ImposeSanction(c.by, ev, req.decision(c), c.at)
	})
}

// recommendTraining records a training recommendation.
func (s *server) recommendTraining(w http.ResponseWriter, r *http.Request, c command, req decisionBody) {
	c.cmd.Metadata.Reason = req.LegalBasis
	s.onFollowUp(w, r, c, req.EvaluationID, func(rec *followup.Record, ev evaluation.Facts, _ policy.Policy) ([]followup.Event, error) {
		return rec.RecommendTraining(c.by, ev, req.decision(c), c.at)
	})
}

type followUpView struct {
	NIP         domain.NIP       `json:"nip"`
	CreditTotal float64          `json:"credit_points_total"`
	Decisions   []map[string]any `json:"decisions"`
}

// getFollowUp reads an employee's follow-up record: the employee reads
// their own.
func (s *server) getFollowUp(w http.ResponseWriter, r *http.Request) {
	n, err := employeeNIP(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Decided before reading, so that whether someone has a record is not
	// told to those who may not read it.
	if c := callerFrom(r.Context()); !canReadLedger(c) && c.NIP != n {
		s.writeError(w, r, forbidRead("follow-up record"))
		return
	}
	readAggregate(s, w, r, string(n), followup.Stream(followUpID(n)), followup.Decode,
		func(c Caller, _ eventstore.History[followup.Event]) error {
			if c.NIP == n {
				return nil
			}
			return forbidRead("follow-up record")
		},
		func(h eventstore.History[followup.Event]) any {
			return followUpView{NIP: n, CreditTotal: followup.Replay(h.Events).CreditTotal(), Decisions: eventBodies(h.Events)}
		})
}
