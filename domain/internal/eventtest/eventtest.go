// Package eventtest holds the codec checks every domain package runs on its
// events: a JSON round trip through Decode, one golden file per stored event
// type, and the seeds of FuzzDecode. It is imported only by _test.go files.
package eventtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Event is what every domain event implements.
type Event interface{ EventType() string }

// RoundTrip marshals each example to JSON, decodes it back with decode and
// requires a result deep-equal to the example, in a subtest named after the
// event type. It fails when examples is empty or holds two examples of one
// type, and checks that decode refuses the unknown type "<prefix>.unknown",
// where prefix is the part of the first example's type before its first dot.
func RoundTrip[E Event](t *testing.T, examples []E, decode func(string, []byte) (E, error)) {
	t.Helper()
	if len(examples) == 0 {
		t.Fatal("no examples to round-trip")
	}
	seen := map[string]bool{}
	for _, e := range examples {
		t.Run(e.EventType(), func(t *testing.T) {
			if seen[e.EventType()] {
				t.Fatalf("two examples of %s", e.EventType())
			}
			seen[e.EventType()] = true
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode(e.EventType(), data)
			if err != nil {
				t.Fatalf("Decode(%s) error = %v", e.EventType(), err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("Decode(%s) = %+v, want %+v", e.EventType(), got, e)
			}
		})
	}
	prefix, _, _ := strings.Cut(examples[0].EventType(), ".")
	unknown := prefix + ".unknown"
	if seen[unknown] {
		t.Fatalf("%s is an example's type; it cannot stand for an unknown one", unknown)
	}
	if _, err := decode(unknown, []byte(`{}`)); err == nil {
		t.Errorf("Decode(%s) of an unknown type succeeded", unknown)
	}
}

// Golden compares each example's indented JSON, with a final newline, to
// testdata/<type>.json, in a subtest named after the event type, and checks
// that decode turns the golden file back into the example. Stored events live
// forever, so a renamed field must fail here. When update is true it first
// rewrites the file with the example's JSON.
func Golden[E Event](t *testing.T, examples []E, decode func(string, []byte) (E, error), update bool) {
	t.Helper()
	if len(examples) == 0 {
		t.Fatal("no examples to compare with golden files")
	}
	for _, e := range examples {
		t.Run(e.EventType(), func(t *testing.T) {
			got, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", e.EventType()+".json")
			if update {
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
			decoded, err := decode(e.EventType(), want)
			if err != nil || !reflect.DeepEqual(decoded, e) {
				t.Errorf("golden %s decodes to %+v, %v; want %+v", path, decoded, err, e)
			}
		})
	}
}

// Seed adds every example to the fuzz corpus as its type name and JSON body,
// the arguments of a Decode fuzz target.
func Seed[E Event](f *testing.F, examples []E) {
	f.Helper()
	for _, e := range examples {
		data, err := json.Marshal(e)
		if err != nil {
			f.Fatalf("marshal %s: %v", e.EventType(), err)
		}
		f.Add(e.EventType(), data)
	}
}
