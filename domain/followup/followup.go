// Package followup records what follows a final evaluation (tindak lanjut):
// credit points (angka kredit) converted from the predicate, the improvement
// period of at most six months (PP 30/2019 Pasal 57), and rewards, sanctions
// and training recommendations as recorded decisions. One Record holds the
// follow-up of one employee; the locked evaluation it follows is a command
// parameter (evaluation.Facts), loaded by the application layer.
package followup

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
)

// Rules a follow-up command can break, as named in *domain.Error.Rule.
const (
	RuleLocked        = "evaluation-locked"
	RuleCreditPercent = "credit-percentage"      // §8.22
	RuleCreditMonths  = "credit-months"          // §8.22
	RuleImprovement   = "improvement-six-months" // §8.23
	RuleActor         = "actor-relation"
	RuleRequired      = "required"
)

// MaxImprovementMonths is the longest improvement period (PP 30/2019 Pasal 57).
const MaxImprovementMonths = 6

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeOpened                   = "followup.opened"
	typeCreditPointsConverted    = "followup.credit_points_converted"
	typeImprovementPeriodStarted = "followup.improvement_period_started"
	typeRewardGranted            = "followup.reward_granted"
	typeSanctionImposed          = "followup.sanction_imposed"
	typeTrainingRecommended      = "followup.training_recommended"
)

// Event is a fact about an employee's follow-up.
type Event interface {
	EventType() string
}

// Opened starts the follow-up record of an employee.
type Opened struct {
	Record   uuid.UUID  `json:"record_id"`
	Employee domain.NIP `json:"nip"`
	At       time.Time  `json:"at"`
}

// CreditPointsConverted records credit points (angka kredit) earned from an
// evaluation's predicate: Coefficient × Percent/100 × Months/12, rounded to
// three decimals.
type CreditPointsConverted struct {
	Evaluation  uuid.UUID        `json:"evaluation_id"`
	Period      string           `json:"period_id"`
	Predicate   policy.Predicate `json:"predicate"`
	JFLevel     string           `json:"jf_level"`
	Coefficient float64          `json:"coefficient"`
	Percent     int              `json:"percentage"`
	Months      int              `json:"months"`
	Value       float64          `json:"ak_value"`
	Policy      string           `json:"policy_id"`
	By          domain.NIP       `json:"by"`
	At          time.Time        `json:"at"`
}

