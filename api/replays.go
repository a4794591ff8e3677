package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections/whatif"
)

// Replay job states.
const (
	replayQueued    = "queued"
	replayRunning   = "running"
	replayDone      = "done"
	replayFailed    = "failed"
	replayCancelled = "cancelled"
)

// keptReplays bounds the finished replays the server keeps; the oldest
// finished one is dropped first. A report is deterministic, so a dropped
// one is run again with the same inputs.
const keptReplays = 16

// replayRoutes are HR's what-if replays: run one in the background, follow
// it, cancel it, read its report, and publish it as events.
func (s *server) replayRoutes() []route {
	hr := []Role{RoleHR}
	post, get := http.MethodPost, http.MethodGet
	return []route{
		{method: post, path: "/replays", summary: "Start a what-if replay of the log with substitutions; it runs in the background", roles: hr, body: replayRequest{}, handler: s.startReplay},
		{method: get, path: "/replays", summary: "The replays this server holds, newest first, without their reports", roles: hr, handler: s.listReplays},
		{method: get, path: "/replays/{id}", summary: "A replay's state and progress and, once done, its report (?format=json|csv|xlsx)", roles: hr, handler: s.getReplay},
		{method: post, path: "/replays/{id}/cancel", summary: "Cancel a queued or running replay", roles: hr, body: empty{}, handler: s.cancelReplay},
		{method: post, path: "/replays/{id}/publish", summary: "Publish a finished replay: its changes become events naming it", roles: hr, body: empty{}, handler: s.publishReplay},
	}
}

// replayRequest is what HR asks to replay. At is where the replay stops: a
// log position, or a date (YYYY-MM-DD) meaning the end of that day; empty
// means the head of the log when the replay starts.
type replayRequest struct {
	Indicators []replay.IndicatorRevision `json:"indicators,omitempty"`
	Policy     string                     `json:"rating_policy,omitempty"`
	Quotas     string                     `json:"quota_policy,omitempty"`
	Scope      replay.Scope               `json:"scope,omitzero"`
	At         string                     `json:"at,omitempty"`
}

// replayView is a replay as the API shows it.
type replayView struct {
	ID            uuid.UUID            `json:"replay_id"`
	Status        string               `json:"status"`
	Substitutions replay.Substitutions `json:"substitutions"`
	At            string               `json:"at,omitempty"`
	RequestedBy   domain.NIP           `json:"requested_by"`
	Requested     time.Time            `json:"requested_at"`
	Finished      *time.Time           `json:"finished_at,omitempty"`
	Progress      replayProgress       `json:"progress"`
	Error         string               `json:"error,omitempty"`
	Digest        string               `json:"digest,omitempty"`
	Publication   *whatif.Publication  `json:"publication,omitempty"`
	Report        json.RawMessage      `json:"report,omitempty"`
}

type replayProgress struct {
	Done  uint64 `json:"events_done"`
	Total uint64 `json:"events_total"`
}

// replayJob is one replay the server runs or ran.
type replayJob struct {
	id        uuid.UUID
	subs      replay.Substitutions
	at        string
	by        domain.NIP
	requested time.Time
	cancel    context.CancelFunc

	mu          sync.Mutex
	status      string
	progress    replayProgress
	finished    *time.Time
	err         error
	report      *whatif.Report
	body        []byte // the report's JSON, with its digest
	publication *whatif.Publication
	publishing  bool
}

func (j *replayJob) view(withReport bool) replayView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := replayView{ID: j.id, Status: j.status, Substitutions: j.subs, At: j.at, RequestedBy: j.by, Requested: j.requested,
		Finished: j.finished, Progress: j.progress, Publication: j.publication}
	if j.err != nil {
		v.Error = errorText(j.err)
	}
	if j.report != nil {
		v.Digest = j.report.Digest
		if withReport {
			v.Report = j.body
		}
	}
	return v
}

