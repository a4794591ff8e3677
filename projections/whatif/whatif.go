package whatif

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// note is the standing caveat of every report.
const note = "A what-if replay changes nothing. Ratings an evaluator decided and predicates an objection decision set stay as decided: " +
	"where they differ from the replay, the replay only recommends. Achievements of a period apply a revision when the period starts on or after its valid_from date."

// Run replays the log r up to and including until (the head when until is
// the zero Position) into fresh in-memory read models, applies subs, and
// returns the report of what changes. It writes nothing. It fails with the
// *Error of [replay.Substitutions.Validate] for inputs it cannot replay, and with a
// wrapped error when the log cannot be read or an event cannot be folded.
// Progress, when not nil, is called as the replay proceeds.
func Run(ctx context.Context, r projections.Reader, until eventstore.Position, subs replay.Substitutions, progress projections.Progress) (*Report, error) {
	if err := subs.Validate(); err != nil {
		return nil, err
	}
	if until.IsZero() {
		head, err := r.Head(ctx)
		if err != nil {
			return nil, fmt.Errorf("what-if replay: %w", err)
		}
		until = head
	}
	apps, dists, cat, x := projections.NewAppraisals(), projections.NewDistributions(), projections.NewCatalogue(), newExplain()
	if !until.IsZero() {
		if err := projections.ReplayAll(ctx, r, []projections.Projection{apps, dists, cat, x}, until, progress); err != nil {
			return nil, fmt.Errorf("what-if replay up to %s: %w", until, err)
		}
	}
	subs, err := resolve(subs, cat)
	if err != nil {
		return nil, err
	}
	rep := &Report{Position: apps.Model().Position().String(), Substitutions: subs, Evaluations: []EvaluationDiff{}, Units: []UnitDiff{}, Note: note}
	e := engine{subs: subs, policies: map[string]policyLookup{}, x: x}
	people := map[string]bool{}
	moved := map[uuid.UUID]predicateMove{}
	tally := func(ea projections.EvaluationAppraisal) bool {
		rep.Summary.Evaluations++
		d, mv, changed := e.evaluation(ea)
		if !changed {
			return true
		}
		rep.Evaluations = append(rep.Evaluations, d)
		rep.Summary.EvaluationsChanged++
		people[string(d.Employee)] = true
		rep.Summary.AchievementsChanged += len(d.Achievements)
		switch cmpRating(d.WorkResult.RecommendedAfter, d.WorkResult.RecommendedBefore) {
		case 1:
			rep.Summary.RecommendationsUp++
		case -1:
			rep.Summary.RecommendationsDown++
		}
		if d.WorkResult.Decided != "" && d.WorkResult.RecommendedAfter != d.WorkResult.RecommendedBefore && d.WorkResult.RecommendedAfter != d.WorkResult.Decided {
			rep.Summary.RecommendationsOnly++
		}
		if p := d.Predicate; p != nil {
			switch cmpPredicate(p.After, p.Before) {
			case 1:
				rep.Summary.PredicatesUp++
			case -1:
				rep.Summary.PredicatesDown++
			}
		}
		if mv.from != mv.to {
			moved[d.Evaluation] = mv
		}
		return true
	}
	apps.EachEvaluation(func(ea projections.EvaluationAppraisal) bool {
		if !e.inScope(ea.Evaluation.Unit, ea.Evaluation.Period.Start) {
			return true
		}
		return tally(ea)
	})
	// An SKP with no evaluation yet (a replay as of mid-year) is shown for
	// its whole period under the default policy, as if evaluated now.
	apps.EachUnevaluated(func(ap projections.Appraisal) bool {
		var placed uuid.UUID
		x.model.Read(func(eventstore.Position) { placed, _ = x.placements.Get(string(ap.Plan.Employee)) })
		if !e.inScope(placed, ap.Plan.Start) {
			return true
		}
		ea := projections.EvaluationAppraisal{Appraisal: ap, Achievements: ap.Achievements, Evaluation: projections.EvaluationView{
			Employee: ap.Plan.Employee, SKP: ap.Plan.SKP, Policy: policy.DefaultID,
			Period: evaluation.Period{Start: ap.Plan.Start, End: ap.Plan.End}}}
		return tally(ea)
	})
	rep.Summary.PeopleChanged = len(people)
	rep.Units = e.units(dists, moved)
	for _, u := range rep.Units {
		rep.Summary.UnitsChanged++
		switch {
		case len(u.ViolationsBefore) == 0 && len(u.ViolationsAfter) > 0:
			rep.Summary.UnitsNewlyViolating++
		case len(u.ViolationsBefore) > 0 && len(u.ViolationsAfter) == 0:
			rep.Summary.UnitsNoLongerViolating++
		}
	}
	return rep, nil
}

