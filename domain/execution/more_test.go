package execution_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

func TestStreams(t *testing.T) {
	id := uuid.New()
	for _, s := range []struct{ got, prefix string }{
		{execution.Stream(id), "execution-"},
		{execution.SeriesStream(id), "metric-"},
		{execution.SessionStream(id), "coaching-"},
	} {
		if s.got != s.prefix+id.String() {
			t.Errorf("stream = %q, want %s<uuid>", s.got, s.prefix)
		}
	}
}

// TestMoreRejections covers the remaining refusals of the execution record,
// the metric series and coaching sessions.
func TestMoreRejections(t *testing.T) {
	rhk := rhkID
	otherPlan := plan(t)
	otherPlan.ID = uuid.New()
	entry := execution.DailyProgressLogged{Log: logID, Date: date(2026, 3, 2), Description: "d", Minutes: 60}
	run(t, []testCase{
		{name: "feedback without id", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.GiveFeedback(evaluator, plan(t), execution.FeedbackGiven{RHK: &rhk, Text: "x"}, at)
		}, wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "feedback on an unknown RHK", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			u := uuid.New()
			return r.GiveFeedback(evaluator, plan(t), execution.FeedbackGiven{Feedback: uuid.New(), RHK: &u, Text: "x"}, at)
		}, wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "feedback with another SKP's plan", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.GiveFeedback(evaluator, otherPlan, execution.FeedbackGiven{Feedback: uuid.New(), RHK: &rhk, Text: "x"}, at)
		}, wantKind: domain.Invalid, wantRule: execution.RulePlan},
		{name: "feedback before the record is opened", when: func(r *execution.Record) ([]execution.Event, error) {
			return r.GiveFeedback(evaluator, plan(t), execution.FeedbackGiven{Feedback: uuid.New(), RHK: &rhk, Text: "x"}, at)
		}, wantKind: domain.NotFound},
		{name: "input without id", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.GiveInput(peer, execution.PeerInputGiven{Relation: execution.Peer, Period: q1, CoreValue: skp.Loyal, Assessment: policy.AsExpected, Text: "t"}, at)
		}, wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "log without id", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			e := entry
			e.Log = uuid.Nil
			return r.LogDailyProgress(employee, plan(t), e, at)
		}, wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "log with another SKP's plan", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.LogDailyProgress(employee, otherPlan, entry, at)
		}, wantKind: domain.Invalid, wantRule: execution.RulePlan},
		{name: "log citing unattached evidence", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			e := entry
			e.Evidence = []string{doc}
			return r.LogDailyProgress(employee, plan(t), e, at)
		}, wantKind: domain.Invalid, wantRule: execution.RuleEvidenceUnknown},
		{name: "log submitted by the superior", given: []execution.Event{opened(), entry}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.SubmitDailyProgress(evaluator, logID, at)
		}, wantKind: domain.Forbidden},
		{name: "review of an unknown entry", given: []execution.Event{opened()}, when: func(r *execution.Record) ([]execution.Event, error) {
			return r.ReviewDailyProgress(evaluator, logID, true, "", at)
		}, wantKind: domain.NotFound},
	})

	t.Run("metric and coaching", func(t *testing.T) {
		series := execution.ReplaySeries([]execution.Event{execution.SeriesOpened{Series: uuid.New(), NIP: employee, Indicator: catalog, UnitOfMeasure: "menit"}})
		_, err := series.Observe(execution.MetricObserved{Period: q1, Value: 1, Version: 1, Source: "antrian"}, at)
		check(t, nil, err, nil, domain.Invalid, execution.RuleRequired)
		_, err = execution.OpenSeries(execution.SeriesOpened{NIP: employee, Indicator: catalog, UnitOfMeasure: "menit"}, at)
		check(t, nil, err, nil, domain.Invalid, execution.RuleRequired)
		draft := skp.Replay([]skp.Event{skp.Drafted{SKP: skpID, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31}}).Plan()
		_, err = execution.HoldSession(evaluator, draft, execution.SessionHeld{Session: uuid.New(), Date: date(2026, 5, 4), Type: execution.Bimbingan}, at)
		check(t, nil, err, nil, domain.Invalid, execution.RulePlan)
		_, err = execution.HoldSession(evaluator, plan(t), execution.SessionHeld{Date: date(2026, 5, 4), Type: execution.Bimbingan}, at)
		check(t, nil, err, nil, domain.Invalid, execution.RuleRequired)
		_, err = execution.ReplaySession(nil).SubmitFeedback(employee, make([]string, 9), at)
		check(t, nil, err, nil, domain.NotFound, "")
		_, err = execution.ReplaySession(nil).EvaluateCompetencies(evaluator, nil, at)
		check(t, nil, err, nil, domain.NotFound, "")
		_, err = execution.ReplaySeries(nil).Observe(execution.MetricObserved{}, at)
		check(t, nil, err, nil, domain.NotFound, "")
	})
}

// TestQueries checks what the record answers after a few events.
func TestQueries(t *testing.T) {
	rhk := rhkID
	fb := execution.FeedbackGiven{Feedback: uuid.New(), From: evaluator, RHK: &rhk, Text: "t", At: at}
	in := execution.PeerInputGiven{Input: uuid.New(), From: peer, Relation: execution.Peer, Period: q1, CoreValue: skp.Loyal, Assessment: policy.AsExpected, Text: "t", At: at}
	entry := execution.DailyProgressLogged{Log: logID, Date: date(2026, 3, 2), Description: "d", Minutes: 60, At: at}
	r := execution.ReplayRecord([]execution.Event{opened(), fb, in, entry, execution.DailyProgressSubmitted{Log: logID, At: at}})
	if got := r.Feedback(); len(got) != 1 || got[0].Feedback != fb.Feedback {
		t.Errorf("Feedback() = %+v", got)
	}
	if got := r.Inputs(); len(got) != 1 || got[0].Input != in.Input {
		t.Errorf("Inputs() = %+v", got)
	}
	if st, ok := r.LogStatus(logID); !ok || st != execution.LogSubmitted {
		t.Errorf("LogStatus() = %v, %v; want SUBMITTED", st, ok)
	}
	if _, ok := r.LogStatus(uuid.New()); ok {
		t.Error("LogStatus of an unknown entry reports it exists")
	}
	obs := execution.MetricObserved{Observation: uuid.New(), Period: q1, Value: 3, Version: 1, Source: "SP4N-LAPOR"}
	s := execution.ReplaySeries([]execution.Event{execution.SeriesOpened{Series: uuid.New(), NIP: employee, Indicator: catalog, UnitOfMeasure: "aduan"}, obs})
	if got, ok := s.Observed(q1.ID); !ok || got.Value != 3 {
		t.Errorf("Observed(Q1) = %+v, %v", got, ok)
	}
	if _, ok := s.Observed("2026-Q2"); ok {
		t.Error("Observed(Q2) found a value that was never observed")
	}
}
