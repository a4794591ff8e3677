package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/whatif"
)

var (
	rIKI  = uuid.MustParse("00000000-0000-0000-0000-0000000000c9")
	rReal = uuid.MustParse("00000000-0000-0000-0000-0000000000ca")
)

// replayHistory is queryHistory plus a second IKI on Budi's SKP that
// measures the catalogue indicator, lower is better against 8, with 6
// realised for the year: 125% (mean 125, DI_ATAS recommended) where his
// evaluator decided SESUAI.
func replayHistory(h *history) {
	queryHistory(h)
	h.add(skp.Stream(qSKPB), budi.NIP, "employee", skp.IKIAdded{IKI: skp.IKI{ID: rIKI, RHK: qRHKB, Text: "Waktu layanan izin", Aspect: indicator.Time,
		Direction: indicator.LowerIsBetter, Target: indicator.Target{Value: 8}, Unit: "hari", Indicator: &qInd, Version: 1, ValidFrom: qJan1}, At: qAt})
	h.add(execution.Stream(qSKPB), budi.NIP, "employee", execution.RealisationReported{Realisation: rReal, IKI: rIKI, RHK: qRHKB,
		Period: execution.PeriodRef{ID: qPeriod.ID, Start: qPeriod.Start, End: qPeriod.End}, Value: 6, Narrative: "rata-rata 6 hari", By: budi.NIP, At: qAt})
}

func newReplayFixture(t *testing.T) *apiFixture {
	t.Helper()
	f, _ := newHistoryFixture(t, replayHistory)
	return f
}

