package followup_test

import (
	"errors"
	"flag"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/followup"
	"github.com/kinerja/kinerja/domain/internal/eventtest"
	"github.com/kinerja/kinerja/domain/policy"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata")

	employee = domain.NIP("199001012015031001")
	official = domain.NIP("197003032000031001")
	other    = domain.NIP("199505052020012001")
	recordID = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	evalID   = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	decID    = uuid.MustParse("00000000-0000-0000-0000-0000000000a3")
	at       = time.Date(2027, 2, 10, 9, 0, 0, 0, time.UTC)
	year     = evaluation.Period{ID: "2026", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	q1       = evaluation.Period{ID: "2026-Q1", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
)

func defaultPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func opened() followup.Opened { return followup.Opened{Record: recordID, Employee: employee, At: at} }

func locked(pr policy.Predicate) evaluation.Facts {
	return evaluation.Facts{Evaluation: evalID, Employee: employee, Period: year, Locked: true, Predicate: pr}
}

func check(t *testing.T, got []followup.Event, err error, want []followup.Event, wantKind domain.Kind, wantRule string) {
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

func TestOpen(t *testing.T) {
	if got, err := followup.Open(recordID, employee, at); err != nil || !reflect.DeepEqual(got, []followup.Event{opened()}) {
		t.Errorf("Open() = %+v, %v", got, err)
	}
	for _, n := range []domain.NIP{"", "123", "19900101 201503 1 001"} {
		if _, err := followup.Open(recordID, n, at); domain.KindOf(err) != domain.Invalid {
			t.Errorf("Open(%q) error = %v, want Invalid", n, err)
		}
	}
	if _, err := followup.Open(uuid.Nil, employee, at); domain.KindOf(err) != domain.Invalid {
		t.Errorf("Open(no id) error = %v, want Invalid", err)
	}
}

func TestConvertCreditPoints(t *testing.T) {
	p := defaultPolicy(t)
	legacy, err := policy.Lookup(policy.LegacyID)
	if err != nil {
		t.Fatal(err)
	}
	tampered := defaultPolicy(t)
	tampered.Credit[policy.Baik] = 120
	conv := followup.Conversion{JFLevel: "AHLI_PERTAMA", Coefficient: 12.5, Months: 12}
	want := func(pr policy.Predicate, percent, months int, value float64, period string) []followup.Event {
		return []followup.Event{followup.CreditPointsConverted{Evaluation: evalID, Period: period, Predicate: pr, JFLevel: "AHLI_PERTAMA", Coefficient: 12.5,
			Percent: percent, Months: months, Value: value, Policy: policy.DefaultID, By: official, At: at}}
	}
	converted := want(policy.Baik, 100, 12, 12.5, "2026")[0]
	quarter := locked(policy.SangatBaik)
	quarter.Period = q1
	tests := []struct {
		name     string
		given    []followup.Event
		by       domain.NIP
		ev       evaluation.Facts
		c        followup.Conversion
		p        policy.Policy
		want     []followup.Event
		wantKind domain.Kind
		wantRule string
	}{
		{name: "sangat baik, 150%", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatBaik), c: conv, p: p, want: want(policy.SangatBaik, 150, 12, 18.75, "2026")},
		{name: "baik, 100%", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: conv, p: p, want: want(policy.Baik, 100, 12, 12.5, "2026")},
		{name: "butuh perbaikan, 75%", given: []followup.Event{opened()}, by: official, ev: locked(policy.ButuhPerbaikan), c: conv, p: p, want: want(policy.ButuhPerbaikan, 75, 12, 9.375, "2026")},
		{name: "kurang, 50%", given: []followup.Event{opened()}, by: official, ev: locked(policy.KurangMisconduct), c: conv, p: p, want: want(policy.KurangMisconduct, 50, 12, 6.25, "2026")},
		{name: "sangat kurang, 25%, pro rata 5 months", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang),
			c: followup.Conversion{JFLevel: "AHLI_PERTAMA", Coefficient: 12.5, Months: 5}, p: p, want: want(policy.SangatKurang, 25, 5, 1.302, "2026")},
		{name: "a quarter, 3 months", given: []followup.Event{opened()}, by: official, ev: quarter,
			c: followup.Conversion{JFLevel: "AHLI_PERTAMA", Coefficient: 12.5, Months: 3}, p: p, want: want(policy.SangatBaik, 150, 3, 4.688, "2026-Q1")},
		{name: "more months than the quarter (invariant 22)", given: []followup.Event{opened()}, by: official, ev: quarter, c: conv, p: p, wantKind: domain.Invalid, wantRule: followup.RuleCreditMonths},
		{name: "13 months (invariant 22)", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: followup.Conversion{JFLevel: "X", Coefficient: 1, Months: 13}, p: p, wantKind: domain.Invalid, wantRule: followup.RuleCreditMonths},
		{name: "0 months (invariant 22)", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: followup.Conversion{JFLevel: "X", Coefficient: 1, Months: 0}, p: p, wantKind: domain.Invalid, wantRule: followup.RuleCreditMonths},
		{name: "a policy giving 120% (invariant 22)", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: conv, p: tampered, wantKind: domain.Invalid, wantRule: followup.RuleCreditPercent},
		{name: "a policy giving no credit (invariant 22)", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: conv, p: legacy, wantKind: domain.Invalid, wantRule: followup.RuleCreditPercent},
		{name: "no coefficient", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: followup.Conversion{JFLevel: "X", Months: 12}, p: p, wantKind: domain.Invalid, wantRule: followup.RuleRequired},
		{name: "no JF level", given: []followup.Event{opened()}, by: official, ev: locked(policy.Baik), c: followup.Conversion{Coefficient: 1, Months: 12}, p: p, wantKind: domain.Invalid, wantRule: followup.RuleRequired},
		{name: "twice", given: []followup.Event{opened(), converted}, by: official, ev: locked(policy.Baik), c: conv, p: p, wantKind: domain.Conflict},
		{name: "evaluation not locked", given: []followup.Event{opened()}, by: official, ev: evaluation.Facts{Evaluation: evalID, Employee: employee, Period: year, Predicate: policy.Baik}, c: conv, p: p, wantKind: domain.Invalid, wantRule: followup.RuleLocked},
		{name: "another employee's evaluation", given: []followup.Event{opened()}, by: official, ev: evaluation.Facts{Evaluation: evalID, Employee: other, Period: year, Locked: true, Predicate: policy.Baik}, c: conv, p: p, wantKind: domain.Invalid, wantRule: followup.RuleLocked},
		{name: "by the employee", given: []followup.Event{opened()}, by: employee, ev: locked(policy.Baik), c: conv, p: p, wantKind: domain.Forbidden},
		{name: "no record", by: official, ev: locked(policy.Baik), c: conv, p: p, wantKind: domain.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := followup.Replay(tt.given).ConvertCreditPoints(tt.by, tt.ev, tt.c, tt.p, at)
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestStartImprovementPeriod(t *testing.T) {
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		ev         evaluation.Facts
		start, end time.Time
		cause      string
		want       []followup.Event
		wantKind   domain.Kind
		wantRule   string
	}{
		{name: "six months exactly", ev: locked(policy.ButuhPerbaikan), start: start, end: start.AddDate(0, 6, 0), cause: "target layanan tidak tercapai",
			want: []followup.Event{followup.ImprovementPeriodStarted{Evaluation: evalID, Start: start, End: start.AddDate(0, 6, 0), Cause: "target layanan tidak tercapai", By: official, At: at}}},
		{name: "a day longer than six months (invariant 23)", ev: locked(policy.SangatKurang), start: start, end: start.AddDate(0, 6, 1), cause: "c", wantKind: domain.Invalid, wantRule: followup.RuleImprovement},
		{name: "ends before it starts", ev: locked(policy.SangatKurang), start: start, end: start, cause: "c", wantKind: domain.Invalid, wantRule: followup.RuleImprovement},
		{name: "after a Baik predicate", ev: locked(policy.Baik), start: start, end: start.AddDate(0, 3, 0), cause: "c", wantKind: domain.Invalid, wantRule: followup.RuleImprovement},
		{name: "no cause", ev: locked(policy.KurangMisconduct), start: start, end: start.AddDate(0, 3, 0), cause: "", wantKind: domain.Invalid, wantRule: followup.RuleRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := followup.Replay([]followup.Event{opened()}).StartImprovementPeriod(official, tt.ev, tt.start, tt.end, tt.cause, at)
			check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
		})
	}
}

func TestDecisions(t *testing.T) {
	d := followup.Decision{ID: decID, Type: "PENURUNAN_JABATAN", LegalBasis: "PP 30/2019 Pasal 56", DecisionRef: "SK 800/12/2027"}
	with := func(f func(*followup.Decision)) followup.Decision { x := d; f(&x); return x }
	commands := map[string]func(*followup.Record, domain.NIP, evaluation.Facts, followup.Decision) ([]followup.Event, error){
		"reward": func(r *followup.Record, by domain.NIP, ev evaluation.Facts, d followup.Decision) ([]followup.Event, error) {
			return r.GrantReward(by, ev, d, at)
		},
		"sanction": func(r *followup.Record, by domain.NIP, ev evaluation.Facts, d followup.Decision) ([]followup.Event, error) {
			return r.ImposeSanction(by, ev, d, at)
		},
		"training": func(r *followup.Record, by domain.NIP, ev evaluation.Facts, d followup.Decision) ([]followup.Event, error) {
			return r.RecommendTraining(by, ev, d, at)
		},
	}
	wantEvent := map[string]followup.Event{
		"reward":   followup.RewardGranted{Evaluation: evalID, Decision: d, By: official, At: at},
		"sanction": followup.SanctionImposed{Evaluation: evalID, Decision: d, By: official, At: at},
		"training": followup.TrainingRecommended{Evaluation: evalID, Decision: d, By: official, At: at},
	}
	for name, cmd := range commands {
		tests := []struct {
			name     string
			given    []followup.Event
			by       domain.NIP
			ev       evaluation.Facts
			d        followup.Decision
			want     []followup.Event
			wantKind domain.Kind
			wantRule string
		}{
			{name: "recorded", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang), d: d, want: []followup.Event{wantEvent[name]}},
			{name: "reused decision id", given: []followup.Event{opened(), wantEvent[name]}, by: official, ev: locked(policy.SangatKurang), d: d, wantKind: domain.Conflict},
			{name: "no legal basis", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang), d: with(func(x *followup.Decision) { x.LegalBasis = "" }), wantKind: domain.Invalid, wantRule: followup.RuleRequired},
			{name: "no decree", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang), d: with(func(x *followup.Decision) { x.DecisionRef = "" }), wantKind: domain.Invalid, wantRule: followup.RuleRequired},
			{name: "no type", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang), d: with(func(x *followup.Decision) { x.Type = "" }), wantKind: domain.Invalid, wantRule: followup.RuleRequired},
			{name: "no id", given: []followup.Event{opened()}, by: official, ev: locked(policy.SangatKurang), d: with(func(x *followup.Decision) { x.ID = uuid.Nil }), wantKind: domain.Invalid, wantRule: followup.RuleRequired},
			{name: "by the employee", given: []followup.Event{opened()}, by: employee, ev: locked(policy.SangatKurang), d: d, wantKind: domain.Forbidden},
			{name: "evaluation not locked", given: []followup.Event{opened()}, by: official, ev: evaluation.Facts{Evaluation: evalID, Employee: employee}, d: d, wantKind: domain.Invalid, wantRule: followup.RuleLocked},
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				got, err := cmd(followup.Replay(tt.given), tt.by, tt.ev, tt.d)
				check(t, got, err, tt.want, tt.wantKind, tt.wantRule)
			})
		}
	}
}

