package projections

import (
	"fmt"
	"maps"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
)

// Distribution is a unit's distribution of individual predicates for one
// period against the pattern its organisational predicate fixes (SE
// MenPANRB 3/2023): the count per predicate, each quota with its limit in
// people for this population, the violations, and the last recorded check
// and override.
type Distribution struct {
	Unit         uuid.UUID                `json:"unit_id"`
	Period       string                   `json:"period_id"`
	Assessment   uuid.UUID                `json:"assessment_id,omitzero"`
	OrgPredicate policy.OrgPredicate      `json:"org_predicate,omitempty"`
	Policy       string                   `json:"policy_version,omitempty"`
	Evaluations  int                      `json:"evaluations"` // opened in the curve
	Population   int                      `json:"population"`  // of those, with a predicate
	Counts       map[policy.Predicate]int `json:"counts"`
	Quotas       []QuotaCheck             `json:"quotas,omitempty"`
	Violations   []DistributionViolation  `json:"violations,omitempty"`
	LastCheck    *RecordedCheck           `json:"last_check,omitempty"`
	Override     *RecordedOverride        `json:"override,omitempty"`
	Position     string                   `json:"last_position"`
}

// QuotaCheck is one quota of the pattern applied to the current counts.
type QuotaCheck struct {
	Rule       string             `json:"rule"`
	Predicates []policy.Predicate `json:"predicates"`
	Kind       policy.QuotaKind   `json:"kind"`
	Percent    int                `json:"percent"`
	Limit      int                `json:"limit"` // in people, for this population
	Count      int                `json:"count"`
	Met        bool               `json:"met"`
}

// DistributionViolation is one broken rule, as domain/policy words it.
type DistributionViolation struct {
	Rule       string             `json:"rule"`
	Predicates []policy.Predicate `json:"predicates,omitempty"`
	Count      int                `json:"count"`
	Limit      int                `json:"limit"`
	Message    string             `json:"message"`
}

// RecordedCheck is the last distribution check recorded in the ledger.
type RecordedCheck struct {
	Result     string                 `json:"result"`
	Violations []evaluation.Violation `json:"violations,omitempty"`
	Position   string                 `json:"position"`
}

// RecordedOverride is an override of a failing distribution.
type RecordedOverride struct {
	Justification string `json:"justification"`
	By            string `json:"by"`
	Position      string `json:"position"`
}

type member struct {
	Curve     string           `json:"curve"` // distribution key, "" when counted nowhere
	Predicate policy.Predicate `json:"predicate,omitempty"`
}

type assessment struct {
	Key string `json:"key"`
}

// Distributions is the unit-distribution read model.
type Distributions struct {
	model       *Model
	curves      *Map[Distribution]
	members     *Map[member]     // evaluation → its curve and predicate
	assessments *Map[assessment] // unit-assessment stream → curve
	parents     *Map[uuid.UUID]  // unit → parent unit
	// policies remembers each rating policy looked up: policy.Lookup builds
	// the policy's tables on every call, and the fold asks on every change.
	policies map[string]policyLookup
}

type policyLookup struct {
	p   policy.Policy
	err error
}

// policy returns policy.Lookup(id), looked up once per projection.
func (d *Distributions) policy(id string) (policy.Policy, error) {
	l, ok := d.policies[id]
	if !ok {
		l.p, l.err = policy.Lookup(id)
		d.policies[id] = l
	}
	return l.p, l.err
}

// NewDistributions returns an empty unit-distribution read model.
func NewDistributions() *Distributions {
	m := NewModel()
	return &Distributions{
		model:       m,
		curves:      NewMap[Distribution](m, "by_unit_period"),
		members:     NewMap[member](m, "members"),
		assessments: NewMap[assessment](m, "assessments"),
		parents:     NewMap[uuid.UUID](m, "parents"),
		policies:    map[string]policyLookup{},
	}
}

// Name implements Projection.
func (*Distributions) Name() string { return "distribution" }

// Version implements Projection.
func (*Distributions) Version() int { return 1 }

// Model implements Projection.
func (d *Distributions) Model() *Model { return d.model }

var distributionTypes = map[string]bool{
	evaluation.OrgPredicateSet{}.EventType():     true,
	evaluation.OrgPredicateRevised{}.EventType(): true,
	evaluation.DistributionChecked{}.EventType(): true,
	evaluation.OverrideRecorded{}.EventType():    true,
	evaluation.Opened{}.EventType():              true,
	evaluation.PredicateDetermined{}.EventType(): true,
	evaluation.ObjectionDecided{}.EventType():    true,
	evaluation.Locked{}.EventType():              true,
	evaluation.PredicateRederived{}.EventType():  true,
	evaluation.PatternFixed{}.EventType():        true,
	org.UnitDefined{}.EventType():                true,
	org.UnitRestructured{}.EventType():           true,
}

// Reads implements Projection.
func (d *Distributions) Reads(eventType string) bool { return distributionTypes[eventType] }

func curveKey(unit uuid.UUID, period string) string { return unit.String() + "/" + period }