// awaitReplay polls a replay until it has finished and returns its view.
func awaitReplay(t *testing.T, f *apiFixture, location string) replayView {
	t.Helper()
	for range 500 {
		v := decodeInto[replayView](t, f.must(t, http.StatusOK, hrStaff, "GET", location, nil))
		if v.Finished != nil {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("replay %s did not finish", location)
	return replayView{}
}

var revision = map[string]any{"indicators": []map[string]any{{"code": "izin-tepat-waktu", "direction": "HIGHER_IS_BETTER", "valid_from": "2026-01-01T00:00:00Z"}}}

// TestReplayOverHTTP: HR starts a replay, follows it to its report (JSON,
// CSV, XLSX) and publishes it; the evaluator then finds the recommendation
// in their inbox, and publishing again appends nothing.
func TestReplayOverHTTP(t *testing.T) {
	f := newReplayFixture(t)

	refused(t, f.call(t, budi, "POST", "/v1/replays", revision), http.StatusForbidden, "", "")
	refused(t, f.call(t, auditor, "POST", "/v1/replays", revision), http.StatusForbidden, "", "")
	refused(t, f.call(t, hrStaff, "POST", "/v1/replays", map[string]any{"indicators": []map[string]any{{"code": "izin-tepat-waktu", "direction": "HIGHER_IS_BETTER"}}}),
		http.StatusBadRequest, "valid_from", indicator.RuleValidFrom)
	refused(t, f.call(t, hrStaff, "POST", "/v1/replays", map[string]any{"rating_policy": "permenpanrb-9-2099"}), http.StatusNotFound, "rating_policy", replay.RulePolicyKnown)
	refused(t, f.call(t, hrStaff, "POST", "/v1/replays", map[string]any{"quota_policy": "pp-30-2019", "at": "kemarin"}), http.StatusBadRequest, "at", "")
	refused(t, f.call(t, hrStaff, "POST", "/v1/replays", map[string]any{"quota_policy": "pp-30-2019", "scope": map[string]any{"year": 26}}), http.StatusBadRequest, "year", replay.RuleSubstitution)
	if got := decodeInto[replayList](t, f.must(t, http.StatusOK, hrStaff, "GET", "/v1/replays", nil)); len(got.Replays) != 0 {
		t.Fatalf("refused requests started replays: %+v", got.Replays)
	}

	started := f.must(t, http.StatusAccepted, hrStaff, "POST", "/v1/replays", revision, "Idempotency-Key", "revisi-izin")
	location := started.header.Get("Location")
	first := decodeInto[replayView](t, started)
	if location != "/v1/replays/"+first.ID.String() || first.RequestedBy != hrStaff.NIP {
		t.Fatalf("started %+v at %q", first, location)
	}
	if again := decodeInto[replayView](t, f.must(t, http.StatusAccepted, hrStaff, "POST", "/v1/replays", revision, "Idempotency-Key", "revisi-izin")); again.ID != first.ID {
		t.Errorf("a retried start with the same Idempotency-Key started replay %s, want %s", again.ID, first.ID)
	}
	refused(t, f.call(t, budi, "GET", location, nil), http.StatusForbidden, "", "")

	done := awaitReplay(t, f, location)
	if done.Status != replayDone || done.Digest == "" || done.Progress.Done == 0 || done.Progress.Done != done.Progress.Total {
		t.Fatalf("finished replay = %+v, want done with a digest and full progress", done)
	}
	var rep whatif.Report
	if err := json.Unmarshal(done.Report, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Digest != done.Digest || rep.Summary.PeopleChanged != 1 || len(rep.Evaluations) != 1 || rep.Evaluations[0].Employee != budi.NIP {
		t.Fatalf("report = %+v, want Budi alone, digest %s", rep.Summary, done.Digest)
	}
	if w := rep.Evaluations[0].WorkResult; w.RecommendedBefore != "DI_ATAS_EKSPEKTASI" || w.RecommendedAfter != "DI_BAWAH_EKSPEKTASI" || w.Decided != "SESUAI_EKSPEKTASI" {
		t.Errorf("Budi's work result = %+v, want DI_ATAS to DI_BAWAH recommended against his decided SESUAI", w)
	}

	csvReply := f.must(t, http.StatusOK, hrStaff, "GET", location+"?format=csv", nil)
	rows, err := csv.NewReader(bytes.NewReader(csvReply.body)).ReadAll()
	if err != nil || csvReply.header.Get("Content-Type") != "text/csv; charset=utf-8" || rows[len(rows)-1][8] != done.Digest {
		t.Errorf("CSV report (%v, %s): last row %q, want the digest %s", err, csvReply.header.Get("Content-Type"), rows[len(rows)-1], done.Digest)
	}
	book, err := excelize.OpenReader(bytes.NewReader(f.must(t, http.StatusOK, hrStaff, "GET", location+"?format=xlsx", nil).body))
	if err != nil {
		t.Fatalf("XLSX report: %v", err)
	}
	sheet, err := book.GetRows("Changes")
	if err != nil || len(sheet) != len(rows) {
		t.Errorf("XLSX Changes sheet has %d rows (%v), want the CSV's %d", len(sheet), err, len(rows))
	}
	book.Close()
	refused(t, f.call(t, hrStaff, "GET", location+"?format=pdf", nil), http.StatusBadRequest, "format", "")
	refused(t, f.call(t, hrStaff, "POST", location+"/cancel", nil), http.StatusConflict, "", "replay-finished")

	refused(t, f.call(t, kabid, "POST", location+"/publish", nil), http.StatusForbidden, "", "")
	pub := decodeInto[whatif.Publication](t, f.must(t, http.StatusOK, hrStaff, "POST", location+"/publish", nil))
	if want := (replay.Changes{Achievements: 1, Recommendations: 1}); pub.Already || pub.Changes != want || pub.Digest != done.Digest {
		t.Fatalf("publication = %+v, want %+v", pub, want)
	}
	head := f.head(t)
	if head.String() != pub.Position {
		t.Errorf("the publication ends at %s, the head is %s", pub.Position, head)
	}
	again := decodeInto[whatif.Publication](t, f.must(t, http.StatusOK, hrStaff, "POST", location+"/publish", nil))
	if !again.Already || again.Changes != pub.Changes || f.head(t) != head {
		t.Errorf("publishing again = %+v and moved the head: want already published, nothing appended", again)
	}

	inbox := decodeInto[struct{ Data projections.Inbox }](t, f.must(t, http.StatusOK, kabid, "GET", "/v1/inbox?min_position="+head.String(), nil))
	found := false
	for _, it := range inbox.Data.Items {
		found = found || (it.Kind == projections.ItemReviewRecommendation && it.Subject == qEval1)
	}
	if !found {
		t.Errorf("kabid's inbox %+v has no recommendation to review for Budi's evaluation", inbox.Data.Items)
	}
	if got := decodeInto[replayView](t, f.must(t, http.StatusOK, hrStaff, "GET", location, nil)); got.Publication == nil || got.Publication.Digest != done.Digest {
		t.Errorf("the replay's view shows publication %+v", got.Publication)
	}
	refused(t, f.call(t, hrStaff, "GET", "/v1/replays/"+uuid.NewString(), nil), http.StatusNotFound, "", "replay-unknown")
}

// TestReplayCancelWhileQueued cancels a replay waiting for the one running
// before it.
func TestReplayCancelWhileQueued(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	replayHistory(&history{t: t, store: store})
	s := &server{log: slog.New(slog.DiscardHandler), store: store, now: time.Now, replays: newReplays()}
	s.replays.run <- struct{}{} // another replay is running
	ctx, cancel := context.WithCancel(t.Context())
	j := &replayJob{id: uuid.New(), subs: replay.Substitutions{Quotas: "pp-30-2019"}, requested: time.Now(), cancel: cancel, status: replayQueued}
	s.replays.add(j)
	finished := make(chan struct{})
	go func() {
		s.runReplay(ctx, j, eventstore.Position{})
		close(finished)
	}()
	if v := j.view(false); v.Status != replayQueued {
		t.Fatalf("status %s, want queued while another replay runs", v.Status)
	}
	j.cancel()
	<-finished
	if v := j.view(false); v.Status != replayCancelled || v.Finished == nil || !strings.Contains(v.Error, "cancelled") {
		t.Errorf("after cancel: %+v, want cancelled and finished", v)
	}
	<-s.replays.run
}
