package execution

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeOpened                 = "execution.opened"
	typeEvidenceAttached       = "execution.evidence_attached"
	typeRealisationReported    = "execution.realisation_reported"
	typeAchievementRederived   = "execution.achievement_rederived"
	typeFeedbackGiven          = "execution.feedback_given"
	typePeerInputGiven         = "execution.peer_input_given"
	typeDailyProgressLogged    = "execution.daily_progress_logged"
	typeDailyProgressSubmitted = "execution.daily_progress_submitted"
	typeDailyProgressApproved  = "execution.daily_progress_approved"
	typeDailyProgressRejected  = "execution.daily_progress_rejected"
	typeSeriesOpened           = "metric.series_opened"
	typeMetricObserved         = "metric.observed"
	typeSessionHeld            = "coaching.session_held"
	typeCoachingFeedback       = "coaching.feedback_submitted"
	typeCompetencyEvaluated    = "coaching.competency_evaluated"
)

// Event is a fact about execution: of an SKP's record, a metric series or a
// coaching session.
type Event interface {
	EventType() string
}

// PeriodRef is a period of the performance year (a quarter, a month, a
// semester or the whole year), as the year aggregate defines it.
type PeriodRef struct {
	ID    string    `json:"period_id"` // e.g. "2026-Q1"
	Start time.Time `json:"start"`
	End   time.Time `json:"end"` // last day, inclusive
}

// Opened starts the execution record of an approved SKP.
type Opened struct {
	SKP       uuid.UUID  `json:"skp_id"`
	Employee  domain.NIP `json:"nip"`
	Evaluator domain.NIP `json:"evaluator_nip"`
	Start     time.Time  `json:"period_start"`
	End       time.Time  `json:"period_end"`
	At        time.Time  `json:"at"`
}

// EvidenceAttached records supporting evidence (bukti dukung), addressed by
// the SHA-256 of its content.
type EvidenceAttached struct {
	SHA256     string       `json:"sha256"`
	Kind       EvidenceKind `json:"kind"`
	URI        string       `json:"uri"`
	Owner      domain.NIP   `json:"owner_nip"`
	CapturedAt time.Time    `json:"captured_at"`
	At         time.Time    `json:"at"`
}

// RealisationReported records the value achieved for one IKI in one period.
// A correction supersedes an earlier realisation and gives a reason.
type RealisationReported struct {
	Realisation uuid.UUID  `json:"realisation_id"`
	IKI         uuid.UUID  `json:"iki_id"`
	RHK         uuid.UUID  `json:"rhk_id"`
	Period      PeriodRef  `json:"period"`
	Value       float64    `json:"value"`
	Narrative   string     `json:"narrative"`
	Evidence    []string   `json:"evidence_refs"`
	Indicator   *uuid.UUID `json:"indicator_id,omitempty"`
	Version     int        `json:"indicator_version,omitempty"` // the catalogue version measured with, forever
	Supersedes  *uuid.UUID `json:"supersedes,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	By          domain.NIP `json:"by"`
	At          time.Time  `json:"at"`
}

// AchievementRederived applies the indicator revision of a published
// replay to one IKI in one period: from then on the achievement of its
// current realisation, and of any later correction, is computed on this
// basis instead of the plan's direction and target. The realisation stays
// as reported. Percent (or Problem, when the value cannot be measured on
// the basis) is the achievement of Realisation when it was re-derived.
type AchievementRederived struct {
	IKI         uuid.UUID           `json:"iki_id"`
	Period      string              `json:"period_id"`
	Realisation uuid.UUID           `json:"realisation_id"`
	Indicator   uuid.UUID           `json:"indicator_id"`
	Direction   indicator.Direction `json:"direction"`
	Formula     indicator.Formula   `json:"formula"`
	Target      indicator.Target    `json:"target"`
	Percent     float64             `json:"percent"`
	Problem     string              `json:"problem,omitempty"`
	Replay      replay.Ref          `json:"replay"`
	By          domain.NIP          `json:"by"`
	At          time.Time           `json:"at"`
}

// FeedbackGiven records continuous feedback (umpan balik berkelanjutan) from
// the evaluator on one RHK or one BerAKHLAK value.
type FeedbackGiven struct {
	Feedback  uuid.UUID     `json:"feedback_id"`
	From      domain.NIP    `json:"from_nip"`
	RHK       *uuid.UUID    `json:"rhk_id,omitempty"`
	CoreValue skp.CoreValue `json:"core_value,omitempty"`
	Text      string        `json:"text"`
	Evidence  []string      `json:"evidence_refs,omitempty"`
	At        time.Time     `json:"at"`
}

// PeerInputGiven records a peer's, a subordinate's or a citizen's view of
// the employee's behaviour on one BerAKHLAK value, for the evaluator to
// consider.
type PeerInputGiven struct {
	Input      uuid.UUID     `json:"input_id"`
	From       domain.NIP    `json:"from_nip,omitempty"` // empty for a citizen
	Relation   Relation      `json:"relation"`
	SourceRef  string        `json:"source_ref,omitempty"` // e.g. the survey or complaint id of a citizen input
	Period     PeriodRef     `json:"period"`
	CoreValue  skp.CoreValue `json:"core_value"`
	Assessment policy.Rating `json:"assessment"`
	Text       string        `json:"text"`
	At         time.Time     `json:"at"`
}

// DailyProgressLogged records one entry of the daily progress log.
type DailyProgressLogged struct {
	Log         uuid.UUID  `json:"log_id"`
	Date        time.Time  `json:"date"`
	RHK         *uuid.UUID `json:"rhk_id,omitempty"`
	Description string     `json:"description"`
	Minutes     int        `json:"minutes"`
	Evidence    []string   `json:"evidence_refs,omitempty"`
	At          time.Time  `json:"at"`
}

// DailyProgressSubmitted sends a log entry to the superior.
type DailyProgressSubmitted struct {
	Log uuid.UUID `json:"log_id"`
	At  time.Time `json:"at"`
}

// DailyProgressApproved records the superior's approval of a log entry.
type DailyProgressApproved struct {
	Log     uuid.UUID  `json:"log_id"`
	By      domain.NIP `json:"by"`
	Comment string     `json:"comment,omitempty"`
	At      time.Time  `json:"at"`
}

// DailyProgressRejected records the superior's rejection of a log entry.
type DailyProgressRejected struct {
	Log     uuid.UUID  `json:"log_id"`
	By      domain.NIP `json:"by"`
	Comment string     `json:"comment"`
	At      time.Time  `json:"at"`
}

// SeriesOpened starts a series of objective observations of one catalogue
// indicator for one unit or one person.
type SeriesOpened struct {
	Series        uuid.UUID  `json:"series_id"`
	Unit          *uuid.UUID `json:"unit_id,omitempty"`
	NIP           domain.NIP `json:"nip,omitempty"`
	Indicator     uuid.UUID  `json:"indicator_id"`
	UnitOfMeasure string     `json:"unit_of_measure"`
	At            time.Time  `json:"at"`
}

// MetricObserved records one observed value of the series' indicator in a
// period, from an objective source (complaint system, SKM survey, queue
// system). A correction supersedes the earlier value with a reason.
type MetricObserved struct {
	Observation uuid.UUID  `json:"observation_id"`
	Period      PeriodRef  `json:"period"`
	Value       float64    `json:"value"`
	Version     int        `json:"indicator_version"`
	Source      string     `json:"source"`
	SourceRef   string     `json:"source_ref,omitempty"`
	Supersedes  *uuid.UUID `json:"supersedes,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	At          time.Time  `json:"at"`
}

