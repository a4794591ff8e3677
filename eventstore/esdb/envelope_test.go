package esdb

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/esdb/esdbtest"
)

// TestEnvelopeJSON pins the metadata JSON of a stored event: its field names
// are stored forever, so a rename must fail here first.
func TestEnvelopeJSON(t *testing.T) {
	id := uuid.MustParse("0190a5c4-0000-7000-8000-000000000001")
	cmd := uuid.MustParse("0190a5c4-0000-7000-8000-0000000000c1")
	sealed := eventstore.Seal("skp-1", 0, eventstore.Hash{}, time.Date(2026, 3, 31, 2, 30, 0, 123456789, time.UTC), []eventstore.EventData{{
		ID:   id,
		Type: "skp.drafted",
		Data: json.RawMessage(`{"year":2026}`),
		Metadata: eventstore.Metadata{
			Actor:         eventstore.Actor{ID: "199001012020121001", Role: "employee"},
			CommandID:     cmd,
			CorrelationID: cmd,
			CausationID:   cmd,
			Reason:        "draft",
			SchemaVersion: 1,
		},
	}})
	data, err := encode(sealed)
	if err != nil {
		t.Fatalf("encode() error = %v", err)
	}
	want := `{"actor":{"id":"199001012020121001","role":"employee"},` +
		`"command_id":"0190a5c4-0000-7000-8000-0000000000c1","correlation_id":"0190a5c4-0000-7000-8000-0000000000c1",` +
		`"causation_id":"0190a5c4-0000-7000-8000-0000000000c1","reason":"draft","schema_version":1,` +
		`"recorded_at":"2026-03-31T02:30:00.123456Z",` +
		`"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",` +
		`"hash":"` + sealed[0].Hash.String() + `"}`
	if got := string(data[0].Metadata); got != want {
		t.Errorf("metadata JSON =\n%s\nwant\n%s", got, want)
	}
	if data[0].EventID != id || data[0].EventType != "skp.drafted" || data[0].ContentType != esdb.ContentTypeJson || string(data[0].Data) != `{"year":2026}` {
		t.Errorf("event data = %+v, want the envelope's id, type and bytes as JSON", data[0])
	}

	s := &Store{}
	back, err := s.decode(&esdb.RecordedEvent{
		EventID: id, EventType: "skp.drafted", StreamID: "skp-1", EventNumber: 0,
		Position: esdb.Position{Commit: 7, Prepare: 5}, Data: data[0].Data, UserMetadata: data[0].Metadata,
	})
	if err != nil {
		t.Fatalf("decode() error = %v", err)
	}
	sealed[0].Position = eventstore.Position{Commit: 7, Prepare: 5}
	if back.RecordedAt.Location() != time.UTC || !back.RecordedAt.Equal(sealed[0].RecordedAt) {
		t.Errorf("recorded at = %v, want %v in UTC", back.RecordedAt, sealed[0].RecordedAt)
	}
	back.RecordedAt = sealed[0].RecordedAt
	if string(back.Data) != string(sealed[0].Data) || back.ID != sealed[0].ID || back.Metadata != sealed[0].Metadata ||
		back.Hash != sealed[0].Hash || back.PrevHash != sealed[0].PrevHash || back.Position != sealed[0].Position || back.Stream != "skp-1" {
		t.Errorf("decode(encode(e)) = %+v, want %+v", back, sealed[0])
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, []eventstore.RecordedEvent{back}); i >= 0 {
		t.Errorf("the decoded event does not verify: %s", why)
	}

	if _, err := s.decode(&esdb.RecordedEvent{StreamID: "skp-1", UserMetadata: []byte("not json")}); err == nil {
		t.Error("decode() accepted an event without an envelope")
	}
}

// TestAppendedFindsThePositionOfAnIdempotentWrite covers the server's own
// idempotent success, which carries no position (the client reports 0/0):
// the result must still be the original position.
func TestAppendedFindsThePositionOfAnIdempotentWrite(t *testing.T) {
	srv := esdbtest.Start(t)
	s, err := Open(t.Context(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cmd := uuid.New()
	events := []eventstore.EventData{
		{ID: eventstore.DeriveEventID(cmd, 0), Type: "test.happened", Data: json.RawMessage(`{}`)},
		{ID: eventstore.DeriveEventID(cmd, 1), Type: "test.happened", Data: json.RawMessage(`{}`)},
	}
	want, err := s.Append(t.Context(), "test-1", eventstore.NoStream, events...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.appended(t.Context(), "test-1", &esdb.WriteResult{NextExpectedVersion: 1})
	if err != nil || got != want {
		t.Errorf("appended(no position) = %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.appended(t.Context(), "test-1", &esdb.WriteResult{NextExpectedVersion: 5}); err == nil {
		t.Error("appended() of a revision the stream does not have succeeded")
	}
}
