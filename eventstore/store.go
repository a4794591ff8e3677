// Package eventstore defines the ledger's storage contract, in EventStoreDB's
// terms, and the pieces every backend shares: the envelope, validation, the
// per-stream hash chain and the catch-up subscription loop.
//
// Backends live in sub-packages (bolt, postgres, esdb) and all pass the one
// conformance suite in storetest.
package eventstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Store is the contract every backend implements.
//
// Errors are *domain.Error values: wrong expected revision is domain.Conflict
// (errors.Is ErrWrongExpectedRevision), a missing stream on read is
// domain.NotFound (errors.Is ErrStreamNotFound), bad arguments are
// domain.Invalid (errors.Is ErrInvalidArgument) and nothing is stored.
// Anything else is an I/O failure, wrapped with context.
type Store interface {
	// Append writes events to the end of stream atomically, if the stream is in
	// the state expected describes. Appending a batch whose event ids are all
	// already stored, in order, in that stream appends nothing and returns the
	// result of the first append (idempotent retry).
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)

	// ReadStream returns the events of one stream, in the direction and range
	// opts describe. A stream with no events is ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)

	// ReadAll returns up to limit events of the global log whose position is
	// after the given one, in commit order. The zero Position is before the
	// first event. limit <= 0 means DefaultPageSize.
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)

	// Subscribe calls handle for every event after the given position, in
	// commit order, first those already stored and then each new one as it is
	// committed, never skipping one. It returns when ctx ends (with
	// context.Cause(ctx)) or handle fails (with that error).
	Subscribe(ctx context.Context, after Position, handle func(RecordedEvent) error) error

	// Head returns the position of the last committed event, or the zero
	// Position when the log is empty.
	Head(ctx context.Context) (Position, error)

	// Close releases the store's resources.
	Close() error
}

// Limits on what one append may carry.
const (
	MaxEventSize    = 1 << 20 // bytes of data plus encoded metadata in one event
	MaxBatch        = 1000    // events in one append
	MaxStreamName   = 200     // bytes
	MaxEventType    = 200     // bytes
	DefaultPageSize = 500     // events per ReadAll page when no limit is given
)

// EventData is an event to be appended.
type EventData struct {
	ID       uuid.UUID       // unique; derive it from the command (see DeriveEventID) so retries are idempotent
	Type     string          // stable name such as "evaluation.work_result_rated"
	Data     json.RawMessage // the event's JSON body, stored byte for byte
	Metadata Metadata
}

// Metadata is the part of the envelope that the caller supplies. The actor is
// the authenticated caller, never a field of a request body.
type Metadata struct {
	Actor         Actor     `json:"actor"`
	CommandID     uuid.UUID `json:"command_id"`
	CorrelationID uuid.UUID `json:"correlation_id"`
	CausationID   uuid.UUID `json:"causation_id"`
	Reason        string    `json:"reason,omitempty"`
	SchemaVersion int       `json:"schema_version"`
}

// Actor is who caused an event: a NIP (or NI PPPK, or a system name for
// automated processes) and the role under which they acted.
type Actor struct {
	ID   string `json:"id"`
	Role string `json:"role"`
}

// RecordedEvent is an event as stored, with its full envelope.
type RecordedEvent struct {
	ID         uuid.UUID
	Stream     string
	Revision   uint64 // 0-based position in its stream
	Position   Position
	Type       string
	Data       json.RawMessage
	Metadata   Metadata
	RecordedAt time.Time // UTC, microsecond precision
	PrevHash   Hash      // Hash of the previous event of the stream; zero for revision 0
	Hash       Hash      // see ComputeHash
}

// AppendResult reports where the last event of an append was stored.
type AppendResult struct {
	Revision uint64   // stream revision of the last event; the next exact expectation
	Position Position // global position of the last event
}

// Position is a place in the global log. It is opaque to callers: the
// embedded and PostgreSQL backends use a dense 1-based sequence in both
// fields, EventStoreDB its commit/prepare pair. The zero Position is before
// the first event.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event.
var Start = Position{}

// Less reports whether p is before q in the global log.
func (p Position) Less(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

// IsZero reports whether p is the start of the log.
func (p Position) IsZero() bool { return p == Position{} }

// String returns the position as a cursor: "C" when both parts are equal,
// "C-P" otherwise. ParsePosition reverses it.
func (p Position) String() string {
	if p.Commit == p.Prepare {
		return strconv.FormatUint(p.Commit, 10)
	}
	return strconv.FormatUint(p.Commit, 10) + "-" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses a cursor written by Position.String.
func ParsePosition(s string) (Position, error) {
	c, p, found := strings.Cut(s, "-")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Position{}, invalid("position %q is not a log position; use the number from an event's position", s)
	}
	if !found {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return Position{}, invalid("position %q is not a log position; use the number from an event's position", s)
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}

// ExpectedRevision states what an append expects of its stream. The zero
// value is not valid: every append must say what it expects.
type ExpectedRevision struct {
	kind     expectKind
	revision uint64
}

type expectKind uint8

const (
	expectUnset expectKind = iota
	expectAny
	expectNoStream
	expectStreamExists
	expectExact
)

// The expectations that do not name a revision.
var (
	Any          = ExpectedRevision{kind: expectAny}          // no check at all; never for ledger writes
	NoStream     = ExpectedRevision{kind: expectNoStream}     // the stream has no events yet
	StreamExists = ExpectedRevision{kind: expectStreamExists} // the stream has at least one event
)

// Exact expects the stream's last event to be at revision r.
func Exact(r uint64) ExpectedRevision { return ExpectedRevision{kind: expectExact, revision: r} }

// Check reports whether a stream whose last revision is last (exists false
// when it has no events) satisfies e.
func (e ExpectedRevision) Check(last uint64, exists bool) bool {
	switch e.kind {
	case expectAny:
		return true
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && last == e.revision
	}
	return false
}

// Revision returns the exact revision e expects, and whether it expects one.
func (e ExpectedRevision) Revision() (uint64, bool) { return e.revision, e.kind == expectExact }

// IsAny, IsNoStream and IsStreamExists tell the other kinds apart, for
// backends that translate e into their own terms.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectAny:
		return "any"
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	}
	return "unset"
}

// End, as ReadStreamOptions.From, starts a read at the last event of the
// stream (backwards) or reads nothing (forwards).
const End = ^uint64(0)

// ReadStreamOptions selects events of one stream.
type ReadStreamOptions struct {
	Backwards bool   // newest first
	From      uint64 // first revision to return; with Backwards, End means the last event
	Limit     int    // at most this many events; 0 means all of them
}

// DeriveEventID returns the id of the i-th event produced by a command, so
// that a retried command produces the same ids and its append is idempotent.
func DeriveEventID(commandID uuid.UUID, i int) uuid.UUID {
	return uuid.NewSHA1(commandID, []byte("event/"+strconv.Itoa(i)))
}
