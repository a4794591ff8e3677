package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/eventstore"
)

// CatalogueEntry is one indicator of the catalogue with the full history of
// its versions, oldest first.
type CatalogueEntry struct {
	Indicator uuid.UUID          `json:"indicator_id"`
	Code      string             `json:"code,omitempty"`
	Versions  []IndicatorVersion `json:"versions"`
	Retired   *Retirement        `json:"retired,omitempty"`
	Position  string             `json:"last_position"`
	DefinedAt string             `json:"defined_at_position"`
}

// IndicatorVersion is one version of an indicator's definition, with who
// made it, why, and the event behind it.
type IndicatorVersion struct {
	Number     int                  `json:"version"`
	Definition indicator.Definition `json:"definition"`
	Changed    []string             `json:"changed,omitempty"` // fields that differ from the previous version
	ValidFrom  time.Time            `json:"valid_from"`
	Reason     string               `json:"reason,omitempty"`
	By         domain.NIP           `json:"by"`
	At         time.Time            `json:"at"`
	EventID    uuid.UUID            `json:"event_id"`
	Position   string               `json:"position"`
}

// Retirement says until when a retired indicator was valid, and what
// replaces it.
type Retirement struct {
	ValidTo     time.Time  `json:"valid_to"`
	Replacement *uuid.UUID `json:"replacement_id,omitempty"`
	Reason      string     `json:"reason"`
	By          domain.NIP `json:"by"`
	Position    string     `json:"position"`
}

// Current returns the version in force on day d, and whether one is: the
// latest version valid from d or earlier, unless the indicator was retired
// before d.
func (c CatalogueEntry) Current(d time.Time) (IndicatorVersion, bool) {
	if c.Retired != nil && d.After(c.Retired.ValidTo) {
		return IndicatorVersion{}, false
	}
	var found IndicatorVersion
	ok := false
	for _, v := range c.Versions {
		if !v.ValidFrom.After(d) {
			found, ok = v, true
		}
	}
	return found, ok
}

// Catalogue is the indicator catalogue read model.
type Catalogue struct {
	model      *Model
	indicators *Map[CatalogueEntry]
}

// NewCatalogue returns an empty catalogue.
func NewCatalogue() *Catalogue {
	m := NewModel()
	return &Catalogue{model: m, indicators: NewMap[CatalogueEntry](m, "indicators")}
}

// Name implements Projection.
func (*Catalogue) Name() string { return "catalogue" }

// Version implements Projection.
func (*Catalogue) Version() int { return 1 }

// Model implements Projection.
func (c *Catalogue) Model() *Model { return c.model }

// Reads implements Projection.
func (c *Catalogue) Reads(eventType string) bool { return category(eventType) == "indicator" }

// Apply implements Projection.
func (c *Catalogue) Apply(ev *Event) error {
	e, err := ev.Body()
	if err != nil {
		return err
	}
	rec := ev
	pos := rec.positionText()
	switch e := e.(type) {
	case indicator.Defined:
		c.indicators.Put(e.Indicator.String(), CatalogueEntry{
			Indicator: e.Indicator, Code: e.Code, Position: pos, DefinedAt: pos,
			Versions: []IndicatorVersion{{Number: 1, Definition: e.Definition, ValidFrom: e.ValidFrom,
				By: e.DefinedBy, At: e.At, EventID: rec.ID, Position: pos, Reason: rec.Metadata.Reason}},
		})
	case indicator.Revised:
		entry, _ := c.indicators.Get(e.Indicator.String())
		entry.Indicator = e.Indicator
		entry.Versions = append(entry.Versions, IndicatorVersion{Number: e.Version, Definition: e.Definition,
			Changed: e.Changed, ValidFrom: e.ValidFrom, Reason: e.Reason, By: e.ApprovedBy, At: e.At, EventID: rec.ID, Position: pos})
		entry.Position = pos
		c.indicators.Put(e.Indicator.String(), entry)
	case indicator.Retired:
		entry, _ := c.indicators.Get(e.Indicator.String())
		entry.Indicator = e.Indicator
		r := &Retirement{ValidTo: e.ValidTo, Reason: e.Reason, By: e.RetiredBy, Position: pos}
		if e.Replacement != uuid.Nil {
			r.Replacement = ptr(e.Replacement)
		}
		entry.Retired, entry.Position = r, pos
		c.indicators.Put(e.Indicator.String(), entry)
	}
	return nil
}

// Get returns one indicator with its history, whether it exists, and the
// position the catalogue reflects.
func (c *Catalogue) Get(id uuid.UUID) (entry CatalogueEntry, ok bool, at eventstore.Position) {
	c.model.Read(func(pos eventstore.Position) {
		entry, ok = c.indicators.Get(id.String())
		at = pos
	})
	return entry, ok, at
}

// List returns every indicator, ordered by id, and the position the
// catalogue reflects.
func (c *Catalogue) List() (entries []CatalogueEntry, at eventstore.Position) {
	c.model.Read(func(pos eventstore.Position) {
		for _, k := range c.indicators.Keys() {
			e, _ := c.indicators.Get(k)
			entries = append(entries, e)
		}
		at = pos
	})
	return entries, at
}