// SessionHeld records a coaching session (bimbingan or konseling kinerja).
type SessionHeld struct {
	Session  uuid.UUID    `json:"session_id"`
	Coach    domain.NIP   `json:"coach_nip"`
	Employee domain.NIP   `json:"employee_nip"`
	SKP      uuid.UUID    `json:"skp_id"`
	Date     time.Time    `json:"date"`
	Type     CoachingType `json:"type"`
	NotesRef string       `json:"notes_ref,omitempty"`
	At       time.Time    `json:"at"`
}

// CoachingFeedbackSubmitted records the employee's answers to the nine
// questions of Format B.1.8 about the session.
type CoachingFeedbackSubmitted struct {
	By      domain.NIP `json:"by"`
	Answers []string   `json:"answers"`
	At      time.Time  `json:"at"`
}

// CompetencyEvaluated records the coach's evaluation of competencies on a
// 1–5 scale (Format B.1.9).
type CompetencyEvaluated struct {
	By           domain.NIP   `json:"by"`
	Competencies []Competency `json:"competencies"`
	At           time.Time    `json:"at"`
}

func (Opened) EventType() string                    { return typeOpened }
func (EvidenceAttached) EventType() string          { return typeEvidenceAttached }
func (RealisationReported) EventType() string       { return typeRealisationReported }
func (AchievementRederived) EventType() string      { return typeAchievementRederived }
func (FeedbackGiven) EventType() string             { return typeFeedbackGiven }
func (PeerInputGiven) EventType() string            { return typePeerInputGiven }
func (DailyProgressLogged) EventType() string       { return typeDailyProgressLogged }
func (DailyProgressSubmitted) EventType() string    { return typeDailyProgressSubmitted }
func (DailyProgressApproved) EventType() string     { return typeDailyProgressApproved }
func (DailyProgressRejected) EventType() string     { return typeDailyProgressRejected }
func (SeriesOpened) EventType() string              { return typeSeriesOpened }
func (MetricObserved) EventType() string            { return typeMetricObserved }
func (SessionHeld) EventType() string               { return typeSessionHeld }
func (CoachingFeedbackSubmitted) EventType() string { return typeCoachingFeedback }
func (CompetencyEvaluated) EventType() string       { return typeCompetencyEvaluated }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or malformed JSON is an error; it never panics.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeOpened:
		return decode[Opened](data)
	case typeEvidenceAttached:
		return decode[EvidenceAttached](data)
	case typeRealisationReported:
		return decode[RealisationReported](data)
	case typeAchievementRederived:
		return decode[AchievementRederived](data)
	case typeFeedbackGiven:
		return decode[FeedbackGiven](data)
	case typePeerInputGiven:
		return decode[PeerInputGiven](data)
	case typeDailyProgressLogged:
		return decode[DailyProgressLogged](data)
	case typeDailyProgressSubmitted:
		return decode[DailyProgressSubmitted](data)
	case typeDailyProgressApproved:
		return decode[DailyProgressApproved](data)
	case typeDailyProgressRejected:
		return decode[DailyProgressRejected](data)
	case typeSeriesOpened:
		return decode[SeriesOpened](data)
	case typeMetricObserved:
		return decode[MetricObserved](data)
	case typeSessionHeld:
		return decode[SessionHeld](data)
	case typeCoachingFeedback:
		return decode[CoachingFeedbackSubmitted](data)
	case typeCompetencyEvaluated:
		return decode[CompetencyEvaluated](data)
	}
	return nil, fmt.Errorf("unknown execution event type %q", eventType)
}

func decode[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", e.EventType(), err)
	}
	return e, nil
}
