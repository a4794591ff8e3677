package org

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// PositionType is the kind of position (jenis jabatan) of a placement.
type PositionType string

// Position types of UU ASN.
const (
	JPT           PositionType = "JPT"           // jabatan pimpinan tinggi
	Administrator PositionType = "ADMINISTRATOR" // jabatan administrator
	Pengawas      PositionType = "PENGAWAS"      // jabatan pengawas
	Pelaksana     PositionType = "PELAKSANA"     // jabatan pelaksana
	Fungsional    PositionType = "FUNGSIONAL"    // jabatan fungsional (JF)
)

// Valid reports whether t is one of the five position types.
func (t PositionType) Valid() bool {
	switch t {
	case JPT, Administrator, Pengawas, Pelaksana, Fungsional:
		return true
	}
	return false
}

// LeaveReason is why an employee's service ended.
type LeaveReason string

// Reasons for leaving.
const (
	Retirement      LeaveReason = "PENSIUN"
	Dismissal       LeaveReason = "PEMBERHENTIAN"
	Resignation     LeaveReason = "PENGUNDURAN_DIRI"
	Death           LeaveReason = "MENINGGAL_DUNIA"
	Transfer        LeaveReason = "PINDAH_INSTANSI"
	ContractExpired LeaveReason = "KONTRAK_BERAKHIR" // PPPK
)

// Valid reports whether r is one of the reasons for leaving.
func (r LeaveReason) Valid() bool {
	switch r {
	case Retirement, Dismissal, Resignation, Death, Transfer, ContractExpired:
		return true
	}
	return false
}

// Placement is where an employee works from EffectiveFrom until the next
// placement.
type Placement struct {
	Unit           uuid.UUID    `json:"unit_id"`
	Position       string       `json:"position_id"`
	PositionName   string       `json:"position_name"`
	PositionType   PositionType `json:"position_type"`
	JFLevel        string       `json:"jf_level,omitempty"` // jenjang, for FUNGSIONAL only, e.g. "AHLI_PERTAMA"
	DirectSuperior domain.NIP   `json:"direct_superior_nip,omitempty"`
	// SuperiorTitle names a direct superior who has no NIP (a minister,
	// governor or regent above a JPT).
	SuperiorTitle string    `json:"superior_title,omitempty"`
	EffectiveFrom time.Time `json:"effective_from"`
}

// Rule identifiers of employee rejections.
const (
	RuleRegisteredOnce  = "employee-registered-once"
	RuleEmployeeType    = "employee-type"
	RuleTypeMatchesNIP  = "employee-type-matches-nip"
	RuleName            = "employee-name"
	RuleTMT             = "employee-tmt"
	RuleLegacyNIP       = "legacy-nip"
	RuleSex             = "employee-sex"
	RuleActor           = "actor-nip"
	RuleActive          = "employee-active"
	RuleUnit            = "placement-unit"
	RulePosition        = "placement-position"
	RulePositionType    = "placement-position-type"
	RuleJFLevel         = "placement-jf-level"
	RuleSuperior        = "placement-superior"
	RuleNotOwnSuperior  = "placement-not-own-superior"
	RulePlacementOrder  = "placement-after-latest"
	RuleAppointmentCPNS = "appointment-cpns-only"
	RuleDecisionRef     = "decision-ref"
	RuleLeaveReason     = "leave-reason"
	RuleLeaveDate       = "leave-date"
)

// EmployeeStream returns the event-store stream of the employee with NIP n.
func EmployeeStream(n domain.NIP) string { return "employee-" + string(n) }

// Employee is one ASN employee: identity, status and placements over time.
// The zero value is an employee not yet registered.
type Employee struct {
	nip        domain.NIP
	typ        domain.EmployeeType
	name       string
	birthDate  time.Time
	sex        domain.Sex
	tmt        time.Time
	tmtPNS     time.Time
	placements []Placement
	left       bool
	lastDay    time.Time
}

// ReplayEmployee folds events, oldest first, into a new Employee.
func ReplayEmployee(events []Event) *Employee {
	x := new(Employee)
	for _, e := range events {
		x.Apply(e)
	}
	return x
}

// Apply changes the employee to reflect e. It never fails: events are facts,
// and events of units are ignored.
func (x *Employee) Apply(e Event) {
	switch e := e.(type) {
	case EmployeeRegistered:
		x.nip, x.typ, x.name, x.birthDate, x.sex, x.tmt = e.NIP, e.Type, e.Name, e.BirthDate, e.Sex, e.TMT
	case PlacementChanged:
		x.placements = append(x.placements, e.Placement)
	case AppointedPNS:
		x.typ, x.tmtPNS = domain.PNS, e.TMTPNS
	case EmployeeLeft:
		x.left, x.lastDay = true, e.LastDay
	}
}

