package whatif_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/projections/internal/logtest"
	"github.com/kinerja/kinerja/projections/whatif"
)

var (
	hr        = domain.NIP("198505052010012001")
	evaluator = domain.NIP("198002022005011001")
	evalSup   = domain.NIP("197003032000031001")
	ani       = domain.NIP("199001012015032001") // rated, her work result decided
	budi      = domain.NIP("199102022016031002") // behaviour rated, work result not yet
	citra     = domain.NIP("199203032017032003") // an IKI outside the catalogue

	response = uuid.MustParse("00000000-0000-0000-0000-0000000000e1") // the service-response-time indicator
	unit     = uuid.MustParse("00000000-0000-0000-0000-000000000099")

	jan1  = date(2026, 1, 1)
	jul1  = date(2026, 7, 1)
	dec31 = date(2026, 12, 31)
	q1    = execution.PeriodRef{ID: "2026-Q1", Start: jan1, End: date(2026, 3, 31)}
	q3    = execution.PeriodRef{ID: "2026-Q3", Start: jul1, End: date(2026, 9, 30)}
	year  = evaluation.Period{ID: "2026", Start: jan1, End: dec31}
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func id(n int) uuid.UUID { return uuid.MustParse("00000000-0000-0000-0000-" + leftPad(n)) }

func leftPad(n int) string {
	s := []byte("000000000000")
	for i := len(s) - 1; n > 0; i-- {
		s[i] = "0123456789"[n%10]
		n /= 10
	}
	return string(s)
}

func by(e interface{ EventType() string }, actor domain.NIP, role string) logtest.Event {
	return logtest.Event{Type: e.EventType(), Data: e, Actor: eventstore.Actor{ID: string(actor), Role: role}}
}

// person appends one employee's year: an approved SKP with one IKI of
// target 8 hours (measuring indicator ind when not nil, lower is better),
// its realisations, and an evaluation of 2026 with the events rate adds.
// It returns the evaluation id.
func person(t *testing.T, log *logtest.Log, n int, nip domain.NIP, ind *uuid.UUID, reports map[execution.PeriodRef]float64, rate ...logtest.Event) uuid.UUID {
	t.Helper()
	skpID, rhk, iki, evalID := id(n*10+1), id(n*10+2), id(n*10+3), id(n*10+4)
	at := date(2026, 1, 5)
	log.Append(skp.Stream(skpID),
		by(skp.Drafted{SKP: skpID, Employee: nip, Evaluator: evaluator, EvaluatorSuperior: evalSup, Approach: skp.Quantitative, Start: jan1, End: dec31, At: at}, nip, "employee"),
		by(skp.RHKAdded{RHK: skp.RHK{ID: rhk, Kind: skp.Utama, Text: "Layanan kecamatan yang cepat", ValidFrom: jan1}, At: at}, nip, "employee"),
		by(skp.IKIAdded{IKI: skp.IKI{ID: iki, RHK: rhk, Text: "Waktu tanggap layanan", Aspect: indicator.Time, Direction: indicator.LowerIsBetter,
			Target: indicator.Target{Value: 8}, Unit: "jam", Indicator: ind, Version: 1, ValidFrom: jan1}, At: at}, nip, "employee"),
		by(skp.Submitted{By: nip, At: at}, nip, "employee"),
		by(skp.Approved{By: evaluator, At: at}, evaluator, "evaluator"),
	)
	stream := "execution-" + skpID.String()
	log.Append(stream, by(execution.Opened{SKP: skpID, Employee: nip, Evaluator: evaluator, Start: jan1, End: dec31, At: at}, "system", "system"))
	for i, p := range []execution.PeriodRef{q1, q3} {
		if v, ok := reports[p]; ok {
			log.Append(stream, by(execution.RealisationReported{Realisation: id(n*10 + 5 + i), IKI: iki, RHK: rhk, Period: p, Value: v, Narrative: "rata-rata jam", By: nip, At: p.End}, nip, "employee"))
		}
	}
	log.Append(evaluation.Stream(evalID), by(evaluation.Opened{Evaluation: evalID, Employee: nip, Evaluator: evaluator, EvaluatorSuperior: evalSup, SKP: skpID,
		Unit: unit, Period: year, Policy: policy.DefaultID, At: date(2027, 1, 4)}, evaluator, "evaluator"))
	if len(rate) > 0 {
		log.Append(evaluation.Stream(evalID), rate...)
	}
	return evalID
}

// history is a unit of three. The service-response-time indicator is
// lower-is-better with target 8 hours, MIRRORED_RATIO: (16 - realised) / 8.
//   - Ani reports 6 hours in Q1 and Q3: 125% and 125%, mean 125 (DI_ATAS);
//     her evaluator rated DI_ATAS / SESUAI, so her predicate is BAIK.
//   - Budi reports 12 hours in Q3: 50% (DI_BAWAH); behaviour SESUAI, work
//     result not rated yet.
//   - Citra's IKI is outside the catalogue: 4 hours in Q1.
//
// The unit's organisational predicate is BAIK.
func history(t *testing.T) (*logtest.Log, map[domain.NIP]uuid.UUID) {
	t.Helper()
	log := new(logtest.Log)
	log.Append(indicator.Stream(response), by(indicator.Defined{Indicator: response, Code: "service-response-time",
		Definition: indicator.Definition{Name: "Waktu tanggap layanan", Aspect: indicator.Time, UnitOfMeasure: "jam", Direction: indicator.LowerIsBetter},
		ValidFrom:  jan1, DefinedBy: hr, At: date(2026, 1, 2)}, hr, "hr"))
	log.Append(org.UnitStream(unit), by(org.UnitDefined{Unit: unit, Name: "Seksi Pelayanan Umum", EffectiveFrom: jan1, By: hr, At: date(2026, 1, 2)}, hr, "hr"))
	evals := map[domain.NIP]uuid.UUID{}
	evals[ani] = person(t, log, 1, ani, &response, map[execution.PeriodRef]float64{q1: 6, q3: 6},
		by(evaluation.WorkResultRated{Rating: policy.AboveExpectation, Rationale: "melampaui target", RatedBy: evaluator, At: date(2027, 1, 7)}, evaluator, "evaluator"),
		by(evaluation.BehaviourRated{Rating: policy.AsExpected, Notes: "baik", RatedBy: evaluator, At: date(2027, 1, 7)}, evaluator, "evaluator"),
		by(evaluation.PredicateDetermined{Predicate: policy.Baik, WorkResult: policy.AboveExpectation, Behaviour: policy.AsExpected, Policy: policy.DefaultID, At: date(2027, 1, 7)}, evaluator, "evaluator"))
	evals[budi] = person(t, log, 2, budi, &response, map[execution.PeriodRef]float64{q3: 12},
		by(evaluation.BehaviourRated{Rating: policy.AsExpected, Notes: "baik", RatedBy: evaluator, At: date(2027, 1, 7)}, evaluator, "evaluator"))
	evals[citra] = person(t, log, 3, citra, nil, map[execution.PeriodRef]float64{q1: 4})
	assessment := id(900)
	log.Append(evaluation.UnitStream(assessment), by(evaluation.OrgPredicateSet{Assessment: assessment, Unit: unit, Period: year, Predicate: policy.OrgBaik,
		Basis: "capaian rencana aksi 96%", Policy: policy.DefaultID, SetBy: evalSup, At: date(2027, 1, 6)}, evalSup, "evaluator"))
	return log, evals
}

func ptr(f float64) *float64 { return &f }

// TestRunIndicatorRevision revises the indicator to higher-is-better
// (RATIO: realised / 8) from 1 July: only Q3 changes. Ani's Q3 goes from
// 125% to 75%, her mean from 125 to 100: the recommendation falls to
// SESUAI, but her evaluator decided DI_ATAS, which stays, and so does her
// derived predicate. Budi's Q3 goes from 50% to 150%: his recommendation
// rises from DI_BAWAH to DI_ATAS and, with behaviour SESUAI, the predicate
// the matrix would give rises from BUTUH_PERBAIKAN to BAIK, only as a
// recommendation. Citra and the unit's distribution do not change.
func TestRunIndicatorRevision(t *testing.T) {
	log, evals := history(t)
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Code: "service-response-time", Direction: indicator.HigherIsBetter, ValidFrom: jul1}}}
	rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, subs, nil)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if got := rep.Substitutions.Indicators[0].Indicator; got != response {
		t.Errorf("the revision names indicator %s, want %s resolved from its code", got, response)
	}
	if len(rep.Evaluations) != 2 {
		t.Fatalf("Run() lists %d evaluations, want Ani's and Budi's: %+v", len(rep.Evaluations), rep.Evaluations)
	}
	byNIP := map[domain.NIP]whatif.EvaluationDiff{}
	for _, d := range rep.Evaluations {
		byNIP[d.Employee] = d
	}
	a, b := byNIP[ani], byNIP[budi]

	if a.Evaluation != evals[ani] || len(a.Achievements) != 1 {
		t.Fatalf("Ani: %+v, want evaluation %s with one changed achievement", a, evals[ani])
	}
	ach := a.Achievements[0]
	if ach.Period != "2026-Q3" || ach.Before != 125 || ach.After != 75 || ach.Realised != 6 || ach.Rule != whatif.RuleIndicatorRevision {
		t.Errorf("Ani's achievement = %+v, want 2026-Q3 from 125 to 75 by %s", ach, whatif.RuleIndicatorRevision)
	}
	if ach.Event == nil || ach.Event.Type != (execution.RealisationReported{}).EventType() || ach.Event.Position == "" {
		t.Errorf("Ani's achievement cites %+v, want her Q3 realisation's event", ach.Event)
	}
	wantA := whatif.RatingDiff{Decided: policy.AboveExpectation, MeanBefore: ptr(125), MeanAfter: ptr(100), RecommendedBefore: policy.AboveExpectation, RecommendedAfter: policy.AsExpected}
	if w := a.WorkResult; w.Decided != wantA.Decided || *w.MeanBefore != 125 || *w.MeanAfter != 100 || w.RecommendedBefore != wantA.RecommendedBefore || w.RecommendedAfter != wantA.RecommendedAfter {
		t.Errorf("Ani's work result = %+v, want %+v", w, wantA)
	}
	if w := a.WorkResult; w.Rule != whatif.RuleRecommendation+":"+policy.DefaultID || !bytes.Contains([]byte(w.Reason), []byte("only recommends")) || w.Event == nil {
		t.Errorf("Ani's work result explains %q by %q citing %+v, want the thresholds rule, 'only recommends' and the rating event", w.Reason, w.Rule, w.Event)
	}
	if a.Predicate != nil {
		t.Errorf("Ani's predicate changes to %+v; her decided ratings stay, so BAIK stays", a.Predicate)
	}

	if len(b.Achievements) != 1 || b.Achievements[0].Before != 50 || b.Achievements[0].After != 150 {
		t.Errorf("Budi's achievements = %+v, want Q3 from 50 to 150", b.Achievements)
	}
	if w := b.WorkResult; w.Decided != "" || w.RecommendedBefore != policy.BelowExpectation || w.RecommendedAfter != policy.AboveExpectation {
		t.Errorf("Budi's work result = %+v, want undecided, DI_BAWAH to DI_ATAS", w)
	}
	wantP := &whatif.PredicateDiff{Before: policy.ButuhPerbaikan, After: policy.Baik, Basis: "recommended"}
	if p := b.Predicate; p == nil || p.Before != wantP.Before || p.After != wantP.After || p.Basis != wantP.Basis || p.Rule != whatif.RuleMatrix+":"+policy.DefaultID {
		t.Errorf("Budi's predicate = %+v, want %+v by the matrix", p, wantP)
	}

	wantSum := whatif.Summary{Evaluations: 3, EvaluationsChanged: 2, PeopleChanged: 2, AchievementsChanged: 2, RecommendationsUp: 1, RecommendationsDown: 1,
		RecommendationsOnly: 1, PredicatesUp: 1}
	if rep.Summary != wantSum {
		t.Errorf("Summary = %+v, want %+v", rep.Summary, wantSum)
	}
	if len(rep.Units) != 0 {
		t.Errorf("Units = %+v, want none: no counted predicate moves", rep.Units)
	}
}

