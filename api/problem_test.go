package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/domain"
)

func TestEveryKindHasAStatus(t *testing.T) {
	for k := domain.Invalid; k <= domain.Internal; k++ {
		if _, ok := statusOf[k]; !ok && k != domain.Internal {
			t.Errorf("kind %v has no HTTP status", k)
		}
	}
}

func TestWriteError(t *testing.T) {
	s := &server{log: slog.New(slog.DiscardHandler)}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
		wantField  string
	}{
		{"invalid with field and rule", domain.Errorf(domain.Invalid, "target must be positive").WithField("target").WithRule("iki-target"), 400, problemTypePrefix + "iki-target", "target"},
		{"conflict", domain.Errorf(domain.Conflict, "changed by someone else"), 409, problemTypePrefix + "conflict", ""},
		{"forbidden", domain.Errorf(domain.Forbidden, "not your SKP"), 403, problemTypePrefix + "forbidden", ""},
		{"foreign error hidden", errors.New("pq: connection refused at 10.0.0.3"), 500, problemTypePrefix + "internal", ""},
		{"too large", errBodyTooLarge, 413, problemTypePrefix + "body-too-large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.writeError(w, httptest.NewRequest("POST", "/v1/skps", nil), tt.err)
			if w.Code != tt.wantStatus || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
			}
			var p problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != tt.wantType || p.Field != tt.wantField || p.Status != tt.wantStatus || p.Title == "" {
				t.Errorf("problem = %+v", p)
			}
			if strings.Contains(w.Body.String(), "10.0.0.3") {
				t.Error("an internal error leaked to the client")
			}
		})
	}
}

func TestDecodeNamesTheField(t *testing.T) {
	type req struct {
		Target float64 `json:"target"`
		Name   string  `json:"name"`
	}
	tests := []struct {
		name, body, ctype, wantField string
		wantTooLarge                 bool
	}{
		{name: "unknown field", body: `{"targte": 3}`, wantField: "targte"},
		{name: "wrong type", body: `{"target": "three"}`, wantField: "target"},
		{name: "malformed", body: `{"target": `, wantField: "body"},
		{name: "empty", body: ``, wantField: "body"},
		{name: "trailing data", body: `{"target": 3} {}`, wantField: "body"},
		{name: "not json", body: `target=3`, ctype: "application/x-www-form-urlencoded", wantField: "Content-Type"},
		{name: "oversize", body: `{"name": "` + strings.Repeat("x", maxBody) + `"}`, wantTooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			_, err := decode[req](httptest.NewRecorder(), r)
			if tt.wantTooLarge {
				if !errors.Is(err, errBodyTooLarge) {
					t.Fatalf("decode = %v, want errBodyTooLarge", err)
				}
				return
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != tt.wantField {
				t.Errorf("decode = %#v, want Invalid naming %q", err, tt.wantField)
			}
		})
	}
	got, err := decode[req](httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(`{"target": 3, "name": "x"}`)))
	if err != nil || got.Target != 3 || got.Name != "x" {
		t.Errorf("decode of a good body = %+v, %v", got, err)
	}
}

func TestUnauthenticatedRequestsAreRefused(t *testing.T) {
	tk := testTokens(t)
	h := New(Config{Logger: slog.New(slog.DiscardHandler), Tokens: tk})
	for _, auth := range []string{"", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer nonsense"} {
		r := httptest.NewRequest("GET", "/v1/events", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: status %d, want 401 with a challenge", auth, w.Code)
		}
	}
}
