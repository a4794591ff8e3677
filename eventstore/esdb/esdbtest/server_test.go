package esdbtest_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore/esdb/esdbtest"
)

// client connects the real client to a fresh double.
func client(t *testing.T) (*esdbtest.Server, *esdb.Client) {
	t.Helper()
	srv := esdbtest.Start(t)
	cfg, err := esdb.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatalf("ParseConnectionString(%s) error = %v", srv.URL(), err)
	}
	cfg.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

func events(ids ...uuid.UUID) []esdb.EventData {
	out := make([]esdb.EventData, len(ids))
	for i, id := range ids {
		out[i] = esdb.EventData{EventID: id, EventType: "test.happened", ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}
	}
	return out
}

func hasCode(err error, code esdb.ErrorCode) bool {
	var e *esdb.Error
	return errors.As(err, &e) && e.Code() == code
}

// readStream reads a whole stream with the client, failing t on any error
// but a missing stream, which it reports as found == false.
func readStream(t *testing.T, c *esdb.Client, stream string) (got []*esdb.RecordedEvent, found bool) {
	t.Helper()
	rs, err := c.ReadStream(t.Context(), stream, esdb.ReadStreamOptions{}, 1000)
	if err != nil {
		t.Fatalf("ReadStream(%s) error = %v", stream, err)
	}
	defer rs.Close()
	for {
		e, err := rs.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return got, true
		case hasCode(err, esdb.ErrorCodeResourceNotFound):
			return nil, false
		case err != nil:
			t.Fatalf("ReadStream(%s).Recv() error = %v", stream, err)
		}
		got = append(got, e.Event)
	}
}

// TestAppendSemantics checks the double's optimistic concurrency and
// idempotency against the server's documentation: a stream holds a0 a1 a2,
// appended in one batch, and a second append comes in.
func TestAppendSemantics(t *testing.T) {
	a := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	fresh := uuid.New()
	tests := []struct {
		name      string
		missing   bool // the stream has no events
		expected  esdb.ExpectedRevision
		ids       []uuid.UUID
		wantWEV   bool
		wantRev   uint64
		wantWrote bool // a position, and the stream grew
	}{
		{name: "exact current", expected: esdb.Revision(2), ids: []uuid.UUID{fresh}, wantRev: 3, wantWrote: true},
		{name: "exact ahead", expected: esdb.Revision(5), ids: []uuid.UUID{fresh}, wantWEV: true},
		{name: "exact behind, new ids", expected: esdb.Revision(0), ids: []uuid.UUID{fresh}, wantWEV: true},
		{name: "exact behind, the stored ids after it", expected: esdb.Revision(0), ids: a[1:], wantRev: 2},
		{name: "exact behind, stored ids then a new one", expected: esdb.Revision(0), ids: []uuid.UUID{a[1], fresh}, wantWEV: true},
		{name: "no stream, the stored batch again", expected: esdb.NoStream{}, ids: a, wantRev: 2},
		{name: "no stream, part of the stored batch", expected: esdb.NoStream{}, ids: a[:2], wantRev: 1},
		{name: "no stream, new ids", expected: esdb.NoStream{}, ids: []uuid.UUID{fresh}, wantWEV: true},
		{name: "any, stored ids", expected: esdb.Any{}, ids: a[1:], wantRev: 2},
		{name: "any, new ids", expected: esdb.Any{}, ids: []uuid.UUID{fresh}, wantRev: 3, wantWrote: true},
		{name: "any, stored id then a new one", expected: esdb.Any{}, ids: []uuid.UUID{a[2], fresh}, wantWEV: true},
		{name: "stream exists, existing", expected: esdb.StreamExists{}, ids: []uuid.UUID{fresh}, wantRev: 3, wantWrote: true},
		{name: "stream exists, missing", missing: true, expected: esdb.StreamExists{}, ids: []uuid.UUID{fresh}, wantWEV: true},
		{name: "exact 0, missing", missing: true, expected: esdb.Revision(0), ids: []uuid.UUID{fresh}, wantWEV: true},
		{name: "no stream, missing", missing: true, expected: esdb.NoStream{}, ids: []uuid.UUID{fresh}, wantRev: 0, wantWrote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c := client(t)
			stream := "test-" + uuid.NewString()
			before := 0
			if !tt.missing {
				if _, err := c.AppendToStream(t.Context(), stream, esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(a...)...); err != nil {
					t.Fatalf("given: AppendToStream() error = %v", err)
				}
				before = len(a)
			}

			res, err := c.AppendToStream(t.Context(), stream, esdb.AppendToStreamOptions{ExpectedRevision: tt.expected}, events(tt.ids...)...)

			got, _ := readStream(t, c, stream)
			if tt.wantWEV {
				if !hasCode(err, esdb.ErrorCodeWrongExpectedVersion) {
					t.Fatalf("AppendToStream() error = %v, want wrong expected version", err)
				}
				if len(got) != before {
					t.Errorf("the stream holds %d events after a refused append, want %d", len(got), before)
				}
				return
			}
			if err != nil {
				t.Fatalf("AppendToStream() error = %v", err)
			}
			if res.NextExpectedVersion != tt.wantRev {
				t.Errorf("AppendToStream() revision = %d, want %d", res.NextExpectedVersion, tt.wantRev)
			}
			wantLen := before
			if tt.wantWrote {
				wantLen += len(tt.ids)
			}
			if len(got) != wantLen {
				t.Fatalf("the stream holds %d events, want %d", len(got), wantLen)
			}
			if wrote := res.CommitPosition != 0; wrote != tt.wantWrote {
				t.Errorf("AppendToStream() position = %d/%d; want a position only for a write", res.CommitPosition, res.PreparePosition)
			}
			if tt.wantWrote && (got[len(got)-1].Position.Commit != res.CommitPosition || got[len(got)-1].Position.Prepare != res.PreparePosition) {
				t.Errorf("the last event is at %+v, the append reported %d/%d", got[len(got)-1].Position, res.CommitPosition, res.PreparePosition)
			}
			for i, e := range got {
				if e.EventNumber != uint64(i) {
					t.Errorf("event %d has revision %d: revisions are 0-based and dense", i, e.EventNumber)
				}
			}
		})
	}
}

