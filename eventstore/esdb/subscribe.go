package esdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/kinerja/kinerja/eventstore"
)

// Subscribe calls handle for every ledger event after the given position, in
// commit order: a catch-up subscription to $all with a server-side filter on
// the ledger's streams (see WithCategories), so the server's own events are
// not even read.
//
// When the subscription drops (a node restarts, a leader changes) it
// resubscribes from the last event handled, after a backoff that starts at
// the configured minimum and doubles up to the maximum (WithResubscribe),
// and logs each drop. Events the server sends again are skipped by position,
// so none is handled twice or skipped. After the configured number of drops
// in a row with no event handled in between it gives up and returns the last
// drop's error.
//
// It returns context.Cause(ctx) when ctx ends, handle's error when handle
// fails, and an error when an event cannot be decoded.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func(eventstore.RecordedEvent) error) error {
	delay, drops := s.retryMin, 0
	for {
		progressed, dropped, err := s.subscribeOnce(ctx, &after, handle)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err != nil {
			return err
		}
		if progressed {
			drops, delay = 0, s.retryMin
		}
		if drops++; drops > s.retries {
			return fmt.Errorf("subscribe to $all after %s: dropped %d times in a row: %w", after, drops, dropped)
		}
		s.log.Warn("eventstoredb subscription dropped; resubscribing",
			"after", after.String(), "attempt", drops, "retry_in", delay, "err", dropped)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
		delay = min(2*delay, s.retryMax)
	}
}

// subscribeOnce runs one subscription from *after until it drops (dropped),
// or handle or decoding fails (err). It moves *after to each handled event
// and reports whether it handled any.
func (s *Store) subscribeOnce(ctx context.Context, after *eventstore.Position, handle func(eventstore.RecordedEvent) error) (progressed bool, dropped, err error) {
	var from esdb.AllPosition = esdb.Start{}
	if !after.IsZero() {
		from = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
	}
	sub, err := s.client.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: from, Filter: s.filter()})
	if err != nil {
		return false, err, nil
	}
	defer sub.Close()
	for {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			if ev.SubscriptionDropped.Error == nil {
				return progressed, errors.New("subscription dropped without a reason"), nil
			}
			return progressed, ev.SubscriptionDropped.Error, nil
		case ev.EventAppeared == nil:
			continue // checkpoints, caught up, fell behind: nothing to do
		}
		e := ev.EventAppeared.Event
		if e == nil {
			return progressed, nil, fmt.Errorf("subscribe to $all after %s: the server sent a subscription event without an event", after)
		}
		p := position(e.Position)
		if !after.IsZero() && !after.Less(p) {
			continue // already handled before a resubscription
		}
		if !s.accept(e.StreamID, e.EventType) {
			continue
		}
		r, err := s.decode(e)
		if err != nil {
			return progressed, nil, fmt.Errorf("subscribe to $all after %s: %w", after, err)
		}
		if err := handle(r); err != nil {
			return progressed, nil, err
		}
		*after, progressed = p, true
	}
}