// resolve names each revised indicator by id and code from the catalogue
// as replayed. An indicator the catalogue does not hold is an *Error of
// kind NotFound naming indicator_id.
func resolve(subs replay.Substitutions, cat *projections.Catalogue) (replay.Substitutions, error) {
	entries, _ := cat.List()
	revs := slices.Clone(subs.Indicators)
	for i, r := range revs {
		found := false
		for _, c := range entries {
			if (r.Indicator != uuid.Nil && c.Indicator == r.Indicator) || (r.Indicator == uuid.Nil && c.Code == r.Code) {
				revs[i].Indicator, revs[i].Code, found = c.Indicator, c.Code, true
				break
			}
		}
		if !found {
			name := r.Code
			if r.Indicator != uuid.Nil {
				name = r.Indicator.String()
			}
			return subs, domain.Errorf(domain.NotFound, "the catalogue holds no indicator %q at this log position; give the id or code of a defined indicator", name).
				WithField("indicator_id").WithRule(replay.RuleSubstitution)
		}
	}
	for i, r := range revs {
		for _, o := range revs[:i] {
			if o.Indicator == r.Indicator {
				return subs, domain.Errorf(domain.Invalid, "indicator %s is revised twice; give one revision per indicator", r.Indicator).
					WithField("indicator_id").WithRule(replay.RuleSubstitution)
			}
		}
	}
	subs.Indicators = revs
	return subs, nil
}

// PositionAt returns the position of the last event recorded before the
// end of day (UTC) in r: "the log as it stood on 30 June". A day before the
// first event gives the zero Position.
func PositionAt(ctx context.Context, r projections.Reader, day time.Time) (eventstore.Position, error) {
	end := indicator.Date(day).AddDate(0, 0, 1)
	var at eventstore.Position
	for {
		page, err := r.ReadAll(ctx, at, 5000)
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("find position on %s: read after %s: %w", day.Format(time.DateOnly), at, err)
		}
		for _, e := range page {
			if !e.RecordedAt.Before(end) {
				return at, nil
			}
			at = e.Position
		}
		if len(page) == 0 {
			return at, nil
		}
	}
}

// ResolveAt turns what a user names as the end of a replay into a log
// position: empty is the head (the zero Position), a date (YYYY-MM-DD) the
// end of that day in UTC, anything else a log position. A date before the
// first event, or text that is neither, is an *domain.Error of kind
// Invalid naming the field "at".
func ResolveAt(ctx context.Context, r projections.Reader, at string) (eventstore.Position, error) {
	if at == "" {
		return eventstore.Position{}, nil
	}
	if d, err := time.Parse(time.DateOnly, at); err == nil {
		p, err := PositionAt(ctx, r, d)
		if err != nil {
			return p, err
		}
		if p.IsZero() {
			return p, domain.Errorf(domain.Invalid, "at %s is before the first event of the ledger", at).WithField("at")
		}
		return p, nil
	}
	p, err := eventstore.ParsePosition(at)
	if err != nil || p.IsZero() {
		return p, domain.Errorf(domain.Invalid, "at %q is neither a log position nor a date (YYYY-MM-DD)", at).WithField("at")
	}
	return p, nil
}

type policyLookup struct {
	p   policy.Policy
	err error
}

// predicateMove is an evaluation whose counted predicate changes.
type predicateMove struct{ from, to policy.Predicate }

