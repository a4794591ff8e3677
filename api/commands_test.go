package api

import (
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
)

func TestPeriodOf(t *testing.T) {
	tests := []struct {
		id         string
		start, end string
		wantKind   domain.Kind
	}{
		{id: "2026", start: "2026-01-01", end: "2026-12-31"},
		{id: "2026-Q1", start: "2026-01-01", end: "2026-03-31"},
		{id: "2026-Q4", start: "2026-10-01", end: "2026-12-31"},
		{id: "2026-S2", start: "2026-07-01", end: "2026-12-31"},
		{id: "2026-M02", start: "2026-02-01", end: "2026-02-28"},
		{id: "2028-M02", start: "2028-02-01", end: "2028-02-29"},
		{id: "2026-Q5", wantKind: domain.Invalid},
		{id: "2026-M13", wantKind: domain.Invalid},
		{id: "26-Q1", wantKind: domain.Invalid},
		{id: "Q1-2026", wantKind: domain.Invalid},
		{id: "", wantKind: domain.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, err := periodOf("period_id", tt.id)
			if kind := domain.KindOf(err); kind != tt.wantKind {
				t.Fatalf("periodOf(%q) error = %v, want kind %v", tt.id, err, tt.wantKind)
			}
			if err != nil {
				return
			}
			if got := p.Start.Format(time.DateOnly) + " " + p.End.Format(time.DateOnly); got != tt.start+" "+tt.end {
				t.Errorf("periodOf(%q) = %s, want %s %s", tt.id, got, tt.start, tt.end)
			}
		})
	}
}

func TestParseETag(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{`"3"`, 3, true},
		{`W/"12"`, 12, true},
		{`7`, 7, true},
		{` "0" `, 0, true},
		{`"abc"`, 0, false},
		{`"-1"`, 0, false},
		{``, 0, false},
	}
	for _, tt := range tests {
		got, err := parseETag(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseETag(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && domain.KindOf(err) != domain.Invalid {
			t.Errorf("parseETag(%q) error kind %v, want Invalid", tt.in, domain.KindOf(err))
		}
	}
}
