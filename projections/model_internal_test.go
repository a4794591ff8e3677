package projections

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestIDMapRows checks that a table keyed by id shows a sink the rows a
// Map keyed by prefix+id.String() would: the same keys in the same order,
// and that it loads them back, refusing a key that is not of that form.
func TestIDMapRows(t *testing.T) {
	ids := []uuid.UUID{
		uuid.MustParse("f0000000-0000-4000-8000-000000000001"),
		uuid.MustParse("0a000000-0000-4000-8000-000000000002"),
		uuid.MustParse("0a000000-0000-4000-8000-00000000000b"),
		uuid.MustParse("9fffffff-ffff-4fff-bfff-ffffffffffff"),
	}
	m := NewModel()
	byID := newIDMap[int](m, "by_id", recordPrefix)
	byText := NewMap[int](m, "by_text")
	for i, id := range ids {
		byID.Put(id, i)
		byText.Put(recordPrefix+id.String(), i)
	}
	got, err := byID.All()
	if err != nil {
		t.Fatal(err)
	}
	want, err := byText.All()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, want, func(a, b Row) bool { return a.Key == b.Key && string(a.Doc) == string(b.Doc) }) {
		t.Fatalf("rows keyed by id = %v, keyed by text %v", got, want)
	}
	keys := byID.Keys()
	texts := make([]string, len(keys))
	for i, k := range keys {
		texts[i] = recordPrefix + k.String()
	}
	if !slices.Equal(texts, byText.Keys()) {
		t.Errorf("keys in order %v, want %v", texts, byText.Keys())
	}

	loaded := newIDMap[int](NewModel(), "by_id", recordPrefix)
	if err := loaded.Replace(got); err != nil {
		t.Fatalf("load the rows back: %v", err)
	}
	for i, id := range ids {
		if v, ok := loaded.Get(id); !ok || v != i {
			t.Errorf("loaded row %s = %d, %v; want %d", id, v, ok, i)
		}
	}

	for _, key := range []string{
		ids[0].String(), // no prefix
		recordPrefix + strings.ToUpper(ids[0].String()),
		recordPrefix + "urn:uuid:" + ids[0].String(),
		recordPrefix + "nope",
	} {
		if err := loaded.Replace([]Row{{Key: key, Doc: []byte("1")}}); err == nil {
			t.Errorf("Replace took the key %q", key)
		}
	}
	if loaded.Len() != len(ids) {
		t.Errorf("a refused load changed the table: %d rows, want %d", loaded.Len(), len(ids))
	}
}
