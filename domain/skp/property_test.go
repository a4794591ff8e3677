package skp

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

// TestReplayEqualsLive drives random command sequences against a live SKP,
// applying each accepted command's events as it goes, and checks that
// folding all those events from scratch, after a JSON round trip through
// Decode as the store would, gives the same state.
func TestReplayEqualsLive(t *testing.T) {
	const (
		emp  = domain.NIP("199001012015031001")
		ev   = domain.NIP("198002022005011001")
		sup  = domain.NIP("197003032000031001")
		boss = domain.NIP("196504041990031001")
	)
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dec31 := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	supID, supRHK := uuid.New(), uuid.New()
	superior := Replay([]Event{
		Drafted{SKP: supID, Employee: ev, Evaluator: sup, EvaluatorSuperior: boss, JPT: true, Approach: Quantitative, Start: jan1, End: dec31},
		RHKAdded{RHK: RHK{ID: supRHK, Kind: Utama, Text: "sasaran", Source: &Source{Kind: SourcePK, Reference: "PK"}, ValidFrom: jan1}},
		Submitted{By: ev}, Approved{By: sup},
	}).Plan()

	accepted := 0
	seen := map[string]int{}
	for seed := range uint64(150) {
		rng := rand.New(rand.NewPCG(seed, 42))
		at := jan1
		events, err := Draft(emp, DraftCommand{ID: uuid.New(), Employee: emp, Approach: Quantitative, Start: jan1, End: dec31,
			Placement: Placement{Active: true, DirectSuperior: ev, SuperiorOfSuperior: sup}}, at)
		if err != nil {
			t.Fatal(err)
		}
		live := Replay(events)
		var rhks, ikis []uuid.UUID
		pick := func(ids []uuid.UUID) uuid.UUID {
			if len(ids) == 0 || rng.IntN(8) == 0 {
				return uuid.New()
			}
			return ids[rng.IntN(len(ids))]
		}
		newRHK := func() RHK {
			kind := Utama
			if rng.IntN(2) == 0 {
				kind = Tambahan
			}
			return RHK{ID: uuid.New(), Kind: kind, Text: "rhk", Parent: &ParentRef{SKP: supID, RHK: supRHK}}
		}
		newIKI := func(rhk uuid.UUID) IKI {
			return IKI{ID: uuid.New(), RHK: rhk, Text: "iki", Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter,
				Target: indicator.Target{Value: float64(1 + rng.IntN(100))}, Unit: "dokumen"}
		}
		for range 40 {
			at = at.Add(time.Duration(rng.IntN(200)) * time.Hour)
			var got []Event
			var err error
			switch rng.IntN(14) {
			case 0, 1:
				r := newRHK()
				if got, err = live.AddRHK(emp, r, &superior, at); err == nil {
					rhks = append(rhks, r.ID)
					for _, e := range got {
						live.Apply(e)
						seen[e.EventType()]++
					}
					events, accepted = append(events, got...), accepted+len(got)
					i := newIKI(r.ID)
					if got, err = live.AddIKI(emp, i, at); err == nil {
						ikis = append(ikis, i.ID)
					}
				}
			case 2, 3:
				i := newIKI(pick(rhks))
				if got, err = live.AddIKI(emp, i, at); err == nil {
					ikis = append(ikis, i.ID)
				}
			case 4:
				got, err = live.RemoveRHK(emp, pick(rhks), "r", at)
			case 5:
				got, err = live.RemoveIKI(emp, pick(ikis), "r", at)
			case 6:
				vs := CoreValues()
				got, err = live.SetBehaviourExpectation(ev, vs[rng.IntN(len(vs))], "e", at)
				if rng.IntN(3) == 0 {
					for _, v := range vs {
						more, _ := live.SetBehaviourExpectation(ev, v, "e", at)
						got = append(got, more...)
					}
				}
			case 7:
				got, err = live.Submit(emp, at)
			case 8:
				if rng.IntN(2) == 0 {
					got, err = live.Approve(ev, "sig", at)
				} else {
					got, err = live.ReturnForRevision(ev, "c", at)
				}
			case 9, 12:
				r := newRHK()
				i := newIKI(r.ID)
				c := Amendment{AddRHKs: []RHK{r}, AddIKIs: []IKI{i}}
				if rng.IntN(2) == 0 && len(ikis) > 0 {
					c.RemoveIKIs = []uuid.UUID{pick(ikis)}
				}
				if got, err = live.ProposeAmendment(emp, "a", jan1.AddDate(0, rng.IntN(12), 0), c, &superior, at); err == nil {
					rhks, ikis = append(rhks, r.ID), append(ikis, i.ID)
				}
			case 10, 13:
				if rng.IntN(2) == 0 {
					got, err = live.ApproveAmendment(ev, at)
				} else {
					got, err = live.ReturnAmendment(ev, "c", at)
				}
			case 11:
				if rng.IntN(3) == 0 {
					got, err = live.HoldDialogue(ev, jan1.AddDate(0, 0, rng.IntN(365)), "notulen", at)
				} else if rng.IntN(10) == 0 {
					got, err = live.Close(ev, earlyReason(rng), at)
				}
			}
			if err != nil {
				if domain.KindOf(err) == domain.Internal {
					t.Fatalf("seed %d: command failed with a non-domain error: %v", seed, err)
				}
				continue
			}
			for _, e := range got {
				live.Apply(e)
			}
			events = append(events, got...)
			accepted += len(got)
			for _, e := range got {
				seen[e.EventType()]++
			}
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
			t.Fatalf("seed %d: replayed state\n%+v\ndiffers from live state\n%+v", seed, replayed, live)
		}
	}
	for _, typ := range []string{typeApproved, typeAmendmentApproved, typeAmendmentReturned, typeRHKRemoved, typeIKIRemoved, typeClosed, typeReturnedForRevision, typeDialogueHeld} {
		if seen[typ] == 0 {
			t.Errorf("no run produced %s; the generator explores too little", typ)
		}
	}
	t.Logf("accepted %d events: %v", accepted, seen)
	if accepted < 1000 {
		t.Errorf("only %d events accepted over all runs; the generator explores too little", accepted)
	}
}

// earlyReason picks a reason to close early.
func earlyReason(rng *rand.Rand) CloseReason {
	rs := []CloseReason{ClosePositionChange, CloseSuperiorChange, CloseRetirement}
	return rs[rng.IntN(len(rs))]
}
