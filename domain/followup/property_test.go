package followup

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/policy"
)

// TestReplayEqualsLive drives random command sequences against a live
// record and checks that folding the produced events from scratch, after a
// JSON round trip through Decode, gives the same state.
func TestReplayEqualsLive(t *testing.T) {
	const (
		emp = domain.NIP("199001012015031001")
		hr  = domain.NIP("197003032000031001")
	)
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		t.Fatal(err)
	}
	year := evaluation.Period{ID: "2026", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	prs := policy.Predicates()
	seen := map[string]int{}
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 11))
		at := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		events, err := Open(uuid.New(), emp, at)
		if err != nil {
			t.Fatal(err)
		}
		live := Replay(events)
		evals := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
		for range 20 {
			at = at.Add(time.Duration(rng.IntN(100)) * time.Hour)
			ev := evaluation.Facts{Evaluation: evals[rng.IntN(len(evals))], Employee: emp, Period: year, Locked: rng.IntN(5) > 0, Predicate: prs[rng.IntN(len(prs))]}
			d := Decision{ID: uuid.New(), Type: "T", LegalBasis: "L", DecisionRef: "R"}
			var got []Event
			switch rng.IntN(5) {
			case 0:
				got, err = live.ConvertCreditPoints(hr, ev, Conversion{JFLevel: "AHLI_MUDA", Coefficient: 25, Months: 1 + rng.IntN(12)}, p, at)
			case 1:
				got, err = live.StartImprovementPeriod(hr, ev, at, at.AddDate(0, rng.IntN(8), 0), "c", at)
			case 2:
				got, err = live.GrantReward(hr, ev, d, at)
			case 3:
				got, err = live.ImposeSanction(hr, ev, d, at)
			case 4:
				got, err = live.RecommendTraining(hr, ev, d, at)
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
		if replayed := Replay(stored); !reflect.DeepEqual(replayed, live) {
			t.Fatalf("seed %d: replayed\n%+v\ndiffers from live\n%+v", seed, replayed, live)
		}
	}
	for _, typ := range []string{typeCreditPointsConverted, typeImprovementPeriodStarted, typeRewardGranted, typeSanctionImposed, typeTrainingRecommended} {
		if seen[typ] == 0 {
			t.Errorf("no run produced %s", typ)
		}
	}
}
