// Package workload generates a randomised but plausible history of the
// ledger for the projections' determinism tests and benchmarks: units with
// heads, an indicator catalogue with revisions, SKPs that go through their
// workflow and amendments, realisations with corrections, and daily progress
// logs. It produces events directly, as the domain's commands would have.
package workload

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

// Command is what one command appended: events to one stream.
type Command struct {
	Stream string
	Events []logtest.Event
}

type plan struct {
	id        uuid.UUID
	employee  domain.NIP
	evaluator domain.NIP
	status    skp.Status
	rhks      []uuid.UUID
	ikis      []uuid.UUID
	opened    bool
	reports   []uuid.UUID // current realisations
	drafts    []uuid.UUID // daily logs in draft
	submitted []uuid.UUID // daily logs submitted
}

type person struct {
	nip      domain.NIP
	superior domain.NIP
	unit     uuid.UUID
	head     bool
	plan     *plan
	eval     *eval
}

type eval struct {
	id        uuid.UUID
	superior  domain.NIP
	stage     int // 0 open, 1 work rated, 2 behaviour rated, 3 predicate, 4 finalised, 5 delivered, 6 objected, 8 decided, 7 locked
	work, beh policy.Rating
}

// Generator produces commands. Build it with New.
type Generator struct {
	rng        *rand.Rand
	ids        uint64
	at         time.Time
	hr         domain.NIP
	people     []*person
	byNIP      map[domain.NIP]*person
	indicators []uuid.UUID
	versions   map[uuid.UUID]int
	pending    []Command // the organisation, before anything else
	policy     policy.Policy
	units      []uuid.UUID
}

var periods = []execution.PeriodRef{
	{ID: "2026-Q1", Start: day(2026, 1, 1), End: day(2026, 3, 31)},
	{ID: "2026-Q2", Start: day(2026, 4, 1), End: day(2026, 6, 30)},
	{ID: "2026-Q3", Start: day(2026, 7, 1), End: day(2026, 9, 30)},
	{ID: "2026-Q4", Start: day(2026, 10, 1), End: day(2026, 12, 31)},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// New returns a generator for units units of staff people each (a head, an
// evaluator under the head, and the rest under the evaluator), seeded.
func New(seed uint64, units, staff int) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), at: day(2026, 1, 2).Add(8 * time.Hour),
		hr: "198505052010012001", byNIP: map[domain.NIP]*person{}, versions: map[uuid.UUID]int{}}
	for u := range units {
		unit := g.id()
		head := g.nip(u, 0)
		cmd := Command{Stream: org.UnitStream(unit), Events: []logtest.Event{
			g.ev(org.UnitDefined{Unit: unit, Name: fmt.Sprintf("Unit %d", u), EffectiveFrom: day(2026, 1, 1), By: g.hr, At: g.at}, g.hr, "hr"),
			g.ev(org.HeadAppointed{Unit: unit, Head: head, EffectiveFrom: day(2026, 1, 1), DecisionRef: "SK", By: g.hr, At: g.at}, g.hr, "hr"),
		}}
		g.pending = append(g.pending, cmd)
		g.units = append(g.units, unit)
		orgs := []policy.OrgPredicate{policy.OrgIstimewa, policy.OrgBaik, policy.OrgBaik, policy.OrgButuhPerbaikan}
		assessment := g.id()
		g.pending = append(g.pending, Command{Stream: evaluation.UnitStream(assessment), Events: []logtest.Event{
			g.ev(evaluation.OrgPredicateSet{Assessment: assessment, Unit: unit, Period: evalPeriod, Predicate: orgs[g.rng.IntN(len(orgs))],
				Basis: "capaian PK", Policy: policy.DefaultID, SetBy: g.hr, At: g.at}, g.hr, "hr"),
		}})
		// The heads of ten units answer to one leader above them, who plans
		// outside this workload, as a real instansi's top leaders do.
		leader := domain.NIP(fmt.Sprintf("196001012000011%03d", u/10%1000))
		g.add(&person{nip: head, superior: leader, unit: unit, head: true})
		evaluator := g.nip(u, 1)
		g.add(&person{nip: evaluator, superior: head, unit: unit})
		for s := 2; s < staff; s++ {
			g.add(&person{nip: g.nip(u, s), superior: evaluator, unit: unit})
		}
	}
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		panic(err) // the default policy always exists
	}
	g.policy = p
	return g
}

var evalPeriod = evaluation.Period{ID: "2026-Q2", Start: day(2026, 4, 1), End: day(2026, 6, 30)}

func (g *Generator) add(p *person) {
	g.people = append(g.people, p)
	g.byNIP[p.nip] = p
}

