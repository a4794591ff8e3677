package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
)

// TestOpenAPIMatchesRouter checks that every route the router serves is in
// /openapi.json and every operation there is routed.
func TestOpenAPIMatchesRouter(t *testing.T) {
	f := newAPIFixture(t, time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC))
	r := f.must(t, http.StatusOK, nobody, "GET", "/openapi.json", nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			id, _ := op["operationId"].(string)
			if other, dup := ids[id]; dup || id == "" {
				t.Errorf("%s has operationId %q, also used by %s", key, id, other)
			}
			ids[id] = key
		}
	}

	s := &server{metrics: newMetrics()}
	router, ok := s.routes().(chi.Routes)
	if !ok {
		t.Fatal("routes() is not a chi router")
	}
	routed := map[string]bool{}
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routed) < 50 {
		t.Errorf("only %d routes walked; the table did not register", len(routed))
	}
	for _, k := range sorted(routed) {
		if !documented[k] {
			t.Errorf("route %s is not in /openapi.json", k)
		}
	}
	for _, k := range sorted(documented) {
		if !routed[k] {
			t.Errorf("/openapi.json documents %s, which is not routed", k)
		}
	}
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIDocumentsBodies checks that a command's body schema names its
// fields, so clients can be generated from the document.
func TestOpenAPIDocumentsBodies(t *testing.T) {
	doc := (&server{metrics: newMetrics()}).openAPIDocument()
	op := doc.Paths["/v1/evaluations/{id}/work-result-rating"]["post"]
	if op == nil || op.RequestBody == nil {
		t.Fatal("the work-result rating has no documented body")
	}
	schema := op.RequestBody.Content["application/json"]["schema"].(map[string]any)
	props := schema["properties"].(map[string]any)
	if _, ok := props["rating"]; !ok {
		t.Errorf("body schema %v lacks rating", schema)
	}
	if _, ok := op.Responses["412"]; !ok {
		t.Error("a command does not document 412 for a stale If-Match")
	}
	var params []string
	for _, p := range op.Parameters {
		params = append(params, p.In+":"+p.Name)
	}
	if got := strings.Join(params, ","); got != "header:Idempotency-Key,header:If-Match,path:id" {
		t.Errorf("parameters %s", got)
	}
}

// TestOpenAPIPublicOperations checks that the operations served without a
// token say so, and the others need the bearer token.
func TestOpenAPIPublicOperations(t *testing.T) {
	doc := (&server{metrics: newMetrics()}).openAPIDocument()
	for path, public := range map[string]bool{"/healthz": true, "/openapi.json": true, "/v1/events": false, "/v1/skps/{id}": false} {
		op := doc.Paths[path]["get"]
		if op == nil {
			t.Fatalf("GET %s is not documented", path)
		}
		raw, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(raw), `"security":[]`); got != public {
			t.Errorf("GET %s: public = %v, want %v (%s)", path, got, public, raw)
		}
	}
}

// TestEnumValuesValid checks that every enumeration value the document
// lists is one the domain accepts, so the list cannot drift into a lie.
func TestEnumValuesValid(t *testing.T) {
	type valid interface{ Valid() bool }
	// These domain types have no Valid method; their commands check them.
	unchecked := map[reflect.Type]bool{reflect.TypeFor[domain.Sex](): true, reflect.TypeFor[evaluation.Party](): true, reflect.TypeFor[evaluation.Outcome](): true}
	for typ, vals := range enumValues() {
		if len(vals) == 0 {
			t.Errorf("%s lists no values", typ)
		}
		for _, v := range vals {
			x, ok := reflect.ValueOf(v).Convert(typ).Interface().(valid)
			if !ok && unchecked[typ] {
				continue
			}
			if !ok {
				t.Errorf("%s has no Valid method to check %q against", typ, v)
				continue
			}
			if !x.Valid() {
				t.Errorf("%s lists %q, which the domain refuses", typ, v)
			}
		}
	}
	if _, ok := (&server{metrics: newMetrics()}).openAPIDocument().Paths["/v1/evaluations/{id}/work-result-rating"]["post"].RequestBody.Content["application/json"]["schema"].(map[string]any)["properties"].(map[string]any)["rating"].(map[string]any)["enum"]; !ok {
		t.Error("the rating field does not list its values")
	}
}
