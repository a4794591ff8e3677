package org_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
)

const (
	pns      domain.NIP = "198609262015051001"
	cpns     domain.NIP = "199803142024032002"
	pppk     domain.NIP = "199001012021212001"
	superior domain.NIP = "197505102000031002"
	hr       domain.NIP = "198003152006042001"
)

var (
	unitID   = uuid.MustParse("5d1c0e4a-9a7e-4f0e-8f55-3b7a2b000001")
	parentID = uuid.MustParse("5d1c0e4a-9a7e-4f0e-8f55-3b7a2b000002")
	at       = time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)
	wib      = time.FixedZone("WIB", 7*3600)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func registered() org.EmployeeRegistered {
	return org.EmployeeRegistered{NIP: pns, Type: domain.PNS, Name: "Budi Santoso", BirthDate: date(1986, 9, 26), Sex: domain.Male,
		TMT: date(2015, 5, 1), RegisteredBy: hr, At: at}
}

func cpnsRegistered() org.EmployeeRegistered {
	return org.EmployeeRegistered{NIP: cpns, Type: domain.CPNS, Name: "Dewi Lestari", BirthDate: date(1998, 3, 14), Sex: domain.Female,
		TMT: date(2024, 3, 1), RegisteredBy: hr, At: at}
}

func pppkRegistered() org.EmployeeRegistered {
	return org.EmployeeRegistered{NIP: pppk, Type: domain.PPPK, Name: "Rina Marlina", BirthDate: date(1990, 1, 1), Sex: domain.Female,
		TMT: date(2021, 4, 1), RegisteredBy: hr, At: at}
}

func placement() org.Placement {
	return org.Placement{Unit: unitID, Position: "pos-analis-1", PositionName: "Analis Kebijakan Ahli Pertama", PositionType: org.Fungsional,
		JFLevel: "AHLI_PERTAMA", DirectSuperior: superior, EffectiveFrom: date(2025, 1, 1)}
}

func placed() org.PlacementChanged {
	return org.PlacementChanged{NIP: pns, Placement: placement(), By: hr, At: at}
}

func wantError(t *testing.T, err error, kind domain.Kind, field, rule string) {
	t.Helper()
	if kind == 0 {
		if err != nil {
			t.Fatalf("error = %v, want none", err)
		}
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %v, want a *domain.Error of kind %v", err, kind)
	}
	if de.Kind != kind || de.Field != field || de.Rule != rule {
		t.Errorf("error kind %v field %q rule %q (%q), want %v %q %q", de.Kind, de.Field, de.Rule, de.Message, kind, field, rule)
	}
	if de.Message == "" {
		t.Error("error has no message")
	}
}