func TestReadMissingStreamFailsOnFirstRecv(t *testing.T) {
	_, c := client(t)
	rs, err := c.ReadStream(t.Context(), "test-missing", esdb.ReadStreamOptions{}, 10)
	if err != nil {
		t.Fatalf("ReadStream() error = %v; the server reports a missing stream on Recv", err)
	}
	defer rs.Close()
	if _, err := rs.Recv(); !hasCode(err, esdb.ErrorCodeResourceNotFound) {
		t.Errorf("Recv() error = %v, want resource not found", err)
	}
}

func TestMaxAppendSize(t *testing.T) {
	srv, c := client(t)
	srv.SetMaxAppendSize(100)
	big := events(uuid.New())
	big[0].Data = []byte(`"` + strings.Repeat("x", 100) + `"`)
	_, err := c.AppendToStream(t.Context(), "test-big", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, big...)
	if err == nil {
		t.Fatal("AppendToStream() of 100+ bytes with MaxAppendSize 100 succeeded")
	}
	if _, found := readStream(t, c, "test-big"); found {
		t.Error("the refused append created the stream")
	}
}

// TestAllPositions checks $all: positions increase and are not dense, a read
// forwards from a position includes the event there, system events are in
// it, and a subscription from a position starts after it, catches up, and
// then delivers new events live through its filter.
func TestAllPositions(t *testing.T) {
	srv, c := client(t)
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	if _, err := c.AppendToStream(t.Context(), "test-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(ids...)...); err != nil {
		t.Fatal(err)
	}
	srv.AppendSystemEvent("$stats-x", "$statsCollected")

	rs, err := c.ReadAll(t.Context(), esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var all []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ReadAll Recv() error = %v", err)
		}
		all = append(all, e.Event)
	}
	rs.Close()
	if len(all) != 6 || all[0].StreamID != "$settings" || all[5].StreamID != "$stats-x" {
		t.Fatalf("$all holds %d events, want 2 system, 3 of test-1, 1 system", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position.Commit <= all[i-1].Position.Commit+1 {
			t.Errorf("event %d at %d follows %d: positions are log offsets, increasing and not dense", i, all[i].Position.Commit, all[i-1].Position.Commit)
		}
	}

	rs, err = c.ReadAll(t.Context(), esdb.ReadAllOptions{From: all[3].Position}, 1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := rs.Recv()
	rs.Close()
	if err != nil || e.Event.EventID != all[3].EventID {
		t.Errorf("ReadAll from the position of event 3 = %v, %v; want event 3 itself", e, err)
	}

	sub, err := c.SubscribeToAll(t.Context(), esdb.SubscribeToAllOptions{
		From:   all[2].Position,
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"test-"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func() *esdb.SubscriptionEvent {
		t.Helper()
		got := make(chan *esdb.SubscriptionEvent, 1)
		go func() { got <- sub.Recv() }()
		select {
		case ev := <-got:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("the subscription sent nothing in 5s")
			return nil
		}
	}
	for _, want := range ids[1:] {
		ev := next()
		if ev.EventAppeared == nil || ev.EventAppeared.Event.EventID != want {
			t.Fatalf("subscription sent %+v, want event %s", ev, want)
		}
	}
	if ev := next(); ev.CaughtUp == nil {
		t.Fatalf("subscription sent %+v, want caught up", ev)
	}
	srv.AppendSystemEvent("$stats-x", "$statsCollected")
	live := uuid.New()
	if _, err := c.AppendToStream(t.Context(), "test-2", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(live)...); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.EventAppeared == nil || ev.EventAppeared.Event.EventID != live {
		t.Fatalf("subscription sent %+v, want the live event %s past the filtered system event", ev, live)
	}
	srv.DropSubscriptions()
	if ev := next(); ev.SubscriptionDropped == nil {
		t.Fatalf("subscription sent %+v after DropSubscriptions, want a drop", ev)
	}
}
