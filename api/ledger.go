package api

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// ledgerRoutes are the auditor's endpoints: signed checkpoints of the Merkle
// log, inclusion and consistency proofs, and an evaluation's offline proof
// bundle. They need a backend that keeps the Merkle log (embedded or
// PostgreSQL).
func (s *server) ledgerRoutes() []route {
	readers := []Role{RoleAuditor, RoleHR, RoleAdmin}
	get := http.MethodGet
	return []route{
		{method: get, path: "/ledger/checkpoints", summary: "Every signed checkpoint of the ledger, oldest first", roles: readers, handler: s.listCheckpoints},
		{method: http.MethodPost, path: "/ledger/checkpoints", summary: "Sign a checkpoint of the whole ledger now", roles: []Role{RoleAdmin, RoleHR}, body: empty{}, handler: s.signCheckpoint},
		{method: get, path: "/ledger/checkpoints/latest", summary: "The latest signed checkpoint", roles: readers, handler: s.latestCheckpoint},
		{method: get, path: "/ledger/proofs/inclusion", summary: "Inclusion proof of the event at position in the tree of size events", roles: readers, handler: s.inclusionProof},
		{method: get, path: "/ledger/proofs/consistency", summary: "Consistency proof between the trees of from and to events", roles: readers, handler: s.consistencyProof},
		{method: get, path: "/evaluations/{id}/proof", summary: "Offline proof bundle of an evaluation, checked with `kinerja verify-bundle`", roles: []Role{RoleAuditor}, handler: s.evaluationProof},
	}
}

// merkleLog returns the store as a proof.Log, or a problem for a backend
// that keeps no Merkle log.
func (s *server) merkleLog() (proof.Log, error) {
	l, ok := s.store.(proof.Log)
	if !ok {
		return nil, domain.Errorf(domain.NotFound, "this ledger's backend keeps no Merkle log, so it has no checkpoints or proofs").WithRule("no-merkle-log")
	}
	return l, nil
}

type checkpointsResponse struct {
	Checkpoints []proof.Checkpoint `json:"checkpoints"`
}

func (s *server) listCheckpoints(w http.ResponseWriter, r *http.Request) {
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cps, err := proof.List(r.Context(), l)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cps == nil {
		cps = []proof.Checkpoint{}
	}
	writeJSON(w, http.StatusOK, checkpointsResponse{Checkpoints: cps})
}

// signCheckpoint signs a checkpoint covering the whole ledger now, unless
// nothing but the previous checkpoint was written since (then that one is
// the answer).
func (s *server) signCheckpoint(w http.ResponseWriter, r *http.Request) {
	if _, err := decodeOptional[empty](w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ledger, ok := l.(proof.Ledger)
	if !ok || s.signer == nil {
		s.writeError(w, r, domain.Errorf(domain.NotFound, "this server has no checkpoint signer key; make one with kinerja keygen and restart").WithRule("no-signer-key"))
		return
	}
	cp, created, err := proof.Sign(r.Context(), ledger, s.signer, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, cp)
}

func (s *server) latestCheckpoint(w http.ResponseWriter, r *http.Request) {
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cp, err := proof.Latest(r.Context(), l)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

func (s *server) inclusionProof(w http.ResponseWriter, r *http.Request) {
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pos, err := intParam(r, "position")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size, err := intParam(r, "size")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := proof.ProveInclusion(r.Context(), l, uint64(pos), size)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *server) consistencyProof(w http.ResponseWriter, r *http.Request) {
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := intParam(r, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := intParam(r, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := proof.ProveConsistency(r.Context(), l, from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// evaluationProof answers the evaluation's bundle against the latest signed
// checkpoint, encoded exactly as `kinerja verify-bundle` expects.
func (s *server) evaluationProof(w http.ResponseWriter, r *http.Request) {
	l, err := s.merkleLog()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, domain.Errorf(domain.Invalid, "evaluation id must be a UUID").WithField("id"))
		return
	}
	cp, err := proof.Latest(r.Context(), l)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := proof.ExportBundle(r.Context(), l, cp, evaluation.Stream(id))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := b.Encode()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="evaluation-`+id.String()+`.proof.json"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // the status is sent; a broken connection has no one left to tell
}

// intParam reads a required positive whole-number query parameter.
func intParam(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, domain.Errorf(domain.Invalid, "%s must be a whole number of at least 1, got %q", name, v).WithField(name)
	}
	return n, nil
}
