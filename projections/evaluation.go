package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

// EvaluationView is one employee's evaluation for one period as the read
// side shows it: who evaluates, the ratings, the predicate and the policy it
// was determined under, the stage, and any objection.
type EvaluationView struct {
	Evaluation        uuid.UUID         `json:"evaluation_id"`
	Employee          domain.NIP        `json:"nip"`
	Evaluator         domain.NIP        `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP        `json:"evaluator_superior_nip"`
	SKP               uuid.UUID         `json:"skp_id"`
	Unit              uuid.UUID         `json:"unit_id"`
	Period            evaluation.Period `json:"period"`
	UnitHead          bool              `json:"unit_head"`
	Policy            string            `json:"policy_version"`
	Stage             evaluation.Stage  `json:"stage"`
	SelfAssessment    string            `json:"self_assessment,omitempty"`
	WorkResult        policy.Rating     `json:"work_result_rating,omitempty"`
	Behaviour         policy.Rating     `json:"behaviour_rating,omitempty"`
	Predicate         policy.Predicate  `json:"predicate,omitempty"`
	MatrixVersion     string            `json:"matrix_version,omitempty"`
	Finalized         *time.Time        `json:"finalized_at,omitempty"`
	Delivered         *time.Time        `json:"delivered_at,omitempty"`
	Objection         *ObjectionView    `json:"objection,omitempty"`
	Recommendation    *Recommendation   `json:"replay_recommendation,omitempty"`
	Position          string            `json:"last_position"`
}

// ObjectionView is the objection (keberatan) on an evaluation and its
// decision.
type ObjectionView struct {
	Objection uuid.UUID          `json:"objection_id"`
	Reasons   string             `json:"reasons"`
	Filed     time.Time          `json:"filed_at"`
	Outcome   evaluation.Outcome `json:"outcome,omitempty"`
	Reason    string             `json:"decision_reason,omitempty"`
	DecidedBy domain.NIP         `json:"decided_by,omitempty"`
	Decided   *time.Time         `json:"decided_at,omitempty"`
}

// Recommendation is the work-result rating a published replay recommends
// against the one the evaluator decided, for the evaluator to act on.
type Recommendation struct {
	Decided         policy.Rating `json:"decided"`
	Recommended     policy.Rating `json:"recommended"`
	MeanAchievement *float64      `json:"mean_achievement,omitempty"`
	Policy          string        `json:"policy_version"`
	Replay          replay.Ref    `json:"replay"`
	At              time.Time     `json:"at"`
}

// ScoreChange is a change of a rating or a predicate that an evaluation
// event made, for the audit trail.
type ScoreChange struct {
	Subject       string // "work_result_rating", "behaviour_rating" or "predicate"
	Before, After string
}

// foldEvaluation returns the evaluation after e and the score changes e made.
// Like foldPlan, it never changes v's slices or maps in place.
func foldEvaluation(v EvaluationView, rec *Event, e evaluation.Event) (EvaluationView, []ScoreChange) {
	var changes []ScoreChange
	rating := func(subject string, field *policy.Rating, r policy.Rating) {
		if *field != r {
			changes = append(changes, ScoreChange{Subject: subject, Before: string(*field), After: string(r)})
			*field = r
		}
	}
	predicate := func(pr policy.Predicate) {
		if v.Predicate != pr {
			changes = append(changes, ScoreChange{Subject: "predicate", Before: string(v.Predicate), After: string(pr)})
			v.Predicate = pr
		}
	}
	switch e := e.(type) {
	case evaluation.Opened:
		v = EvaluationView{Evaluation: e.Evaluation, Employee: e.Employee, Evaluator: e.Evaluator, EvaluatorSuperior: e.EvaluatorSuperior,
			SKP: e.SKP, Unit: e.Unit, Period: e.Period, UnitHead: e.UnitHead, Policy: e.Policy, Stage: evaluation.StageOpen}
	case evaluation.SelfAssessed:
		v.SelfAssessment = e.Notes
	case evaluation.WorkResultRated:
		rating("work_result_rating", &v.WorkResult, e.Rating)
		v.Recommendation = nil // the evaluator has acted on it
	case evaluation.BehaviourRated:
		rating("behaviour_rating", &v.Behaviour, e.Rating)
	case evaluation.PredicateDetermined:
		rating("work_result_rating", &v.WorkResult, e.WorkResult)
		rating("behaviour_rating", &v.Behaviour, e.Behaviour)
		predicate(e.Predicate)
		v.MatrixVersion = e.Policy
	case evaluation.Finalized:
		v.Stage, v.Finalized = evaluation.StageFinalized, ptr(e.At)
	case evaluation.Delivered:
		v.Stage, v.Delivered = evaluation.StageDelivered, ptr(e.At)
	case evaluation.ObjectionFiled:
		v.Stage = evaluation.StageObjected
		v.Objection = &ObjectionView{Objection: e.Objection, Reasons: e.Reasons, Filed: e.At}
	case evaluation.ObjectionDecided:
		o := ObjectionView{Objection: e.Objection}
		if v.Objection != nil {
			o = *v.Objection
		}
		o.Outcome, o.Reason, o.DecidedBy, o.Decided = e.Outcome, e.Reason, e.By, ptr(e.At)
		v.Objection = &o
		if e.Outcome == evaluation.Changed {
			if e.WorkResult != "" {
				rating("work_result_rating", &v.WorkResult, e.WorkResult)
			}
			if e.Behaviour != "" {
				rating("behaviour_rating", &v.Behaviour, e.Behaviour)
			}
			if e.Predicate != "" {
				predicate(e.Predicate)
			}
		}
	case evaluation.Locked:
		v.Stage = evaluation.StageLocked
		predicate(e.Predicate)
	case evaluation.RatingRecommended:
		v.Recommendation = &Recommendation{Decided: e.Decided, Recommended: e.Recommended, MeanAchievement: e.MeanAchievement,
			Policy: e.Policy, Replay: e.Replay, At: e.At}
	case evaluation.PredicateRederived:
		predicate(e.Predicate)
		v.MatrixVersion, v.Policy = e.Policy, e.Policy
	}
	v.Position = rec.positionText()
	return v, changes
}