type engine struct {
	subs     replay.Substitutions
	policies map[string]policyLookup
	x        *explain
}

// inScope reports whether an evaluation or SKP of unit, for a period
// starting on start, is in the replay's scope.
func (e *engine) inScope(unit uuid.UUID, start time.Time) bool {
	sc := e.subs.Scope
	if sc.Year != 0 && start.Year() != sc.Year {
		return false
	}
	if sc.Unit == uuid.Nil {
		return true
	}
	in := false
	e.x.model.Read(func(eventstore.Position) { in = e.x.within(unit, sc.Unit) })
	return in
}

// curveInScope reports whether a unit's distribution for a period is in
// the replay's scope.
func (e *engine) curveInScope(c projections.Distribution) bool {
	sc := e.subs.Scope
	in := true
	e.x.model.Read(func(eventstore.Position) {
		if sc.Year != 0 {
			y, ok := e.x.curveYears.Get(c.Unit.String() + "/" + c.Period)
			in = ok && y == sc.Year
		}
		if in && sc.Unit != uuid.Nil {
			in = e.x.within(c.Unit, sc.Unit)
		}
	})
	return in
}

func (e *engine) policy(id string) (policy.Policy, error) {
	l, ok := e.policies[id]
	if !ok {
		l.p, l.err = policy.Lookup(id)
		e.policies[id] = l
	}
	return l.p, l.err
}

// evaluation diffs one evaluation; changed is false when nothing differs.
func (e *engine) evaluation(ea projections.EvaluationAppraisal) (d EvaluationDiff, mv predicateMove, changed bool) {
	v := ea.Evaluation
	d = EvaluationDiff{Evaluation: v.Evaluation, SKP: v.SKP, Employee: v.Employee, Unit: v.Unit, Period: v.Period.ID, Achievements: []AchievementDiff{}}
	var before, after []float64
	for _, ach := range ea.Achievements {
		a, changedAch := e.achievement(ach)
		if ach.Problem == "" {
			before = append(before, ach.Percent)
		}
		if a.ProblemAfter == "" {
			after = append(after, a.After)
		}
		if changedAch {
			d.Achievements = append(d.Achievements, a)
		}
	}
	var decisions decisions
	e.x.model.Read(func(eventstore.Position) { decisions, _ = e.x.evaluations.Get(evaluation.Stream(v.Evaluation)) })

	afterID := v.Policy
	if e.subs.Policy != "" {
		afterID = e.subs.Policy
	}
	w := RatingDiff{Decided: v.WorkResult, MeanBefore: mean(before), MeanAfter: mean(after), Event: decisions.WorkResult}
	pBefore, errBefore := e.policy(v.Policy)
	pAfter, errAfter := e.policy(afterID)
	if errBefore == nil && w.MeanBefore != nil {
		w.RecommendedBefore = pBefore.RecommendRating(*w.MeanBefore)
	}
	if errAfter == nil && w.MeanAfter != nil {
		w.RecommendedAfter = pAfter.RecommendRating(*w.MeanAfter)
	}
	ratingChanged := w.RecommendedBefore != w.RecommendedAfter
	if ratingChanged {
		w.Rule = RuleRecommendation + ":" + afterID
		w.Reason = fmt.Sprintf("the mean achievement of the period moves from %s to %s; under %s (%s from %g%%, %s from %g%%) that recommends %s instead of %s",
			pct(w.MeanBefore), pct(w.MeanAfter), afterID, policy.AboveExpectation, pAfter.Thresholds.AboveFrom, policy.AsExpected, pAfter.Thresholds.AsExpectedFrom,
			orNone(string(w.RecommendedAfter)), orNone(string(w.RecommendedBefore)))
		if w.Decided != "" {
			w.Reason += fmt.Sprintf("; the evaluator decided %s, which stays: the replay only recommends", w.Decided)
		}
	}
	d.WorkResult = w

	var p PredicateDiff
	var problems []string
	// derive is the predicate pol (or its lookup error) gives for work and
	// behaviour; a predicate it cannot give is empty, with the reason kept.
	derive := func(when string, pol policy.Policy, polErr error, work policy.Rating) policy.Predicate {
		pr, err := pol, polErr
		if err == nil {
			var pred policy.Predicate
			if pred, err = pr.Predicate(work, v.Behaviour); err == nil {
				return pred
			}
		}
		problems = append(problems, when+": "+err.Error())
		return ""
	}
	switch {
	case decisions.Objection != nil && v.Objection != nil && v.Predicate != "" && v.Objection.Outcome == evaluation.Changed:
		p = PredicateDiff{Before: v.Predicate, After: v.Predicate, Basis: "decided", Event: decisions.Objection}
	case v.WorkResult != "" && v.Behaviour != "":
		p = PredicateDiff{Before: v.Predicate, Basis: "derived", Event: decisions.Predicate}
		if p.Before == "" {
			p.Before = derive("before", pBefore, errBefore, v.WorkResult)
		}
		p.After = derive("after", pAfter, errAfter, v.WorkResult)
		if p.Before != p.After {
			p.Rule = RuleMatrix + ":" + afterID
			p.Reason = fmt.Sprintf("under %s the matrix gives %s for work results %s and behaviour %s", afterID, orNone(string(p.After)), v.WorkResult, v.Behaviour)
		}
		if v.Predicate != "" {
			mv = predicateMove{from: v.Predicate, to: p.After}
		}
	case v.Behaviour != "":
		p = PredicateDiff{Basis: "recommended"}
		if w.RecommendedBefore != "" {
			p.Before = derive("before", pBefore, errBefore, w.RecommendedBefore)
		}
		if w.RecommendedAfter != "" {
			p.After = derive("after", pAfter, errAfter, w.RecommendedAfter)
		}
		if p.Before != p.After {
			p.Rule = RuleMatrix + ":" + afterID
			p.Reason = fmt.Sprintf("no work-result rating is decided yet: under %s the matrix gives %s for the recommended %s and behaviour %s; only a recommendation",
				afterID, orNone(string(p.After)), orNone(string(w.RecommendedAfter)), v.Behaviour)
		}
	}
	p.Problem = strings.Join(problems, "; ")
	if p.Before != p.After || p.Problem != "" {
		d.Predicate = &p
	}
	return d, mv, len(d.Achievements) > 0 || ratingChanged || d.Predicate != nil
}

