package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Some commands need facts that span streams: the other open SKPs of an
// employee, the evaluations of a unit. They come from the read models when
// the server runs them and the read model reaches the head of the log
// within s.readWait, so a command never decides on a stale view; otherwise
// they are found by scanning the global log, which costs time linear in the
// log. These functions are the only place that does so.

const scanPage = 1000

// scanLog calls fn for every event of the global log, oldest first.
func (s *server) scanLog(ctx context.Context, fn func(eventstore.RecordedEvent) error) error {
	after := eventstore.Start
	for {
		recs, err := s.store.ReadAll(ctx, after, scanPage)
		if err != nil {
			return fmt.Errorf("scan log after %s: %w", after, err)
		}
		for _, rec := range recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(recs) < scanPage {
			return nil
		}
		after = recs[len(recs)-1].Position
	}
}

// caughtUp reports whether read model name runs and reflects the head of
// the log as it is now, waiting at most s.readWait for it. A read model
// that does not get there in time is not an error: the caller scans the log.
func (s *server) caughtUp(ctx context.Context, name string) (bool, error) {
	runner := s.views.runners[name]
	if runner == nil {
		return false, nil
	}
	head, err := s.store.Head(ctx)
	if err != nil {
		return false, fmt.Errorf("read log head: %w", err)
	}
	err = runner.WaitFor(ctx, head, s.readWait)
	if errors.Is(err, projections.ErrLags) {
		s.log.WarnContext(ctx, "read model lags; scanning the log instead", "projection", name, "head", head.String())
		return false, nil
	}
	return err == nil, err
}

// openSKPs returns the periods of employee n's SKPs that are not closed.
func (s *server) openSKPs(ctx context.Context, n domain.NIP) ([]skp.Period, error) {
	if ok, err := s.caughtUp(ctx, "inbox"); err != nil || ok {
		if err != nil {
			return nil, err
		}
		page, _ := s.views.inboxes.PageOf(n)
		var out []skp.Period
		for _, sum := range slices.Backward(page.SKPs) { // oldest first, as the log has them
			if sum.Status != skp.StatusClosed {
				out = append(out, skp.Period{SKP: sum.SKP, Start: sum.Start, End: sum.End})
			}
		}
		return out, nil
	}
	drafted, closed := skp.Drafted{}.EventType(), skp.Closed{}.EventType()
	open := map[string]skp.Period{}
	var order []string
	err := s.scanLog(ctx, func(rec eventstore.RecordedEvent) error {
		switch rec.Type {
		case drafted:
			e, err := skp.Decode(rec.Type, rec.Data)
			if err != nil {
				return fmt.Errorf("decode %s@%d: %w", rec.Stream, rec.Revision, err)
			}
			if d := e.(skp.Drafted); d.Employee == n {
				open[rec.Stream] = skp.Period{SKP: d.SKP, Start: d.Start, End: d.End}
				order = append(order, rec.Stream)
			}
		case closed:
			delete(open, rec.Stream)
		}
		return nil
	})
	var out []skp.Period
	for _, stream := range order {
		if p, ok := open[stream]; ok {
			out = append(out, p)
		}
	}
	return out, err
}

// opened names an evaluation stream and the unit it was opened in.
type opened struct {
	stream string
	unit   uuid.UUID
}

