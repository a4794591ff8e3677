package eventstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kinerja/kinerja/domain"
)

// Sentinels for errors.Is. Every error the contract names is a *domain.Error
// carrying one of these, with a message that says what to do about it.
var (
	ErrWrongExpectedRevision = errors.New("wrong expected revision")
	ErrStreamNotFound        = errors.New("stream not found")
	ErrInvalidArgument       = errors.New("invalid argument")
)

// WrongExpectedRevision is the conflict an append reports when its stream is
// not in the expected state. actual is the stream's last revision, exists
// whether it has any events.
func WrongExpectedRevision(stream string, expected ExpectedRevision, actual uint64, exists bool) error {
	state := "has no events"
	if exists {
		state = fmt.Sprintf("is at revision %d", actual)
	}
	return &domain.Error{
		Kind:    domain.Conflict,
		Message: fmt.Sprintf("stream %s %s, but the append expected %s; reload and try again", stream, state, expected),
		Rule:    "expected-revision",
		Err:     ErrWrongExpectedRevision,
	}
}

// StreamNotFound is the error a read of a stream with no events reports.
func StreamNotFound(stream string) error {
	return &domain.Error{
		Kind:    domain.NotFound,
		Message: fmt.Sprintf("stream %s has no events", stream),
		Err:     ErrStreamNotFound,
	}
}

func invalid(format string, args ...any) *domain.Error {
	return &domain.Error{Kind: domain.Invalid, Message: fmt.Sprintf(format, args...), Err: ErrInvalidArgument}
}

// isStreamName reports whether s is category-id: a lower-case category
// (a letter, then letters, digits or _), a dash, and an id of letters,
// digits and . _ : - that starts with a letter or digit (so "skp-0190…" and
// "indicator-iki.response_time"). It is the language of the regular
// expression ^[a-z][a-z0-9_]*-[A-Za-z0-9][A-Za-z0-9._:-]*$, written out
// because every append checks it (FuzzIsStreamName compares the two).
func isStreamName(s string) bool {
	lower := func(c byte) bool { return 'a' <= c && c <= 'z' }
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	alnum := func(c byte) bool { return lower(c) || digit(c) || 'A' <= c && c <= 'Z' }
	dash := strings.IndexByte(s, '-')
	if dash < 1 || !lower(s[0]) || dash+1 == len(s) || !alnum(s[dash+1]) {
		return false
	}
	for i := 1; i < dash; i++ {
		if c := s[i]; !lower(c) && !digit(c) && c != '_' {
			return false
		}
	}
	for i := dash + 2; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

// ValidateStream checks a stream name.
func ValidateStream(stream string) error {
	if len(stream) > MaxStreamName {
		return invalid("stream name is %d bytes; the limit is %d", len(stream), MaxStreamName).WithField("stream")
	}
	if !isStreamName(stream) {
		return invalid("stream name %q is not category-id (lower-case category, a dash, then letters, digits or . _ : -)", stream).WithField("stream")
	}
	return nil
}

// ValidateAppend checks everything about an append that does not depend on
// the stored state. Backends call it before touching storage, so a bad append
// stores nothing.
func ValidateAppend(stream string, expected ExpectedRevision, events []EventData) error {
	if err := ValidateStream(stream); err != nil {
		return err
	}
	if expected.kind == expectUnset {
		return invalid("the append to %s does not say which revision it expects; pass NoStream, Exact(n), StreamExists or Any", stream).WithField("expected_revision")
	}
	if len(events) == 0 {
		return invalid("the append to %s has no events", stream).WithField("events")
	}
	if len(events) > MaxBatch {
		return invalid("the append to %s has %d events; the limit is %d", stream, len(events), MaxBatch).WithField("events")
	}
	seen := make(map[[16]byte]struct{}, len(events))
	for i, e := range events {
		field := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) } // for errors only
		if e.ID == ([16]byte{}) {
			return invalid("event %d of the append to %s has no id", i, stream).WithField(field("id"))
		}
		if _, dup := seen[e.ID]; dup {
			return invalid("event id %s appears twice in one append", e.ID).WithField(field("id"))
		}
		seen[e.ID] = struct{}{}
		if e.Type == "" || len(e.Type) > MaxEventType {
			return invalid("event %d of the append to %s needs a type of 1 to %d bytes", i, stream, MaxEventType).WithField(field("type"))
		}
		if !json.Valid(e.Data) {
			return invalid("event %d (%s) of the append to %s has a body that is not JSON", i, e.Type, stream).WithField(field("data"))
		}
		if size := len(e.Data) + metadataSize(e.Metadata); size > MaxEventSize {
			return invalid("event %d (%s) of the append to %s is %d bytes; the limit is %d", i, e.Type, stream, size, MaxEventSize).WithField(field("data"))
		}
	}
	return nil
}

func metadataSize(m Metadata) int {
	return len(m.Actor.ID) + len(m.Actor.Role) + len(m.Reason) + 3*16 + 8
}

// ValidateRead checks the arguments of a ReadStream.
func ValidateRead(stream string, opts ReadStreamOptions) error {
	if err := ValidateStream(stream); err != nil {
		return err
	}
	if opts.Limit < 0 {
		return invalid("limit %d is negative; use 0 for all events", opts.Limit).WithField("limit")
	}
	return nil
}
