package eventstore_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

func TestSealChainsAndVerifies(t *testing.T) {
	at := time.Date(2026, 3, 31, 9, 30, 0, 123456789, time.FixedZone("WIB", 7*3600))
	events := []eventstore.EventData{
		{ID: uuid.New(), Type: "skp.drafted", Data: json.RawMessage(`{"b":1, "a":2}`)},
		{ID: uuid.New(), Type: "skp.submitted", Data: json.RawMessage(`{}`), Metadata: eventstore.Metadata{Reason: "ready"}},
	}
	sealed := eventstore.Seal("skp-1", 0, eventstore.Hash{}, at, events)
	if got := sealed[0].RecordedAt; got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
		t.Errorf("RecordedAt = %v, want UTC truncated to microseconds", got)
	}
	if sealed[1].PrevHash != sealed[0].Hash || sealed[1].Revision != 1 {
		t.Fatalf("second event does not link to the first: %+v", sealed[1])
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, sealed); i != -1 {
		t.Fatalf("VerifyChain on a fresh chain = %d, %s", i, why)
	}

	edited := append([]eventstore.RecordedEvent(nil), sealed...)
	edited[0].Data = json.RawMessage(`{"b":1,"a":2}`) // same JSON value, other bytes: still an edit
	if i, _ := eventstore.VerifyChain(eventstore.Hash{}, edited); i != 0 {
		t.Errorf("VerifyChain after editing event 0 = %d, want 0", i)
	}
	edited = append([]eventstore.RecordedEvent(nil), sealed...)
	edited[1].Metadata.Reason = "other"
	if i, _ := eventstore.VerifyChain(eventstore.Hash{}, edited); i != 1 {
		t.Errorf("VerifyChain after editing the reason of event 1 = %d, want 1", i)
	}
	if i, _ := eventstore.VerifyChain(eventstore.Hash{}, sealed[1:]); i != 0 {
		t.Errorf("VerifyChain with event 0 deleted = %d, want 0", i)
	}
}

// TestComputeHashIsStable pins the canonical encoding: stored ledgers verify
// against these hashes, so a change here must come with a new hashDomain.
func TestComputeHashIsStable(t *testing.T) {
	full := eventstore.RecordedEvent{
		ID:       uuid.MustParse("0f8e3c52-7a4d-4b1e-9c3a-2d5e6f708192"),
		Stream:   "skp-5b1c2d3e-4f50-4612-8374-95a6b7c8d9e0",
		Revision: 7,
		Type:     "skp.rhk_added",
		Data:     json.RawMessage(`{"rhk_id":"r-1","text":"Meningkatnya kualitas layanan"}`),
		Metadata: eventstore.Metadata{
			Actor:         eventstore.Actor{ID: "199001012020121001", Role: "pegawai"},
			CommandID:     uuid.MustParse("a1b2c3d4-e5f6-4708-9a0b-1c2d3e4f5a6b"),
			CorrelationID: uuid.MustParse("b1b2c3d4-e5f6-4708-9a0b-1c2d3e4f5a6b"),
			CausationID:   uuid.MustParse("c1b2c3d4-e5f6-4708-9a0b-1c2d3e4f5a6b"),
			Reason:        "koreksi target",
			SchemaVersion: 2,
		},
		RecordedAt: time.Date(2026, 11, 23, 6, 0, 0, 123456000, time.UTC),
		PrevHash:   eventstore.Hash{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32},
	}
	big := full
	big.Data = json.RawMessage(`"` + strings.Repeat("x", 5000) + `"`) // longer than any stack buffer
	for _, c := range []struct {
		name string
		e    eventstore.RecordedEvent
		want string
	}{
		{"every field", full, "b7a672287cc48439c9b92c3a195f599a6a05fad54f3c686a11ea1f00475e91c6"},
		{"few fields", eventstore.RecordedEvent{Stream: "s", Type: "t", Data: json.RawMessage(`1`)}, "5d078464d85de317e2e1dc602b652a25045bcd9e3765e4a0e3ca0b9468c086b1"},
		{"large body", big, "eb4dc64eee7faafac1b0ff201f9f223bd9ab1db7d64f4a7779b857844fa72d64"},
	} {
		if got := eventstore.ComputeHash(&c.e).String(); got != c.want {
			t.Errorf("%s: hash %s, want %s", c.name, got, c.want)
		}
	}
}

func TestHashTextRoundTrip(t *testing.T) {
	h := eventstore.ComputeHash(&eventstore.RecordedEvent{Stream: "skp-1", Type: "x", Data: json.RawMessage(`1`)})
	b, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back eventstore.Hash
	if err := back.UnmarshalText(b); err != nil || back != h {
		t.Errorf("round trip = %v, %v; want %v", back, err, h)
	}
	if err := back.UnmarshalText([]byte("abc")); err == nil {
		t.Error("UnmarshalText accepted a short hash")
	}
}

func TestPositionCursor(t *testing.T) {
	for _, p := range []eventstore.Position{{}, {Commit: 42, Prepare: 42}, {Commit: 7, Prepare: 3}} {
		got, err := eventstore.ParsePosition(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePosition(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
	for _, bad := range []string{"", "x", "1-", "-1", "1-2-3"} {
		if _, err := eventstore.ParsePosition(bad); err == nil {
			t.Errorf("ParsePosition(%q) accepted junk", bad)
		}
	}
}

func TestDeriveEventIDIsStable(t *testing.T) {
	cmd := uuid.New()
	if eventstore.DeriveEventID(cmd, 0) != eventstore.DeriveEventID(cmd, 0) {
		t.Error("the same command and index gave two ids")
	}
	if eventstore.DeriveEventID(cmd, 0) == eventstore.DeriveEventID(cmd, 1) {
		t.Error("two indexes gave the same id")
	}
}