// openedIn returns the streams of the evaluations opened for unit in
// period and, when withHeads is set, those of the unit heads of every other
// unit in the period, each in opening order: from the evaluation index when
// it is caught up, else from a scan of the log.
func (s *server) openedIn(ctx context.Context, unit uuid.UUID, periodID string, withHeads bool) (own []string, heads []opened, err error) {
	ok, err := s.caughtUp(ctx, evaluationIndexName)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		ownIDs, headRows := s.views.index.curveCandidates(unit, periodID)
		for _, id := range ownIDs {
			own = append(own, evaluation.Stream(id))
		}
		if withHeads {
			for _, e := range headRows {
				if e.Unit != unit {
					heads = append(heads, opened{stream: evaluation.Stream(e.Evaluation), unit: e.Unit})
				}
			}
		}
		return own, heads, nil
	}
	typ := evaluation.Opened{}.EventType()
	err = s.scanLog(ctx, func(rec eventstore.RecordedEvent) error {
		if rec.Type != typ || !strings.HasPrefix(rec.Stream, "evaluation-") {
			return nil
		}
		e, err := evaluation.Decode(rec.Type, rec.Data)
		if err != nil {
			return fmt.Errorf("decode %s@%d: %w", rec.Stream, rec.Revision, err)
		}
		o := e.(evaluation.Opened)
		switch {
		case o.Period.ID != periodID:
		case o.Unit == unit:
			own = append(own, rec.Stream)
		case withHeads && o.UnitHead:
			heads = append(heads, opened{stream: rec.Stream, unit: o.Unit})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return own, heads, nil
}

// unitCurve is a unit's evaluations for a period as its distribution curve
// counts them: a unit head's predicate counts in their own unit's curve or
// in the unit above's, as the evaluation's policy says
// (policy.Policy.HeadInOwnCurve, domain reference §3.3).
type unitCurve struct {
	// members count in the unit's curve: the unit's own evaluations but
	// those in the unit above's curve, and the evaluations of the heads of
	// the units directly below it on the period's last day whose policy
	// counts them here.
	members []*evaluation.Evaluation
	// away are the unit's own evaluations that count in the unit above's
	// curve: its head's, under a policy that counts heads there.
	away []*evaluation.Evaluation
}

// curveOf returns unit's distribution curve for period. The candidates
// come from the index or the log (openedIn); either way membership is
// decided here, by each evaluation's policy and the organisation on the
// period's last day. It costs one read of the unit stream of each other
// unit with a head's evaluation in the period.
func (s *server) curveOf(ctx context.Context, unit uuid.UUID, period evaluation.Period) (unitCurve, error) {
	var c unitCurve
	ownStreams, headCandidates, err := s.openedIn(ctx, unit, period.ID, true)
	if err != nil {
		return c, err
	}
	var headStreams []string
	parents := map[uuid.UUID]uuid.UUID{}
	for _, h := range headCandidates {
		parent, ok := parents[h.unit]
		if !ok {
			if parent, err = s.parentUnit(ctx, h.unit, period.End); err != nil {
				return c, err
			}
			parents[h.unit] = parent
		}
		if parent == unit {
			headStreams = append(headStreams, h.stream)
		}
	}
	own, err := s.loadEvaluations(ctx, ownStreams)
	if err != nil {
		return c, err
	}
	heads, err := s.loadEvaluations(ctx, headStreams)
	if err != nil {
		return c, err
	}
	policies := map[string]policy.Policy{}
	inParentCurve := func(ev *evaluation.Evaluation) (bool, error) {
		p, ok := policies[ev.Policy()]
		if !ok {
			var err error
			if p, err = policy.Lookup(ev.Policy()); err != nil {
				return false, fmt.Errorf("policy of evaluation %s: %w", ev.ID(), err)
			}
			policies[ev.Policy()] = p
		}
		return ev.InParentCurve(p), nil
	}
	for _, ev := range own {
		away, err := inParentCurve(ev)
		if err != nil {
			return c, err
		}
		if away {
			c.away = append(c.away, ev)
		} else {
			c.members = append(c.members, ev)
		}
	}
	for _, ev := range heads {
		here, err := inParentCurve(ev)
		if err != nil {
			return c, err
		}
		if here {
			c.members = append(c.members, ev)
		}
	}
	return c, nil
}

// parentUnit returns the unit above unit on the calendar date of day, from
// the organisation: uuid.Nil when there is none (the instansi itself, or a
// unit that does not exist that day).
func (s *server) parentUnit(ctx context.Context, unit uuid.UUID, day time.Time) (uuid.UUID, error) {
	h, err := eventstore.Load(ctx, s.store, org.UnitStream(unit), org.Decode)
	if err != nil {
		return uuid.Nil, fmt.Errorf("load %s: %w", org.UnitStream(unit), err)
	}
	shape, ok := org.ReplayUnit(h.Events).ShapeOn(day)
	if !ok {
		return uuid.Nil, nil
	}
	return shape.Parent, nil
}

// loadEvaluations folds each evaluation stream.
func (s *server) loadEvaluations(ctx context.Context, streams []string) ([]*evaluation.Evaluation, error) {
	out := make([]*evaluation.Evaluation, 0, len(streams))
	for _, stream := range streams {
		h, err := eventstore.Load(ctx, s.store, stream, evaluation.Decode)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", stream, err)
		}
		out = append(out, evaluation.ReplayEvaluation(h.Events))
	}
	return out, nil
}