// achievement recomputes ach under the substitutions; changed says whether
// the percent or the problem differs.
func (e *engine) achievement(ach projections.Achievement) (AchievementDiff, bool) {
	a := AchievementDiff{IKI: ach.IKI, Period: ach.Period, Indicator: ach.Indicator, Realised: ach.Realised,
		Before: ach.Percent, After: ach.Percent, ProblemBefore: ach.Problem, ProblemAfter: ach.Problem}
	rev, ok := e.subs.RevisionFor(ach.Indicator, ach.PeriodStart)
	if !ok {
		return a, false
	}
	planned := replay.Basis{Direction: ach.Direction, Formula: ach.Formula, Target: ach.Target} // what measures it now
	after := rev.Apply(planned)
	dir, f, target := after.Direction, after.Formula, after.Target
	a.Direction, a.Formula, a.Target = dir, f, &target
	a.After, a.ProblemAfter = 0, ""
	if pct, err := indicator.Compute(f, target, ach.Realised); err != nil {
		a.ProblemAfter = err.Error()
	} else {
		a.After = pct
	}
	if a.After == a.Before && a.ProblemAfter == a.ProblemBefore {
		return a, false
	}
	a.Rule = RuleIndicatorRevision
	name := rev.Code
	if name == "" {
		name = rev.Indicator.String()
	}
	a.Reason = fmt.Sprintf("indicator %s revised from %s: planned %s against target %s, now %s by %s against target %s; realised %g",
		name, indicator.Date(rev.ValidFrom).Format(time.DateOnly), orNone(string(planned.Direction)), targetText(planned.Direction, ach.Target), dir, f, targetText(dir, target), ach.Realised)
	e.x.model.Read(func(eventstore.Position) {
		if ref, ok := e.x.realisations.Get(ach.Realisation.String()); ok {
			a.Event = &ref
		}
	})
	return a, true
}

