// Package domain is the pure heart of Kinerja: the error model and the
// identifiers shared by every consistency boundary below it. Packages under
// domain do no I/O, read no clock and import no adapter.
package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
// The zero Kind means "no error".
type Kind int

// Kinds of error.
const (
	Invalid   Kind = iota + 1 // breaks a rule or is malformed; fix the input
	NotFound                  // no such thing
	Conflict                  // someone else changed it first; reload and retry
	Forbidden                 // the caller may not do this
	Internal                  // anything else; details are logged, never shown
)

var kindNames = [...]string{"", "invalid", "not_found", "conflict", "forbidden", "internal"}

// String returns the stable, lower-case name of k, used in problem types.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is a failure whose Message is safe to show to the person using the
// service. Field names the offending input where there is one, and Rule the
// stable identifier of the broken rule, so that an API can point at both.
type Error struct {
	Kind    Kind
	Message string
	Field   string // e.g. "targets[2].value"; empty when no single field is at fault
	Rule    string // e.g. "objection-window"; empty for generic errors
	Err     error  // an optional sentinel, so callers can test with errors.Is
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel e carries, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithField returns a copy of e that names field as the offending input.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// WithRule returns a copy of e that names rule as the broken rule.
func (e *Error) WithRule(rule string) *Error {
	c := *e
	c.Rule = rule
	return &c
}

// KindOf returns the kind of err: 0 for nil, the Kind of the first *Error in
// its chain, and Internal for anything else.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
