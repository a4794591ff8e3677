package api

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/domain/year"
)

// The OpenAPI 3.1 document is generated from the route table, so a route
// cannot be added without being documented; the routes outside the table
// are listed in baseOperations. TestOpenAPIMatchesRouter keeps both true.

type openAPIDoc struct {
	OpenAPI    string                       `json:"openapi"`
	Info       openAPIInfo                  `json:"info"`
	Paths      map[string]map[string]*apiOp `json:"paths"`
	Components map[string]map[string]any    `json:"components"`
	Security   []map[string][]string        `json:"security"`
}

type openAPIInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type apiOp struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	Parameters  []apiParam            `json:"parameters,omitempty"`
	RequestBody *apiBody              `json:"requestBody,omitempty"`
	Responses   map[string]apiResp    `json:"responses"`
	Security    []map[string][]string `json:"security,omitzero"`
}

type apiParam struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Required    bool           `json:"required"`
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema"`
}

type apiBody struct {
	Required bool                      `json:"required"`
	Content  map[string]map[string]any `json:"content"`
}

type apiResp struct {
	Description string                    `json:"description"`
	Headers     map[string]any            `json:"headers,omitempty"`
	Content     map[string]map[string]any `json:"content,omitempty"`
}

// baseOperation is a route registered outside the route table.
type baseOperation struct {
	method, path, summary string
	public                bool // served without a token
}

func baseOperations() []baseOperation {
	return []baseOperation{
		{http.MethodGet, "/healthz", "Report that the process is up", true},
		{http.MethodGet, "/readyz", "Report whether every projection is near the head of the log (503 names the lagging ones)", true},
		{http.MethodGet, "/metrics", "Prometheus metrics", true},
		{http.MethodGet, "/openapi.json", "This document", true},
		{http.MethodGet, "/v1/events", "A page of the global event log after a cursor (auditors, HR, admin)", false},
		{http.MethodGet, "/v1/events/stream", "The event log as Server-Sent Events, resuming from Last-Event-ID (auditors, HR, admin)", false},
	}
}

