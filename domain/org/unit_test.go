package org_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
)

func unitDefined() org.UnitDefined {
	return org.UnitDefined{Unit: unitID, Name: "Bidang Pelayanan Kesehatan", Parent: parentID, EffectiveFrom: date(2024, 1, 1), By: hr, At: at}
}

func restructured() org.UnitRestructured {
	return org.UnitRestructured{Unit: unitID, Name: "Bidang Pelayanan dan Sumber Daya Kesehatan", Parent: parentID, EffectiveFrom: date(2025, 1, 1),
		Reason: "Perda SOTK 2024", By: hr, At: at}
}

func headAppointed() org.HeadAppointed {
	return org.HeadAppointed{Unit: unitID, Head: superior, EffectiveFrom: date(2024, 1, 1), DecisionRef: "SK-BUP-821/1", By: hr, At: at}
}

func dissolved() org.UnitDissolved {
	return org.UnitDissolved{Unit: unitID, LastDay: date(2025, 12, 31), Reason: "digabung ke Bidang Yankes", By: hr, At: at}
}

func TestDefineUnit(t *testing.T) {
	tests := []struct {
		name      string
		given     []org.Event
		id        uuid.UUID
		unitName  string
		parent    uuid.UUID
		from      time.Time
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", id: unitID, unitName: unitDefined().Name, parent: parentID, from: date(2024, 1, 1), by: hr, want: []org.Event{unitDefined()}},
		{name: "the instansi itself has no parent", id: parentID, unitName: "Dinas Kesehatan", from: date(2024, 1, 1), by: hr,
			want: []org.Event{org.UnitDefined{Unit: parentID, Name: "Dinas Kesehatan", EffectiveFrom: date(2024, 1, 1), By: hr, At: at}}},
		{name: "already defined", given: []org.Event{unitDefined()}, id: unitID, unitName: "x", from: date(2024, 1, 1), by: hr, wantKind: domain.Conflict, wantField: "unit_id", wantRule: org.RuleUnitDefinedOnce},
		{name: "no id", unitName: "x", from: date(2024, 1, 1), by: hr, wantKind: domain.Invalid, wantField: "unit_id", wantRule: org.RuleUnitDefinedOnce},
		{name: "no name", id: unitID, unitName: " ", from: date(2024, 1, 1), by: hr, wantKind: domain.Invalid, wantField: "name", wantRule: org.RuleUnitName},
		{name: "own parent", id: unitID, unitName: "x", parent: unitID, from: date(2024, 1, 1), by: hr, wantKind: domain.Invalid, wantField: "parent_unit_id", wantRule: org.RuleUnitParent},
		{name: "no date", id: unitID, unitName: "x", by: hr, wantKind: domain.Invalid, wantField: "effective_from", wantRule: org.RuleUnitDate},
		{name: "actor is not a NIP", id: unitID, unitName: "x", from: date(2024, 1, 1), by: "y", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayUnit(tt.given).Define(tt.id, tt.unitName, tt.parent, tt.from, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Define() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRestructure(t *testing.T) {
	r := restructured()
	tests := []struct {
		name      string
		given     []org.Event
		unitName  string
		parent    uuid.UUID
		from      time.Time
		reason    string
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "renamed", given: []org.Event{unitDefined()}, unitName: r.Name, parent: parentID, from: r.EffectiveFrom, reason: r.Reason, by: hr, want: []org.Event{r}},
		{name: "moved to the top", given: []org.Event{unitDefined()}, unitName: unitDefined().Name, from: r.EffectiveFrom, reason: "r", by: hr,
			want: []org.Event{org.UnitRestructured{Unit: unitID, Name: unitDefined().Name, EffectiveFrom: r.EffectiveFrom, Reason: "r", By: hr, At: at}}},
		{name: "not defined", unitName: "x", from: r.EffectiveFrom, reason: "r", by: hr, wantKind: domain.NotFound, wantField: "unit_id"},
		{name: "no name", given: []org.Event{unitDefined()}, parent: parentID, from: r.EffectiveFrom, reason: "r", by: hr, wantKind: domain.Invalid, wantField: "name", wantRule: org.RuleUnitName},
		{name: "own parent", given: []org.Event{unitDefined()}, unitName: "x", parent: unitID, from: r.EffectiveFrom, reason: "r", by: hr, wantKind: domain.Invalid, wantField: "parent_unit_id", wantRule: org.RuleUnitParent},
		{name: "changes nothing", given: []org.Event{unitDefined()}, unitName: unitDefined().Name, parent: parentID, from: r.EffectiveFrom, reason: "r", by: hr, wantKind: domain.Invalid, wantRule: org.RuleUnitChange},
		{name: "no reason", given: []org.Event{unitDefined()}, unitName: "x", parent: parentID, from: r.EffectiveFrom, by: hr, wantKind: domain.Invalid, wantField: "reason", wantRule: org.RuleReason},
		{name: "not after the latest structure", given: []org.Event{unitDefined()}, unitName: "x", parent: parentID, from: date(2024, 1, 1), reason: "r", by: hr, wantKind: domain.Invalid, wantField: "effective_from", wantRule: org.RuleUnitDate},
		{name: "actor is not a NIP", given: []org.Event{unitDefined()}, unitName: "x", parent: parentID, from: r.EffectiveFrom, reason: "r", by: "z", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
		{name: "dissolved", given: []org.Event{unitDefined(), dissolved()}, unitName: "x", parent: parentID, from: date(2026, 1, 1), reason: "r", by: hr, wantKind: domain.Invalid, wantRule: org.RuleUnitDissolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayUnit(tt.given).Restructure(tt.unitName, tt.parent, tt.from, tt.reason, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Restructure() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppointHead(t *testing.T) {
	tests := []struct {
		name      string
		given     []org.Event
		head      domain.NIP
		from      time.Time
		sk        string
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []org.Event{unitDefined()}, head: superior, from: date(2024, 1, 1), sk: "SK-BUP-821/1", by: hr, want: []org.Event{headAppointed()}},
		{name: "a successor", given: []org.Event{unitDefined(), headAppointed()}, head: pns, from: date(2025, 2, 1), sk: "SK-2", by: hr,
			want: []org.Event{org.HeadAppointed{Unit: unitID, Head: pns, EffectiveFrom: date(2025, 2, 1), DecisionRef: "SK-2", By: hr, At: at}}},
		{name: "not defined", head: superior, from: date(2024, 1, 1), sk: "SK", by: hr, wantKind: domain.NotFound, wantField: "unit_id"},
		{name: "head NIP invalid", given: []org.Event{unitDefined()}, head: "kepala", from: date(2024, 1, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "head_nip", wantRule: org.RuleHead},
		{name: "already the head", given: []org.Event{unitDefined(), headAppointed()}, head: superior, from: date(2025, 1, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "head_nip", wantRule: org.RuleHead},
		{name: "before the unit exists", given: []org.Event{unitDefined()}, head: superior, from: date(2023, 12, 31), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "effective_from", wantRule: org.RuleUnitDate},
		{name: "not after the latest head", given: []org.Event{unitDefined(), headAppointed()}, head: pns, from: date(2024, 1, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantField: "effective_from", wantRule: org.RuleUnitDate},
		{name: "no SK", given: []org.Event{unitDefined()}, head: superior, from: date(2024, 1, 1), by: hr, wantKind: domain.Invalid, wantField: "decision_ref", wantRule: org.RuleDecisionRef},
		{name: "actor is not a NIP", given: []org.Event{unitDefined()}, head: superior, from: date(2024, 1, 1), sk: "SK", by: "", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
		{name: "dissolved", given: []org.Event{unitDefined(), dissolved()}, head: superior, from: date(2024, 1, 1), sk: "SK", by: hr, wantKind: domain.Invalid, wantRule: org.RuleUnitDissolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayUnit(tt.given).AppointHead(tt.head, tt.from, tt.sk, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AppointHead() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDissolve(t *testing.T) {
	tests := []struct {
		name      string
		given     []org.Event
		lastDay   time.Time
		reason    string
		by        domain.NIP
		want      []org.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "accepted", given: []org.Event{unitDefined(), headAppointed(), restructured()}, lastDay: date(2025, 12, 31), reason: dissolved().Reason, by: hr, want: []org.Event{dissolved()}},
		{name: "not defined", lastDay: date(2025, 12, 31), reason: "r", by: hr, wantKind: domain.NotFound, wantField: "unit_id"},
		{name: "already dissolved", given: []org.Event{unitDefined(), dissolved()}, lastDay: date(2026, 12, 31), reason: "r", by: hr, wantKind: domain.Invalid, wantRule: org.RuleUnitDissolved},
		{name: "no reason", given: []org.Event{unitDefined()}, lastDay: date(2025, 12, 31), by: hr, wantKind: domain.Invalid, wantField: "reason", wantRule: org.RuleReason},
		{name: "no last day", given: []org.Event{unitDefined()}, reason: "r", by: hr, wantKind: domain.Invalid, wantField: "last_day", wantRule: org.RuleUnitDate},
		{name: "before the latest structure", given: []org.Event{unitDefined(), restructured()}, lastDay: date(2024, 12, 31), reason: "r", by: hr, wantKind: domain.Invalid, wantField: "last_day", wantRule: org.RuleUnitDate},
		{name: "before the latest head", given: []org.Event{unitDefined(), org.HeadAppointed{Unit: unitID, Head: pns, EffectiveFrom: date(2025, 3, 1), DecisionRef: "SK", By: hr, At: at}},
			lastDay: date(2025, 2, 28), reason: "r", by: hr, wantKind: domain.Invalid, wantField: "last_day", wantRule: org.RuleUnitDate},
		{name: "actor is not a NIP", given: []org.Event{unitDefined()}, lastDay: date(2025, 12, 31), reason: "r", by: "-", wantKind: domain.Invalid, wantField: "by", wantRule: org.RuleActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ReplayUnit(tt.given).Dissolve(tt.lastDay, tt.reason, tt.by, at)
			wantError(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Dissolve() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUnitQueries(t *testing.T) {
	successor := org.HeadAppointed{Unit: unitID, Head: pns, EffectiveFrom: date(2025, 2, 1), DecisionRef: "SK-2", By: hr, At: at}
	u := org.ReplayUnit([]org.Event{unitDefined(), headAppointed(), restructured(), successor, dissolved()})
	if u.ID() != unitID || !u.Defined() {
		t.Errorf("ID() = %v, Defined() = %v", u.ID(), u.Defined())
	}
	tests := []struct {
		day   time.Time
		name  string
		head  domain.NIP
		found bool
	}{
		{date(2023, 12, 31), "", "", false},
		{date(2024, 6, 1), "Bidang Pelayanan Kesehatan", superior, true},
		{date(2025, 1, 31), "Bidang Pelayanan dan Sumber Daya Kesehatan", superior, true},
		{time.Date(2025, 2, 1, 1, 0, 0, 0, wib), "Bidang Pelayanan dan Sumber Daya Kesehatan", pns, true},
		{date(2025, 12, 31), "Bidang Pelayanan dan Sumber Daya Kesehatan", pns, true},
		{date(2026, 1, 1), "", "", false},
	}
	for _, tt := range tests {
		s, ok := u.ShapeOn(tt.day)
		if ok != tt.found || s.Name != tt.name {
			t.Errorf("ShapeOn(%v) = %+v, %v; want %q", tt.day, s, ok, tt.name)
		}
		if u.ExistsOn(tt.day) != tt.found {
			t.Errorf("ExistsOn(%v) = %v, want %v", tt.day, !tt.found, tt.found)
		}
		h, ok := u.HeadOn(tt.day)
		if ok != tt.found || h != tt.head {
			t.Errorf("HeadOn(%v) = %q, %v; want %q", tt.day, h, ok, tt.head)
		}
	}
	if last, ok := u.Dissolved(); !ok || !last.Equal(date(2025, 12, 31)) {
		t.Errorf("Dissolved() = %v, %v", last, ok)
	}
	if len(u.Heads()) != 2 {
		t.Errorf("Heads() = %+v, want two", u.Heads())
	}
	if got := org.UnitStream(unitID); got != "unit-5d1c0e4a-9a7e-4f0e-8f55-3b7a2b000001" {
		t.Errorf("UnitStream() = %q", got)
	}
}
