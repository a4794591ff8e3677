package whatif

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/policy"
)

// csvHeader is the first row of WriteCSV.
var csvHeader = []string{"kind", "nip", "evaluation_id", "skp_id", "unit_id", "period_id", "subject", "before", "after", "basis", "rule", "reason", "event_id", "event_position"}

// WriteCSV writes the report's changes as CSV, one row per change in report
// order: "achievement" (subject the IKI, before and after in percent),
// "work_result" (the recommended rating), "predicate", and "unit" (subject
// the predicate counted, before and after its count). The digest of the
// JSON report is the last row, so a CSV can be matched to its report.
// It fails only when w does.
func (r *Report) WriteCSV(w io.Writer) error {
	if err := csv.NewWriter(w).WriteAll(r.rows()); err != nil {
		return fmt.Errorf("write report as CSV: %w", err)
	}
	return nil
}

// rows is the report as the table of WriteCSV, header first.
func (r *Report) rows() [][]string {
	rows := [][]string{csvHeader}
	ref := func(e *EventRef) (string, string) {
		if e == nil {
			return "", ""
		}
		return e.ID.String(), e.Position
	}
	for _, d := range r.Evaluations {
		head := []string{string(d.Employee), idText(d.Evaluation), d.SKP.String(), idText(d.Unit), d.Period}
		row := func(kind, subject, before, after, basis, rule, reason string, e *EventRef) {
			id, pos := ref(e)
			rows = append(rows, append(append([]string{kind}, head...), subject, before, after, basis, rule, reason, id, pos))
		}
		for _, a := range d.Achievements {
			row("achievement", a.IKI.String()+" "+a.Period, percent(a.Before, a.ProblemBefore), percent(a.After, a.ProblemAfter), "", a.Rule, a.Reason, a.Event)
		}
		if w := d.WorkResult; w.RecommendedBefore != w.RecommendedAfter {
			basis := "recommended"
			if w.Decided != "" {
				basis = "decided " + string(w.Decided) + " stays"
			}
			row("work_result", "recommended_rating", string(w.RecommendedBefore), string(w.RecommendedAfter), basis, w.Rule, w.Reason, w.Event)
		}
		if p := d.Predicate; p != nil {
			reason := p.Reason
			if p.Problem != "" {
				reason = strings.TrimPrefix(reason+"; not derivable: "+p.Problem, "; ")
			}
			row("predicate", "predicate", string(p.Before), string(p.After), p.Basis, p.Rule, reason, p.Event)
		}
	}
	for _, u := range r.Units {
		seen := map[string]bool{}
		var keys []string
		for k := range u.CountsBefore {
			keys = append(keys, string(k))
			seen[string(k)] = true
		}
		for k := range u.CountsAfter {
			if !seen[string(k)] {
				keys = append(keys, string(k))
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			rows = append(rows, []string{"unit", "", "", "", u.Unit.String(), u.Period, k,
				strconv.Itoa(u.CountsBefore[policy.Predicate(k)]), strconv.Itoa(u.CountsAfter[policy.Predicate(k)]), "", u.Rule, u.Reason, "", ""})
		}
		rows = append(rows, []string{"unit", "", "", "", u.Unit.String(), u.Period, "violations",
			strconv.Itoa(len(u.ViolationsBefore)), strconv.Itoa(len(u.ViolationsAfter)), "", u.Rule, strings.Join(u.ViolationsAfter, "; "), "", ""})
	}
	return append(rows, []string{"digest", "", "", "", "", "", "sha256", "", r.Digest, "", "", "", "", ""})
}

func idText(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

func percent(p float64, problem string) string {
	if problem != "" {
		return "not computable: " + problem
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}