// openAPIDocument builds the document from the route table.
func (s *server) openAPIDocument() openAPIDoc {
	pathParam := regexp.MustCompile(`\{([a-z_]+)\}`)
	enums := enumValues()
	doc := openAPIDoc{
		OpenAPI: "3.1.0",
		Info: openAPIInfo{Title: "Kinerja", Version: s.version, Description: "An event-sourced performance ledger for ASN. " +
			"Commands are POSTs that honour Idempotency-Key and If-Match and answer with the stream revision (ETag) and the global position of their last event. " +
			"Errors are application/problem+json (RFC 9457) naming the field and rule."},
		Paths: map[string]map[string]*apiOp{},
		Components: map[string]map[string]any{
			"securitySchemes": {"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": {
				"Problem":           schemaOf(reflect.TypeFor[problem](), enums),
				"CommandResponse":   schemaOf(reflect.TypeFor[commandResponse](), enums),
				"AggregateResponse": schemaOf(reflect.TypeFor[aggregateResponse](), enums),
			},
		},
		Security: []map[string][]string{{"bearer": {}}},
	}
	add := func(method, path string, op *apiOp) {
		if doc.Paths[path] == nil {
			doc.Paths[path] = map[string]*apiOp{}
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			op.Parameters = append(op.Parameters, apiParam{Name: m[1], In: "path", Required: true, Schema: map[string]any{"type": "string"}})
		}
		doc.Paths[path][strings.ToLower(method)] = op
	}
	for _, b := range baseOperations() {
		op := &apiOp{OperationID: operationID(b.method, b.path), Summary: b.summary, Responses: map[string]apiResp{"200": {Description: "OK"}}}
		if b.public {
			op.Security = []map[string][]string{}
		}
		add(b.method, b.path, op)
	}
	problemJSON := map[string]map[string]any{"application/problem+json": {"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}
	for _, rt := range s.resourceRoutes() {
		roles := make([]string, len(rt.roles))
		for i, role := range rt.roles {
			roles[i] = string(role)
		}
		op := &apiOp{
			OperationID: operationID(rt.method, rt.path),
			Summary:     rt.summary,
			Description: "Roles: " + strings.Join(roles, ", ") + ".",
			Responses: map[string]apiResp{
				"400": {Description: "Invalid input; the problem names the field and rule", Content: problemJSON},
				"401": {Description: "No valid bearer token", Content: problemJSON},
				"403": {Description: "The caller may not do this", Content: problemJSON},
				"404": {Description: "No such resource", Content: problemJSON},
			},
		}
		etagHeader := map[string]any{"ETag": map[string]any{"description": "the stream revision", "schema": map[string]any{"type": "string"}}}
		if rt.method == http.MethodGet {
			op.Parameters = append(op.Parameters,
				apiParam{Name: "as_of", In: "query", Description: "a global log position: the state as it stood then", Schema: map[string]any{"type": "string"}},
				apiParam{Name: "min_position", In: "query", Description: "read your writes: the position a command answered with; 409 while the ledger is not there yet", Schema: map[string]any{"type": "string"}})
			op.Responses["200"] = apiResp{Description: "The aggregate's state from its stream", Headers: etagHeader,
				Content: map[string]map[string]any{"application/json": {"schema": map[string]any{"$ref": "#/components/schemas/AggregateResponse"}}}}
		} else {
			op.Parameters = append(op.Parameters,
				apiParam{Name: "Idempotency-Key", In: "header", Description: "a retry with the same key returns the first answer and appends nothing", Schema: map[string]any{"type": "string", "maxLength": maxIdempotencyKey}},
				apiParam{Name: "If-Match", In: "header", Description: "the ETag (stream revision) the command was decided on; a stale one gets 412", Schema: map[string]any{"type": "string"}})
			ok := apiResp{Description: "Applied", Headers: etagHeader,
				Content: map[string]map[string]any{"application/json": {"schema": map[string]any{"$ref": "#/components/schemas/CommandResponse"}}}}
			if rt.created {
				ok.Description = "Created; Location names the new resource"
				op.Responses["201"] = ok
			} else {
				op.Responses["200"] = ok
			}
			op.Responses["409"] = apiResp{Description: "Conflicts with the current state", Content: problemJSON}
			op.Responses["412"] = apiResp{Description: "If-Match names a revision the resource has moved on from", Content: problemJSON}
			op.Responses["413"] = apiResp{Description: "Body too large", Content: problemJSON}
			if rt.body != nil {
				op.RequestBody = &apiBody{Required: reflect.TypeOf(rt.body).NumField() > 0,
					Content: map[string]map[string]any{"application/json": {"schema": schemaOf(reflect.TypeOf(rt.body), enums)}}}
			}
		}
		add(rt.method, "/v1"+rt.path, op)
	}
	for _, q := range s.queryRoutes() {
		roles := make([]string, len(q.roles))
		for i, role := range q.roles {
			roles[i] = string(role)
		}
		op := &apiOp{
			OperationID: operationID(http.MethodGet, q.path),
			Summary:     q.summary,
			Description: "Roles: " + strings.Join(roles, ", ") + ". Answered from a read model; the answer's position is the log position it reflects.",
			Parameters: append(slices.Clone(q.params), apiParam{Name: "min_position", In: "query",
				Description: "read your writes: the position a command answered with; the read model is awaited briefly, then 409 projection-lag",
				Schema:      map[string]any{"type": "string"}}),
			Responses: map[string]apiResp{
				"200": {Description: "OK", Content: map[string]map[string]any{"application/json": {"schema": querySchema(q, enums)}}},
				"400": {Description: "Invalid input; the problem names the field and rule", Content: problemJSON},
				"401": {Description: "No valid bearer token", Content: problemJSON},
				"403": {Description: "The caller may not read this", Content: problemJSON},
				"404": {Description: "No such resource", Content: problemJSON},
				"409": {Description: "The read model has not reached min_position in time", Content: problemJSON},
				"503": {Description: "The read model is not running on this server", Content: problemJSON},
			},
		}
		add(http.MethodGet, "/v1"+q.path, op)
	}
	return doc
}

// querySchema is the schema of a query's answer: the position the read
// model reflected, and the data, or a page of items with the next cursor.
func querySchema(q queryRoute, enums map[reflect.Type][]string) map[string]any {
	data := map[string]any{"type": "object"}
	if q.data != nil {
		data = schemaOf(reflect.TypeOf(q.data), enums)
	}
	props := map[string]any{"position": map[string]any{"type": "string", "description": "the log position the read model reflected"}}
	if q.list {
		props["items"] = map[string]any{"type": "array", "items": data}
		props["next_cursor"] = map[string]any{"type": "string", "description": "absent on the last page"}
	} else {
		props["data"] = data
	}
	return map[string]any{"type": "object", "properties": props}
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.Split(path, "/") {
		part = strings.Trim(part, "{}")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// schemaOf returns the JSON Schema of the JSON encoding of t, listing the
// values of the enumerations in enums.
func schemaOf(t reflect.Type, enums map[reflect.Type][]string) map[string]any {
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t {
	case reflect.TypeFor[uuid.UUID]():
		return map[string]any{"type": "string", "format": "uuid"}
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), enums)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), enums)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), enums)}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				for k, v := range schemaOf(f.Type, enums)["properties"].(map[string]any) {
					props[k] = v
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, enums)
			if !strings.Contains(opts, "omit") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	}
	return map[string]any{}
}

