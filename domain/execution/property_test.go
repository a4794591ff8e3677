package execution

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

// TestReplayEqualsLive drives random command sequences against a live
// execution record, applying each accepted command's events as it goes, and
// checks that folding the events from scratch, after a JSON round trip
// through Decode, gives the same state.
func TestReplayEqualsLive(t *testing.T) {
	const (
		emp  = domain.NIP("199001012015031001")
		ev   = domain.NIP("198002022005011001")
		peer = domain.NIP("199505052020012001")
	)
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dec31 := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	skpID, rhkID, ikiID := uuid.New(), uuid.New(), uuid.New()
	plan := skp.Replay([]skp.Event{
		skp.Drafted{SKP: skpID, Employee: emp, Evaluator: ev, Approach: skp.Quantitative, Start: jan1, End: dec31},
		skp.RHKAdded{RHK: skp.RHK{ID: rhkID, Kind: skp.Utama, Text: "r", ValidFrom: jan1}},
		skp.IKIAdded{IKI: skp.IKI{ID: ikiID, RHK: rhkID, Text: "i", Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter, Target: indicator.Target{Value: 10}, Unit: "u", ValidFrom: jan1}},
		skp.Submitted{By: emp}, skp.Approved{By: ev},
	}).Plan()
	periods := []PeriodRef{
		{ID: "Q1", Start: jan1, End: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)},
		{ID: "Q2", Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)},
	}
	seen := map[string]int{}
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 7))
		at := jan1
		events, err := Open(emp, plan, at)
		if err != nil {
			t.Fatal(err)
		}
		live := ReplayRecord(events)
		var docs []string
		var logs []uuid.UUID
		cur := map[string]uuid.UUID{}
		for range 40 {
			at = at.Add(time.Duration(rng.IntN(100)) * time.Hour)
			var got []Event
			var err error
			switch rng.IntN(7) {
			case 0:
				d := EvidenceID(fmt.Appendf(nil, "doc %d", rng.IntN(5)))
				if got, err = live.AttachEvidence(emp, Evidence{SHA256: d, Kind: Document, URI: "u/" + d}, at); err == nil {
					docs = append(docs, d)
				}
			case 1, 2:
				p := periods[rng.IntN(len(periods))]
				x := Realisation{ID: uuid.New(), IKI: ikiID, Period: p, Value: float64(rng.IntN(20))}
				if len(docs) > 0 {
					x.Evidence = []string{docs[rng.IntN(len(docs))]}
				}
				if prev, ok := cur[p.ID]; ok && rng.IntN(4) > 0 {
					x.Supersedes, x.Reason = &prev, "koreksi"
				}
				if got, err = live.ReportRealisation(emp, plan, x, at); err == nil {
					cur[p.ID] = x.ID
				}
			case 3:
				got, err = live.GiveFeedback(ev, plan, FeedbackGiven{Feedback: uuid.New(), CoreValue: skp.Loyal, Text: "f"}, at)
			case 4:
				got, err = live.GiveInput(peer, PeerInputGiven{Input: uuid.New(), Relation: Peer, Period: periods[0], CoreValue: skp.Adaptif, Assessment: policy.AsExpected, Text: "t"}, at)
			case 5:
				id := uuid.New()
				if got, err = live.LogDailyProgress(emp, plan, DailyProgressLogged{Log: id, Date: jan1.AddDate(0, 0, rng.IntN(300)), Description: "d", Minutes: 1 + rng.IntN(480)}, at); err == nil {
					logs = append(logs, id)
				}
			case 6:
				if len(logs) == 0 {
					continue
				}
				id := logs[rng.IntN(len(logs))]
				if rng.IntN(2) == 0 {
					got, err = live.SubmitDailyProgress(emp, id, at)
				} else {
					got, err = live.ReviewDailyProgress(ev, id, rng.IntN(2) == 0, "c", at)
				}
			}
			if domain.KindOf(err) == domain.Internal {
				t.Fatalf("seed %d: non-domain error %v", seed, err)
			}
			for _, e := range got {
				live.Apply(e)
				seen[e.EventType()]++
			}
			events = append(events, got...)
		}
		stored := make([]Event, len(events))
		for k, e := range events {
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if stored[k], err = Decode(e.EventType(), data); err != nil {
				t.Fatal(err)
			}
		}
		if replayed := ReplayRecord(stored); !reflect.DeepEqual(replayed, live) {
			t.Fatalf("seed %d: replayed state\n%+v\ndiffers from live state\n%+v", seed, replayed, live)
		}
	}
	for _, typ := range []string{typeEvidenceAttached, typeRealisationReported, typeFeedbackGiven, typePeerInputGiven, typeDailyProgressLogged, typeDailyProgressSubmitted, typeDailyProgressApproved, typeDailyProgressRejected} {
		if seen[typ] == 0 {
			t.Errorf("no run produced %s; the generator explores too little", typ)
		}
	}
	t.Logf("events produced: %v", seen)
}
