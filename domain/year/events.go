// Package year is the performance year of an instansi: opened with its
// periodic cadence (monthly, quarterly or semester) and the periods that
// follow from it, plus the annual period, and closed once the year is over.
// One year of one instansi is one consistency boundary, in the stream
// "year-<instansi>-<yyyy>".
package year

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kinerja/kinerja/domain"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const (
	typeOpened = "year.opened"
	typeClosed = "year.closed"
)

// Event is a fact about one performance year.
type Event interface {
	EventType() string
}

// Opened opens a performance year with its cadence and periods.
type Opened struct {
	Instansi string     `json:"instansi_id"`
	Year     int        `json:"year"`
	Cadence  Cadence    `json:"periodic_cadence"`
	Periods  []Period   `json:"periods"`
	OpenedBy domain.NIP `json:"opened_by"`
	At       time.Time  `json:"at"`
}

// Closed closes a performance year after it has ended.
type Closed struct {
	ClosedBy domain.NIP `json:"closed_by"`
	At       time.Time  `json:"at"`
}

// EventType returns the stored type name of the event.
func (Opened) EventType() string { return typeOpened }

// EventType returns the stored type name of the event.
func (Closed) EventType() string { return typeClosed }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or a malformed body is an error.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typeOpened:
		return decode[Opened](eventType, data)
	case typeClosed:
		return decode[Closed](eventType, data)
	}
	return nil, fmt.Errorf("decode: unknown year event type %q", eventType)
}

func decode[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