// NIP returns the employee's NIP, or "" before registration.
func (x *Employee) NIP() domain.NIP { return x.nip }

// Type returns the employee's current type (a CPNS becomes PNS on appointment).
func (x *Employee) Type() domain.EmployeeType { return x.typ }

// TypeOn returns the employee's type on the calendar date of day: a CPNS
// appointed PNS is CPNS before the TMT PNS and PNS from it.
func (x *Employee) TypeOn(day time.Time) domain.EmployeeType {
	if !x.tmtPNS.IsZero() && date(day).Before(x.tmtPNS) {
		return domain.CPNS
	}
	return x.typ
}

// Name returns the employee's name.
func (x *Employee) Name() string { return x.name }

// Registered reports whether the employee has been registered.
func (x *Employee) Registered() bool { return x.nip != "" }

// ActiveOn reports whether the employee is in service on the calendar date
// of day: registered, on or after the TMT, and not after the last day.
func (x *Employee) ActiveOn(day time.Time) bool {
	d := date(day)
	return x.Registered() && !d.Before(x.tmt) && !(x.left && d.After(x.lastDay))
}

// ActiveDuring reports whether the employee is in service on at least one
// day from the calendar date of start to that of end, inclusive. It is false
// when end is before start.
func (x *Employee) ActiveDuring(start, end time.Time) bool {
	s, e := date(start), date(end)
	if !x.Registered() || e.Before(s) || e.Before(x.tmt) {
		return false
	}
	return !(x.left && s.After(x.lastDay))
}

// PlacementOn returns the placement in force on the calendar date of day,
// and false if the employee is not active then or not yet placed.
func (x *Employee) PlacementOn(day time.Time) (Placement, bool) {
	if !x.ActiveOn(day) {
		return Placement{}, false
	}
	d := date(day)
	for i := len(x.placements) - 1; i >= 0; i-- {
		if !x.placements[i].EffectiveFrom.After(d) {
			return x.placements[i], true
		}
	}
	return Placement{}, false
}

// Placements returns every placement, oldest first.
func (x *Employee) Placements() []Placement { return slices.Clone(x.placements) }

// Register records employee nip (normalised by [domain.ParseNIP]) of the
// given type, with the HR master record's name, birth date and sex (either
// may be zero, to take it from the NIP) and the TMT. Differences between the
// record and the NIP become warnings in the event, never errors. It is a
// Conflict if the employee is already registered, and Invalid for a NIP that
// breaks §4.3, a type that does not match the NIP (an NI PPPK must be PPPK,
// a NIP must be PNS or CPNS), a missing name or TMT, a legacy NIP that is not
// 9 digits, or an invalid actor.
func (x *Employee) Register(nip string, typ domain.EmployeeType, name string, birthDate time.Time, sex domain.Sex, tmt time.Time, legacyNIP string, by domain.NIP, at time.Time) ([]Event, error) {
	if x.Registered() {
		return nil, domain.Errorf(domain.Conflict, "employee %s is already registered", x.nip).WithField("nip").WithRule(RuleRegisteredOnce)
	}
	n, warnings, err := domain.ParseNIP(nip)
	if err != nil {
		return nil, err
	}
	switch {
	case !typ.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not an employee type; use PNS, CPNS or PPPK", typ).WithField("employee_type").WithRule(RuleEmployeeType)
	case n.IsPPPK() && typ != domain.PPPK:
		return nil, domain.Errorf(domain.Invalid, "%s is an NI PPPK (digits 13-14 are %s), so the employee must be PPPK, not %s", n, n[12:14], typ).WithField("employee_type").WithRule(RuleTypeMatchesNIP)
	case !n.IsPPPK() && typ == domain.PPPK:
		return nil, domain.Errorf(domain.Invalid, "%s is the NIP of a PNS (digits 13-14 are the month %s), so the employee cannot be PPPK", n, n[12:14]).WithField("employee_type").WithRule(RuleTypeMatchesNIP)
	case strings.TrimSpace(name) == "":
		return nil, domain.Errorf(domain.Invalid, "the employee needs a name").WithField("name").WithRule(RuleName)
	case sex != "" && sex != domain.Male && sex != domain.Female:
		return nil, domain.Errorf(domain.Invalid, "%q is not a sex; use L or P", sex).WithField("sex").WithRule(RuleSex)
	case tmt.IsZero():
		return nil, domain.Errorf(domain.Invalid, "give the employee's TMT, the first day of service").WithField("tmt").WithRule(RuleTMT)
	case legacyNIP != "" && (len(legacyNIP) != 9 || strings.Trim(legacyNIP, "0123456789") != ""):
		return nil, domain.Errorf(domain.Invalid, "a legacy (pre-2008) NIP has 9 digits, not %q", legacyNIP).WithField("legacy_nip").WithRule(RuleLegacyNIP)
	case !by.Valid():
		return nil, actorError(by, "registered_by")
	}
	if birthDate.IsZero() {
		birthDate = n.BirthDate()
	} else if birthDate = date(birthDate); !birthDate.Equal(n.BirthDate()) {
		warnings = append(warnings, fmt.Sprintf("the master record's birth date %s differs from the NIP's %s", birthDate.Format(time.DateOnly), n.BirthDate().Format(time.DateOnly)))
	}
	if sex == "" {
		sex = n.Sex()
	} else if sex != n.Sex() {
		warnings = append(warnings, fmt.Sprintf("the master record's sex %s differs from the NIP's %s", sex, n.Sex()))
	}
	tmt = date(tmt)
	if !n.IsPPPK() && (tmt.Year() != n.AppointmentYear() || fmt.Sprintf("%02d", int(tmt.Month())) != string(n[12:14])) {
		warnings = append(warnings, fmt.Sprintf("the TMT %s differs from the TMT CPNS %s-%s in the NIP", tmt.Format("2006-01"), n[8:12], n[12:14]))
	}
	return []Event{EmployeeRegistered{NIP: n, Type: typ, Name: name, BirthDate: birthDate, Sex: sex, TMT: tmt, LegacyNIP: legacyNIP, Warnings: warnings, RegisteredBy: by, At: at}}, nil
}

