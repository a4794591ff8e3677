package esdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Append writes events to the end of stream if it is in the state expected
// describes, extending the stream's hash chain.
//
// To chain the hashes it reads the stream's last event first and appends with
// exactly the revision it saw (or NoStream), never Any: a writer that gets in
// between makes the server refuse the append. It skips the read for NoStream
// and for an Exact revision whose event it remembers (see tails): the server
// checks those itself. What the caller expected is checked against what was
// read:
//
//   - NoStream and Exact: a mismatch is domain.Conflict
//     (eventstore.ErrWrongExpectedRevision) with the stream's actual revision,
//     and so is a server refusal, after the check below.
//   - Any and StreamExists: they are not sent as such. The append goes in at
//     the revision read, and when another writer moved the stream in between
//     it is read and tried again, up to 10 times, then domain.Conflict.
//
// Idempotent retry: a batch whose ids are all stored, in order, in stream
// appends nothing and returns the original result. The ids are looked up in
// the stream when the expectation does not hold (a retry of a committed
// NoStream or Exact append), when the last event of the stream is one of
// them, when the server refuses the append, and always for Any and
// StreamExists (whose batches may sit anywhere: this reads the whole stream).
// A batch of which only some ids are stored, or not in order, is
// domain.Invalid (eventstore.ErrInvalidArgument) naming the event. An
// idempotent success reported by the server itself (a retry racing its first
// try) also returns the original result.
//
// Event ids are checked within the stream only, as EventStoreDB does: ids
// derive from command ids, and claiming each id in a stream of its own would
// cost one more write and one more server stream per event.
//
// An append the server would refuse for its size (its MaxAppendSize, see
// WithMaxAppendSize) is domain.Invalid. Nothing is stored on any error.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	name := s.prefix + stream
	for attempt := 1; ; attempt++ {
		var last eventstore.RecordedEvent
		var exists bool
		switch t, known := s.tails.get(name, expected); {
		case attempt == 1 && known:
			// The last event is remembered from an earlier append or read.
			last.Revision, last.ID, last.Hash, exists = t.revision, t.id, t.hash, true
		case attempt == 1 && expected.IsNoStream():
			// Sent as NoStream, the append is refused if the stream
			// exists, and the server itself recognises a retry.
		default:
			page, err := s.readStreamPage(ctx, name, esdb.Backwards, esdb.End{}, 1)
			if err != nil && !errors.Is(err, errNoStream) {
				return eventstore.AppendResult{}, fmt.Errorf("append to %s: read its last event: %w", stream, failed(ctx, err))
			}
			if exists = len(page) == 1; exists {
				if last, err = s.decode(page[0]); err != nil {
					return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
				}
				s.tails.put(name, tail{revision: last.Revision, id: last.ID, hash: last.Hash})
			}
		}
		met := expected.Check(last.Revision, exists)
		if !met || attempt > 1 || expected.IsAny() || expected.IsStreamExists() || (exists && hasID(events, last.ID)) {
			res, found, err := s.findBatch(ctx, stream, events)
			if err != nil || found {
				return res, err
			}
		}
		if !met {
			return eventstore.AppendResult{}, eventstore.WrongExpectedRevision(stream, expected, last.Revision, exists)
		}
		if _, exact := expected.Revision(); (exact || expected.IsNoStream()) && attempt > 1 {
			// The server refused an append whose expectation holds by the
			// read just made: the stream was deleted and recreated in
			// between, or the read came from a lagging node. Report it
			// rather than loop.
			return eventstore.AppendResult{}, eventstore.WrongExpectedRevision(stream, expected, last.Revision, exists)
		}
		if attempt > maxAppendAttempts {
			return eventstore.AppendResult{}, &domain.Error{
				Kind:    domain.Conflict,
				Message: fmt.Sprintf("stream %s kept changing while this append tried %d times to go in; try again", stream, maxAppendAttempts),
				Rule:    "expected-revision",
				Err:     eventstore.ErrWrongExpectedRevision,
			}
		}

		var first uint64
		var prev eventstore.Hash
		var want esdb.ExpectedRevision = esdb.NoStream{} // never leave this unset: the client's default is Any
		if exists {
			first, prev, want = last.Revision+1, last.Hash, esdb.Revision(last.Revision)
		}
		sealed := eventstore.Seal(stream, first, prev, s.now(), events)
		data, err := encode(sealed)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
		}
		if err := s.checkSize(stream, data); err != nil {
			return eventstore.AppendResult{}, err
		}
		res, err := s.client.AppendToStream(ctx, name, esdb.AppendToStreamOptions{ExpectedRevision: want}, data...)
		switch {
		case err == nil:
			out, err := s.appended(ctx, stream, res)
			if e := sealed[len(sealed)-1]; err == nil && !out.Position.IsZero() && res.CommitPosition != 0 && out.Revision == e.Revision {
				s.tails.put(name, tail{revision: e.Revision, id: e.ID, hash: e.Hash}) // stored as sealed here, not an earlier try's
			}
			return out, err
		case hasCode(err, esdb.ErrorCodeWrongExpectedVersion):
			continue // read again: a retry of this very batch, a conflict, or (Any, StreamExists) a new try
		case appendTooLarge(err):
			return eventstore.AppendResult{}, tooLarge(stream, -1, s.maxAppendSize).WithField("events")
		}
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, failed(ctx, err))
	}
}

