package projections

import "testing"

// TestCloneGrow checks that cloneGrow copies, leaves room, and keeps a nil
// list nil when nothing is added: a nil list encodes as null, an empty one
// as [], and a row's JSON must not change.
func TestCloneGrow(t *testing.T) {
	tests := []struct {
		name    string
		s       []int
		extra   int
		wantNil bool
		wantCap int
	}{
		{name: "nil, nothing added", s: nil, extra: 0, wantNil: true},
		{name: "nil, room for two", s: nil, extra: 2, wantCap: 2},
		{name: "empty, nothing added", s: []int{}, extra: 0},
		{name: "three, room for one", s: []int{1, 2, 3}, extra: 1, wantCap: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cloneGrow(tt.s, tt.extra)
			if (got == nil) != tt.wantNil {
				t.Fatalf("cloneGrow(%#v, %d) = %#v, nil = %v, want nil = %v", tt.s, tt.extra, got, got == nil, tt.wantNil)
			}
			if len(got) != len(tt.s) || cap(got) < tt.wantCap {
				t.Errorf("cloneGrow(%#v, %d): len %d cap %d, want len %d cap at least %d", tt.s, tt.extra, len(got), cap(got), len(tt.s), tt.wantCap)
			}
			for i := range got {
				if got[i] != tt.s[i] {
					t.Errorf("cloneGrow(%#v, %d)[%d] = %d, want %d", tt.s, tt.extra, i, got[i], tt.s[i])
				}
			}
			if len(got) > 0 && &got[0] == &tt.s[0] {
				t.Errorf("cloneGrow(%#v, %d) shares the input's array", tt.s, tt.extra)
			}
		})
	}
}
