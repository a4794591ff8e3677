package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// testReadStream reads one stream in every direction and range. A second
// stream whose name extends the first one's is interleaved with it, so a
// store that finds a stream's events by name prefix fails.
func testReadStream(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	stream := newStream()
	other := stream + "0"
	var events []eventstore.EventData
	for i := range 2 {
		batch := newEvents(5)
		mustAppend(t, s, stream, eventstore.Any, batch...)
		events = append(events, batch...)
		mustAppend(t, s, other, eventstore.Any, newEvents(5+i)...)
	}

	tests := []struct {
		name string
		opts eventstore.ReadStreamOptions
		want []int // revisions
	}{
		{name: "forwards, all", opts: eventstore.ReadStreamOptions{}, want: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{name: "forwards from 3", opts: eventstore.ReadStreamOptions{From: 3}, want: []int{3, 4, 5, 6, 7, 8, 9}},
		{name: "forwards from 3, limit 2", opts: eventstore.ReadStreamOptions{From: 3, Limit: 2}, want: []int{3, 4}},
		{name: "as of revision 4", opts: eventstore.ReadStreamOptions{Limit: 5}, want: []int{0, 1, 2, 3, 4}},
		{name: "forwards, limit above the length", opts: eventstore.ReadStreamOptions{Limit: 50}, want: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{name: "forwards from the last revision", opts: eventstore.ReadStreamOptions{From: 9}, want: []int{9}},
		{name: "forwards from past the end", opts: eventstore.ReadStreamOptions{From: 10}, want: nil},
		{name: "forwards from End", opts: eventstore.ReadStreamOptions{From: eventstore.End}, want: nil},
		{name: "backwards from End", opts: eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End}, want: []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{name: "backwards from End, limit 3", opts: eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End, Limit: 3}, want: []int{9, 8, 7}},
		{name: "backwards from 4", opts: eventstore.ReadStreamOptions{Backwards: true, From: 4}, want: []int{4, 3, 2, 1, 0}},
		{name: "backwards from 4, limit 2", opts: eventstore.ReadStreamOptions{Backwards: true, From: 4, Limit: 2}, want: []int{4, 3}},
		{name: "backwards from 0", opts: eventstore.ReadStreamOptions{Backwards: true, From: 0}, want: []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustReadStream(t, s, stream, tt.opts)

			revs := make([]int, len(got))
			for i, e := range got {
				revs[i] = int(e.Revision)
			}
			if fmt.Sprint(revs) != fmt.Sprint(tt.want) {
				t.Fatalf("ReadStream(%+v) revisions = %v, want %v", tt.opts, revs, tt.want)
			}
			for _, e := range got {
				if e.Stream != stream || e.ID != events[e.Revision].ID {
					t.Errorf("ReadStream(%+v) revision %d = %s %s, want %s %s", tt.opts, e.Revision, e.Stream, e.ID, stream, events[e.Revision].ID)
				}
			}
		})
	}

	t.Run("missing stream", func(t *testing.T) {
		for _, opts := range []eventstore.ReadStreamOptions{{}, {Backwards: true, From: eventstore.End}} {
			_, err := s.ReadStream(t.Context(), newStream(), opts)
			wantError(t, fmt.Sprintf("ReadStream(missing, %+v)", opts), err, domain.NotFound, eventstore.ErrStreamNotFound)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		_, err := s.ReadStream(t.Context(), "Not A Stream", eventstore.ReadStreamOptions{})
		wantError(t, "ReadStream(bad name)", err, domain.Invalid, eventstore.ErrInvalidArgument)
		_, err = s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{Limit: -1})
		wantError(t, "ReadStream(negative limit)", err, domain.Invalid, eventstore.ErrInvalidArgument)
	})
}

// testReadAll reads the global log from an empty store and in pages.
func testReadAll(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	if head := mustHead(t, s); !head.IsZero() {
		t.Errorf("Head() of an empty store = %v, want the zero Position", head)
	}
	if events := readAll(t, s); len(events) != 0 {
		t.Errorf("ReadAll() of an empty store = %d events, want none", len(events))
	}

	a, b := newStream(), newStream()
	var want []eventstore.EventData
	for _, step := range []struct {
		stream string
		n      int
	}{{a, 2}, {b, 1}, {a, 3}, {b, 4}} {
		events := newEvents(step.n)
		mustAppend(t, s, step.stream, eventstore.Any, events...)
		want = append(want, events...)
	}

	all, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatalf("ReadAll(Start, 0) error = %v", err)
	}
	wantIDs(t, "ReadAll(Start, 0)", all, want)
	if head := mustHead(t, s); head != all[len(all)-1].Position {
		t.Errorf("Head() = %v, want the last event's position %v", head, all[len(all)-1].Position)
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].Position.Less(all[i].Position) {
			t.Errorf("position %v follows %v", all[i].Position, all[i-1].Position)
		}
	}

	tests := []struct {
		name  string
		after int // index of the event to read after; -1 is Start
		limit int
		want  []eventstore.EventData
	}{
		{name: "first page", after: -1, limit: 4, want: want[:4]},
		{name: "middle page", after: 3, limit: 4, want: want[4:8]},
		{name: "last page", after: 7, limit: 4, want: want[8:]},
		{name: "after the last event", after: len(want) - 1, limit: 4, want: nil},
		{name: "negative limit reads a default page", after: 1, limit: -1, want: want[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := eventstore.Start
			if tt.after >= 0 {
				after = all[tt.after].Position
			}
			got, err := s.ReadAll(t.Context(), after, tt.limit)
			if err != nil {
				t.Fatalf("ReadAll(%v, %d) error = %v", after, tt.limit, err)
			}
			wantIDs(t, fmt.Sprintf("ReadAll(%v, %d)", after, tt.limit), got, tt.want)
		})
	}
}

