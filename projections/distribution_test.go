package projections_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func quotas(c projections.Distribution) string {
	var out []string
	for _, q := range c.Quotas {
		out = append(out, fmt.Sprintf("%s %d/%d met=%v", q.Rule, q.Count, q.Limit, q.Met))
	}
	for _, v := range c.Violations {
		out = append(out, "violation "+v.Rule)
	}
	return strings.Join(out, "; ")
}

func TestUnitDistribution(t *testing.T) {
	parent := uuid.MustParse("00000000-0000-0000-0000-000000000098")
	assessment := uuid.MustParse("00000000-0000-0000-0000-0000000000cc")
	evals := make([]uuid.UUID, 5)
	for i := range evals {
		evals[i] = uuid.MustParse(fmt.Sprintf("00000000-0000-0000-0000-0000000001%02d", i))
	}
	var log logtest.Log
	log.Append(org.UnitStream(parent), by(org.UnitDefined{Unit: parent, Name: "Dinas", EffectiveFrom: jan1, By: hr, At: at}, hr, "hr", ""))
	log.Append(org.UnitStream(unitU), by(org.UnitDefined{Unit: unitU, Name: "Bidang Perizinan", Parent: parent, EffectiveFrom: jan1, By: hr, At: at}, hr, "hr", ""))
	unitStream := evaluation.UnitStream(assessment)
	log.Append(unitStream, by(evaluation.OrgPredicateSet{Assessment: assessment, Unit: unitU, Period: q2Eval, Predicate: policy.OrgBaik,
		Basis: "capaian PK", Policy: policy.DefaultID, SetBy: evalSup, At: at}, evalSup, "evaluator_superior", ""))
	given := []policy.Predicate{policy.Baik, policy.Baik, policy.Baik, policy.SangatBaik, policy.Baik}
	for i, id := range evals {
		nip := domain.NIP(fmt.Sprintf("19900101201503100%d", i))
		log.Append(evaluation.Stream(id),
			by(evaluation.Opened{Evaluation: id, Employee: nip, Evaluator: evaluator, SKP: uuid.New(), Unit: unitU, Period: q2Eval,
				UnitHead: i == 4, Policy: policy.DefaultID, At: at}, evaluator, "evaluator", ""),
			by(evaluation.PredicateDetermined{Predicate: given[i], Policy: policy.DefaultID, At: at}, evaluator, "evaluator", ""),
		)
	}
	log.Append(unitStream, by(evaluation.DistributionChecked{Result: "FAIL", By: evalSup, At: at}, evalSup, "evaluator_superior", ""))
	d := projections.NewDistributions()
	build(t, &log, d)

	c, ok, _ := d.ForUnit(unitU, "2026-Q2")
	if !ok {
		t.Fatal("no distribution for the unit")
	}
	if want := map[policy.Predicate]int{policy.Baik: 3, policy.SangatBaik: 1}; !reflect.DeepEqual(c.Counts, want) || c.Population != 4 || c.Evaluations != 4 {
		t.Errorf("counts = %v of %d (%d opened), want %v of 4: the head counts in the unit above", c.Counts, c.Population, c.Evaluations, want)
	}
	wantQuotas := "quota-baik-max-70 3/2 met=false; quota-butuh-perbaikan-or-kurang-required 0/1 met=false; " +
		"violation quota-baik-max-70; violation quota-butuh-perbaikan-or-kurang-required"
	if got := quotas(c); got != wantQuotas {
		t.Errorf("quotas:\n got %s\nwant %s", got, wantQuotas)
	}
	if c.OrgPredicate != policy.OrgBaik || c.LastCheck == nil || c.LastCheck.Result != "FAIL" {
		t.Errorf("org predicate %s, last check %+v; want BAIK and a recorded FAIL", c.OrgPredicate, c.LastCheck)
	}

	// An objection moves one Baik to Butuh Perbaikan: the unit now passes.
	log.Append(evaluation.Stream(evals[2]), by(evaluation.ObjectionDecided{Objection: uuid.New(), Outcome: evaluation.Changed,
		WorkResult: policy.BelowExpectation, Predicate: policy.ButuhPerbaikan, Reason: "target tidak tercapai", By: evalSup, At: at}, evalSup, "evaluator_superior", ""))
	d = projections.NewDistributions()
	build(t, &log, d)
	c, _, _ = d.ForUnit(unitU, "2026-Q2")
	if want := map[policy.Predicate]int{policy.Baik: 2, policy.SangatBaik: 1, policy.ButuhPerbaikan: 1}; !reflect.DeepEqual(c.Counts, want) {
		t.Errorf("counts after the objection = %v, want %v", c.Counts, want)
	}
	if got, want := quotas(c), "quota-baik-max-70 2/2 met=true; quota-butuh-perbaikan-or-kurang-required 1/1 met=true"; got != want {
		t.Errorf("quotas after the objection:\n got %s\nwant %s", got, want)
	}

	above, ok, _ := d.ForUnit(parent, "2026-Q2")
	if !ok || above.Population != 1 || above.Counts[policy.Baik] != 1 || len(above.Quotas) != 0 {
		t.Errorf("the unit above = %+v, want the head's Baik alone and no pattern (no org predicate set)", above)
	}

	// Member says which curve an evaluation counts in: the head's is the
	// unit above.
	for i, want := range []projections.CurveMember{
		{Evaluation: evals[0], Unit: unitU, Period: "2026-Q2"},
		{Evaluation: evals[4], Unit: parent, Period: "2026-Q2"},
	} {
		if got, ok := d.Member(want.Evaluation); !ok || got != want {
			t.Errorf("Member(evaluation %d) = %+v, %v; want %+v", i, got, ok, want)
		}
	}
	if got, ok := d.Member(uuid.New()); ok {
		t.Errorf("Member of an unknown evaluation = %+v, want none", got)
	}
}
