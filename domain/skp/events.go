package skp

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeDrafted                 = "skp.drafted"
	typeRHKAdded                = "skp.rhk_added"
	typeRHKRemoved              = "skp.rhk_removed"
	typeIKIAdded                = "skp.iki_added"
	typeIKIRemoved              = "skp.iki_removed"
	typeBehaviourExpectationSet = "skp.behaviour_expectation_set"
	typeSubmitted               = "skp.submitted"
	typeReturnedForRevision     = "skp.returned_for_revision"
	typeApproved                = "skp.approved"
	typeAmendmentProposed       = "skp.amendment_proposed"
	typeAmendmentApproved       = "skp.amendment_approved"
	typeAmendmentReturned       = "skp.amendment_returned"
	typeClosed                  = "skp.closed"
	typeDialogueHeld            = "skp.expectation_dialogue_held"
)

// Event is a fact about one SKP.
type Event interface {
	EventType() string
}

// Drafted opens an SKP for one employee and one period inside a calendar year.
type Drafted struct {
	SKP               uuid.UUID  `json:"skp_id"`
	Employee          domain.NIP `json:"nip"`
	Evaluator         domain.NIP `json:"evaluator_nip"`
	EvaluatorSuperior domain.NIP `json:"evaluator_superior_nip"`
	JPT               bool       `json:"jpt"`
	Approach          Approach   `json:"approach"`
	Start             time.Time  `json:"period_start"`
	End               time.Time  `json:"period_end"`
	At                time.Time  `json:"at"`
}

// RHKAdded adds a planned work result to a draft SKP.
type RHKAdded struct {
	RHK RHK       `json:"rhk"`
	At  time.Time `json:"at"`
}

// RHKRemoved removes a planned work result, and its IKI, from a draft SKP.
type RHKRemoved struct {
	RHK    uuid.UUID `json:"rhk_id"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// IKIAdded adds an individual performance indicator to an RHK of a draft SKP.
type IKIAdded struct {
	IKI IKI       `json:"iki"`
	At  time.Time `json:"at"`
}

// IKIRemoved removes an indicator from a draft SKP.
type IKIRemoved struct {
	IKI    uuid.UUID `json:"iki_id"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// BehaviourExpectationSet records the evaluator's specific expectation
// (ekspektasi khusus pimpinan) for one BerAKHLAK core value.
type BehaviourExpectationSet struct {
	Value       CoreValue  `json:"core_value"`
	Expectation string     `json:"expectation"`
	By          domain.NIP `json:"by"`
	At          time.Time  `json:"at"`
}

// DialogueHeld records a performance dialogue (dialog kinerja) in which the
// evaluator and the employee set or clarify expectations.
type DialogueHeld struct {
	Participants []domain.NIP `json:"participants"`
	Date         time.Time    `json:"date"`
	NotesRef     string       `json:"notes_ref"`
	By           domain.NIP   `json:"by"`
	At           time.Time    `json:"at"`
}

// Submitted sends the draft to the evaluator for approval.
type Submitted struct {
	By domain.NIP `json:"submitted_by"`
	At time.Time  `json:"at"`
}

// ReturnedForRevision sends a submitted SKP back to draft with comments.
type ReturnedForRevision struct {
	By       domain.NIP `json:"by"`
	Comments string     `json:"comments"`
	At       time.Time  `json:"at"`
}

// Approved records the evaluator's approval (penetapan) of the SKP.
type Approved struct {
	By           domain.NIP `json:"approved_by"`
	SignatureRef string     `json:"signature_ref,omitempty"`
	At           time.Time  `json:"at"`
}

// AmendmentProposed records a change to an approved SKP that takes effect,
// from EffectiveFrom, only once the evaluator approves it.
type AmendmentProposed struct {
	By            domain.NIP `json:"by"`
	Reason        string     `json:"reason"`
	EffectiveFrom time.Time  `json:"effective_from"`
	Changes       Amendment  `json:"changes"`
	At            time.Time  `json:"at"`
}

// AmendmentApproved applies the pending amendment.
type AmendmentApproved struct {
	By domain.NIP `json:"approved_by"`
	At time.Time  `json:"at"`
}

// AmendmentReturned discards the pending amendment; the approved SKP stands.
type AmendmentReturned struct {
	By       domain.NIP `json:"by"`
	Comments string     `json:"comments"`
	At       time.Time  `json:"at"`
}

// Closed ends the SKP: at year end, or early on a change of position or
// superior, retirement or termination.
type Closed struct {
	By     domain.NIP  `json:"by"`
	Reason CloseReason `json:"reason"`
	At     time.Time   `json:"closed_at"`
}

func (Drafted) EventType() string                 { return typeDrafted }
func (RHKAdded) EventType() string                { return typeRHKAdded }
func (RHKRemoved) EventType() string              { return typeRHKRemoved }
func (IKIAdded) EventType() string                { return typeIKIAdded }
func (IKIRemoved) EventType() string              { return typeIKIRemoved }
func (BehaviourExpectationSet) EventType() string { return typeBehaviourExpectationSet }
func (Submitted) EventType() string               { return typeSubmitted }
func (ReturnedForRevision) EventType() string     { return typeReturnedForRevision }
func (Approved) EventType() string                { return typeApproved }
func (AmendmentProposed) EventType() string       { return typeAmendmentProposed }
func (AmendmentApproved) EventType() string       { return typeAmendmentApproved }
func (AmendmentReturned) EventType() string       { return typeAmendmentReturned }
func (Closed) EventType() string                  { return typeClosed }
func (DialogueHeld) EventType() string            { return typeDialogueHeld }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or malformed JSON is an error; it never panics.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typePeriodReserved:
		return decode[PeriodReserved](data)
	case typeDrafted:
		return decode[Drafted](data)
	case typeRHKAdded:
		return decode[RHKAdded](data)
	case typeRHKRemoved:
		return decode[RHKRemoved](data)
	case typeIKIAdded:
		return decode[IKIAdded](data)
	case typeIKIRemoved:
		return decode[IKIRemoved](data)
	case typeBehaviourExpectationSet:
		return decode[BehaviourExpectationSet](data)
	case typeSubmitted:
		return decode[Submitted](data)
	case typeReturnedForRevision:
		return decode[ReturnedForRevision](data)
	case typeApproved:
		return decode[Approved](data)
	case typeAmendmentProposed:
		return decode[AmendmentProposed](data)
	case typeAmendmentApproved:
		return decode[AmendmentApproved](data)
	case typeAmendmentReturned:
		return decode[AmendmentReturned](data)
	case typeClosed:
		return decode[Closed](data)
	case typeDialogueHeld:
		return decode[DialogueHeld](data)
	}
	return nil, fmt.Errorf("unknown skp event type %q", eventType)
}

func decode[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", e.EventType(), err)
	}
	return e, nil
}
