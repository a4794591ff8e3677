// Package esdbtest is a test double of EventStoreDB: an in-process gRPC server
// built from the client's own generated service definitions
// (github.com/EventStore/EventStore-Client-Go/v4/protos/streams) that serves
// the part of the Streams service package esdb uses: Append, and Read of a
// stream, of $all and as a catch-up subscription to $all.
//
// It keeps to the protocol as the server documents it: 0-based stream
// revisions; optimistic concurrency with wrong-expected-version details
// (current and expected revision); idempotent appends by event id anchored at
// the expected revision; $all positions as commit/prepare pairs that are byte
// offsets in a transaction log (increasing, not dense; for these single-shot
// appends commit equals prepare); stream-not-found as a read message;
// subscriptions that confirm, catch up, report caught-up and then go live,
// with stream and event-type filters and filter checkpoints; and a maximum
// append size. The log starts with system events, as a real database's does.
//
// It keeps everything in memory and is for tests only. It serves no
// gossip and no server-features service, so the client connects to it as a
// single node: use URL, which disables TLS.
package esdbtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// DefaultMaxAppendSize is EventStoreDB's default MaxAppendSize: the most bytes
// of proposed messages one append may carry.
const DefaultMaxAppendSize = 1 << 20

// recordOverhead stands in for the bytes a prepare record takes in the
// transaction log beyond its data, so that positions advance like offsets.
const recordOverhead = 96

// Server is the test double. Its methods are safe for concurrent use.
type Server struct {
	api.UnimplementedStreamsServer

	addr string

	mu            sync.Mutex
	srv           *grpc.Server
	maxAppendSize int
	log           []*record        // $all in commit order
	streams       map[string][]int // stream name → indexes into log, by revision
	next          uint64           // log position of the next record
	changed       chan struct{}    // closed and replaced at every commit
	dropped       chan struct{}    // closed and replaced by DropSubscriptions
	appends       int
	reads         int
	failRead      int // when >= 0, the next read sends this many events and then fails
}

type record struct {
	id       uuid.UUID
	stream   string
	revision uint64
	position uint64
	metadata map[string]string // type, content-type, created
	custom   []byte
	data     []byte
}

// Start starts a double on a loopback port and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("esdbtest: listen: %v", err)
	}
	s := &Server{
		addr:          lis.Addr().String(),
		maxAppendSize: DefaultMaxAppendSize,
		streams:       make(map[string][]int),
		changed:       make(chan struct{}),
		dropped:       make(chan struct{}),
		next:          256, // position 0 holds the epoch record, which is not an event
		failRead:      -1,
	}
	s.AppendSystemEvent("$settings", "$settings")
	s.AppendSystemEvent("$stats-"+s.addr, "$statsCollected")
	s.serve(t, lis)
	return s
}

// serve serves on lis until Stop or the end of t.
func (s *Server) serve(t testing.TB, lis net.Listener) {
	srv := grpc.NewServer(grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
		MinTime:             time.Second, // the client pings every 10 s
		PermitWithoutStream: true,
	}))
	api.RegisterStreamsServer(srv, s)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	t.Cleanup(func() {
		srv.Stop()
		// ErrServerStopped: stopped before Serve got going, which is fine.
		if err := <-done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("esdbtest: serve: %v", err)
		}
	})
}

// Stop stops serving at once, as a crashed node does: calls in flight fail
// and new ones find no server.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	srv.Stop()
}

// Restart serves the same data on the same address again after Stop, as a
// node that comes back does.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("esdbtest: listen again on %s: %v", s.addr, err)
	}
	s.serve(t, lis)
}

// FailNextRead makes the next read of a stream or of $all send the given
// number of events and then fail with an Internal status, as a read that
// breaks off half way does.
func (s *Server) FailNextRead(events int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRead = events
}

// URL is the connection string of the double for the real client.
func (s *Server) URL() string { return "esdb://" + s.addr + "?tls=false" }

// SetMaxAppendSize sets the append size limit the double enforces, in bytes
// of encoded proposed messages; the default is DefaultMaxAppendSize.
func (s *Server) SetMaxAppendSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAppendSize = n
}

// Appends reports how many append requests the double has served, written or
// not.
func (s *Server) Appends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appends
}

