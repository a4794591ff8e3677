package execution_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

var (
	employee  = domain.NIP("199001012015031001")
	evaluator = domain.NIP("198002022005011001")
	evalSup   = domain.NIP("197003032000031001")
	peer      = domain.NIP("199505052020012001")

	skpID   = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	supSKP  = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	supRHK  = uuid.MustParse("00000000-0000-0000-0000-0000000000b2")
	rhkID   = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	ikiID   = uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	iki2ID  = uuid.MustParse("00000000-0000-0000-0000-0000000000d2")
	realID  = uuid.MustParse("00000000-0000-0000-0000-0000000000e1")
	real2ID = uuid.MustParse("00000000-0000-0000-0000-0000000000e2")
	logID   = uuid.MustParse("00000000-0000-0000-0000-0000000000f1")
	catalog = uuid.MustParse("00000000-0000-0000-0000-000000000101")

	jan1  = date(2026, 1, 1)
	dec31 = date(2026, 12, 31)
	at    = time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	q1    = execution.PeriodRef{ID: "2026-Q1", Start: jan1, End: date(2026, 3, 31)}
	q3    = execution.PeriodRef{ID: "2026-Q3", Start: date(2026, 7, 1), End: date(2026, 9, 30)}
	doc   = execution.EvidenceID([]byte("laporan triwulan I"))
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// plan returns the approved SKP: IKI ikiID measured with catalogue version
// 2, replaced from 1 July by iki2ID through an approved amendment.
func plan(t *testing.T) skp.Plan {
	t.Helper()
	jul1 := date(2026, 7, 1)
	iki := skp.IKI{ID: ikiID, RHK: rhkID, Text: "Jumlah izin terbit", Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter,
		Target: indicator.Target{Value: 100}, Unit: "izin", Indicator: &catalog, Version: 2, ValidFrom: jan1}
	iki2 := iki
	iki2.ID, iki2.Target, iki2.ValidFrom, iki2.Version = iki2ID, indicator.Target{Value: 150}, jul1, 3
	es := []skp.Event{
		skp.Drafted{SKP: skpID, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, Approach: skp.Quantitative, Start: jan1, End: dec31},
		skp.RHKAdded{RHK: skp.RHK{ID: rhkID, Kind: skp.Utama, Text: "Layanan perizinan", Parent: &skp.ParentRef{SKP: supSKP, RHK: supRHK}, ValidFrom: jan1}},
		skp.IKIAdded{IKI: iki},
		skp.Submitted{By: employee}, skp.Approved{By: evaluator},
		skp.AmendmentProposed{By: employee, Reason: "target naik", EffectiveFrom: jul1, Changes: skp.Amendment{RemoveIKIs: []uuid.UUID{ikiID}, AddIKIs: []skp.IKI{iki2}}},
		skp.AmendmentApproved{By: evaluator},
	}
	return skp.Replay(es).Plan()
}

func opened() execution.Opened {
	return execution.Opened{SKP: skpID, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31, At: at}
}

func attached() execution.EvidenceAttached {
	return execution.EvidenceAttached{SHA256: doc, Kind: execution.Document, URI: "s3://bukti/laporan-q1.pdf", Owner: employee, CapturedAt: date(2026, 3, 31), At: at}
}

func reported() execution.RealisationReported {
	return execution.RealisationReported{Realisation: realID, IKI: ikiID, RHK: rhkID, Period: q1, Value: 30, Narrative: "30 izin terbit",
		Evidence: []string{doc}, Indicator: &catalog, Version: 2, By: employee, At: at}
}

type testCase struct {
	name     string
	given    []execution.Event
	when     func(*execution.Record) ([]execution.Event, error)
	want     []execution.Event
	wantKind domain.Kind
	wantRule string
}

func check(t *testing.T, got []execution.Event, err error, want []execution.Event, wantKind domain.Kind, wantRule string) {
	t.Helper()
	if kind := domain.KindOf(err); kind != wantKind {
		t.Fatalf("error = %v (kind %v), want kind %v", err, kind, wantKind)
	}
	if wantRule != "" {
		var de *domain.Error
		if !errors.As(err, &de) || de.Rule != wantRule {
			t.Fatalf("error = %#v, want rule %q", err, wantRule)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events = %+v\nwant     %+v", got, want)
	}
}

func run(t *testing.T, tests []testCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(execution.ReplayRecord(tt.given))
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestOpen(t *testing.T) {
	draft := skp.Replay([]skp.Event{skp.Drafted{SKP: skpID, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31}}).Plan()
	tests := []struct {
		name     string
		by       domain.NIP
		plan     skp.Plan
		want     []execution.Event
		wantKind domain.Kind
	}{
		{name: "by the employee", by: employee, plan: plan(t), want: []execution.Event{opened()}},
		{name: "by the evaluator", by: evaluator, plan: plan(t), want: []execution.Event{opened()}},
		{name: "by a peer", by: peer, plan: plan(t), wantKind: domain.Forbidden},
		{name: "plan not approved", by: employee, plan: draft, wantKind: domain.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := execution.Open(tt.by, tt.plan, at)
			check(t, got, err, tt.want, tt.wantKind, "")
		})
	}
}

func TestAttachEvidence(t *testing.T) {
	ev := execution.Evidence{SHA256: doc, Kind: execution.Document, URI: "s3://bukti/laporan-q1.pdf", CapturedAt: date(2026, 3, 31)}
	attach := func(by domain.NIP, f func(*execution.Evidence)) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) {
			e := ev
			f(&e)
			return r.AttachEvidence(by, e, at)
		}
	}
	same := func(*execution.Evidence) {}
	run(t, []testCase{
		{name: "attached", given: []execution.Event{opened()}, when: attach(employee, same), want: []execution.Event{attached()}},
		{name: "same content again changes nothing", given: []execution.Event{opened(), attached()}, when: attach(employee, same)},
		{name: "same address, changed content (invariant 13)", given: []execution.Event{opened(), attached()},
			when:     attach(employee, func(e *execution.Evidence) { e.SHA256 = execution.EvidenceID([]byte("laporan yang diubah")) }),
			wantKind: domain.Invalid, wantRule: execution.RuleEvidence},
		{name: "not a SHA-256", given: []execution.Event{opened()}, when: attach(employee, func(e *execution.Evidence) { e.SHA256 = "abc" }),
			wantKind: domain.Invalid, wantRule: execution.RuleEvidence},
		{name: "upper-case hex", given: []execution.Event{opened()}, when: attach(employee, func(e *execution.Evidence) { e.SHA256 = "AB" + doc[2:] }),
			wantKind: domain.Invalid, wantRule: execution.RuleEvidence},
		{name: "unknown kind", given: []execution.Event{opened()}, when: attach(employee, func(e *execution.Evidence) { e.Kind = "VIDEO" }),
			wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no address", given: []execution.Event{opened()}, when: attach(employee, func(e *execution.Evidence) { e.URI = "" }),
			wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "by the evaluator", given: []execution.Event{opened()}, when: attach(evaluator, same), wantKind: domain.Forbidden},
		{name: "record not opened", when: attach(employee, same), wantKind: domain.NotFound},
	})
}

