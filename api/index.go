package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// Some commands need facts that span streams: the other open SKPs of an
// employee, the evaluations of a unit. Until the projections package serves
// them as read models, they are found by scanning the global log, which
// costs time linear in the log. These functions are the only place that
// does so, so the read models can replace them one by one.

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

// openSKPs returns the periods of employee n's SKPs that are not closed.
func (s *server) openSKPs(ctx context.Context, n domain.NIP) ([]skp.Period, error) {
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
	opened := evaluation.Opened{}.EventType()
	var streams []string
	err := s.scanLog(ctx, func(rec eventstore.RecordedEvent) error {
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
