package indicator

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Rule identifiers of catalogue rejections.
const (
	RuleDefinedOnce     = "indicator-defined-once"
	RuleName            = "indicator-name"
	RuleAspect          = "indicator-aspect"
	RuleUnitOfMeasure   = "indicator-unit-of-measure"
	RuleValidFrom       = "indicator-valid-from"
	RuleActor           = "actor-nip"
	RuleRetired         = "indicator-retired"
	RuleRevisionReason  = "revision-reason"
	RuleRevisionChanges = "revision-changes"
	RuleRevisionOrder   = "revision-after-latest"
	RuleNotRetroactive  = "revision-not-retroactive"
	RuleRetireReason    = "retirement-reason"
	RuleRetireDate      = "retirement-date"
	RuleReplacement     = "retirement-replacement"
)

// Stream returns the event-store stream of indicator id.
func Stream(id uuid.UUID) string { return "indicator-" + id.String() }

// Version is one version of an indicator's definition.
type Version struct {
	Number int
	Definition
	ValidFrom  time.Time  // the first day it applies, midnight UTC
	Reason     string     // why it was revised; empty for version 1
	ApprovedBy domain.NIP // who defined (version 1) or approved it
}

// Achievement returns the achievement of realised against t by this
// version's formula, or the default formula of its direction when it names
// none; see Compute. A rating policy may substitute its own default.
func (v Version) Achievement(t Target, realised float64) (float64, error) {
	f := v.Formula
	if f == "" {
		f = DefaultFormula(v.Direction)
	}
	return Compute(f, t, realised)
}

// Indicator is one indicator of the catalogue with all its versions. The
// zero value is an indicator not yet defined.
type Indicator struct {
	id          uuid.UUID
	code        string
	versions    []Version
	retired     bool
	validTo     time.Time
	replacement uuid.UUID
}

// Replay folds events, oldest first, into a new Indicator.
func Replay(events []Event) *Indicator {
	x := new(Indicator)
	for _, e := range events {
		x.Apply(e)
	}
	return x
}

// Apply changes the indicator to reflect e. It never fails: events are facts.
func (x *Indicator) Apply(e Event) {
	switch e := e.(type) {
	case Defined:
		x.id, x.code = e.Indicator, e.Code
		x.versions = []Version{{Number: 1, Definition: e.Definition, ValidFrom: e.ValidFrom, ApprovedBy: e.DefinedBy}}
	case Revised:
		x.versions = append(x.versions, Version{Number: e.Version, Definition: e.Definition, ValidFrom: e.ValidFrom, Reason: e.Reason, ApprovedBy: e.ApprovedBy})
	case Retired:
		x.retired, x.validTo, x.replacement = true, e.ValidTo, e.Replacement
	}
}

// ID returns the indicator's id, or uuid.Nil before it is defined.
func (x *Indicator) ID() uuid.UUID { return x.id }

// Code returns the indicator's stable short name, if it has one.
func (x *Indicator) Code() string { return x.code }

// Versions returns every version, oldest first.
func (x *Indicator) Versions() []Version { return slices.Clone(x.versions) }

// Retired reports whether the indicator is retired, the last day it is valid
// and the indicator that replaces it (uuid.Nil for none).
func (x *Indicator) Retired() (validTo time.Time, replacement uuid.UUID, ok bool) {
	return x.validTo, x.replacement, x.retired
}

// Version returns version n. An indicator not defined, or a version it does
// not have, is an *Error of kind NotFound.
func (x *Indicator) Version(n int) (Version, error) {
	if len(x.versions) == 0 {
		return Version{}, notDefined()
	}
	if n < 1 || n > len(x.versions) {
		return Version{}, domain.Errorf(domain.NotFound, "indicator %q has versions 1 to %d, not %d", x.versions[len(x.versions)-1].Name, len(x.versions), n).
			WithField("indicator_version")
	}
	return x.versions[n-1], nil
}