// testEnvelope checks that every field of the envelope comes back intact
// from both reads, and that the hash chain links across appends.
func testEnvelope(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	stream := newStream()
	cmd, corr, cause := uuid.New(), uuid.New(), uuid.New()
	meta := eventstore.Metadata{
		Actor:         eventstore.Actor{ID: "199001012020121001", Role: "evaluator"},
		CommandID:     cmd,
		CorrelationID: corr,
		CausationID:   cause,
		Reason:        "keberatan diterima: nilai direvisi — ✓",
		SchemaVersion: 3,
	}
	data := []json.RawMessage{
		json.RawMessage(`{ "rating" : "DI_ATAS_EKSPEKTASI",  "score": 1.50, "big": 12345678901234567890, "text":"\u00e9 é \"q\"", "none":null }`),
		json.RawMessage("[1,\n 2.0e1 ,{}]"),
		json.RawMessage(`"just a string"`),
	}
	events := make([]eventstore.EventData, len(data))
	for i := range events {
		events[i] = eventstore.EventData{ID: eventstore.DeriveEventID(cmd, i), Type: fmt.Sprintf("evaluation.type_%d", i), Data: data[i], Metadata: meta}
	}
	events[2].Metadata = eventstore.Metadata{} // every field may be empty

	before := time.Now().UTC().Truncate(time.Microsecond)
	first := mustAppend(t, s, stream, eventstore.NoStream, events[:2]...)
	second := mustAppend(t, s, stream, eventstore.Exact(first.Revision), events[2:]...)
	after := time.Now().UTC()

	got := mustReadStream(t, s, stream, eventstore.ReadStreamOptions{})
	if len(got) != len(events) {
		t.Fatalf("ReadStream() = %d events, want %d", len(got), len(events))
	}
	const clockTolerance = 2 * time.Second
	for i := range got {
		e, want := &got[i], &events[i]
		if e.ID != want.ID || e.Stream != stream || e.Revision != uint64(i) || e.Type != want.Type {
			t.Errorf("event %d = %s %s@%d %s, want %s %s@%d %s", i, e.ID, e.Stream, e.Revision, e.Type, want.ID, stream, i, want.Type)
		}
		if string(e.Data) != string(want.Data) {
			t.Errorf("event %d data = %q, want the exact bytes %q", i, e.Data, want.Data)
		}
		if e.Metadata != want.Metadata {
			t.Errorf("event %d metadata = %+v, want %+v", i, e.Metadata, want.Metadata)
		}
		at := e.RecordedAt
		if at.Location() != time.UTC || at.Nanosecond()%1000 != 0 {
			t.Errorf("event %d recorded at %v (%s), want UTC in whole microseconds", i, at, at.Location())
		}
		if at.Before(before.Add(-clockTolerance)) || at.After(after.Add(clockTolerance)) {
			t.Errorf("event %d recorded at %v, want between %v and %v", i, at, before, after)
		}
	}
	if got[1].Position != first.Position || got[2].Position != second.Position {
		t.Errorf("positions %v and %v, but the appends reported %v and %v", got[1].Position, got[2].Position, first.Position, second.Position)
	}
	if !got[0].Position.Less(got[1].Position) || !got[1].Position.Less(got[2].Position) {
		t.Errorf("positions %v, %v, %v are not increasing", got[0].Position, got[1].Position, got[2].Position)
	}
	if !got[0].PrevHash.IsZero() {
		t.Errorf("revision 0 links to %s, want the zero hash", got[0].PrevHash)
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, got); i >= 0 {
		t.Errorf("VerifyChain() breaks at event %d: %s", i, why)
	}

	all := readAll(t, s)
	if len(all) != len(got) {
		t.Fatalf("ReadAll() = %d events, want %d", len(all), len(got))
	}
	for i := range all {
		if d := diffEvent(&all[i], &got[i]); d != "" {
			t.Errorf("ReadAll() event %d differs from ReadStream(): %s", i, d)
		}
	}
	back := mustReadStream(t, s, stream, eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End})
	for i := range back {
		if d := diffEvent(&back[i], &got[len(got)-1-i]); d != "" {
			t.Errorf("backwards event %d differs from forwards: %s", i, d)
		}
	}
}