// Reads reports how many read requests (subscriptions included) the double
// has served.
func (s *Server) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// AppendSystemEvent writes an event of type eventType to stream (a system
// stream, by convention one starting with "$"), as the server does with
// statistics and settings.
func (s *Server) AppendSystemEvent(stream, eventType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rev := uint64(len(s.streams[stream]))
	s.write(stream, rev, []proposed{{
		id:       uuid.New(),
		metadata: map[string]string{"type": eventType, "content-type": "application/json"},
		data:     []byte(`{}`),
	}})
}

// DropSubscriptions ends every live subscription with an Unavailable status,
// as a node restart or a leader change does.
func (s *Server) DropSubscriptions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.dropped)
	s.dropped = make(chan struct{})
}

type proposed struct {
	id       uuid.UUID
	metadata map[string]string
	custom   []byte
	data     []byte
}

// write appends events to stream at revisions from first on. s.mu is held.
func (s *Server) write(stream string, first uint64, events []proposed) {
	created := strconv.FormatInt(time.Now().UnixNano()/100, 10) // .NET ticks since the Unix epoch
	for i, e := range events {
		md := map[string]string{"created": created}
		for k, v := range e.metadata {
			md[k] = v
		}
		r := &record{
			id:       e.id,
			stream:   stream,
			revision: first + uint64(i),
			position: s.next,
			metadata: md,
			custom:   e.custom,
			data:     e.data,
		}
		s.next += uint64(recordOverhead + len(stream) + len(e.data) + len(e.custom) + len(md["type"]))
		s.streams[stream] = append(s.streams[stream], len(s.log))
		s.log = append(s.log, r)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// Append implements the Streams service's Append.
func (s *Server) Append(stream api.Streams_AppendServer) error {
	head, err := stream.Recv()
	if err != nil {
		return err
	}
	opts := head.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	if name == "" {
		return status.Error(codes.InvalidArgument, "the append names no stream")
	}
	s.mu.Lock()
	limit := s.maxAppendSize
	s.appends++
	s.mu.Unlock()
	var events []proposed
	size := 0
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		pm := req.GetProposedMessage()
		if pm == nil {
			return status.Error(codes.InvalidArgument, "an append message after the options must be a proposed message")
		}
		size += proto.Size(pm)
		id, err := parseUUID(pm.GetId())
		if err != nil {
			return status.Errorf(codes.InvalidArgument, "event %d: %v", len(events), err)
		}
		md := pm.GetMetadata()
		if md["type"] == "" || md["content-type"] == "" {
			return status.Errorf(codes.InvalidArgument, "event %d lacks the type or content-type metadata", len(events))
		}
		events = append(events, proposed{id: id, metadata: md, custom: pm.GetCustomMetadata(), data: pm.GetData()})
	}
	// The server checks the size as the messages arrive and may end the call
	// while the client is still sending, and the client then reports only
	// EOF from its send. The double checks once the append is complete, so
	// that the client sees the status.
	if size > limit {
		stream.SetTrailer(metadata.Pairs("exception", "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(limit)))
		return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", limit)
	}

	s.mu.Lock()
	resp := s.appendLocked(name, opts, events)
	s.mu.Unlock()
	return stream.SendAndClose(resp)
}

// appendLocked decides an append as the server documents it: an exact or
// no-stream expectation that is met writes; one that is ahead of the stream
// is wrong; one that is behind compares the batch's event ids with the events
// after the expected revision, and succeeds without writing when they all
// match (idempotent retry). Any and stream-exists look the ids up in the
// stream. A batch that matches only in part is a wrong expected version.
func (s *Server) appendLocked(name string, opts *api.AppendReq_Options, events []proposed) *api.AppendResp {
	revs := s.streams[name]
	current := int64(len(revs)) - 1 // -1: no stream
	written := func() *api.AppendResp {
		if len(events) == 0 {
			return s.success(name, current, false)
		}
		s.write(name, uint64(current+1), events)
		return s.success(name, current+int64(len(events)), true)
	}
	// replayedFrom reports whether the batch is stored at revisions from first on.
	replayedFrom := func(first int64) bool {
		if first < 0 || first+int64(len(events)) > int64(len(revs)) || len(events) == 0 {
			return false
		}
		for i, e := range events {
			if s.log[revs[first+int64(i)]].id != e.id {
				return false
			}
		}
		return true
	}
	idempotentFrom := func(first int64) *api.AppendResp {
		if replayedFrom(first) {
			return s.success(name, first+int64(len(events))-1, false)
		}
		return wrongExpectedVersion(opts, current)
	}
	// lookUp handles Any and StreamExists: the batch is a retry if its first
	// id is in the stream, a fresh write if none of its ids is.
	lookUp := func() *api.AppendResp {
		for _, e := range events {
			for rev, i := range revs {
				if s.log[i].id == e.id {
					if e.id == events[0].id {
						return idempotentFrom(int64(rev))
					}
					return wrongExpectedVersion(opts, current)
				}
			}
		}
		return written()
	}

	switch x := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		switch r := int64(x.Revision); {
		case r == current:
			return written()
		case r > current:
			return wrongExpectedVersion(opts, current)
		default:
			return idempotentFrom(r + 1)
		}
	case *api.AppendReq_Options_NoStream:
		if current == -1 {
			return written()
		}
		return idempotentFrom(0)
	case *api.AppendReq_Options_StreamExists:
		if current == -1 {
			return wrongExpectedVersion(opts, current)
		}
		return lookUp()
	default: // Any, which is also what an unset expectation means on the wire
		return lookUp()
	}
}

// success reports the stream's last revision. A write that stored nothing
// (an idempotent retry) reports no position, as the protocol allows.
func (s *Server) success(name string, last int64, wrote bool) *api.AppendResp {
	ok := &api.AppendResp_Success{}
	if last < 0 {
		ok.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(last)}
	}
	if wrote {
		r := s.log[s.streams[name][last]]
		ok.PositionOption = &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: r.position, PreparePosition: r.position,
		}}
	} else {
		ok.PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: ok}}
}