// TestRunQuotaVersion checks the unit against the quotas of another
// version: under PermenPANRB 6/2022 a BAIK unit of one BAIK breaks both
// quotas (at most 70% BAIK: 0 people; at least one BUTUH_PERBAIKAN or
// KURANG); PP 30/2019 has no quotas.
func TestRunQuotaVersion(t *testing.T) {
	log, _ := history(t)
	rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, replay.Substitutions{Quotas: policy.LegacyID}, nil)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if len(rep.Evaluations) != 0 {
		t.Errorf("Evaluations = %+v, want none: quotas change no person's result", rep.Evaluations)
	}
	if len(rep.Units) != 1 {
		t.Fatalf("Units = %+v, want the one unit", rep.Units)
	}
	u := rep.Units[0]
	want := map[policy.Predicate]int{policy.Baik: 1}
	if u.Unit != unit || !reflect.DeepEqual(u.CountsBefore, want) || !reflect.DeepEqual(u.CountsAfter, want) || len(u.ViolationsBefore) != 2 || len(u.ViolationsAfter) != 0 ||
		u.PolicyAfter != policy.LegacyID || u.Rule != whatif.RuleQuota+":"+policy.LegacyID {
		t.Errorf("unit = %+v, want counts BAIK 1 before and after, two violations before and none after, under %s", u, policy.LegacyID)
	}
	if rep.Summary.UnitsChanged != 1 || rep.Summary.UnitsNoLongerViolating != 1 {
		t.Errorf("Summary = %+v, want one unit changed and no longer violating", rep.Summary)
	}
}

