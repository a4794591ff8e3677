package org_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
)

// TestFoldEqualsLive runs random command sequences against a live employee
// and a live unit, applying each command's events as they come, and checks
// that folding the stored form (JSON, decoded) of all produced events from
// scratch gives the same state. Rejected commands must produce no events.
func TestFoldEqualsLive(t *testing.T) {
	types := []domain.EmployeeType{domain.PNS, domain.CPNS}
	positions := []org.PositionType{org.JPT, org.Administrator, org.Pengawas, org.Pelaksana, org.Fungsional}
	superiors := []domain.NIP{superior, hr, pns} // pns is sometimes the employee: rejected
	units := []uuid.UUID{unitID, parentID, uuid.Nil}
	seen := map[string]int{}
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			now := time.Date(2015, 5, 1, 8, 0, 0, 0, time.UTC)
			day := func() time.Time { return now.AddDate(0, 0, rng.IntN(120)-20) }
			emp, unit := new(org.Employee), new(org.Unit)
			var empEvents, unitEvents []org.Event
			for step := range 40 {
				now = now.Add(time.Duration(rng.IntN(24*40)) * time.Hour)
				var events []org.Event
				var err error
				switch c := rng.IntN(8); {
				case step == 0:
					events, err = emp.Register(string(pns), types[rng.IntN(2)], "Budi", time.Time{}, "", date(2015, 5, 1), "", hr, now)
				case step == 1:
					events, err = unit.Define(unitID, "Bidang", parentID, day(), hr, now)
				case c < 3:
					pt := positions[rng.IntN(len(positions))]
					p := org.Placement{Unit: units[rng.IntN(len(units))], Position: "p", PositionName: "Pos", PositionType: pt,
						DirectSuperior: superiors[rng.IntN(len(superiors))], EffectiveFrom: day()}
					if pt == org.Fungsional {
						p.JFLevel = "AHLI_MUDA"
					}
					events, err = emp.Place(p, hr, now)
				case c == 3:
					events, err = emp.AppointPNS(day(), "SK", hr, now)
				case c == 4 && rng.IntN(4) == 0:
					events, err = emp.Leave(org.Retirement, day(), "SK", hr, now)
				case c == 4 && rng.IntN(4) == 1:
					events, err = unit.Dissolve(day(), "SOTK", hr, now)
				case c == 5:
					events, err = unit.Restructure(fmt.Sprintf("Bidang %d", rng.IntN(3)), units[rng.IntN(len(units))], day(), "SOTK", hr, now)
				default:
					events, err = unit.AppointHead(superiors[rng.IntN(len(superiors))], day(), "SK", hr, now)
				}
				if err != nil && len(events) > 0 {
					t.Fatalf("step %d: a rejected command produced events %+v", step, events)
				}
				for _, e := range events {
					emp.Apply(e)
					unit.Apply(e)
					seen[e.EventType()]++
					switch e.(type) {
					case org.UnitDefined, org.UnitRestructured, org.HeadAppointed, org.UnitDissolved:
						unitEvents = append(unitEvents, e)
					default:
						empEvents = append(empEvents, e)
					}
				}
			}
			if got := org.ReplayEmployee(stored(t, empEvents)); !reflect.DeepEqual(got, emp) {
				t.Errorf("employee folded from scratch = %+v, live = %+v", got, emp)
			}
			if got := org.ReplayUnit(stored(t, unitEvents)); !reflect.DeepEqual(got, unit) {
				t.Errorf("unit folded from scratch = %+v, live = %+v", got, unit)
			}
		})
	}
	for _, e := range examples() {
		if seen[e.EventType()] == 0 {
			t.Errorf("the random sequences never produced %s; the property is not exercised", e.EventType())
		}
	}
	t.Logf("events produced: %v", seen)
}

// stored returns events as the event store hands them back: encoded and decoded.
func stored(t *testing.T, events []org.Event) []org.Event {
	t.Helper()
	out := make([]org.Event, len(events))
	for i, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = org.Decode(e.EventType(), data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
