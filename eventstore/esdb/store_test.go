package esdb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/esdb"
	"github.com/kinerja/kinerja/eventstore/esdb/esdbtest"
)

func newEvents(n int) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:       eventstore.DeriveEventID(cmd, i),
			Type:     "test.happened",
			Data:     json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
			Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: "199001012020121001", Role: "employee"}, CommandID: cmd, SchemaVersion: 1},
		}
	}
	return out
}

func mustAppend(t *testing.T, s *esdb.Store, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, expected, events...)
	if err != nil {
		t.Fatalf("Append(%s, %v) error = %v", stream, expected, err)
	}
	return res
}

func ids(events []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func dataIDs(events []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func wantIDs(t *testing.T, what string, got, want []uuid.UUID) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// subscription runs Subscribe in the background and collects what it
// delivers.
type subscription struct {
	mu   sync.Mutex
	got  []eventstore.RecordedEvent
	stop context.CancelFunc
	done chan error
}

func subscribe(t *testing.T, s *esdb.Store, after eventstore.Position) *subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	sub := &subscription{stop: cancel, done: make(chan error, 1)}
	go func() {
		sub.done <- s.Subscribe(ctx, after, func(e eventstore.RecordedEvent) error {
			sub.mu.Lock()
			defer sub.mu.Unlock()
			sub.got = append(sub.got, e)
			return nil
		})
	}()
	t.Cleanup(cancel)
	return sub
}

// waitFor waits until the subscription has delivered n events.
func (sub *subscription) waitFor(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sub.mu.Lock()
		got := append([]eventstore.RecordedEvent(nil), sub.got...)
		sub.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case err := <-sub.done:
			t.Fatalf("Subscribe() returned %v after %d of %d events", err, len(got), n)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the subscription delivered %d of %d events in 10s", len(got), n)
		}
	}
}

// close stops the subscription and checks that it returned for that reason.
func (sub *subscription) close(t *testing.T) {
	t.Helper()
	sub.stop()
	select {
	case err := <-sub.done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Subscribe() = %v after the cancellation, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Subscribe() did not return within 5s of the cancellation")
	}
}

// TestGlobalLogSkipsServerEvents interleaves the server's own events (a
// statistics stream, stream metadata, a "$" event type, a stream that is
// not a ledger stream) with ledger events, reading with pages of 2 so that
// page boundaries fall between them.
func TestGlobalLogSkipsServerEvents(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL(), esdb.WithPageSize(2))
	var want []eventstore.EventData
	for i, n := range []int{1, 3, 1, 2} {
		events := newEvents(n)
		mustAppend(t, s, fmt.Sprintf("test-%d", i%2), eventstore.Any, events...)
		want = append(want, events...)
		srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected")
		srv.AppendSystemEvent("$$test-0", "$metadata")
		srv.AppendSystemEvent("test-sys", "$ProjectionCreated")
		srv.AppendSystemEvent("orders", "order.placed")
	}

	all, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatalf("ReadAll() error = %v", err)
	}
	wantIDs(t, "ReadAll(Start)", ids(all), dataIDs(want))
	for i := 1; i < len(all); i++ {
		if !all[i-1].Position.Less(all[i].Position) {
			t.Errorf("event %d at %v follows %v", i, all[i].Position, all[i-1].Position)
		}
	}

	tests := []struct {
		after eventstore.Position
		limit int
		want  []uuid.UUID
	}{
		{after: all[0].Position, limit: 2, want: ids(all[1:3])},
		{after: all[3].Position, limit: 100, want: ids(all[4:])},
		{after: all[len(all)-1].Position, limit: 1, want: nil},
	}
	for _, tt := range tests {
		got, err := s.ReadAll(t.Context(), tt.after, tt.limit)
		if err != nil {
			t.Fatalf("ReadAll(%v, %d) error = %v", tt.after, tt.limit, err)
		}
		wantIDs(t, fmt.Sprintf("ReadAll(%v, %d)", tt.after, tt.limit), ids(got), tt.want)
	}

	head, err := s.Head(t.Context())
	if err != nil {
		t.Fatalf("Head() error = %v", err)
	}
	if last := all[len(all)-1].Position; head != last {
		t.Errorf("Head() = %v, want the last ledger event's %v (server events come after it)", head, last)
	}

	sub := subscribe(t, s, eventstore.Start)
	got := sub.waitFor(t, len(want))
	sub.close(t)
	wantIDs(t, "Subscribe(Start)", ids(got), dataIDs(want))
}

func TestHeadOfAnEmptyLedger(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected")
	s := open(t, srv.URL(), esdb.WithPageSize(1))
	head, err := s.Head(t.Context())
	if err != nil || !head.IsZero() {
		t.Errorf("Head() = %v, %v; want the zero position: the log holds only server events", head, err)
	}
}

