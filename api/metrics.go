package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series. Each server has its own
// registry, so tests and several servers in one process do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// lag is each projection's distance from the head of the log, set
	// whenever /readyz or /metrics is asked.
	lag *prometheus.GaugeVec
	// commands times each command from loading its stream to the durable
	// append, by stream category and outcome.
	commands *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinerja_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kinerja_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	m.lag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kinerja_projection_lag_events",
		Help: "Events between the head of the log and the position a projection reflects.",
	}, []string{"projection"})
	m.commands = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kinerja_command_duration_seconds",
		Help:    "Time from loading a command's stream to its events being durably appended, by stream category and outcome (ok, or the error kind).",
		Buckets: prometheus.DefBuckets,
	}, []string{"category", "outcome"})
	m.registry.MustRegister(m.requests, m.latency, m.lag, m.commands, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observe records every request's route, status and duration, and logs it
// with its request id. Routes are patterns (/v1/skps/{id}), never raw paths,
// so the series do not grow with every id.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := routePattern(r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		method := metricMethod(r.Method)
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
		s.log.InfoContext(r.Context(), "request", "request_id", middleware.GetReqID(r.Context()), "method", r.Method,
			"route", route, "status", status, "bytes", ww.BytesWritten(), "duration_ms", elapsed.Milliseconds())
	})
}

// metricMethod keeps the method label to the methods HTTP defines, so a
// client inventing methods cannot grow the series without bound.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}