// TestRunRejects checks that inputs that cannot be replayed are refused
// with the field and rule named, before anything is read.
func TestRunRejects(t *testing.T) {
	log, _ := history(t)
	tests := []struct {
		name      string
		subs      replay.Substitutions
		wantKind  domain.Kind
		wantField string
	}{
		{name: "nothing", subs: replay.Substitutions{}, wantKind: domain.Invalid},
		{name: "no indicator", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Direction: indicator.Range, ValidFrom: jul1}}}, wantKind: domain.Invalid, wantField: "indicator_id"},
		{name: "no date", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, Direction: indicator.Range}}}, wantKind: domain.Invalid, wantField: "valid_from"},
		{name: "bad direction", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, Direction: "UP", ValidFrom: jul1}}}, wantKind: domain.Invalid, wantField: "direction"},
		{name: "formula of another direction", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, Direction: indicator.HigherIsBetter, Formula: indicator.InverseRatio, ValidFrom: jul1}}}, wantKind: domain.Invalid, wantField: "formula"},
		{name: "changes nothing", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, ValidFrom: jul1}}}, wantKind: domain.Invalid, wantField: "direction"},
		{name: "unknown policy", subs: replay.Substitutions{Policy: "permenpanrb-9-2099"}, wantKind: domain.NotFound, wantField: "rating_policy"},
		{name: "unknown quotas", subs: replay.Substitutions{Quotas: "permenpanrb-9-2099"}, wantKind: domain.NotFound, wantField: "quota_policy"},
		{name: "indicator not in the catalogue", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{{Code: "no-such", Direction: indicator.Range, ValidFrom: jul1}}}, wantKind: domain.NotFound, wantField: "indicator_id"},
		{name: "same indicator twice", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{
			{Indicator: response, Direction: indicator.HigherIsBetter, ValidFrom: jul1}, {Code: "service-response-time", Direction: indicator.Range, ValidFrom: jul1}}}, wantKind: domain.Invalid, wantField: "indicator_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, tt.subs, nil)
			if kind := domain.KindOf(err); kind != tt.wantKind || rep != nil {
				t.Fatalf("Run() = %v, %v, want no report and kind %v", rep, err, tt.wantKind)
			}
			var de *domain.Error
			if tt.wantField != "" && (!errorsAs(err, &de) || de.Field != tt.wantField) {
				t.Errorf("Run() error %v names field %q, want %q", err, fieldOf(err), tt.wantField)
			}
		})
	}
}

