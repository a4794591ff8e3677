package indicator_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

var (
	indicatorID = uuid.MustParse("0b6f7b1e-3f39-4a51-9c0d-6a1d3e0a0001")
	otherID     = uuid.MustParse("0b6f7b1e-3f39-4a51-9c0d-6a1d3e0a0002")
	hr          = domain.NIP("198003152006042001")
	head        = domain.NIP("197505102000031002")
	jakarta     = time.FixedZone("WIB", 7*3600)
	at          = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	jan1        = date(2025, 1, 1)
	jul1        = date(2025, 7, 1)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func complaints() indicator.Definition {
	return indicator.Definition{Name: "Jumlah pengaduan masyarakat", Aspect: indicator.Quality, UnitOfMeasure: "pengaduan",
		Direction: indicator.LowerIsBetter, Formula: indicator.MirroredRatio, Measurement: "pengaduan diterima", DataSource: "SP4N-LAPOR!"}
}

func defined() indicator.Defined {
	return indicator.Defined{Indicator: indicatorID, Code: "public-complaints", Definition: complaints(), ValidFrom: jan1, DefinedBy: hr, At: at}
}

func revised() indicator.Revised {
	def := complaints()
	def.Formula, def.Measurement = indicator.InverseRatio, "pengaduan diterima dan terverifikasi"
	return indicator.Revised{Indicator: indicatorID, Version: 2, Definition: def, Changed: []string{"formula", "measurement"}, ValidFrom: jul1,
		Reason: "pengaduan ganda tidak dihitung", ApprovedBy: head, At: at.AddDate(0, 5, 0)}
}

func retired() indicator.Retired {
	return indicator.Retired{Indicator: indicatorID, ValidTo: date(2025, 12, 31), Replacement: otherID, Reason: "diganti indeks pengaduan", RetiredBy: hr, At: at.AddDate(0, 10, 0)}
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

func TestDefine(t *testing.T) {
	noName := complaints()
	noName.Name = " "
	noAspect := complaints()
	noAspect.Aspect = "MUTU"
	noUnit := complaints()
	noUnit.UnitOfMeasure = ""
	noDirection := complaints()
	noDirection.Direction = ""
	wrongFormula := complaints()
	wrongFormula.Formula = indicator.Ratio
	unknownFormula := complaints()
	unknownFormula.Formula = "AVERAGE"
	tests := []struct {
		name      string
		given     []indicator.Event
		id        uuid.UUID
		def       indicator.Definition
		validFrom time.Time
		by        domain.NIP
		want      []indicator.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", id: indicatorID, def: complaints(), validFrom: jan1, by: hr, want: []indicator.Event{defined()}},
		{name: "valid_from is kept as its calendar date", id: indicatorID, def: complaints(), validFrom: time.Date(2025, 1, 1, 6, 30, 0, 0, jakarta), by: hr, want: []indicator.Event{defined()}},
		{name: "already defined", given: []indicator.Event{defined()}, id: indicatorID, def: complaints(), validFrom: jan1, by: hr, wantKind: domain.Conflict, wantRule: indicator.RuleDefinedOnce},
		{name: "no id", id: uuid.Nil, def: complaints(), validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "indicator_id", wantRule: indicator.RuleDefinedOnce},
		{name: "no name", id: indicatorID, def: noName, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.name", wantRule: indicator.RuleName},
		{name: "unknown aspect", id: indicatorID, def: noAspect, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.aspect", wantRule: indicator.RuleAspect},
		{name: "no unit of measure", id: indicatorID, def: noUnit, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.unit_of_measure", wantRule: indicator.RuleUnitOfMeasure},
		{name: "no direction", id: indicatorID, def: noDirection, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.direction", wantRule: indicator.RuleDirection},
		{name: "formula of another direction", id: indicatorID, def: wrongFormula, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.formula", wantRule: indicator.RuleFormula},
		{name: "unknown formula", id: indicatorID, def: unknownFormula, validFrom: jan1, by: hr, wantKind: domain.Invalid, wantField: "definition.formula", wantRule: indicator.RuleFormula},
		{name: "no valid_from", id: indicatorID, def: complaints(), by: hr, wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleValidFrom},
		{name: "actor is not a NIP", id: indicatorID, def: complaints(), validFrom: jan1, by: "admin", wantKind: domain.Invalid, wantField: "defined_by", wantRule: indicator.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indicator.Replay(tt.given).Define(tt.id, "public-complaints", tt.def, tt.validFrom, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Define() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRevise(t *testing.T) {
	changed := revised().Definition
	tests := []struct {
		name      string
		given     []indicator.Event
		def       indicator.Definition
		validFrom time.Time
		reason    string
		by        domain.NIP
		at        time.Time
		want      []indicator.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []indicator.Event{defined()}, def: changed, validFrom: jul1, reason: revised().Reason, by: head, at: revised().At, want: []indicator.Event{revised()}},
		{name: "effective today", given: []indicator.Event{defined()}, def: changed, validFrom: jul1, reason: "r", by: head, at: jul1.Add(23 * time.Hour),
			want: []indicator.Event{indicator.Revised{Indicator: indicatorID, Version: 2, Definition: changed, Changed: []string{"formula", "measurement"}, ValidFrom: jul1, Reason: "r", ApprovedBy: head, At: jul1.Add(23 * time.Hour)}}},
		{name: "not defined", def: changed, validFrom: jul1, reason: "r", by: head, at: at, wantKind: domain.NotFound, wantField: "indicator_id"},
		{name: "retired", given: []indicator.Event{defined(), retired()}, def: changed, validFrom: date(2026, 1, 1), reason: "r", by: head, at: at, wantKind: domain.Invalid, wantRule: indicator.RuleRetired},
		{name: "no reason", given: []indicator.Event{defined()}, def: changed, validFrom: jul1, reason: "  ", by: head, at: at, wantKind: domain.Invalid, wantField: "reason", wantRule: indicator.RuleRevisionReason},
		{name: "approver is not a NIP", given: []indicator.Event{defined()}, def: changed, validFrom: jul1, reason: "r", by: "kepala", at: at, wantKind: domain.Invalid, wantField: "approved_by", wantRule: indicator.RuleActor},
		{name: "no valid_from", given: []indicator.Event{defined()}, def: changed, reason: "r", by: head, at: at, wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleValidFrom},
		{name: "retroactive", given: []indicator.Event{defined()}, def: changed, validFrom: jul1, reason: "r", by: head, at: jul1.AddDate(0, 0, 1), wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleNotRetroactive},
		{name: "same day as the latest version", given: []indicator.Event{defined()}, def: changed, validFrom: jan1, reason: "r", by: head, at: date(2024, 12, 1), wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleRevisionOrder},
		{name: "before a scheduled version", given: []indicator.Event{defined(), revised()}, def: complaints(), validFrom: date(2025, 6, 1), reason: "r", by: head, at: at, wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleRevisionOrder},
		{name: "changes nothing", given: []indicator.Event{defined()}, def: complaints(), validFrom: jul1, reason: "r", by: head, at: at, wantKind: domain.Invalid, wantField: "definition", wantRule: indicator.RuleRevisionChanges},
		{name: "incomplete definition", given: []indicator.Event{defined()}, def: indicator.Definition{Name: "x"}, validFrom: jul1, reason: "r", by: head, at: at, wantKind: domain.Invalid, wantField: "definition.aspect", wantRule: indicator.RuleAspect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indicator.Replay(tt.given).Revise(tt.def, tt.validFrom, tt.reason, tt.by, tt.at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Revise() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReviseListsEveryChangedField(t *testing.T) {
	def := indicator.Definition{Name: "Pengaduan", Aspect: indicator.Quantity, UnitOfMeasure: "kasus", Direction: indicator.Range, Formula: indicator.RangeDistance, Measurement: "m", DataSource: "d"}
	got, err := indicator.Replay([]indicator.Event{defined()}).Revise(def, jul1, "r", head, at)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"name", "aspect", "unit_of_measure", "direction", "formula", "measurement", "data_source"}
	if r := got[0].(indicator.Revised); !slices.Equal(r.Changed, want) {
		t.Errorf("Changed = %q, want %q", r.Changed, want)
	}
}

func TestRetire(t *testing.T) {
	tests := []struct {
		name        string
		given       []indicator.Event
		validTo     time.Time
		replacement uuid.UUID
		reason      string
		by          domain.NIP
		at          time.Time
		want        []indicator.Event
		wantKind    domain.Kind
		wantField   string
		wantRule    string
	}{
		{name: "accepted", given: []indicator.Event{defined()}, validTo: date(2025, 12, 31), replacement: otherID, reason: retired().Reason, by: hr, at: retired().At, want: []indicator.Event{retired()}},
		{name: "accepted after a revision, without replacement", given: []indicator.Event{defined(), revised()}, validTo: jul1, reason: "x", by: hr, at: at,
			want: []indicator.Event{indicator.Retired{Indicator: indicatorID, ValidTo: jul1, Reason: "x", RetiredBy: hr, At: at}}},
		{name: "not defined", validTo: date(2025, 12, 31), reason: "x", by: hr, at: at, wantKind: domain.NotFound, wantField: "indicator_id"},
		{name: "already retired", given: []indicator.Event{defined(), retired()}, validTo: date(2026, 12, 31), reason: "x", by: hr, at: at, wantKind: domain.Invalid, wantRule: indicator.RuleRetired},
		{name: "no reason", given: []indicator.Event{defined()}, validTo: date(2025, 12, 31), by: hr, at: at, wantKind: domain.Invalid, wantField: "reason", wantRule: indicator.RuleRetireReason},
		{name: "actor is not a NIP", given: []indicator.Event{defined()}, validTo: date(2025, 12, 31), reason: "x", by: "", at: at, wantKind: domain.Invalid, wantField: "retired_by", wantRule: indicator.RuleActor},
		{name: "replaces itself", given: []indicator.Event{defined()}, validTo: date(2025, 12, 31), replacement: indicatorID, reason: "x", by: hr, at: at, wantKind: domain.Invalid, wantField: "replacement_id", wantRule: indicator.RuleReplacement},
		{name: "no valid_to", given: []indicator.Event{defined()}, reason: "x", by: hr, at: at, wantKind: domain.Invalid, wantField: "valid_to", wantRule: indicator.RuleRetireDate},
		{name: "in the past", given: []indicator.Event{defined()}, validTo: date(2025, 1, 5), reason: "x", by: hr, at: at, wantKind: domain.Invalid, wantField: "valid_to", wantRule: indicator.RuleNotRetroactive},
		{name: "before the latest version starts", given: []indicator.Event{defined(), revised()}, validTo: date(2025, 6, 30), reason: "x", by: hr, at: at, wantKind: domain.Invalid, wantField: "valid_to", wantRule: indicator.RuleRetireDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indicator.Replay(tt.given).Retire(tt.validTo, tt.replacement, tt.reason, tt.by, tt.at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Retire() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRevisionsNeverRewriteHistory: a realisation measured under version 1
// keeps version 1's definition and achievement after a revision.
func TestRevisionsNeverRewriteHistory(t *testing.T) {
	x := indicator.Replay([]indicator.Event{defined()})
	before, err := x.VersionOn(date(2025, 3, 31))
	if err != nil {
		t.Fatal(err)
	}
	def := complaints()
	def.Direction, def.Formula = indicator.HigherIsBetter, ""
	events, err := x.Revise(def, jul1, "salah arah", head, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		x.Apply(e)
	}
	after, err := x.VersionOn(date(2025, 3, 31))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("the version valid on 2025-03-31 changed after a revision: %+v, was %+v", after, before)
	}
	v1, err := x.Version(1)
	if err != nil || !reflect.DeepEqual(v1, before) {
		t.Errorf("Version(1) = %+v, %v; want %+v", v1, err, before)
	}
	old, _ := v1.Achievement(indicator.Target{Value: 4}, 3)
	now, _ := x.Versions()[1].Achievement(indicator.Target{Value: 4}, 3)
	if old != 125 || now != 75 {
		t.Errorf("achievement under v1 = %g, under v2 = %g; want 125 and 75", old, now)
	}
}

func TestVersionOn(t *testing.T) {
	x := indicator.Replay([]indicator.Event{defined(), revised(), retired()})
	tests := []struct {
		day      time.Time
		want     int
		wantRule string
	}{
		{date(2024, 12, 31), 0, indicator.RuleValidFrom},
		{jan1, 1, ""},
		{date(2025, 6, 30), 1, ""},
		{time.Date(2025, 7, 1, 0, 30, 0, 0, jakarta), 2, ""}, // 30 June 17:30 UTC, but 1 July in Jakarta
		{jul1, 2, ""},
		{time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC), 2, ""},
		{date(2026, 1, 1), 0, indicator.RuleRetired},
	}
	for _, tt := range tests {
		got, err := x.VersionOn(tt.day)
		if tt.want == 0 {
			wantError(t, err, domain.NotFound, "date", tt.wantRule)
			continue
		}
		if err != nil || got.Number != tt.want {
			t.Errorf("VersionOn(%v) = v%d, %v; want v%d", tt.day, got.Number, err, tt.want)
		}
	}
	if _, err := indicator.Replay(nil).VersionOn(jan1); domain.KindOf(err) != domain.NotFound {
		t.Errorf("VersionOn on an undefined indicator: error = %v, want NotFound", err)
	}
	for _, n := range []int{0, 3} {
		if _, err := x.Version(n); domain.KindOf(err) != domain.NotFound {
			t.Errorf("Version(%d) error = %v, want NotFound", n, err)
		}
	}
	if _, err := indicator.Replay(nil).Version(1); domain.KindOf(err) != domain.NotFound {
		t.Errorf("Version(1) of an undefined indicator: error = %v, want NotFound", err)
	}
	validTo, replacement, ok := x.Retired()
	if !ok || !validTo.Equal(date(2025, 12, 31)) || replacement != otherID {
		t.Errorf("Retired() = %v, %v, %v", validTo, replacement, ok)
	}
	if x.ID() != indicatorID || x.Code() != "public-complaints" {
		t.Errorf("ID(), Code() = %v, %q", x.ID(), x.Code())
	}
}

func TestPresets(t *testing.T) {
	presets := indicator.Presets()
	wantCodes := []string{indicator.PresetDiscipline, indicator.PresetServiceQuality, indicator.PresetInitiative, indicator.PresetResponseTime,
		indicator.PresetPublicComplaints, indicator.PresetCitizenSatisfaction, indicator.PresetVaccinations}
	if len(presets) != len(wantCodes) {
		t.Fatalf("%d presets, want %d", len(presets), len(wantCodes))
	}
	ids := map[uuid.UUID]bool{}
	for i, p := range presets {
		if p.Code != wantCodes[i] {
			t.Errorf("preset %d code = %q, want %q", i, p.Code, wantCodes[i])
		}
		if p.ID != indicator.PresetID(p.Code) || ids[p.ID] {
			t.Errorf("preset %s has id %v, want the unique PresetID", p.Code, p.ID)
		}
		ids[p.ID] = true
		events, err := new(indicator.Indicator).Define(p.ID, p.Code, p.Definition, jan1, hr, at)
		if err != nil {
			t.Errorf("preset %s does not define: %v", p.Code, err)
			continue
		}
		if v, err := indicator.Replay(events).VersionOn(jan1); err != nil || v.Definition != p.Definition {
			t.Errorf("preset %s: VersionOn = %+v, %v", p.Code, v, err)
		}
	}
	// Lower is better where fewer is better; the rest are higher is better.
	for _, p := range presets {
		lower := p.Code == indicator.PresetResponseTime || p.Code == indicator.PresetPublicComplaints
		if (p.Definition.Direction == indicator.LowerIsBetter) != lower {
			t.Errorf("preset %s has direction %s", p.Code, p.Definition.Direction)
		}
	}
	if indicator.PresetID("discipline") != uuid.MustParse(indicator.PresetID("discipline").String()) || indicator.PresetID("a") == indicator.PresetID("b") {
		t.Error("PresetID is not stable or not distinct")
	}
}

func TestStream(t *testing.T) {
	if got, want := indicator.Stream(indicatorID), "indicator-0b6f7b1e-3f39-4a51-9c0d-6a1d3e0a0001"; got != want {
		t.Errorf("Stream() = %q, want %q", got, want)
	}
}