// testCancellation checks that a cancelled context stops every operation
// and stores nothing.
func testCancellation(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	stream := newStream()
	mustAppend(t, s, stream, eventstore.NoStream, newEvents(3)...)
	before := mustHead(t, s)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	t.Run("append", func(t *testing.T) {
		missing := newStream()
		_, err := s.Append(cancelled, missing, eventstore.Any, newEvents(2)...)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Append(cancelled ctx) error = %v, want context.Canceled", err)
		}
		_, err = s.Append(cancelled, stream, eventstore.Any, newEvents(2)...)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Append(cancelled ctx) error = %v, want context.Canceled", err)
		}
		wantNothingStored(t, s, before)
		wantStreamNotFound(t, s, missing)
	})
	t.Run("reads", func(t *testing.T) {
		if _, err := s.ReadStream(cancelled, stream, eventstore.ReadStreamOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadStream(cancelled ctx) error = %v, want context.Canceled", err)
		}
		if _, err := s.ReadAll(cancelled, eventstore.Start, 0); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadAll(cancelled ctx) error = %v, want context.Canceled", err)
		}
	})
	t.Run("subscribe", func(t *testing.T) {
		ctx, stop := context.WithCancelCause(t.Context())
		errStop := errors.New("test is done")
		seen := make(chan eventstore.RecordedEvent, 10)
		done := make(chan error, 1)
		go func() {
			done <- s.Subscribe(ctx, eventstore.Start, func(e eventstore.RecordedEvent) error {
				seen <- e
				return nil
			})
		}()
		for range 3 {
			select {
			case <-seen:
			case err := <-done:
				t.Fatalf("Subscribe() returned %v before it was cancelled", err)
			case <-time.After(10 * time.Second):
				t.Fatal("Subscribe() did not deliver the stored events within 10s")
			}
		}
		time.Sleep(20 * time.Millisecond) // let it wait for new events
		stop(errStop)
		select {
		case err := <-done:
			if !errors.Is(err, errStop) {
				t.Errorf("Subscribe() = %v, want the cause of the cancellation %v", err, errStop)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Subscribe() did not return within 2s of the cancellation")
		}
	})
	t.Run("subscribe handler fails", func(t *testing.T) {
		errHandler := errors.New("projection failed")
		calls := 0
		err := s.Subscribe(t.Context(), eventstore.Start, func(eventstore.RecordedEvent) error {
			calls++
			if calls == 2 {
				return errHandler
			}
			return nil
		})
		if !errors.Is(err, errHandler) {
			t.Errorf("Subscribe() = %v, want the handler's error", err)
		}
		if calls != 2 {
			t.Errorf("handler called %d times, want 2: Subscribe must stop at the first failure", calls)
		}
	})
}

// testMerkle checks the stored Merkle log of stores that keep one against a
// tree built in memory from the events, with inclusion and consistency
// proofs.
func testMerkle(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	m, ok := s.(eventstore.Merkle)
	if !ok {
		t.Skip("the store does not implement eventstore.Merkle")
	}
	streams := []string{newStream(), newStream(), newStream()}
	for i, n := range []int{1, 2, 5, 1, 17, 3, 9} {
		mustAppend(t, s, streams[i%len(streams)], eventstore.Any, newEvents(n)...)
	}
	all := readAll(t, s)
	n := int64(len(all))
	if head := mustHead(t, s); head.Commit != uint64(n) {
		t.Fatalf("Head() = %v, want commit %d: the tree size is the number of events", head, n)
	}

	var ref []tlog.Hash
	refReader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = ref[x]
		}
		return out, nil
	})
	leaves := make([]tlog.Hash, n)
	for i := range all {
		if want := (eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}); all[i].Position != want {
			t.Fatalf("event %d at position %v, want %v: Merkle stores have dense positions", i, all[i].Position, want)
		}
		leaves[i] = eventstore.LeafHash(&all[i])
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leaves[i], refReader)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, hs...)
	}
	stored := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return m.ReadHashes(t.Context(), indexes)
	})

	roots := map[int64]tlog.Hash{}
	for _, size := range []int64{1, 7, 8, 20, n} {
		got, err := tlog.TreeHash(size, stored)
		if err != nil {
			t.Fatalf("TreeHash(%d) over ReadHashes: %v", size, err)
		}
		want, err := tlog.TreeHash(size, refReader)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("TreeHash(%d) over ReadHashes = %v, want %v from the events", size, got, want)
		}
		roots[size] = want
	}
	for _, leaf := range []int64{0, 7, 19, n - 1} {
		proof, err := tlog.ProveRecord(n, leaf, stored)
		if err != nil {
			t.Fatalf("ProveRecord(%d, %d): %v", n, leaf, err)
		}
		if err := tlog.CheckRecord(proof, n, roots[n], leaf, leaves[leaf]); err != nil {
			t.Errorf("CheckRecord(leaf %d of %d): %v", leaf, n, err)
		}
	}
	for _, old := range []int64{1, 7, 20} {
		proof, err := tlog.ProveTree(n, old, stored)
		if err != nil {
			t.Fatalf("ProveTree(%d, %d): %v", n, old, err)
		}
		if err := tlog.CheckTree(proof, n, roots[n], old, roots[old]); err != nil {
			t.Errorf("CheckTree(%d to %d): %v", old, n, err)
		}
	}
}