// TestReportDigest checks that the digest is the SHA-256 of the report
// with the digest left out, and that two runs give the same bytes.
func TestReportDigest(t *testing.T) {
	log, _ := history(t)
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, Direction: indicator.HigherIsBetter, ValidFrom: jul1}}}
	var outs [][]byte
	for range 2 {
		rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, subs, nil)
		if err != nil {
			t.Fatalf("Run() error = %v", err)
		}
		b, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatalf("two runs differ:\n%s\n%s", outs[0], outs[1])
	}
	var doc map[string]any
	if err := json.Unmarshal(outs[0], &doc); err != nil {
		t.Fatal(err)
	}
	digest, _ := doc["digest"].(string)
	var rep whatif.Report
	if err := json.Unmarshal(outs[0], &rep); err != nil {
		t.Fatal(err)
	}
	rep.Digest = ""
	body, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != digest || len(digest) != 64 {
		t.Errorf("digest %q is not the SHA-256 of the report without it (%x)", digest, sum)
	}
}

// TestPositionAt checks "the log as it stood on a day": the last event
// recorded before the end of that day.
func TestPositionAt(t *testing.T) {
	log := new(logtest.Log)
	for i, d := range []time.Time{date(2026, 6, 29), date(2026, 6, 30).Add(23 * time.Hour), date(2026, 7, 1), date(2026, 7, 2)} {
		ev := by(org.UnitDefined{Unit: id(i + 1), Name: "Unit", EffectiveFrom: jan1, By: hr, At: d}, hr, "hr")
		ev.At = d
		log.Append(org.UnitStream(id(i+1)), ev)
	}
	tests := []struct {
		day  time.Time
		want uint64
	}{
		{day: date(2026, 6, 28), want: 0},
		{day: date(2026, 6, 30), want: 2},
		{day: date(2026, 7, 1), want: 3},
		{day: date(2027, 1, 1), want: 4},
	}
	for _, tt := range tests {
		got, err := whatif.PositionAt(t.Context(), log, tt.day)
		if err != nil {
			t.Fatalf("PositionAt(%s) error = %v", tt.day.Format(time.DateOnly), err)
		}
		if got.Commit != tt.want {
			t.Errorf("PositionAt(%s) = %s, want %d", tt.day.Format(time.DateOnly), got, tt.want)
		}
	}
}

