package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// testRacingExactAppends lets 32 goroutines race for each revision of one
// stream with the same exact expectation: one wins, the others get the typed
// conflict and store nothing.
func testRacingExactAppends(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	stream := newStream()
	const racers, rounds = 32, 12
	winners := make([]eventstore.EventData, rounds)
	for round := range rounds {
		expected := eventstore.NoStream
		if round > 0 {
			expected = eventstore.Exact(uint64(round - 1))
		}
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			batches [racers][]eventstore.EventData
			results [racers]eventstore.AppendResult
			errs    [racers]error
		)
		for i := range racers {
			batches[i] = newEvents(1)
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Append(t.Context(), stream, expected, batches[i]...)
			})
		}
		close(start)
		wg.Wait()

		won := -1
		for i := range racers {
			if errs[i] != nil {
				wantError(t, fmt.Sprintf("round %d: racer %d: Append(%v)", round, i, expected), errs[i], domain.Conflict, eventstore.ErrWrongExpectedRevision)
				continue
			}
			if won >= 0 {
				t.Fatalf("round %d: racers %d and %d both appended with expectation %v", round, won, i, expected)
			}
			won = i
			if results[i].Revision != uint64(round) {
				t.Errorf("round %d: the winner appended at revision %d", round, results[i].Revision)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: every racer got a conflict with expectation %v", round, expected)
		}
		winners[round] = batches[won][0]
	}

	got := mustReadStream(t, s, stream, eventstore.ReadStreamOptions{})
	wantIDs(t, "stream after the race", got, winners)
	for i := range got {
		if got[i].Revision != uint64(i) {
			t.Errorf("event %d at revision %d: the stream is not dense", i, got[i].Revision)
		}
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, got); i >= 0 {
		t.Errorf("VerifyChain() breaks at event %d: %s", i, why)
	}
	if all := readAll(t, s); len(all) != rounds {
		t.Errorf("the log holds %d events, want %d: a losing racer stored something", len(all), rounds)
	}
}

