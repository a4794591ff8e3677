package skp_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/skp"
)

var (
	employee  = domain.NIP("199001012015031001")
	evaluator = domain.NIP("198002022005011001")
	evalSup   = domain.NIP("197003032000031001")
	topLeader = domain.NIP("196504041990031001")
	stranger  = domain.NIP("199505052020012001")

	skpID    = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	supSKP   = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	supRHK   = uuid.MustParse("00000000-0000-0000-0000-0000000000b2")
	rhkID    = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	rhk2ID   = uuid.MustParse("00000000-0000-0000-0000-0000000000c2")
	ikiID    = uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	iki2ID   = uuid.MustParse("00000000-0000-0000-0000-0000000000d2")
	otherSKP = uuid.MustParse("00000000-0000-0000-0000-0000000000e1")

	jan1  = date(2026, 1, 1)
	dec31 = date(2026, 12, 31)
	at    = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func placement() skp.Placement {
	return skp.Placement{Active: true, DirectSuperior: evaluator, SuperiorOfSuperior: evalSup}
}

func drafted() skp.Drafted {
	return skp.Drafted{SKP: skpID, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup,
		Approach: skp.Quantitative, Start: jan1, End: dec31, At: at}
}

func rhk() skp.RHK {
	return skp.RHK{ID: rhkID, Kind: skp.Utama, Text: "Layanan perizinan tepat waktu", Parent: &skp.ParentRef{SKP: supSKP, RHK: supRHK}, ValidFrom: jan1}
}

func iki() skp.IKI {
	return skp.IKI{ID: ikiID, RHK: rhkID, Text: "Jumlah izin terbit", Aspect: indicator.Quantity,
		Direction: indicator.HigherIsBetter, Target: indicator.Target{Value: 120}, Unit: "izin", ValidFrom: jan1}
}

func behaviour() []skp.Event {
	var es []skp.Event
	for _, v := range skp.CoreValues() {
		es = append(es, skp.BehaviourExpectationSet{Value: v, Expectation: "sesuai pedoman", By: evaluator, At: at})
	}
	return es
}

// superiorPlan is the direct superior's approved SKP that the employee's RHK
// intervene; the superior is a JPT citing the PK.
func superiorPlan(t *testing.T, approved bool) *skp.Plan {
	t.Helper()
	es := []skp.Event{
		skp.Drafted{SKP: supSKP, Employee: evaluator, Evaluator: evalSup, EvaluatorSuperior: topLeader, JPT: true, Approach: skp.Quantitative, Start: jan1, End: dec31, At: at},
		skp.RHKAdded{RHK: skp.RHK{ID: supRHK, Kind: skp.Utama, Text: "Meningkatnya kualitas layanan", Source: &skp.Source{Kind: skp.SourcePK, Reference: "PK 2026 sasaran 1"}, ValidFrom: jan1}, At: at},
	}
	if approved {
		es = append(es, skp.Submitted{By: evaluator, At: at}, skp.Approved{By: evalSup, At: at})
	}
	p := skp.Replay(es).Plan()
	return &p
}

func withEvents(groups ...[]skp.Event) []skp.Event {
	var out []skp.Event
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func complete() []skp.Event {
	return withEvents([]skp.Event{drafted(), skp.RHKAdded{RHK: rhk(), At: at}, skp.IKIAdded{IKI: iki(), At: at}}, behaviour())
}

func approved() []skp.Event {
	return withEvents(complete(), []skp.Event{skp.Submitted{By: employee, At: at}, skp.Approved{By: evaluator, At: at}})
}

type testCase struct {
	name     string
	given    []skp.Event
	when     func(*skp.SKP) ([]skp.Event, error)
	want     []skp.Event
	wantKind domain.Kind
	wantRule string
}

func run(t *testing.T, tests []testCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(skp.Replay(tt.given))
			checkResult(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func checkResult(t *testing.T, got []skp.Event, err error, want []skp.Event, wantKind domain.Kind, wantRule string) {
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
	if err != nil && got != nil {
		t.Fatalf("a rejection returned events %+v", got)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events = %+v\nwant     %+v", got, want)
	}
}

func TestDraft(t *testing.T) {
	base := skp.DraftCommand{ID: skpID, Employee: employee, Approach: skp.Quantitative, Start: jan1, End: dec31, Placement: placement()}
	mod := func(f func(*skp.DraftCommand)) skp.DraftCommand { c := base; f(&c); return c }
	tests := []struct {
		name     string
		by       domain.NIP
		cmd      skp.DraftCommand
		want     []skp.Event
		wantKind domain.Kind
		wantRule string
	}{
		{name: "accepted", by: employee, cmd: base, want: []skp.Event{drafted()}},
		{name: "accepted beside a closed-out earlier period", by: employee, cmd: mod(func(c *skp.DraftCommand) {
			c.Start = date(2026, 7, 1)
			c.OtherActive = []skp.Period{{SKP: otherSKP, Start: jan1, End: date(2026, 6, 30)}}
		}), want: []skp.Event{skp.Drafted{SKP: skpID, Employee: employee, Evaluator: evaluator, EvaluatorSuperior: evalSup, Approach: skp.Quantitative, Start: date(2026, 7, 1), End: dec31, At: at}}},
		{name: "someone else drafts", by: evaluator, cmd: base, wantKind: domain.Forbidden, wantRule: skp.RuleDesignated},
		{name: "malformed employee NIP (invariant 1)", by: "12345", cmd: mod(func(c *skp.DraftCommand) { c.Employee = "12345" }), wantKind: domain.Invalid, wantRule: skp.RuleNIP},
		{name: "NIP not normalised", by: "19900101 201503 1 001", cmd: mod(func(c *skp.DraftCommand) { c.Employee = "19900101 201503 1 001" }), wantKind: domain.Invalid, wantRule: skp.RuleNIP},
		{name: "malformed evaluator NIP", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.Placement.DirectSuperior = "199013452015031001" }), wantKind: domain.Invalid, wantRule: skp.RuleNIP},
		{name: "employee not active (invariant 1)", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.Placement.Active = false }), wantKind: domain.Invalid, wantRule: skp.RuleNotActive},
		{name: "own evaluator (invariant 3)", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.Placement.DirectSuperior = employee }), wantKind: domain.Invalid, wantRule: skp.RuleSelfEvaluation},
		{name: "evaluator's superior is the evaluator", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.Placement.SuperiorOfSuperior = evaluator }), wantKind: domain.Invalid, wantRule: skp.RuleSelfEvaluation},
		{name: "no id", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.ID = uuid.Nil }), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "unknown approach", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.Approach = "CAMPURAN" }), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "end before start", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.End = date(2025, 12, 1) }), wantKind: domain.Invalid, wantRule: skp.RulePeriod},
		{name: "two calendar years (invariant 5)", by: employee, cmd: mod(func(c *skp.DraftCommand) { c.End = date(2027, 1, 31) }), wantKind: domain.Invalid, wantRule: skp.RulePeriod},
		{name: "overlaps an active SKP (invariant 5)", by: employee, cmd: mod(func(c *skp.DraftCommand) {
			c.OtherActive = []skp.Period{{SKP: otherSKP, Start: date(2026, 3, 1), End: date(2026, 3, 31)}}
		}), wantKind: domain.Invalid, wantRule: skp.RuleOverlap},
		{name: "overlap on a single shared day", by: employee, cmd: mod(func(c *skp.DraftCommand) {
			c.OtherActive = []skp.Period{{SKP: otherSKP, Start: date(2025, 7, 1), End: jan1}}
		}), wantKind: domain.Invalid, wantRule: skp.RuleOverlap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := skp.Draft(tt.by, tt.cmd, at)
			checkResult(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestAddRHK(t *testing.T) {
	jptDrafted := drafted()
	jptDrafted.JPT = true
	source := &skp.Source{Kind: skp.SourceRenstra, Reference: "Renstra 2025-2029 sasaran 3"}
	otherSuperior := superiorPlan(t, true)
	otherSuperior.Employee = stranger
	lastYear := superiorPlan(t, true)
	lastYear.Start, lastYear.End = date(2025, 1, 1), date(2025, 12, 31)
	closedSuperior := superiorPlan(t, true)
	closedSuperior.Status = skp.StatusClosed
	removedParent := superiorPlan(t, true)
	gone := dec31
	removedParent.RHKs[0].ValidTo = &gone
	tests := []testCase{
		{name: "accepted, cascading from the superior", given: []skp.Event{drafted()},
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), superiorPlan(t, true), at) },
			want: []skp.Event{skp.RHKAdded{RHK: rhk(), At: at}}},
		{name: "accepted, JPT citing the Renstra", given: []skp.Event{jptDrafted},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Parent, r.Source = nil, source
				return s.AddRHK(employee, r, nil, at)
			},
			want: []skp.Event{skp.RHKAdded{RHK: skp.RHK{ID: rhkID, Kind: skp.Utama, Text: rhk().Text, Source: source, ValidFrom: jan1}, At: at}}},
		{name: "not the employee", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(evaluator, rhk(), superiorPlan(t, true), at) },
			wantKind: domain.Forbidden, wantRule: skp.RuleDesignated},
		{name: "no such SKP", when: func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), superiorPlan(t, true), at) },
			wantKind: domain.NotFound},
		{name: "after approval (invariant 10)", given: approved(),
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.ID = rhk2ID
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleEditAfterApprov},
		{name: "while submitted", given: withEvents(complete(), []skp.Event{skp.Submitted{By: employee, At: at}}),
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.ID = rhk2ID
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "duplicate id", given: complete(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), superiorPlan(t, true), at) },
			wantKind: domain.Conflict},
		{name: "unknown type", given: []skp.Event{drafted()},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Kind = "PENTING"
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "no text", given: []skp.Event{drafted()},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Text = "  "
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "no parent below JPT (invariant 8)", given: []skp.Event{drafted()},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Parent = nil
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "superior's plan not given (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), nil, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "superior's plan not approved (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), superiorPlan(t, false), at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "superior's plan closed (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), closedSuperior, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "plan of someone who is not the direct superior (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), otherSuperior, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "superior's plan for a period that does not overlap (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), lastYear, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "parent RHK not in the superior's plan (invariant 8)", given: []skp.Event{drafted()},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Parent.RHK = uuid.New()
				return s.AddRHK(employee, r, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "parent RHK amended away (invariant 8)", given: []skp.Event{drafted()},
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddRHK(employee, rhk(), removedParent, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "JPT without a source (invariant 8)", given: []skp.Event{jptDrafted},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Parent = nil
				return s.AddRHK(employee, r, nil, at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleJPTSource},
		{name: "JPT with an unknown source kind", given: []skp.Event{jptDrafted},
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := rhk()
				r.Parent, r.Source = nil, &skp.Source{Kind: "RAPAT", Reference: "x"}
				return s.AddRHK(employee, r, nil, at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleJPTSource},
	}
	run(t, tests)
}

func TestRemoveRHKAndIKI(t *testing.T) {
	run(t, []testCase{
		{name: "RHK removed", given: complete(),
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveRHK(employee, rhkID, "digabung", at) },
			want: []skp.Event{skp.RHKRemoved{RHK: rhkID, Reason: "digabung", At: at}}},
		{name: "IKI removed", given: complete(),
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveIKI(employee, ikiID, "diganti", at) },
			want: []skp.Event{skp.IKIRemoved{IKI: ikiID, Reason: "diganti", At: at}}},
		{name: "unknown RHK", given: complete(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveRHK(employee, rhk2ID, "x", at) },
			wantKind: domain.NotFound},
		{name: "unknown IKI", given: complete(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveIKI(employee, iki2ID, "x", at) },
			wantKind: domain.NotFound},
		{name: "RHK after approval (invariant 10)", given: approved(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveRHK(employee, rhkID, "x", at) },
			wantKind: domain.Invalid, wantRule: skp.RuleEditAfterApprov},
		{name: "IKI after approval (invariant 10)", given: approved(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveIKI(employee, ikiID, "x", at) },
			wantKind: domain.Invalid, wantRule: skp.RuleEditAfterApprov},
		{name: "by the evaluator", given: complete(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.RemoveIKI(evaluator, ikiID, "x", at) },
			wantKind: domain.Forbidden},
	})
}

