// Package logtest is an in-memory global log for the projections' tests: it
// implements the parts of eventstore.Store the projections read, assigns
// dense positions, and can drop subscriptions on demand to exercise the
// runner's recovery.
package logtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

// ErrDropped is what a subscription dropped by Drop or DropEvery returns.
var ErrDropped = errors.New("logtest: subscription dropped")

// Log is an append-only in-memory log. The zero Log is empty and ready.
type Log struct {
	mu        sync.Mutex
	events    []eventstore.RecordedEvent
	revisions map[string]uint64
	wake      eventstore.Signal
	dropEvery int // deliveries per subscription before it drops; 0 never
	drop      chan struct{}
	at        time.Time
}

// Event is one event to append: a type and a body marshalled to JSON.
type Event struct {
	Type   string
	Data   any
	Actor  eventstore.Actor
	Reason string
	At     time.Time // recorded-at; zero means one second after the previous event
}

// Append appends events to stream and returns them as recorded. It panics
// when a body does not marshal, which is a mistake in the test.
func (l *Log) Append(stream string, events ...Event) []eventstore.RecordedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.revisions == nil {
		l.revisions = map[string]uint64{}
		l.at = time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	}
	out := make([]eventstore.RecordedEvent, 0, len(events))
	for _, e := range events {
		data, err := json.Marshal(e.Data)
		if err != nil {
			panic(fmt.Sprintf("logtest: marshal %s: %v", e.Type, err))
		}
		rev, seen := l.revisions[stream]
		if seen {
			rev++
		}
		l.revisions[stream] = rev
		pos := uint64(len(l.events) + 1)
		at := e.At
		if at.IsZero() {
			at = l.at.Add(time.Second)
		}
		l.at = at
		rec := eventstore.RecordedEvent{
			ID:         uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/%d", stream, rev)),
			Stream:     stream,
			Revision:   rev,
			Position:   eventstore.Position{Commit: pos, Prepare: pos},
			Type:       e.Type,
			Data:       data,
			Metadata:   eventstore.Metadata{Actor: e.Actor, Reason: e.Reason, SchemaVersion: 1},
			RecordedAt: at.UTC(),
		}
		l.events = append(l.events, rec)
		out = append(out, rec)
	}
	l.wake.Notify()
	return out
}

// AppendRecorded appends events exactly as given, for tests that build
// their own envelopes; positions must follow the log's last one.
func (l *Log) AppendRecorded(events ...eventstore.RecordedEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, events...)
	l.wake.Notify()
}

// All returns every event in log order.
func (l *Log) All() []eventstore.RecordedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]eventstore.RecordedEvent(nil), l.events...)
}

// DropEvery makes every subscription fail with ErrDropped after delivering n
// events (n <= 0 turns it off).
func (l *Log) DropEvery(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropEvery = n
}

// Drop makes the current subscriptions fail with ErrDropped at their next
// delivery or wait.
func (l *Log) Drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drop != nil {
		close(l.drop)
		l.drop = nil
	}
}

func (l *Log) dropChan() chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drop == nil {
		l.drop = make(chan struct{})
	}
	return l.drop
}

// ReadAll implements eventstore.Store.ReadAll.
func (l *Log) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = eventstore.DefaultPageSize
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	start := min(int(after.Commit), len(l.events))
	end := min(start+limit, len(l.events))
	return append([]eventstore.RecordedEvent(nil), l.events[start:end]...), nil
}

// ReadStream implements eventstore.Store.ReadStream, forwards only, for
// the as-of tests.
func (l *Log) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Backwards {
		return nil, errors.New("logtest: backwards reads are not supported")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []eventstore.RecordedEvent
	for _, e := range l.events {
		if e.Stream == stream && e.Revision >= opts.From {
			out = append(out, e)
			if opts.Limit > 0 && len(out) == opts.Limit {
				break
			}
		}
	}
	if len(out) == 0 && opts.From == 0 {
		return nil, eventstore.StreamNotFound(stream)
	}
	return out, nil
}

// Head implements eventstore.Store.Head.
func (l *Log) Head(ctx context.Context) (eventstore.Position, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.Position{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return eventstore.Position{}, nil
	}
	return l.events[len(l.events)-1].Position, nil
}

// Subscribe implements eventstore.Store.Subscribe, dropping as DropEvery and
// Drop say.
func (l *Log) Subscribe(ctx context.Context, after eventstore.Position, handle func(eventstore.RecordedEvent) error) error {
	l.mu.Lock()
	every := l.dropEvery
	l.mu.Unlock()
	drop := l.dropChan()
	delivered := 0
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-drop:
			cancel(ErrDropped)
		case <-ctx.Done():
		}
	}()
	return eventstore.CatchUp(ctx, l.ReadAll, &l.wake, 0, after, func(e eventstore.RecordedEvent) error {
		if every > 0 && delivered == every {
			return ErrDropped
		}
		delivered++
		return handle(e)
	})
}
