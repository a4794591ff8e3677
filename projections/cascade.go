package projections

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// CascadeNode is one RHK in a plan cascade, with the RHK of subordinates
// that intervene it.
type CascadeNode struct {
	RHK       uuid.UUID     `json:"rhk_id"`
	Kind      skp.RHKKind   `json:"type"`
	Text      string        `json:"text"`
	SKP       uuid.UUID     `json:"skp_id"`
	Employee  domain.NIP    `json:"nip"`
	Status    skp.Status    `json:"skp_status"`
	ValidTo   *time.Time    `json:"valid_to,omitempty"`
	Children  []CascadeNode `json:"children,omitempty"`
	Truncated bool          `json:"truncated,omitempty"` // the tree was cut here to stop a cycle
}

// UnitHead is one head of a unit from a date on.
type UnitHead struct {
	NIP           domain.NIP `json:"nip"`
	EffectiveFrom time.Time  `json:"effective_from"`
}

type cascadeUnit struct {
	Name  string     `json:"name"`
	Heads []UnitHead `json:"heads"`
}

type rhkRef struct {
	SKP uuid.UUID `json:"skp_id"`
	RHK uuid.UUID `json:"rhk_id"`
}

// Cascade is the plan-cascade read model: for a unit and year, the tree of
// RHK from the head's SKP down through the RHK that intervene them.
type Cascade struct {
	model    *Model
	units    *Map[cascadeUnit]
	plans    *Map[Plan]
	children *Map[[]rhkRef]    // parent RHK → intervening RHK
	years    *Map[[]uuid.UUID] // "nip/year" → SKPs
}

// NewCascade returns an empty plan-cascade read model.
func NewCascade() *Cascade {
	m := NewModel()
	return &Cascade{
		model:    m,
		units:    NewMap[cascadeUnit](m, "units"),
		plans:    NewMap[Plan](m, "plans"),
		children: NewMap[[]rhkRef](m, "children"),
		years:    NewMap[[]uuid.UUID](m, "by_employee_year"),
	}
}

// Name implements Projection.
func (*Cascade) Name() string { return "cascade" }

// Version implements Projection.
func (*Cascade) Version() int { return 1 }

// Model implements Projection.
func (c *Cascade) Model() *Model { return c.model }

var unitTypes = map[string]bool{
	org.UnitDefined{}.EventType():      true,
	org.UnitRestructured{}.EventType(): true,
	org.HeadAppointed{}.EventType():    true,
}

var cascadeSKPTypes = map[string]bool{
	skp.Drafted{}.EventType():             true,
	skp.RHKAdded{}.EventType():            true,
	skp.RHKRemoved{}.EventType():          true,
	skp.Submitted{}.EventType():           true,
	skp.ReturnedForRevision{}.EventType(): true,
	skp.Approved{}.EventType():            true,
	skp.AmendmentProposed{}.EventType():   true,
	skp.AmendmentApproved{}.EventType():   true,
	skp.AmendmentReturned{}.EventType():   true,
	skp.Closed{}.EventType():              true,
}

// Reads implements Projection: the cascade needs units, heads and each
// plan's RHK and status, not its IKI.
func (c *Cascade) Reads(eventType string) bool {
	return unitTypes[eventType] || cascadeSKPTypes[eventType]
}

// Apply implements Projection.
func (c *Cascade) Apply(ev *Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	rec := ev
	switch category(rec.Type) {
	case "org":
		switch e := body.(type) {
		case org.UnitDefined:
			u, _ := c.units.Get(e.Unit.String())
			u.Name = e.Name
			c.units.Put(e.Unit.String(), u)
		case org.UnitRestructured:
			u, _ := c.units.Get(e.Unit.String())
			u.Name = e.Name
			c.units.Put(e.Unit.String(), u)
		case org.HeadAppointed:
			u, _ := c.units.Get(e.Unit.String())
			u.Heads = append(u.Heads, UnitHead{NIP: e.Head, EffectiveFrom: e.EffectiveFrom})
			c.units.Put(e.Unit.String(), u)
		}
	case "skp":
		e := body.(skp.Event)
		id, err := streamID(rec.Stream)
		if err != nil {
			return err
		}
		before, existed := c.plans.Get(id.String())
		after, _ := foldPlan(before, rec, e)
		c.plans.Put(id.String(), after)
		if !existed {
			key := yearKey(after.Employee, after.Year())
			ids, _ := c.years.Get(key)
			c.years.Put(key, append(ids, id))
		}
		c.relink(id, before.RHKs, after.RHKs)
	}
	return nil
}

