package projections_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

func summary(ap projections.Appraisal) string {
	var ikis, ach []string
	for _, i := range ap.Plan.IKIs {
		s := i.ID.String()[34:]
		if i.ValidTo != nil {
			s += "(ended)"
		}
		ikis = append(ikis, s)
	}
	for _, a := range ap.Achievements {
		ach = append(ach, fmt.Sprintf("%s/%s=%.0f%%", a.IKI.String()[34:], a.Period, a.Percent))
	}
	return fmt.Sprintf("%s iki=[%s] realisations=%d achievements=[%s] @%s", ap.Plan.Status, strings.Join(ikis, " "),
		len(ap.Realisations), strings.Join(ach, " "), ap.Position)
}

func TestAppraisalAsOf(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	pos := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }
	tests := []struct {
		at   uint64
		want string
	}{
		{1, "DRAFT iki=[] realisations=0 achievements=[] @1"},
		{5, "DRAFT iki=[d1] realisations=0 achievements=[] @5"},
		{10, "AMENDMENT_PROPOSED iki=[d1] realisations=0 achievements=[] @10"},
		{11, "APPROVED iki=[d1(ended) d3] realisations=0 achievements=[] @11"},
		{14, "APPROVED iki=[d1(ended) d3] realisations=2 achievements=[d1/2026-Q1=25% d1/2026-Q2=50%] @14"},
		{15, "APPROVED iki=[d1(ended) d3] realisations=3 achievements=[d1/2026-Q1=25% d1/2026-Q2=58%] @15"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.at), func(t *testing.T) {
			ap, err := projections.AppraisalAtPosition(t.Context(), &log, skpA, pos(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(ap); got != tt.want {
				t.Errorf("as of %d:\n got %s\nwant %s", tt.at, got, tt.want)
			}
			// Each event is recorded one second after the one before it.
			recorded := log.All()[tt.at-1].RecordedAt
			byTime, err := projections.AppraisalAtTime(t.Context(), &log, skpA, recorded.Add(500*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(byTime, ap) {
				t.Errorf("as of %s: %s, want the same as at position %d: %s", recorded, summary(byTime), tt.at, summary(ap))
			}
		})
	}

	t.Run("now equals the live read model", func(t *testing.T) {
		a := projections.NewAppraisals()
		build(t, &log, a)
		live, _, _ := a.Get(skpA)
		asOf, err := projections.AppraisalAtPosition(t.Context(), &log, skpA, pos(16))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(live, asOf) {
			t.Errorf("as of the head:\n%+v\nlive:\n%+v", asOf, live)
		}
	})
	t.Run("before the SKP existed", func(t *testing.T) {
		_, err := projections.AppraisalAtPosition(t.Context(), &log, skpA, pos(0))
		if domain.KindOf(err) != domain.NotFound {
			t.Errorf("as of 0: %v, want NotFound", err)
		}
		_, err = projections.AppraisalAtPosition(t.Context(), &log, uuid.New(), pos(16))
		if domain.KindOf(err) != domain.NotFound {
			t.Errorf("unknown SKP: %v, want NotFound", err)
		}
	})
}

func TestEvaluationAsOf(t *testing.T) {
	var log logtest.Log
	planHistory(&log)
	realisationHistory(&log)
	evaluationHistory(&log)
	pos := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }
	tests := []struct {
		at   uint64
		want string
	}{
		{17, "OPEN /  achievements=[2026-Q2=58%] @17"},
		{21, "OPEN SESUAI_EKSPEKTASI/DI_ATAS_EKSPEKTASI BAIK achievements=[2026-Q2=58%] @21"},
		{24, "OBJECTION_FILED SESUAI_EKSPEKTASI/DI_ATAS_EKSPEKTASI BAIK achievements=[2026-Q2=58%] @24"},
		{25, "OBJECTION_FILED DI_ATAS_EKSPEKTASI/DI_ATAS_EKSPEKTASI SANGAT_BAIK achievements=[2026-Q2=58%] @25"},
		{26, "LOCKED DI_ATAS_EKSPEKTASI/DI_ATAS_EKSPEKTASI SANGAT_BAIK achievements=[2026-Q2=58%] @26"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.at), func(t *testing.T) {
			ea, err := projections.EvaluationAtPosition(t.Context(), &log, eval1, pos(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			v := ea.Evaluation
			var ach []string
			for _, a := range ea.Achievements {
				ach = append(ach, fmt.Sprintf("%s=%.0f%%", a.Period, a.Percent))
			}
			got := fmt.Sprintf("%s %s/%s %s achievements=[%s] @%s", v.Stage, v.WorkResult, v.Behaviour, v.Predicate, strings.Join(ach, " "), v.Position)
			if got != tt.want {
				t.Errorf("as of %d:\n got %s\nwant %s", tt.at, got, tt.want)
			}
			byTime, err := projections.EvaluationAtTime(t.Context(), &log, eval1, log.All()[tt.at-1].RecordedAt)
			if err != nil || !reflect.DeepEqual(byTime, ea) {
				t.Errorf("as of the time of event %d: %+v, %v; want the same as by position", tt.at, byTime.Evaluation, err)
			}
		})
	}
	t.Run("now equals the live read model", func(t *testing.T) {
		a := projections.NewAppraisals()
		build(t, &log, a)
		live, _, _ := a.Evaluation(eval1)
		asOf, err := projections.EvaluationAtPosition(t.Context(), &log, eval1, pos(26))
		if err != nil || !reflect.DeepEqual(live, asOf) {
			t.Errorf("as of the head: %+v, %v\nlive: %+v", asOf, err, live)
		}
	})
	t.Run("before it was opened", func(t *testing.T) {
		_, err := projections.EvaluationAtPosition(t.Context(), &log, eval1, pos(16))
		if domain.KindOf(err) != domain.NotFound {
			t.Errorf("as of 16: %v, want NotFound", err)
		}
		_, err = projections.EvaluationAtPosition(t.Context(), &log, uuid.New(), pos(26))
		if domain.KindOf(err) != domain.NotFound {
			t.Errorf("unknown evaluation: %v, want NotFound", err)
		}
	})
}
