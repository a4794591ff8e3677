package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

func testEvents(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{ID: uuid.New(), Type: "test.happened", Data: json.RawMessage(`{}`)}
	}
	return out
}

// TestGroupCommitIsolatesRejections commits one hand-made group in which
// some requests are rejected, and checks that exactly the others are stored,
// each seeing the effect of those before it in the group.
func TestGroupCommitIsolatesRejections(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, b := "test-a", "test-b"
	first, second, third := testEvents(2), testEvents(1), testEvents(3)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	req := func(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) *request {
		return &request{ctxErr: ctx.Err, stream: stream, expected: expected, events: events, wake: make(chan struct{}, 1)}
	}
	group := []*request{
		req(t.Context(), a, eventstore.NoStream, first),                           // stored at 1, 2
		req(t.Context(), a, eventstore.NoStream, testEvents(1)),                   // conflict: a exists now
		req(t.Context(), b, eventstore.NoStream, append(testEvents(1), first[0])), // reuses one stored id
		req(cancelled, b, eventstore.NoStream, testEvents(1)),                     // cancelled before the group formed
		req(t.Context(), a, eventstore.Exact(1), second),                          // stored at 3, after the first
		req(t.Context(), a, eventstore.NoStream, first),                           // retry of the first: its result
		req(t.Context(), b, eventstore.StreamExists, testEvents(1)),               // conflict: b has no events
		req(t.Context(), b, eventstore.NoStream, third),                           // stored at 4, 5, 6
	}
	s.commit(group, false)

	pos := func(p uint64) eventstore.Position { return eventstore.Position{Commit: p, Prepare: p} }
	tests := []struct {
		want     eventstore.AppendResult
		wantKind domain.Kind
		wantErr  error
	}{
		{want: eventstore.AppendResult{Revision: 1, Position: pos(2)}},
		{wantKind: domain.Conflict, wantErr: eventstore.ErrWrongExpectedRevision},
		{wantKind: domain.Invalid, wantErr: eventstore.ErrInvalidArgument},
		{wantKind: domain.Internal, wantErr: context.Canceled},
		{want: eventstore.AppendResult{Revision: 2, Position: pos(3)}},
		{want: eventstore.AppendResult{Revision: 1, Position: pos(2)}},
		{wantKind: domain.Conflict, wantErr: eventstore.ErrWrongExpectedRevision},
		{want: eventstore.AppendResult{Revision: 2, Position: pos(6)}},
	}
	for i, tt := range tests {
		r := group[i]
		if kind := domain.KindOf(r.err); kind != tt.wantKind || (tt.wantErr != nil && !errors.Is(r.err, tt.wantErr)) {
			t.Errorf("request %d: error = %v (kind %v), want kind %v and %v", i, r.err, kind, tt.wantKind, tt.wantErr)
		}
		if r.result != tt.want {
			t.Errorf("request %d: result = %+v, want %+v", i, r.result, tt.want)
		}
	}

	all, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(append([]eventstore.EventData{}, first...), second...), third...)
	if len(all) != len(want) {
		t.Fatalf("the log holds %d events, want %d", len(all), len(want))
	}
	for i := range all {
		if all[i].ID != want[i].ID {
			t.Errorf("position %d holds %s, want %s", i+1, all[i].ID, want[i].ID)
		}
	}
}

// TestDecodeRejectsDamage checks that a truncated or extended record is an
// error, never a panic or a silently wrong event.
func TestDecodeRejectsDamage(t *testing.T) {
	e := eventstore.Seal("test-a", 0, eventstore.Hash{}, testClock(), testEvents(1))[0]
	e.Position = eventstore.Position{Commit: 7, Prepare: 7}
	rec := encode(&e)
	got, err := decode(rec, 7)
	if err != nil {
		t.Fatalf("decode() error = %v", err)
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, []eventstore.RecordedEvent{*got}); i >= 0 || got.Position != e.Position {
		t.Fatalf("decode(encode(e)) = %+v, want %+v (%s)", got, e, why)
	}
	for n := range len(rec) {
		if _, err := decode(rec[:n], 7); err == nil {
			t.Errorf("decode() of the first %d of %d bytes succeeded", n, len(rec))
		}
	}
	if _, err := decode(append(rec, 0), 7); err == nil {
		t.Error("decode() of a record with a trailing byte succeeded")
	}
	bad := append([]byte{}, rec...)
	bad[0] = 9
	if _, err := decode(bad, 7); err == nil {
		t.Error("decode() of record version 9 succeeded")
	}
}

func testClock() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC) }

// TestConcurrentAppendsShareCommits checks that appends from many goroutines
// are gathered into fewer transactions than appends.
func TestConcurrentAppendsShareCommits(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const goroutines, each = 32, 20
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			stream := fmt.Sprintf("test-%d", g)
			for range each {
				if _, err := s.Append(t.Context(), stream, eventstore.Any, testEvents(1)...); err != nil {
					t.Errorf("Append() error = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.mu.Lock()
	groups := s.groups
	s.mu.Unlock()
	if appends := goroutines * each; groups > appends/2 {
		t.Errorf("%d appends from %d goroutines took %d transactions, want at most %d", appends, goroutines, groups, appends/2)
	} else {
		t.Logf("%d appends from %d goroutines in %d transactions (%.1f per transaction)", appends, goroutines, groups, float64(appends)/float64(groups))
	}
}

// FuzzDecode checks that no stored bytes, however damaged, make decode
// panic, and that whatever decodes encodes to a record that decodes to the
// same event. (Bytes need not round-trip: a varint may be stored in more
// bytes than needed.)
func FuzzDecode(f *testing.F) {
	e := eventstore.Seal("test-a", 3, eventstore.Hash{1}, testClock(), testEvents(1))[0]
	f.Add(encode(&e))
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, rec []byte) {
		got, err := decode(rec, 1)
		if err != nil {
			return
		}
		again, err := decode(encode(got), 1)
		if err != nil {
			t.Fatalf("decode(encode(decode(%x))) error = %v", rec, err)
		}
		if fmt.Sprint(again) != fmt.Sprint(got) {
			t.Errorf("decode(encode(e)) = %+v, want %+v", again, got)
		}
	})
}