// openAPI serves the OpenAPI 3.1 document.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDocument())
}

// enumValues lists the values of the domain's enumerations, in the official
// words, so that the document tells clients what each field accepts.
// TestEnumValuesValid keeps every value valid in the domain.
func enumValues() map[reflect.Type][]string {
	m := map[reflect.Type][]string{}
	put(m, policy.AboveExpectation, policy.AsExpected, policy.BelowExpectation)
	put(m, policy.Predicates()...)
	put(m, policy.OrgPredicates()...)
	put(m, skp.CoreValues()...)
	put(m, skp.Quantitative, skp.Qualitative)
	put(m, skp.Utama, skp.Tambahan)
	put(m, skp.SourcePK, skp.SourceRenstra, skp.SourceRKT, skp.SourceAssignment)
	put(m, skp.CloseYearEnd, skp.ClosePositionChange, skp.CloseSuperiorChange, skp.CloseRetirement, skp.CloseTermination)
	put(m, year.Monthly, year.Quarterly, year.Semester)
	put(m, domain.PNS, domain.CPNS, domain.PPPK)
	put(m, domain.Male, domain.Female)
	put(m, org.JPT, org.Administrator, org.Pengawas, org.Pelaksana, org.Fungsional)
	put(m, org.Retirement, org.Dismissal, org.Resignation, org.Death, org.Transfer, org.ContractExpired)
	put(m, indicator.Quantity, indicator.Quality, indicator.Time, indicator.Cost)
	put(m, indicator.HigherIsBetter, indicator.LowerIsBetter, indicator.Range)
	put(m, execution.Document, execution.Photo, execution.Link, execution.SystemMetric)
	put(m, execution.Peer, execution.Subordinate, execution.Citizen)
	put(m, execution.Bimbingan, execution.Konseling)
	put(m, evaluation.PartyEvaluator, evaluation.PartyEmployee)
	put(m, evaluation.Upheld, evaluation.Changed)
	return m
}

func put[T ~string](m map[reflect.Type][]string, vals ...T) {
	for _, v := range vals {
		m[reflect.TypeFor[T]()] = append(m[reflect.TypeFor[T]()], string(v))
	}
}
