// Package org is the people and the organisation: employees (PNS, CPNS,
// PPPK) identified by NIP or NI PPPK, their placements (unit, position,
// position type, direct superior) over time, and organisational units with
// their parents and heads. An employee and a unit are each their own
// consistency boundary, in the streams "employee-<nip>" and "unit-<id>".
package org

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeEmployeeRegistered = "org.employee_registered"
	typePlacementChanged   = "org.placement_changed"
	typeAppointedPNS       = "org.appointed_pns"
	typeEmployeeLeft       = "org.employee_left"
	typeUnitDefined        = "org.unit_defined"
	typeUnitRestructured   = "org.unit_restructured"
	typeHeadAppointed      = "org.head_appointed"
	typeUnitDissolved      = "org.unit_dissolved"
)

// Event is a fact about an employee or an organisational unit.
type Event interface {
	EventType() string
}

// EmployeeRegistered records an employee in the ledger. BirthDate and Sex are
// the HR master record's; where they, or the TMT, disagree with what the NIP
// encodes, Warnings say so (a NIP is corrected by an SK, never by us).
type EmployeeRegistered struct {
	NIP          domain.NIP          `json:"nip"`
	Type         domain.EmployeeType `json:"employee_type"`
	Name         string              `json:"name"`
	BirthDate    time.Time           `json:"birth_date"`
	Sex          domain.Sex          `json:"sex"`
	TMT          time.Time           `json:"tmt"` // first day of service (terhitung mulai tanggal)
	LegacyNIP    string              `json:"legacy_nip,omitempty"`
	Warnings     []string            `json:"warnings,omitempty"`
	RegisteredBy domain.NIP          `json:"registered_by"`
	At           time.Time           `json:"at"`
}

// PlacementChanged places an employee in a unit and position, under a direct
// superior, from a date on. A placement lasts until the next one.
type PlacementChanged struct {
	NIP       domain.NIP `json:"nip"`
	Placement Placement  `json:"placement"`
	By        domain.NIP `json:"by"`
	At        time.Time  `json:"at"`
}

// AppointedPNS records a CPNS's appointment as PNS.
type AppointedPNS struct {
	NIP         domain.NIP `json:"nip"`
	TMTPNS      time.Time  `json:"tmt_pns"`
	DecisionRef string     `json:"decision_ref"` // the SK
	By          domain.NIP `json:"by"`
	At          time.Time  `json:"at"`
}

// EmployeeLeft ends an employee's service after LastDay.
type EmployeeLeft struct {
	NIP         domain.NIP  `json:"nip"`
	Reason      LeaveReason `json:"reason"`
	LastDay     time.Time   `json:"last_day"`
	DecisionRef string      `json:"decision_ref"`
	By          domain.NIP  `json:"by"`
	At          time.Time   `json:"at"`
}

// UnitDefined adds an organisational unit under its parent (uuid.Nil for the
// instansi itself).
type UnitDefined struct {
	Unit          uuid.UUID  `json:"unit_id"`
	Name          string     `json:"name"`
	Parent        uuid.UUID  `json:"parent_unit_id,omitzero"`
	EffectiveFrom time.Time  `json:"effective_from"`
	By            domain.NIP `json:"by"`
	At            time.Time  `json:"at"`
}

// UnitRestructured renames a unit or moves it under another parent from a date on.
type UnitRestructured struct {
	Unit          uuid.UUID  `json:"unit_id"`
	Name          string     `json:"name"`
	Parent        uuid.UUID  `json:"parent_unit_id,omitzero"`
	EffectiveFrom time.Time  `json:"effective_from"`
	Reason        string     `json:"reason"`
	By            domain.NIP `json:"by"`
	At            time.Time  `json:"at"`
}

// HeadAppointed makes an employee the head (pimpinan unit kerja) of a unit
// from a date on, until the next appointment.
type HeadAppointed struct {
	Unit          uuid.UUID  `json:"unit_id"`
	Head          domain.NIP `json:"head_nip"`
	EffectiveFrom time.Time  `json:"effective_from"`
	DecisionRef   string     `json:"decision_ref"`
	By            domain.NIP `json:"by"`
	At            time.Time  `json:"at"`
}

// UnitDissolved ends a unit after LastDay.
type UnitDissolved struct {
	Unit    uuid.UUID  `json:"unit_id"`
	LastDay time.Time  `json:"last_day"`
	Reason  string     `json:"reason"`
	By      domain.NIP `json:"by"`
	At      time.Time  `json:"at"`
}

// EventType returns the stored type name of the event.
func (EmployeeRegistered) EventType() string { return typeEmployeeRegistered }

// EventType returns the stored type name of the event.
func (PlacementChanged) EventType() string { return typePlacementChanged }

// EventType returns the stored type name of the event.
func (AppointedPNS) EventType() string { return typeAppointedPNS }

// EventType returns the stored type name of the event.
func (EmployeeLeft) EventType() string { return typeEmployeeLeft }

// EventType returns the stored type name of the event.
func (UnitDefined) EventType() string { return typeUnitDefined }

// EventType returns the stored type name of the event.
func (UnitRestructured) EventType() string { return typeUnitRestructured }

// EventType returns the stored type name of the event.
func (HeadAppointed) EventType() string { return typeHeadAppointed }

// EventType returns the stored type name of the event.
func (UnitDissolved) EventType() string { return typeUnitDissolved }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or a malformed body is an error.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeEmployeeRegistered:
		return decode[EmployeeRegistered](eventType, data)
	case typePlacementChanged:
		return decode[PlacementChanged](eventType, data)
	case typeAppointedPNS:
		return decode[AppointedPNS](eventType, data)
	case typeEmployeeLeft:
		return decode[EmployeeLeft](eventType, data)
	case typeUnitDefined:
		return decode[UnitDefined](eventType, data)
	case typeUnitRestructured:
		return decode[UnitRestructured](eventType, data)
	case typeHeadAppointed:
		return decode[HeadAppointed](eventType, data)
	case typeUnitDissolved:
		return decode[UnitDissolved](eventType, data)
	}
	return nil, fmt.Errorf("decode: unknown org event type %q", eventType)
}

func decode[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
