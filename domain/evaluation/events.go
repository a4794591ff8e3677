package evaluation

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeOrgPredicateSet      = "evaluation.org_predicate_set"
	typePatternFixed         = "evaluation.distribution_pattern_fixed"
	typeOrgPredicateRevised  = "evaluation.org_predicate_revised"
	typeDistributionChecked  = "evaluation.distribution_checked"
	typeOverrideRecorded     = "evaluation.distribution_override_recorded"
	typeFinalizationRecorded = "evaluation.unit_finalization_recorded"
	typeOpened               = "evaluation.opened"
	typeSelfAssessed         = "evaluation.self_assessment_submitted"
	typeWorkResultRated      = "evaluation.work_result_rated"
	typeBehaviourRated       = "evaluation.behaviour_rated"
	typePredicateDetermined  = "evaluation.predicate_determined"
	typeFinalized            = "evaluation.finalized"
	typeDelivered            = "evaluation.result_delivered"
	typeObjectionFiled       = "evaluation.objection_filed"
	typeExplanationRequested = "evaluation.objection_explanation_requested"
	typeExplanationProvided  = "evaluation.objection_explanation_provided"
	typeObjectionDecided     = "evaluation.objection_decided"
	typeLocked               = "evaluation.locked"
	typeRatingRecommended    = "evaluation.rating_recommended"
	typePredicateRederived   = "evaluation.predicate_rederived"
)

// Event is a fact about a unit's organisational assessment or about one
// employee's evaluation.
type Event interface {
	EventType() string
}

// Period is a period of the performance year (a quarter, a semester, or the
// whole year for the annual evaluation).
type Period struct {
	ID    string    `json:"period_id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// OrgPredicateSet records the organisational predicate (capaian kinerja
// organisasi) the leader one level above sets for a unit and period.
type OrgPredicateSet struct {
	Assessment      uuid.UUID           `json:"assessment_id"`
	Unit            uuid.UUID           `json:"unit_id"`
	Period          Period              `json:"period"`
	Predicate       policy.OrgPredicate `json:"predicate"`
	Basis           string              `json:"basis"`
	Recommendations []string            `json:"recommendations_from,omitempty"`
	Policy          string              `json:"policy_id"`
	SetBy           domain.NIP          `json:"set_by"`
	At              time.Time           `json:"at"`
}

// PatternFixed records the distribution pattern (pola distribusi) that the
// organisational predicate fixes for the unit: the policy's quotas.
type PatternFixed struct {
	OrgPredicate policy.OrgPredicate `json:"org_predicate"`
	Policy       string              `json:"rule_set_version"`
	Quotas       []Quota             `json:"quotas"`
	At           time.Time           `json:"at"`
	// Replay names the published replay that fixed the pattern again under
	// another quota version; nil when the organisational predicate fixed it.
	Replay *replay.Ref `json:"replay,omitempty"`
}

// Quota is one rule of a distribution pattern, as stored: a copy of the
// policy's quota, so that stored events do not depend on the policy's types.
type Quota struct {
	Rule       string             `json:"rule"`
	Predicates []policy.Predicate `json:"predicates"`
	Kind       policy.QuotaKind   `json:"kind"`
	Percent    int                `json:"percent"`
	AtLeast    int                `json:"at_least,omitempty"`
}

// Violation is one broken rule of a distribution check, as stored.
type Violation struct {
	Rule       string             `json:"rule"`
	Predicates []policy.Predicate `json:"predicates"`
	Count      int                `json:"count"`
	Limit      int                `json:"limit"`
	Message    string             `json:"message"`
}

// OrgPredicateRevised records a revision of the organisational predicate,
// before any evaluation of the unit in the period is finalised.
type OrgPredicateRevised struct {
	Predicate policy.OrgPredicate `json:"predicate"`
	Reason    string              `json:"reason"`
	By        domain.NIP          `json:"by"`
	At        time.Time           `json:"at"`
}

// DistributionChecked records the check of the unit's individual predicates
// against the pattern: the predicate of each evaluation counted, the counts,
// and the violations (none means PASS).
type DistributionChecked struct {
	Predicates map[uuid.UUID]policy.Predicate `json:"predicates"`
	Counts     map[policy.Predicate]int       `json:"counts"`
	Result     string                         `json:"result"` // PASS or FAIL
	Violations []Violation                    `json:"violations"`
	By         domain.NIP                     `json:"by"`
	At         time.Time                      `json:"at"`
}

// OverrideRecorded records that the leader accepts a failing distribution,
// with a justification (for example a unit too small for a percentage rule).
type OverrideRecorded struct {
	Justification string     `json:"justification"`
	By            domain.NIP `json:"approver"`
	At            time.Time  `json:"at"`
}

// FinalizationRecorded records, in a unit's assessment, that an evaluation
// depending on the unit's organisational predicate is being finalised: one
// counted in the unit's curve, with the predicate its check counted, or the
// unit's head, whose work-result rating the predicate gave. From then on
// the predicate cannot be revised. It is appended before the evaluation's
// Finalized, at the assessment revision the finalisation was decided on.
type FinalizationRecorded struct {
	Evaluation uuid.UUID        `json:"evaluation_id"`
	Predicate  policy.Predicate `json:"predicate"`
	By         domain.NIP       `json:"by"`
	At         time.Time        `json:"at"`
}

// Opened opens the evaluation of one employee for one period.
type Opened struct {
	Evaluation        uuid.UUID  `json:"evaluation_id"`
	Employee          domain.NIP `json:"nip"`
	Evaluator         domain.NIP `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP `json:"evaluator_superior_nip"`
	SKP               uuid.UUID  `json:"skp_id"`
	Unit              uuid.UUID  `json:"unit_id"`
	Period            Period     `json:"period"`
	UnitHead          bool       `json:"unit_head"`
	Policy            string     `json:"policy_id"`
	At                time.Time  `json:"at"`
}