func TestAddIKI(t *testing.T) {
	qualitative := drafted()
	qualitative.Approach = skp.Qualitative
	given := []skp.Event{drafted(), skp.RHKAdded{RHK: rhk(), At: at}}
	with := func(f func(*skp.IKI)) skp.IKI { i := iki(); f(&i); return i }
	add := func(i skp.IKI) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) { return s.AddIKI(employee, i, at) }
	}
	catalogue := uuid.MustParse("00000000-0000-0000-0000-0000000000f1")
	run(t, []testCase{
		{name: "accepted", given: given, when: add(iki()), want: []skp.Event{skp.IKIAdded{IKI: iki(), At: at}}},
		{name: "accepted, a range target from the catalogue", given: given,
			when: add(with(func(i *skp.IKI) {
				i.Direction, i.Target, i.Indicator, i.Version = indicator.Range, indicator.Target{Min: 80, Max: 100}, &catalogue, 2
			})),
			want: []skp.Event{skp.IKIAdded{IKI: with(func(i *skp.IKI) {
				i.Direction, i.Target, i.Indicator, i.Version = indicator.Range, indicator.Target{Min: 80, Max: 100}, &catalogue, 2
			}), At: at}}},
		{name: "qualitative needs no numeric target", given: []skp.Event{qualitative, skp.RHKAdded{RHK: rhk(), At: at}},
			when: add(with(func(i *skp.IKI) { i.Direction, i.Target, i.Unit = "", indicator.Target{}, "" })),
			want: []skp.Event{skp.IKIAdded{IKI: with(func(i *skp.IKI) { i.Direction, i.Target, i.Unit = "", indicator.Target{}, "" }), At: at}}},
		{name: "unknown RHK", given: given, when: add(with(func(i *skp.IKI) { i.RHK = rhk2ID })), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "no aspect (invariant 7)", given: given, when: add(with(func(i *skp.IKI) { i.Aspect = "" })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "no unit (invariant 7)", given: given, when: add(with(func(i *skp.IKI) { i.Unit = "" })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "no target (invariant 7)", given: given, when: add(with(func(i *skp.IKI) { i.Target = indicator.Target{} })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "inverted range (invariant 7)", given: given,
			when: add(with(func(i *skp.IKI) { i.Direction, i.Target = indicator.Range, indicator.Target{Min: 9, Max: 1} })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "no direction", given: given, when: add(with(func(i *skp.IKI) { i.Direction = "" })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "no text", given: given, when: add(with(func(i *skp.IKI) { i.Text = "" })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "catalogue indicator without version", given: given, when: add(with(func(i *skp.IKI) { i.Indicator = &catalogue })), wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "duplicate id", given: withEvents(given, []skp.Event{skp.IKIAdded{IKI: iki(), At: at}}), when: add(iki()), wantKind: domain.Conflict},
		{name: "after approval (invariant 10)", given: approved(), when: add(with(func(i *skp.IKI) { i.ID = iki2ID })), wantKind: domain.Invalid, wantRule: skp.RuleEditAfterApprov},
		{name: "by the evaluator", given: given,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.AddIKI(evaluator, iki(), at) },
			wantKind: domain.Forbidden},
	})
}

func TestSetBehaviourExpectation(t *testing.T) {
	set := func(by domain.NIP, v skp.CoreValue, text string) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) { return s.SetBehaviourExpectation(by, v, text, at) }
	}
	run(t, []testCase{
		{name: "accepted", given: []skp.Event{drafted()}, when: set(evaluator, skp.Adaptif, "cepat menyesuaikan diri"),
			want: []skp.Event{skp.BehaviourExpectationSet{Value: skp.Adaptif, Expectation: "cepat menyesuaikan diri", By: evaluator, At: at}}},
		{name: "not a BerAKHLAK value (invariant 9)", given: []skp.Event{drafted()}, when: set(evaluator, "INOVATIF", "x"), wantKind: domain.Invalid, wantRule: skp.RuleBehaviour},
		{name: "no text", given: []skp.Event{drafted()}, when: set(evaluator, skp.Loyal, ""), wantKind: domain.Invalid, wantRule: skp.RuleBehaviour},
		{name: "by the employee", given: []skp.Event{drafted()}, when: set(employee, skp.Loyal, "x"), wantKind: domain.Forbidden},
		{name: "after approval", given: approved(), when: set(evaluator, skp.Loyal, "x"), wantKind: domain.Invalid, wantRule: skp.RuleEditAfterApprov},
	})
}

func TestSubmit(t *testing.T) {
	tambahan := rhk()
	tambahan.Kind = skp.Tambahan
	submit := func(by domain.NIP) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) { return s.Submit(by, at) }
	}
	run(t, []testCase{
		{name: "accepted", given: complete(), when: submit(employee), want: []skp.Event{skp.Submitted{By: employee, At: at}}},
		{name: "by the evaluator", given: complete(), when: submit(evaluator), wantKind: domain.Forbidden},
		{name: "no RHK utama (invariant 6)",
			given:    withEvents([]skp.Event{drafted(), skp.RHKAdded{RHK: tambahan, At: at}, skp.IKIAdded{IKI: iki(), At: at}}, behaviour()),
			when:     submit(employee),
			wantKind: domain.Invalid, wantRule: skp.RuleUtamaRequired},
		{name: "no RHK at all (invariant 6)", given: withEvents([]skp.Event{drafted()}, behaviour()), when: submit(employee),
			wantKind: domain.Invalid, wantRule: skp.RuleUtamaRequired},
		{name: "RHK without IKI (invariant 7)", given: withEvents([]skp.Event{drafted(), skp.RHKAdded{RHK: rhk(), At: at}}, behaviour()), when: submit(employee),
			wantKind: domain.Invalid, wantRule: skp.RuleIKIRequired},
		{name: "six BerAKHLAK values (invariant 9)", given: withEvents([]skp.Event{drafted(), skp.RHKAdded{RHK: rhk(), At: at}, skp.IKIAdded{IKI: iki(), At: at}}, behaviour()[:6]),
			when: submit(employee), wantKind: domain.Invalid, wantRule: skp.RuleBehaviour},
		{name: "already submitted", given: withEvents(complete(), []skp.Event{skp.Submitted{By: employee, At: at}}), when: submit(employee),
			wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "resubmitted after a return", given: withEvents(complete(), []skp.Event{skp.Submitted{By: employee, At: at}, skp.ReturnedForRevision{By: evaluator, Comments: "perjelas target", At: at}}),
			when: submit(employee), want: []skp.Event{skp.Submitted{By: employee, At: at}}},
	})
}

