package bolt_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/eventstore/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "ledger.db"))
	})
}

// open opens the store at path and closes it when the test ends.
func open(t *testing.T, path string, opts ...bolt.Option) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open(%s) error = %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return s
}

func events(n int, stream string) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:       eventstore.DeriveEventID(cmd, i),
			Type:     "test.happened",
			Data:     json.RawMessage(fmt.Sprintf(`{"stream":%q,"i":%d}`, stream, i)),
			Metadata: eventstore.Metadata{Actor: eventstore.Actor{ID: "199001012020121001", Role: "employee"}, CommandID: cmd, SchemaVersion: 1},
		}
	}
	return out
}

func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var all []eventstore.RecordedEvent
	for {
		after := eventstore.Start
		if len(all) > 0 {
			after = all[len(all)-1].Position
		}
		page, err := s.ReadAll(t.Context(), after, 0)
		if err != nil {
			t.Fatalf("ReadAll(%v) error = %v", after, err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
	}
}

// verifyLog checks that all is dense from position 1, every stream's chain
// verifies, and the stored Merkle tree matches the events.
func verifyLog(t *testing.T, s *bolt.Store, all []eventstore.RecordedEvent) {
	t.Helper()
	prev := map[string]*eventstore.RecordedEvent{}
	leaves := make([]tlog.Hash, len(all))
	for i := range all {
		e := &all[i]
		if e.Position.Commit != uint64(i+1) || e.Position.Prepare != uint64(i+1) {
			t.Fatalf("event %d at position %v: the log is not dense", i, e.Position)
		}
		var h eventstore.Hash
		if p := prev[e.Stream]; p != nil {
			h = p.Hash
			if e.Revision != p.Revision+1 {
				t.Fatalf("%s@%d follows revision %d", e.Stream, e.Revision, p.Revision)
			}
		} else if e.Revision != 0 {
			t.Fatalf("%s starts at revision %d", e.Stream, e.Revision)
		}
		if j, why := eventstore.VerifyChain(h, all[i:i+1]); j >= 0 {
			t.Fatalf("chain breaks at position %d: %s", i+1, why)
		}
		prev[e.Stream] = e
		leaves[i] = eventstore.LeafHash(e)
	}
	if len(all) == 0 {
		return
	}
	n := int64(len(all))
	stored := tlog.HashReaderFunc(func(x []int64) ([]tlog.Hash, error) { return s.ReadHashes(t.Context(), x) })
	root, err := tlog.TreeHash(n, stored)
	if err != nil {
		t.Fatalf("TreeHash(%d) error = %v", n, err)
	}
	for _, leaf := range []int64{0, n / 2, n - 1} {
		proof, err := tlog.ProveRecord(n, leaf, stored)
		if err != nil {
			t.Fatalf("ProveRecord(%d, %d) error = %v", n, leaf, err)
		}
		if err := tlog.CheckRecord(proof, n, root, leaf, leaves[leaf]); err != nil {
			t.Errorf("CheckRecord(leaf %d of %d) error = %v", leaf, n, err)
		}
	}
}

func TestReopenAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "ledger.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	a, b := "skp-"+uuid.NewString(), "evaluation-"+uuid.NewString()
	for i := range 5 {
		if _, err := s.Append(t.Context(), a, eventstore.Any, events(i+1, a)...); err != nil {
			t.Fatalf("Append() error = %v", err)
		}
		if _, err := s.Append(t.Context(), b, eventstore.Any, events(2, b)...); err != nil {
			t.Fatalf("Append() error = %v", err)
		}
	}
	before := readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if _, err := s.Append(t.Context(), a, eventstore.Any, events(1, a)...); !errors.Is(err, bolt.ErrClosed) {
		t.Errorf("Append() after Close error = %v, want ErrClosed", err)
	}
	if _, err := s.ReadAll(t.Context(), eventstore.Start, 0); !errors.Is(err, bolt.ErrClosed) {
		t.Errorf("ReadAll() after Close error = %v, want ErrClosed", err)
	}

	s = open(t, path)
	after := readAll(t, s)
	if len(after) != len(before) || len(after) != 25 {
		t.Fatalf("after reopening the log holds %d events, before %d, want 25", len(after), len(before))
	}
	for i := range after {
		if fmt.Sprint(after[i]) != fmt.Sprint(before[i]) {
			t.Errorf("event %d after reopening = %+v, before %+v", i, after[i], before[i])
		}
	}
	verifyLog(t, s, after)
	res, err := s.Append(t.Context(), a, eventstore.Exact(14), events(1, a)...)
	if err != nil {
		t.Fatalf("Append(Exact(14)) after reopening error = %v", err)
	}
	if want := (eventstore.AppendResult{Revision: 15, Position: eventstore.Position{Commit: 26, Prepare: 26}}); res != want {
		t.Errorf("Append() after reopening = %+v, want %+v", res, want)
	}
	verifyLog(t, s, readAll(t, s))
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 1, 2, 10, 30, 0, 123456789, time.FixedZone("WIB", 7*3600))
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"), bolt.WithClock(func() time.Time { return at }))
	stream := "skp-" + uuid.NewString()
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, events(2, stream)...); err != nil {
		t.Fatalf("Append() error = %v", err)
	}
	got, err := s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatalf("ReadStream() error = %v", err)
	}
	want := time.Date(2026, 1, 2, 3, 30, 0, 123456000, time.UTC)
	for _, e := range got {
		if e.RecordedAt != want {
			t.Errorf("RecordedAt = %v, want %v", e.RecordedAt, want)
		}
	}
}

func TestSecondOpenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	open(t, path)
	s, err := bolt.Open(path, bolt.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		s.Close()
		t.Fatal("a second Open of the same file succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second Open() error = %v, want it to say the file is in use", err)
	}
}

func TestReadHashesBeyondTree(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	stream := "skp-" + uuid.NewString()
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, events(3, stream)...); err != nil {
		t.Fatalf("Append() error = %v", err)
	}
	n := tlog.StoredHashCount(3)
	if _, err := s.ReadHashes(t.Context(), []int64{n - 1}); err != nil {
		t.Errorf("ReadHashes(%d) error = %v, want the last stored hash", n-1, err)
	}
	for _, x := range []int64{n, -1} {
		if _, err := s.ReadHashes(t.Context(), []int64{x}); err == nil {
			t.Errorf("ReadHashes(%d) of a tree of 3 leaves succeeded, want an error", x)
		}
	}
}

// The crash test re-executes the test binary as a child that appends until
// it is killed. These name the child's environment and its output.
const (
	envCrashChild = "KINERJA_BOLT_CRASH_CHILD"
	ackPrefix     = "ack "
)

// TestKillNine kills a process that is appending (SIGKILL, no chance to
// close) and checks that every append it acknowledged survives, and that the
// log, the chains and the Merkle tree are intact.
func TestKillNine(t *testing.T) {
	if path := os.Getenv(envCrashChild); path != "" {
		crashChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKillNine$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashChild+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the child: %v", err)
	}
	type ack struct {
		id       uuid.UUID
		stream   string
		revision uint64
		position uint64
	}
	var (
		acks   []ack
		other  []string // anything else the child printed, such as its failures
		killed bool
	)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), ackPrefix)
		if !ok {
			other = append(other, sc.Text())
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("child printed %q", sc.Text())
		}
		id, err1 := uuid.Parse(f[0])
		rev, err2 := strconv.ParseUint(f[2], 10, 64)
		pos, err3 := strconv.ParseUint(f[3], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("child printed %q: %v", sc.Text(), err)
		}
		acks = append(acks, ack{id, f[1], rev, pos})
		// Kill while appends are in flight, after enough to span many groups.
		if len(acks) == 400 && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill the child: %v", err)
			}
			killed = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read the child's output: %v", err)
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped after %d acknowledged events (%v) before it was killed:\n%s", len(acks), err, strings.Join(other, "\n"))
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child exit = %v, want killed by SIGKILL", err)
	}

	s := open(t, path)
	all := readAll(t, s)
	verifyLog(t, s, all)
	for _, a := range acks {
		if a.position == 0 || a.position > uint64(len(all)) {
			t.Fatalf("acknowledged event %s at position %d is missing; the log holds %d events", a.id, a.position, len(all))
		}
		e := all[a.position-1]
		if e.ID != a.id || e.Stream != a.stream || e.Revision != a.revision {
			t.Fatalf("position %d holds %s %s@%d, but %s %s@%d was acknowledged there", a.position, e.ID, e.Stream, e.Revision, a.id, a.stream, a.revision)
		}
	}
	t.Logf("%d events acknowledged before SIGKILL, %d in the log after reopening", len(acks), len(all))
}

