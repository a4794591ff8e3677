package eventtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kinerja/kinerja/domain/internal/eventtest"
)

type event interface{ EventType() string }

type opened struct {
	ID string `json:"id"`
}

func (opened) EventType() string { return "demo.opened" }

type closed struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func (closed) EventType() string { return "demo.closed" }

func examples() []event {
	return []event{opened{ID: "a1"}, closed{Reason: "done", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
}

// decode is a correct Decode for the demo events.
func decode(eventType string, data []byte) (event, error) {
	switch eventType {
	case "demo.opened":
		return decodeAs[opened](data)
	case "demo.closed":
		return decodeAs[closed](data)
	}
	return nil, fmt.Errorf("unknown demo event type %q", eventType)
}

func decodeAs[E event](data []byte) (event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return e, nil
}

func TestRoundTrip(t *testing.T) { eventtest.RoundTrip(t, examples(), decode) }

func TestGolden(t *testing.T) { eventtest.Golden(t, examples(), decode, false) }

func FuzzDecode(f *testing.F) {
	eventtest.Seed(f, examples())
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := decode(eventType, data)
		if err == nil && e.EventType() != eventType {
			t.Errorf("decode(%q) gave a %s", eventType, e.EventType())
		}
	})
}

type failingCase struct {
	run  func(t *testing.T)
	want string
}

// failing returns helper calls that must fail, each with a part of the message
// the failure must print.
func failing() map[string]failingCase {
	return map[string]failingCase{
		"no examples": {func(t *testing.T) { eventtest.RoundTrip(t, nil, decode) }, "no examples to round-trip"},
		"type missing from decode": {func(t *testing.T) {
			eventtest.RoundTrip(t, examples(), func(typ string, data []byte) (event, error) {
				if typ == "demo.closed" {
					return nil, fmt.Errorf("unknown demo event type %q", typ)
				}
				return decode(typ, data)
			})
		}, "Decode(demo.closed) error = unknown demo event type"},
		"two examples of one type": {func(t *testing.T) {
			eventtest.RoundTrip(t, append(examples(), opened{ID: "a2"}), decode)
		}, "two examples of demo.opened"},
		"a field lost": {func(t *testing.T) {
			eventtest.RoundTrip(t, examples(), func(typ string, data []byte) (event, error) {
				e, err := decode(typ, data)
				if c, ok := e.(closed); ok {
					c.Reason = ""
					return c, err
				}
				return e, err
			})
		}, "Decode(demo.closed) = {Reason: At:"},
		"unknown type accepted": {func(t *testing.T) {
			eventtest.RoundTrip(t, examples(), func(typ string, data []byte) (event, error) {
				if e, err := decode(typ, data); err == nil {
					return e, nil
				}
				return opened{}, nil
			})
		}, "Decode(demo.unknown) of an unknown type succeeded"},
		"JSON changed": {func(t *testing.T) {
			eventtest.Golden(t, []event{opened{ID: "b2"}}, decode, false)
		}, "JSON of demo.opened changed"},
		"golden file missing": {func(t *testing.T) {
			eventtest.Golden(t, []event{missing{}}, func(string, []byte) (event, error) { return missing{}, nil }, false)
		}, "run go test -update to create it"},
		"golden file does not decode back": {func(t *testing.T) {
			eventtest.Golden(t, examples(), func(typ string, data []byte) (event, error) {
				if typ == "demo.opened" {
					return opened{ID: "other"}, nil
				}
				return decode(typ, data)
			}, false)
		}, "golden testdata/demo.opened.json decodes to {ID:other}"},
	}
}

type missing struct{}

func (missing) EventType() string { return "demo.missing" }

// TestHelpersFail runs each failing case in a child test process, because a
// failure in this process would fail this test, and requires that the child
// fails with the expected message.
func TestHelpersFail(t *testing.T) {
	cases := failing()
	if name := os.Getenv("EVENTTEST_FAILING_CASE"); name != "" {
		tc, ok := cases[name]
		if !ok {
			t.Fatalf("no failing case %q", name)
		}
		tc.run(t)
		return
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelpersFail$", "-test.count=1")
			cmd.Env = append(os.Environ(), "EVENTTEST_FAILING_CASE="+name)
			out, err := cmd.CombinedOutput()
			if exitErr := (*exec.ExitError)(nil); !errors.As(err, &exitErr) {
				t.Fatalf("the helper passed, want a failure (err = %v):\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the failure does not say %q:\n%s", tc.want, out)
			}
		})
	}
}
