package eventstore

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// RuleIdempotentRetry is the rule of an append that reuses stored event ids
// without being an exact retry.
const RuleIdempotentRetry = "idempotent-retry"

// StoredID is where an event id is stored.
type StoredID struct {
	Stream   string
	Revision uint64
	Position Position
}

// Retried decides an append to stream of events against the ids already
// stored, which lookup finds. When none is stored it returns retry false:
// the append goes on. When all are, as consecutive events of stream in the
// same order, the append is a retry and res is the result of the first one.
// Any other reuse of stored ids is rejected with an *domain.Error of kind
// Invalid (rule RuleIdempotentRetry, wrapping ErrInvalidArgument) naming the
// event: ids are unique in the whole ledger, and a retry resends exactly
// the same events. Backends share it so that every one answers a retry
// alike.
func Retried(stream string, events []EventData, lookup func(uuid.UUID) (StoredID, bool)) (res AppendResult, retry bool, err error) {
	stored := make([]StoredID, len(events))
	firstOld, firstNew := -1, -1
	for i, e := range events {
		s, ok := lookup(e.ID)
		switch {
		case ok && firstOld < 0:
			firstOld = i
		case !ok && firstNew < 0:
			firstNew = i
		}
		stored[i] = s
	}
	switch {
	case firstOld < 0:
		return res, false, nil
	case firstNew >= 0:
		old := stored[firstOld]
		return res, true, reusedID(firstOld, fmt.Sprintf(
			"event id %s is already stored (%s@%d) but event %d of the same append is new; a retry must resend exactly the events of the first attempt, and new events need new ids",
			events[firstOld].ID, old.Stream, old.Revision, firstNew))
	}
	for i, s := range stored {
		if s.Stream != stream || s.Revision != stored[0].Revision+uint64(i) {
			return res, true, reusedID(i, fmt.Sprintf(
				"event id %s is already stored as %s@%d, so this append is not a retry of an earlier append to %s; new events need new ids",
				events[i].ID, s.Stream, s.Revision, stream))
		}
	}
	last := stored[len(stored)-1]
	return AppendResult{Revision: last.Revision, Position: last.Position}, true, nil
}

// reusedID is the rejection of an append that reuses stored event ids; i is
// the index of the offending event in the append.
func reusedID(i int, msg string) error {
	return &domain.Error{
		Kind:    domain.Invalid,
		Message: msg,
		Field:   fmt.Sprintf("events[%d].id", i),
		Rule:    RuleIdempotentRetry,
		Err:     ErrInvalidArgument,
	}
}