func TestReturnAndApprove(t *testing.T) {
	submitted := withEvents(complete(), []skp.Event{skp.Submitted{By: employee, At: at}})
	run(t, []testCase{
		{name: "approved", given: submitted,
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.Approve(evaluator, "ttd-el-1", at) },
			want: []skp.Event{skp.Approved{By: evaluator, SignatureRef: "ttd-el-1", At: at}}},
		{name: "approved by someone else (invariant 2)", given: submitted,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.Approve(evalSup, "", at) },
			wantKind: domain.Forbidden, wantRule: skp.RuleDesignated},
		{name: "approve a draft", given: complete(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.Approve(evaluator, "", at) },
			wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "returned", given: submitted,
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.ReturnForRevision(evaluator, "perjelas target", at) },
			want: []skp.Event{skp.ReturnedForRevision{By: evaluator, Comments: "perjelas target", At: at}}},
		{name: "returned without comments", given: submitted,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.ReturnForRevision(evaluator, "", at) },
			wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "returned by the employee", given: submitted,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.ReturnForRevision(employee, "x", at) },
			wantKind: domain.Forbidden},
	})
}

func TestAmendment(t *testing.T) {
	jul1 := date(2026, 7, 1)
	newRHK := rhk()
	newRHK.ID, newRHK.Kind = rhk2ID, skp.Tambahan
	newIKI := iki()
	newIKI.ID, newIKI.RHK = iki2ID, rhk2ID
	wantRHK, wantIKI := newRHK, newIKI
	wantRHK.ValidFrom, wantIKI.ValidFrom = jul1, jul1
	change := skp.Amendment{AddRHKs: []skp.RHK{newRHK}, AddIKIs: []skp.IKI{newIKI}}
	propose := func(by domain.NIP, reason string, from time.Time, c skp.Amendment) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) {
			return s.ProposeAmendment(by, reason, from, c, superiorPlan(t, true), at)
		}
	}
	proposed := withEvents(approved(), []skp.Event{skp.AmendmentProposed{By: employee, Reason: "tugas tambahan", EffectiveFrom: jul1,
		Changes: skp.Amendment{AddRHKs: []skp.RHK{wantRHK}, AddIKIs: []skp.IKI{wantIKI}}, At: at}})
	run(t, []testCase{
		{name: "proposed", given: approved(), when: propose(employee, "tugas tambahan", jul1, change),
			want: []skp.Event{skp.AmendmentProposed{By: employee, Reason: "tugas tambahan", EffectiveFrom: jul1,
				Changes: skp.Amendment{AddRHKs: []skp.RHK{wantRHK}, AddIKIs: []skp.IKI{wantIKI}}, At: at}}},
		{name: "by the evaluator", given: approved(), when: propose(evaluator, "x", jul1, change), wantKind: domain.Forbidden},
		{name: "on a draft", given: complete(), when: propose(employee, "x", jul1, change), wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "while one is pending", given: proposed, when: propose(employee, "x", jul1, change), wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "without a reason", given: approved(), when: propose(employee, " ", jul1, change), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "effective outside the period", given: approved(), when: propose(employee, "x", date(2027, 1, 1), change), wantKind: domain.Invalid, wantRule: skp.RulePeriod},
		{name: "changes nothing", given: approved(), when: propose(employee, "x", jul1, skp.Amendment{}), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "new RHK without an IKI (invariant 7)", given: approved(), when: propose(employee, "x", jul1, skp.Amendment{AddRHKs: []skp.RHK{newRHK}}),
			wantKind: domain.Invalid, wantRule: skp.RuleIKIRequired},
		{name: "removes the only RHK utama (invariant 6)", given: approved(),
			when:     propose(employee, "x", jul1, skp.Amendment{RemoveRHKs: []uuid.UUID{rhkID}, AddRHKs: []skp.RHK{newRHK}, AddIKIs: []skp.IKI{newIKI}}),
			wantKind: domain.Invalid, wantRule: skp.RuleUtamaRequired},
		{name: "new RHK without a parent (invariant 8)", given: approved(),
			when: func(s *skp.SKP) ([]skp.Event, error) {
				r := newRHK
				r.Parent = nil
				return s.ProposeAmendment(employee, "x", jul1, skp.Amendment{AddRHKs: []skp.RHK{r}, AddIKIs: []skp.IKI{newIKI}}, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleCascade},
		{name: "incomplete new IKI (invariant 7)", given: approved(),
			when: func(s *skp.SKP) ([]skp.Event, error) {
				i := newIKI
				i.Unit = ""
				return s.ProposeAmendment(employee, "x", jul1, skp.Amendment{AddRHKs: []skp.RHK{newRHK}, AddIKIs: []skp.IKI{i}}, superiorPlan(t, true), at)
			},
			wantKind: domain.Invalid, wantRule: skp.RuleIKIComplete},
		{name: "removes an unknown IKI", given: approved(), when: propose(employee, "x", jul1, skp.Amendment{RemoveIKIs: []uuid.UUID{iki2ID}}),
			wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "approved", given: proposed,
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.ApproveAmendment(evaluator, at) },
			want: []skp.Event{skp.AmendmentApproved{By: evaluator, At: at}}},
		{name: "approved by the employee", given: proposed,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.ApproveAmendment(employee, at) },
			wantKind: domain.Forbidden},
		{name: "approve with nothing pending", given: approved(),
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.ApproveAmendment(evaluator, at) },
			wantKind: domain.Invalid, wantRule: skp.RuleStage},
		{name: "returned", given: proposed,
			when: func(s *skp.SKP) ([]skp.Event, error) { return s.ReturnAmendment(evaluator, "belum perlu", at) },
			want: []skp.Event{skp.AmendmentReturned{By: evaluator, Comments: "belum perlu", At: at}}},
		{name: "returned without comments", given: proposed,
			when:     func(s *skp.SKP) ([]skp.Event, error) { return s.ReturnAmendment(evaluator, "", at) },
			wantKind: domain.Invalid, wantRule: skp.RuleRequired},
	})
}