// VersionOn returns the version valid on the calendar date of day: the latest
// version whose ValidFrom is not after it. A day before the first version or
// after retirement, or an indicator not defined, is an *Error of kind
// NotFound.
func (x *Indicator) VersionOn(day time.Time) (Version, error) {
	if len(x.versions) == 0 {
		return Version{}, notDefined()
	}
	d := Date(day)
	if x.retired && d.After(x.validTo) {
		return Version{}, domain.Errorf(domain.NotFound, "indicator %q was retired after %s and is not valid on %s",
			x.versions[0].Name, x.validTo.Format(time.DateOnly), d.Format(time.DateOnly)).WithField("date").WithRule(RuleRetired)
	}
	for i := len(x.versions) - 1; i >= 0; i-- {
		if !x.versions[i].ValidFrom.After(d) {
			return x.versions[i], nil
		}
	}
	return Version{}, domain.Errorf(domain.NotFound, "indicator %q is valid from %s, not yet on %s",
		x.versions[0].Name, x.versions[0].ValidFrom.Format(time.DateOnly), d.Format(time.DateOnly)).WithField("date").WithRule(RuleValidFrom)
}

// Define adds indicator id to the catalogue as version 1, valid from the
// calendar date of validFrom. Code is an optional stable short name. It is
// a Conflict if the indicator is already defined, and Invalid if the
// definition is incomplete (name, aspect, unit of measure, direction), the
// date is missing or by is not a valid NIP.
func (x *Indicator) Define(id uuid.UUID, code string, def Definition, validFrom time.Time, by domain.NIP, at time.Time) ([]Event, error) {
	if len(x.versions) > 0 {
		return nil, domain.Errorf(domain.Conflict, "indicator %q is already defined; revise it instead", x.versions[0].Name).WithRule(RuleDefinedOnce)
	}
	if id == uuid.Nil {
		return nil, domain.Errorf(domain.Invalid, "the indicator needs an id").WithField("indicator_id").WithRule(RuleDefinedOnce)
	}
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	if validFrom.IsZero() {
		return nil, domain.Errorf(domain.Invalid, "give the date from which the indicator is valid").WithField("valid_from").WithRule(RuleValidFrom)
	}
	if !by.Valid() {
		return nil, domain.Errorf(domain.Invalid, "%q is not the NIP of the officer who defines the indicator", by).WithField("defined_by").WithRule(RuleActor)
	}
	return []Event{Defined{Indicator: id, Code: code, Definition: def, ValidFrom: Date(validFrom), DefinedBy: by, At: at}}, nil
}

// Revise adds a new version with definition def, valid from the calendar
// date of validFrom, for the reason given and approved by approvedBy.
// Revisions never rewrite history, so validFrom may be neither before the
// day of at nor on or before the latest version's ValidFrom. It is NotFound
// for an indicator not defined, and Invalid for a retired indicator, an
// incomplete definition, one that changes nothing, a missing reason, an
// invalid approver NIP or a date that breaks the rules above.
func (x *Indicator) Revise(def Definition, validFrom time.Time, reason string, approvedBy domain.NIP, at time.Time) ([]Event, error) {
	if len(x.versions) == 0 {
		return nil, notDefined()
	}
	latest := x.versions[len(x.versions)-1]
	vf, today := Date(validFrom), Date(at)
	switch {
	case x.retired:
		return nil, domain.Errorf(domain.Invalid, "indicator %q is retired and can no longer be revised; define a new indicator", latest.Name).WithRule(RuleRetired)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "a revision needs a reason").WithField("reason").WithRule(RuleRevisionReason)
	case !approvedBy.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not the NIP of the officer who approves the revision", approvedBy).WithField("approved_by").WithRule(RuleActor)
	case validFrom.IsZero():
		return nil, domain.Errorf(domain.Invalid, "give the date from which the revision is valid").WithField("valid_from").WithRule(RuleValidFrom)
	case vf.Before(today):
		return nil, domain.Errorf(domain.Invalid, "a revision cannot take effect in the past: valid_from %s is before today, %s; realisations already measured keep their version",
			vf.Format(time.DateOnly), today.Format(time.DateOnly)).WithField("valid_from").WithRule(RuleNotRetroactive)
	case !vf.After(latest.ValidFrom):
		return nil, domain.Errorf(domain.Invalid, "version %d is valid from %s; a revision must be valid from a later date, not %s",
			latest.Number, latest.ValidFrom.Format(time.DateOnly), vf.Format(time.DateOnly)).WithField("valid_from").WithRule(RuleRevisionOrder)
	}
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	changed := diff(latest.Definition, def)
	if len(changed) == 0 {
		return nil, domain.Errorf(domain.Invalid, "the revision changes nothing in version %d of indicator %q", latest.Number, latest.Name).WithField("definition").WithRule(RuleRevisionChanges)
	}
	return []Event{Revised{Indicator: x.id, Version: latest.Number + 1, Definition: def, Changed: changed, ValidFrom: vf, Reason: reason, ApprovedBy: approvedBy, At: at}}, nil
}

