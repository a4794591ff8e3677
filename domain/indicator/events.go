package indicator

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeDefined = "indicator.defined"
	typeRevised = "indicator.revised"
	typeRetired = "indicator.retired"
)

// Event is a fact about one indicator of the catalogue.
type Event interface {
	EventType() string
}

// Definition is what an indicator means at one version: what is measured,
// in which unit, and which realisations are better.
type Definition struct {
	Name          string    `json:"name"`
	Aspect        Aspect    `json:"aspect"`
	UnitOfMeasure string    `json:"unit_of_measure"`
	Direction     Direction `json:"direction"`
	// Formula computes the achievement against a target; empty means the
	// rating policy's formula for Direction (see DefaultFormula).
	Formula Formula `json:"formula,omitempty"`
	// Measurement says how the realised value is obtained from the source
	// data, e.g. "pengaduan diterima dalam periode".
	Measurement string `json:"measurement,omitempty"`
	DataSource  string `json:"data_source,omitempty"`
}

// Defined adds an indicator to the catalogue as version 1.
type Defined struct {
	Indicator  uuid.UUID  `json:"indicator_id"`
	Code       string     `json:"code,omitempty"` // a stable short name, e.g. "public-complaints"
	Definition Definition `json:"definition"`
	ValidFrom  time.Time  `json:"valid_from"` // a calendar date, midnight UTC
	DefinedBy  domain.NIP `json:"defined_by"`
	At         time.Time  `json:"at"`
}

// Revised adds a new version of an indicator, valid from a date that is
// neither in the past nor before the previous version. Earlier versions stay
// as they were: a realisation keeps the version it was measured with.
type Revised struct {
	Indicator  uuid.UUID  `json:"indicator_id"`
	Version    int        `json:"version"`
	Definition Definition `json:"definition"`
	Changed    []string   `json:"changed"` // JSON names of the fields that differ from the previous version
	ValidFrom  time.Time  `json:"valid_from"`
	Reason     string     `json:"reason"`
	ApprovedBy domain.NIP `json:"approved_by"`
	At         time.Time  `json:"at"`
}

// Retired ends an indicator: it is valid up to and including ValidTo, and
// may name the indicator that replaces it.
type Retired struct {
	Indicator   uuid.UUID  `json:"indicator_id"`
	ValidTo     time.Time  `json:"valid_to"` // the last day it is valid, midnight UTC
	Replacement uuid.UUID  `json:"replacement_id,omitzero"`
	Reason      string     `json:"reason"`
	RetiredBy   domain.NIP `json:"retired_by"`
	At          time.Time  `json:"at"`
}

// EventType returns the stored type name of the event.
func (Defined) EventType() string { return typeDefined }

// EventType returns the stored type name of the event.
func (Revised) EventType() string { return typeRevised }

// EventType returns the stored type name of the event.
func (Retired) EventType() string { return typeRetired }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or a malformed body is an error.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeDefined:
		return decode[Defined](eventType, data)
	case typeRevised:
		return decode[Revised](eventType, data)
	case typeRetired:
		return decode[Retired](eventType, data)
	}
	return nil, fmt.Errorf("decode: unknown indicator event type %q", eventType)
}

func decode[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