// Apply implements Projection.
func (d *Distributions) Apply(ev *Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	pos := ev.positionText()
	switch e := body.(type) {
	case org.UnitDefined:
		d.parents.Put(e.Unit.String(), e.Parent)
	case org.UnitRestructured:
		d.parents.Put(e.Unit.String(), e.Parent)
	case evaluation.OrgPredicateSet:
		key := curveKey(e.Unit, e.Period.ID)
		d.assessments.Put(ev.Stream, assessment{Key: key})
		d.change(key, e.Unit, e.Period.ID, pos, func(c *Distribution) {
			c.Assessment, c.OrgPredicate, c.Policy = e.Assessment, e.Predicate, e.Policy
			c.LastCheck, c.Override = nil, nil
		})
	case evaluation.OrgPredicateRevised:
		d.changeAssessment(ev.Stream, pos, func(c *Distribution) {
			c.OrgPredicate, c.LastCheck, c.Override = e.Predicate, nil, nil
		})
	case evaluation.DistributionChecked:
		d.changeAssessment(ev.Stream, pos, func(c *Distribution) {
			c.LastCheck, c.Override = &RecordedCheck{Result: e.Result, Violations: e.Violations, Position: pos}, nil
		})
	case evaluation.OverrideRecorded:
		d.changeAssessment(ev.Stream, pos, func(c *Distribution) {
			c.Override = &RecordedOverride{Justification: e.Justification, By: string(e.By), Position: pos}
		})
	case evaluation.Opened:
		unit := e.Unit
		if e.UnitHead && !d.headInOwnCurve(e.Policy) {
			unit, _ = d.parents.Get(e.Unit.String()) // the head counts in the curve of the unit above
		}
		m := member{}
		if unit != uuid.Nil {
			m.Curve = curveKey(unit, e.Period.ID)
			d.change(m.Curve, unit, e.Period.ID, pos, func(c *Distribution) { c.Evaluations++ })
		}
		d.members.Put(ev.Stream, m)
	case evaluation.PredicateDetermined:
		d.setPredicate(ev.Stream, e.Predicate, pos)
	case evaluation.ObjectionDecided:
		if e.Outcome == evaluation.Changed && e.Predicate != "" {
			d.setPredicate(ev.Stream, e.Predicate, pos)
		}
	case evaluation.Locked:
		d.setPredicate(ev.Stream, e.Predicate, pos)
	case evaluation.PredicateRederived:
		d.setPredicate(ev.Stream, e.Predicate, pos)
	case evaluation.PatternFixed:
		if e.Replay != nil { // fixed again under other quotas by a published replay
			d.changeAssessment(ev.Stream, pos, func(c *Distribution) {
				c.Policy, c.LastCheck, c.Override = e.Policy, nil, nil
			})
		}
	}
	return nil
}

// headInOwnCurve reads the policy's rule; an unknown policy keeps the head
// in their own unit.
func (d *Distributions) headInOwnCurve(policyID string) bool {
	p, err := d.policy(policyID)
	return err != nil || p.HeadInOwnCurve
}

func (d *Distributions) setPredicate(stream string, pr policy.Predicate, pos string) {
	m, ok := d.members.Get(stream)
	if !ok || m.Predicate == pr {
		return
	}
	old := m.Predicate
	m.Predicate = pr
	d.members.Put(stream, m)
	if m.Curve == "" {
		return
	}
	c, _ := d.curves.Get(m.Curve)
	d.change(m.Curve, c.Unit, c.Period, pos, func(c *Distribution) {
		counts := maps.Clone(c.Counts)
		if counts == nil {
			counts = map[policy.Predicate]int{}
		}
		if old != "" {
			if counts[old]--; counts[old] == 0 {
				delete(counts, old)
			}
			c.Population--
		}
		counts[pr]++
		c.Population++
		c.Counts = counts
	})
}

func (d *Distributions) changeAssessment(stream, pos string, fn func(*Distribution)) {
	a, ok := d.assessments.Get(stream)
	if !ok {
		return
	}
	c, _ := d.curves.Get(a.Key)
	d.change(a.Key, c.Unit, c.Period, pos, fn)
}

// change applies fn to the curve at key (creating it) and checks it again.
func (d *Distributions) change(key string, unit uuid.UUID, period, pos string, fn func(*Distribution)) {
	c, ok := d.curves.Get(key)
	if !ok {
		c = Distribution{Unit: unit, Period: period, Counts: map[policy.Predicate]int{}}
	}
	fn(&c)
	c.Quotas, c.Violations = d.check(c)
	c.Position = pos
	d.curves.Put(key, c)
}

// check applies the pattern of c's organisational predicate, under c's
// policy, to c's counts.
func (d *Distributions) check(c Distribution) ([]QuotaCheck, []DistributionViolation) {
	if c.OrgPredicate == "" {
		return nil, nil
	}
	p, err := d.policy(c.Policy)
	if err != nil {
		return nil, []DistributionViolation{{Rule: "policy-known", Message: fmt.Sprintf("the unit's rating policy %q is unknown", c.Policy)}}
	}
	var quotas []QuotaCheck
	n := c.Population
	for _, q := range p.Quotas[c.OrgPredicate] {
		qc := QuotaCheck{Rule: q.Rule, Predicates: q.Predicates, Kind: q.Kind, Percent: q.Percent}
		for _, pr := range q.Predicates {
			qc.Count += c.Counts[pr]
		}
		qc.Limit = q.Limit(n)
		switch q.Kind {
		case policy.Minimum:
			qc.Met = n == 0 || qc.Count >= qc.Limit
		case policy.Maximum:
			qc.Met = qc.Count <= qc.Limit
		}
		quotas = append(quotas, qc)
	}
	var violations []DistributionViolation
	for _, v := range p.CheckDistribution(c.OrgPredicate, c.Counts) {
		violations = append(violations, DistributionViolation{Rule: v.Rule, Predicates: v.Predicates, Count: v.Count, Limit: v.Limit, Message: v.Message})
	}
	return quotas, violations
}

// ForUnit returns the distribution of unit in period, whether there is one,
// and the position the read model reflects.
func (d *Distributions) ForUnit(unit uuid.UUID, period string) (c Distribution, ok bool, at eventstore.Position) {
	d.model.Read(func(pos eventstore.Position) {
		c, ok = d.curves.Get(curveKey(unit, period))
		at = pos
	})
	return c, ok, at
}