// Retire ends the indicator after the calendar date of validTo, optionally
// naming its replacement. It is NotFound for an indicator not defined, and
// Invalid for one already retired, a missing reason, an invalid NIP, a
// replacement that is the indicator itself, or a last day that is before the
// day of at (history is not rewritten) or before the latest version's
// ValidFrom.
func (x *Indicator) Retire(validTo time.Time, replacement uuid.UUID, reason string, by domain.NIP, at time.Time) ([]Event, error) {
	if len(x.versions) == 0 {
		return nil, notDefined()
	}
	latest := x.versions[len(x.versions)-1]
	vt, today := Date(validTo), Date(at)
	switch {
	case x.retired:
		return nil, domain.Errorf(domain.Invalid, "indicator %q is already retired after %s", latest.Name, x.validTo.Format(time.DateOnly)).WithRule(RuleRetired)
	case strings.TrimSpace(reason) == "":
		return nil, domain.Errorf(domain.Invalid, "retiring an indicator needs a reason").WithField("reason").WithRule(RuleRetireReason)
	case !by.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not the NIP of the officer who retires the indicator", by).WithField("retired_by").WithRule(RuleActor)
	case replacement == x.id:
		return nil, domain.Errorf(domain.Invalid, "an indicator cannot replace itself").WithField("replacement_id").WithRule(RuleReplacement)
	case validTo.IsZero():
		return nil, domain.Errorf(domain.Invalid, "give the last day on which the indicator is valid").WithField("valid_to").WithRule(RuleRetireDate)
	case vt.Before(today):
		return nil, domain.Errorf(domain.Invalid, "an indicator cannot be retired in the past: valid_to %s is before today, %s",
			vt.Format(time.DateOnly), today.Format(time.DateOnly)).WithField("valid_to").WithRule(RuleNotRetroactive)
	case vt.Before(latest.ValidFrom):
		return nil, domain.Errorf(domain.Invalid, "version %d becomes valid on %s; the last valid day cannot be before it, not %s",
			latest.Number, latest.ValidFrom.Format(time.DateOnly), vt.Format(time.DateOnly)).WithField("valid_to").WithRule(RuleRetireDate)
	}
	return []Event{Retired{Indicator: x.id, ValidTo: vt, Replacement: replacement, Reason: reason, RetiredBy: by, At: at}}, nil
}

// Date returns the calendar date of t (in t's location) as midnight UTC, the
// form in which the catalogue stores and compares dates.
func Date(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func notDefined() *domain.Error {
	return domain.Errorf(domain.NotFound, "no such indicator in the catalogue").WithField("indicator_id")
}

func checkDefinition(d Definition) error {
	switch {
	case strings.TrimSpace(d.Name) == "":
		return domain.Errorf(domain.Invalid, "the indicator needs a name").WithField("definition.name").WithRule(RuleName)
	case !d.Aspect.Valid():
		return domain.Errorf(domain.Invalid, "%q is not an aspect; use KUANTITAS, KUALITAS, WAKTU or BIAYA", d.Aspect).WithField("definition.aspect").WithRule(RuleAspect)
	case strings.TrimSpace(d.UnitOfMeasure) == "":
		return domain.Errorf(domain.Invalid, "the indicator needs a unit of measure, e.g. \"dokumen\" or \"%%\"").WithField("definition.unit_of_measure").WithRule(RuleUnitOfMeasure)
	case !d.Direction.Valid():
		return domain.Errorf(domain.Invalid, "%q is not a direction; use HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE", d.Direction).WithField("definition.direction").WithRule(RuleDirection)
	case d.Formula != "" && d.Formula.Direction() != d.Direction:
		return domain.Errorf(domain.Invalid, "formula %q does not measure %s; leave it empty for the default %s", d.Formula, d.Direction, DefaultFormula(d.Direction)).WithField("definition.formula").WithRule(RuleFormula)
	}
	return nil
}

// diff returns the JSON names of the fields in which b differs from a.
func diff(a, b Definition) []string {
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("aspect", a.Aspect != b.Aspect)
	add("unit_of_measure", a.UnitOfMeasure != b.UnitOfMeasure)
	add("direction", a.Direction != b.Direction)
	add("formula", a.Formula != b.Formula)
	add("measurement", a.Measurement != b.Measurement)
	add("data_source", a.DataSource != b.DataSource)
	return out
}