func TestVerifyEvidence(t *testing.T) {
	if err := execution.VerifyEvidence(doc, []byte("laporan triwulan I")); err != nil {
		t.Errorf("VerifyEvidence(original) = %v, want nil", err)
	}
	err := execution.VerifyEvidence(doc, []byte("laporan triwulan I (revisi)"))
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Rule != execution.RuleEvidence {
		t.Errorf("VerifyEvidence(altered) = %#v, want Invalid %s", err, execution.RuleEvidence)
	}
}

func TestReportRealisation(t *testing.T) {
	given := []execution.Event{opened(), attached()}
	report := func(by domain.NIP, f func(*execution.Realisation)) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) {
			x := execution.Realisation{ID: realID, IKI: ikiID, Period: q1, Value: 30, Narrative: "30 izin terbit", Evidence: []string{doc}}
			f(&x)
			return r.ReportRealisation(by, plan(t), x, at)
		}
	}
	keep := func(*execution.Realisation) {}
	correction := reported()
	correction.Realisation, correction.Value, correction.Supersedes, correction.Reason = real2ID, 32, &realID, "dua izin terlewat"
	q3Report := execution.RealisationReported{Realisation: real2ID, IKI: iki2ID, RHK: rhkID, Period: q3, Value: 40, Indicator: &catalog, Version: 3, By: employee, At: at}
	otherPlan := plan(t)
	otherPlan.ID = uuid.New()
	run(t, []testCase{
		{name: "reported, stamped with the planned indicator version", given: given, when: report(employee, keep), want: []execution.Event{reported()}},
		{name: "amended IKI in a later period", given: given,
			when: report(employee, func(x *execution.Realisation) {
				x.ID, x.IKI, x.Period, x.Value, x.Narrative, x.Evidence = real2ID, iki2ID, q3, 40, "", nil
			}),
			want: []execution.Event{q3Report}},
		{name: "corrected with a reason, beside the original (invariant 21)", given: append(given, reported()),
			when: report(employee, func(x *execution.Realisation) {
				x.ID, x.Value, x.Supersedes, x.Reason = real2ID, 32, &realID, "dua izin terlewat"
			}),
			want: []execution.Event{correction}},
		{name: "second report without superseding (invariant 21)", given: append(given, reported()),
			when: report(employee, func(x *execution.Realisation) { x.ID = real2ID }), wantKind: domain.Conflict, wantRule: execution.RuleCorrection},
		{name: "correction without a reason", given: append(given, reported()),
			when:     report(employee, func(x *execution.Realisation) { x.ID, x.Supersedes = real2ID, &realID }),
			wantKind: domain.Invalid, wantRule: execution.RuleCorrection},
		{name: "correction of nothing", given: given,
			when:     report(employee, func(x *execution.Realisation) { x.Supersedes, x.Reason = &real2ID, "x" }),
			wantKind: domain.Invalid, wantRule: execution.RuleCorrection},
		{name: "period outside the SKP (invariant 11)", given: given,
			when: report(employee, func(x *execution.Realisation) {
				x.Period = execution.PeriodRef{ID: "2027-Q1", Start: date(2027, 1, 1), End: date(2027, 3, 31)}
			}),
			wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "IKI replaced before the period (invariant 11)", given: given,
			when: report(employee, func(x *execution.Realisation) { x.Period = q3 }), wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "IKI not yet in the plan in the period (invariant 11)", given: given,
			when: report(employee, func(x *execution.Realisation) { x.IKI = iki2ID }), wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "IKI that never existed (invariant 11)", given: given,
			when: report(employee, func(x *execution.Realisation) { x.IKI = uuid.New() }), wantKind: domain.Invalid, wantRule: execution.RuleRealisationIKI},
		{name: "negative value", given: given, when: report(employee, func(x *execution.Realisation) { x.Value = -1 }), wantKind: domain.Invalid, wantRule: execution.RuleValue},
		{name: "evidence never attached", given: []execution.Event{opened()}, when: report(employee, keep), wantKind: domain.Invalid, wantRule: execution.RuleEvidenceUnknown},
		{name: "no period", given: given, when: report(employee, func(x *execution.Realisation) { x.Period = execution.PeriodRef{} }), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no id", given: given, when: report(employee, func(x *execution.Realisation) { x.ID = uuid.Nil }), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "by the evaluator", given: given, when: report(evaluator, keep), wantKind: domain.Forbidden},
		{name: "plan of another SKP", given: given,
			when: func(r *execution.Record) ([]execution.Event, error) {
				return r.ReportRealisation(employee, otherPlan, execution.Realisation{ID: realID, IKI: ikiID, Period: q1, Value: 1}, at)
			},
			wantKind: domain.Invalid, wantRule: execution.RulePlan},
	})
}

