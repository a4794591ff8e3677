package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// NIP identifies a civil servant: the 18-digit NIP of a PNS or CPNS, or the
// NI PPPK of a PPPK. Values of this type are normalised (digits only); build
// them with ParseNIP.
type NIP string

// EmployeeType is the legal status of an ASN employee.
type EmployeeType string

// Employee types, with the official abbreviations as values.
const (
	PNS  EmployeeType = "PNS"  // pegawai negeri sipil, a permanent civil servant
	CPNS EmployeeType = "CPNS" // calon PNS, a candidate on probation
	PPPK EmployeeType = "PPPK" // pegawai pemerintah dengan perjanjian kerja, on contract
)

// Valid reports whether t is one of PNS, CPNS and PPPK.
func (t EmployeeType) Valid() bool {
	return t == PNS || t == CPNS || t == PPPK
}

// Sex is the sex digit of a NIP (digit 15).
type Sex string

// Sexes as the NIP encodes them: digit 1 is male, 2 is female.
const (
	Male   Sex = "L" // laki-laki
	Female Sex = "P" // perempuan
)

// Rules a NIP can break, as stable identifiers for [Error.Rule].
const (
	RuleNIPFormat    = "nip-format"     // 18 digits after removing spaces, dots and hyphens
	RuleNIPBirthDate = "nip-birth-date" // digits 1-8 are a real date of birth
	RuleNIPType      = "nip-type"       // digits 13-14: 01-12 (PNS month) or 21-29 (PPPK)
	RuleNIPSex       = "nip-sex"        // digit 15 is 1 or 2
	RuleNIPSequence  = "nip-sequence"   // digits 16-18 are 001-999
)

// earliestPlausibleBirthYear is the year before which a birth date in a NIP
// is flagged as implausible (domain reference §4.3, a warning only).
const earliestPlausibleBirthYear = 1940

// ParseNIP normalises s (removing spaces, dots and hyphens) and validates it
// as a NIP or NI PPPK by the rules of Perka BKN 22/2007 and the NI PPPK
// layout: 18 digits, a real birth date in digits 1-8, digits 13-14 either a
// month 01-12 (PNS: TMT CPNS year and month in digits 9-14) or 21-29 (PPPK:
// appointment year in digits 9-12, then 2 and the contract count), a sex
// digit 1 or 2 and a sequence 001-999.
//
// A broken rule is an *Error of kind Invalid with Field "nip" and Rule one of
// the RuleNIP constants. Plausibility problems that real NIPs can have (a birth
// year before 1940, an appointment before the age of 18) are returned as
// warnings, never as errors: such NIPs exist and are corrected by an SK, not
// by us. The NIP carries no check digit, so a well-formed typo passes.
func ParseNIP(s string) (NIP, []string, error) {
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		return r
	}, s)
	if len(digits) == 9 && allDigits(digits) {
		return "", nil, nipError(RuleNIPFormat, "%q is a 9-digit NIP of the pre-2008 format; use the 18-digit NIP", s)
	}
	if len(digits) != 18 || !allDigits(digits) {
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40]) + "…"
		}
		return "", nil, nipError(RuleNIPFormat, "a NIP has 18 digits (spaces, dots and hyphens are ignored); %q has %d characters after removing them", s, utf8.RuneCountInString(digits))
	}
	birth, ok := civilDate(digits[0:4], digits[4:6], digits[6:8])
	if !ok {
		return "", nil, nipError(RuleNIPBirthDate, "digits 1-8 of NIP %s must be the date of birth as YYYYMMDD; %s is not a real date", digits, digits[0:8])
	}
	kind := digits[12:14]
	switch {
	case kind >= "01" && kind <= "12", kind >= "21" && kind <= "29":
	default:
		return "", nil, nipError(RuleNIPType, "digits 13-14 of NIP %s must be a month 01-12 (PNS) or 21-29 (PPPK: 2 and the contract count); %s is neither", digits, kind)
	}
	if d := digits[14]; d != '1' && d != '2' {
		return "", nil, nipError(RuleNIPSex, "digit 15 of NIP %s is the sex and must be 1 (male) or 2 (female), not %c", digits, d)
	}
	if digits[15:18] == "000" {
		return "", nil, nipError(RuleNIPSequence, "digits 16-18 of NIP %s are a sequence number from 001 to 999, not 000", digits)
	}

	n := NIP(digits)
	var warnings []string
	if birth.Year() < earliestPlausibleBirthYear {
		warnings = append(warnings, fmt.Sprintf("NIP %s gives a birth year of %d, before %d; check the date of birth", digits, birth.Year(), earliestPlausibleBirthYear))
	}
	appointed := n.AppointmentYear()
	switch age := appointed - birth.Year(); {
	case age < 0:
		warnings = append(warnings, fmt.Sprintf("NIP %s gives an appointment year %d before the birth year %d", digits, appointed, birth.Year()))
	case age < 18:
		warnings = append(warnings, fmt.Sprintf("NIP %s gives an appointment in %d at the age of about %d, under 18", digits, appointed, age))
	}
	return n, warnings, nil
}

// PlausibleOn returns the plausibility warnings of n that depend on the date
// today: an appointment year later than next year. It returns nil when there
// are none. n must come from ParseNIP.
func (n NIP) PlausibleOn(today time.Time) []string {
	if !n.wellFormed() {
		return nil
	}
	if y := n.AppointmentYear(); y > today.Year()+1 {
		return []string{fmt.Sprintf("NIP %s gives an appointment year %d, later than next year", n, y)}
	}
	return nil
}

// IsPPPK reports whether n is an NI PPPK (digits 13-14 from 21 to 29)
// rather than the NIP of a PNS or CPNS.
func (n NIP) IsPPPK() bool {
	return n.wellFormed() && n[12] == '2' && n[13] >= '1'
}

// BirthDate returns the date of birth encoded in digits 1-8 of n, at
// midnight UTC, or the zero time if n is not a parsed NIP.
func (n NIP) BirthDate() time.Time {
	if !n.wellFormed() {
		return time.Time{}
	}
	d, _ := civilDate(string(n[0:4]), string(n[4:6]), string(n[6:8]))
	return d
}

// AppointmentYear returns the year of first appointment encoded in digits
// 9-12 of n (TMT CPNS for a PNS, the contract year for a PPPK), or 0 if n is
// not a parsed NIP.
func (n NIP) AppointmentYear() int {
	if !n.wellFormed() {
		return 0
	}
	y, _ := strconv.Atoi(string(n[8:12]))
	return y
}

// Sex returns the sex encoded in digit 15 of n, or "" if n is not a parsed NIP.
func (n NIP) Sex() Sex {
	if !n.wellFormed() {
		return ""
	}
	switch n[14] {
	case '1':
		return Male
	case '2':
		return Female
	}
	return ""
}

func (n NIP) wellFormed() bool {
	return len(n) == 18 && allDigits(string(n))
}

func nipError(rule, format string, args ...any) *Error {
	return Errorf(Invalid, format, args...).WithField("nip").WithRule(rule)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// civilDate parses a year, month and day of digits into a date at midnight
// UTC, reporting false when they do not name a real calendar day.
func civilDate(year, month, day string) (time.Time, bool) {
	y, err1 := strconv.Atoi(year)
	m, err2 := strconv.Atoi(month)
	d, err3 := strconv.Atoi(day)
	if err1 != nil || err2 != nil || err3 != nil || y == 0 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// Valid reports whether n is a well-formed NIP or NI PPPK: one that ParseNIP
// accepts unchanged.
func (n NIP) Valid() bool {
	p, _, err := ParseNIP(string(n))
	return err == nil && p == n
}