// SelfAssessed records the employee's self-assessment (penilaian diri).
type SelfAssessed struct {
	Notes string     `json:"notes"`
	By    domain.NIP `json:"by"`
	At    time.Time  `json:"at"`
}

// WorkResultRated records the evaluator's rating of the work results.
type WorkResultRated struct {
	Rating    policy.Rating `json:"rating"`
	Rationale string        `json:"rationale"`
	RatedBy   domain.NIP    `json:"rated_by"`
	At        time.Time     `json:"at"`
}

// BehaviourRated records the evaluator's rating of the work behaviour.
type BehaviourRated struct {
	Rating  policy.Rating `json:"rating"`
	Notes   string        `json:"notes"`
	RatedBy domain.NIP    `json:"rated_by"`
	At      time.Time     `json:"at"`
}

// PredicateDetermined records the predicate the policy's matrix gives for
// the two ratings.
type PredicateDetermined struct {
	Predicate  policy.Predicate `json:"predicate"`
	WorkResult policy.Rating    `json:"work_result"`
	Behaviour  policy.Rating    `json:"behaviour"`
	Policy     string           `json:"matrix_version"`
	At         time.Time        `json:"at"`
}

// RatingRecommended records, for the evaluator to act on, the work-result
// rating a published replay recommends where the evaluator decided another
// one. The decided rating stays until the evaluator rates again.
type RatingRecommended struct {
	Decided         policy.Rating `json:"decided"`
	Recommended     policy.Rating `json:"recommended"`
	MeanAchievement *float64      `json:"mean_achievement,omitempty"` // percent, under the replay
	Policy          string        `json:"policy_version"`
	Replay          replay.Ref    `json:"replay"`
	By              domain.NIP    `json:"by"`
	At              time.Time     `json:"at"`
}

// PredicateRederived records the predicate a published replay derives
// again from the evaluator's two ratings under another policy's matrix. The
// evaluation is under that policy from then on.
type PredicateRederived struct {
	Before     policy.Predicate `json:"before,omitempty"`
	Predicate  policy.Predicate `json:"predicate"`
	WorkResult policy.Rating    `json:"work_result"`
	Behaviour  policy.Rating    `json:"behaviour"`
	Policy     string           `json:"matrix_version"`
	Replay     replay.Ref       `json:"replay"`
	By         domain.NIP       `json:"by"`
	At         time.Time        `json:"at"`
}

// Finalized records the evaluator's signature of the evaluation document.
type Finalized struct {
	SignedBy     domain.NIP `json:"signed_by"`
	SignatureRef string     `json:"signature_ref"`
	DocumentRef  string     `json:"document_ref,omitempty"`
	At           time.Time  `json:"signed_at"`
}

// Delivered records the delivery of the result to the employee. It starts
// the objection window.
type Delivered struct {
	By domain.NIP `json:"by"`
	At time.Time  `json:"delivered_at"`
}

// ObjectionFiled records the employee's objection (keberatan) with reasons.
type ObjectionFiled struct {
	Objection uuid.UUID  `json:"objection_id"`
	Reasons   string     `json:"reasons"`
	By        domain.NIP `json:"by"`
	At        time.Time  `json:"filed_at"`
}

// Party is who is asked to explain during an objection.
type Party string

// Parties to an objection.
const (
	PartyEvaluator Party = "EVALUATOR"
	PartyEmployee  Party = "EMPLOYEE"
)