// crashChild appends from 8 goroutines until it is killed, printing a line
// per acknowledged event. It stops by itself after 30 seconds so that a
// broken parent cannot leave it running.
func crashChild(t *testing.T, path string) {
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			stream := fmt.Sprintf("crash-%d", g)
			expected := eventstore.NoStream
			for i := 0; ctx.Err() == nil; i++ {
				batch := events(1+i%3, stream)
				res, err := s.Append(ctx, stream, expected, batch...)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("Append(%s) error = %v", stream, err)
					}
					return
				}
				expected = eventstore.Exact(res.Revision)
				mu.Lock()
				for j, e := range batch {
					d := uint64(len(batch) - 1 - j)
					fmt.Fprintf(w, "%s%s %s %d %d\n", ackPrefix, e.ID, stream, res.Revision-d, res.Position.Commit-d)
				}
				err = w.Flush()
				mu.Unlock()
				if err != nil {
					t.Errorf("write ack: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("Close() error = %v", err)
	}
}

// TestEventIDsAreUniqueInTheLedger checks what the conformance suite leaves
// to the backend: ids stored in one stream cannot be appended to another.
func TestEventIDsAreUniqueInTheLedger(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	a, b := "skp-"+uuid.NewString(), "skp-"+uuid.NewString()
	batch := events(2, a)
	if _, err := s.Append(t.Context(), a, eventstore.NoStream, batch...); err != nil {
		t.Fatalf("Append(%s) error = %v", a, err)
	}
	before, err := s.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Append(t.Context(), b, eventstore.NoStream, batch...)
	var de *domain.Error
	if !errors.Is(err, eventstore.ErrInvalidArgument) || !errors.As(err, &de) || de.Kind != domain.Invalid || de.Field != "events[0].id" {
		t.Errorf("Append(%s) of ids stored in %s: error = %v, want Invalid naming events[0].id", b, a, err)
	}
	if head, err := s.Head(t.Context()); err != nil || head != before {
		t.Errorf("Head() = %v, %v after the rejected append, want %v", head, err, before)
	}
	if _, err := s.ReadStream(t.Context(), b, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("ReadStream(%s) error = %v, want ErrStreamNotFound", b, err)
	}
}

// TestSubscribeReturnsAfterClose: a subscriber waiting for new events is
// woken by Close and returns instead of waiting forever.
func TestSubscribeReturnsAfterClose(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(t.Context(), eventstore.Start, func(eventstore.RecordedEvent) error { return nil })
	}()
	time.Sleep(50 * time.Millisecond) // let it drain the empty log and wait
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, bolt.ErrClosed) {
			t.Errorf("Subscribe returned %v after Close, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Subscribe still waits 5 s after Close")
	}
}

// TestLendAll checks that the lending reader reads what ReadAll reads, page
// by page, and that a lent body cannot be appended to in place (the file's
// memory is read-only).
func TestLendAll(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	for i := range 3 {
		stream := "skp-" + uuid.NewString()
		if _, err := s.Append(t.Context(), stream, eventstore.NoStream, events(2+i, stream)...); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.ReadAll(t.Context(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 9 {
		t.Fatalf("ReadAll read %d events, want 9", len(want))
	}
	var got []eventstore.RecordedEvent
	err = s.LendAll(t.Context(), func(read eventstore.Reader) error {
		after := eventstore.Start
		for {
			page, err := read(t.Context(), after, 4)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, e := range page {
				if cap(e.Data) != len(e.Data) {
					t.Errorf("event %s: lent Data has room to append in place (cap %d, len %d)", e.Position, cap(e.Data), len(e.Data))
				}
				e.Data = append([]byte(nil), e.Data...) // the loan ends with LendAll
				got = append(got, e)
			}
			after = page[len(page)-1].Position
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LendAll read\n%+v\nReadAll\n%+v", got, want)
	}
	if err := s.LendAll(t.Context(), func(eventstore.Reader) error { return errStop }); !errors.Is(err, errStop) {
		t.Errorf("LendAll with a failing fn = %v, want its error", err)
	}
}

var errStop = errors.New("stop")
