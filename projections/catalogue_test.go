package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func TestCatalogueKeepsEveryRevision(t *testing.T) {
	replacement := uuid.MustParse("00000000-0000-0000-0000-0000000000e2")
	complaints := indicator.Definition{Name: "Jumlah pengaduan", Aspect: indicator.Quantity, UnitOfMeasure: "pengaduan",
		Direction: indicator.HigherIsBetter, DataSource: "SP4N-LAPOR"}
	revised := complaints
	revised.Direction = indicator.LowerIsBetter

	var log logtest.Log
	log.Append(indicator.Stream(indic),
		by(indicator.Defined{Indicator: indic, Code: "public-complaints", Definition: complaints, ValidFrom: jan1, DefinedBy: hr, At: at}, hr, "hr", ""),
		by(indicator.Revised{Indicator: indic, Version: 2, Definition: revised, Changed: []string{"direction"}, ValidFrom: jul1,
			Reason: "pengaduan yang lebih sedikit lebih baik", ApprovedBy: hr, At: at}, hr, "hr", ""),
	)
	log.Append("skp-"+skpA.String(), logtest.Event{Type: "skp.submitted", Data: map[string]string{"submitted_by": string(employee)}}) // not the catalogue's
	log.Append(indicator.Stream(indic),
		by(indicator.Retired{Indicator: indic, ValidTo: dec31, Replacement: replacement, Reason: "diganti indeks kepuasan", RetiredBy: hr, At: at}, hr, "hr", ""),
	)
	c := projections.NewCatalogue()
	build(t, &log, c)

	entry, ok, at := c.Get(indic)
	if !ok {
		t.Fatal("indicator not in the catalogue")
	}
	var versions []string
	for _, v := range entry.Versions {
		versions = append(versions, fmt.Sprintf("v%d %s from %s by %s @%s changed=%v (%s)", v.Number, v.Definition.Direction,
			v.ValidFrom.Format("2006-01-02"), v.By, v.Position, v.Changed, v.Reason))
	}
	want := []string{
		"v1 HIGHER_IS_BETTER from 2026-01-01 by 198505052010012001 @1 changed=[] ()",
		"v2 LOWER_IS_BETTER from 2026-07-01 by 198505052010012001 @2 changed=[direction] (pengaduan yang lebih sedikit lebih baik)",
	}
	if got := strings.Join(versions, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("versions:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if entry.Retired == nil || *entry.Retired.Replacement != replacement || entry.Position != "4" || at.Commit != 4 {
		t.Errorf("retirement = %+v at %s (catalogue at %s), want replaced by %s at 4", entry.Retired, entry.Position, at, replacement)
	}
	for _, tt := range []struct {
		day  string
		want int // 0: none in force
	}{
		{"2025-12-31", 0},
		{"2026-03-01", 1},
		{"2026-07-01", 2},
		{"2026-12-31", 2},
		{"2027-01-01", 0},
	} {
		v, ok := entry.Current(mustDay(t, tt.day))
		if got := map[bool]int{true: v.Number}[ok]; got != tt.want {
			t.Errorf("Current(%s) = v%d, %v; want v%d", tt.day, v.Number, ok, tt.want)
		}
	}
	if list, _ := c.List(); len(list) != 1 {
		t.Errorf("List() has %d indicators, want 1", len(list))
	}
}
