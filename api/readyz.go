package api

import (
	"fmt"
	"net/http"
	"strings"
)

// defaultMaxLag is how far, in events, a projection may trail the head of
// the log and still count as ready.
const defaultMaxLag = 1000

// projectionStatus is one projection in the /readyz answer.
type projectionStatus struct {
	Name     string `json:"name"`
	Version  int    `json:"version"`
	Position string `json:"position"`
	Lag      uint64 `json:"lag_events"`
	Error    string `json:"error,omitempty"`
}

type readyResponse struct {
	Status      string             `json:"status"`
	Projections []projectionStatus `json:"projections"`
}

// projectionStatuses measures every runner's lag behind the head of the log,
// sets the lag gauge, and returns the statuses with the names of the
// projections that are not ready: more than s.maxLag events behind, or
// recovering from a failure.
func (s *server) projectionStatuses(r *http.Request) (statuses []projectionStatus, lagging []string, err error) {
	for _, run := range s.views.all {
		p := run.Projection()
		lag, err := run.Lag(r.Context())
		if err != nil {
			return nil, nil, fmt.Errorf("readiness: %w", err)
		}
		s.metrics.lag.WithLabelValues(p.Name()).Set(float64(lag))
		st := projectionStatus{Name: p.Name(), Version: p.Version(), Position: run.Position().String(), Lag: lag}
		if e := run.Err(); e != nil {
			st.Error = e.Error()
			lagging = append(lagging, p.Name()+" (failing: "+e.Error()+")")
		} else if lag > s.maxLag {
			lagging = append(lagging, fmt.Sprintf("%s (%d events behind)", p.Name(), lag))
		}
		statuses = append(statuses, st)
	}
	return statuses, lagging, nil
}

// readyz answers 200 when every projection is within s.maxLag events of the
// head of the log and not failing, and 503 problem+json naming the ones that
// are not otherwise. A server with no projections running is not ready:
// its queries cannot be answered.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if len(s.views.all) == 0 {
		writeStatusProblem(w, r, http.StatusServiceUnavailable, "not-ready", "No read models are running on this server.")
		return
	}
	statuses, lagging, err := s.projectionStatuses(r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "readiness check failed", "err", err)
		writeStatusProblem(w, r, http.StatusServiceUnavailable, "not-ready", "The log head cannot be read, so readiness is unknown.")
		return
	}
	if len(lagging) > 0 {
		writeStatusProblem(w, r, http.StatusServiceUnavailable, "projection-lag",
			fmt.Sprintf("Not ready: %s; a projection counts as ready within %d events of the log head.", strings.Join(lagging, ", "), s.maxLag))
		return
	}
	writeJSON(w, http.StatusOK, readyResponse{Status: "ready", Projections: statuses})
}

// serveMetrics refreshes the projection lag gauge, then serves the
// registry. A lag that cannot be measured leaves the gauge as it was.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.projectionStatuses(r); err != nil {
		s.log.WarnContext(r.Context(), "projection lag not measured", "err", err)
	}
	s.metrics.handler().ServeHTTP(w, r)
}