// TestAmendmentKeepsHistory shows that an approved amendment adds and ends
// IKI from its effective date and never rewrites the earlier plan.
func TestAmendmentKeepsHistory(t *testing.T) {
	jul1 := date(2026, 7, 1)
	newIKI := iki()
	newIKI.ID, newIKI.Target = iki2ID, indicator.Target{Value: 150}
	s := skp.Replay(approved())
	events, err := s.ProposeAmendment(employee, "target naik", jul1, skp.Amendment{RemoveIKIs: []uuid.UUID{ikiID}, AddIKIs: []skp.IKI{newIKI}}, superiorPlan(t, true), at)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		s.Apply(e)
	}
	if old, _ := s.Plan().IKI(ikiID); old.ValidTo != nil {
		t.Fatalf("a pending amendment already changed the plan: %+v", old)
	}
	events, err = s.ApproveAmendment(evaluator, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		s.Apply(e)
	}
	p := s.Plan()
	old, ok1 := p.IKI(ikiID)
	replacement, ok2 := p.IKI(iki2ID)
	if !ok1 || !ok2 {
		t.Fatalf("plan lost an IKI: %+v", p.IKIs)
	}
	tests := []struct {
		iki  skp.IKI
		on   time.Time
		want bool
	}{
		{old, date(2026, 6, 30), true}, {old, jul1, false}, {replacement, date(2026, 6, 30), false}, {replacement, jul1, true},
	}
	for _, tt := range tests {
		if got := tt.iki.ActiveOn(tt.on); got != tt.want {
			t.Errorf("IKI %s ActiveOn(%s) = %v, want %v", tt.iki.ID, tt.on.Format(time.DateOnly), got, tt.want)
		}
	}
	if old.Target.Value != 120 || replacement.Target.Value != 150 {
		t.Errorf("targets = %v and %v, want 120 and 150", old.Target, replacement.Target)
	}
	if s.Status() != skp.StatusApproved {
		t.Errorf("status = %s, want APPROVED", s.Status())
	}
}

