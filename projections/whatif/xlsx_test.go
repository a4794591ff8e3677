package whatif_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections/whatif"
)

// TestWriteXLSX reads the workbook back: the Changes sheet holds exactly
// the CSV's rows, and the Summary sheet names the digest and the counts.
func TestWriteXLSX(t *testing.T) {
	log, _ := history(t)
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Code: "service-response-time", Direction: indicator.HigherIsBetter, ValidFrom: jul1}}}
	rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, subs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.JSON(); err != nil {
		t.Fatal(err)
	}
	var csvOut, xlsxOut bytes.Buffer
	if err := rep.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteXLSX(&xlsxOut); err != nil {
		t.Fatalf("WriteXLSX() error = %v", err)
	}
	f, err := excelize.OpenReader(&xlsxOut)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Summary", "Changes"}) {
		t.Errorf("sheets = %q, want Summary and Changes", got)
	}
	got, err := f.GetRows("Changes")
	if err != nil {
		t.Fatal(err)
	}
	// Excel drops the empty cells at the end of a row: pad to compare.
	for i := range got {
		for len(got[i]) < len(want[i%len(want)]) {
			got[i] = append(got[i], "")
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changes sheet =\n%q\nwant the CSV rows\n%q", got, want)
	}
	summary, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, row := range summary {
		if len(row) == 2 {
			values[row[0]] = row[1]
		}
	}
	if values["digest (sha256 of the JSON report)"] != rep.Digest || values["people changed"] != "2" || values["position"] != rep.Position {
		t.Errorf("Summary sheet = %q, want digest %s, 2 people changed, position %s", values, rep.Digest, rep.Position)
	}
}
