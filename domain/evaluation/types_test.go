package evaluation

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEveryTypeDecodes checks that every stored type name decodes to an
// event that reports the same name, and that each has a golden file (the
// golden files are written from the examples of TestDecodeRoundTrip, so an
// event type without an example fails here).
func TestEveryTypeDecodes(t *testing.T) {
	types := []string{
		typeBehaviourRated,
		typeDelivered,
		typeDistributionChecked,
		typeExplanationProvided,
		typeExplanationRequested,
		typeFinalizationRecorded,
		typeFinalized,
		typeLocked,
		typeObjectionDecided,
		typeObjectionFiled,
		typeOpened,
		typeOrgPredicateRevised,
		typeOrgPredicateSet,
		typeOverrideRecorded,
		typePatternFixed,
		typePredicateDetermined,
		typePredicateRederived,
		typeRatingRecommended,
		typeSelfAssessed,
		typeWorkResultRated,
	}
	for _, typ := range types {
		e, err := Decode(typ, []byte(`{}`))
		if err != nil {
			t.Errorf("Decode(%q) error = %v", typ, err)
			continue
		}
		if e.EventType() != typ {
			t.Errorf("Decode(%q) gave a %s", typ, e.EventType())
		}
		if _, err := os.Stat(filepath.Join("testdata", typ+".json")); err != nil {
			t.Errorf("no golden file for %s: %v", typ, err)
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(types) {
		t.Errorf("%d golden files for %d event types; remove stale ones", len(files), len(types))
	}
}
