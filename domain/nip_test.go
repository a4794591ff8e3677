package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain"
)

func TestParseNIPAccepts(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      domain.NIP
		pppk      bool
		birth     time.Time
		appointed int
		sex       domain.Sex
	}{
		{"PNS, digits only", "198609262015051001", "198609262015051001", false, date(1986, 9, 26), 2015, domain.Male},
		{"PNS, displayed with spaces", "19860926 201505 1 001", "198609262015051001", false, date(1986, 9, 26), 2015, domain.Male},
		{"PNS, dots and hyphens", "19860926.201505-1-001", "198609262015051001", false, date(1986, 9, 26), 2015, domain.Male},
		{"PNS appointed in December, female", "199202292019122999", "199202292019122999", false, date(1992, 2, 29), 2019, domain.Female},
		{"PPPK, first contract", "19900101 2021 21 2 001", "199001012021212001", true, date(1990, 1, 1), 2021, domain.Female},
		{"PPPK, ninth contract", "199001012021291002", "199001012021291002", true, date(1990, 1, 1), 2021, domain.Male},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := domain.ParseNIP(tt.in)
			if err != nil {
				t.Fatalf("ParseNIP(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseNIP(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(warnings) != 0 {
				t.Errorf("ParseNIP(%q) warnings = %q, want none", tt.in, warnings)
			}
			if got.IsPPPK() != tt.pppk {
				t.Errorf("IsPPPK() = %v, want %v", got.IsPPPK(), tt.pppk)
			}
			if !got.BirthDate().Equal(tt.birth) {
				t.Errorf("BirthDate() = %v, want %v", got.BirthDate(), tt.birth)
			}
			if got.AppointmentYear() != tt.appointed {
				t.Errorf("AppointmentYear() = %d, want %d", got.AppointmentYear(), tt.appointed)
			}
			if got.Sex() != tt.sex {
				t.Errorf("Sex() = %q, want %q", got.Sex(), tt.sex)
			}
		})
	}
}

// TestParseNIPRejects has one case per rule of domain reference §4.3.
func TestParseNIPRejects(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantRule string
		wantText string
	}{
		{"empty", "", domain.RuleNIPFormat, "18 digits"},
		{"too short", "19860926201505100", domain.RuleNIPFormat, "18 digits"},
		{"too long", "1986092620150510011", domain.RuleNIPFormat, "18 digits"},
		{"a letter", "19860926201505100A", domain.RuleNIPFormat, "18 digits"},
		{"a slash is not a separator", "19860926/201505/1/001", domain.RuleNIPFormat, "18 digits"},
		{"pre-2008 nine-digit NIP", "131110468", domain.RuleNIPFormat, "pre-2008"},
		{"Arabic-Indic digits are not digits", "١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", domain.RuleNIPFormat, "has 18 characters"},
		{"long junk is cut in the message", strings.Repeat("x", 500), domain.RuleNIPFormat, "…"},
		{"birth date 30 February", "198602302015051001", domain.RuleNIPBirthDate, "not a real date"},
		{"birth date 29 February of a common year", "198702292015051001", domain.RuleNIPBirthDate, "not a real date"},
		{"birth month 13", "198613012015051001", domain.RuleNIPBirthDate, "not a real date"},
		{"birth day 00", "198609002015051001", domain.RuleNIPBirthDate, "not a real date"},
		{"birth year 0000", "000001012015051001", domain.RuleNIPBirthDate, "not a real date"},
		{"digits 13-14 are 00", "198609262015001001", domain.RuleNIPType, "digits 13-14"},
		{"digits 13-14 are 13", "198609262015131001", domain.RuleNIPType, "digits 13-14"},
		{"digits 13-14 are 20 (PPPK with no contract)", "198609262021201001", domain.RuleNIPType, "digits 13-14"},
		{"digits 13-14 are 30", "198609262015301001", domain.RuleNIPType, "digits 13-14"},
		{"sex digit 0", "198609262015050001", domain.RuleNIPSex, "digit 15"},
		{"sex digit 3", "198609262015053001", domain.RuleNIPSex, "digit 15"},
		{"sequence 000", "198609262015051000", domain.RuleNIPSequence, "001 to 999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := domain.ParseNIP(tt.in)
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("ParseNIP(%q) = %q, %v; want a *domain.Error", tt.in, got, err)
			}
			if de.Kind != domain.Invalid || de.Field != "nip" || de.Rule != tt.wantRule {
				t.Errorf("error kind/field/rule = %v/%q/%q, want invalid/nip/%q", de.Kind, de.Field, de.Rule, tt.wantRule)
			}
			if !strings.Contains(de.Message, tt.wantText) {
				t.Errorf("message %q does not mention %q", de.Message, tt.wantText)
			}
			if got != "" || warnings != nil {
				t.Errorf("rejected NIP returned %q and warnings %q", got, warnings)
			}
		})
	}
}

