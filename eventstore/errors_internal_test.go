package eventstore

import (
	"regexp"
	"testing"
)

// streamNameRE is the definition isStreamName implements.
var streamNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*-[A-Za-z0-9][A-Za-z0-9._:-]*$`)

var streamNameCases = []struct {
	name string
	ok   bool
}{
	{"skp-0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b", true},
	{"indicator-iki.response_time", true},
	{"ledger_checkpoints-1", true},
	{"a-B", true},
	{"x1_y-9:z.-", true},
	{"sk-p-1", true},
	{"", false},
	{"-x", false},
	{"skp-", false},
	{"skp", false},
	{"Skp-1", false},
	{"1skp-1", false},
	{"_skp-1", false},
	{"skp--1", false},
	{"skp-.1", false},
	{"skp-1 2", false},
	{"skp-1\n", false},
	{"skp-é", false},
	{"skp-1\xff", false},
}

func TestIsStreamName(t *testing.T) {
	for _, c := range streamNameCases {
		if got := isStreamName(c.name); got != c.ok || got != streamNameRE.MatchString(c.name) {
			t.Errorf("isStreamName(%q) = %v, want %v (regexp: %v)", c.name, got, c.ok, streamNameRE.MatchString(c.name))
		}
	}
}

func FuzzIsStreamName(f *testing.F) {
	for _, c := range streamNameCases {
		f.Add(c.name)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isStreamName(s), streamNameRE.MatchString(s); got != want {
			t.Errorf("isStreamName(%q) = %v, the regular expression says %v", s, got, want)
		}
	})
}
