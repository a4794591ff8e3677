package projections

import (
	"sync"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// Event is a recorded event on its way through the projections. Its body is
// decoded at most once, on first use, and shared by every projection that
// reads it; events no projection reads are never decoded. It points at the
// recorded event rather than copying it: a replay wraps whole pages, and the
// envelope is most of an event's size.
type Event struct {
	*eventstore.RecordedEvent
	once sync.Once
	body any
	err  error
	// position is Position.String(), formatted once for every projection
	// that stamps a row with it; see positionText.
	position string
	// reads has bit i set when the i-th projection of a replay reads the
	// event (see readSet); all bits for an event not wrapped by a replay.
	reads uint64
}

// NewEvent wraps a recorded event.
func NewEvent(rec eventstore.RecordedEvent) *Event {
	return &Event{RecordedEvent: &rec, position: rec.Position.String(), reads: ^uint64(0)}
}

// readBy reports whether the i-th projection of the replay that wrapped e
// may read it.
func (e *Event) readBy(i int) bool { return i >= 64 || e.reads&(1<<i) != 0 }

// Body returns the decoded domain event (skp.Drafted, execution.Opened, …),
// or nil for a type of a category no domain package decodes here. A body
// that does not decode is an error, the same on every call.
func (e *Event) Body() (any, error) {
	e.once.Do(func() { e.body, e.err = decodeBody(e.Type, e.Data) })
	return e.body, e.err
}

// positionText returns e.Position.String(), formatted once when e was
// wrapped.
func (e *Event) positionText() string {
	if e.position == "" {
		return e.Position.String()
	}
	return e.position
}

// predecode decodes the body ahead of the fold, for the replay pipeline: as
// Body would, but through quickDecode first for the types it reads. Body
// itself always goes through the domain's Decode.
func (e *Event) predecode() {
	e.once.Do(func() {
		if body, ok := quickDecode(e.Type, e.Data); ok {
			e.body = body
			return
		}
		e.body, e.err = decodeBody(e.Type, e.Data)
	})
}

// decodeBody decodes an event with the Decode of the domain package that
// owns its category.
func decodeBody(eventType string, data []byte) (any, error) {
	switch category(eventType) {
	case "skp":
		return skp.Decode(eventType, data)
	case "execution", "metric", "coaching":
		return execution.Decode(eventType, data)
	case "indicator":
		return indicator.Decode(eventType, data)
	case "org":
		return org.Decode(eventType, data)
	case "evaluation":
		return evaluation.Decode(eventType, data)
	case "replay":
		return replay.Decode(eventType, data)
	}
	return nil, nil
}
