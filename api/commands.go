package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// route is one resource endpoint under /v1: a command (POST) or the read of
// an aggregate (GET). The route table is the single source of the router and
// of the OpenAPI document.
type route struct {
	method  string
	path    string // chi pattern below /v1
	summary string
	// roles may call the route; a caller holding several acts under the first
	// of these it holds, and that role is recorded on the events.
	roles   []Role
	body    any  // zero value of the request type, for the OpenAPI document; nil for none
	created bool // a create: 201 with Location
	handler http.HandlerFunc
}

// roleKey holds the Role a caller acts under; callerKey is 0.
const roleKey contextKey = 1

// allow refuses callers who hold none of rt's roles, before anything is
// read or decided, and records the role the caller acts under.
func (s *server) allow(rt route) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := callerFrom(r.Context())
			i := slices.IndexFunc(rt.roles, c.Has)
			if i < 0 {
				names := make([]string, len(rt.roles))
				for k, role := range rt.roles {
					names[k] = string(role)
				}
				s.writeError(w, r, domain.Errorf(domain.Forbidden, "%s %s is for the role %s; your token does not carry it", rt.method, "/v1"+rt.path, strings.Join(names, " or ")).WithRule("role"))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), roleKey, rt.roles[i])))
		})
	}
}

func roleFrom(ctx context.Context) Role {
	role, _ := ctx.Value(roleKey).(Role)
	return role
}

// command is one write as the API receives it: who, under which role, when,
// and the store command with its id and preconditions.
type command struct {
	by  domain.NIP
	at  time.Time
	cmd eventstore.Command
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

// newCommand reads the conventions every command shares. Idempotency-Key
// makes the command id a name-based UUID of the caller, the method and path
// and the key, so a retry is the same command and appends nothing; without
// one the id is random. If-Match ("3", W/"3" or 3) pins the stream revision.
// X-Correlation-ID, a UUID, ties the command to a wider operation; it
// defaults to the command id.
// The actor is always the authenticated caller and the role of the route.
func (s *server) newCommand(r *http.Request) (command, error) {
	caller := callerFrom(r.Context())
	id := uuid.New()
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > maxIdempotencyKey {
			return command{}, domain.Errorf(domain.Invalid, "the Idempotency-Key is %d bytes; use at most %d, e.g. a UUID", len(key), maxIdempotencyKey).WithField("Idempotency-Key")
		}
		ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:kinerja:idempotency"))
		id = uuid.NewSHA1(ns, []byte(string(caller.NIP)+"\n"+r.Method+" "+r.URL.Path+"\n"+key))
	}
	c := command{by: caller.NIP, at: s.now(), cmd: eventstore.Command{
		ID: id,
		Metadata: eventstore.Metadata{
			Actor:         eventstore.Actor{ID: string(caller.NIP), Role: string(roleFrom(r.Context()))},
			CorrelationID: id,
			CausationID:   id,
			SchemaVersion: 1,
		},
	}}
	if v := r.Header.Get("X-Correlation-ID"); v != "" {
		corr, err := uuid.Parse(v)
		if err != nil {
			return command{}, domain.Errorf(domain.Invalid, "X-Correlation-ID %q is not a UUID", v).WithField("X-Correlation-ID")
		}
		c.cmd.Metadata.CorrelationID = corr
	}
	if v := r.Header.Get("If-Match"); v != "" && v != "*" {
		rev, err := parseETag(v)
		if err != nil {
			return command{}, err
		}
		c.cmd.IfMatch = &rev
	}
	return c, nil
}

// newID returns the id of the n-th thing of a kind that the command creates:
// derived from the command id, so that a retry names the same stream.
func (c command) newID(kind string) uuid.UUID {
	return uuid.NewSHA1(c.cmd.ID, []byte(kind))
}

// idOr returns given, or a new id derived from the command when given is nil.
func (c command) idOr(given *uuid.UUID, kind string) uuid.UUID {
	if given != nil && *given != uuid.Nil {
		return *given
	}
	return c.newID(kind)
}

func etag(revision uint64) string { return `"` + strconv.FormatUint(revision, 10) + `"` }

func parseETag(v string) (uint64, error) {
	t := strings.Trim(strings.TrimPrefix(strings.TrimSpace(v), "W/"), `"`)
	rev, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		return 0, domain.Errorf(domain.Invalid, "If-Match %q is not a revision; send the ETag of your last read, e.g. \"3\"", v).WithField("If-Match")
	}
	return rev, nil
}

