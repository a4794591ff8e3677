package whatif_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/whatif"
)

var publishedAt = date(2027, 2, 1)

// ledger copies the hand-checked history into an embedded store.
func ledger(t *testing.T) (*bolt.Store, map[domain.NIP]uuid.UUID) {
	t.Helper()
	log, evals := history(t)
	s, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	for _, e := range log.All() {
		if _, err := s.Append(t.Context(), e.Stream, eventstore.Any, eventstore.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}); err != nil {
			t.Fatal(err)
		}
	}
	return s, evals
}

// views folds the whole store into fresh read models.
type views struct {
	apps   *projections.Appraisals
	audit  *projections.Audit
	dists  *projections.Distributions
	inboxs *projections.Inboxes
}

func fold(t *testing.T, s eventstore.Store) views {
	t.Helper()
	v := views{projections.NewAppraisals(), projections.NewAudit(), projections.NewDistributions(), projections.NewInboxes()}
	head, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := projections.ReplayAll(t.Context(), s, []projections.Projection{v.apps, v.audit, v.dists, v.inboxs}, head, nil); err != nil {
		t.Fatal(err)
	}
	return v
}

var hrActor = eventstore.Actor{ID: string(hr), Role: "hr"}

// TestPublishIndicatorRevision publishes the revision of
// TestRunIndicatorRevision: Ani's and Budi's Q3 achievements are measured
// on the revised basis from then on (75% and 150%), Budi's recommendation
// follows on the read side, and Ani's decided DI_ATAS stays with a
// recommendation of SESUAI for her evaluator, in the inbox and the audit
// trail. Publishing again appends nothing.
func TestPublishIndicatorRevision(t *testing.T) {
	s, evals := ledger(t)
	rep := runRevision(t, s)
	id := uuid.MustParse("0f0f0f0f-0000-4000-8000-000000000001")
	pub, err := whatif.Publish(t.Context(), s, rep, id, hrActor, publishedAt)
	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	want := replay.Changes{Achievements: 2, Recommendations: 1}
	if pub.Already || pub.Changes != want || pub.Digest != rep.Digest || pub.Position == "" {
		t.Errorf("Publish() = %+v, want changes %+v under digest %s, not already published", pub, want, rep.Digest)
	}
	head, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if head.String() != pub.Position {
		t.Errorf("the publication ends at %s, want the head %s: replay.published is the last event", pub.Position, head)
	}

	v := fold(t, s)
	aniEval, aniOK, _ := v.apps.Evaluation(evals[ani])
	budiEval, budiOK, _ := v.apps.Evaluation(evals[budi])
	if !aniOK || !budiOK {
		t.Fatal("Ani's or Budi's evaluation is missing from the appraisals")
	}
	q3 := func(ea projections.EvaluationAppraisal) projections.Achievement {
		for _, a := range ea.Achievements {
			if a.Period == "2026-Q3" {
				return a
			}
		}
		t.Fatalf("no Q3 achievement in %+v", ea.Achievements)
		return projections.Achievement{}
	}
	if a := q3(aniEval); a.Percent != 75 || a.Rederived == nil || a.Rederived.ID != id || a.Rederived.Digest != rep.Digest {
		t.Errorf("Ani's Q3 achievement = %+v, want 75%% re-derived by replay %s", a, id)
	}
	if a := q3(budiEval); a.Percent != 150 || a.Rederived == nil {
		t.Errorf("Budi's Q3 achievement = %+v, want 150%% re-derived", a)
	}
	if r := aniEval.Evaluation.Recommendation; r == nil || r.Decided != policy.AboveExpectation || r.Recommended != policy.AsExpected || r.Replay.ID != id {
		t.Errorf("Ani's recommendation = %+v, want SESUAI against her decided DI_ATAS, from replay %s", r, id)
	}
	if aniEval.Evaluation.WorkResult != policy.AboveExpectation || aniEval.Evaluation.Predicate != policy.Baik {
		t.Errorf("Ani's evaluation = %s / %s, want her decided DI_ATAS and BAIK to stay", aniEval.Evaluation.WorkResult, aniEval.Evaluation.Predicate)
	}
	if budiEval.Evaluation.Recommendation != nil {
		t.Errorf("Budi has a recorded recommendation %+v; no rating of his is decided, so his is derived on the read side", budiEval.Evaluation.Recommendation)
	}

	items, _ := v.inboxs.InboxOf(evaluator)
	found := false
	for _, it := range items {
		found = found || (it.Kind == projections.ItemReviewRecommendation && it.Subject == evals[ani])
	}
	if !found {
		t.Errorf("the evaluator's inbox %+v has no recommendation to review for Ani", items)
	}

	trail, _ := v.audit.ForSKP(aniEval.Evaluation.SKP)
	var rederived *projections.AuditEntry
	for i, e := range trail {
		if e.Change == "achievement_rederived" {
			rederived = &trail[i]
		}
	}
	switch {
	case rederived == nil:
		t.Fatalf("Ani's audit trail has no re-derived achievement: %v", trail)
	case rederived.Before == nil || rederived.Before.Percent == nil || *rederived.Before.Percent != 125 || rederived.After == nil || rederived.After.Percent == nil || *rederived.After.Percent != 75:
		t.Errorf("the audit entry = %+v, want 125%% before and 75%% after", rederived)
	case rederived.Before.Direction != indicator.LowerIsBetter || rederived.After.Direction != indicator.HigherIsBetter:
		t.Errorf("the audit entry shows directions %s → %s, want LOWER_IS_BETTER → HIGHER_IS_BETTER", rederived.Before.Direction, rederived.After.Direction)
	case !strings.Contains(rederived.Reason, id.String()) || !strings.Contains(rederived.Reason, rep.Digest) || rederived.Actor != string(hr):
		t.Errorf("the audit entry says %q by %s, want the replay id and digest as the reason, by HR", rederived.Reason, rederived.Actor)
	}

	again, err := whatif.Publish(t.Context(), s, rep, id, hrActor, publishedAt.Add(time.Hour))
	if err != nil {
		t.Fatalf("Publish() again error = %v", err)
	}
	head2, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !again.Already || again.Changes != want || head2 != head {
		t.Errorf("Publish() again = %+v and moved the head from %s to %s, want already published with the same changes and nothing appended", again, head, head2)
	}

	// A realisation reported after the publication, for a period the
	// revision covers, is measured by it too: Ani's Q4, 6 hours, is 75%.
	q4 := execution.PeriodRef{ID: "2026-Q4", Start: date(2026, 10, 1), End: dec31}
	aniSKP, aniRHK, aniIKI := uuid.MustParse("00000000-0000-0000-0000-000000000011"), uuid.MustParse("00000000-0000-0000-0000-000000000012"), uuid.MustParse("00000000-0000-0000-0000-000000000013") // person 1 of history
	late := execution.RealisationReported{Realisation: uuid.New(), IKI: aniIKI, RHK: aniRHK, Period: q4, Value: 6, Narrative: "rata-rata jam", By: ani, At: dec31}
	if _, err := s.Append(t.Context(), execution.Stream(aniSKP), eventstore.Any, data(t, late, ani)); err != nil {
		t.Fatal(err)
	}
	v = fold(t, s)
	after, _, _ := v.apps.Evaluation(evals[ani])
	var q4ach *projections.Achievement
	for i, a := range after.Appraisal.Achievements {
		if a.Period == "2026-Q4" {
			q4ach = &after.Appraisal.Achievements[i]
		}
	}
	if q4ach == nil || q4ach.Percent != 75 || q4ach.Rederived == nil || q4ach.Rederived.ID != id || q4ach.Direction != indicator.HigherIsBetter {
		t.Errorf("Ani's Q4 achievement reported after the publication = %+v, want 75%% under the published revision", q4ach)
	}

	// The year replayed again under the same revision now changes nothing
	// that was published: the bases are in force.
	rep2 := runRevision(t, s)
	if rep2.Summary.AchievementsChanged != 0 {
		t.Errorf("after publishing, the same replay still changes %d achievements: %+v", rep2.Summary.AchievementsChanged, rep2.Evaluations)
	}
}

