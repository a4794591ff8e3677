package whatif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

// Rule identifiers of the reasons a report gives.
const (
	RuleIndicatorRevision = "whatif-indicator-revision" // an achievement recomputed under a substituted indicator revision
	RuleRecommendation    = "policy-thresholds"         // a recommended rating from the mean achievement
	RuleMatrix            = "policy-matrix"             // a predicate derived from the two ratings
	RuleQuota             = "policy-quotas"             // a unit's distribution against its quotas
)

// Report is the result of a what-if replay. It lists only what changes:
// the evaluations with an achievement, a recommended rating or a predicate
// that differs, and the units whose distribution or quota check differs,
// each in id order. Digest is the hex SHA-256 of the report's JSON (see
// [Report.JSON]) with Digest empty.
type Report struct {
	Position      string               `json:"position"` // the last log position replayed
	Substitutions replay.Substitutions `json:"substitutions"`
	Summary       Summary              `json:"summary"`
	Evaluations   []EvaluationDiff     `json:"evaluations"`
	Units         []UnitDiff           `json:"units"`
	Note          string               `json:"note"`
	Digest        string               `json:"digest,omitempty"`
}

// Summary counts what changes, and in which direction.
type Summary struct {
	Evaluations            int `json:"evaluations_replayed"`
	EvaluationsChanged     int `json:"evaluations_changed"`
	PeopleChanged          int `json:"people_changed"`
	AchievementsChanged    int `json:"achievements_changed"`
	RecommendationsUp      int `json:"recommendations_up"`
	RecommendationsDown    int `json:"recommendations_down"`
	RecommendationsOnly    int `json:"recommendations_against_decided_rating"` // the evaluator decided otherwise; the replay only recommends
	PredicatesUp           int `json:"predicates_up"`
	PredicatesDown         int `json:"predicates_down"`
	UnitsChanged           int `json:"units_changed"`
	UnitsNewlyViolating    int `json:"units_newly_violating"`
	UnitsNoLongerViolating int `json:"units_no_longer_violating"`
}

// EvaluationDiff is one employee's evaluation for one period, before and
// after the substitutions.
type EvaluationDiff struct {
	Evaluation   uuid.UUID         `json:"evaluation_id,omitzero"` // absent for an SKP not evaluated yet
	SKP          uuid.UUID         `json:"skp_id"`
	Employee     domain.NIP        `json:"nip"`
	Unit         uuid.UUID         `json:"unit_id,omitzero"`
	Period       string            `json:"period_id,omitempty"`
	Achievements []AchievementDiff `json:"achievements"`
	WorkResult   RatingDiff        `json:"work_result"`
	Predicate    *PredicateDiff    `json:"predicate,omitempty"`
}

// AchievementDiff is one IKI's achievement in one period before and after.
// A Problem says why an achievement cannot be computed (then the percent is
// zero and the achievement does not count in the mean).
type AchievementDiff struct {
	IKI           uuid.UUID  `json:"iki_id"`
	Period        string     `json:"period_id"`
	Indicator     *uuid.UUID `json:"indicator_id,omitempty"`
	Realised      float64    `json:"realised"`
	Before        float64    `json:"percent_before"`
	After         float64    `json:"percent_after"`
	ProblemBefore string     `json:"problem_before,omitempty"`
	ProblemAfter  string     `json:"problem_after,omitempty"`
	// The basis of the after side: what measures the realisation under the revision.
	Direction indicator.Direction `json:"direction_after,omitempty"`
	Formula   indicator.Formula   `json:"formula_after,omitempty"`
	Target    *indicator.Target   `json:"target_after,omitempty"`
	Rule      string              `json:"rule"`
	Reason    string              `json:"reason"`
	Event     *EventRef           `json:"event,omitempty"` // the realisation's report
}

// RatingDiff is the work-result rating: the one the evaluator decided, if
// any, which a replay never changes, and the rating the policy recommends
// from the mean achievement of the period before and after.
type RatingDiff struct {
	Decided           policy.Rating `json:"decided,omitempty"`
	MeanBefore        *float64      `json:"mean_achievement_before,omitempty"`
	MeanAfter         *float64      `json:"mean_achievement_after,omitempty"`
	RecommendedBefore policy.Rating `json:"recommended_before,omitempty"`
	RecommendedAfter  policy.Rating `json:"recommended_after,omitempty"`
	Rule              string        `json:"rule,omitempty"`
	Reason            string        `json:"reason,omitempty"`
	Event             *EventRef     `json:"event,omitempty"` // the evaluator's rating
}

// PredicateDiff is the individual predicate before and after. Basis says
// where the value comes from: "derived" (the policy's matrix from the
// evaluator's ratings, re-derived after), "decided" (an objection decision
// set it; it stays), or "recommended" (no rating is decided yet: the matrix
// from the recommended work-result rating and the behaviour rating).
type PredicateDiff struct {
	Before policy.Predicate `json:"before,omitempty"`
	After  policy.Predicate `json:"after,omitempty"`
	Basis  string           `json:"basis"`
	Rule   string           `json:"rule"`
	Reason string           `json:"reason"`
	// Problem says why a predicate could not be derived before or after
	// (say, a substituted policy that rates on a numeric scale), which is
	// then left empty.
	Problem string    `json:"problem,omitempty"`
	Event   *EventRef `json:"event,omitempty"`
}

// UnitDiff is one unit's distribution for one period against its quotas,
// before and after.
type UnitDiff struct {
	Unit             uuid.UUID                `json:"unit_id"`
	Assessment       uuid.UUID                `json:"assessment_id,omitzero"` // the unit's assessment stream for the period
	Period           string                   `json:"period_id"`
	OrgPredicate     policy.OrgPredicate      `json:"org_predicate,omitempty"`
	PolicyBefore     string                   `json:"policy_before,omitempty"`
	PolicyAfter      string                   `json:"policy_after,omitempty"`
	CountsBefore     map[policy.Predicate]int `json:"counts_before"`
	CountsAfter      map[policy.Predicate]int `json:"counts_after"`
	ViolationsBefore []string                 `json:"violations_before,omitempty"`
	ViolationsAfter  []string                 `json:"violations_after,omitempty"`
	Moved            []uuid.UUID              `json:"moved_evaluations,omitempty"`
	Rule             string                   `json:"rule"`
	Reason           string                   `json:"reason"`
}

// JSON returns the report as indented JSON with its digest: the SHA-256 of
// the same encoding with Digest empty. It sets r.Digest.
func (r *Report) JSON() ([]byte, error) {
	r.Digest = ""
	body, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	sum := sha256.Sum256(body)
	r.Digest = hex.EncodeToString(sum[:])
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return append(out, '\n'), nil
}