// commandResponse is the answer to every command.
type commandResponse struct {
	ID       string `json:"id"`                // the resource the command acted on
	ItemID   string `json:"item_id,omitempty"` // what it added inside the resource (an RHK, a realisation …)
	Stream   string `json:"stream"`
	Revision uint64 `json:"revision"` // the stream revision, also sent as ETag
	// Position is the global position of the command's last event; pass it
	// as min_position to a query to read your own write.
	Position string `json:"position"`
}

// target is the stream a command writes to and how the answer names it.
type target[E eventstore.Typed] struct {
	stream   string
	decode   func(string, []byte) (E, error)
	id       string // resource id for the answer
	itemID   string
	location string // non-empty for a create: 201 with this Location
}

// execute runs one command: it loads t's stream, lets decide (which may load
// other aggregates as facts, with ctx) return events, appends them with the
// loaded revision, and answers with the new revision and position. A retry
// of a command already applied returns its first answer and decides nothing.
func execute[E eventstore.Typed](s *server, w http.ResponseWriter, r *http.Request, c command, t target[E], decide func(h eventstore.History[E]) ([]E, error)) {
	start := time.Now()
	res, err := eventstore.Execute(r.Context(), s.store, t.stream, t.decode, c.cmd, decide)
	outcome := "ok"
	if err != nil {
		outcome = domain.KindOf(err).String()
	}
	category, _, _ := strings.Cut(t.stream, "-")
	s.metrics.commands.WithLabelValues(category, outcome).Observe(time.Since(start).Seconds())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if t.location != "" {
		w.Header().Set("Location", t.location)
		status = http.StatusCreated
	}
	w.Header().Set("ETag", etag(res.Revision))
	writeJSON(w, status, commandResponse{ID: t.id, ItemID: t.itemID, Stream: t.stream, Revision: res.Revision, Position: res.Position.String()})
}

// handle is the shape of every command handler: the request body decoded
// into T, the command's conventions read, then do.
func handle[T any](s *server, do func(w http.ResponseWriter, r *http.Request, c command, req T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.newCommand(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		req, err := decodeOptional[T](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		// The request, as decoded, fingerprints the command: an
		// Idempotency-Key sent again with another body is refused, not
		// answered with the first request's result.
		body, err := json.Marshal(req)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("fingerprint the request: %w", err))
			return
		}
		sum := sha256.Sum256(body)
		c.cmd.Fingerprint = sum[:]
		do(w, r, c, req)
	}
}

// empty is the body of a command that needs no input.
type empty struct{}

// decodeOptional is decode, except that an absent body reads as the zero T:
// commands such as submit need no input.
func decodeOptional[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	if r.ContentLength == 0 {
		var zero T
		return zero, nil
	}
	return decode[T](w, r)
}

// loadFact loads another aggregate's stream as a fact for a decision. A
// missing stream is NotFound, naming field.
func loadFact[E eventstore.Typed](ctx context.Context, s *server, stream string, decode func(string, []byte) (E, error), field, what string) (eventstore.History[E], error) {
	h, err := eventstore.Load(ctx, s.store, stream, decode)
	if err != nil {
		return h, fmt.Errorf("load %s: %w", stream, err)
	}
	if !h.Exists {
		return h, domain.Errorf(domain.NotFound, "no such %s", what).WithField(field)
	}
	return h, nil
}

// aggregateResponse is the answer to the read of one aggregate: its state
// folded from its stream, and the events it was folded from.
type aggregateResponse struct {
	ID       string      `json:"id"`
	Stream   string      `json:"stream"`
	Revision uint64      `json:"revision"`
	Position string      `json:"position"` // of the last event folded in
	AsOf     string      `json:"as_of,omitempty"`
	State    any         `json:"state"`
	Events   []eventJSON `json:"events"`
}