// ImprovementPeriodStarted records a period the employee is given to meet
// targets after a predicate below Baik.
type ImprovementPeriodStarted struct {
	Evaluation uuid.UUID  `json:"evaluation_id"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	Cause      string     `json:"cause"`
	By         domain.NIP `json:"by"`
	At         time.Time  `json:"at"`
}

// Decision is a recorded decision on a reward, a sanction or training.
type Decision struct {
	ID          uuid.UUID `json:"decision_id"`
	Type        string    `json:"type"`        // e.g. "TALENT_POOL", "PENURUNAN_JABATAN", "PELATIHAN_TEKNIS"
	LegalBasis  string    `json:"legal_basis"` // e.g. "PP 30/2019 Pasal 56"
	DecisionRef string    `json:"decision_ref"`
	Notes       string    `json:"notes,omitempty"`
}

// RewardGranted records a reward (penghargaan).
type RewardGranted struct {
	Evaluation uuid.UUID  `json:"evaluation_id"`
	Decision   Decision   `json:"decision"`
	By         domain.NIP `json:"by"`
	At         time.Time  `json:"at"`
}

// SanctionImposed records a sanction (sanksi).
type SanctionImposed struct {
	Evaluation uuid.UUID  `json:"evaluation_id"`
	Decision   Decision   `json:"decision"`
	By         domain.NIP `json:"by"`
	At         time.Time  `json:"at"`
}

// TrainingRecommended records a training or development recommendation.
type TrainingRecommended struct {
	Evaluation uuid.UUID  `json:"evaluation_id"`
	Decision   Decision   `json:"decision"`
	By         domain.NIP `json:"by"`
	At         time.Time  `json:"at"`
}

func (Opened) EventType() string                   { return typeOpened }
func (CreditPointsConverted) EventType() string    { return typeCreditPointsConverted }
func (ImprovementPeriodStarted) EventType() string { return typeImprovementPeriodStarted }
func (RewardGranted) EventType() string            { return typeRewardGranted }
func (SanctionImposed) EventType() string          { return typeSanctionImposed }
func (TrainingRecommended) EventType() string      { return typeTrainingRecommended }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or malformed JSON is an error; it never panics.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeOpened:
		return decode[Opened](data)
	case typeCreditPointsConverted:
		return decode[CreditPointsConverted](data)
	case typeImprovementPeriodStarted:
		return decode[ImprovementPeriodStarted](data)
	case typeRewardGranted:
		return decode[RewardGranted](data)
	case typeSanctionImposed:
		return decode[SanctionImposed](data)
	case typeTrainingRecommended:
		return decode[TrainingRecommended](data)
	}
	return nil, fmt.Errorf("unknown followup event type %q", eventType)
}

func decode[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", e.EventType(), err)
	}
	return e, nil
}

// Stream returns the event stream name of follow-up record id.
func Stream(id uuid.UUID) string { return "followup-" + id.String() }

// Record is the follow-up of one employee, rebuilt from its events.
type Record struct {
	id        uuid.UUID
	employee  domain.NIP
	converted map[uuid.UUID]bool // evaluations already converted to credit points
	credits   []CreditPointsConverted
	decisions map[uuid.UUID]bool
	periods   []ImprovementPeriodStarted
}

// Replay folds events, oldest first, into a new Record.
func Replay(events []Event) *Record {
	r := &Record{}
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

// Apply changes the record to reflect e. It never fails: events are facts.
func (r *Record) Apply(e Event) {
	if r.converted == nil {
		r.converted, r.decisions = map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	}
	switch e := e.(type) {
	case Opened:
		r.id, r.employee = e.Record, e.Employee
	case CreditPointsConverted:
		r.converted[e.Evaluation] = true
		r.credits = append(r.credits, e)
	case ImprovementPeriodStarted:
		r.periods = append(r.periods, e)
	case RewardGranted:
		r.decisions[e.Decision.ID] = true
	case SanctionImposed:
		r.decisions[e.Decision.ID] = true
	case TrainingRecommended:
		r.decisions[e.Decision.ID] = true
	}
}

// CreditTotal returns the sum of the credit points converted so far.
func (r *Record) CreditTotal() float64 {
	var sum float64
	for _, c := range r.credits {
		sum += c.Value
	}
	return math.Round(sum*1000) / 1000
}

// Open starts the follow-up record of an employee. Errors: Invalid for a
// malformed NIP or a missing id.
func Open(id uuid.UUID, employee domain.NIP, at time.Time) ([]Event, error) {
	if id == uuid.Nil {
		return nil, domain.Errorf(domain.Invalid, "the record needs an id").WithField("record_id").WithRule(RuleRequired)
	}
	if n, _, err := domain.ParseNIP(string(employee)); err != nil || n != employee {
		return nil, domain.Errorf(domain.Invalid, "%q is not a normalised, valid NIP", employee).WithField("nip").WithRule(RuleRequired)
	}
	return []Event{Opened{Record: id, Employee: employee, At: at}}, nil
}

// checkEvaluation holds the guards every follow-up shares: the record
// exists, the actor is not the employee, and ev is this employee's locked
// evaluation.
func (r *Record) checkEvaluation(by domain.NIP, ev evaluation.Facts) error {
	switch {
	case r.id == uuid.Nil:
		return domain.Errorf(domain.NotFound, "no such follow-up record")
	case by == "" || by == r.employee:
		return domain.Errorf(domain.Forbidden, "an employee's follow-up is decided by an official, not by the employee").WithRule(RuleActor)
	case ev.Employee != r.employee:
		return domain.Errorf(domain.Invalid, "evaluation %s is of %s, not of %s", ev.Evaluation, ev.Employee, r.employee).WithField("evaluation_id").WithRule(RuleLocked)
	case !ev.Locked || !ev.Predicate.Valid():
		return domain.Errorf(domain.Invalid, "evaluation %s is not final yet; follow-up waits until it is locked (decided, or the objection window lapsed)", ev.Evaluation).WithField("evaluation_id").WithRule(RuleLocked)
	}
	return nil
}

// Conversion asks for the credit points of a functional position.
type Conversion struct {
	JFLevel     string  // e.g. "AHLI_PERTAMA"
	Coefficient float64 // the annual coefficient of the JF level, e.g. 12.5
	Months      int     // months of the period in the position, 1–12
}

// ConvertCreditPoints converts the predicate of a locked evaluation into
// credit points at the policy's percentage (Peraturan BKN 3/2023), pro rata
// by months. Each evaluation converts once. Errors: Forbidden when the
// employee asks; Invalid for an evaluation not locked, a percentage outside
// 150/100/75/50/25, months outside 1–12 or beyond the evaluation period, or
// a coefficient that is not positive; Conflict when already converted.
func (r *Record) ConvertCreditPoints(by domain.NIP, ev evaluation.Facts, c Conversion, p policy.Policy, at time.Time) ([]Event, error) {
	if err := r.checkEvaluation(by, ev); err != nil {
		return nil, err
	}
	percent := p.CreditPercent(ev.Predicate)
	months := monthsIn(ev.Period)
	switch {
	case r.converted[ev.Evaluation]:
		return nil, domain.Errorf(domain.Conflict, "evaluation %s is already converted to credit points", ev.Evaluation).WithField("evaluation_id")
	case percent != 150 && percent != 100 && percent != 75 && percent != 50 && percent != 25:
		return nil, domain.Errorf(domain.Invalid, "policy %s gives %d%% for %s; credit points convert only at 150, 100, 75, 50 or 25%%", p.ID, percent, ev.Predicate.Label()).WithField("percentage").WithRule(RuleCreditPercent)
	case c.Months < 1 || c.Months > 12:
		return nil, domain.Errorf(domain.Invalid, "months must be from 1 to 12, not %d", c.Months).WithField("months").WithRule(RuleCreditMonths)
	case c.Months > months:
		return nil, domain.Errorf(domain.Invalid, "the evaluation period %s has %d months; %d cannot be converted", ev.Period.ID, months, c.Months).WithField("months").WithRule(RuleCreditMonths)
	case math.IsNaN(c.Coefficient) || math.IsInf(c.Coefficient, 0) || c.Coefficient <= 0:
		return nil, domain.Errorf(domain.Invalid, "the coefficient of the JF level must be a positive number").WithField("coefficient").WithRule(RuleRequired)
	case strings.TrimSpace(c.JFLevel) == "":
		return nil, domain.Errorf(domain.Invalid, "name the JF level").WithField("jf_level").WithRule(RuleRequired)
	}
	value := math.Round(c.Coefficient*float64(percent)/100*float64(c.Months)/12*1000) / 1000
	return []Event{CreditPointsConverted{
		Evaluation: ev.Evaluation, Period: ev.Period.ID, Predicate: ev.Predicate, JFLevel: c.JFLevel, Coefficient: c.Coefficient,
		Percent: percent, Months: c.Months, Value: value, Policy: p.ID, By: by, At: at,
	}}, nil
}

// monthsIn counts the calendar months a period touches.
func monthsIn(p evaluation.Period) int {
	return (p.End.Year()-p.Start.Year())*12 + int(p.End.Month()-p.Start.Month()) + 1
}

// StartImprovementPeriod gives an employee whose predicate is below Baik a
// period to improve, of at most six months. Errors: Forbidden when the
// employee asks; Invalid for an evaluation not locked or at Baik or above, an
// end not after the start, a period beyond six months, or no cause.
func (r *Record) StartImprovementPeriod(by domain.NIP, ev evaluation.Facts, start, end time.Time, cause string, at time.Time) ([]Event, error) {
	if err := r.checkEvaluation(by, ev); err != nil {
		return nil, err
	}
	switch {
	case ev.Predicate == policy.SangatBaik || ev.Predicate == policy.Baik:
		return nil, domain.Errorf(domain.Invalid, "the predicate is %s; an improvement period follows a predicate below Baik", ev.Predicate.Label()).WithField("evaluation_id").WithRule(RuleImprovement)
	case !end.After(start):
		return nil, domain.Errorf(domain.Invalid, "the improvement period must end after it starts").WithField("end").WithRule(RuleImprovement)
	case end.After(start.AddDate(0, MaxImprovementMonths, 0)):
		return nil, domain.Errorf(domain.Invalid, "an improvement period lasts at most %d months (PP 30/2019 Pasal 57); from %s it ends by %s", MaxImprovementMonths, start.Format(time.DateOnly), start.AddDate(0, MaxImprovementMonths, 0).Format(time.DateOnly)).WithField("end").WithRule(RuleImprovement)
	case strings.TrimSpace(cause) == "":
		return nil, domain.Errorf(domain.Invalid, "say which targets were not met").WithField("cause").WithRule(RuleRequired)
	}
	return []Event{ImprovementPeriodStarted{Evaluation: ev.Evaluation, Start: start, End: end, Cause: cause, By: by, At: at}}, nil
}

func (r *Record) checkDecision(by domain.NIP, ev evaluation.Facts, d Decision) error {
	if err := r.checkEvaluation(by, ev); err != nil {
		return err
	}
	switch {
	case d.ID == uuid.Nil:
		return domain.Errorf(domain.Invalid, "the decision needs an id").WithField("decision_id").WithRule(RuleRequired)
	case r.decisions[d.ID]:
		return domain.Errorf(domain.Conflict, "decision %s is already recorded", d.ID).WithField("decision_id")
	case strings.TrimSpace(d.Type) == "":
		return domain.Errorf(domain.Invalid, "say what kind of decision this is").WithField("type").WithRule(RuleRequired)
	case strings.TrimSpace(d.LegalBasis) == "":
		return domain.Errorf(domain.Invalid, "a decision needs its legal basis").WithField("legal_basis").WithRule(RuleRequired)
	case strings.TrimSpace(d.DecisionRef) == "":
		return domain.Errorf(domain.Invalid, "a decision needs the reference of its decree").WithField("decision_ref").WithRule(RuleRequired)
	}
	return nil
}

// GrantReward records a reward. Errors as for ImposeSanction.
func (r *Record) GrantReward(by domain.NIP, ev evaluation.Facts, d Decision, at time.Time) ([]Event, error) {
	if err := r.checkDecision(by, ev, d); err != nil {
		return nil, err
	}
	return []Event{RewardGranted{Evaluation: ev.Evaluation, Decision: d, By: by, At: at}}, nil
}

// ImposeSanction records a sanction. Errors: Forbidden when the employee
// asks; Invalid for an evaluation not locked or a decision without id, type,
// legal basis or decree reference; Conflict for a reused decision id.
func (r *Record) ImposeSanction(by domain.NIP, ev evaluation.Facts, d Decision, at time.Time) ([]Event, error) {
	if err := r.checkDecision(by, ev, d); err != nil {
		return nil, err
	}
	return []Event{SanctionImposed{Evaluation: ev.Evaluation, Decision: d, By: by, At: at}}, nil
}

// RecommendTraining records a training recommendation. Errors as for
// ImposeSanction.
func (r *Record) RecommendTraining(by domain.NIP, ev evaluation.Facts, d Decision, at time.Time) ([]Event, error) {
	if err := r.checkDecision(by, ev, d); err != nil {
		return nil, err
	}
	return []Event{TrainingRecommended{Evaluation: ev.Evaluation, Decision: d, By: by, At: at}}, nil
}
