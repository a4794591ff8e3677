package esdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/kinerja/kinerja/eventstore"
)

// envelope is the event metadata JSON: the caller's metadata and what the
// store adds to it. Its field names are stored forever.
type envelope struct {
	eventstore.Metadata
	RecordedAt time.Time       `json:"recorded_at"`
	PrevHash   eventstore.Hash `json:"prev_hash"`
	Hash       eventstore.Hash `json:"hash"`
}

// encode turns sealed events into the client's event data.
func encode(sealed []eventstore.RecordedEvent) ([]esdb.EventData, error) {
	out := make([]esdb.EventData, len(sealed))
	for i, r := range sealed {
		meta, err := json.Marshal(envelope{Metadata: r.Metadata, RecordedAt: r.RecordedAt, PrevHash: r.PrevHash, Hash: r.Hash})
		if err != nil {
			return nil, fmt.Errorf("encode metadata of %s@%d: %w", r.Stream, r.Revision, err)
		}
		out[i] = esdb.EventData{
			EventID:     r.ID,
			EventType:   r.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        r.Data,
			Metadata:    meta,
		}
	}
	return out, nil
}

// decode rebuilds a ledger event from what the server stored. It fails on an
// event whose metadata is not an envelope, which no ledger write produces.
func (s *Store) decode(e *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	if e == nil {
		return eventstore.RecordedEvent{}, errors.New("the server sent a read result without an event")
	}
	stream, ok := strings.CutPrefix(e.StreamID, s.prefix)
	if !ok {
		return eventstore.RecordedEvent{}, fmt.Errorf("event %s@%d is outside the stream prefix %q", e.StreamID, e.EventNumber, s.prefix)
	}
	var env envelope
	if err := json.Unmarshal(e.UserMetadata, &env); err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("decode metadata of %s@%d: %w", e.StreamID, e.EventNumber, err)
	}
	return eventstore.RecordedEvent{
		ID:         e.EventID,
		Stream:     stream,
		Revision:   e.EventNumber,
		Position:   position(e.Position),
		Type:       e.EventType,
		Data:       json.RawMessage(e.Data),
		Metadata:   env.Metadata,
		RecordedAt: env.RecordedAt,
		PrevHash:   env.PrevHash,
		Hash:       env.Hash,
	}, nil
}

// failed returns err, from a call made under ctx, so that it also matches
// ctx's error with errors.Is when ctx has ended: the client reports a
// cancelled call as a gRPC status only.
func failed(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %w", ctxErr, err)
	}
	return err
}

// errNoStream marks a read of a stream the server does not have.
var errNoStream = errors.New("no such stream")

// readStreamPage reads up to count events of the server stream name. A
// missing stream is errNoStream. The server reports it on the first Recv,
// not on the read call; io.EOF is the end of the page, and any other Recv
// error fails the read rather than shortening it.
func (s *Store) readStreamPage(ctx context.Context, name string, dir esdb.Direction, from esdb.StreamPosition, count int) ([]*esdb.RecordedEvent, error) {
	rs, err := s.client.ReadStream(ctx, name, esdb.ReadStreamOptions{Direction: dir, From: from}, uint64(count))
	if err != nil {
		return nil, failed(ctx, err)
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return out, nil
		case hasCode(err, esdb.ErrorCodeResourceNotFound):
			return nil, errNoStream
		case err != nil:
			return nil, failed(ctx, err)
		}
		out = append(out, e.Event)
	}
}

// readAllPage reads up to count events of $all, system events included.
func (s *Store) readAllPage(ctx context.Context, dir esdb.Direction, from esdb.AllPosition, count int) ([]*esdb.RecordedEvent, error) {
	rs, err := s.client.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, uint64(count))
	if err != nil {
		return nil, failed(ctx, err)
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return out, nil
		case err != nil:
			return nil, failed(ctx, err)
		}
		if e.Event == nil {
			return nil, errors.New("the server sent a read result without an event")
		}
		out = append(out, e.Event)
	}
}

// ReadStream returns the events of stream that opts select, reading in pages
// of the configured size. A stream with no events is domain.NotFound
// (eventstore.ErrStreamNotFound); bad options are domain.Invalid.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateRead(stream, opts); err != nil {
		return nil, err
	}
	events, err := s.readStream(ctx, stream, opts)
	if errors.Is(err, errNoStream) {
		return nil, eventstore.StreamNotFound(stream)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	return events, nil
}

// readStream is ReadStream without the validation and with errNoStream for a
// missing stream.
func (s *Store) readStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	name := s.prefix + stream
	dir := esdb.Forwards
	var from esdb.StreamPosition = esdb.Revision(opts.From)
	switch {
	case opts.Backwards:
		dir = esdb.Backwards
		if opts.From == eventstore.End {
			from = esdb.End{}
		}
	case opts.From == eventstore.End:
		// Forwards from the end reads nothing, but a missing stream is
		// still missing.
		_, err := s.readStreamPage(ctx, name, esdb.Backwards, esdb.End{}, 1)
		return nil, err
	}
	var out []eventstore.RecordedEvent
	for {
		count := s.pageSize
		if opts.Limit > 0 {
			count = min(count, opts.Limit-len(out))
		}
		page, err := s.readStreamPage(ctx, name, dir, from, count)
		if errors.Is(err, errNoStream) && len(out) > 0 {
			return nil, fmt.Errorf("the stream disappeared after revision %d was read", out[len(out)-1].Revision)
		}
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			r, err := s.decode(e)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		if len(page) < count || (opts.Limit > 0 && len(out) >= opts.Limit) {
			return out, nil
		}
		last := out[len(out)-1].Revision
		if !opts.Backwards {
			from = esdb.Revision(last + 1)
			continue
		}
		if last == 0 {
			return out, nil
		}
		from = esdb.Revision(last - 1)
	}
}

// ReadAll returns up to limit ledger events of $all after the given
// position, in commit order, skipping the server's own events. It reads $all
// forwards from after, which includes the event at after itself, and drops
// that one.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = eventstore.DefaultPageSize
	}
	var from esdb.AllPosition = esdb.Start{}
	if !after.IsZero() {
		from = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
	}
	seen, haveSeen := after, !after.IsZero()
	// One more than a page, because the read includes the event at from,
	// which is already seen: so every page moves on.
	count := s.pageSize + 1
	var out []eventstore.RecordedEvent
	for {
		page, err := s.readAllPage(ctx, esdb.Forwards, from, count)
		if err != nil {
			return nil, fmt.Errorf("read $all after %s: %w", after, err)
		}
		for _, e := range page {
			p := position(e.Position)
			if haveSeen && !seen.Less(p) {
				continue
			}
			seen, haveSeen = p, true
			if !s.accept(e.StreamID, e.EventType) {
				continue
			}
			r, err := s.decode(e)
			if err != nil {
				return nil, fmt.Errorf("read $all after %s: %w", after, err)
			}
			out = append(out, r)
			if len(out) == limit {
				return out, nil
			}
		}
		if len(page) < count {
			return out, nil
		}
		from = esdb.Position{Commit: seen.Commit, Prepare: seen.Prepare}
	}
}