func wrongExpectedVersion(opts *api.AppendReq_Options, current int64) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	switch x := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: x.Revision}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: x.Revision}
	case *api.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case *api.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Read implements the Streams service's Read: a read of one stream, a read of
// $all, or a subscription to $all.
func (s *Server) Read(req *api.ReadReq, stream api.Streams_ReadServer) error {
	opts := req.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the read carries no options")
	}
	f, err := newFilter(opts.GetFilter())
	if err != nil {
		return err
	}
	asString := opts.GetUuidOption().GetString_() != nil
	failAfter := -1
	s.mu.Lock()
	s.reads++
	if opts.GetSubscription() == nil {
		failAfter, s.failRead = s.failRead, -1
	}
	s.mu.Unlock()
	send := func(rs []*record) error {
		for i, r := range rs {
			if i == failAfter {
				return status.Error(codes.Internal, "read broken off by the test double")
			}
			if err := stream.Send(eventResp(r, asString)); err != nil {
				return err
			}
		}
		if failAfter >= len(rs) {
			return status.Error(codes.Internal, "read broken off by the test double")
		}
		return nil
	}
	backwards := opts.GetReadDirection() == api.ReadReq_Options_Backwards
	if opts.GetSubscription() != nil {
		all := opts.GetAll()
		if all == nil || backwards {
			return status.Error(codes.Unimplemented, "the test double serves forward subscriptions to $all only")
		}
		return s.subscribe(stream, all, f, asString)
	}
	count := opts.GetCount()
	switch {
	case opts.GetStream() != nil:
		name := string(opts.GetStream().GetStreamIdentifier().GetStreamName())
		rs, found := s.readStream(name, opts.GetStream(), backwards, count)
		if !found {
			return stream.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
			}}})
		}
		return send(rs)
	case opts.GetAll() != nil:
		return send(s.readAll(opts.GetAll(), backwards, count, f))
	}
	return status.Error(codes.InvalidArgument, "the read names neither a stream nor $all")
}

func (s *Server) readStream(name string, o *api.ReadReq_Options_StreamOptions, backwards bool, count uint64) ([]*record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	revs, ok := s.streams[name]
	if !ok {
		return nil, false
	}
	last := int64(len(revs)) - 1
	var from int64
	switch x := o.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = int64(min(x.Revision, uint64(last+1)))
		if backwards && from > last {
			from = last
		}
	case *api.ReadReq_Options_StreamOptions_End:
		from = last + 1
		if backwards {
			from = last
		}
	}
	var out []*record
	for i := from; i >= 0 && i <= last && uint64(len(out)) < count; i += int64(step(backwards)) {
		out = append(out, s.log[revs[i]])
	}
	return out, true
}

