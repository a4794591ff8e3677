// Package storetest is the conformance suite of the eventstore.Store
// contract. Every backend (embedded, PostgreSQL, EventStoreDB) runs the same
// suite from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) eventstore.Store {
//			s := openEmpty(t)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Decisions the contract leaves to the suite, which every backend must
// follow:
//   - An append to a stream that holds some of its event ids, but not all of
//     them, or not as consecutive events in the same order, is rejected as
//     domain.Invalid (errors.Is eventstore.ErrInvalidArgument) naming the
//     offending events[i].id. Whether ids stored in another stream are
//     rejected is left to the backend: EventStoreDB does not check it, the
//     embedded and PostgreSQL backends keep ids unique in the whole ledger.
//   - An idempotent retry returns the original result whatever its expected
//     revision says; the id check comes before the revision check.
//   - Reading a stream forwards from past its last revision, or from
//     eventstore.End, returns no events and no error.
//   - Operations with a cancelled context fail with an error for which
//     errors.Is(err, context.Canceled) holds, and store nothing.
//   - RecordedAt is in time.UTC, whole microseconds, and within two seconds of
//     the wall clock of the test process around the append (the tolerance
//     allows a database server's clock).
package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Run runs the conformance suite. open returns a new, empty store for each
// call; it registers its own cleanup with t.Cleanup. Subtests run in
// parallel, each with its own stores.
func Run(t *testing.T, open func(t *testing.T) eventstore.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) eventstore.Store)
	}{
		{"ExpectedRevision", testExpectedRevision},
		{"BadArguments", testBadArguments},
		{"IdempotentRetry", testIdempotentRetry},
		{"ReadStream", testReadStream},
		{"ReadAll", testReadAll},
		{"Envelope", testEnvelope},
		{"Cancellation", testCancellation},
		{"Merkle", testMerkle},
		{"RacingExactAppends", testRacingExactAppends},
		{"ConcurrentLoad", testConcurrentLoad},
		{"SubscribeWhileAppending", testSubscribeWhileAppending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open)
		})
	}
}

// newStream returns a fresh stream name of the test category.
func newStream() string { return "test-" + uuid.NewString() }

// newEvents returns n events of one command, with ids derived from it and
// every metadata field set.
func newEvents(n int) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:   eventstore.DeriveEventID(cmd, i),
			Type: "test.happened",
			Data: json.RawMessage(fmt.Sprintf(`{"command":%q,"i":%d}`, cmd, i)),
			Metadata: eventstore.Metadata{
				Actor:         eventstore.Actor{ID: "199001012020121001", Role: "employee"},
				CommandID:     cmd,
				CorrelationID: cmd,
				CausationID:   cmd,
				SchemaVersion: 1,
			},
		}
	}
	return out
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, expected, events...)
	if err != nil {
		t.Fatalf("Append(%s, %v, %d events) error = %v", stream, expected, len(events), err)
	}
	return res
}

func mustHead(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	p, err := s.Head(t.Context())
	if err != nil {
		t.Fatalf("Head() error = %v", err)
	}
	return p
}

func mustReadStream(t *testing.T, s eventstore.Store, stream string, opts eventstore.ReadStreamOptions) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadStream(t.Context(), stream, opts)
	if err != nil {
		t.Fatalf("ReadStream(%s, %+v) error = %v", stream, opts, err)
	}
	return events
}

// readAll reads the whole global log in pages.
func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	const page = 1000
	var all []eventstore.RecordedEvent
	after := eventstore.Start
	for {
		events, err := s.ReadAll(t.Context(), after, page)
		if err != nil {
			t.Fatalf("ReadAll(%v, %d) error = %v", after, page, err)
		}
		if len(events) > page {
			t.Fatalf("ReadAll(%v, %d) returned %d events", after, page, len(events))
		}
		all = append(all, events...)
		if len(events) < page {
			return all
		}
		after = events[len(events)-1].Position
	}
}

// wantError fails t unless err has the given kind and wraps sentinel.
func wantError(t *testing.T, op string, err error, kind domain.Kind, sentinel error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s error = nil, want %v (%v)", op, kind, sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("%s error = %v, want errors.Is %v", op, err, sentinel)
	}
	if got := domain.KindOf(err); got != kind {
		t.Errorf("%s error = %v of kind %v, want kind %v", op, err, got, kind)
	}
}

// wantNothingStored fails t if the log has moved past before.
func wantNothingStored(t *testing.T, s eventstore.Store, before eventstore.Position) {
	t.Helper()
	if head := mustHead(t, s); head != before {
		t.Errorf("Head() = %v after a rejected operation, want %v (unchanged)", head, before)
	}
	events, err := s.ReadAll(t.Context(), before, 10)
	if err != nil {
		t.Fatalf("ReadAll(%v) error = %v", before, err)
	}
	if len(events) > 0 {
		t.Errorf("ReadAll(%v) = %d events after a rejected operation, want none; first %s@%d", before, len(events), events[0].Stream, events[0].Revision)
	}
}

// wantStreamNotFound fails t unless stream has no events.
func wantStreamNotFound(t *testing.T, s eventstore.Store, stream string) {
	t.Helper()
	events, err := s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
	if err == nil {
		t.Fatalf("ReadStream(%s) = %d events, want ErrStreamNotFound", stream, len(events))
	}
	wantError(t, "ReadStream("+stream+")", err, domain.NotFound, eventstore.ErrStreamNotFound)
}

// wantIDs fails t unless events carry exactly the given ids, in order.
func wantIDs(t *testing.T, what string, events []eventstore.RecordedEvent, want []eventstore.EventData) {
	t.Helper()
	if len(events) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(events), len(want))
	}
	for i := range events {
		if events[i].ID != want[i].ID {
			t.Errorf("%s: event %d has id %s, want %s", what, i, events[i].ID, want[i].ID)
		}
	}
}

// diffEvent describes how got differs from want, or returns "".
func diffEvent(got, want *eventstore.RecordedEvent) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("id %s, want %s", got.ID, want.ID)
	case got.Stream != want.Stream:
		return fmt.Sprintf("stream %q, want %q", got.Stream, want.Stream)
	case got.Revision != want.Revision:
		return fmt.Sprintf("revision %d, want %d", got.Revision, want.Revision)
	case got.Position != want.Position:
		return fmt.Sprintf("position %v, want %v", got.Position, want.Position)
	case got.Type != want.Type:
		return fmt.Sprintf("type %q, want %q", got.Type, want.Type)
	case string(got.Data) != string(want.Data):
		return fmt.Sprintf("data %s, want %s", got.Data, want.Data)
	case got.Metadata != want.Metadata:
		return fmt.Sprintf("metadata %+v, want %+v", got.Metadata, want.Metadata)
	case !got.RecordedAt.Equal(want.RecordedAt) || got.RecordedAt.Location() != want.RecordedAt.Location():
		return fmt.Sprintf("recorded at %v, want %v", got.RecordedAt, want.RecordedAt)
	case got.PrevHash != want.PrevHash:
		return fmt.Sprintf("previous hash %s, want %s", got.PrevHash, want.PrevHash)
	case got.Hash != want.Hash:
		return fmt.Sprintf("hash %s, want %s", got.Hash, want.Hash)
	}
	return ""
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
