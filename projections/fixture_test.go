package projections_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/internal/logtest"
)

// The people and things of the hand-written histories.
var (
	employee  = domain.NIP("199001012015031001")
	evaluator = domain.NIP("198002022005011001")
	evalSup   = domain.NIP("197003032000031001")
	hr        = domain.NIP("198505052010012001")

	skpA  = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	skpB  = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	supA  = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	rhk1  = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	rhkS  = uuid.MustParse("00000000-0000-0000-0000-0000000000c9")
	iki1  = uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	iki2  = uuid.MustParse("00000000-0000-0000-0000-0000000000d2")
	iki3  = uuid.MustParse("00000000-0000-0000-0000-0000000000d3")
	indic = uuid.MustParse("00000000-0000-0000-0000-0000000000e1")

	jan1  = date(2026, 1, 1)
	jul1  = date(2026, 7, 1)
	dec31 = date(2026, 12, 31)
	at    = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// event is one domain event with the envelope the API would give it.
type event interface{ EventType() string }

func by(e event, actor domain.NIP, role, reason string) logtest.Event {
	return logtest.Event{Type: e.EventType(), Data: e, Actor: eventstore.Actor{ID: string(actor), Role: role}, Reason: reason}
}

func ikiOf(id uuid.UUID, text string, target float64, unit string) skp.IKI {
	return skp.IKI{ID: id, RHK: rhk1, Text: text, Aspect: indicator.Quantity, Direction: indicator.HigherIsBetter,
		Target: indicator.Target{Value: target}, Unit: unit, ValidFrom: jan1}
}

// planHistory is SKP A of the employee for 2026: drafted, two IKI added and
// one removed, submitted, returned, resubmitted, approved, then amended from
// 1 July: IKI 1 (12 Dokumen) is replaced by IKI 3 (10 Dokumen).
func planHistory(log *logtest.Log) {
	withIndicator := ikiOf(iki1, "Jumlah dokumen perizinan", 12, "Dokumen")
	withIndicator.Indicator, withIndicator.Version = &indic, 2
	log.Append(skp.Stream(skpA),
		by(skp.Drafted{SKP: skpA, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup,
			Approach: skp.Quantitative, Start: jan1, End: dec31, At: at}, employee, "employee", ""), // 1
		by(skp.RHKAdded{RHK: skp.RHK{ID: rhk1, Kind: skp.Utama, Text: "Layanan perizinan tepat waktu",
			Parent: &skp.ParentRef{SKP: supA, RHK: rhkS}, ValidFrom: jan1}, At: at}, employee, "employee", ""), // 2
		by(skp.IKIAdded{IKI: withIndicator, At: at}, employee, "employee", ""),                                          // 3
		by(skp.IKIAdded{IKI: ikiOf(iki2, "Persentase izin tepat waktu", 100, "%"), At: at}, employee, "employee", ""),   // 4
		by(skp.IKIRemoved{IKI: iki2, Reason: "sudah tercakup IKI 1", At: at}, employee, "employee", ""),                 // 5
		by(skp.Submitted{By: employee, At: at}, employee, "employee", ""),                                               // 6
		by(skp.ReturnedForRevision{By: evaluator, Comments: "lengkapi ekspektasi", At: at}, evaluator, "evaluator", ""), // 7
		by(skp.Submitted{By: employee, At: at}, employee, "employee", ""),                                               // 8
		by(skp.Approved{By: evaluator, At: at}, evaluator, "evaluator", ""),                                             // 9
		by(skp.AmendmentProposed{By: employee, Reason: "reorganisasi unit", EffectiveFrom: jul1, At: at,
			Changes: skp.Amendment{RemoveIKIs: []uuid.UUID{iki1}, AddIKIs: []skp.IKI{
				func() skp.IKI {
					i := ikiOf(iki3, "Jumlah dokumen perizinan", 10, "Dokumen")
					i.ValidFrom = jul1
					return i
				}()}}},
			employee, "employee", ""), // 10
		by(skp.AmendmentApproved{By: evaluator, At: at}, evaluator, "evaluator", "disepakati dalam dialog kinerja"), // 11
	)
}

// build folds the whole log into p with a runner on the memory sink and
// returns once p reflects the head.
func build(t *testing.T, log *logtest.Log, p projections.Projection) {
	t.Helper()
	r := projections.NewRunner(log, p, projections.Memory{}, projections.Config{}, quiet())
	start(t, r)
	waitHead(t, r, log)
}

var (
	real1 = uuid.MustParse("00000000-0000-0000-0000-0000000000f1")
	real2 = uuid.MustParse("00000000-0000-0000-0000-0000000000f2")
	real3 = uuid.MustParse("00000000-0000-0000-0000-0000000000f3")
	real4 = uuid.MustParse("00000000-0000-0000-0000-0000000000f4")
	q1    = execution.PeriodRef{ID: "2026-Q1", Start: jan1, End: date(2026, 3, 31)}
	q2    = execution.PeriodRef{ID: "2026-Q2", Start: date(2026, 4, 1), End: date(2026, 6, 30)}
	q3    = execution.PeriodRef{ID: "2026-Q3", Start: jul1, End: date(2026, 9, 30)}
)

// executionStream is the stream of SKP A's execution record.
var executionStream = "execution-" + skpA.String()

// realisationHistory follows planHistory: the record is opened, IKI 1 gets
// 3 Dokumen in Q1 and 6 in Q2, the Q2 figure is corrected to 7, and IKI 3
// (from July) gets 5 in Q3.
func realisationHistory(log *logtest.Log) {
	log.Append(executionStream,
		by(execution.Opened{SKP: skpA, Employee: employee, Evaluator: evaluator, Start: jan1, End: dec31, At: at}, "system", "system", ""), // 12
		by(execution.RealisationReported{Realisation: real1, IKI: iki1, RHK: rhk1, Period: q1, Value: 3, Narrative: "3 izin terbit",
			Indicator: &indic, Version: 2, By: employee, At: at}, employee, "employee", ""), // 13
		by(execution.RealisationReported{Realisation: real2, IKI: iki1, RHK: rhk1, Period: q2, Value: 6, Narrative: "6 izin terbit",
			Indicator: &indic, Version: 2, By: employee, At: at}, employee, "employee", ""), // 14
		by(execution.RealisationReported{Realisation: real3, IKI: iki1, RHK: rhk1, Period: q2, Value: 7, Narrative: "7 izin terbit",
			Indicator: &indic, Version: 2, Supersedes: &real2, Reason: "satu izin tercatat terlambat", By: employee, At: at}, employee, "employee", ""), // 15
		by(execution.RealisationReported{Realisation: real4, IKI: iki3, RHK: rhk1, Period: q3, Value: 5, Narrative: "5 izin terbit",
			By: employee, At: at}, employee, "employee", ""), // 16
	)
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	eval1  = uuid.MustParse("00000000-0000-0000-0000-0000000000aa")
	obj1   = uuid.MustParse("00000000-0000-0000-0000-0000000000ab")
	unitU  = uuid.MustParse("00000000-0000-0000-0000-000000000099")
	q2Eval = evaluation.Period{ID: "2026-Q2", Start: date(2026, 4, 1), End: date(2026, 6, 30)}
)

// evaluationHistory follows realisationHistory: the Q2 evaluation of SKP A
// is rated Sesuai/Di Atas (Baik), finalised and delivered; the employee
// objects and the evaluator's superior raises the work result to Di Atas
// (Sangat Baik); the evaluation locks.
func evaluationHistory(log *logtest.Log) {
	log.Append(evaluation.Stream(eval1),
		by(evaluation.Opened{Evaluation: eval1, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, SKP: skpA,
			Unit: unitU, Period: q2Eval, Policy: policy.DefaultID, At: at}, evaluator, "evaluator", ""), // 17
		by(evaluation.SelfAssessed{Notes: "target Q2 hampir tercapai", By: employee, At: at}, employee, "employee", ""),                               // 18
		by(evaluation.WorkResultRated{Rating: policy.AsExpected, Rationale: "sesuai target", RatedBy: evaluator, At: at}, evaluator, "evaluator", ""), // 19
		by(evaluation.BehaviourRated{Rating: policy.AboveExpectation, Notes: "proaktif", RatedBy: evaluator, At: at}, evaluator, "evaluator", ""),     // 20
		by(evaluation.PredicateDetermined{Predicate: policy.Baik, WorkResult: policy.AsExpected, Behaviour: policy.AboveExpectation,
			Policy: policy.DefaultID, At: at}, evaluator, "evaluator", ""), // 21
		by(evaluation.Finalized{SignedBy: evaluator, SignatureRef: "sig-1", At: at}, evaluator, "evaluator", ""),                                    // 22
		by(evaluation.Delivered{By: evaluator, At: at}, evaluator, "evaluator", ""),                                                                 // 23
		by(evaluation.ObjectionFiled{Objection: obj1, Reasons: "realisasi Q2 dikoreksi menjadi 7", By: employee, At: at}, employee, "employee", ""), // 24
		by(evaluation.ObjectionDecided{Objection: obj1, Outcome: evaluation.Changed, WorkResult: policy.AboveExpectation,
			Predicate: policy.SangatBaik, Reason: "bukti tambahan diterima", By: evalSup, At: at}, evalSup, "evaluator_superior", ""), // 25
		by(evaluation.Locked{Predicate: policy.SangatBaik, At: at}, "system", "system", ""), // 26
	)
}
