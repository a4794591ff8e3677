package year_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/year"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const hr domain.NIP = "198003152006042001"

var (
	at  = time.Date(2024, 12, 16, 9, 0, 0, 0, time.UTC)
	wib = time.FixedZone("WIB", 7*3600)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func opened() year.Opened {
	return year.Opened{Instansi: "kab-gowa", Year: 2025, Cadence: year.Quarterly, Periods: year.Periods(2025, year.Quarterly), OpenedBy: hr, At: at}
}

func closed() year.Closed {
	return year.Closed{ClosedBy: hr, At: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
}

func wantError(t *testing.T, err error, kind domain.Kind, field, rule string) {
	t.Helper()
	if kind == 0 {
		if err != nil {
			t.Fatalf("error = %v, want none", err)
		}
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %v, want a *domain.Error of kind %v", err, kind)
	}
	if de.Kind != kind || de.Field != field || de.Rule != rule {
		t.Errorf("error kind %v field %q rule %q (%q), want %v %q %q", de.Kind, de.Field, de.Rule, de.Message, kind, field, rule)
	}
}

func TestPeriods(t *testing.T) {
	tests := []struct {
		cadence    year.Cadence
		count      int
		first, end year.Period // the first periodic period and the annual one
	}{
		{year.Monthly, 13,
			year.Period{ID: "2024-M01", Name: "Bulan Januari 2024", Kind: year.Periodic, Start: date(2024, 1, 1), End: date(2024, 1, 31)},
			year.Period{ID: "2024", Name: "Tahunan 2024", Kind: year.Annual, Start: date(2024, 1, 1), End: date(2024, 12, 31)}},
		{year.Quarterly, 5,
			year.Period{ID: "2024-Q1", Name: "Triwulan I 2024", Kind: year.Periodic, Start: date(2024, 1, 1), End: date(2024, 3, 31)},
			year.Period{ID: "2024", Name: "Tahunan 2024", Kind: year.Annual, Start: date(2024, 1, 1), End: date(2024, 12, 31)}},
		{year.Semester, 3,
			year.Period{ID: "2024-S1", Name: "Semester I 2024", Kind: year.Periodic, Start: date(2024, 1, 1), End: date(2024, 6, 30)},
			year.Period{ID: "2024", Name: "Tahunan 2024", Kind: year.Annual, Start: date(2024, 1, 1), End: date(2024, 12, 31)}},
	}
	for _, tt := range tests {
		t.Run(string(tt.cadence), func(t *testing.T) {
			ps := year.Periods(2024, tt.cadence)
			if len(ps) != tt.count {
				t.Fatalf("Periods() has %d periods, want %d", len(ps), tt.count)
			}
			if ps[0] != tt.first || ps[len(ps)-1] != tt.end {
				t.Errorf("first %+v, annual %+v; want %+v, %+v", ps[0], ps[len(ps)-1], tt.first, tt.end)
			}
			// The periodic periods tile the year: no gap, no overlap.
			next := date(2024, 1, 1)
			for _, p := range ps[:len(ps)-1] {
				if !p.Start.Equal(next) || p.End.Before(p.Start) {
					t.Fatalf("period %s runs %v to %v; want it to start on %v", p.ID, p.Start, p.End, next)
				}
				next = p.End.AddDate(0, 0, 1)
			}
			if !next.Equal(date(2025, 1, 1)) {
				t.Errorf("the periodic periods end before %v", next)
			}
		})
	}
	if feb := year.Periods(2024, year.Monthly)[1]; !feb.End.Equal(date(2024, 2, 29)) {
		t.Errorf("February 2024 ends %v, want the 29th", feb.End)
	}
	if ps := year.Periods(2024, "WEEKLY"); len(ps) != 1 || ps[0].Kind != year.Annual {
		t.Errorf("Periods with an invalid cadence = %+v, want only the annual period", ps)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name      string
		given     []year.Event
		instansi  string
		number    int
		cadence   year.Cadence
		by        domain.NIP
		want      []year.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", instansi: "kab-gowa", number: 2025, cadence: year.Quarterly, by: hr, want: []year.Event{opened()}},
		{name: "already open", given: []year.Event{opened()}, instansi: "kab-gowa", number: 2025, cadence: year.Quarterly, by: hr, wantKind: domain.Conflict, wantRule: year.RuleOpenedOnce},
		{name: "bad instansi code", instansi: "Kab Gowa", number: 2025, cadence: year.Quarterly, by: hr, wantKind: domain.Invalid, wantField: "instansi_id", wantRule: year.RuleInstansi},
		{name: "empty instansi code", number: 2025, cadence: year.Quarterly, by: hr, wantKind: domain.Invalid, wantField: "instansi_id", wantRule: year.RuleInstansi},
		{name: "instansi code ends with a hyphen", instansi: "kab-", number: 2025, cadence: year.Quarterly, by: hr, wantKind: domain.Invalid, wantField: "instansi_id", wantRule: year.RuleInstansi},
		{name: "year too far ahead", instansi: "kab-gowa", number: 2026, cadence: year.Quarterly, by: hr, wantKind: domain.Invalid, wantField: "year", wantRule: year.RuleYear},
		{name: "year too early", instansi: "kab-gowa", number: 1999, cadence: year.Quarterly, by: hr, wantKind: domain.Invalid, wantField: "year", wantRule: year.RuleYear},
		{name: "unknown cadence", instansi: "kab-gowa", number: 2025, cadence: "TRIWULAN", by: hr, wantKind: domain.Invalid, wantField: "periodic_cadence", wantRule: year.RuleCadence},
		{name: "actor is not a NIP", instansi: "kab-gowa", number: 2025, cadence: year.Quarterly, by: "hr", wantKind: domain.Invalid, wantField: "opened_by", wantRule: year.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := year.Replay(tt.given).Open(tt.instansi, tt.number, tt.cadence, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Open() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClose(t *testing.T) {
	tests := []struct {
		name      string
		given     []year.Event
		by        domain.NIP
		at        time.Time
		want      []year.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []year.Event{opened()}, by: hr, at: closed().At, want: []year.Event{closed()}},
		{name: "not open", by: hr, at: closed().At, wantKind: domain.NotFound, wantField: "year"},
		{name: "already closed", given: []year.Event{opened(), closed()}, by: hr, at: closed().At, wantKind: domain.Invalid, wantRule: year.RuleClosed},
		{name: "on 31 December", given: []year.Event{opened()}, by: hr, at: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), wantKind: domain.Invalid, wantRule: year.RuleNotEnded},
		{name: "1 January in WIB, still 31 December in UTC", given: []year.Event{opened()}, by: hr, at: time.Date(2026, 1, 1, 6, 0, 0, 0, wib),
			want: []year.Event{year.Closed{ClosedBy: hr, At: time.Date(2026, 1, 1, 6, 0, 0, 0, wib)}}},
		{name: "actor is not a NIP", given: []year.Event{opened()}, by: "", at: closed().At, wantKind: domain.Invalid, wantField: "closed_by", wantRule: year.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := year.Replay(tt.given).Close(tt.by, tt.at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Close() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	y := year.Replay([]year.Event{opened()})
	if !y.Opened() || y.Closed() || y.Number() != 2025 || y.Instansi() != "kab-gowa" || y.Cadence() != year.Quarterly || len(y.Periods()) != 5 {
		t.Errorf("year state: opened %v closed %v number %d instansi %q cadence %q periods %d", y.Opened(), y.Closed(), y.Number(), y.Instansi(), y.Cadence(), len(y.Periods()))
	}
	tests := []struct {
		day  time.Time
		want string // "" when outside the year
	}{
		{date(2024, 12, 31), ""},
		{date(2025, 1, 1), "2025-Q1"},
		{date(2025, 3, 31), "2025-Q1"},
		{time.Date(2025, 4, 1, 0, 30, 0, 0, wib), "2025-Q2"},
		{date(2025, 12, 31), "2025-Q4"},
		{date(2026, 1, 1), ""},
	}
	for _, tt := range tests {
		p, ok := y.PeriodOn(tt.day)
		if ok != (tt.want != "") || p.ID != tt.want {
			t.Errorf("PeriodOn(%v) = %q, %v; want %q", tt.day, p.ID, ok, tt.want)
		}
	}
	if p, err := y.Period("2025"); err != nil || p.Kind != year.Annual {
		t.Errorf("Period(2025) = %+v, %v; want the annual period", p, err)
	}
	_, err := y.Period("2025-M01")
	wantError(t, err, domain.NotFound, "period_id", "")
	if got := year.Stream("kab-gowa", 2025); got != "year-kab-gowa-2025" {
		t.Errorf("Stream() = %q", got)
	}
	if !year.Replay([]year.Event{opened(), closed()}).Closed() {
		t.Error("Closed() = false after Closed")
	}
}

func examples() []year.Event { return []year.Event{opened(), closed()} }

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), year.Decode)
	if _, err := year.Decode("year.opened", []byte(`{"year": "2025"}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), year.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := year.Decode(eventType, data)
		if err != nil {
			return
		}
		if e.EventType() != eventType {
			t.Fatalf("Decode(%q) returned a %s", eventType, e.EventType())
		}
		y := year.Replay([]year.Event{e, e})
		y.PeriodOn(date(2025, 1, 1))
	})
}

// TestFoldEqualsLive: for random command sequences, folding the stored form
// of the produced events from scratch gives the live state.
func TestFoldEqualsLive(t *testing.T) {
	cadences := []year.Cadence{year.Monthly, year.Quarterly, year.Semester, "WEEKLY"}
	seen := map[string]int{}
	for seed := range uint64(100) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			live := new(year.Year)
			var produced []year.Event
			now := time.Date(2024, 11, 1, 8, 0, 0, 0, time.UTC)
			for range 10 {
				now = now.Add(time.Duration(rng.IntN(24*90)) * time.Hour)
				var events []year.Event
				var err error
				if rng.IntN(2) == 0 {
					events, err = live.Open("kota-serang", 2024+rng.IntN(3), cadences[rng.IntN(len(cadences))], hr, now)
				} else {
					events, err = live.Close(hr, now)
				}
				if err != nil && len(events) > 0 {
					t.Fatalf("a rejected command produced events %+v", events)
				}
				for _, e := range events {
					live.Apply(e)
					seen[e.EventType()]++
					data, err := json.Marshal(e)
					if err != nil {
						t.Fatal(err)
					}
					decoded, err := year.Decode(e.EventType(), data)
					if err != nil {
						t.Fatal(err)
					}
					produced = append(produced, decoded)
				}
			}
			if got := year.Replay(produced); !reflect.DeepEqual(got, live) {
				t.Errorf("folded from scratch = %+v, live = %+v", got, live)
			}
		})
	}
	for _, e := range examples() {
		if seen[e.EventType()] == 0 {
			t.Errorf("the random sequences never produced %s", e.EventType())
		}
	}
}