func examples() []followup.Event {
	d := followup.Decision{ID: decID, Type: "PELATIHAN_TEKNIS", LegalBasis: "PermenPANRB 6/2022", DecisionRef: "ND 12/2027", Notes: "pelayanan publik"}
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	return []followup.Event{
		opened(),
		followup.CreditPointsConverted{Evaluation: evalID, Period: "2026", Predicate: policy.Baik, JFLevel: "AHLI_PERTAMA", Coefficient: 12.5, Percent: 100, Months: 12, Value: 12.5, Policy: policy.DefaultID, By: official, At: at},
		followup.ImprovementPeriodStarted{Evaluation: evalID, Start: start, End: start.AddDate(0, 6, 0), Cause: "target tidak tercapai", By: official, At: at},
		followup.RewardGranted{Evaluation: evalID, Decision: d, By: official, At: at},
		followup.SanctionImposed{Evaluation: evalID, Decision: d, By: official, At: at},
		followup.TrainingRecommended{Evaluation: evalID, Decision: d, By: official, At: at},
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, examples(), followup.Decode)
	if _, err := followup.Decode("followup.opened", []byte(`{"record_id": 1}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	eventtest.Golden(t, examples(), followup.Decode, *update)
}

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := followup.Decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("Decode(%q) gave a %s", eventType, e.EventType())
		}
		if e != nil {
			followup.Replay([]followup.Event{e}).CreditTotal()
		}
	})
}

func TestStream(t *testing.T) {
	if got, want := followup.Stream(recordID), "followup-"+recordID.String(); got != want {
		t.Errorf("Stream() = %q, want %q", got, want)
	}
}
