package projections

import (
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/eventstore"
)

// TestParseStream checks how a stream name is read: the id of any name
// uuid.Parse reads, and whether it names an execution record exactly as
// execution.Stream writes it.
func TestParseStream(t *testing.T) {
	id := uuid.MustParse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	tests := []struct {
		stream     string
		ok, record bool
	}{
		{"execution-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", true, true},
		{"skp-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", true, false},
		{"execution-0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", true, false},          // upper case: an id, not execution.Stream's name
		{"execution-urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", true, false}, // another form uuid.Parse reads
		{"execution-0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d", true, false},
		{"execution-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4", false, false},
		{"execution-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g", false, false},
		{"execution", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			got := parseStream(tt.stream)
			if got.ok != tt.ok || got.record != tt.record {
				t.Fatalf("parseStream(%q): ok %v, record %v; want %v, %v", tt.stream, got.ok, got.record, tt.ok, tt.record)
			}
			if tt.ok && got.id != id {
				t.Errorf("parseStream(%q) id = %s, want %s", tt.stream, got.id, id)
			}
			want, wantErr := streamID(tt.stream)
			rec := &eventstore.RecordedEvent{Stream: tt.stream}
			wrapped, unwrapped := &Event{RecordedEvent: rec, stream: got}, &Event{RecordedEvent: rec} // the second parses on every call
			for _, e := range []*Event{wrapped, unwrapped} {
				id, err := e.streamID()
				if id != want || (err == nil) != (wantErr == nil) {
					t.Errorf("streamID of %q = %s, %v; streamID() gives %s, %v", tt.stream, id, err, want, wantErr)
				}
				if _, err := e.recordID(); (err == nil) != tt.record {
					t.Errorf("recordID of %q: error %v, want one: %v", tt.stream, err, !tt.record)
				}
			}
		})
	}
}

// FuzzParseCanonical checks parseCanonical against uuid.Parse and
// uuid.UUID.String: it reads exactly the texts String writes.
func FuzzParseCanonical(f *testing.F) {
	f.Add("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	f.Add("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")
	f.Add("{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}")
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := parseCanonical(text)
		want, err := uuid.Parse(text)
		wantOK := err == nil && want.String() == text
		if ok != wantOK || (ok && got != want) {
			t.Errorf("parseCanonical(%q) = %s, %v; uuid.Parse gives %s, %v", text, got, ok, want, err)
		}
	})
}

// TestExecutionRecord checks which record an execution event belongs to: an
// execution.Opened on a stream execution.Stream would not name is refused,
// any other event there belongs to no record.
func TestExecutionRecord(t *testing.T) {
	id := uuid.MustParse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	tests := []struct {
		stream  string
		body    execution.Event
		wantOK  bool
		wantErr bool
	}{
		{execution.Stream(id), execution.Opened{SKP: id}, true, false},
		{execution.Stream(id), execution.DailyProgressLogged{}, true, false},
		{"execution-0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", execution.Opened{SKP: id}, false, true},
		{"execution-0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", execution.DailyProgressLogged{}, false, false},
		{"skp-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", execution.RealisationReported{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.stream+"/"+tt.body.EventType(), func(t *testing.T) {
			e := NewEvent(eventstore.RecordedEvent{Stream: tt.stream})
			got, ok, err := e.executionRecord(tt.body)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("executionRecord = %s, %v, %v; want ok %v, an error %v", got, ok, err, tt.wantOK, tt.wantErr)
			}
			if ok && got != id {
				t.Errorf("executionRecord = %s, want %s", got, id)
			}
		})
	}
}