func TestWithCategories(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL(), esdb.WithCategories("skp", "evaluation"))
	skp := newEvents(2)
	mustAppend(t, s, "skp-1", eventstore.NoStream, skp...)
	mustAppend(t, s, "indicator-iki.1", eventstore.NoStream, newEvents(1)...)
	evaluation := newEvents(1)
	res := mustAppend(t, s, "evaluation-1", eventstore.NoStream, evaluation...)
	mustAppend(t, s, "skpx-1", eventstore.NoStream, newEvents(1)...)
	want := append(dataIDs(skp), dataIDs(evaluation)...)

	all, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatalf("ReadAll() error = %v", err)
	}
	wantIDs(t, "ReadAll", ids(all), want)
	if head, err := s.Head(t.Context()); err != nil || head != res.Position {
		t.Errorf("Head() = %v, %v; want %v, the last event of the categories", head, err, res.Position)
	}
	sub := subscribe(t, s, eventstore.Start)
	got := sub.waitFor(t, len(want))
	sub.close(t)
	wantIDs(t, "Subscribe", ids(got), want)
	if _, err := s.ReadStream(t.Context(), "indicator-iki.1", eventstore.ReadStreamOptions{}); err != nil {
		t.Errorf("ReadStream of a stream outside the categories error = %v; the categories narrow only the global log", err)
	}
}

func TestReadStreamInPages(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL(), esdb.WithPageSize(2))
	const stream = "test-1"
	mustAppend(t, s, stream, eventstore.NoStream, newEvents(3)...)
	mustAppend(t, s, stream, eventstore.Exact(2), newEvents(2)...)
	tests := []struct {
		opts eventstore.ReadStreamOptions
		want []uint64
	}{
		{opts: eventstore.ReadStreamOptions{}, want: []uint64{0, 1, 2, 3, 4}},
		{opts: eventstore.ReadStreamOptions{From: 1, Limit: 3}, want: []uint64{1, 2, 3}},
		{opts: eventstore.ReadStreamOptions{From: 4, Limit: 2}, want: []uint64{4}},
		{opts: eventstore.ReadStreamOptions{From: 5}, want: nil},
		{opts: eventstore.ReadStreamOptions{From: eventstore.End}, want: nil},
		{opts: eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End}, want: []uint64{4, 3, 2, 1, 0}},
		{opts: eventstore.ReadStreamOptions{Backwards: true, From: 3, Limit: 2}, want: []uint64{3, 2}},
		{opts: eventstore.ReadStreamOptions{Backwards: true, From: 1}, want: []uint64{1, 0}},
		{opts: eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End, Limit: 4}, want: []uint64{4, 3, 2, 1}},
	}
	for _, tt := range tests {
		got, err := s.ReadStream(t.Context(), stream, tt.opts)
		if err != nil {
			t.Fatalf("ReadStream(%+v) error = %v", tt.opts, err)
		}
		var revs []uint64
		for _, e := range got {
			revs = append(revs, e.Revision)
		}
		if fmt.Sprint(revs) != fmt.Sprint(tt.want) {
			t.Errorf("ReadStream(%+v) revisions = %v, want %v", tt.opts, revs, tt.want)
		}
		if i, why := eventstore.VerifyChain(eventstore.Hash{}, got); !tt.opts.Backwards && tt.opts.From == 0 && i >= 0 {
			t.Errorf("VerifyChain() = %d: %s", i, why)
		}
	}
}

// TestBrokenReadFailsTheRead checks that an error in the middle of a read is
// reported, never taken for the end of the stream or of the log.
func TestBrokenReadFailsTheRead(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL())
	mustAppend(t, s, "test-1", eventstore.NoStream, newEvents(4)...)

	srv.FailNextRead(2)
	got, err := s.ReadStream(t.Context(), "test-1", eventstore.ReadStreamOptions{})
	if err == nil || domain.KindOf(err) != domain.Internal {
		t.Errorf("ReadStream() broken after 2 events = %d events, %v; want an internal error", len(got), err)
	}
	srv.FailNextRead(3)
	all, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err == nil || domain.KindOf(err) != domain.Internal {
		t.Errorf("ReadAll() broken after 3 events = %d events, %v; want an internal error", len(all), err)
	}
	if got, err := s.ReadStream(t.Context(), "test-1", eventstore.ReadStreamOptions{}); err != nil || len(got) != 4 {
		t.Errorf("ReadStream() after the breaks = %d events, %v; want all 4", len(got), err)
	}
}

