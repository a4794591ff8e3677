package skp_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/skp"
)

func TestReservePeriod(t *testing.T) {
	other := uuid.MustParse("00000000-0000-0000-0000-0000000000b7")
	firstHalf := skp.PeriodReserved{SKP: other, Start: jan1, End: date(2026, 6, 30), At: at}
	tests := []struct {
		name     string
		given    []skp.Event
		id       uuid.UUID
		end      int // day of December the period ends
		want     []skp.Event
		wantKind domain.Kind
	}{
		{name: "first reservation", id: skpID, end: 31, want: []skp.Event{skp.PeriodReserved{SKP: skpID, Start: jan1, End: date(2026, 12, 31), At: at}}},
		{name: "beside another SKP's", given: []skp.Event{firstHalf}, id: skpID, end: 31, want: []skp.Event{skp.PeriodReserved{SKP: skpID, Start: jan1, End: date(2026, 12, 31), At: at}}},
		{name: "the SKP's own again decides nothing", given: []skp.Event{skp.PeriodReserved{SKP: skpID, Start: jan1, End: date(2026, 12, 31), At: at}}, id: skpID, end: 31},
		{name: "no SKP", id: uuid.Nil, end: 31, wantKind: domain.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := skp.ReplayPeriods(tt.given).Reserve(tt.id, jan1, date(2026, 12, tt.end), at)
			if kind := domain.KindOf(err); kind != tt.wantKind {
				t.Fatalf("Reserve() error = %v, want kind %v", err, tt.wantKind)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Reserve() = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := skp.ReplayPeriods(nil).Reserve(skpID, date(2026, 12, 31), jan1, at); domain.KindOf(err) != domain.Invalid {
		t.Errorf("Reserve() of a period ending before it starts: error = %v, want Invalid", err)
	}
}

func TestOverlappingReservations(t *testing.T) {
	a := uuid.MustParse("00000000-0000-0000-0000-0000000000b8")
	b := uuid.MustParse("00000000-0000-0000-0000-0000000000b9")
	p := skp.ReplayPeriods([]skp.Event{
		skp.PeriodReserved{SKP: a, Start: jan1, End: date(2026, 6, 30), At: at},
		skp.PeriodReserved{SKP: b, Start: date(2026, 7, 1), End: date(2026, 12, 31), At: at},
	})
	tests := []struct {
		name       string
		start, end int // months
		want       []uuid.UUID
	}{
		{name: "first half", start: 2, end: 3, want: []uuid.UUID{a}},
		{name: "across both", start: 6, end: 7, want: []uuid.UUID{a, b}},
		{name: "second half", start: 9, end: 12, want: []uuid.UUID{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []uuid.UUID
			for _, r := range p.Overlapping(date(2026, 1, 1).AddDate(0, tt.start-1, 0), date(2026, 1, 1).AddDate(0, tt.end-1, 27)) {
				got = append(got, r.SKP)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Overlapping() = %v, want %v", got, tt.want)
			}
		})
	}
}