func TestClose(t *testing.T) {
	closeAt := func(by domain.NIP, r skp.CloseReason, when time.Time) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) { return s.Close(by, r, when) }
	}
	closed := withEvents(approved(), []skp.Event{skp.Closed{By: evaluator, Reason: skp.CloseYearEnd, At: dec31}})
	run(t, []testCase{
		{name: "year end", given: approved(), when: closeAt(evaluator, skp.CloseYearEnd, dec31), want: []skp.Event{skp.Closed{By: evaluator, Reason: skp.CloseYearEnd, At: dec31}}},
		{name: "change of superior mid-year", given: approved(), when: closeAt(evaluator, skp.CloseSuperiorChange, date(2026, 6, 30)),
			want: []skp.Event{skp.Closed{By: evaluator, Reason: skp.CloseSuperiorChange, At: date(2026, 6, 30)}}},
		{name: "year end before the period ends", given: approved(), when: closeAt(evaluator, skp.CloseYearEnd, date(2026, 6, 30)), wantKind: domain.Invalid, wantRule: skp.RulePeriod},
		{name: "unknown reason", given: approved(), when: closeAt(evaluator, "LIBUR", dec31), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "by the employee", given: approved(), when: closeAt(employee, skp.CloseYearEnd, dec31), wantKind: domain.Forbidden},
		{name: "twice", given: closed, when: closeAt(evaluator, skp.CloseYearEnd, dec31), wantKind: domain.Invalid, wantRule: skp.RuleStage},
	})

}