// TestRealisationKeepsItsVersion shows invariant 12: a realisation keeps the
// indicator version it was measured with, and a correction is a new event
// beside it, never a rewrite.
func TestRealisationKeepsItsVersion(t *testing.T) {
	correction := reported()
	correction.Realisation, correction.Value, correction.Supersedes, correction.Reason = real2ID, 32, &realID, "dua izin terlewat"
	r := execution.ReplayRecord([]execution.Event{opened(), attached(), reported(), correction})
	current := r.Realisations(q1.ID)
	if len(current) != 1 || current[0].Realisation != real2ID || current[0].Version != 2 {
		t.Errorf("current realisations = %+v, want only the correction, version 2", current)
	}
	history := r.History()
	if len(history) != 2 || history[0].Value != 30 || history[0].Version != 2 {
		t.Errorf("history = %+v, want the original kept unchanged", history)
	}
	got, err := r.Achievements(plan(t), q1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[uuid.UUID]float64{ikiID: 32}; !reflect.DeepEqual(got, want) {
		t.Errorf("Achievements() = %v, want %v", got, want)
	}
}

func TestGiveFeedback(t *testing.T) {
	rhk := rhkID
	give := func(by domain.NIP, f execution.FeedbackGiven) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) { return r.GiveFeedback(by, plan(t), f, at) }
	}
	id := uuid.MustParse("00000000-0000-0000-0000-000000000201")
	run(t, []testCase{
		{name: "on an RHK", given: []execution.Event{opened(), attached()},
			when: give(evaluator, execution.FeedbackGiven{Feedback: id, RHK: &rhk, Text: "percepat verifikasi", Evidence: []string{doc}}),
			want: []execution.Event{execution.FeedbackGiven{Feedback: id, From: evaluator, RHK: &rhk, Text: "percepat verifikasi", Evidence: []string{doc}, At: at}}},
		{name: "on a BerAKHLAK value", given: []execution.Event{opened()},
			when: give(evaluator, execution.FeedbackGiven{Feedback: id, CoreValue: skp.Kolaboratif, Text: "baik"}),
			want: []execution.Event{execution.FeedbackGiven{Feedback: id, From: evaluator, CoreValue: skp.Kolaboratif, Text: "baik", At: at}}},
		{name: "from a peer", given: []execution.Event{opened()}, when: give(peer, execution.FeedbackGiven{Feedback: id, RHK: &rhk, Text: "x"}), wantKind: domain.Forbidden},
		{name: "no target", given: []execution.Event{opened()}, when: give(evaluator, execution.FeedbackGiven{Feedback: id, Text: "x"}), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "two targets", given: []execution.Event{opened()}, when: give(evaluator, execution.FeedbackGiven{Feedback: id, RHK: &rhk, CoreValue: skp.Loyal, Text: "x"}), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unknown value", given: []execution.Event{opened()}, when: give(evaluator, execution.FeedbackGiven{Feedback: id, CoreValue: "RAJIN", Text: "x"}), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no text", given: []execution.Event{opened()}, when: give(evaluator, execution.FeedbackGiven{Feedback: id, RHK: &rhk}), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unattached evidence", given: []execution.Event{opened()}, when: give(evaluator, execution.FeedbackGiven{Feedback: id, RHK: &rhk, Text: "x", Evidence: []string{doc}}), wantKind: domain.Invalid, wantRule: execution.RuleEvidenceUnknown},
	})
}

