package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
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

// unitEvaluations returns the evaluations opened for unit in period, each
// folded from its stream.
func (s *server) unitEvaluations(ctx context.Context, unit uuid.UUID, periodID string) ([]*evaluation.Evaluation, error) {
	ok, err := s.caughtUp(ctx, evaluationIndexName)
	if err != nil {
		return nil, err
	}
	var streams []string
	if ok {
		for _, id := range s.views.index.ofUnit(unit, periodID) {
			streams = append(streams, evaluation.Stream(id))
		}
		return s.loadEvaluations(ctx, streams)
	}
	opened := evaluation.Opened{}.EventType()
	err = s.scanLog(ctx, func(rec eventstore.RecordedEvent) error {
		if rec.Type != opened || !strings.HasPrefix(rec.Stream, "evaluation-") {
			return nil
		}
		e, err := evaluation.Decode(rec.Type, rec.Data)
		if err != nil {
			return fmt.Errorf("decode %s@%d: %w", rec.Stream, rec.Revision, err)
		}
		if o := e.(evaluation.Opened); o.Unit == unit && o.Period.ID == periodID {
			streams = append(streams, rec.Stream)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.loadEvaluations(ctx, streams)
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