// TestPublishRefusesAStaleReport: a realisation corrected after the replay
// makes its report stale; nothing is appended, anywhere.
func TestPublishRefusesAStaleReport(t *testing.T) {
	s, _ := ledger(t)
	rep := runRevision(t, s)
	budiSKP := id(21)
	fix := execution.RealisationReported{Realisation: id(99), IKI: id(23), RHK: id(22), Period: q3, Value: 10, Narrative: "dikoreksi",
		Supersedes: ptrUUID(id(25)), Reason: "salah hitung", By: budi, At: date(2026, 10, 2)}
	if _, err := s.Append(t.Context(), execution.Stream(budiSKP), eventstore.Any, data(t, fix, budi)); err != nil {
		t.Fatal(err)
	}
	head, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = whatif.Publish(t.Context(), s, rep, uuid.New(), hrActor, publishedAt)
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.Conflict || de.Rule != replay.RuleStale || !strings.Contains(de.Message, execution.Stream(budiSKP)) {
		t.Fatalf("Publish() error = %v, want a Conflict by %s naming Budi's record", err, replay.RuleStale)
	}
	if after, err := s.Head(t.Context()); err != nil || after != head {
		t.Errorf("the head moved from %s to %s (%v): a stale publication appends nothing", head, after, err)
	}
}

