package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Page sizes of the feed.
const (
	defaultPage = 100
	maxPage     = 1000
)

// eventJSON is an event as the API shows it: the whole envelope, so a
// consumer can check its hash and an auditor can cite its position.
type eventJSON struct {
	ID         uuid.UUID           `json:"id"`
	Stream     string              `json:"stream"`
	Revision   uint64              `json:"revision"`
	Position   string              `json:"position"`
	Type       string              `json:"type"`
	Data       json.RawMessage     `json:"data"`
	Metadata   eventstore.Metadata `json:"metadata"`
	RecordedAt time.Time           `json:"recorded_at"`
	PrevHash   eventstore.Hash     `json:"prev_hash"`
	Hash       eventstore.Hash     `json:"hash"`
}

func toEventJSON(e eventstore.RecordedEvent) eventJSON {
	return eventJSON{
		ID: e.ID, Stream: e.Stream, Revision: e.Revision, Position: e.Position.String(),
		Type: e.Type, Data: e.Data, Metadata: e.Metadata, RecordedAt: e.RecordedAt,
		PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

type eventsPage struct {
	Events []eventJSON `json:"events"`
	// Next is the cursor to pass as after= for the following page; it equals
	// the request's cursor when there is nothing new yet.
	Next string `json:"next"`
}

// readers of the whole ledger: the feed carries every event.
func canReadLedger(c Caller) bool {
	return c.Has(RoleAuditor) || c.Has(RoleHR) || c.Has(RoleAdmin)
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	if !canReadLedger(callerFrom(r.Context())) {
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "the event feed is for auditors, HR and administrators"))
		return
	}
	after, err := cursorParam(r, "after")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := limitParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	events, err := s.store.ReadAll(r.Context(), after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := eventsPage{Events: make([]eventJSON, 0, len(events)), Next: after.String()}
	for _, e := range events {
		page.Events = append(page.Events, toEventJSON(e))
		page.Next = e.Position.String()
	}
	writeJSON(w, http.StatusOK, page)
}

// streamEvents serves the feed as Server-Sent Events: every event after the
// Last-Event-ID header (or the after parameter), then each new one as it is
// committed. The SSE id of an event is its position, so a reconnecting
// client resumes exactly where it stopped.
func (s *server) streamEvents(w http.ResponseWriter, r *http.Request) {
	if !canReadLedger(callerFrom(r.Context())) {
		s.writeError(w, r, domain.Errorf(domain.Forbidden, "the event feed is for auditors, HR and administrators"))
		return
	}
	after, err := cursorParam(r, "after")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if after, err = eventstore.ParsePosition(last); err != nil {
			s.writeError(w, r, domain.Errorf(domain.Invalid, "Last-Event-ID %q is not a position from this feed", last).WithField("Last-Event-ID"))
			return
		}
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": kinerja change feed\n\n"); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		s.writeErrorLate(r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if s.stopping != nil {
		go func() { // ends with the request: cancel closes ctx
			select {
			case <-s.stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	err = s.store.Subscribe(ctx, after, func(e eventstore.RecordedEvent) error {
		body, err := json.Marshal(toEventJSON(e))
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", e.Position, e.Type, body); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && ctx.Err() == nil {
		s.writeErrorLate(r, err)
	}
}

// writeErrorLate logs a failure that happened after the response began, when
// no status can be sent any more.
func (s *server) writeErrorLate(r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.ErrorContext(r.Context(), "stream failed", "route", routePattern(r), "err", err)
}

func cursorParam(r *http.Request, name string) (eventstore.Position, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return eventstore.Start, nil
	}
	p, err := eventstore.ParsePosition(v)
	if err != nil {
		return p, domain.Errorf(domain.Invalid, "%s=%q is not a position; pass the next cursor of the previous page", name, v).WithField(name)
	}
	return p, nil
}

func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, domain.Errorf(domain.Invalid, "limit must be a whole number from 1 to %d", maxPage).WithField("limit")
	}
	return n, nil
}