// ExplanationRequested records the evaluator's superior asking one party
// for an explanation.
type ExplanationRequested struct {
	From     Party      `json:"from"`
	Question string     `json:"question"`
	By       domain.NIP `json:"by"`
	At       time.Time  `json:"at"`
}

// ExplanationProvided records a party's explanation.
type ExplanationProvided struct {
	From Party      `json:"from"`
	Text string     `json:"text"`
	By   domain.NIP `json:"by"`
	At   time.Time  `json:"at"`
}

// Outcome is the decision on an objection.
type Outcome string

// Outcomes of an objection.
const (
	Upheld  Outcome = "UPHELD"  // the evaluation stands
	Changed Outcome = "CHANGED" // the ratings, hence the predicate, change
)

// ObjectionDecided records the final decision of the evaluator's superior.
// For CHANGED it carries the new ratings and the predicate the matrix gives.
type ObjectionDecided struct {
	Objection  uuid.UUID        `json:"objection_id"`
	Outcome    Outcome          `json:"outcome"`
	WorkResult policy.Rating    `json:"work_result,omitempty"`
	Behaviour  policy.Rating    `json:"behaviour,omitempty"`
	Predicate  policy.Predicate `json:"new_predicate,omitempty"`
	Reason     string           `json:"reason"`
	By         domain.NIP       `json:"decided_by"`
	At         time.Time        `json:"decided_at"`
}

// Locked records that the evaluation is final: decided, or the objection
// window lapsed without one.
type Locked struct {
	Predicate policy.Predicate `json:"final_predicate"`
	At        time.Time        `json:"at"`
}

func (OrgPredicateSet) EventType() string      { return typeOrgPredicateSet }
func (PatternFixed) EventType() string         { return typePatternFixed }
func (OrgPredicateRevised) EventType() string  { return typeOrgPredicateRevised }
func (DistributionChecked) EventType() string  { return typeDistributionChecked }
func (OverrideRecorded) EventType() string     { return typeOverrideRecorded }
func (FinalizationRecorded) EventType() string { return typeFinalizationRecorded }
func (Opened) EventType() string               { return typeOpened }
func (SelfAssessed) EventType() string         { return typeSelfAssessed }
func (WorkResultRated) EventType() string      { return typeWorkResultRated }
func (BehaviourRated) EventType() string       { return typeBehaviourRated }
func (PredicateDetermined) EventType() string  { return typePredicateDetermined }
func (Finalized) EventType() string            { return typeFinalized }
func (Delivered) EventType() string            { return typeDelivered }
func (ObjectionFiled) EventType() string       { return typeObjectionFiled }
func (ExplanationRequested) EventType() string { return typeExplanationRequested }
func (ExplanationProvided) EventType() string  { return typeExplanationProvided }
func (ObjectionDecided) EventType() string     { return typeObjectionDecided }
func (RatingRecommended) EventType() string    { return typeRatingRecommended }
func (PredicateRederived) EventType() string   { return typePredicateRederived }
func (Locked) EventType() string               { return typeLocked }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or malformed JSON is an error; it never panics.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeOrgPredicateSet:
		return decode[OrgPredicateSet](data)
	case typePatternFixed:
		return decode[PatternFixed](data)
	case typeOrgPredicateRevised:
		return decode[OrgPredicateRevised](data)
	case typeDistributionChecked:
		return decode[DistributionChecked](data)
	case typeOverrideRecorded:
		return decode[OverrideRecorded](data)
	case typeFinalizationRecorded:
		return decode[FinalizationRecorded](data)
	case typeOpened:
		return decode[Opened](data)
	case typeSelfAssessed:
		return decode[SelfAssessed](data)
	case typeWorkResultRated:
		return decode[WorkResultRated](data)
	case typeBehaviourRated:
		return decode[BehaviourRated](data)
	case typePredicateDetermined:
		return decode[PredicateDetermined](data)
	case typeFinalized:
		return decode[Finalized](data)
	case typeDelivered:
		return decode[Delivered](data)
	case typeObjectionFiled:
		return decode[ObjectionFiled](data)
	case typeExplanationRequested:
		return decode[ExplanationRequested](data)
	case typeExplanationProvided:
		return decode[ExplanationProvided](data)
	case typeObjectionDecided:
		return decode[ObjectionDecided](data)
	case typeLocked:
		return decode[Locked](data)
	case typeRatingRecommended:
		return decode[RatingRecommended](data)
	case typePredicateRederived:
		return decode[PredicateRederived](data)
	}
	return nil, fmt.Errorf("unknown evaluation event type %q", eventType)
}

func decode[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", e.EventType(), err)
	}
	return e, nil
}