func (g *Generator) nip(unit, i int) domain.NIP {
	return domain.NIP(fmt.Sprintf("19900101%04d%02d1%03d", 2015+unit%10, 1+unit%12, (unit*37+i)%1000))
}

func (g *Generator) id() uuid.UUID {
	g.ids++
	var b [16]byte
	for i := range 8 {
		b[8+i] = byte(g.ids >> (8 * (7 - i)))
	}
	b[6] = 0x40 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	b[0] = 0x01
	return uuid.UUID(b)
}

func (g *Generator) ev(e interface{ EventType() string }, actor domain.NIP, role string) logtest.Event {
	g.at = g.at.Add(time.Duration(1+g.rng.IntN(600)) * time.Second)
	return logtest.Event{Type: e.EventType(), Data: e, Actor: eventstore.Actor{ID: string(actor), Role: role}, At: g.at}
}

func (g *Generator) reason(e logtest.Event, r string) logtest.Event {
	e.Reason = r
	return e
}

// Next returns the next command.
func (g *Generator) Next() Command {
	if len(g.pending) > 0 {
		c := g.pending[0]
		g.pending = g.pending[1:]
		return c
	}
	for {
		if c, ok := g.try(); ok {
			return c
		}
	}
}

func (g *Generator) try() (Command, bool) {
	switch r := g.rng.IntN(100); {
	case r < 4:
		return g.indicator()
	default:
		p := g.people[g.rng.IntN(len(g.people))]
		if p.plan == nil {
			return g.draft(p)
		}
		return g.step(p)
	}
}

func (g *Generator) indicator() (Command, bool) {
	def := indicator.Definition{Name: "Indikator", Aspect: indicator.Quantity, UnitOfMeasure: "dokumen", Direction: indicator.HigherIsBetter}
	if len(g.indicators) == 0 || g.rng.IntN(3) == 0 {
		id := g.id()
		g.indicators = append(g.indicators, id)
		g.versions[id] = 1
		return Command{Stream: indicator.Stream(id), Events: []logtest.Event{
			g.ev(indicator.Defined{Indicator: id, Code: id.String()[:8], Definition: def, ValidFrom: day(2026, 1, 1), DefinedBy: g.hr, At: g.at}, g.hr, "hr"),
		}}, true
	}
	id := g.indicators[g.rng.IntN(len(g.indicators))]
	g.versions[id]++
	def.Direction = []indicator.Direction{indicator.HigherIsBetter, indicator.LowerIsBetter}[g.versions[id]%2]
	return Command{Stream: indicator.Stream(id), Events: []logtest.Event{
		g.ev(indicator.Revised{Indicator: id, Version: g.versions[id], Definition: def, Changed: []string{"direction"},
			ValidFrom: day(2026, 7, 1), Reason: "revisi", ApprovedBy: g.hr, At: g.at}, g.hr, "hr"),
	}}, true
}

func (g *Generator) iki(rhk uuid.UUID, from time.Time) skp.IKI {
	i := skp.IKI{ID: g.id(), RHK: rhk, Text: "Jumlah dokumen", Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter,
		Target: indicator.Target{Value: float64(1 + g.rng.IntN(24))}, Unit: "dokumen", ValidFrom: from}
	if len(g.indicators) > 0 && g.rng.IntN(2) == 0 {
		id := g.indicators[g.rng.IntN(len(g.indicators))]
		i.Indicator, i.Version = &id, g.versions[id]
	}
	return i
}

func (g *Generator) draft(p *person) (Command, bool) {
	var parent *skp.ParentRef
	if sup := g.byNIP[p.superior]; sup != nil {
		if sup.plan == nil || len(sup.plan.rhks) == 0 {
			return Command{}, false // the superior plans first
		}
		parent = &skp.ParentRef{SKP: sup.plan.id, RHK: sup.plan.rhks[g.rng.IntN(len(sup.plan.rhks))]}
	}
	pl := &plan{id: g.id(), employee: p.nip, evaluator: p.superior, status: skp.StatusDraft}
	p.plan = pl
	rhk := g.id()
	pl.rhks = append(pl.rhks, rhk)
	events := []logtest.Event{
		g.ev(skp.Drafted{SKP: pl.id, Employee: p.nip, Evaluator: p.superior, Approach: skp.Quantitative,
			Start: day(2026, 1, 1), End: day(2026, 12, 31), At: g.at}, p.nip, "employee"),
		g.ev(skp.RHKAdded{RHK: skp.RHK{ID: rhk, Kind: skp.Utama, Text: "Hasil kerja " + string(p.nip), Parent: parent, ValidFrom: day(2026, 1, 1)}, At: g.at}, p.nip, "employee"),
	}
	for range 1 + g.rng.IntN(2) {
		i := g.iki(rhk, day(2026, 1, 1))
		pl.ikis = append(pl.ikis, i.ID)
		events = append(events, g.ev(skp.IKIAdded{IKI: i, At: g.at}, p.nip, "employee"))
	}
	return Command{Stream: skp.Stream(pl.id), Events: events}, true
}

