package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Typed is implemented by every domain event: its stable stored type name.
type Typed interface{ EventType() string }

// History is a stream's events decoded into domain events, beside their
// envelopes.
type History[E Typed] struct {
	Events   []E
	Records  []RecordedEvent
	Revision uint64 // revision of the last event; meaningless when !Exists
	Exists   bool
}

// Load reads a whole stream and decodes it with decode. A missing stream is
// an empty History, not an error: commands that create streams start there.
func Load[E Typed](ctx context.Context, s Store, stream string, decode func(string, []byte) (E, error)) (History[E], error) {
	recs, err := s.ReadStream(ctx, stream, ReadStreamOptions{})
	if errors.Is(err, ErrStreamNotFound) {
		return History[E]{}, nil
	}
	if err != nil {
		return History[E]{}, err
	}
	h := History[E]{Records: recs, Events: make([]E, len(recs)), Exists: len(recs) > 0}
	for i, r := range recs {
		e, err := decode(r.Type, r.Data)
		if err != nil {
			return History[E]{}, fmt.Errorf("decode %s@%d: %w", r.Stream, r.Revision, err)
		}
		h.Events[i] = e
		h.Revision = r.Revision
	}
	return h, nil
}

// Command is one write to the ledger: its id, from which event ids derive
// (so a retry appends nothing), the envelope metadata, and optionally the
// revision the caller last saw (If-Match).
type Command struct {
	ID uuid.UUID
	// Fingerprint, when set, says what was asked (for instance a hash of a
	// request body); event ids derive from it too. The same command id
	// coming back with another fingerprint is refused with
	// ErrCommandReused instead of answering the first result.
	Fingerprint []byte
	Metadata    Metadata
	IfMatch     *uint64
}

// ErrCommandReused marks a command whose id was applied before for another
// request (another fingerprint): an idempotency key used twice.
var ErrCommandReused = errors.New("command id reused for another request")

// RuleCommandReused is the rule of an *domain.Error wrapping ErrCommandReused.
const RuleCommandReused = "idempotency-key-reused"

// eventBase is the id the command's event ids derive from.
func (c Command) eventBase() uuid.UUID {
	if len(c.Fingerprint) == 0 {
		return c.ID
	}
	return uuid.NewSHA1(c.ID, c.Fingerprint)
}

// ErrPreconditionFailed marks an append refused because the stream moved on
// from the revision the caller named in If-Match.
var ErrPreconditionFailed = errors.New("precondition failed")

const maxAttempts = 4

// Execute loads stream, asks decide for new events, and appends them only if
// nobody wrote to the stream in between. Because decide is pure it is safe to
// run again on fresh state, so conflicts with concurrent writers are retried a
// few times, unless the caller pinned a revision with IfMatch: then a moved
// stream is ErrPreconditionFailed (a domain.Conflict with rule "if-match").
//
// If the stream already holds events of cmd.ID, the command was applied
// before: Execute returns that result and decides nothing (idempotent retry).
// decide returning no events is a no-op that reports the stream's state.
func Execute[E Typed](ctx context.Context, s Store, stream string, decode func(string, []byte) (E, error), cmd Command, decide func(History[E]) ([]E, error)) (AppendResult, error) {
	cmd.Metadata.CommandID = cmd.ID
	for attempt := 1; ; attempt++ {
		h, err := Load(ctx, s, stream, decode)
		if err != nil {
			return AppendResult{}, err
		}
		if res, ok, err := appliedBefore(h.Records, cmd); ok || err != nil {
			return res, err
		}
		if cmd.IfMatch != nil && (!h.Exists || h.Revision != *cmd.IfMatch) {
			return AppendResult{}, preconditionFailed(stream, *cmd.IfMatch, h)
		}
		events, err := decide(h)
		if err != nil {
			return AppendResult{}, err
		}
		if len(events) == 0 {
			res := AppendResult{Revision: h.Revision}
			if h.Exists {
				res.Position = h.Records[len(h.Records)-1].Position
			}
			return res, nil
		}
		data, err := encode(cmd, events)
		if err != nil {
			return AppendResult{}, err
		}
		expected := NoStream
		if h.Exists {
			expected = Exact(h.Revision)
		}
		res, err := s.Append(ctx, stream, expected, data...)
		if !errors.Is(err, ErrWrongExpectedRevision) {
			return res, err
		}
		if cmd.IfMatch != nil {
			// Someone wrote between the load and the append: the caller's
			// revision is stale now, whatever the load saw.
			return AppendResult{}, &domain.Error{
				Kind:    domain.Conflict,
				Message: fmt.Sprintf("%s moved on from revision %d while this command was decided; reload it and decide again", stream, *cmd.IfMatch),
				Rule:    "if-match",
				Err:     ErrPreconditionFailed,
			}
		}
		if attempt == maxAttempts {
			return AppendResult{}, err
		}
	}
}

// appliedBefore returns the result of cmd if recs hold its events: the
// last one's revision and position. Events of cmd's id from another
// fingerprint are ErrCommandReused.
func appliedBefore(recs []RecordedEvent, cmd Command) (AppendResult, bool, error) {
	first := slices.IndexFunc(recs, func(r RecordedEvent) bool { return r.Metadata.CommandID == cmd.ID })
	if first < 0 {
		return AppendResult{}, false, nil
	}
	if recs[first].ID != DeriveEventID(cmd.eventBase(), 0) {
		return AppendResult{}, false, &domain.Error{
			Kind:    domain.Conflict,
			Message: "this command's id (its Idempotency-Key) was used before for a different request; send the same request to retry it, or use a new key for a new one",
			Field:   "Idempotency-Key",
			Rule:    RuleCommandReused,
			Err:     ErrCommandReused,
		}
	}
	last := first
	for i := first + 1; i < len(recs); i++ {
		if recs[i].Metadata.CommandID == cmd.ID {
			last = i
		}
	}
	return AppendResult{Revision: recs[last].Revision, Position: recs[last].Position}, true, nil
}

func preconditionFailed[E Typed](stream string, want uint64, h History[E]) error {
	state := "has no events"
	if h.Exists {
		state = fmt.Sprintf("is at revision %d", h.Revision)
	}
	return &domain.Error{
		Kind:    domain.Conflict,
		Message: fmt.Sprintf("%s %s, not revision %d as If-Match says; reload it and decide again", stream, state, want),
		Rule:    "if-match",
		Err:     ErrPreconditionFailed,
	}
}

// Encode turns domain events into EventData with ids derived from the
// command, so that the same command always produces the same ids.
func encode[E Typed](cmd Command, events []E) ([]EventData, error) {
	out := make([]EventData, len(events))
	for i, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		out[i] = EventData{ID: DeriveEventID(cmd.eventBase(), i), Type: e.EventType(), Data: b, Metadata: cmd.Metadata}
	}
	return out, nil
}
