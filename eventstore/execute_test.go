package eventstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
)

// counted is a tiny domain for the tests: a counter that refuses to pass 3.
type counted struct {
	N int `json:"n"`
}

func (counted) EventType() string { return "counter.counted" }

func decodeCounted(t string, b []byte) (counted, error) {
	if t != "counter.counted" {
		return counted{}, fmt.Errorf("unknown type %q", t)
	}
	var c counted
	return c, json.Unmarshal(b, &c)
}

func increment(h eventstore.History[counted]) ([]counted, error) {
	if len(h.Events) >= 3 {
		return nil, domain.Errorf(domain.Invalid, "the counter stops at 3")
	}
	return []counted{{N: len(h.Events) + 1}}, nil
}

func openBolt(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestExecute(t *testing.T) {
	s := openBolt(t)
	ctx := t.Context()
	stream := "counter-" + uuid.NewString()
	cmd := func() eventstore.Command {
		return eventstore.Command{ID: uuid.New(), Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: "198609262015051001", Role: "hr"}}}
	}

	first := cmd()
	res, err := eventstore.Execute(ctx, s, stream, decodeCounted, first, increment)
	if err != nil || res.Revision != 0 {
		t.Fatalf("first Execute = %+v, %v", res, err)
	}
	// The same command again: nothing appended, the first answer returned.
	again, err := eventstore.Execute(ctx, s, stream, decodeCounted, first, increment)
	if err != nil || again != res {
		t.Fatalf("retried Execute = %+v, %v; want %+v", again, err, res)
	}
	h, err := eventstore.Load(ctx, s, stream, decodeCounted)
	if err != nil || len(h.Events) != 1 || h.Records[0].Metadata.CommandID != first.ID || h.Records[0].ID != eventstore.DeriveEventID(first.ID, 0) {
		t.Fatalf("after a retry the stream holds %+v, %v", h.Records, err)
	}

	// If-Match on a stale revision: 412-style conflict, nothing appended.
	stale := cmd()
	zero := uint64(0)
	if _, err := eventstore.Execute(ctx, s, stream, decodeCounted, stale, increment); err != nil {
		t.Fatal(err)
	}
	pinned := cmd()
	pinned.IfMatch = &zero
	_, err = eventstore.Execute(ctx, s, stream, decodeCounted, pinned, increment)
	if !errors.Is(err, eventstore.ErrPreconditionFailed) || domain.KindOf(err) != domain.Conflict {
		t.Fatalf("Execute with a stale If-Match = %v, want ErrPreconditionFailed", err)
	}

	// A rejected decision appends nothing.
	if _, err := eventstore.Execute(ctx, s, stream, decodeCounted, cmd(), increment); err != nil {
		t.Fatal(err)
	}
	_, err = eventstore.Execute(ctx, s, stream, decodeCounted, cmd(), increment)
	if domain.KindOf(err) != domain.Invalid {
		t.Fatalf("Execute past the limit = %v, want Invalid", err)
	}
	if h, _ := eventstore.Load(ctx, s, stream, decodeCounted); len(h.Events) != 3 {
		t.Errorf("the stream holds %d events, want 3", len(h.Events))
	}
}

// TestExecuteIfMatchLosesARace pins a revision, and another writer appends
// while the decision is being made: the answer is the If-Match failure, not
// a plain conflict, and nothing of the command is stored.
func TestExecuteIfMatchLosesARace(t *testing.T) {
	s := openBolt(t)
	stream := "counter-" + uuid.NewString()
	if _, err := eventstore.Execute(t.Context(), s, stream, decodeCounted, eventstore.Command{ID: uuid.New()}, increment); err != nil {
		t.Fatal(err)
	}
	zero := uint64(0)
	pinned := eventstore.Command{ID: uuid.New(), IfMatch: &zero}
	_, err := eventstore.Execute(t.Context(), s, stream, decodeCounted, pinned, func(h eventstore.History[counted]) ([]counted, error) {
		// The other writer gets in between the load and the append.
		if _, err := s.Append(t.Context(), stream, eventstore.Exact(0), eventstore.EventData{ID: uuid.New(), Type: "counter.counted", Data: []byte(`{"n":2}`)}); err != nil {
			t.Fatal(err)
		}
		return increment(h)
	})
	if !errors.Is(err, eventstore.ErrPreconditionFailed) || domain.KindOf(err) != domain.Conflict {
		t.Fatalf("Execute = %v, want ErrPreconditionFailed", err)
	}
	h, err := eventstore.Load(t.Context(), s, stream, decodeCounted)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range h.Records {
		if r.Metadata.CommandID == pinned.ID {
			t.Errorf("the refused command stored %s@%d", r.Stream, r.Revision)
		}
	}
}

// TestExecuteRetriesConcurrentWriters races writers on one stream: each
// decision is re-run on fresh state, so every one lands exactly once.
func TestExecuteRetriesConcurrentWriters(t *testing.T) {
	s := openBolt(t)
	stream := "counter-" + uuid.NewString()
	unlimited := func(h eventstore.History[counted]) ([]counted, error) {
		return []counted{{N: len(h.Events) + 1}}, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, err := eventstore.Execute(t.Context(), s, stream, decodeCounted, eventstore.Command{ID: uuid.New()}, unlimited)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Execute: %v", err)
		}
	}
	h, err := eventstore.Load(t.Context(), s, stream, decodeCounted)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range h.Events {
		if e.N != i+1 {
			t.Errorf("event %d counted %d: a decision ran on stale state", i, e.N)
		}
	}
	if len(h.Events) != 3 {
		t.Errorf("%d events, want 3", len(h.Events))
	}
}

// TestExecuteFingerprint: a command id sent again with the same fingerprint
// is a retry; with another, it is refused and nothing is appended.
func TestExecuteFingerprint(t *testing.T) {
	s := openBolt(t)
	ctx := t.Context()
	stream := "counter-" + uuid.NewString()
	id := uuid.New()
	asked := eventstore.Command{ID: id, Fingerprint: []byte("body A")}
	res, err := eventstore.Execute(ctx, s, stream, decodeCounted, asked, increment)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := eventstore.Execute(ctx, s, stream, decodeCounted, asked, increment); err != nil || again != res {
		t.Errorf("the same command and fingerprint again = %+v, %v; want the first result %+v", again, err, res)
	}
	other := eventstore.Command{ID: id, Fingerprint: []byte("body B")}
	_, err = eventstore.Execute(ctx, s, stream, decodeCounted, other, increment)
	var de *domain.Error
	if !errors.Is(err, eventstore.ErrCommandReused) || !errors.As(err, &de) || de.Kind != domain.Conflict || de.Rule != eventstore.RuleCommandReused {
		t.Errorf("another fingerprint: error %v, want a Conflict wrapping ErrCommandReused", err)
	}
	if h, err := eventstore.Load(ctx, s, stream, decodeCounted); err != nil || len(h.Events) != 1 {
		t.Errorf("the stream holds %d events (%v), want the first command's one", len(h.Events), err)
	}
}