// TestRunAsOf replays up to a past position: before Q3 was reported, only
// Ani's Q1 exists, which the revision from July does not touch.
func TestRunAsOf(t *testing.T) {
	log, _ := history(t)
	var until eventstore.Position
	for _, e := range log.All() {
		if e.Type == (execution.RealisationReported{}).EventType() {
			until = e.Position // Ani's Q1, her first report
			break
		}
	}
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: response, Direction: indicator.HigherIsBetter, ValidFrom: jul1}}}
	rep, err := whatif.Run(t.Context(), log, until, subs, nil)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if rep.Position != until.String() || len(rep.Evaluations) != 0 || rep.Summary.Evaluations != 1 {
		t.Errorf("Run() as of %s = position %s, %d changes, %d replayed; want that position, none, and Ani's SKP alone", until, rep.Position, len(rep.Evaluations), rep.Summary.Evaluations)
	}
}

func errorsAs(err error, target **domain.Error) bool { return errors.As(err, target) }

func fieldOf(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Field
	}
	return ""
}

// TestRunScope narrows the revision of TestRunIndicatorRevision: to the
// unit, to the instansi above it (after the unit is moved under it), and
// to 2026 it changes Ani and Budi as before; to another unit or another
// year, nobody.
func TestRunScope(t *testing.T) {
	log, _ := history(t)
	instansi, other := id(700), id(701)
	log.Append(org.UnitStream(instansi), by(org.UnitDefined{Unit: instansi, Name: "Pemerintah Kota", EffectiveFrom: jan1, By: hr, At: date(2026, 1, 2)}, hr, "hr"))
	log.Append(org.UnitStream(other), by(org.UnitDefined{Unit: other, Name: "Seksi Lain", Parent: instansi, EffectiveFrom: jan1, By: hr, At: date(2026, 1, 2)}, hr, "hr"))
	log.Append(org.UnitStream(unit), by(org.UnitRestructured{Unit: unit, Name: "Seksi Pelayanan Umum", Parent: instansi, EffectiveFrom: jan1, Reason: "SOTK", By: hr, At: date(2026, 1, 3)}, hr, "hr"))
	revision := []replay.IndicatorRevision{{Code: "service-response-time", Direction: indicator.HigherIsBetter, ValidFrom: jul1}}
	for _, tt := range []struct {
		name  string
		scope replay.Scope
		want  int
	}{
		{"everything", replay.Scope{}, 2},
		{"the unit", replay.Scope{Unit: unit}, 2},
		{"the instansi above it", replay.Scope{Unit: instansi}, 2},
		{"a sibling unit", replay.Scope{Unit: other}, 0},
		{"the year", replay.Scope{Year: 2026}, 2},
		{"another year", replay.Scope{Year: 2025}, 0},
		{"the unit in another year", replay.Scope{Unit: unit, Year: 2027}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := whatif.Run(t.Context(), log, eventstore.Position{}, replay.Substitutions{Indicators: revision, Scope: tt.scope}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary.EvaluationsChanged != tt.want {
				t.Errorf("scope %+v changes %d evaluations, want %d", tt.scope, rep.Summary.EvaluationsChanged, tt.want)
			}
		})
	}
	if _, err := whatif.Run(t.Context(), log, eventstore.Position{}, replay.Substitutions{Indicators: revision, Scope: replay.Scope{Year: 26}}, nil); domain.KindOf(err) != domain.Invalid {
		t.Errorf("year 26: error %v, want Invalid", err)
	}
}
