package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func draft(id uuid.UUID, who, evaluatorNIP domain.NIP) logtest.Event {
	return by(skp.Drafted{SKP: id, Employee: who, Evaluator: evaluatorNIP, Approach: skp.Quantitative, Start: jan1, End: dec31, At: at}, who, "employee", "")
}

func rhkEvent(id uuid.UUID, text string, parent *skp.ParentRef, who domain.NIP) logtest.Event {
	return by(skp.RHKAdded{RHK: skp.RHK{ID: id, Kind: skp.Utama, Text: text, Parent: parent, ValidFrom: jan1}, At: at}, who, "employee", "")
}

func tree(nodes []projections.CascadeNode, depth int, out *[]string) {
	for _, n := range nodes {
		*out = append(*out, fmt.Sprintf("%s%s (%s)", strings.Repeat("  ", depth), n.Text, n.Employee[:4]))
		tree(n.Children, depth+1, out)
	}
}

func TestCascadeOfAUnit(t *testing.T) {
	unit := uuid.MustParse("00000000-0000-0000-0000-000000000099")
	other := domain.NIP("199505052020012001")
	rhkB, rhkC, rhkGone := uuid.New(), uuid.New(), uuid.New()
	var log logtest.Log
	log.Append(org.UnitStream(unit),
		by(org.UnitDefined{Unit: unit, Name: "Bidang Perizinan", EffectiveFrom: jan1, By: hr, At: at}, hr, "hr", ""),
		by(org.HeadAppointed{Unit: unit, Head: evalSup, EffectiveFrom: jan1, DecisionRef: "SK 1/2026", By: hr, At: at}, hr, "hr", ""),
	)
	log.Append(skp.Stream(supA), draft(supA, evalSup, hr), rhkEvent(rhkS, "Perizinan terbit tepat waktu", nil, evalSup))
	log.Append(skp.Stream(skpB), draft(skpB, evaluator, evalSup),
		rhkEvent(rhkB, "Verifikasi perizinan selesai", &skp.ParentRef{SKP: supA, RHK: rhkS}, evaluator))
	planHistory(&log) // the employee's RHK 1 intervenes the head's RHK directly
	skpC := uuid.New()
	log.Append(skp.Stream(skpC), draft(skpC, other, evaluator),
		rhkEvent(rhkC, "Berkas diverifikasi", &skp.ParentRef{SKP: skpB, RHK: rhkB}, other),
		rhkEvent(rhkGone, "Salah pilih", &skp.ParentRef{SKP: skpB, RHK: rhkB}, other),
		by(skp.RHKRemoved{RHK: rhkGone, Reason: "salah pilih RHK atasan", At: at}, other, "employee", ""),
	)
	c := projections.NewCascade()
	build(t, &log, c)

	roots, ok, _ := c.ForUnit(unit, 2026)
	if !ok {
		t.Fatal("unit not found")
	}
	var got []string
	tree(roots, 0, &got)
	want := []string{
		"Perizinan terbit tepat waktu (1970)",
		"  Verifikasi perizinan selesai (1980)",
		"    Berkas diverifikasi (1995)",
		"  Layanan perizinan tepat waktu (1990)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("cascade:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if roots, ok, _ := c.ForUnit(unit, 2027); !ok || len(roots) != 0 {
		t.Errorf("cascade for 2027 = %d roots, %v; want none, true", len(roots), ok)
	}
	if _, ok, _ := c.ForUnit(uuid.New(), 2026); ok {
		t.Error("an unknown unit has a cascade")
	}
	sub, ok, _ := c.ForRHK(skpB, rhkB)
	if !ok || len(sub.Children) != 1 || sub.Children[0].RHK != rhkC {
		t.Errorf("cascade below RHK B = %+v, want only RHK C", sub)
	}
}