// syncBuffer is a bytes.Buffer for a logger written from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSubscribeResubscribesAfterADrop(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	var logs syncBuffer
	s := open(t, srv.URL(),
		esdb.WithResubscribe(5*time.Millisecond, 20*time.Millisecond, 5),
		esdb.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	var want []eventstore.EventData
	add := func(stream string, n int) {
		events := newEvents(n)
		mustAppend(t, s, stream, eventstore.Any, events...)
		want = append(want, events...)
	}
	add("test-1", 2)
	sub := subscribe(t, s, eventstore.Start)
	sub.waitFor(t, len(want))

	for round := range 3 {
		srv.DropSubscriptions()
		add(fmt.Sprintf("test-%d", round), 2)
		add("test-x", 1)
		sub.waitFor(t, len(want))
	}
	sub.waitFor(t, len(want))
	time.Sleep(20 * time.Millisecond) // room for a duplicate to show up
	sub.close(t)
	sub.mu.Lock()
	got := sub.got
	sub.mu.Unlock()
	wantIDs(t, "events across 3 drops", ids(got), dataIDs(want))
	if n := strings.Count(logs.String(), "resubscribing"); n != 3 {
		t.Errorf("logged %d resubscriptions, want 3:\n%s", n, logs.String())
	}
}

func TestSubscribeGivesUpWhenTheServerIsGone(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL()+"&maxDiscoverAttempts=2", esdb.WithResubscribe(time.Millisecond, 5*time.Millisecond, 3))
	mustAppend(t, s, "test-1", eventstore.NoStream, newEvents(1)...)
	sub := subscribe(t, s, eventstore.Start)
	sub.waitFor(t, 1)
	srv.Stop()
	select {
	case err := <-sub.done:
		if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "times in a row") {
			t.Errorf("Subscribe() = %v, want it to give up after 3 resubscriptions", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Subscribe() kept trying for 20s against a stopped server")
	}
}

func TestSubscribeReturnsTheHandlersError(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL())
	mustAppend(t, s, "test-1", eventstore.NoStream, newEvents(3)...)
	errStop := errors.New("projection failed")
	calls := 0
	err := s.Subscribe(t.Context(), eventstore.Start, func(eventstore.RecordedEvent) error {
		calls++
		if calls == 2 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) || calls != 2 {
		t.Errorf("Subscribe() = %v after %d calls, want %v after 2", err, calls, errStop)
	}
}