// units diffs every unit distribution: counts move with the evaluations in
// moved, and quotas are checked again under the substituted quota version.
func (e *engine) units(dists *projections.Distributions, moved map[uuid.UUID]predicateMove) []UnitDiff {
	byCurve := map[string][]uuid.UUID{}
	for _, id := range slices.SortedFunc(maps.Keys(moved), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }) {
		if m, ok := dists.Member(id); ok && m.Unit != uuid.Nil {
			k := m.Unit.String() + "/" + m.Period
			byCurve[k] = append(byCurve[k], id)
		}
	}
	out := []UnitDiff{}
	dists.EachCurve(func(c projections.Distribution) bool {
		if !e.curveInScope(c) {
			return true
		}
		ids := byCurve[c.Unit.String()+"/"+c.Period]
		if len(ids) == 0 && e.subs.Quotas == "" {
			return true
		}
		after := c
		after.Counts = maps.Clone(c.Counts)
		if after.Counts == nil {
			after.Counts = map[policy.Predicate]int{}
		}
		for _, id := range ids {
			mv := moved[id]
			if after.Counts[mv.from]--; after.Counts[mv.from] == 0 {
				delete(after.Counts, mv.from)
			}
			if mv.to == "" {
				after.Population--
			} else {
				after.Counts[mv.to]++
			}
		}
		policyAfter := c.Policy
		if e.subs.Quotas != "" {
			policyAfter = e.subs.Quotas
		}
		after = dists.Recheck(after, policyAfter)
		u := UnitDiff{Unit: c.Unit, Assessment: c.Assessment, Period: c.Period, OrgPredicate: c.OrgPredicate, PolicyBefore: c.Policy, PolicyAfter: policyAfter,
			CountsBefore: nonNil(c.Counts), CountsAfter: after.Counts, ViolationsBefore: violations(c), ViolationsAfter: violations(after), Moved: ids}
		if maps.Equal(u.CountsBefore, u.CountsAfter) && slices.Equal(u.ViolationsBefore, u.ViolationsAfter) && u.PolicyBefore == u.PolicyAfter {
			return true
		}
		u.Rule = RuleQuota + ":" + policyAfter
		u.Reason = fmt.Sprintf("%d evaluation(s) change predicate; the counts are checked against the quotas of %s for organisational predicate %s",
			len(ids), policyAfter, orNone(string(c.OrgPredicate)))
		out = append(out, u)
		return true
	})
	return out
}

func violations(c projections.Distribution) []string {
	var out []string
	for _, v := range c.Violations {
		out = append(out, v.Rule+": "+v.Message)
	}
	return out
}

func nonNil(m map[policy.Predicate]int) map[policy.Predicate]int {
	if m == nil {
		return map[policy.Predicate]int{}
	}
	return m
}

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	return &m
}

func pct(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%.2f%%", *p)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func targetText(d indicator.Direction, t indicator.Target) string {
	if d == indicator.Range {
		return fmt.Sprintf("%g..%g", t.Min, t.Max)
	}
	return fmt.Sprintf("%g", t.Value)
}

func cmpRating(a, b policy.Rating) int { return cmpInt(ratingRank(a), ratingRank(b)) }

func ratingRank(r policy.Rating) int {
	switch r {
	case policy.AboveExpectation:
		return 3
	case policy.AsExpected:
		return 2
	case policy.BelowExpectation:
		return 1
	}
	return 0
}

func cmpPredicate(a, b policy.Predicate) int {
	return cmpInt(predicateRank(a), predicateRank(b))
}

func cmpInt(a, b int) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

func predicateRank(p policy.Predicate) int {
	switch p {
	case policy.SangatBaik:
		return 5
	case policy.Baik:
		return 4
	case policy.ButuhPerbaikan, policy.Cukup:
		return 3
	case policy.KurangMisconduct, policy.Kurang:
		return 2
	case policy.SangatKurang:
		return 1
	}
	return 0
}