// TestPublishQuotaVersion fixes the unit's pattern again under PP 30/2019.
func TestPublishQuotaVersion(t *testing.T) {
	s, _ := ledger(t)
	rep, err := whatif.Run(t.Context(), s, eventstore.Position{}, replay.Substitutions{Quotas: policy.LegacyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := whatif.Publish(t.Context(), s, rep, uuid.New(), hrActor, publishedAt)
	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	if rep.Digest != "" || len(pub.Digest) != 64 {
		t.Errorf("Publish() set the report's digest to %q (it only reads the report) and published digest %q", rep.Digest, pub.Digest)
	}
	if pub.Changes != (replay.Changes{Patterns: 1}) {
		t.Errorf("Publish() changes = %+v, want one pattern fixed again", pub.Changes)
	}
	c, ok, _ := fold(t, s).dists.ForUnit(unit, "2026")
	if !ok || c.Policy != policy.LegacyID || len(c.Violations) != 0 {
		t.Errorf("the unit's curve = %+v, want it under %s with no violations", c, policy.LegacyID)
	}
}

// failingStore refuses appends to one stream, standing in for a crash in
// the middle of a publication.
type failingStore struct {
	eventstore.Store
	stream string
}

func (f failingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if stream == f.stream {
		return eventstore.AppendResult{}, errors.New("connection lost")
	}
	return f.Store.Append(ctx, stream, expected, events...)
}

// TestPublishResumes: a publication cut short before its last event is run
// again; nothing is appended twice and the record counts every change.
func TestPublishResumes(t *testing.T) {
	s, _ := ledger(t)
	rep := runRevision(t, s)
	id := uuid.New()
	if _, err := whatif.Publish(t.Context(), failingStore{Store: s, stream: replay.Stream(id)}, rep, id, hrActor, publishedAt); err == nil {
		t.Fatal("Publish() through a store that loses the last append succeeded")
	}
	cut, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := whatif.Publish(t.Context(), s, rep, id, hrActor, publishedAt)
	if err != nil {
		t.Fatalf("Publish() again error = %v", err)
	}
	if want := (replay.Changes{Achievements: 2, Recommendations: 1}); pub.Already || pub.Changes != want {
		t.Errorf("Publish() again = %+v, want %+v recorded by this call", pub, want)
	}
	recs, err := s.ReadAll(t.Context(), cut, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Type != (replay.Published{}).EventType() {
		t.Errorf("the resumed publication appended %d events, want only replay.published", len(recs))
	}
}

// runRevision replays s with the service-response-time indicator revised
// to higher-is-better from July, and encodes the report once, which sets
// its digest as the API does.
func runRevision(t *testing.T, s eventstore.Store) *whatif.Report {
	t.Helper()
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Code: "service-response-time", Direction: indicator.HigherIsBetter, ValidFrom: jul1}}}
	rep, err := whatif.Run(t.Context(), s, eventstore.Position{}, subs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.JSON(); err != nil {
		t.Fatal(err)
	}
	return rep
}

func ptrUUID(u uuid.UUID) *uuid.UUID { return &u }

func data(t *testing.T, e interface{ EventType() string }, actor domain.NIP) eventstore.EventData {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: string(actor), Role: "employee"}, SchemaVersion: 1}}
}
