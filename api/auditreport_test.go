package api

import (
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/projections"
)

func sampleAudit() []projections.AuditEntry {
	realised := 87.5
	ind := uuid.MustParse("00000000-0000-4000-8000-000000000007")
	return []projections.AuditEntry{
		{
			Change: "realisation_corrected", Subject: "iki:1", Employee: "199003252015032001",
			Before: &projections.Value{Realised: new(80.0), Unit: "%"}, After: &projections.Value{Realised: &realised, Unit: "%"},
			Actor: "199003252015032001", Role: "employee", At: time.Date(2026, 4, 2, 3, 0, 0, 0, time.UTC),
			Reason: `survey re-counted <script>alert(1)</script>`, Indicator: &ind, IndicatorVersion: 2,
			EventID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), EventType: "execution.realisation_reported",
			Stream: "execution-1", Revision: 4, Position: "42",
		},
		{
			Change: "target_set", Subject: "iki:2", Employee: "199003252015032001",
			After: &projections.Value{Text: "Waktu respons", Direction: indicator.Range, Target: &indicator.Target{Min: 1, Max: 3}, Unit: "hari"},
			Actor: "198004102005011002", Role: "evaluator", At: time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC),
			Policy: "permenpanrb-6-2022/se-3-2023", EventID: uuid.MustParse("00000000-0000-4000-8000-000000000002"),
			EventType: "skp.iki_added", Stream: "skp-1", Revision: 3, Position: "7",
		},
	}
}

func TestAuditReportCSV(t *testing.T) {
	w := httptest.NewRecorder()
	if err := writeAuditReport(w, formatCSV, "Audit", sampleAudit()); err != nil {
		t.Fatal(err)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(auditColumns, ",") {
		t.Fatalf("rows = %q", rows)
	}
	col := func(name string) int {
		for i, c := range auditColumns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	first := rows[1]
	for name, want := range map[string]string{
		"before": "realised 80 %", "after": "realised 87.5 %", "event_id": "00000000-0000-4000-8000-000000000001",
		"position": "42", "stream_revision": "4", "indicator_version": "2", "actor_role": "employee",
	} {
		if got := first[col(name)]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := rows[2][col("after")]; got != "Waktu respons; target 1–3 hari" {
		t.Errorf("range target written as %q", got)
	}
}

func TestAuditReportHTMLEscapesAndCarriesProofs(t *testing.T) {
	w := httptest.NewRecorder()
	if err := writeAuditReport(w, formatHTML, "Audit trail of evaluation X", sampleAudit()); err != nil {
		t.Fatal(err)
	}
	page := w.Body.String()
	if strings.Contains(page, "<script>") {
		t.Error("a reason's markup reached the page unescaped")
	}
	for _, want := range []string{"<title>Audit trail of evaluation X</title>", "&lt;script&gt;", "00000000-0000-4000-8000-000000000001", "position 42<br>execution-1@4", "@page"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	empty := httptest.NewRecorder()
	if err := writeAuditReport(empty, formatHTML, "Nothing", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(empty.Body.String(), "No changes recorded.") {
		t.Error("an empty trail does not say so")
	}
}

func TestReportFormat(t *testing.T) {
	for _, tt := range []struct{ q, want string }{{"", formatJSON}, {"?format=csv", formatCSV}, {"?format=html", formatHTML}} {
		got, err := reportFormat(httptest.NewRequest("GET", "/v1/evaluations/x/audit"+tt.q, nil))
		if err != nil || got != tt.want {
			t.Errorf("reportFormat(%q) = %q, %v", tt.q, got, err)
		}
	}
	if _, err := reportFormat(httptest.NewRequest("GET", "/x?format=pdf", nil)); err == nil {
		t.Error("accepted format=pdf")
	}
}
