package whatif

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes the report as an Excel workbook for HR: a "Summary"
// sheet (the position, the substitutions, the counts and the digest of the
// JSON report) and a "Changes" sheet with the rows of WriteCSV. It fails
// when the workbook cannot be built or w fails.
func (r *Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close() // the workbook lives in memory; Close only drops its temporary files
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return fmt.Errorf("write report as XLSX: %w", err)
	}
	subs, err := json.Marshal(r.Substitutions)
	if err != nil {
		return fmt.Errorf("write report as XLSX: %w", err)
	}
	s := r.Summary
	summary := [][]any{
		{"position", r.Position},
		{"substitutions", string(subs)},
		{"evaluations replayed", s.Evaluations},
		{"evaluations changed", s.EvaluationsChanged},
		{"people changed", s.PeopleChanged},
		{"achievements changed", s.AchievementsChanged},
		{"recommendations up", s.RecommendationsUp},
		{"recommendations down", s.RecommendationsDown},
		{"recommendations against a decided rating", s.RecommendationsOnly},
		{"predicates up", s.PredicatesUp},
		{"predicates down", s.PredicatesDown},
		{"units changed", s.UnitsChanged},
		{"units newly violating", s.UnitsNewlyViolating},
		{"units no longer violating", s.UnitsNoLongerViolating},
		{"note", r.Note},
		{"digest (sha256 of the JSON report)", r.Digest},
	}
	if err := writeSheet(f, "Summary", summary); err != nil {
		return err
	}
	if _, err := f.NewSheet("Changes"); err != nil {
		return fmt.Errorf("write report as XLSX: %w", err)
	}
	rows := r.rows()
	changes := make([][]any, len(rows))
	for i, row := range rows {
		changes[i] = make([]any, len(row))
		for j, c := range row {
			changes[i][j] = c
		}
	}
	if err := writeSheet(f, "Changes", changes); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write report as XLSX: %w", err)
	}
	return nil
}

// writeSheet streams rows into sheet, from A1.
func writeSheet(f *excelize.File, sheet string, rows [][]any) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write report as XLSX: sheet %s: %w", sheet, err)
	}
	for i, row := range rows {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), row); err != nil {
			return fmt.Errorf("write report as XLSX: sheet %s row %d: %w", sheet, i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write report as XLSX: sheet %s: %w", sheet, err)
	}
	return nil
}