// appended turns the server's answer into the contract's. The server reports
// no position for an append that stored nothing because the batch was
// already stored (its own idempotency check); the original position is then
// read from the stream.
func (s *Store) appended(ctx context.Context, stream string, res *esdb.WriteResult) (eventstore.AppendResult, error) {
	out := eventstore.AppendResult{Revision: res.NextExpectedVersion, Position: eventstore.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition}}
	if !out.Position.IsZero() {
		return out, nil
	}
	page, err := s.readStreamPage(ctx, s.prefix+stream, esdb.Forwards, esdb.Revision(out.Revision), 1)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: read the position of revision %d: %w", stream, out.Revision, err)
	}
	if len(page) != 1 {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: read the position of revision %d: got %d events", stream, out.Revision, len(page))
	}
	out.Position = position(page[0].Position)
	return out, nil
}

// findBatch looks for events' ids in stream. found reports that they are all
// stored there, consecutively and in order, with res the result of the
// append that stored them. Some of them stored, or out of order, is
// domain.Invalid.
func (s *Store) findBatch(ctx context.Context, stream string, events []eventstore.EventData) (res eventstore.AppendResult, found bool, err error) {
	stored, err := s.readStream(ctx, stream, eventstore.ReadStreamOptions{})
	if errors.Is(err, errNoStream) {
		return eventstore.AppendResult{}, false, nil
	}
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("append to %s: look for a retried batch: %w", stream, err)
	}
	at := make(map[uuid.UUID]int, len(stored))
	for i, e := range stored {
		at[e.ID] = i
	}
	start, ok := at[events[0].ID]
	for i, e := range events {
		j, in := at[e.ID]
		switch {
		case !ok && !in:
			continue
		case ok && in && j == start+i:
			continue
		case !in:
			return eventstore.AppendResult{}, false, partialRetry(stream, events[0].ID, stored[start].Revision, 0)
		}
		return eventstore.AppendResult{}, false, partialRetry(stream, e.ID, stored[j].Revision, i)
	}
	if !ok {
		return eventstore.AppendResult{}, false, nil
	}
	lastStored := stored[start+len(events)-1]
	return eventstore.AppendResult{Revision: lastStored.Revision, Position: lastStored.Position}, true, nil
}

func partialRetry(stream string, id uuid.UUID, revision uint64, index int) error {
	return &domain.Error{
		Kind: domain.Invalid,
		Message: fmt.Sprintf("event id %s is already stored in %s at revision %d, but the batch does not match the one stored with it; "+
			"retry a command with exactly the events of its first try, and give new events new ids", id, stream, revision),
		Field: fmt.Sprintf("events[%d].id", index),
		Rule:  "idempotent-retry",
		Err:   eventstore.ErrInvalidArgument,
	}
}

// appendTooLarge reports whether the server refused an append for its size.
func appendTooLarge(err error) bool {
	var esErr *esdb.Error
	if !errors.As(err, &esErr) {
		return false
	}
	st, ok := status.FromError(esErr.Err())
	return ok && st.Code() == codes.InvalidArgument && strings.Contains(st.Message(), "Maximum Append Size")
}

func hasID(events []eventstore.EventData, id uuid.UUID) bool {
	for _, e := range events {
		if e.ID == id {
			return true
		}
	}
	return false
}

// proposedOverhead approximates what one event adds to an append beyond its
// data, metadata and type: the id, the content type and protobuf framing.
const proposedOverhead = 64

// checkSize refuses an append larger than the server's MaxAppendSize.
func (s *Store) checkSize(stream string, data []esdb.EventData) error {
	size := 0
	for _, d := range data {
		size += len(d.Data) + len(d.Metadata) + len(d.EventType) + proposedOverhead
	}
	if size > s.maxAppendSize {
		return tooLarge(stream, size, s.maxAppendSize).WithField("events")
	}
	return nil
}

func tooLarge(stream string, size, limit int) *domain.Error {
	what := "is too large"
	if size >= 0 {
		what = fmt.Sprintf("is about %d bytes", size)
	}
	return &domain.Error{
		Kind: domain.Invalid,
		Message: fmt.Sprintf("the append to %s %s; EventStoreDB takes at most %d bytes in one append (its MaxAppendSize setting): "+
			"append fewer or smaller events", stream, what, limit),
		Rule: "max-append-size",
		Err:  eventstore.ErrInvalidArgument,
	}
}