// relink keeps the parent → children index in step with a plan's RHK.
func (c *Cascade) relink(id uuid.UUID, before, after []skp.RHK) {
	has := func(list []skp.RHK, r skp.RHK) bool {
		return slices.ContainsFunc(list, func(o skp.RHK) bool { return o.ID == r.ID })
	}
	for _, r := range before {
		if r.Parent != nil && !has(after, r) {
			key := r.Parent.RHK.String()
			kids, _ := c.children.Get(key)
			kids = slices.DeleteFunc(slices.Clone(kids), func(k rhkRef) bool { return k.RHK == r.ID })
			if len(kids) == 0 {
				c.children.Delete(key)
			} else {
				c.children.Put(key, kids)
			}
		}
	}
	for _, r := range after {
		if r.Parent != nil && !has(before, r) {
			key := r.Parent.RHK.String()
			kids, _ := c.children.Get(key)
			c.children.Put(key, append(kids, rhkRef{SKP: id, RHK: r.ID}))
		}
	}
}

// maxCascadeDepth bounds a tree; real hierarchies are a handful of levels.
const maxCascadeDepth = 32

// ForUnit returns the cascade of unit for year: one root per RHK of the SKPs
// of that year of every head whose appointment overlaps the year, each with
// the RHK that intervene it, recursively. ok is false when the unit is
// unknown.
func (c *Cascade) ForUnit(unit uuid.UUID, year int) (roots []CascadeNode, ok bool, at eventstore.Position) {
	c.model.Read(func(pos eventstore.Position) {
		at = pos
		var u cascadeUnit
		if u, ok = c.units.Get(unit.String()); !ok {
			return
		}
		yearEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
		yearStart := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, h := range u.Heads {
			if h.EffectiveFrom.After(yearEnd) {
				continue
			}
			if i+1 < len(u.Heads) && !u.Heads[i+1].EffectiveFrom.After(yearStart) {
				continue // replaced before the year began
			}
			ids, _ := c.years.Get(yearKey(h.NIP, year))
			for _, id := range ids {
				p, _ := c.plans.Get(id.String())
				for _, r := range p.RHKs {
					roots = append(roots, c.node(p, r, 0))
				}
			}
		}
	})
	return roots, ok, at
}

// ForRHK returns the cascade below one RHK of SKP id, and whether it exists.
func (c *Cascade) ForRHK(id, rhk uuid.UUID) (root CascadeNode, ok bool, at eventstore.Position) {
	c.model.Read(func(pos eventstore.Position) {
		at = pos
		p, found := c.plans.Get(id.String())
		if !found {
			return
		}
		for _, r := range p.RHKs {
			if r.ID == rhk {
				root, ok = c.node(p, r, 0), true
			}
		}
	})
	return root, ok, at
}

func (c *Cascade) node(p Plan, r skp.RHK, depth int) CascadeNode {
	n := CascadeNode{RHK: r.ID, Kind: r.Kind, Text: r.Text, SKP: p.SKP, Employee: p.Employee, Status: p.Status, ValidTo: r.ValidTo}
	if depth == maxCascadeDepth {
		n.Truncated = true
		return n
	}
	kids, _ := c.children.Get(r.ID.String())
	for _, k := range kids {
		cp, ok := c.plans.Get(k.SKP.String())
		if !ok {
			continue
		}
		for _, cr := range cp.RHKs {
			if cr.ID == k.RHK {
				n.Children = append(n.Children, c.node(cp, cr, depth+1))
			}
		}
	}
	return n
}
