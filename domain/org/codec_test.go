package org_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kinerja/kinerja/domain/org"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples returns one example of every event type, with every field set.
func examples() []org.Event {
	full := registered()
	full.LegacyNIP = "131110468"
	full.Warnings = []string{"the master record's sex P differs from the NIP's L"}
	jpt := placed()
	jpt.Placement.SuperiorTitle = "Bupati"
	return []org.Event{
		full,
		jpt,
		org.AppointedPNS{NIP: cpns, TMTPNS: date(2025, 3, 1), DecisionRef: "SK-PNS-1", By: hr, At: at},
		org.EmployeeLeft{NIP: pns, Reason: org.Retirement, LastDay: date(2025, 12, 31), DecisionRef: "SK-BUP", By: hr, At: at},
		unitDefined(),
		restructured(),
		headAppointed(),
		dissolved(),
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range examples() {
		t.Run(e.EventType(), func(t *testing.T) {
			if seen[e.EventType()] {
				t.Fatalf("two examples of %s", e.EventType())
			}
			seen[e.EventType()] = true
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := org.Decode(e.EventType(), data)
			if err != nil {
				t.Fatalf("Decode(%s) error = %v", e.EventType(), err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("Decode(%s) = %+v, want %+v", e.EventType(), got, e)
			}
		})
	}
	if _, err := org.Decode("org.unknown", []byte(`{}`)); err == nil {
		t.Error("Decode of an unknown type succeeded")
	}
	if _, err := org.Decode("org.unit_defined", []byte(`{"unit_id": "not a uuid"}`)); err == nil {
		t.Error("Decode of a malformed body succeeded")
	}
}

// TestGolden pins the JSON of every stored event type: stored events live
// forever, so a renamed field must fail here. Run with -update to accept.
func TestGolden(t *testing.T) {
	for _, e := range examples() {
		t.Run(e.EventType(), func(t *testing.T) {
			got, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", e.EventType()+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("JSON of %s changed; stored events would no longer decode the same.\ngot:\n%s\nwant:\n%s", e.EventType(), got, want)
			}
			decoded, err := org.Decode(e.EventType(), want)
			if err != nil || !reflect.DeepEqual(decoded, e) {
				t.Errorf("golden %s decodes to %+v, %v; want %+v", path, decoded, err, e)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range examples() {
		data, err := json.Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.EventType(), data)
	}
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		e, err := org.Decode(eventType, data)
		if err != nil {
			return
		}
		if e.EventType() != eventType {
			t.Fatalf("Decode(%q) returned a %s", eventType, e.EventType())
		}
		org.ReplayEmployee([]org.Event{e, e}) // Apply must not panic on junk either
		org.ReplayUnit([]org.Event{e, e})
	})
}
