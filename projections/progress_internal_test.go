package projections

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestRHKMinutesJSON checks that the minutes per RHK encode to the same
// JSON as the map they stand for (a row's JSON is what sinks store and
// digests hash) and decode back, nil staying nil.
func TestRHKMinutesJSON(t *testing.T) {
	tests := []struct {
		name string
		adds []rhkMinute // applied with plus, in this order
		want map[string]int
	}{
		{name: "none", want: nil},
		{name: "one without an RHK", adds: []rhkMinute{{"", 30}}, want: map[string]int{"": 30}},
		{name: "several, out of order, one twice", adds: []rhkMinute{{"b", 10}, {"", 5}, {"a", 20}, {"b", 15}, {"<&>", 1}},
			want: map[string]int{"": 5, "a": 20, "b": 25, "<&>": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r rhkMinutes
			for _, a := range tt.adds {
				held := r
				heldCopy := append(rhkMinutes(nil), r...)
				r = r.plus(a.RHK, a.Minutes)
				if !reflect.DeepEqual(held, heldCopy) {
					t.Fatalf("plus(%q, %d) changed the slice it was given: a reader may hold it", a.RHK, a.Minutes)
				}
			}
			got, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("json.Marshal = %s, want the map's %s", got, want)
			}
			var back rhkMinutes
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("json.Unmarshal(%s) = %v", got, err)
			}
			if !reflect.DeepEqual(back, r) {
				t.Errorf("json.Unmarshal(%s) = %#v, want %#v", got, back, r)
			}
		})
	}
}

// TestMonthOf checks that the month text kept per month is what formatting
// each date writes, in any location and year.
func TestMonthOf(t *testing.T) {
	jakarta := time.FixedZone("WIB", 7*3600)
	tests := []struct {
		name string
		t    time.Time
	}{
		{name: "start of a year", t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "end of a year", t: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{name: "the same instant in Jakarta is the next month", t: time.Date(2026, 1, 31, 20, 0, 0, 0, time.UTC).In(jakarta)},
		{name: "year one", t: time.Date(1, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "a negative year", t: time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "a five-digit year", t: time.Date(10000, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	d := NewDailyProgress()
	for range 2 { // the second round reads what the first kept
		for _, tt := range tests {
			if got, want := d.monthOf(tt.t), tt.t.Format("2006-01"); got != want {
				t.Errorf("%s: monthOf(%s) = %q, want %q", tt.name, tt.t, got, want)
			}
		}
	}
}