func TestStream(t *testing.T) {
	s := skp.Replay(approved())
	if got, want := skp.Stream(s.ID()), "skp-"+skpID.String(); got != want {
		t.Errorf("Stream() = %q, want %q", got, want)
	}
}

func TestHoldDialogue(t *testing.T) {
	hold := func(by domain.NIP, d time.Time, notes string) func(*skp.SKP) ([]skp.Event, error) {
		return func(s *skp.SKP) ([]skp.Event, error) { return s.HoldDialogue(by, d, notes, at) }
	}
	jan3 := date(2026, 1, 3)
	closed := withEvents(approved(), []skp.Event{skp.Closed{By: evaluator, Reason: skp.CloseYearEnd, At: dec31}})
	run(t, []testCase{
		{name: "recorded by the evaluator on a draft", given: []skp.Event{drafted()}, when: hold(evaluator, jan3, "notulen-1"),
			want: []skp.Event{skp.DialogueHeld{Participants: []domain.NIP{employee, evaluator}, Date: jan3, NotesRef: "notulen-1", By: evaluator, At: at}}},
		{name: "recorded by the employee after approval", given: approved(), when: hold(employee, date(2026, 7, 1), "notulen-2"),
			want: []skp.Event{skp.DialogueHeld{Participants: []domain.NIP{employee, evaluator}, Date: date(2026, 7, 1), NotesRef: "notulen-2", By: employee, At: at}}},
		{name: "by a stranger", given: approved(), when: hold(stranger, jan3, "n"), wantKind: domain.Forbidden},
		{name: "outside the period", given: approved(), when: hold(evaluator, date(2027, 1, 3), "n"), wantKind: domain.Invalid, wantRule: skp.RulePeriod},
		{name: "no notes", given: approved(), when: hold(evaluator, jan3, ""), wantKind: domain.Invalid, wantRule: skp.RuleRequired},
		{name: "closed", given: closed, when: hold(evaluator, jan3, "n"), wantKind: domain.Invalid, wantRule: skp.RuleStage},
	})
	s := skp.Replay(withEvents(approved(), []skp.Event{skp.DialogueHeld{Participants: []domain.NIP{employee, evaluator}, Date: jan3, NotesRef: "n", By: evaluator, At: at}}))
	if s.Dialogues() != 1 {
		t.Errorf("Dialogues() = %d, want 1", s.Dialogues())
	}
}