func TestGiveInput(t *testing.T) {
	id := uuid.MustParse("00000000-0000-0000-0000-000000000301")
	in := func(rel execution.Relation, f func(*execution.PeerInputGiven)) execution.PeerInputGiven {
		p := execution.PeerInputGiven{Input: id, Relation: rel, Period: q1, CoreValue: skp.Harmonis, Assessment: policy.AsExpected, Text: "membantu rekan"}
		f(&p)
		return p
	}
	keep := func(*execution.PeerInputGiven) {}
	give := func(by domain.NIP, p execution.PeerInputGiven) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) { return r.GiveInput(by, p, at) }
	}
	citizen := in(execution.Citizen, func(p *execution.PeerInputGiven) { p.SourceRef = "SKM-2026-Q1-0042" })
	citizenWant := citizen
	citizenWant.At = at
	peerWant := in(execution.Peer, func(p *execution.PeerInputGiven) { p.From, p.At = peer, at })
	run(t, []testCase{
		{name: "from a peer", given: []execution.Event{opened()}, when: give(peer, in(execution.Peer, keep)), want: []execution.Event{peerWant}},
		{name: "from a citizen survey", given: []execution.Event{opened()}, when: give("", citizen), want: []execution.Event{citizenWant}},
		{name: "about oneself", given: []execution.Event{opened()}, when: give(employee, in(execution.Peer, keep)), wantKind: domain.Forbidden},
		{name: "from the evaluator", given: []execution.Event{opened()}, when: give(evaluator, in(execution.Subordinate, keep)), wantKind: domain.Forbidden},
		{name: "citizen without a source", given: []execution.Event{opened()}, when: give("", in(execution.Citizen, keep)), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "peer without a NIP", given: []execution.Event{opened()}, when: give("", in(execution.Peer, keep)), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "subordinate with a malformed NIP", given: []execution.Event{opened()}, when: give("12345", in(execution.Subordinate, keep)), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unknown relation", given: []execution.Event{opened()}, when: give(peer, in("TEMAN", keep)), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unknown assessment", given: []execution.Event{opened()}, when: give(peer, in(execution.Peer, func(p *execution.PeerInputGiven) { p.Assessment = "BAGUS" })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unknown value", given: []execution.Event{opened()}, when: give(peer, in(execution.Peer, func(p *execution.PeerInputGiven) { p.CoreValue = "" })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "period outside the SKP", given: []execution.Event{opened()},
			when: give(peer, in(execution.Peer, func(p *execution.PeerInputGiven) {
				p.Period = execution.PeriodRef{ID: "2025-Q4", Start: date(2025, 10, 1), End: date(2025, 12, 31)}
			})), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no text", given: []execution.Event{opened()}, when: give(peer, in(execution.Peer, func(p *execution.PeerInputGiven) { p.Text = "" })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
	})
}

func TestDailyProgress(t *testing.T) {
	rhk := rhkID
	entry := execution.DailyProgressLogged{Log: logID, Date: date(2026, 3, 2), RHK: &rhk, Description: "verifikasi 5 berkas izin", Minutes: 240}
	logged := entry
	logged.At = at
	with := func(f func(*execution.DailyProgressLogged)) execution.DailyProgressLogged {
		e := entry
		f(&e)
		return e
	}
	log := func(by domain.NIP, e execution.DailyProgressLogged) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) { return r.LogDailyProgress(by, plan(t), e, at) }
	}
	submitted := []execution.Event{opened(), logged, execution.DailyProgressSubmitted{Log: logID, At: at}}
	review := func(by domain.NIP, approve bool, comment string) func(*execution.Record) ([]execution.Event, error) {
		return func(r *execution.Record) ([]execution.Event, error) {
			return r.ReviewDailyProgress(by, logID, approve, comment, at)
		}
	}
	run(t, []testCase{
		{name: "logged", given: []execution.Event{opened()}, when: log(employee, entry), want: []execution.Event{logged}},
		{name: "logged by the superior", given: []execution.Event{opened()}, when: log(evaluator, entry), wantKind: domain.Forbidden},
		{name: "reused id", given: []execution.Event{opened(), logged}, when: log(employee, entry), wantKind: domain.Conflict},
		{name: "day outside the SKP", given: []execution.Event{opened()}, when: log(employee, with(func(e *execution.DailyProgressLogged) { e.Date = date(2027, 1, 4) })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "more minutes than a day", given: []execution.Event{opened()}, when: log(employee, with(func(e *execution.DailyProgressLogged) { e.Minutes = 1441 })), wantKind: domain.Invalid, wantRule: execution.RuleValue},
		{name: "no minutes", given: []execution.Event{opened()}, when: log(employee, with(func(e *execution.DailyProgressLogged) { e.Minutes = 0 })), wantKind: domain.Invalid, wantRule: execution.RuleValue},
		{name: "no description", given: []execution.Event{opened()}, when: log(employee, with(func(e *execution.DailyProgressLogged) { e.Description = " " })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "unknown RHK", given: []execution.Event{opened()}, when: log(employee, with(func(e *execution.DailyProgressLogged) { u := uuid.New(); e.RHK = &u })), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "submitted", given: []execution.Event{opened(), logged},
			when: func(r *execution.Record) ([]execution.Event, error) {
				return r.SubmitDailyProgress(employee, logID, at)
			},
			want: []execution.Event{execution.DailyProgressSubmitted{Log: logID, At: at}}},
		{name: "submitted twice", given: submitted,
			when: func(r *execution.Record) ([]execution.Event, error) {
				return r.SubmitDailyProgress(employee, logID, at)
			},
			wantKind: domain.Invalid, wantRule: execution.RuleStage},
		{name: "submit an unknown entry", given: []execution.Event{opened()},
			when: func(r *execution.Record) ([]execution.Event, error) {
				return r.SubmitDailyProgress(employee, logID, at)
			},
			wantKind: domain.NotFound},
		{name: "approved", given: submitted, when: review(evaluator, true, ""), want: []execution.Event{execution.DailyProgressApproved{Log: logID, By: evaluator, At: at}}},
		{name: "rejected", given: submitted, when: review(evaluator, false, "bukti kurang"), want: []execution.Event{execution.DailyProgressRejected{Log: logID, By: evaluator, Comment: "bukti kurang", At: at}}},
		{name: "rejected without a comment", given: submitted, when: review(evaluator, false, ""), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "reviewed by someone else", given: submitted, when: review(evalSup, true, ""), wantKind: domain.Forbidden},
		{name: "reviewing a draft", given: []execution.Event{opened(), logged}, when: review(evaluator, true, ""), wantKind: domain.Invalid, wantRule: execution.RuleStage},
	})
}

func TestMetricSeries(t *testing.T) {
	unit := uuid.MustParse("00000000-0000-0000-0000-000000000401")
	series := uuid.MustParse("00000000-0000-0000-0000-000000000402")
	obs := uuid.MustParse("00000000-0000-0000-0000-000000000403")
	obs2 := uuid.MustParse("00000000-0000-0000-0000-000000000404")
	open := execution.SeriesOpened{Series: series, Unit: &unit, Indicator: catalog, UnitOfMeasure: "pengaduan", At: at}
	t.Run("open", func(t *testing.T) {
		tests := []struct {
			name     string
			cmd      execution.SeriesOpened
			want     []execution.Event
			wantKind domain.Kind
		}{
			{name: "for a unit", cmd: open, want: []execution.Event{open}},
			{name: "for a unit and a person", cmd: execution.SeriesOpened{Series: series, Unit: &unit, NIP: employee, Indicator: catalog, UnitOfMeasure: "x"}, wantKind: domain.Invalid},
			{name: "for nobody", cmd: execution.SeriesOpened{Series: series, Indicator: catalog, UnitOfMeasure: "x"}, wantKind: domain.Invalid},
			{name: "for a malformed NIP", cmd: execution.SeriesOpened{Series: series, NIP: "123", Indicator: catalog, UnitOfMeasure: "x"}, wantKind: domain.Invalid},
			{name: "no indicator", cmd: execution.SeriesOpened{Series: series, Unit: &unit, UnitOfMeasure: "x"}, wantKind: domain.Invalid},
			{name: "no unit of measure", cmd: execution.SeriesOpened{Series: series, Unit: &unit, Indicator: catalog}, wantKind: domain.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := execution.OpenSeries(tt.cmd, at)
				check(t, got, err, tt.want, tt.wantKind, "")
			})
		}
	})
	first := execution.MetricObserved{Observation: obs, Period: q1, Value: 4, Version: 1, Source: "SP4N-LAPOR", At: at}
	with := func(f func(*execution.MetricObserved)) execution.MetricObserved { o := first; f(&o); return o }
	tests := []struct {
		name     string
		given    []execution.Event
		cmd      execution.MetricObserved
		want     []execution.Event
		wantKind domain.Kind
		wantRule string
	}{
		{name: "observed", given: []execution.Event{open}, cmd: first, want: []execution.Event{first}},
		{name: "zero complaints is a value", given: []execution.Event{open}, cmd: with(func(o *execution.MetricObserved) { o.Value = 0 }), want: []execution.Event{with(func(o *execution.MetricObserved) { o.Value = 0 })}},
		{name: "corrected", given: []execution.Event{open, first}, cmd: with(func(o *execution.MetricObserved) {
			o.Observation, o.Value, o.Supersedes, o.Reason = obs2, 5, &obs, "aduan ganda dihitung"
		}),
			want: []execution.Event{with(func(o *execution.MetricObserved) {
				o.Observation, o.Value, o.Supersedes, o.Reason = obs2, 5, &obs, "aduan ganda dihitung"
			})}},
		{name: "second value without superseding (invariant 21)", given: []execution.Event{open, first}, cmd: with(func(o *execution.MetricObserved) { o.Observation = obs2 }), wantKind: domain.Conflict, wantRule: execution.RuleCorrection},
		{name: "correction without reason", given: []execution.Event{open, first}, cmd: with(func(o *execution.MetricObserved) { o.Observation, o.Supersedes = obs2, &obs }), wantKind: domain.Invalid, wantRule: execution.RuleCorrection},
		{name: "negative", given: []execution.Event{open}, cmd: with(func(o *execution.MetricObserved) { o.Value = -2 }), wantKind: domain.Invalid, wantRule: execution.RuleValue},
		{name: "no source", given: []execution.Event{open}, cmd: with(func(o *execution.MetricObserved) { o.Source = "" }), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no version", given: []execution.Event{open}, cmd: with(func(o *execution.MetricObserved) { o.Version = 0 }), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "no period", given: []execution.Event{open}, cmd: with(func(o *execution.MetricObserved) { o.Period = execution.PeriodRef{} }), wantKind: domain.Invalid, wantRule: execution.RuleRequired},
		{name: "series not opened", cmd: first, wantKind: domain.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := execution.ReplaySeries(tt.given).Observe(tt.cmd, at)
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestCoaching(t *testing.T) {
	session := uuid.MustParse("00000000-0000-0000-0000-000000000501")
	held := execution.SessionHeld{Session: session, Coach: evaluator, Employee: employee, SKP: skpID, Date: date(2026, 5, 4), Type: execution.Bimbingan, NotesRef: "notulen-1", At: at}
	t.Run("hold", func(t *testing.T) {
		tests := []struct {
			name     string
			by       domain.NIP
			cmd      execution.SessionHeld
			want     []execution.Event
			wantKind domain.Kind
		}{
			{name: "held", by: evaluator, cmd: execution.SessionHeld{Session: session, Date: date(2026, 5, 4), Type: execution.Bimbingan, NotesRef: "notulen-1"}, want: []execution.Event{held}},
			{name: "by a peer", by: peer, cmd: execution.SessionHeld{Session: session, Date: date(2026, 5, 4), Type: execution.Bimbingan}, wantKind: domain.Forbidden},
			{name: "unknown type", by: evaluator, cmd: execution.SessionHeld{Session: session, Date: date(2026, 5, 4), Type: "RAPAT"}, wantKind: domain.Invalid},
			{name: "outside the period", by: evaluator, cmd: execution.SessionHeld{Session: session, Date: date(2027, 5, 4), Type: execution.Konseling}, wantKind: domain.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := execution.HoldSession(tt.by, plan(t), tt.cmd, at)
				check(t, got, err, tt.want, tt.wantKind, "")
			})
		}
	})
	nine := []string{"ya", "ya", "ya", "cukup", "ya", "ya", "tidak", "ya", "lanjutkan"}
	fb := execution.CoachingFeedbackSubmitted{By: employee, Answers: nine, At: at}
	comp := []execution.Competency{{Name: "Analisis kebijakan", Score: 4, Reason: "telaah tepat"}}
	tests := []struct {
		name     string
		given    []execution.Event
		when     func(*execution.Session) ([]execution.Event, error)
		want     []execution.Event
		wantKind domain.Kind
	}{
		{name: "feedback", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) { return s.SubmitFeedback(employee, nine, at) }, want: []execution.Event{fb}},
		{name: "feedback twice", given: []execution.Event{held, fb}, when: func(s *execution.Session) ([]execution.Event, error) { return s.SubmitFeedback(employee, nine, at) }, wantKind: domain.Conflict},
		{name: "feedback by the coach", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) { return s.SubmitFeedback(evaluator, nine, at) }, wantKind: domain.Forbidden},
		{name: "eight answers", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) { return s.SubmitFeedback(employee, nine[:8], at) }, wantKind: domain.Invalid},
		{name: "an empty answer", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			a := append([]string(nil), nine...)
			a[3] = ""
			return s.SubmitFeedback(employee, a, at)
		}, wantKind: domain.Invalid},
		{name: "competencies", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			return s.EvaluateCompetencies(evaluator, comp, at)
		},
			want: []execution.Event{execution.CompetencyEvaluated{By: evaluator, Competencies: comp, At: at}}},
		{name: "competencies by the employee", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			return s.EvaluateCompetencies(employee, comp, at)
		}, wantKind: domain.Forbidden},
		{name: "score six", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			return s.EvaluateCompetencies(evaluator, []execution.Competency{{Name: "x", Score: 6, Reason: "r"}}, at)
		}, wantKind: domain.Invalid},
		{name: "score without reason", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			return s.EvaluateCompetencies(evaluator, []execution.Competency{{Name: "x", Score: 3}}, at)
		}, wantKind: domain.Invalid},
		{name: "none", given: []execution.Event{held}, when: func(s *execution.Session) ([]execution.Event, error) {
			return s.EvaluateCompetencies(evaluator, nil, at)
		}, wantKind: domain.Invalid},
		{name: "twice", given: []execution.Event{held, execution.CompetencyEvaluated{By: evaluator, Competencies: comp, At: at}},
			when: func(s *execution.Session) ([]execution.Event, error) {
				return s.EvaluateCompetencies(evaluator, comp, at)
			}, wantKind: domain.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(execution.ReplaySession(tt.given))
			check(t, got, err, tt.want, tt.wantKind, "")
		})
	}
}
