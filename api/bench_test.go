package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

// BenchmarkDailyLogOverHTTP measures one command through the whole stack
// on the embedded store: token check, decode, the load of the SKP (the
// fact) and of its execution record, decide, append. The record grows by
// one event per iteration, so later iterations replay more.
func BenchmarkDailyLogOverHTTP(b *testing.B) {
	f := newAPIFixture(b, day(2026, 1, 2))
	seedOrg(b, f)
	plans := seedPlans(b, f)
	path := "/v1/skps/" + plans[ani.NIP].id + "/daily-logs"
	body := map[string]any{"date": "2026-01-05", "description": "verifikasi berkas", "minutes": 30}
	for b.Loop() {
		f.must(b, http.StatusOK, ani, "POST", path, body)
	}
}

// BenchmarkReadEvaluationOverHTTP measures the read of an aggregate from
// its stream, with the authorisation that loads nothing more.
func BenchmarkReadEvaluationOverHTTP(b *testing.B) {
	f := newAPIFixture(b, day(2026, 1, 2))
	o := seedOrg(b, f)
	plans := seedPlans(b, f)
	ev := f.must(b, http.StatusCreated, kabid, "POST", "/v1/evaluations", map[string]any{"skp_id": plans[ani.NIP].id, "unit_id": o.bidang, "period_id": "2026"}).str(b, "id")
	for b.Loop() {
		f.must(b, http.StatusOK, ani, "GET", "/v1/evaluations/"+ev, nil)
	}
}

// BenchmarkDraftSKPOverLargeLog measures drafting an SKP when the log holds
// 50,000 other events: the draft finds the employee's open SKPs by scanning
// the log (see index.go), which is the cost the plan read model will remove.
// Each iteration's draft overlaps the first and is refused by the domain,
// after the same loads and the same scan as an accepted one.
func BenchmarkDraftSKPOverLargeLog(b *testing.B) {
	f := newAPIFixture(b, day(2026, 1, 2))
	seedOrg(b, f)
	for i := range 50 {
		batch := make([]eventstore.EventData, 1000)
		for k := range batch {
			batch[k] = eventstore.EventData{ID: uuid.New(), Type: "metric.observed", Data: json.RawMessage(`{"value":1}`)}
		}
		if _, err := f.store.Append(b.Context(), fmt.Sprintf("metric-%d", i), eventstore.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
	}
	body := map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-12-31"}
	f.must(b, http.StatusCreated, ani, "POST", "/v1/skps", body)
	for b.Loop() {
		f.must(b, http.StatusBadRequest, ani, "POST", "/v1/skps", body)
	}
}