// readAggregate loads a stream for a GET, up to the global position as_of
// when given, and answers with view's state after authorise allows the
// caller. A stream with no events (then) is NotFound. min_position is
// honoured as checkMinPosition says.
func readAggregate[E eventstore.Typed](s *server, w http.ResponseWriter, r *http.Request, id, stream string, decode func(string, []byte) (E, error), authorise func(Caller, eventstore.History[E]) error, view func(eventstore.History[E]) any) {
	var asOf *eventstore.Position
	if v := r.URL.Query().Get("as_of"); v != "" {
		p, err := eventstore.ParsePosition(v)
		if err != nil {
			s.writeError(w, r, domain.Errorf(domain.Invalid, "as_of=%q is not a log position; use the position of a command's answer or of an event", v).WithField("as_of"))
			return
		}
		asOf = &p
	}
	if v := r.URL.Query().Get("min_position"); v != "" {
		if err := s.checkMinPosition(r, v); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	h, err := eventstore.Load(r.Context(), s.store, stream, decode)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("load %s: %w", stream, err))
		return
	}
	if asOf != nil {
		n := 0
		for n < len(h.Records) && !asOf.Less(h.Records[n].Position) {
			n++
		}
		h.Records, h.Events, h.Exists = h.Records[:n], h.Events[:n], n > 0
		if n > 0 {
			h.Revision = h.Records[n-1].Revision
		}
	}
	if !h.Exists {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "%s has no events%s", stream, asOfText(asOf)))
		return
	}
	caller := callerFrom(r.Context())
	if !canReadLedger(caller) {
		if err := authorise(caller, h); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	resp := aggregateResponse{ID: id, Stream: stream, Revision: h.Revision, Position: h.Records[len(h.Records)-1].Position.String(), State: view(h), Events: make([]eventJSON, len(h.Records))}
	if asOf != nil {
		resp.AsOf = asOf.String()
	}
	for i, rec := range h.Records {
		resp.Events[i] = toEventJSON(rec)
	}
	w.Header().Set("ETag", etag(h.Revision))
	writeJSON(w, http.StatusOK, resp)
}

// checkMinPosition serves read-your-writes: a read from a stream sees every
// committed event, so min_position (the position a command answered with)
// is met unless the ledger has not reached it, which is a Conflict.
func (s *server) checkMinPosition(r *http.Request, v string) error {
	want, err := eventstore.ParsePosition(v)
	if err != nil {
		return domain.Errorf(domain.Invalid, "min_position=%q is not a log position; use the position a command answered with", v).WithField("min_position")
	}
	head, err := s.store.Head(r.Context())
	if err != nil {
		return fmt.Errorf("read log head: %w", err)
	}
	if head.Less(want) {
		return domain.Errorf(domain.Conflict, "the ledger is at position %s, not yet at %s; retry shortly", head, want).WithField("min_position").WithRule("min-position")
	}
	return nil
}

func asOfText(p *eventstore.Position) string {
	if p == nil {
		return ""
	}
	return " at position " + p.String()
}

// forbidRead is the refusal of a read of someone else's record.
func forbidRead(what string) error {
	return domain.Errorf(domain.Forbidden, "you may read only your own %s, or those that name you as evaluator", what).WithRule("read-own")
}

// pathUUID reads the path parameter name as a UUID.
func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	v := r.PathValue(name)
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, domain.Errorf(domain.Invalid, "%s %q in the path is not a UUID", name, v).WithField(name)
	}
	return id, nil
}

// parseNIP reads a NIP given in field, which may be empty when optional.
func parseNIP(field, v string, optional bool) (domain.NIP, error) {
	if v == "" && optional {
		return "", nil
	}
	n, _, err := domain.ParseNIP(v)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return "", de.WithField(field)
		}
		return "", domain.Errorf(domain.Invalid, "%s: %v", field, err).WithField(field)
	}
	return n, nil
}

// parseDate reads a calendar date (2026-01-31) given in field. Empty is the
// zero time when optional.
func parseDate(field, v string, optional bool) (time.Time, error) {
	if v == "" && optional {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, domain.Errorf(domain.Invalid, "%s must be a date such as 2026-01-31, not %q", field, v).WithField(field)
	}
	return d, nil
}

// parseTime reads an instant (RFC 3339) given in field; empty is zero.
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, domain.Errorf(domain.Invalid, "%s must be a time such as 2026-01-31T08:00:00+07:00, not %q", field, v).WithField(field)
	}
	return t, nil
}

// errOr returns the first non-nil error.
func errOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// renameField returns err with its field renamed by rename, so that a
// domain rejection names the field as the request spells it.
func renameField(err error, rename func(string) string) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Field == "" {
		return err
	}
	return de.WithField(rename(de.Field))
}
