package projections

import (
	"slices"
	"testing"
)

func TestWithoutFunc(t *testing.T) {
	isOdd := func(v int) bool { return v%2 == 1 }
	tests := []struct {
		name        string
		in          []int
		want        []int
		wantRemoved bool
	}{
		{name: "nil", in: nil, want: nil},
		{name: "nothing to remove", in: []int{2, 4}, want: []int{2, 4}},
		{name: "first", in: []int{1, 2, 4}, want: []int{2, 4}, wantRemoved: true},
		{name: "several", in: []int{2, 3, 4, 5, 6}, want: []int{2, 4, 6}, wantRemoved: true},
		{name: "all", in: []int{1, 3}, want: []int{}, wantRemoved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := slices.Clone(tt.in)
			got, removed := withoutFunc(tt.in, isOdd)
			if !slices.Equal(got, tt.want) || removed != tt.wantRemoved {
				t.Errorf("withoutFunc(%v) = %v, %v; want %v, %v", tt.in, got, removed, tt.want, tt.wantRemoved)
			}
			if !slices.Equal(tt.in, held) {
				t.Errorf("withoutFunc changed its input to %v, want it left as %v: a reader may hold it", tt.in, held)
			}
			if removed && len(got) > 0 && len(tt.in) > 0 && &got[0] == &tt.in[0] {
				t.Errorf("withoutFunc(%v) shares the input's array after a removal", tt.in)
			}
		})
	}
}
