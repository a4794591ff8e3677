package projections

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// StreamReader reads one stream; eventstore.Store satisfies it.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
}

// AppraisalAtPosition returns the appraisal of SKP id as it stood once the
// event at global position at had been committed: the SKP's stream and its
// execution record, read from the store and folded by the same code as the
// live read model, up to and including at. Evaluations live in their own
// streams, so the result lists none; see EvaluationAtPosition. An SKP with
// no event at or before at is a domain.NotFound error.
func AppraisalAtPosition(ctx context.Context, r StreamReader, id uuid.UUID, at eventstore.Position) (Appraisal, error) {
	return appraisalAsOf(ctx, r, id, "position "+at.String(), func(e eventstore.RecordedEvent) bool {
		return !at.Less(e.Position)
	})
}

// AppraisalAtTime returns the appraisal of SKP id as it stood at instant t:
// every event of its streams recorded at or before t, folded as the live read
// model folds them. An SKP with no event recorded by t is a domain.NotFound
// error.
func AppraisalAtTime(ctx context.Context, r StreamReader, id uuid.UUID, t time.Time) (Appraisal, error) {
	return appraisalAsOf(ctx, r, id, t.UTC().Format(time.RFC3339), func(e eventstore.RecordedEvent) bool {
		return !e.RecordedAt.After(t)
	})
}

func appraisalAsOf(ctx context.Context, r StreamReader, id uuid.UUID, when string, include func(eventstore.RecordedEvent) bool) (Appraisal, error) {
	a, err := foldStreams(ctx, r, when, include, skp.Stream(id), execution.Stream(id))
	if err != nil {
		return Appraisal{}, fmt.Errorf("appraisal of %s as of %s: %w", id, when, err)
	}
	row, ok := a.bySKP.Get(id)
	if !ok {
		return Appraisal{}, domain.Errorf(domain.NotFound, "SKP %s did not exist yet at %s", id, when)
	}
	return row.appraisal(), nil
}

// EvaluationAtPosition returns evaluation id with the appraisal of its SKP
// as they stood once the event at global position at had been committed:
// the evaluation's stream, its SKP's stream and execution record, folded by
// the same code as the live read model. An evaluation with no event at or
// before at is a domain.NotFound error.
func EvaluationAtPosition(ctx context.Context, r StreamReader, id uuid.UUID, at eventstore.Position) (EvaluationAppraisal, error) {
	return evaluationAsOf(ctx, r, id, "position "+at.String(), func(e eventstore.RecordedEvent) bool {
		return !at.Less(e.Position)
	})
}

// EvaluationAtTime is EvaluationAtPosition for the events recorded at or
// before instant t.
func EvaluationAtTime(ctx context.Context, r StreamReader, id uuid.UUID, t time.Time) (EvaluationAppraisal, error) {
	return evaluationAsOf(ctx, r, id, t.UTC().Format(time.RFC3339), func(e eventstore.RecordedEvent) bool {
		return !e.RecordedAt.After(t)
	})
}

func evaluationAsOf(ctx context.Context, r StreamReader, id uuid.UUID, when string, include func(eventstore.RecordedEvent) bool) (EvaluationAppraisal, error) {
	first, err := r.ReadStream(ctx, evaluation.Stream(id), eventstore.ReadStreamOptions{Limit: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return EvaluationAppraisal{}, domain.Errorf(domain.NotFound, "there is no evaluation %s", id)
	}
	if err != nil {
		return EvaluationAppraisal{}, fmt.Errorf("evaluation %s as of %s: %w", id, when, err)
	}
	opened, err := evaluation.Decode(first[0].Type, first[0].Data)
	if err != nil {
		return EvaluationAppraisal{}, fmt.Errorf("evaluation %s as of %s: %w", id, when, err)
	}
	o, ok := opened.(evaluation.Opened)
	if !ok {
		return EvaluationAppraisal{}, fmt.Errorf("evaluation %s as of %s: its first event is %s, not %s", id, when, first[0].Type, evaluation.Opened{}.EventType())
	}
	a, err := foldStreams(ctx, r, when, include, skp.Stream(o.SKP), execution.Stream(o.SKP), evaluation.Stream(id))
	if err != nil {
		return EvaluationAppraisal{}, fmt.Errorf("evaluation %s as of %s: %w", id, when, err)
	}
	ea, ok, _ := a.Evaluation(id)
	if !ok {
		return EvaluationAppraisal{}, domain.Errorf(domain.NotFound, "evaluation %s had not been opened yet at %s", id, when)
	}
	return ea, nil
}

// foldStreams reads streams, keeps the events include accepts, and folds
// them in global order into a fresh appraisal read model. Streams with no
// events are skipped.
func foldStreams(ctx context.Context, r StreamReader, when string, include func(eventstore.RecordedEvent) bool, streams ...string) (*Appraisals, error) {
	var events []eventstore.RecordedEvent
	for _, stream := range streams {
		es, err := r.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		for _, e := range es {
			if include(e) {
				events = append(events, e)
			}
		}
	}
	slices.SortFunc(events, func(a, b eventstore.RecordedEvent) int {
		switch {
		case a.Position.Less(b.Position):
			return -1
		case b.Position.Less(a.Position):
			return 1
		}
		return 0
	})
	a := NewAppraisals()
	for _, e := range events {
		if !a.Reads(e.Type) {
			continue
		}
		if err := a.Apply(NewEvent(e)); err != nil {
			return nil, fmt.Errorf("event %s at %s: %w", e.ID, e.Position, err)
		}
		a.model.pos = e.Position
	}
	return a, nil
}
