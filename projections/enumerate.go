package projections

import (
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/eventstore"
)

// EachEvaluation calls fn, under the model's read lock, for every evaluation
// in evaluation-id order with the appraisal of its SKP and the achievements
// of its period (as [Appraisals.Evaluation] gives them), until fn returns
// false. It is how a what-if replay walks a folded model; fn must not call
// back into the model.
func (a *Appraisals) EachEvaluation(fn func(EvaluationAppraisal) bool) {
	a.model.Read(func(_ eventstore.Position) {
		for _, k := range a.byEval.Keys() {
			var ea EvaluationAppraisal
			ea.Evaluation, _ = a.byEval.Get(k)
			row, _ := a.bySKP.Get(ea.Evaluation.SKP)
			ea.Appraisal, ea.Achievements = row.appraisal(), row.inPeriod(ea.Evaluation.Period)
			if !fn(ea) {
				return
			}
		}
	})
}

// CurveMember is where one evaluation counts in the unit distributions.
type CurveMember struct {
	Evaluation uuid.UUID
	Unit       uuid.UUID // the unit whose curve it counts in; uuid.Nil for none
	Period     string
}

// EachCurve calls fn, under the model's read lock, for every unit
// distribution in unit/period order, until fn returns false.
func (d *Distributions) EachCurve(fn func(Distribution) bool) {
	d.model.Read(func(_ eventstore.Position) {
		for _, k := range d.curves.Keys() {
			c, _ := d.curves.Get(k)
			if !fn(c) {
				return
			}
		}
	})
}

// Member returns the curve evaluation id counts in, and whether the read
// model knows the evaluation. A unit head counts in the curve of the unit
// above unless the policy keeps heads in their own unit.
func (d *Distributions) Member(id uuid.UUID) (m CurveMember, ok bool) {
	d.model.Read(func(_ eventstore.Position) {
		var mb member
		if mb, ok = d.members.Get(evaluation.Stream(id)); !ok {
			return
		}
		m.Evaluation = id
		if c, counted := d.curves.Get(mb.Curve); counted { // a member's curve is made when it joins
			m.Unit, m.Period = c.Unit, c.Period
		}
	})
	return m, ok
}

// Recheck returns c with its quotas and violations computed again under the
// rating policy policyID instead of the one the unit recorded, and Policy
// set to it. An unknown policy gives the violation "policy-known", as the
// fold does.
func (d *Distributions) Recheck(c Distribution, policyID string) Distribution {
	c.Policy = policyID
	c.Quotas, c.Violations = d.check(c)
	return c
}

// EachUnevaluated calls fn, under the model's read lock, for every SKP no
// evaluation has been opened for yet, in SKP-id order, until fn returns
// false: the year as it stands before its evaluations.
func (a *Appraisals) EachUnevaluated(fn func(Appraisal) bool) {
	a.model.Read(func(_ eventstore.Position) {
		for _, k := range a.bySKP.Keys() {
			row, _ := a.bySKP.Get(k)
			if len(row.Evaluations) > 0 {
				continue
			}
			if !fn(row.appraisal()) {
				return
			}
		}
	})
}
