package eventstore_test

import (
	"encoding/json"
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
