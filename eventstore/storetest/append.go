package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// testExpectedRevision appends one event with each kind of expectation to a
// missing stream and to one at revision 1.
func testExpectedRevision(t *testing.T, open func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name     string
		exists   bool // the stream holds revisions 0 and 1
		expected eventstore.ExpectedRevision
		wantRev  uint64
		conflict bool
	}{
		{name: "any, missing stream", expected: eventstore.Any, wantRev: 0},
		{name: "any, existing stream", exists: true, expected: eventstore.Any, wantRev: 2},
		{name: "no stream, missing stream", expected: eventstore.NoStream, wantRev: 0},
		{name: "no stream, existing stream", exists: true, expected: eventstore.NoStream, conflict: true},
		{name: "stream exists, missing stream", expected: eventstore.StreamExists, conflict: true},
		{name: "stream exists, existing stream", exists: true, expected: eventstore.StreamExists, wantRev: 2},
		{name: "exact 0, missing stream", expected: eventstore.Exact(0), conflict: true},
		{name: "exact last, existing stream", exists: true, expected: eventstore.Exact(1), wantRev: 2},
		{name: "exact earlier, existing stream", exists: true, expected: eventstore.Exact(0), conflict: true},
		{name: "exact later, existing stream", exists: true, expected: eventstore.Exact(2), conflict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			stream := newStream()
			var given []eventstore.EventData
			if tt.exists {
				given = newEvents(2)
				mustAppend(t, s, stream, eventstore.NoStream, given...)
			}
			before := mustHead(t, s)
			add := newEvents(1)

			res, err := s.Append(t.Context(), stream, tt.expected, add...)

			if tt.conflict {
				wantError(t, "Append", err, domain.Conflict, eventstore.ErrWrongExpectedRevision)
				wantNothingStored(t, s, before)
				if tt.exists {
					wantIDs(t, "stream after the conflict", mustReadStream(t, s, stream, eventstore.ReadStreamOptions{}), given)
				} else {
					wantStreamNotFound(t, s, stream)
				}
				return
			}
			if err != nil {
				t.Fatalf("Append() error = %v", err)
			}
			if res.Revision != tt.wantRev {
				t.Errorf("Append() revision = %d, want %d", res.Revision, tt.wantRev)
			}
			got := mustReadStream(t, s, stream, eventstore.ReadStreamOptions{})
			wantIDs(t, "stream after the append", got, append(given, add...))
			if last := got[len(got)-1]; res.Position != last.Position || res.Revision != last.Revision {
				t.Errorf("Append() = %+v, but the event is stored at revision %d, position %v", res, last.Revision, last.Position)
			}
			if head := mustHead(t, s); head != res.Position {
				t.Errorf("Head() = %v, want the append's position %v", head, res.Position)
			}
		})
	}
}

// testBadArguments checks that malformed appends are answered with
// ErrInvalidArgument naming the offending field, and store nothing.
func testBadArguments(t *testing.T, open func(t *testing.T) eventstore.Store) {
	s := open(t)
	stream := newStream()
	mustAppend(t, s, stream, eventstore.NoStream, newEvents(1)...)
	before := mustHead(t, s)

	with := func(n int, change func(events []eventstore.EventData)) []eventstore.EventData {
		events := newEvents(n)
		change(events)
		return events
	}
	tests := []struct {
		name      string
		stream    string
		expected  eventstore.ExpectedRevision
		events    []eventstore.EventData
		wantField string
	}{
		{name: "stream name with spaces", stream: "Not A Stream", expected: eventstore.Any, events: newEvents(1), wantField: "stream"},
		{name: "stream name without category", stream: "12345", expected: eventstore.Any, events: newEvents(1), wantField: "stream"},
		{name: "empty stream name", stream: "", expected: eventstore.Any, events: newEvents(1), wantField: "stream"},
		{name: "stream name too long", stream: "test-" + strings.Repeat("a", eventstore.MaxStreamName), expected: eventstore.Any, events: newEvents(1), wantField: "stream"},
		{name: "unset expected revision", stream: stream, expected: eventstore.ExpectedRevision{}, events: newEvents(1), wantField: "expected_revision"},
		{name: "empty batch", stream: stream, expected: eventstore.Any, events: nil, wantField: "events"},
		{name: "more than MaxBatch events", stream: stream, expected: eventstore.Any, events: newEvents(eventstore.MaxBatch + 1), wantField: "events"},
		{name: "oversize event", stream: stream, expected: eventstore.Any, events: with(1, func(e []eventstore.EventData) {
			e[0].Data = json.RawMessage(`"` + strings.Repeat("x", eventstore.MaxEventSize) + `"`)
		}), wantField: "events[0].data"},
		{name: "nil event id", stream: stream, expected: eventstore.Any, events: with(2, func(e []eventstore.EventData) {
			e[1].ID = uuid.Nil
		}), wantField: "events[1].id"},
		{name: "duplicate id in one batch", stream: stream, expected: eventstore.Any, events: with(3, func(e []eventstore.EventData) {
			e[2].ID = e[0].ID
		}), wantField: "events[2].id"},
		{name: "data not JSON", stream: stream, expected: eventstore.Any, events: with(1, func(e []eventstore.EventData) {
			e[0].Data = json.RawMessage(`{"rating":`)
		}), wantField: "events[0].data"},
		{name: "no data", stream: stream, expected: eventstore.Any, events: with(1, func(e []eventstore.EventData) {
			e[0].Data = nil
		}), wantField: "events[0].data"},
		{name: "missing type", stream: stream, expected: eventstore.Any, events: with(2, func(e []eventstore.EventData) {
			e[1].Type = ""
		}), wantField: "events[1].type"},
		{name: "type too long", stream: stream, expected: eventstore.Any, events: with(1, func(e []eventstore.EventData) {
			e[0].Type = strings.Repeat("t", eventstore.MaxEventType+1)
		}), wantField: "events[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Append(t.Context(), tt.stream, tt.expected, tt.events...)

			wantError(t, "Append", err, domain.Invalid, eventstore.ErrInvalidArgument)
			var de *domain.Error
			if errors.As(err, &de) && de.Field != tt.wantField {
				t.Errorf("Append() error names field %q, want %q (%v)", de.Field, tt.wantField, err)
			}
			wantNothingStored(t, s, before)
		})
	}
}