func TestAppendTooLarge(t *testing.T) {
	t.Parallel()
	big := newEvents(3)
	big[2].Data = json.RawMessage(`"` + strings.Repeat("x", 400) + `"`)
	tests := []struct {
		name         string
		serverLimit  int
		adapterLimit int
		wantAppends  int
	}{
		{name: "refused before sending", serverLimit: esdbtest.DefaultMaxAppendSize, adapterLimit: 500, wantAppends: 0},
		{name: "refused by the server", serverLimit: 500, adapterLimit: esdbtest.DefaultMaxAppendSize, wantAppends: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := esdbtest.Start(t)
			srv.SetMaxAppendSize(tt.serverLimit)
			s := open(t, srv.URL(), esdb.WithMaxAppendSize(tt.adapterLimit))
			before := srv.Appends()

			_, err := s.Append(t.Context(), "test-1", eventstore.NoStream, big...)

			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != "events" || de.Rule != "max-append-size" || !errors.Is(err, eventstore.ErrInvalidArgument) {
				t.Fatalf("Append() error = %#v, want Invalid naming events and max-append-size", err)
			}
			if n := srv.Appends() - before; n != tt.wantAppends {
				t.Errorf("the store sent %d appends, want %d", n, tt.wantAppends)
			}
			if _, err := s.ReadStream(t.Context(), "test-1", eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Errorf("ReadStream() after the refusal error = %v, want ErrStreamNotFound", err)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := lis.Addr().String()
	lis.Close()
	tests := []struct {
		name string
		url  string
		opts []esdb.Option
	}{
		{name: "wrong scheme", url: "http://127.0.0.1:2113"},
		{name: "bad port", url: "esdb://127.0.0.1:port?tls=false"},
		{name: "nobody listening", url: "esdb://admin:secret@" + closed + "?tls=false&maxDiscoverAttempts=1&discoveryInterval=1"},
		{name: "system stream prefix", url: srv.URL(), opts: []esdb.Option{esdb.WithStreamPrefix("$ledger")}},
		{name: "bad category", url: srv.URL(), opts: []esdb.Option{esdb.WithCategories("SKP")}},
		{name: "no page", url: srv.URL(), opts: []esdb.Option{esdb.WithPageSize(0)}},
		{name: "no backoff", url: srv.URL(), opts: []esdb.Option{esdb.WithResubscribe(0, time.Second, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := esdb.Open(t.Context(), tt.url, tt.opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tt.url)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("Open() error shows the password: %v", err)
			}
		})
	}
}

// TestStreamPrefixIsolates checks that two stores under different prefixes
// share a database without seeing each other's events.
func TestStreamPrefixIsolates(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	a := open(t, srv.URL(), esdb.WithStreamPrefix("a_"))
	b := open(t, srv.URL(), esdb.WithStreamPrefix("b_"))
	ea, eb := newEvents(2), newEvents(1)
	mustAppend(t, a, "test-1", eventstore.NoStream, ea...)
	mustAppend(t, b, "test-1", eventstore.NoStream, eb...)
	for _, tt := range []struct {
		s    *esdb.Store
		want []eventstore.EventData
	}{{a, ea}, {b, eb}} {
		all, err := tt.s.ReadAll(t.Context(), eventstore.Start, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "ReadAll", ids(all), dataIDs(tt.want))
		got, err := tt.s.ReadStream(t.Context(), "test-1", eventstore.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "ReadStream", ids(got), dataIDs(tt.want))
		if got[0].Stream != "test-1" {
			t.Errorf("event stream = %q, want test-1 without the prefix", got[0].Stream)
		}
	}
}

// BenchmarkAppend appends single events to one stream with exact
// expectations, as a command does, through the client to the double. It
// reports the requests each append makes of the server.
func BenchmarkAppend(b *testing.B) {
	srv := esdbtest.Start(b)
	s, err := esdb.Open(b.Context(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	expected := eventstore.NoStream
	appends, reads := srv.Appends(), srv.Reads()
	for b.Loop() {
		res, err := s.Append(b.Context(), "bench-1", expected, newEvents(1)...)
		if err != nil {
			b.Fatal(err)
		}
		expected = eventstore.Exact(res.Revision)
	}
	b.ReportMetric(float64(srv.Appends()-appends)/float64(b.N), "appends/op")
	b.ReportMetric(float64(srv.Reads()-reads)/float64(b.N), "reads/op")
}

// TestTwoStoresShareAStream appends to one stream from two stores, as two
// API replicas do, so that each store's remembered last event goes stale:
// the stale expectation must be a conflict and the chain must stay intact.
func TestTwoStoresShareAStream(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	a, b := open(t, srv.URL()), open(t, srv.URL())
	const stream = "test-1"
	mustAppend(t, a, stream, eventstore.NoStream, newEvents(1)...)
	mustAppend(t, b, stream, eventstore.Exact(0), newEvents(2)...)

	_, err := a.Append(t.Context(), stream, eventstore.Exact(0), newEvents(1)...)
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.Conflict || !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Fatalf("Append(Exact(0)) on a stream at revision 2 error = %v, want a conflict", err)
	}
	if !strings.Contains(de.Message, "revision 2") {
		t.Errorf("the conflict %q does not name the actual revision 2", de.Message)
	}
	mustAppend(t, a, stream, eventstore.Exact(2), newEvents(1)...)
	mustAppend(t, b, stream, eventstore.Exact(3), newEvents(1)...)
	mustAppend(t, a, stream, eventstore.Any, newEvents(1)...)

	got, err := b.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("the stream holds %d events, want 6", len(got))
	}
	if i, why := eventstore.VerifyChain(eventstore.Hash{}, got); i >= 0 {
		t.Errorf("VerifyChain() breaks at event %d: %s", i, why)
	}
}

// TestStoreRidesOutARestart stops the server while a subscription runs and
// brings it back: the subscription resumes without losing or repeating an
// event, and the store works again without being reopened.
func TestStoreRidesOutARestart(t *testing.T) {
	t.Parallel()
	srv := esdbtest.Start(t)
	s := open(t, srv.URL(), esdb.WithResubscribe(10*time.Millisecond, 50*time.Millisecond, 100))
	want := newEvents(2)
	mustAppend(t, s, "test-1", eventstore.NoStream, want...)
	sub := subscribe(t, s, eventstore.Start)
	sub.waitFor(t, len(want))

	srv.Stop()
	time.Sleep(1500 * time.Millisecond) // longer than the client's default 10 discovery attempts take
	srv.Restart(t)

	more := newEvents(1)
	mustAppend(t, s, "test-1", eventstore.Exact(1), more...)
	want = append(want, more...)
	sub.waitFor(t, len(want))
	time.Sleep(20 * time.Millisecond) // room for a duplicate to show up
	sub.close(t)
	sub.mu.Lock()
	got := sub.got
	sub.mu.Unlock()
	wantIDs(t, "events across the restart", ids(got), dataIDs(want))
}