// errorText is what a replay's failure says to HR: a domain error's
// message, or a generic line for anything else (which is logged).
func errorText(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Kind != domain.Internal {
		return de.Message
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return "the replay failed on our side; run it again, and quote the replay id when reporting it"
}

// replays holds the server's replay jobs and runs them one at a time: a
// replay of a large year takes the machine's memory and cores, and a second
// one waits in the queue.
type replays struct {
	mu   sync.Mutex
	jobs map[uuid.UUID]*replayJob
	run  chan struct{} // a token per running replay
}

func newReplays() *replays {
	return &replays{jobs: map[uuid.UUID]*replayJob{}, run: make(chan struct{}, 1)}
}

func (rs *replays) get(id uuid.UUID) (*replayJob, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	j, ok := rs.jobs[id]
	return j, ok
}

// add registers j, unless a job with its id exists (a retried request with
// the same Idempotency-Key): then it returns that one. It drops the oldest
// finished jobs beyond keptReplays.
func (rs *replays) add(j *replayJob) (*replayJob, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if old, ok := rs.jobs[j.id]; ok {
		return old, false
	}
	rs.jobs[j.id] = j
	var finished []*replayJob
	for _, o := range rs.jobs {
		o.mu.Lock()
		if o.finished != nil && !o.publishing {
			finished = append(finished, o)
		}
		o.mu.Unlock()
	}
	if extra := len(finished) - keptReplays; extra > 0 {
		slices.SortFunc(finished, func(a, b *replayJob) int { return a.requested.Compare(b.requested) })
		for _, o := range finished[:extra] {
			delete(rs.jobs, o.id)
		}
	}
	return j, true
}

func (rs *replays) list() []*replayJob {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]*replayJob, 0, len(rs.jobs))
	for _, j := range rs.jobs {
		out = append(out, j)
	}
	slices.SortFunc(out, func(a, b *replayJob) int {
		if c := b.requested.Compare(a.requested); c != 0 {
			return c
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	return out
}

// replayNamespace names replay ids derived from an Idempotency-Key.
var replayNamespace = uuid.MustParse("6f1d5c1e-8f2a-4d8e-9a57-2f0a4b7c9e11")

// startReplay validates the inputs, queues the replay and answers 202 with
// its location. The inputs are checked before anything runs: bad input is
// a problem naming the field, and no replay is started.
func (s *server) startReplay(w http.ResponseWriter, r *http.Request) {
	req, err := decode[replayRequest](w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	subs := replay.Substitutions{Indicators: req.Indicators, Policy: req.Policy, Quotas: req.Quotas, Scope: req.Scope}
	if err := subs.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	until, err := whatif.ResolveAt(r.Context(), s.store, req.At)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	id := uuid.New()
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		id = uuid.NewSHA1(replayNamespace, []byte(string(c.NIP)+"\x00"+key))
	}
	// The replay outlives the request: it keeps the request's values (the
	// logger's request id) but not its cancellation, and ends when it is
	// cancelled or the server stops.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	j := &replayJob{id: id, subs: subs, at: req.At, by: c.NIP, requested: s.now().UTC(), cancel: cancel, status: replayQueued}
	j, fresh := s.replays.add(j)
	if fresh {
		go s.runReplay(ctx, j, until)
	} else {
		cancel()
	}
	w.Header().Set("Location", "/v1/replays/"+j.id.String())
	writeJSON(w, http.StatusAccepted, j.view(false))
}

// runReplay waits for its turn, runs the replay and records the outcome.
func (s *server) runReplay(ctx context.Context, j *replayJob, until eventstore.Position) {
	defer j.cancel()
	if s.stopping != nil {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-s.stopping:
				j.cancel()
			case <-stop:
			}
		}()
	}
	finish := func(status string, err error, rep *whatif.Report, body []byte) {
		j.mu.Lock()
		defer j.mu.Unlock()
		now := s.now().UTC()
		j.status, j.err, j.report, j.body, j.finished = status, err, rep, body, &now
	}
	select {
	case s.replays.run <- struct{}{}:
		defer func() { <-s.replays.run }()
	case <-ctx.Done():
		finish(replayCancelled, ctx.Err(), nil, nil)
		return
	}
	j.mu.Lock()
	j.status = replayRunning
	j.mu.Unlock()
	rep, err := whatif.Run(ctx, s.store, until, j.subs, func(done, total uint64) {
		j.mu.Lock()
		j.progress = replayProgress{Done: done, Total: total}
		j.mu.Unlock()
	})
	var body []byte
	if err == nil {
		body, err = rep.JSON()
	}
	switch {
	case err == nil:
		finish(replayDone, nil, rep, body)
	case ctx.Err() != nil:
		finish(replayCancelled, ctx.Err(), nil, nil)
	default:
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind == domain.Internal {
			s.log.ErrorContext(ctx, "replay failed", "replay_id", j.id, "err", err)
		}
		finish(replayFailed, err, nil, nil)
	}
}