func TestParseNIPWarnings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings, one per expected warning
	}{
		{"born before 1940", "193501012015051001", []string{"before 1940"}},
		{"appointed at 15", "200501012020011001", []string{"under 18"}},
		{"appointed at 17", "200301012020011001", []string{"under 18"}},
		{"appointed at 18 is fine", "200201012020011001", nil},
		{"appointed before birth", "201001012005011001", []string{"before the birth year"}},
		{"PPPK born 1939 appointed at 10", "193901011949211001", []string{"before 1940", "under 18"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, warnings, err := domain.ParseNIP(tt.in)
			if err != nil {
				t.Fatalf("ParseNIP(%q) error = %v; plausibility problems must not be errors", tt.in, err)
			}
			if n == "" {
				t.Fatalf("ParseNIP(%q) returned an empty NIP", tt.in)
			}
			if len(warnings) != len(tt.want) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to mention %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestNIPPlausibleOn(t *testing.T) {
	n, _, err := domain.ParseNIP("199001012030011001")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		today time.Time
		warn  bool
	}{
		{date(2026, 11, 22), true},
		{date(2028, 12, 31), true},
		{date(2029, 1, 1), false},
		{date(2030, 6, 1), false},
	}
	for _, tt := range tests {
		got := n.PlausibleOn(tt.today)
		if (len(got) > 0) != tt.warn {
			t.Errorf("PlausibleOn(%s) = %q, want warning: %v", tt.today.Format(time.DateOnly), got, tt.warn)
		}
	}
}

func TestNIPAccessorsOnUnparsedValue(t *testing.T) {
	n := domain.NIP("not a nip")
	if n.IsPPPK() || !n.BirthDate().IsZero() || n.AppointmentYear() != 0 || n.Sex() != "" || n.PlausibleOn(date(2026, 1, 1)) != nil {
		t.Errorf("accessors on %q did not return zero values", n)
	}
}

func TestEmployeeTypeValid(t *testing.T) {
	for _, et := range []domain.EmployeeType{domain.PNS, domain.CPNS, domain.PPPK} {
		if !et.Valid() {
			t.Errorf("%q.Valid() = false", et)
		}
	}
	for _, et := range []domain.EmployeeType{"", "pns", "HONORER"} {
		if et.Valid() {
			t.Errorf("%q.Valid() = true", et)
		}
	}
}

func FuzzParseNIP(f *testing.F) {
	for _, s := range []string{"198609262015051001", "19900101 2021 21 2 001", "131110468", "", "1986-09-26", "197001010000011001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, _, err := domain.ParseNIP(s)
		if err != nil {
			if domain.KindOf(err) != domain.Invalid {
				t.Fatalf("ParseNIP(%q) error kind = %v, want invalid", s, domain.KindOf(err))
			}
			return
		}
		again, _, err := domain.ParseNIP(string(n))
		if err != nil || again != n {
			t.Fatalf("ParseNIP is not idempotent: %q -> %q -> %q, %v", s, n, again, err)
		}
		if n.BirthDate().IsZero() || n.Sex() == "" {
			t.Fatalf("accepted NIP %q has an empty birth date or sex", n)
		}
	})
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestNIPValid(t *testing.T) {
	tests := []struct {
		n    domain.NIP
		want bool
	}{
		{"198609262015051001", true},
		{"199001012021212001", true},
		{"19860926 201505 1 001", false}, // not normalised
		{"198609262015053001", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := tt.n.Valid(); got != tt.want {
			t.Errorf("NIP(%q).Valid() = %v, want %v", tt.n, got, tt.want)
		}
	}
}
