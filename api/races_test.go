package api

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
)

// interleavingStore is an event store that runs a hook once, just before
// an append, so that a test can commit a competing command between the
// moment a command decided and the moment it appends.
type interleavingStore struct {
	eventstore.Store
	mu   sync.Mutex
	skip string // the hook waits for an append to another stream
	hook func()
}

// beforeNextAppend arms fn to run once, before the next append.
func (s *interleavingStore) beforeNextAppend(fn func()) { s.beforeNextAppendNotTo("", fn) }

// beforeNextAppendNotTo arms fn to run once, before the next append to a
// stream other than skip.
func (s *interleavingStore) beforeNextAppendNotTo(skip string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skip, s.hook = skip, fn
}

func (s *interleavingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	s.mu.Lock()
	hook := s.hook
	if stream == s.skip {
		hook = nil
	} else {
		s.hook = nil
	}
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

func newInterleavingFixture(t *testing.T) (*apiFixture, *interleavingStore) {
	t.Helper()
	inner, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	store := &interleavingStore{Store: inner}
	return newAPIFixtureOn(t, store, day(2026, 1, 2)), store
}

// TestFinalizeRacesARevision: a revision of the bidang's predicate that
// commits after Ani's finalisation was decided on the old predicate's check
// (and before it is appended) leaves Ani's evaluation open: the
// finalisation is decided again on the revised assessment, whose check no
// longer counts her.
func TestFinalizeRacesARevision(t *testing.T) {
	f, store := newInterleavingFixture(t)
	h := newHeadCurveOn(t, f)
	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/distribution-check", nil)

	var revision reply
	store.beforeNextAppend(func() {
		revision = f.call(t, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/revision", map[string]any{"predicate": "ISTIMEWA", "reason": "rekomendasi inspektorat"})
	})
	final := f.call(t, kabid, "POST", "/v1/evaluations/"+h.evals[ani.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	if revision.status != http.StatusOK {
		t.Fatalf("the competing revision was answered %d: %s", revision.status, revision.body)
	}
	refused(t, final, http.StatusBadRequest, "predicate", evaluation.RuleDistribution)
	if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+h.evals[ani.NIP], nil).str(t, "state.stage"); got != string(evaluation.StageOpen) {
		t.Errorf("Ani's evaluation is %s after a finalisation decided on a revised predicate, want OPEN", got)
	}
	if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/units/"+h.o.bidang+"/assessments/2026", nil).str(t, "state.current_predicate"); got != "ISTIMEWA" {
		t.Errorf("the bidang's predicate is %s, want the revised ISTIMEWA", got)
	}
}

// TestRevisionRacesAFinalize: a finalisation that commits after a revision
// of the bidang's predicate was decided (and before it is appended) makes
// the revision refused: the finalised evaluation's predicate was checked
// under the predicate the revision would change.
func TestRevisionRacesAFinalize(t *testing.T) {
	f, store := newInterleavingFixture(t)
	h := newHeadCurveOn(t, f)
	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/distribution-check", nil)

	var final reply
	store.beforeNextAppend(func() {
		final = f.call(t, kabid, "POST", "/v1/evaluations/"+h.evals[ani.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	})
	revision := f.call(t, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/revision", map[string]any{"predicate": "ISTIMEWA", "reason": "rekomendasi inspektorat"})
	if final.status != http.StatusOK {
		t.Fatalf("the competing finalisation was answered %d: %s", final.status, final.body)
	}
	refused(t, revision, http.StatusBadRequest, "predicate", evaluation.RuleFinal)
	if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/units/"+h.o.bidang+"/assessments/2026", nil).str(t, "state.current_predicate"); got != "BAIK" {
		t.Errorf("the bidang's predicate is %s after Ani was finalised under BAIK, want BAIK", got)
	}
}

// TestHeadFinalizeRacesARevisionOfTheirUnit: the Kabid's finalisation
// depends on the bidang's predicate too, which gave their work-result
// rating (§8.16). A revision of it that commits after the finalisation was
// decided on the dinas's check (and before the bidang records it) makes the
// finalisation decided again, and refused: the rating no longer matches.
func TestHeadFinalizeRacesARevisionOfTheirUnit(t *testing.T) {
	f, store := newInterleavingFixture(t)
	h := newHeadCurveOn(t, f)
	f.clock.Set(day(2027, 1, 8))
	f.must(t, http.StatusOK, kadis, "POST", "/v1/units/"+h.o.dinas+"/assessments/2026/distribution-check", nil)
	f.must(t, http.StatusOK, sekda, "POST", "/v1/units/"+h.o.dinas+"/assessments/2026/override", map[string]any{"justification": "satu kepala bidang"})

	// The revision of the bidang's predicate goes in after the finalisation
	// is recorded in the dinas's assessment, before anything else is.
	var revision reply
	store.beforeNextAppendNotTo(evaluation.UnitStream(assessmentID(uuid.MustParse(h.o.dinas), "2026")), func() {
		revision = f.call(t, kadis, "POST", "/v1/units/"+h.o.bidang+"/assessments/2026/revision", map[string]any{"predicate": "ISTIMEWA", "reason": "rekomendasi inspektorat"})
	})
	final := f.call(t, kadis, "POST", "/v1/evaluations/"+h.evals[kabid.NIP]+"/finalize", map[string]any{"signature_ref": "ttd-el"})
	if revision.status != http.StatusOK {
		t.Fatalf("the competing revision was answered %d: %s", revision.status, revision.body)
	}
	refused(t, final, http.StatusBadRequest, "", evaluation.RuleHeadRating)
	if got := f.must(t, http.StatusOK, auditor, "GET", "/v1/evaluations/"+h.evals[kabid.NIP], nil).str(t, "state.stage"); got != string(evaluation.StageOpen) {
		t.Errorf("the Kabid's evaluation is %s, finalised with a rating from the bidang's old predicate; want OPEN", got)
	}
}

// TestConcurrentDraftsOfOneEmployee: a second SKP draft of Ani for an
// overlapping period, committed after her first draft was decided (and
// before it is appended), leaves only one of the two: the first is decided
// again, sees the second's period reserved, and is refused (§8.5).
func TestConcurrentDraftsOfOneEmployee(t *testing.T) {
	f, store := newInterleavingFixture(t)
	seedOrg(t, f)
	var second reply
	store.beforeNextAppend(func() {
		second = f.call(t, ani, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-07-01", "period_end": "2026-12-31"})
	})
	first := f.call(t, ani, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-12-31"})
	if second.status != http.StatusCreated {
		t.Fatalf("the competing draft was answered %d: %s", second.status, second.body)
	}
	refused(t, first, http.StatusBadRequest, "period_start", skp.RuleOverlap)
	// Only the second draft exists: the first left no SKP behind.
	if got := f.call(t, ani, "GET", "/v1/skps/"+second.str(t, "id"), nil).status; got != http.StatusOK {
		t.Errorf("the second draft reads %d, want 200", got)
	}
	var drafted int
	recs, err := f.store.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if rec.Type == (skp.Drafted{}).EventType() && strings.Contains(string(rec.Data), string(ani.NIP)) {
			drafted++
		}
	}
	if drafted != 1 {
		t.Errorf("the log holds %d SKP drafts of Ani, want 1", drafted)
	}
	// A draft for the first half-year does not overlap the second's period;
	// once the second SKP is closed, its reservation no longer blocks.
	f.must(t, http.StatusCreated, ani, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-06-30"})
	refused(t, f.call(t, ani, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-10-01", "period_end": "2026-12-31"}), http.StatusBadRequest, "period_start", skp.RuleOverlap)
	f.must(t, http.StatusOK, kabid, "POST", "/v1/skps/"+second.str(t, "id")+"/close", map[string]any{"reason": "POSITION_CHANGE"})
	f.must(t, http.StatusCreated, ani, "POST", "/v1/skps", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-10-01", "period_end": "2026-12-31"})
}