func TestRegister(t *testing.T) {
	type args struct {
		nip       string
		typ       domain.EmployeeType
		name      string
		birth     time.Time
		sex       domain.Sex
		tmt       time.Time
		legacyNIP string
		by        domain.NIP
	}
	ok := args{nip: "19860926 201505 1 001", typ: domain.PNS, name: "Budi Santoso", birth: date(1986, 9, 26), sex: domain.Male, tmt: date(2015, 5, 1), by: hr}
	with := func(f func(*args)) args { a := ok; f(&a); return a }
	withWarnings := func(e org.EmployeeRegistered, f func(*org.EmployeeRegistered)) org.EmployeeRegistered {
		f(&e)
		return e
	}
	tests := []struct {
		name      string
		given     []org.Event
		args      args
		want      []org.Event
		wantWarn  []string // substrings of the warnings, in order
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted, NIP normalised", args: ok, want: []org.Event{registered()}},
		{name: "birth date and sex taken from the NIP when not given", args: with(func(a *args) { a.birth, a.sex = time.Time{}, "" }), want: []org.Event{registered()}},
		{name: "CPNS", args: args{nip: string(cpns), typ: domain.CPNS, name: "Dewi Lestari", tmt: date(2024, 3, 1), by: hr}, want: []org.Event{cpnsRegistered()}},
		{name: "PPPK", args: args{nip: string(pppk), typ: domain.PPPK, name: "Rina Marlina", tmt: date(2021, 4, 1), by: hr}, want: []org.Event{pppkRegistered()}},
		{name: "legacy NIP kept", args: with(func(a *args) { a.legacyNIP = "131110468" }),
			want: []org.Event{withWarnings(registered(), func(e *org.EmployeeRegistered) { e.LegacyNIP = "131110468" })}},
		{name: "master record differs from the NIP: warnings, not errors", args: with(func(a *args) { a.birth, a.sex, a.tmt = date(1986, 9, 27), domain.Female, date(2015, 6, 1) }),
			wantWarn: []string{"birth date 1986-09-27 differs", "sex P differs", "TMT 2015-06 differs"}},
		{name: "implausible NIP: warning kept", args: args{nip: "200501012020011001", typ: domain.PNS, name: "Muda", tmt: date(2020, 1, 1), by: hr}, wantWarn: []string{"under 18"}},
		{name: "already registered", given: []org.Event{registered()}, args: ok, wantKind: domain.Conflict, wantField: "nip", wantRule: org.RuleRegisteredOnce},
		{name: "NIP breaks a rule", args: with(func(a *args) { a.nip = "198609262015053001" }), wantKind: domain.Invalid, wantField: "nip", wantRule: domain.RuleNIPSex},
		{name: "unknown type", args: with(func(a *args) { a.typ = "HONORER" }), wantKind: domain.Invalid, wantField: "employee_type", wantRule: org.RuleEmployeeType},
		{name: "NI PPPK registered as PNS", args: args{nip: string(pppk), typ: domain.PNS, name: "x", tmt: date(2021, 4, 1), by: hr}, wantKind: domain.Invalid, wantField: "employee_type", wantRule: org.RuleTypeMatchesNIP},
		{name: "NIP registered as PPPK", args: with(func(a *args) { a.typ = domain.PPPK }), wantKind: domain.Invalid, wantField: "employee_type", wantRule: org.RuleTypeMatchesNIP},
		{name: "no name", args: with(func(a *args) { a.name = "" }), wantKind: domain.Invalid, wantField: "name", wantRule: org.RuleName},
		{name: "unknown sex", args: with(func(a *args) { a.sex = "X" }), wantKind: domain.Invalid, wantField: "sex", wantRule: org.RuleSex},
		{name: "no TMT", args: with(func(a *args) { a.tmt = time.Time{} }), wantKind: domain.Invalid, wantField: "tmt", wantRule: org.RuleTMT},
		{name: "legacy NIP not 9 digits", args: with(func(a *args) { a.legacyNIP = "13111046" }), wantKind: domain.Invalid, wantField: "legacy_nip", wantRule: org.RuleLegacyNIP},
		{name: "actor is not a NIP", args: with(func(a *args) { a.by = "hr-admin" }), wantKind: domain.Invalid, wantField: "registered_by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.args
			got, err := org.ReplayEmployee(tt.given).Register(a.nip, a.typ, a.name, a.birth, a.sex, a.tmt, a.legacyNIP, a.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if tt.wantWarn != nil {
				if len(got) != 1 {
					t.Fatalf("Register() = %+v, want one event", got)
				}
				warnings := got[0].(org.EmployeeRegistered).Warnings
				if len(warnings) != len(tt.wantWarn) {
					t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tt.wantWarn), tt.wantWarn)
				}
				for i, w := range tt.wantWarn {
					if !strings.Contains(warnings[i], w) {
						t.Errorf("warning %d = %q, want it to mention %q", i, warnings[i], w)
					}
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Register() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPlace(t *testing.T) {
	with := func(f func(*org.Placement)) org.Placement { p := placement(); f(&p); return p }
	jpt := org.Placement{Unit: unitID, Position: "pos-sekda", PositionName: "Sekretaris Daerah", PositionType: org.JPT, SuperiorTitle: "Bupati", EffectiveFrom: date(2025, 1, 1)}
	left := org.EmployeeLeft{NIP: pns, Reason: org.Transfer, LastDay: date(2024, 12, 31), DecisionRef: "SK-9", By: hr, At: at}
	tests := []struct {
		name      string
		given     []org.Event
		p         org.Placement
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []org.Event{registered()}, p: placement(), by: hr, want: []org.Event{placed()}},
		{name: "effective date kept as its calendar date", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.EffectiveFrom = time.Date(2025, 1, 1, 7, 0, 0, 0, wib) }), by: hr, want: []org.Event{placed()}},
		{name: "JPT under a superior without a NIP", given: []org.Event{registered()}, p: jpt, by: hr, want: []org.Event{org.PlacementChanged{NIP: pns, Placement: jpt, By: hr, At: at}}},
		{name: "a later placement", given: []org.Event{registered(), placed()}, p: with(func(p *org.Placement) { p.EffectiveFrom = date(2025, 7, 1) }), by: hr,
			want: []org.Event{org.PlacementChanged{NIP: pns, Placement: with(func(p *org.Placement) { p.EffectiveFrom = date(2025, 7, 1) }), By: hr, At: at}}},
		{name: "not registered", p: placement(), by: hr, wantKind: domain.NotFound, wantField: "nip"},
		{name: "no effective date", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.EffectiveFrom = time.Time{} }), by: hr, wantKind: domain.Invalid, wantField: "placement.effective_from", wantRule: org.RulePlacementOrder},
		{name: "before the TMT", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.EffectiveFrom = date(2015, 4, 30) }), by: hr, wantKind: domain.Invalid, wantField: "placement.effective_from", wantRule: org.RuleActive},
		{name: "after leaving", given: []org.Event{registered(), left}, p: placement(), by: hr, wantKind: domain.Invalid, wantField: "placement.effective_from", wantRule: org.RuleActive},
		{name: "not after the latest placement", given: []org.Event{registered(), placed()}, p: placement(), by: hr, wantKind: domain.Invalid, wantField: "placement.effective_from", wantRule: org.RulePlacementOrder},
		{name: "no unit", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.Unit = uuid.Nil }), by: hr, wantKind: domain.Invalid, wantField: "placement.unit_id", wantRule: org.RuleUnit},
		{name: "no position", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.Position = "" }), by: hr, wantKind: domain.Invalid, wantField: "placement.position_id", wantRule: org.RulePosition},
		{name: "unknown position type", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.PositionType = "JF" }), by: hr, wantKind: domain.Invalid, wantField: "placement.position_type", wantRule: org.RulePositionType},
		{name: "functional without level", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.JFLevel = "" }), by: hr, wantKind: domain.Invalid, wantField: "placement.jf_level", wantRule: org.RuleJFLevel},
		{name: "level on a non-functional position", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.PositionType = org.Pelaksana }), by: hr, wantKind: domain.Invalid, wantField: "placement.jf_level", wantRule: org.RuleJFLevel},
		{name: "no superior", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.DirectSuperior = "" }), by: hr, wantKind: domain.Invalid, wantField: "placement.direct_superior_nip", wantRule: org.RuleSuperior},
		{name: "only a JPT may have a superior without a NIP", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.DirectSuperior, p.SuperiorTitle = "", "Bupati" }), by: hr, wantKind: domain.Invalid, wantField: "placement.direct_superior_nip", wantRule: org.RuleSuperior},
		{name: "superior NIP invalid", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.DirectSuperior = "1975" }), by: hr, wantKind: domain.Invalid, wantField: "placement.direct_superior_nip", wantRule: org.RuleSuperior},
		{name: "own superior", given: []org.Event{registered()}, p: with(func(p *org.Placement) { p.DirectSuperior = pns }), by: hr, wantKind: domain.Invalid, wantField: "placement.direct_superior_nip", wantRule: org.RuleNotOwnSuperior},
		{name: "actor is not a NIP", given: []org.Event{registered()}, p: placement(), by: "x", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayEmployee(tt.given).Place(tt.p, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Place() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppointPNS(t *testing.T) {
	appointed := org.AppointedPNS{NIP: cpns, TMTPNS: date(2025, 3, 1), DecisionRef: "SK-PNS-1", By: hr, At: at}
	tests := []struct {
		name      string
		given     []org.Event
		tmt       time.Time
		sk        string
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []org.Event{cpnsRegistered()}, tmt: date(2025, 3, 1), sk: "SK-PNS-1", by: hr, want: []org.Event{appointed}},
		{name: "not registered", tmt: date(2025, 3, 1), sk: "SK", by: hr, wantKind: domain.NotFound, wantField: "nip"},
		{name: "already PNS", given: []org.Event{registered()}, tmt: date(2025, 3, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantRule: org.RuleAppointmentCPNS},
		{name: "appointed twice", given: []org.Event{cpnsRegistered(), appointed}, tmt: date(2025, 4, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantRule: org.RuleAppointmentCPNS},
		{name: "PPPK", given: []org.Event{pppkRegistered()}, tmt: date(2025, 3, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantRule: org.RuleAppointmentCPNS},
		{name: "before the TMT", given: []org.Event{cpnsRegistered()}, tmt: date(2024, 2, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "tmt_pns", wantRule: org.RuleActive},
		{name: "no SK", given: []org.Event{cpnsRegistered()}, tmt: date(2025, 3, 1), by: hr, wantKind: domain.Invalid, wantField: "decision_ref", wantRule: org.RuleDecisionRef},
		{name: "actor is not a NIP", given: []org.Event{cpnsRegistered()}, tmt: date(2025, 3, 1), sk: "SK", by: "", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayEmployee(tt.given).AppointPNS(tt.tmt, tt.sk, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AppointPNS() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLeave(t *testing.T) {
	left := org.EmployeeLeft{NIP: pns, Reason: org.Retirement, LastDay: date(2025, 12, 31), DecisionRef: "SK-BUP", By: hr, At: at}
	tests := []struct {
		name      string
		given     []org.Event
		reason    org.LeaveReason
		lastDay   time.Time
		sk        string
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []org.Event{registered(), placed()}, reason: org.Retirement, lastDay: date(2025, 12, 31), sk: "SK-BUP", by: hr, want: []org.Event{left}},
		{name: "PPPK contract expires", given: []org.Event{pppkRegistered()}, reason: org.ContractExpired, lastDay: date(2025, 3, 31), sk: "SK", by: hr,
			want: []org.Event{org.EmployeeLeft{NIP: pppk, Reason: org.ContractExpired, LastDay: date(2025, 3, 31), DecisionRef: "SK", By: hr, At: at}}},
		{name: "not registered", reason: org.Retirement, lastDay: date(2025, 12, 31), sk: "SK", by: hr, wantKind: domain.NotFound, wantField: "nip"},
		{name: "already left", given: []org.Event{registered(), left}, reason: org.Death, lastDay: date(2026, 1, 5), sk: "SK", by: hr, wantKind: domain.Invalid, wantRule: org.RuleActive},
		{name: "unknown reason", given: []org.Event{registered()}, reason: "CUTI", lastDay: date(2025, 12, 31), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "reason", wantRule: org.RuleLeaveReason},
		{name: "a PNS has no contract", given: []org.Event{registered()}, reason: org.ContractExpired, lastDay: date(2025, 12, 31), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "reason", wantRule: org.RuleLeaveReason},
		{name: "before the TMT", given: []org.Event{registered()}, reason: org.Resignation, lastDay: date(2015, 4, 30), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "last_day", wantRule: org.RuleLeaveDate},
		{name: "before the latest placement", given: []org.Event{registered(), placed()}, reason: org.Resignation, lastDay: date(2024, 12, 31), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "last_day", wantRule: org.RuleLeaveDate},
		{name: "no SK", given: []org.Event{registered()}, reason: org.Resignation, lastDay: date(2025, 12, 31), by: hr, wantKind: domain.Invalid, wantField: "decision_ref", wantRule: org.RuleDecisionRef},
		{name: "actor is not a NIP", given: []org.Event{registered()}, reason: org.Resignation, lastDay: date(2025, 12, 31), sk: "SK", by: "?", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayEmployee(tt.given).Leave(tt.reason, tt.lastDay, tt.sk, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Leave() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEmployeeQueries(t *testing.T) {
	second := placed()
	second.Placement.EffectiveFrom = date(2025, 7, 1)
	second.Placement.DirectSuperior = hr
	x := org.ReplayEmployee([]org.Event{
		registered(), placed(), second,
		org.EmployeeLeft{NIP: pns, Reason: org.Retirement, LastDay: date(2025, 12, 31), DecisionRef: "SK", By: hr, At: at},
	})
	if x.NIP() != pns || x.Type() != domain.PNS || x.Name() != "Budi Santoso" || !x.Registered() {
		t.Errorf("identity = %q %q %q %v", x.NIP(), x.Type(), x.Name(), x.Registered())
	}
	tests := []struct {
		day      time.Time
		active   bool
		superior domain.NIP // "" when no placement
	}{
		{date(2015, 4, 30), false, ""},
		{date(2015, 5, 1), true, ""}, // in service, not yet placed
		{date(2025, 1, 1), true, superior},
		{time.Date(2025, 7, 1, 6, 0, 0, 0, wib), true, hr},
		{date(2025, 12, 31), true, hr},
		{date(2026, 1, 1), false, ""},
	}
	for _, tt := range tests {
		if got := x.ActiveOn(tt.day); got != tt.active {
			t.Errorf("ActiveOn(%v) = %v, want %v", tt.day, got, tt.active)
		}
		p, ok := x.PlacementOn(tt.day)
		if ok != (tt.superior != "") || p.DirectSuperior != tt.superior {
			t.Errorf("PlacementOn(%v) = %+v, %v; want superior %q", tt.day, p, ok, tt.superior)
		}
	}
	during := []struct {
		start, end time.Time
		want       bool
	}{
		{date(2014, 1, 1), date(2015, 4, 30), false},
		{date(2014, 1, 1), date(2015, 5, 1), true},
		{date(2025, 12, 31), date(2026, 6, 30), true},
		{date(2026, 1, 1), date(2026, 12, 31), false},
		{date(2025, 6, 30), date(2025, 6, 1), false}, // end before start
	}
	for _, tt := range during {
		if got := x.ActiveDuring(tt.start, tt.end); got != tt.want {
			t.Errorf("ActiveDuring(%v, %v) = %v, want %v", tt.start.Format(time.DateOnly), tt.end.Format(time.DateOnly), got, tt.want)
		}
	}
	if len(x.Placements()) != 2 {
		t.Errorf("Placements() has %d entries, want 2", len(x.Placements()))
	}
	c := org.ReplayEmployee([]org.Event{cpnsRegistered(), org.AppointedPNS{NIP: cpns, TMTPNS: date(2025, 3, 1), DecisionRef: "SK", By: hr, At: at}})
	if c.Type() != domain.PNS {
		t.Errorf("after appointment Type() = %q, want PNS", c.Type())
	}
	if c.TypeOn(date(2025, 2, 28)) != domain.CPNS || c.TypeOn(date(2025, 3, 1)) != domain.PNS {
		t.Errorf("TypeOn around the TMT PNS = %q, %q; want CPNS, PNS", c.TypeOn(date(2025, 2, 28)), c.TypeOn(date(2025, 3, 1)))
	}
	if x.TypeOn(date(2016, 1, 1)) != domain.PNS {
		t.Errorf("TypeOn of a PNS never a CPNS here = %q", x.TypeOn(date(2016, 1, 1)))
	}
	if org.ReplayEmployee(nil).ActiveOn(date(2025, 1, 1)) {
		t.Error("an unregistered employee is active")
	}
	if got := org.EmployeeStream(pns); got != "employee-198609262015051001" {
		t.Errorf("EmployeeStream() = %q", got)
	}
}