// readAll reads $all. Forwards from a position includes the event at it;
// backwards from a position starts before it.
func (s *Server) readAll(o *api.ReadReq_Options_AllOptions, backwards bool, count uint64, f filter) []*record {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	switch x := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		i = s.firstAtOrAfter(x.Position.GetCommitPosition())
		if backwards {
			i--
		}
	case *api.ReadReq_Options_AllOptions_End:
		i = len(s.log)
		if backwards {
			i--
		}
	case *api.ReadReq_Options_AllOptions_Start:
		if backwards {
			i = -1
		}
	}
	var out []*record
	for ; uint64(len(out)) < count && i >= 0 && i < len(s.log); i += step(backwards) {
		if f.match(s.log[i]) {
			out = append(out, s.log[i])
		}
	}
	return out
}

func step(backwards bool) int {
	if backwards {
		return -1
	}
	return 1
}

// firstAtOrAfter returns the index of the first record at or after position
// p. s.mu is held.
func (s *Server) firstAtOrAfter(p uint64) int {
	lo, hi := 0, len(s.log)
	for lo < hi {
		m := (lo + hi) / 2
		if s.log[m].position < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// subscribe serves a catch-up subscription to $all: a confirmation, the
// events after the start position (exclusive, as the documentation says:
// "starting with the first event after the position"), a caught-up message,
// then each new event as it is committed. With a filter it sends a checkpoint
// every window × multiplier records searched.
func (s *Server) subscribe(stream api.Streams_ReadServer, o *api.ReadReq_Options_AllOptions, f filter, asString bool) error {
	if err := stream.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	s.mu.Lock()
	next := 0
	switch x := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		next = s.firstAtOrAfter(x.Position.GetCommitPosition())
		if next < len(s.log) && s.log[next].position == x.Position.GetCommitPosition() {
			next++
		}
	case *api.ReadReq_Options_AllOptions_End:
		next = len(s.log)
	}
	dropped := s.dropped
	s.mu.Unlock()

	ctx := stream.Context()
	caughtUp := false
	searched := uint32(0)
	for {
		s.mu.Lock()
		batch := append([]*record(nil), s.log[next:min(next+32, len(s.log))]...)
		next += len(batch)
		changed := s.changed
		s.mu.Unlock()
		for _, r := range batch {
			if f.match(r) {
				if err := stream.Send(eventResp(r, asString)); err != nil {
					return err
				}
			}
			if f.on {
				searched++
				if searched >= f.checkpointEvery {
					searched = 0
					if err := stream.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
						CommitPosition: r.position, PreparePosition: r.position,
					}}}); err != nil {
						return err
					}
				}
			}
		}
		if len(batch) > 0 {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if err := stream.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-dropped:
			return status.Error(codes.Unavailable, "subscription dropped by the test double")
		case <-changed:
		}
	}
}

// filter is a server-side filter on stream names or event types.
type filter struct {
	on              bool
	byType          bool
	prefixes        []string
	re              *regexp.Regexp
	checkpointEvery uint32
}

func newFilter(o *api.ReadReq_Options_FilterOptions) (filter, error) {
	if o == nil {
		return filter{}, nil
	}
	f := filter{on: true}
	expr := o.GetStreamIdentifier()
	if expr == nil {
		expr, f.byType = o.GetEventType(), true
	}
	if expr == nil {
		return filter{}, status.Error(codes.InvalidArgument, "the filter has no expression")
	}
	f.prefixes = expr.GetPrefix()
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return filter{}, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.re = re
	}
	window := o.GetMax()
	if window == 0 {
		window = 32
	}
	f.checkpointEvery = window * max(o.GetCheckpointIntervalMultiplier(), 1)
	return f, nil
}

func (f filter) match(r *record) bool {
	if !f.on {
		return true
	}
	subject := r.stream
	if f.byType {
		subject = r.metadata["type"]
	}
	if f.re != nil && f.re.MatchString(subject) {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

func eventResp(r *record, asString bool) *api.ReadResp {
	id := &shared.UUID{}
	if asString {
		id.Value = &shared.UUID_String_{String_: r.id.String()}
	} else {
		id.Value = &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
			MostSignificantBits:  int64(binary.BigEndian.Uint64(r.id[:8])),
			LeastSignificantBits: int64(binary.BigEndian.Uint64(r.id[8:])),
		}}
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position,
			CommitPosition:   r.position,
			Metadata:         r.metadata,
			CustomMetadata:   r.custom,
			Data:             r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position},
	}}}
}

func parseUUID(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(st.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(st.GetLeastSignificantBits()))
		return id, nil
	}
	if str := u.GetString_(); str != "" {
		return uuid.Parse(str)
	}
	return uuid.Nil, fmt.Errorf("the event has no id")
}