// testIdempotentRetry appends batches again with the same ids.
func testIdempotentRetry(t *testing.T, open func(t *testing.T) eventstore.Store) {
	t.Run("sequential", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		stream := newStream()
		first := newEvents(3)
		want := mustAppend(t, s, stream, eventstore.NoStream, first...)

		retry := func(name string, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, want eventstore.AppendResult) {
			t.Helper()
			before := mustHead(t, s)
			got, err := s.Append(t.Context(), stream, expected, events...)
			if err != nil {
				t.Fatalf("%s: Append() error = %v, want the original result %+v", name, err, want)
			}
			if got != want {
				t.Errorf("%s: Append() = %+v, want the original result %+v", name, got, want)
			}
			wantNothingStored(t, s, before)
		}
		retry("same expectation", stream, eventstore.NoStream, first, want)
		retry("an expectation that would let the append through", stream, eventstore.Exact(2), first, want)

		second := newEvents(2)
		want2 := mustAppend(t, s, stream, eventstore.Exact(2), second...)
		retry("first batch after the stream moved on", stream, eventstore.NoStream, first, want)
		retry("second batch", stream, eventstore.Exact(2), second, want2)
		wantIDs(t, "stream after the retries", mustReadStream(t, s, stream, eventstore.ReadStreamOptions{}), append(first, second...))

		rejected := []struct {
			name   string
			stream string
			events []eventstore.EventData
		}{
			{"stored id then a new one", stream, []eventstore.EventData{first[0], newEvents(1)[0]}},
			{"new id then a stored one", stream, []eventstore.EventData{newEvents(1)[0], first[2]}},
			{"stored ids in another order", stream, []eventstore.EventData{first[2], first[1], first[0]}},
			{"stored ids of two appends", stream, []eventstore.EventData{first[2], second[0], newEvents(1)[0]}},
		}
		for _, tt := range rejected {
			before := mustHead(t, s)
			_, err := s.Append(t.Context(), tt.stream, eventstore.Any, tt.events...)
			wantError(t, "Append("+tt.name+")", err, domain.Invalid, eventstore.ErrInvalidArgument)
			var de *domain.Error
			if errors.As(err, &de) && !(strings.HasPrefix(de.Field, "events[") && strings.HasSuffix(de.Field, "].id")) {
				t.Errorf("Append(%s) error names field %q, want events[i].id", tt.name, de.Field)
			}
			wantNothingStored(t, s, before)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		stream := newStream()
		events := newEvents(3)
		const n = 8
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			results [n]eventstore.AppendResult
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Append(t.Context(), stream, eventstore.NoStream, events...)
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("append %d of the same batch: error = %v", i, errs[i])
			} else if results[i] != results[0] {
				t.Errorf("append %d of the same batch = %+v, append 0 = %+v", i, results[i], results[0])
			}
		}
		wantIDs(t, "stream", mustReadStream(t, s, stream, eventstore.ReadStreamOptions{}), events)
		if head := mustHead(t, s); head != results[0].Position {
			t.Errorf("Head() = %v, want %v: the batch was stored more than once", head, results[0].Position)
		}
	})
}
