package whatif

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/projections"
)

// TestPredicateProblemIsReported diffs an evaluation whose own policy
// cannot give a predicate from two ratings (the numeric scale of PP
// 30/2019): the diff must say so, rather than show the predicate moving
// from none to the substituted policy's.
func TestPredicateProblemIsReported(t *testing.T) {
	e := engine{subs: replay.Substitutions{Policy: policy.DefaultID}, policies: map[string]policyLookup{}, x: newExplain()}
	ea := projections.EvaluationAppraisal{Evaluation: projections.EvaluationView{
		Evaluation: uuid.New(), Policy: policy.LegacyID, WorkResult: policy.AboveExpectation, Behaviour: policy.AsExpected}}
	d, _, changed := e.evaluation(ea)
	if !changed || d.Predicate == nil {
		t.Fatalf("evaluation() = %+v, changed %v; want a predicate diff", d, changed)
	}
	p := d.Predicate
	if p.Before != "" || p.After != policy.Baik || !strings.HasPrefix(p.Problem, "before: ") || !strings.Contains(p.Problem, "numeric") {
		t.Errorf("predicate diff = %+v, want none before with the problem that %s is numeric, and BAIK after", p, policy.LegacyID)
	}
	var csv strings.Builder
	if err := (&Report{Evaluations: []EvaluationDiff{d}}).WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "not derivable: before: ") {
		t.Errorf("the CSV does not carry the problem:\n%s", csv.String())
	}
}
