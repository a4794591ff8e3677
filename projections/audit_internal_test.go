package projections

import (
	"testing"

	"github.com/google/uuid"
)

// TestIKISubject checks that the subject built in one allocation is the one
// the concatenation it replaces wrote.
func TestIKISubject(t *testing.T) {
	tests := []struct {
		name   string
		iki    uuid.UUID
		period string
	}{
		{name: "nil id, no period", iki: uuid.Nil},
		{name: "all ones", iki: uuid.Max, period: "2026-01"},
		{name: "every hex digit", iki: uuid.MustParse("01234567-89ab-cdef-fedc-ba9876543210"), period: "Q1"},
		{name: "random", iki: uuid.New(), period: "2026-S2 / é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "iki:" + tt.iki.String() + "/period:" + tt.period
			if got := ikiSubject(tt.iki, tt.period); got != want {
				t.Errorf("ikiSubject(%s, %q) = %q, want %q", tt.iki, tt.period, got, want)
			}
		})
	}
}
