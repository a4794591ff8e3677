// Package api serves Kinerja over HTTP: the chi router, its handlers and the
// conventions every endpoint shares.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Config is what the server needs from its caller.
type Config struct {
	Logger  *slog.Logger
	Version string
	Tokens  *Tokens
	// Store is the ledger: commands append to it, aggregate reads load from
	// it and the change feed reads its global log.
	Store eventstore.Store
	// Now is the clock that stamps commands; nil means time.Now.
	Now func() time.Time
	// Runners keep the read models the queries and /readyz serve: one per
	// projection of Projections(). A query whose read model has no runner
	// answers 503.
	Runners []*projections.Runner
	// ReadWait bounds how long a query with min_position waits for its read
	// model before answering 409 projection-lag; zero means 3s.
	ReadWait time.Duration
	// MaxLag is how many events a runner may be behind the head of the log
	// and still count as ready in /readyz; zero means 1000.
	MaxLag uint64
	// Signer signs ledger checkpoints on demand (POST /v1/ledger/checkpoints);
	// nil when the server has no signer key.
	Signer note.Signer
	// Stopping, when closed, ends open event streams (/v1/events/stream),
	// which would otherwise hold a graceful shutdown until its timeout.
	Stopping <-chan struct{}
}

// New returns the HTTP handler for the whole API.
func New(cfg Config) http.Handler {
	s := &server{log: cfg.Logger, version: cfg.Version, tokens: cfg.Tokens, store: cfg.Store, now: cfg.Now, metrics: newMetrics(),
		views: newViews(cfg.Runners), replays: newReplays(), readWait: cfg.ReadWait, maxLag: cfg.MaxLag, signer: cfg.Signer, stopping: cfg.Stopping}
	if s.now == nil {
		s.now = time.Now
	}
	if s.readWait <= 0 {
		s.readWait = defaultReadWait
	}
	if s.maxLag == 0 {
		s.maxLag = defaultMaxLag
	}
	return s.routes()
}

type server struct {
	log      *slog.Logger
	version  string
	tokens   *Tokens
	store    eventstore.Store
	now      func() time.Time
	metrics  *metrics
	views    *views
	replays  *replays
	readWait time.Duration
	maxLag   uint64
	signer   note.Signer
	stopping <-chan struct{}
}

func (s *server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.observe, middleware.Recoverer)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/metrics", s.serveMetrics)
	r.Get("/openapi.json", s.openAPI)
	r.Route("/v1", func(r chi.Router) {
		r.Use(s.authenticate)
		r.Get("/events", s.listEvents)
		r.Get("/events/stream", s.streamEvents)
		for _, rt := range s.resourceRoutes() {
			r.With(s.allow(rt)).Method(rt.method, rt.path, rt.handler)
		}
		for _, q := range s.queryRoutes() {
			r.With(s.allow(route{method: http.MethodGet, path: q.path, roles: q.roles})).Get(q.path, q.handler)
		}
	})
	return r
}

type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// healthz reports that the process is up and serving. It checks nothing
// else: readiness is /readyz's job.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, healthResponse{Status: "ok", Version: s.version})
}

// writeJSON sends v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a broken connection has no one left to tell
}