// Place places the employee per p from the calendar date of p.EffectiveFrom.
// It is NotFound for an employee not registered, and Invalid when the
// employee is not active on that date, the unit or position is missing, the
// position type is unknown, a FUNGSIONAL placement lacks its level (or
// another type has one), a non-JPT placement has no direct superior NIP, the
// superior is the employee, or the date is not after the latest placement's.
func (x *Employee) Place(p Placement, by domain.NIP, at time.Time) ([]Event, error) {
	if !x.Registered() {
		return nil, notRegistered()
	}
	p.EffectiveFrom = date(p.EffectiveFrom)
	switch {
	case p.EffectiveFrom.IsZero():
		return nil, domain.Errorf(domain.Invalid, "give the date from which the placement is effective").WithField("placement.effective_from").WithRule(RulePlacementOrder)
	case !x.ActiveOn(p.EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "employee %s is not in service on %s", x.nip, p.EffectiveFrom.Format(time.DateOnly)).WithField("placement.effective_from").WithRule(RuleActive)
	case len(x.placements) > 0 && !p.EffectiveFrom.After(x.placements[len(x.placements)-1].EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "the latest placement is effective from %s; a new placement must start later, not on %s (earlier placements are history)",
			x.placements[len(x.placements)-1].EffectiveFrom.Format(time.DateOnly), p.EffectiveFrom.Format(time.DateOnly)).WithField("placement.effective_from").WithRule(RulePlacementOrder)
	case p.Unit == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the placement needs a unit").WithField("placement.unit_id").WithRule(RuleUnit)
	case strings.TrimSpace(p.Position) == "" || strings.TrimSpace(p.PositionName) == "":
		return nil, domain.Errorf(domain.Invalid, "the placement needs a position id and name").WithField("placement.position_id").WithRule(RulePosition)
	case !p.PositionType.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a position type; use JPT, ADMINISTRATOR, PENGAWAS, PELAKSANA or FUNGSIONAL", p.PositionType).WithField("placement.position_type").WithRule(RulePositionType)
	case p.PositionType == Fungsional && strings.TrimSpace(p.JFLevel) == "":
		return nil, domain.Errorf(domain.Invalid, "a functional position needs its level (jenjang), e.g. AHLI_PERTAMA").WithField("placement.jf_level").WithRule(RuleJFLevel)
	case p.PositionType != Fungsional && p.JFLevel != "":
		return nil, domain.Errorf(domain.Invalid, "only a functional position has a level; %s does not", p.PositionType).WithField("placement.jf_level").WithRule(RuleJFLevel)
	case p.DirectSuperior == "" && (p.PositionType != JPT || strings.TrimSpace(p.SuperiorTitle) == ""):
		return nil, domain.Errorf(domain.Invalid, "the placement needs the direct superior's NIP (a JPT may instead name a superior without a NIP, e.g. the minister)").WithField("placement.direct_superior_nip").WithRule(RuleSuperior)
	case p.DirectSuperior != "" && !p.DirectSuperior.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a valid NIP for the direct superior", p.DirectSuperior).WithField("placement.direct_superior_nip").WithRule(RuleSuperior)
	case p.DirectSuperior == x.nip:
		return nil, domain.Errorf(domain.Invalid, "an employee cannot be their own direct superior").WithField("placement.direct_superior_nip").WithRule(RuleNotOwnSuperior)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{PlacementChanged{NIP: x.nip, Placement: p, By: by, At: at}}, nil
}

// AppointPNS records a CPNS's appointment as PNS from the calendar date of
// tmtPNS under decision (SK) decisionRef. It is NotFound for an employee not
// registered, and Invalid for one who is not a CPNS or has left, a missing
// SK, a date before the TMT or an invalid actor.
func (x *Employee) AppointPNS(tmtPNS time.Time, decisionRef string, by domain.NIP, at time.Time) ([]Event, error) {
	if !x.Registered() {
		return nil, notRegistered()
	}
	d := date(tmtPNS)
	switch {
	case x.typ != domain.CPNS:
		return nil, domain.Errorf(domain.Invalid, "only a CPNS can be appointed PNS; %s is %s", x.nip, x.typ).WithRule(RuleAppointmentCPNS)
	case !x.ActiveOn(d):
		return nil, domain.Errorf(domain.Invalid, "employee %s is not in service on %s", x.nip, d.Format(time.DateOnly)).WithField("tmt_pns").WithRule(RuleActive)
	case strings.TrimSpace(decisionRef) == "":
		return nil, domain.Errorf(domain.Invalid, "give the SK that appoints the employee").WithField("decision_ref").WithRule(RuleDecisionRef)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{AppointedPNS{NIP: x.nip, TMTPNS: d, DecisionRef: decisionRef, By: by, At: at}}, nil
}

// Leave ends the employee's service after the calendar date of lastDay. It
// is NotFound for an employee not registered, and Invalid for one who has
// already left, an unknown reason (or KONTRAK_BERAKHIR for a non-PPPK), a
// last day before the TMT or the latest placement, a missing SK or an
// invalid actor.
func (x *Employee) Leave(reason LeaveReason, lastDay time.Time, decisionRef string, by domain.NIP, at time.Time) ([]Event, error) {
	if !x.Registered() {
		return nil, notRegistered()
	}
	d := date(lastDay)
	switch {
	case x.left:
		return nil, domain.Errorf(domain.Invalid, "employee %s already left service after %s", x.nip, x.lastDay.Format(time.DateOnly)).WithRule(RuleActive)
	case !reason.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not a reason for leaving; use PENSIUN, PEMBERHENTIAN, PENGUNDURAN_DIRI, MENINGGAL_DUNIA, PINDAH_INSTANSI or KONTRAK_BERAKHIR", reason).WithField("reason").WithRule(RuleLeaveReason)
	case reason == ContractExpired && x.typ != domain.PPPK:
		return nil, domain.Errorf(domain.Invalid, "only a PPPK has a contract that can expire; %s is %s", x.nip, x.typ).WithField("reason").WithRule(RuleLeaveReason)
	case d.Before(x.tmt):
		return nil, domain.Errorf(domain.Invalid, "the last day %s is before the TMT %s", d.Format(time.DateOnly), x.tmt.Format(time.DateOnly)).WithField("last_day").WithRule(RuleLeaveDate)
	case len(x.placements) > 0 && d.Before(x.placements[len(x.placements)-1].EffectiveFrom):
		return nil, domain.Errorf(domain.Invalid, "the last day %s is before the latest placement, effective %s", d.Format(time.DateOnly), x.placements[len(x.placements)-1].EffectiveFrom.Format(time.DateOnly)).WithField("last_day").WithRule(RuleLeaveDate)
	case strings.TrimSpace(decisionRef) == "":
		return nil, domain.Errorf(domain.Invalid, "give the SK that ends the employee's service").WithField("decision_ref").WithRule(RuleDecisionRef)
	case !by.Valid():
		return nil, actorError(by, "by")
	}
	return []Event{EmployeeLeft{NIP: x.nip, Reason: reason, LastDay: d, DecisionRef: decisionRef, By: by, At: at}}, nil
}

func notRegistered() *domain.Error {
	return domain.Errorf(domain.NotFound, "no such employee; register the employee first").WithField("nip")
}

func actorError(by domain.NIP, field string) *domain.Error {
	return domain.Errorf(domain.Invalid, "%q is not the NIP of the officer recording this", by).WithField(field).WithRule(RuleActor)
}

// date returns the calendar date of t (in t's location) as midnight UTC.
func date(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
