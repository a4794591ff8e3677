package evaluation

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

func roundTrip(t *testing.T, events []Event) []Event {
	t.Helper()
	out := make([]Event, len(events))
	for k, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if out[k], err = Decode(e.EventType(), data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestReplayEqualsLive drives random command sequences against a live unit
// and a live evaluation, applying accepted events as it goes, and checks
// that folding the events from scratch, after a JSON round trip through
// Decode, gives the same states.
func TestReplayEqualsLive(t *testing.T) {
	const (
		emp  = domain.NIP("199001012015031001")
		ev   = domain.NIP("198002022005011001")
		sup  = domain.NIP("197003032000031001")
		peer = domain.NIP("199505052020012001")
	)
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		t.Fatal(err)
	}
	ratings := []policy.Rating{policy.AboveExpectation, policy.AsExpected, policy.BelowExpectation}
	orgs := policy.OrgPredicates()
	year := Period{ID: "2026", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	seen := map[string]int{}
	for seed := range uint64(150) {
		rng := rand.New(rand.NewPCG(seed, 3))
		at := time.Date(2027, 1, 5, 8, 0, 0, 0, time.UTC)
		unitID, evalID, peerEval := uuid.New(), uuid.New(), uuid.New()
		unitEvents, err := (&Unit{}).SetOrgPredicate(sup, SetOrgPredicateCommand{Assessment: uuid.New(), Unit: unitID, Period: year,
			Predicate: orgs[rng.IntN(len(orgs))], Basis: "PK", ParentLeader: sup}, p, at)
		if err != nil {
			t.Fatal(err)
		}
		plan := skp.Plan{ID: uuid.New(), Employee: emp, Evaluator: ev, EvaluatorSuperior: sup, Start: year.Start, End: year.End, Approved: true}
		evalEvents, err := Open(ev, OpenCommand{Evaluation: evalID, Plan: plan, Unit: unitID, Period: year, UnitHead: rng.IntN(4) == 0}, p, at)
		if err != nil {
			t.Fatal(err)
		}
		unit, live := ReplayUnit(unitEvents), ReplayEvaluation(evalEvents)
		for range 50 {
			at = at.Add(time.Duration(rng.IntN(72)) * time.Hour)
			var got, gotUnit []Event
			var err error
			switch rng.IntN(13) {
			case 0:
				got, err = live.SelfAssess(emp, "n", at)
			case 1, 2:
				got, err = live.RateWorkResult(ev, ratings[rng.IntN(3)], "r", unit.Facts(), p, at)
			case 3:
				got, err = live.RateBehaviour(ev, ratings[rng.IntN(3)], "n", unit.Facts(), p, at)
			case 4:
				if live.Predicate() != "" {
					others := []policy.Predicate{policy.Baik, policy.ButuhPerbaikan, policy.SangatBaik, policy.KurangMisconduct}
					gotUnit, err = unit.CheckDistribution(ev, ev, map[uuid.UUID]policy.Predicate{evalID: live.Predicate(), peerEval: others[rng.IntN(len(others))]}, p, at)
				}
			case 11, 12:
				// Steer towards the later stages: check, override if needed, finalise, deliver.
				if live.Stage() == StageOpen && live.Predicate() != "" {
					var more []Event
					gotUnit, err = unit.CheckDistribution(ev, ev, map[uuid.UUID]policy.Predicate{evalID: live.Predicate()}, p, at)
					if domain.KindOf(err) == domain.Internal {
						t.Fatalf("seed %d: CheckDistribution: %v", seed, err)
					}
					for _, e := range gotUnit {
						unit.Apply(e)
					}
					if err == nil && len(unit.Facts().Violations) > 0 {
						more, err = unit.RecordOverride(sup, "unit kecil", at)
						if domain.KindOf(err) == domain.Internal {
							t.Fatalf("seed %d: RecordOverride: %v", seed, err)
						}
						for _, e := range more {
							unit.Apply(e)
						}
					}
					for _, e := range append(gotUnit, more...) {
						seen[e.EventType()]++
					}
					unitEvents = append(unitEvents, append(gotUnit, more...)...)
					gotUnit = nil
					if got, err = live.Finalize(ev, FinalizeCommand{SignatureRef: "sig", DocumentRef: "doc", Curve: unit.Facts()}, p, at); err == nil {
						for _, e := range got {
							live.Apply(e)
							seen[e.EventType()]++
						}
						evalEvents = append(evalEvents, got...)
						got, err = live.Deliver(ev, at)
					}
				}
			case 5:
				if rng.IntN(4) == 0 {
					gotUnit, err = unit.ReviseOrgPredicate(sup, orgs[rng.IntN(len(orgs))], "revisi", 0, p, at)
				} else {
					gotUnit, err = unit.RecordOverride(sup, "kecil", at)
				}
			case 6:
				got, err = live.Finalize(ev, FinalizeCommand{SignatureRef: "sig", DocumentRef: "doc", Curve: unit.Facts()}, p, at)
			case 7:
				got, err = live.Deliver(ev, at)
			case 8:
				got, err = live.FileObjection(emp, uuid.New(), "alasan", p, at.Add(time.Duration(rng.IntN(20*24))*time.Hour))
			case 9:
				if rng.IntN(2) == 0 {
					got, err = live.RequestExplanation(sup, []Party{PartyEvaluator, PartyEmployee}[rng.IntN(2)], "q", at)
				} else {
					got, err = live.ProvideExplanation([]domain.NIP{ev, emp, peer}[rng.IntN(3)], "a", at)
				}
			case 10:
				switch rng.IntN(3) {
				case 0:
					got, err = live.Decide(sup, Upheld, "", "", "r", p, at)
				case 1:
					got, err = live.Decide(sup, Changed, ratings[rng.IntN(3)], ratings[rng.IntN(3)], "r", p, at)
				default:
					got, err = live.Lock(p, at.AddDate(0, 0, rng.IntN(30)))
				}
			}
			if domain.KindOf(err) == domain.Internal {
				t.Fatalf("seed %d: non-domain error %v", seed, err)
			}
			for _, e := range got {
				live.Apply(e)
				seen[e.EventType()]++
			}
			for _, e := range gotUnit {
				unit.Apply(e)
				seen[e.EventType()]++
			}
			evalEvents, unitEvents = append(evalEvents, got...), append(unitEvents, gotUnit...)
		}
		if replayed := ReplayEvaluation(roundTrip(t, evalEvents)); !reflect.DeepEqual(replayed, live) {
			t.Fatalf("seed %d: replayed evaluation\n%+v\ndiffers from live\n%+v", seed, replayed, live)
		}
		if replayed := ReplayUnit(roundTrip(t, unitEvents)); !reflect.DeepEqual(replayed, unit) {
			t.Fatalf("seed %d: replayed unit\n%+v\ndiffers from live\n%+v", seed, replayed, unit)
		}
	}
	for _, typ := range []string{typeWorkResultRated, typeBehaviourRated, typePredicateDetermined, typeDistributionChecked, typeOverrideRecorded, typeOrgPredicateRevised,
		typeFinalized, typeDelivered, typeObjectionFiled, typeExplanationRequested, typeExplanationProvided, typeObjectionDecided, typeLocked} {
		if seen[typ] == 0 {
			t.Errorf("no run produced %s; the generator explores too little", typ)
		}
	}
	t.Logf("events produced: %v", seen)
}
