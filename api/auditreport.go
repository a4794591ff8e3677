package api

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
)

// Audit report formats, chosen with ?format= on an audit trail route. JSON
// is the default; csv and html are the printable reports auditors file.
const (
	formatJSON = "json"
	formatCSV  = "csv"
	formatHTML = "html"
)

func reportFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", formatJSON:
		return formatJSON, nil
	case formatCSV, formatHTML:
		return f, nil
	default:
		return "", domain.Errorf(domain.Invalid, "format %q is not a report format; use json, csv or html", f).WithField("format")
	}
}

// auditColumns are the report's columns: every row carries the event id,
// stream revision and global position, so it can be proven with
// `kinerja export-proof` or GET /v1/ledger/proofs/inclusion.
var auditColumns = []string{
	"recorded_at", "change", "subject", "nip", "before", "after", "actor_nip", "actor_role",
	"reason", "effective_from", "indicator_id", "indicator_version", "policy_version",
	"event_type", "event_id", "stream", "stream_revision", "position",
}

// answerAudit sends an audit trail as JSON (with the position the read
// model reflected), or as the CSV or printable HTML report ?format= asks for.
func (s *server) answerAudit(w http.ResponseWriter, r *http.Request, title string, entries []projections.AuditEntry, at eventstore.Position) {
	format, err := reportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format == formatJSON {
		writeJSON(w, http.StatusOK, pageResponse{Position: at.String(), Items: nonNil(entries)})
		return
	}
	w.Header().Set("X-Kinerja-Position", at.String())
	if err := writeAuditReport(w, format, title, entries); err != nil {
		s.writeErrorLate(r, err)
	}
}

// auditFields is one audit entry written out for a person.
type auditFields struct {
	At, Change, Subject, NIP, Before, After, Actor, Role, Reason, Effective             string
	Indicator, IndicatorVersion, Policy, EventType, EventID, Stream, Revision, Position string
}

func formatAudit(e *projections.AuditEntry) auditFields {
	f := auditFields{
		At: e.At.UTC().Format(time.RFC3339), Change: e.Change, Subject: e.Subject, NIP: string(e.Employee),
		Before: describeValue(e.Before), After: describeValue(e.After), Actor: e.Actor, Role: e.Role,
		Reason: e.Reason, Policy: e.Policy, EventType: e.EventType, EventID: e.EventID.String(),
		Stream: e.Stream, Revision: strconv.FormatUint(e.Revision, 10), Position: e.Position,
	}
	if e.Indicator != nil {
		f.Indicator = e.Indicator.String()
	}
	if e.IndicatorVersion != 0 {
		f.IndicatorVersion = strconv.Itoa(e.IndicatorVersion)
	}
	if e.EffectiveFrom != nil {
		f.Effective = e.EffectiveFrom.Format(time.DateOnly)
	}
	return f
}

// csv returns f in the order of auditColumns.
func (f auditFields) csv() []string {
	return []string{
		f.At, f.Change, f.Subject, f.NIP, f.Before, f.After, f.Actor, f.Role,
		f.Reason, f.Effective, f.Indicator, f.IndicatorVersion, f.Policy,
		f.EventType, f.EventID, f.Stream, f.Revision, f.Position,
	}
}

// describeValue writes a number on a screen the way a person reads it:
// "IKI text: target 90 %", "realised 87.5 %", "rating SESUAI_EKSPEKTASI".
func describeValue(v *projections.Value) string {
	if v == nil {
		return ""
	}
	var parts []string
	if v.Text != "" {
		parts = append(parts, v.Text)
	}
	if v.Target != nil {
		t := v.Target
		if v.Direction == indicator.Range {
			parts = append(parts, fmt.Sprintf("target %s–%s %s", num(t.Min), num(t.Max), v.Unit))
		} else {
			parts = append(parts, fmt.Sprintf("target %s %s", num(t.Value), v.Unit))
		}
	}
	if v.Realised != nil {
		parts = append(parts, fmt.Sprintf("realised %s %s", num(*v.Realised), v.Unit))
	}
	if v.Rating != "" {
		parts = append(parts, "rating "+v.Rating)
	}
	if v.Predicate != "" {
		parts = append(parts, "predicate "+v.Predicate)
	}
	return strings.TrimSpace(strings.Join(parts, "; "))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// writeAuditReport sends entries as CSV or as a printable HTML page.
func writeAuditReport(w http.ResponseWriter, format, title string, entries []projections.AuditEntry) error {
	switch format {
	case formatCSV:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
		cw := csv.NewWriter(w)
		if err := cw.Write(auditColumns); err != nil {
			return err
		}
		for i := range entries {
			if err := cw.Write(formatAudit(&entries[i]).csv()); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case formatHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		rows := make([]htmlRow, len(entries))
		for i := range entries {
			rows[i] = newHTMLRow(&entries[i])
		}
		return auditPage.Execute(w, struct {
			Title string
			Rows  []htmlRow
		}{title, rows})
	}
	return fmt.Errorf("audit report: unknown format %q", format)
}

// htmlRow folds the CSV's columns into the few a printed A4 page can hold;
// nothing is left out.
type htmlRow struct {
	auditFields
	Who, Why, Versions string
}

func newHTMLRow(e *projections.AuditEntry) htmlRow {
	f := formatAudit(e)
	why := f.Reason
	if f.Effective != "" {
		why = strings.TrimSpace(why + " (effective " + f.Effective + ")")
	}
	var versions []string
	if f.Indicator != "" {
		versions = append(versions, "indicator "+f.Indicator+" v"+f.IndicatorVersion)
	}
	if f.Policy != "" {
		versions = append(versions, "policy "+f.Policy)
	}
	return htmlRow{auditFields: f, Who: f.Actor + " (" + f.Role + ")", Why: why, Versions: strings.Join(versions, "; ")}
}

// auditPage is a self-contained printable page: no scripts, no external
// assets, landscape when printed.
var auditPage = template.Must(template.New("audit").Parse(`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font: 10pt/1.35 system-ui, sans-serif; color: #111; margin: 1.5em; }
h1 { font-size: 14pt; margin: 0 0 .2em; }
p.note { margin: 0 0 1em; color: #444; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #eee; font-weight: 600; }
.mono { font-family: ui-monospace, monospace; font-size: 8pt; }
.small { color: #444; font-size: 8.5pt; }
tr { break-inside: avoid; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="note">Every row is one event in the Kinerja ledger. Prove any row with its event id and position (kinerja export-proof, or GET /v1/ledger/proofs/inclusion).</p>
<table>
<colgroup><col style="width:10%"><col style="width:12%"><col style="width:11%"><col style="width:11%"><col style="width:11%"><col style="width:13%"><col style="width:13%"><col style="width:19%"></colgroup>
<thead><tr><th>When (UTC)</th><th>Change</th><th>Before</th><th>After</th><th>Who</th><th>Why</th><th>Under</th><th>Event (proof)</th></tr></thead>
<tbody>
{{range .Rows}}<tr>
<td>{{.At}}</td>
<td>{{.Change}}<div class="small">{{.Subject}} · NIP {{.NIP}}</div></td>
<td>{{.Before}}</td>
<td>{{.After}}</td>
<td>{{.Who}}</td>
<td>{{.Why}}</td>
<td class="small">{{.Versions}}</td>
<td class="mono">position {{.Position}}<br>{{.Stream}}@{{.Revision}}<br>{{.EventType}} {{.EventID}}</td>
</tr>
{{else}}<tr><td colspan="8">No changes recorded.</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))