func (g *Generator) step(p *person) (Command, bool) {
	pl := p.plan
	s := skp.Stream(pl.id)
	one := func(e logtest.Event) (Command, bool) { return Command{Stream: s, Events: []logtest.Event{e}}, true }
	switch pl.status {
	case skp.StatusDraft:
		switch g.rng.IntN(4) {
		case 0:
			i := g.iki(pl.rhks[0], day(2026, 1, 1))
			pl.ikis = append(pl.ikis, i.ID)
			return one(g.ev(skp.IKIAdded{IKI: i, At: g.at}, p.nip, "employee"))
		case 1:
			if len(pl.ikis) < 2 {
				return Command{}, false
			}
			k := g.rng.IntN(len(pl.ikis))
			id := pl.ikis[k]
			pl.ikis = append(pl.ikis[:k:k], pl.ikis[k+1:]...)
			return one(g.ev(skp.IKIRemoved{IKI: id, Reason: "tidak relevan", At: g.at}, p.nip, "employee"))
		default:
			pl.status = skp.StatusSubmitted
			return one(g.ev(skp.Submitted{By: p.nip, At: g.at}, p.nip, "employee"))
		}
	case skp.StatusSubmitted:
		if g.rng.IntN(4) == 0 {
			pl.status = skp.StatusDraft
			return one(g.ev(skp.ReturnedForRevision{By: pl.evaluator, Comments: "perbaiki target", At: g.at}, pl.evaluator, "evaluator"))
		}
		pl.status = skp.StatusApproved
		return one(g.ev(skp.Approved{By: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"))
	case skp.StatusAmendmentProposed:
		pl.status = skp.StatusApproved
		if g.rng.IntN(3) == 0 {
			return one(g.ev(skp.AmendmentReturned{By: pl.evaluator, Comments: "tidak perlu", At: g.at}, pl.evaluator, "evaluator"))
		}
		return one(g.reason(g.ev(skp.AmendmentApproved{By: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"), "dialog kinerja"))
	case skp.StatusApproved:
		return g.execute(p)
	}
	return Command{}, false
}

func (g *Generator) execute(p *person) (Command, bool) {
	pl := p.plan
	s := execution.Stream(pl.id)
	one := func(e logtest.Event) (Command, bool) { return Command{Stream: s, Events: []logtest.Event{e}}, true }
	if !pl.opened {
		pl.opened = true
		return one(g.ev(execution.Opened{SKP: pl.id, Employee: pl.employee, Evaluator: pl.evaluator,
			Start: day(2026, 1, 1), End: day(2026, 12, 31), At: g.at}, "system", "system"))
	}
	switch r := g.rng.IntN(24); {
	case r >= 20:
		return g.evaluate(p)
	case r == 0:
		pl.status = skp.StatusAmendmentProposed
		add := g.iki(pl.rhks[0], day(2026, 7, 1))
		rm := pl.ikis[g.rng.IntN(len(pl.ikis))]
		pl.ikis = append(pl.ikis, add.ID)
		return Command{Stream: skp.Stream(pl.id), Events: []logtest.Event{
			g.ev(skp.AmendmentProposed{By: pl.employee, Reason: "perubahan target", EffectiveFrom: day(2026, 7, 1),
				Changes: skp.Amendment{RemoveIKIs: []uuid.UUID{rm}, AddIKIs: []skp.IKI{add}}, At: g.at}, pl.employee, "employee"),
		}}, true
	case r < 8:
		id := g.id()
		iki := pl.ikis[g.rng.IntN(len(pl.ikis))]
		e := execution.RealisationReported{Realisation: id, IKI: iki, RHK: pl.rhks[0], Period: periods[g.rng.IntN(len(periods))],
			Value: float64(g.rng.IntN(30)), Narrative: "laporan", By: pl.employee, At: g.at}
		if len(pl.reports) > 0 && g.rng.IntN(4) == 0 {
			k := g.rng.IntN(len(pl.reports))
			old := pl.reports[k]
			e.Supersedes, e.Reason = &old, "koreksi"
			pl.reports = append(pl.reports[:k:k], pl.reports[k+1:]...)
		}
		pl.reports = append(pl.reports, id)
		return one(g.ev(e, pl.employee, "employee"))
	case r < 13:
		id := g.id()
		pl.drafts = append(pl.drafts, id)
		rhk := pl.rhks[0]
		return one(g.ev(execution.DailyProgressLogged{Log: id, Date: day(2026, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28)),
			RHK: &rhk, Description: "kegiatan", Minutes: 15 * (1 + g.rng.IntN(16)), At: g.at}, pl.employee, "employee"))
	case r < 16 && len(pl.drafts) > 0:
		id := pl.drafts[0]
		pl.drafts = pl.drafts[1:]
		pl.submitted = append(pl.submitted, id)
		return one(g.ev(execution.DailyProgressSubmitted{Log: id, At: g.at}, pl.employee, "employee"))
	case r < 19 && len(pl.submitted) > 0:
		id := pl.submitted[0]
		pl.submitted = pl.submitted[1:]
		if g.rng.IntN(4) == 0 {
			return one(g.ev(execution.DailyProgressRejected{Log: id, By: pl.evaluator, Comment: "tanpa bukti", At: g.at}, pl.evaluator, "evaluator"))
		}
		return one(g.ev(execution.DailyProgressApproved{Log: id, By: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"))
	}
	return Command{}, false
}

var ratings = []policy.Rating{policy.AboveExpectation, policy.AsExpected, policy.AsExpected, policy.BelowExpectation}

// evaluate moves the person's Q2 evaluation one step on.
func (g *Generator) evaluate(p *person) (Command, bool) {
	pl := p.plan
	if p.eval == nil {
		superior := domain.NIP(g.hr)
		if s := g.byNIP[pl.evaluator]; s != nil {
			superior = s.superior
		}
		p.eval = &eval{id: g.id(), superior: superior}
		return Command{Stream: evaluation.Stream(p.eval.id), Events: []logtest.Event{
			g.ev(evaluation.Opened{Evaluation: p.eval.id, Employee: p.nip, Evaluator: pl.evaluator, EvaluatorSuperior: superior,
				SKP: pl.id, Unit: p.unit, Period: evalPeriod, UnitHead: p.head, Policy: policy.DefaultID, At: g.at}, pl.evaluator, "evaluator"),
		}}, true
	}
	ev := p.eval
	s := evaluation.Stream(ev.id)
	one := func(e logtest.Event) (Command, bool) { return Command{Stream: s, Events: []logtest.Event{e}}, true }
	switch ev.stage {
	case 0:
		ev.stage, ev.work = 1, ratings[g.rng.IntN(len(ratings))]
		return one(g.ev(evaluation.WorkResultRated{Rating: ev.work, Rationale: "capaian IKI", RatedBy: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"))
	case 1:
		ev.stage, ev.beh = 2, ratings[g.rng.IntN(len(ratings))]
		return one(g.ev(evaluation.BehaviourRated{Rating: ev.beh, Notes: "perilaku", RatedBy: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"))
	case 2:
		ev.stage = 3
		pr, err := g.policy.Predicate(ev.work, ev.beh)
		if err != nil {
			panic(err) // both ratings are valid
		}
		return one(g.ev(evaluation.PredicateDetermined{Predicate: pr, WorkResult: ev.work, Behaviour: ev.beh, Policy: policy.DefaultID, At: g.at}, pl.evaluator, "evaluator"))
	case 3:
		ev.stage = 4
		return one(g.ev(evaluation.Finalized{SignedBy: pl.evaluator, SignatureRef: "sig", At: g.at}, pl.evaluator, "evaluator"))
	case 4:
		ev.stage = 5
		return one(g.ev(evaluation.Delivered{By: pl.evaluator, At: g.at}, pl.evaluator, "evaluator"))
	case 5:
		if g.rng.IntN(3) == 0 {
			ev.stage = 6
			return one(g.ev(evaluation.ObjectionFiled{Objection: g.id(), Reasons: "keberatan", By: p.nip, At: g.at}, p.nip, "employee"))
		}
		ev.stage = 7
		pr, _ := g.policy.Predicate(ev.work, ev.beh)
		return one(g.ev(evaluation.Locked{Predicate: pr, At: g.at}, "system", "system"))
	case 6:
		ev.stage = 8 // decided; the lock follows
		if g.rng.IntN(2) == 0 {
			return one(g.ev(evaluation.ObjectionDecided{Objection: g.id(), Outcome: evaluation.Upheld, Reason: "tetap", By: ev.superior, At: g.at}, ev.superior, "evaluator_superior"))
		}
		ev.work = policy.AboveExpectation
		pr, _ := g.policy.Predicate(ev.work, ev.beh)
		return one(g.ev(evaluation.ObjectionDecided{Objection: g.id(), Outcome: evaluation.Changed, WorkResult: ev.work, Predicate: pr,
			Reason: "bukti diterima", By: ev.superior, At: g.at}, ev.superior, "evaluator_superior"))
	case 8:
		ev.stage = 7
		pr, _ := g.policy.Predicate(ev.work, ev.beh)
		return one(g.ev(evaluation.Locked{Predicate: pr, At: g.at}, "system", "system"))
	}
	return Command{}, false
}