// testConcurrentLoad appends 10,000 single events from 32 goroutines to 128
// streams, then checks that the global log holds exactly the acknowledged
// events, once each, in increasing (for Merkle stores: dense) positions, with
// every stream dense and its chain intact.
func testConcurrentLoad(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	const goroutines, total, streamsEach = 32, 10_000, 4
	type ack struct {
		stream string
		res    eventstore.AppendResult
	}
	acks := make([]map[uuid.UUID]ack, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			n := total / goroutines
			if g < total%goroutines {
				n++
			}
			var streams [streamsEach]string
			for k := range streams {
				streams[k] = newStream()
			}
			mine := make(map[uuid.UUID]ack, n)
			acks[g] = mine
			for i := range n {
				stream := streams[i%streamsEach]
				expected := eventstore.NoStream
				if i >= streamsEach {
					expected = eventstore.Exact(uint64(i/streamsEach - 1))
				}
				events := newEvents(1)
				res, err := s.Append(t.Context(), stream, expected, events...)
				if err != nil {
					t.Errorf("goroutine %d: Append(%s, %v) error = %v", g, stream, expected, err)
					return
				}
				mine[events[0].ID] = ack{stream, res}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	acked := make(map[uuid.UUID]ack, total)
	for _, m := range acks {
		for id, a := range m {
			acked[id] = a
		}
	}

	all := readAll(t, s)
	if len(all) != total || len(acked) != total {
		t.Fatalf("the log holds %d events and %d appends were acknowledged, want %d", len(all), len(acked), total)
	}
	_, dense := s.(eventstore.Merkle)
	seen := make(map[uuid.UUID]bool, total)
	last := make(map[string]*eventstore.RecordedEvent)
	for i := range all {
		e := &all[i]
		switch want := (eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}); {
		case dense && e.Position != want:
			t.Fatalf("event %d at position %v, want %v: the log of a Merkle store is dense", i, e.Position, want)
		case i > 0 && !all[i-1].Position.Less(e.Position):
			t.Fatalf("event %d at position %v follows %v: positions must increase", i, e.Position, all[i-1].Position)
		}
		if seen[e.ID] {
			t.Fatalf("event %s appears twice in the log", e.ID)
		}
		seen[e.ID] = true
		a, ok := acked[e.ID]
		if !ok {
			t.Fatalf("event %s (%s@%d) is in the log but was never acknowledged", e.ID, e.Stream, e.Revision)
		}
		if a.stream != e.Stream || a.res.Revision != e.Revision || a.res.Position != e.Position {
			t.Fatalf("event %s is stored as %s@%d at %v, but its append reported %s@%d at %v", e.ID, e.Stream, e.Revision, e.Position, a.stream, a.res.Revision, a.res.Position)
		}
		var prev eventstore.Hash
		wantRev := uint64(0)
		if p := last[e.Stream]; p != nil {
			prev, wantRev = p.Hash, p.Revision+1
		}
		if e.Revision != wantRev {
			t.Fatalf("%s@%d follows revision %d in the log: the stream is not dense", e.Stream, e.Revision, wantRev-1)
		}
		if j, why := eventstore.VerifyChain(prev, all[i:i+1]); j >= 0 {
			t.Fatalf("chain of %s breaks: %s", e.Stream, why)
		}
		last[e.Stream] = e
	}
	if len(last) != goroutines*streamsEach {
		t.Errorf("the log holds %d streams, want %d", len(last), goroutines*streamsEach)
	}
	if head := mustHead(t, s); head != all[len(all)-1].Position {
		t.Errorf("Head() = %v, want the last event's position %v", head, all[len(all)-1].Position)
	}
}

// testSubscribeWhileAppending runs subscribers while 8 goroutines append and
// compares what they saw with the log read afterwards.
func testSubscribeWhileAppending(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(12)...)
	mustAppend(t, s, newStream(), eventstore.NoStream, newEvents(8)...)

	type subscriber struct {
		mu   sync.Mutex
		got  []eventstore.RecordedEvent
		stop context.CancelFunc
		done chan error
	}
	subscribe := func(after eventstore.Position) *subscriber {
		ctx, cancel := context.WithCancel(t.Context())
		sub := &subscriber{stop: cancel, done: make(chan error, 1)}
		go func() {
			sub.done <- s.Subscribe(ctx, after, func(e eventstore.RecordedEvent) error {
				sub.mu.Lock()
				defer sub.mu.Unlock()
				sub.got = append(sub.got, e)
				return nil
			})
		}()
		t.Cleanup(cancel)
		return sub
	}
	// until waits until sub has delivered the event at head, then stops it.
	until := func(sub *subscriber, head eventstore.Position) []eventstore.RecordedEvent {
		t.Helper()
		reached := waitFor(10*time.Second, func() bool {
			sub.mu.Lock()
			defer sub.mu.Unlock()
			return len(sub.got) > 0 && !sub.got[len(sub.got)-1].Position.Less(head)
		})
		sub.stop()
		select {
		case err := <-sub.done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Subscribe() = %v, want context.Canceled after the cancellation", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Subscribe() did not return within 5s of the cancellation")
		}
		sub.mu.Lock()
		defer sub.mu.Unlock()
		if !reached {
			t.Fatalf("the subscriber saw %d events in 10s and never reached the head %v", len(sub.got), head)
		}
		return sub.got
	}
	compare := func(name string, got, want []eventstore.RecordedEvent) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s saw %d events, the log holds %d", name, len(got), len(want))
		}
		for i := range got {
			if d := diffEvent(&got[i], &want[i]); d != "" {
				t.Fatalf("%s: event %d: %s", name, i, d)
			}
		}
	}

	fromStart := subscribe(eventstore.Start)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			stream := newStream()
			expected := eventstore.NoStream
			for i := range 24 {
				res, err := s.Append(t.Context(), stream, expected, newEvents(1+2*(i%2))...)
				if err != nil {
					t.Errorf("appender %d: Append(%s, %v) error = %v", g, stream, expected, err)
					return
				}
				expected = eventstore.Exact(res.Revision)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	head := mustHead(t, s)
	got := until(fromStart, head)
	all := readAll(t, s)
	compare("the subscriber from the start", got, all)

	fromMiddle := subscribe(all[9].Position)
	compare("the subscriber from event 10", until(fromMiddle, head), all[10:])
}