type replayList struct {
	Replays []replayView `json:"replays"`
}

func (s *server) listReplays(w http.ResponseWriter, r *http.Request) {
	out := replayList{Replays: []replayView{}}
	for _, j := range s.replays.list() {
		out.Replays = append(out.Replays, j.view(false))
	}
	writeJSON(w, http.StatusOK, out)
}

// job returns the replay the path names, or writes a problem.
func (s *server) job(w http.ResponseWriter, r *http.Request) (*replayJob, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, domain.Errorf(domain.Invalid, "%q is not a replay id", chi.URLParam(r, "id")).WithField("id"))
		return nil, false
	}
	j, ok := s.replays.get(id)
	if !ok {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "this server holds no replay %s (it keeps the last %d finished ones, and none across a restart); start it again: the same inputs give the same report", id, keptReplays).WithRule("replay-unknown"))
		return nil, false
	}
	return j, true
}

// getReplay answers the replay's state; once done, with its report as JSON
// inside the state, or as the report alone in CSV or XLSX.
func (s *server) getReplay(w http.ResponseWriter, r *http.Request) {
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json":
		writeJSON(w, http.StatusOK, j.view(true))
		return
	case "csv", "xlsx":
	default:
		s.writeError(w, r, domain.Errorf(domain.Invalid, "format %q: ask for json, csv or xlsx", format).WithField("format"))
		return
	}
	j.mu.Lock()
	rep, status := j.report, j.status
	j.mu.Unlock()
	if rep == nil {
		s.writeError(w, r, domain.Errorf(domain.Conflict, "replay %s is %s; its report exists once it is done", j.id, status).WithRule("replay-not-done"))
		return
	}
	var buf bytes.Buffer
	var err error
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = rep.WriteCSV(&buf)
	} else {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = rep.WriteXLSX(&buf)
	}
	if err != nil {
		w.Header().Del("Content-Type")
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="replay-`+j.id.String()+"."+format+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes()) // the status is sent; a broken connection has no one left to tell
}

func (s *server) cancelReplay(w http.ResponseWriter, r *http.Request) {
	if _, err := decodeOptional[empty](w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	j.mu.Lock()
	status := j.status
	j.mu.Unlock()
	if status != replayQueued && status != replayRunning {
		s.writeError(w, r, domain.Errorf(domain.Conflict, "replay %s is %s already; only a queued or running replay is cancelled", j.id, status).WithRule("replay-finished"))
		return
	}
	j.cancel()
	writeJSON(w, http.StatusAccepted, j.view(false))
}

// publishReplay publishes a finished replay. Publishing it again answers
// the first publication and appends nothing.
func (s *server) publishReplay(w http.ResponseWriter, r *http.Request) {
	if _, err := decodeOptional[empty](w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	j, ok := s.job(w, r)
	if !ok {
		return
	}
	j.mu.Lock()
	rep, status, busy := j.report, j.status, j.publishing
	if rep != nil && !busy {
		j.publishing = true
	}
	j.mu.Unlock()
	switch {
	case rep == nil:
		s.writeError(w, r, domain.Errorf(domain.Conflict, "replay %s is %s; only a finished replay is published", j.id, status).WithRule("replay-not-done"))
		return
	case busy:
		s.writeError(w, r, domain.Errorf(domain.Conflict, "replay %s is being published; ask again when that answers", j.id).WithRule("replay-publishing"))
		return
	}
	c := callerFrom(r.Context())
	pub, err := whatif.Publish(r.Context(), s.store, rep, j.id, eventstore.Actor{ID: string(c.NIP), Role: string(roleFrom(r.Context()))}, s.now().UTC())
	j.mu.Lock()
	j.publishing = false
	if err == nil {
		j.publication = &pub
	}
	j.mu.Unlock()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pub)
}
