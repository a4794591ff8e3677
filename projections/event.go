package projections

import (
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"

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
	// stream is the id part of Stream, parsed once when a replay or a
	// catch-up wrapped the event (see parseStream), for every projection
	// that keys a row by it.
	stream streamName
}

// streamName is the id part of a stream name "category-id", parsed: ok
// says whether there is one, record whether the name is exactly
// recordPrefix and id.String().
type streamName struct {
	parsed bool
	ok     bool
	record bool
	id     uuid.UUID
}

func parseStream(stream string) streamName {
	_, text, found := strings.Cut(stream, "-")
	if !found {
		return streamName{parsed: true}
	}
	if id, ok := parseCanonical(text); ok { // what execution.Stream and the like write: the fast way
		record := len(stream) == len(recordPrefix)+len(text) && stream[:len(recordPrefix)] == recordPrefix
		return streamName{parsed: true, ok: true, record: record, id: id}
	}
	id, err := uuid.Parse(text) // any other form uuid.Parse reads, as streamID does
	if err != nil {
		return streamName{parsed: true}
	}
	return streamName{parsed: true, ok: true, id: id}
}

// parseCanonical parses text if it is a UUID in canonical form, as
// uuid.UUID.String writes it: 36 characters, lower-case hexadecimal digits
// and dashes at 8, 13, 18 and 23.
func parseCanonical(text string) (id uuid.UUID, ok bool) {
	if len(text) != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-' {
		return uuid.Nil, false
	}
	for j, i := range [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34} {
		hi, ok1 := lowerHex(text[i])
		lo, ok2 := lowerHex(text[i+1])
		if !ok1 || !ok2 {
			return uuid.Nil, false
		}
		id[j] = hi<<4 | lo
	}
	return id, true
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// streamName returns e's stream name parsed: as wrapped, or parsed now.
func (e *Event) streamName() streamName {
	if e.stream.parsed {
		return e.stream
	}
	return parseStream(e.Stream)
}

// streamID returns the id part of e's stream name, parsed when e was
// wrapped, as streamID(e.Stream) does.
func (e *Event) streamID() (uuid.UUID, error) {
	if n := e.streamName(); n.ok {
		return n.id, nil
	}
	return streamID(e.Stream) // for its error
}

// recordID returns the SKP id of e's stream, the key of the tables of
// execution records, or an error when the stream is not named as
// execution.Stream names them ("execution-" and the id in canonical form).
func (e *Event) recordID() (uuid.UUID, error) {
	n := e.streamName()
	if !n.record {
		return uuid.Nil, fmt.Errorf("stream %q is not %s<skp id>", e.Stream, recordPrefix)
	}
	return n.id, nil
}

// executionRecord returns the SKP id of the execution record that e's
// stream holds, for the models that key records by it; body is e's body. An
// execution.Opened on a stream not named as execution.Stream names them is
// refused; any other event there belongs to no record: ok is false and err
// nil.
func (e *Event) executionRecord(body execution.Event) (id uuid.UUID, ok bool, err error) {
	id, err = e.recordID()
	if err == nil {
		return id, true, nil
	}
	if _, opened := body.(execution.Opened); opened {
		return uuid.Nil, false, err
	}
	return uuid.Nil, false, nil
}

// recordPrefix is the text before the SKP id in the name of an execution
// record's stream (see execution.Stream) and in the keys of the tables of
// records.
const recordPrefix = "execution-"

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
