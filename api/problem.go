package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/kinerja/kinerja/domain"
)

// statusOf maps each kind of domain error to its HTTP status.
var statusOf = map[domain.Kind]int{
	domain.Invalid:   http.StatusBadRequest,
	domain.NotFound:  http.StatusNotFound,
	domain.Conflict:  http.StatusConflict,
	domain.Forbidden: http.StatusForbidden,
}

// problem is an RFC 9457 problem document. Type is stable: it names the
// broken rule when there is one, else the kind of error.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Field     string `json:"field,omitempty"`
	Rule      string `json:"rule,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

const problemTypePrefix = "urn:kinerja:problem:"

// ruleIfMatch is the rule of a command refused because its If-Match names a
// revision the stream has moved on from (eventstore.ErrPreconditionFailed).
const ruleIfMatch = "if-match"

// writeError sends err to the client as problem+json. Domain errors keep their
// message; anything else is logged and reported as a bare 500.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBodyTooLarge) {
		writeStatusProblem(w, r, http.StatusRequestEntityTooLarge, "body-too-large", fmt.Sprintf("The request body is over %d bytes; send less.", maxBody))
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind == domain.Internal {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", routePattern(r), "request_id", middleware.GetReqID(r.Context()), "err", err)
		writeProblem(w, r, problem{
			Type:   problemTypePrefix + domain.Internal.String(),
			Title:  "Something went wrong on our side; the request may be retried. Quote the request id when reporting it.",
			Status: http.StatusInternalServerError,
		})
		return
	}
	p := problem{
		Type:   problemTypePrefix + de.Kind.String(),
		Title:  de.Message,
		Status: statusOf[de.Kind],
		Field:  de.Field,
		Rule:   de.Rule,
	}
	if de.Rule != "" {
		p.Type = problemTypePrefix + de.Rule
	}
	if de.Rule == ruleIfMatch {
		p.Status = http.StatusPreconditionFailed
	}
	writeProblem(w, r, p)
}

// writeStatusProblem answers with a problem for a protocol-level status that
// has no domain kind (401, 412, 413, 415, 428, 503).
func writeStatusProblem(w http.ResponseWriter, r *http.Request, status int, rule, title string) {
	writeProblem(w, r, problem{Type: problemTypePrefix + rule, Title: title, Status: status, Rule: rule})
}

func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	p.RequestID = middleware.GetReqID(r.Context())
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // the status is sent; a broken connection has no one left to tell
}

// maxBody bounds every request body.
const maxBody = 1 << 20

// errBodyTooLarge marks a body over maxBody; handlers answer 413.
var errBodyTooLarge = errors.New("request body too large")

// decode reads a JSON request body into T. It rejects bodies over maxBody,
// unknown fields, wrong types, trailing data and non-JSON content types, each
// with an Invalid error that names the offending field.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return v, domain.Errorf(domain.Invalid, "send the body as application/json, not %s", ct).WithField("Content-Type")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return v, domain.Errorf(domain.Invalid, "the body must hold exactly one JSON object; remove what follows it").WithField("body")
	}
	return v, nil
}

// bodyError turns a JSON decoding failure into an error that says where.
func bodyError(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: the limit is %d bytes", errBodyTooLarge, tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.Invalid, "the request needs a JSON body").WithField("body")
	case errors.As(err, &syntax):
		return domain.Errorf(domain.Invalid, "the body is not valid JSON (at byte %d)", syntax.Offset).WithField("body")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return domain.Errorf(domain.Invalid, "%s must be a JSON %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value).WithField(field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Errorf(domain.Invalid, "%s is not a field of this request; check its spelling against /openapi.json", name).WithField(name)
	}
	return domain.Errorf(domain.Invalid, "the body could not be read as JSON: %v", err).WithField("body")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// routePattern is the route a request matched, such as /v1/skps/{id}, for
// logs and metrics that must not grow with every id.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}
