package projections

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/kinerja/kinerja/eventstore"
)

// Reader reads the global log in pages; eventstore.Store satisfies it.
type Reader interface {
	ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error)
	Head(ctx context.Context) (eventstore.Position, error)
}

// Progress reports how far a replay has got: done and total are positions
// in the backend's units (events, for the embedded and PostgreSQL backends).
// It is called after every page, never twice at once, though not always
// from the caller's goroutine; nil means no reports.
type Progress func(done, total uint64)

// replayPage is the page size of replays: large pages amortise the reads
// and give the parallel decode enough work.
const replayPage = 5000

// Replay folds the events after p's position into p's model, page by page,
// up to and including until (or to the head of the log as it was when the
// replay started, when until is the zero Position), without storing
// anything. It is how a read model is built in memory at start, as of a past
// position, or for a what-if. It fails, leaving the model at the last event
// folded, when a read fails or the fold rejects an event.
func Replay(ctx context.Context, r Reader, p Projection, until eventstore.Position, progress Progress) error {
	return ReplayAll(ctx, r, []Projection{p}, until, progress)
}

// ReplayAll is Replay for several projections at once, which must all be at
// the same position: the log is read once, each event a projection reads is
// decoded once and shared, and the projections fold the pages side by side,
// each in its own goroutine. Reading, decoding and folding overlap: one
// goroutine reads pages, one decoder per processor decodes whole pages, one
// goroutine hands the decoded pages on in log order, and each projection
// folds them in order at its own pace. A few pages in flight bound the
// memory held. Every goroutine ends before ReplayAll returns. The decoders
// read the most frequent bodies with a faster JSON decoder (see quickDecode).
func ReplayAll(ctx context.Context, r Reader, ps []Projection, until eventstore.Position, progress Progress) error {
	if len(ps) == 0 {
		return nil
	}
	after := ps[0].Model().Position()
	for _, p := range ps[1:] {
		if p.Model().Position() != after {
			return fmt.Errorf("replay: %s is at %s and %s at %s; replay them separately",
				ps[0].Name(), after, p.Name(), p.Model().Position())
		}
	}
	if until.IsZero() {
		head, err := r.Head(ctx)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if head.IsZero() {
			return nil
		}
		until = head
	}
	decoders := runtime.GOMAXPROCS(0)
	ahead := decoders + 2
	work := make(chan *pageJob, ahead)    // pages to decode, in any order
	ordered := make(chan *pageJob, ahead) // the same pages, in log order
	feeds := make([]chan []*Event, len(ps))
	for i := range feeds {
		feeds[i] = make(chan []*Event, ahead)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg, decoding sync.WaitGroup
	var readErr error
	l, lent := r.(lending)
	// pages reads the log with read and hands every page on, to the
	// decoders and, in order, to the dispatcher.
	pages := func(read eventstore.Reader) {
		defer close(work)
		for after.Less(until) {
			page, err := read(ctx, after, replayPage)
			if err != nil {
				readErr = fmt.Errorf("replay: read after %s: %w", after, err)
				cancel(readErr)
				return
			}
			page = upTo(page, until)
			if len(page) == 0 {
				return
			}
			job := &pageJob{page: page, lent: lent, done: make(chan struct{})}
			for _, ch := range []chan *pageJob{ordered, work} {
				select {
				case ch <- job:
				case <-ctx.Done():
					return
				}
			}
			after = page[len(page)-1].Position
		}
	}
	wg.Go(func() {
		defer close(ordered)
		if !lent {
			pages(r.ReadAll)
			return
		}
		lending := false
		err := l.LendAll(ctx, func(read eventstore.Reader) error {
			lending = true
			pages(read)
			decoding.Wait() // the decoders are done with the lent bodies: the loan may end
			return nil
		})
		if !lending {
			close(work) // pages never ran: let the decoders end
		}
		if err != nil && readErr == nil {
			readErr = fmt.Errorf("replay: %w", err)
			cancel(readErr)
		}
	})
	for range decoders {
		decoding.Go(func() {
			reads := readSet{ps: ps, masks: map[string]uint64{}}
			for job := range work {
				job.events = wrap(job.page, &reads)
				if job.lent {
					// A lent body is valid only while the loan lasts: keep
					// none of them, decoded or not, beyond the decode. An
					// event nobody reads is never decoded.
					for i := range job.page {
						job.page[i].Data = nil
					}
				}
				close(job.done)
			}
		})
	}
	wg.Go(func() {
		defer func() {
			for _, f := range feeds {
				close(f)
			}
		}()
		for job := range ordered {
			select {
			case <-job.done:
			case <-ctx.Done():
				return
			}
			for _, f := range feeds {
				select {
				case f <- job.events:
				case <-ctx.Done():
					return
				}
			}
			if progress != nil {
				done := job.page[len(job.page)-1].Position
				progress(done.Commit, max(until.Commit, done.Commit))
			}
		}
	})
	errs := make([]error, len(ps))
	for i, p := range ps {
		wg.Go(func() {
			for events := range feeds[i] {
				if errs[i] != nil {
					continue // drain, so the dispatcher is never stuck
				}
				if err := p.Model().fold(p, i, events); err != nil {
					errs[i] = err
					cancel(err)
				}
			}
		})
	}
	decoding.Wait()
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pageJob is one page on its way through ReplayAll: done is closed once
// events holds the page decoded.
type pageJob struct {
	page   []eventstore.RecordedEvent
	lent   bool // the bodies are lent (see Lending)
	events []*Event
	done   chan struct{}
}

// Lender is a store that can lend the bodies of the events it reads rather
// than copy them, for as long as a call lasts: see bolt.Store.LendAll.
type Lender interface {
	Reader
	LendAll(ctx context.Context, fn func(read eventstore.Reader) error) error
}

// Lending returns a Reader with which ReplayAll borrows the bodies of the
// events from l instead of copying them, decodes each once and keeps none:
// for a replay that nothing else reads or writes the log beside, such as
// building the read models at start.
func Lending(l Lender) Reader { return lending{l} }

type lending struct{ Lender }

// readSet answers which of ps read an event type, as a bit mask (bit i for
// ps[i]), asking each projection once per type. With more projections than
// bits it answers that all of them may read every type, and fold asks again.
type readSet struct {
	ps    []Projection
	masks map[string]uint64
}

func (rs *readSet) mask(eventType string) uint64 {
	if len(rs.ps) > 64 {
		return ^uint64(0)
	}
	m, ok := rs.masks[eventType]
	if !ok {
		for i, p := range rs.ps {
			if p.Reads(eventType) {
				m |= 1 << i
			}
		}
		rs.masks[eventType] = m
	}
	return m
}

// wrap wraps page, pointing into it, and decodes the bodies of the events
// some projection reads; a body that does not decode keeps its error, for
// the fold to report.
func wrap(page []eventstore.RecordedEvent, reads *readSet) []*Event {
	block := make([]Event, len(page)) // one allocation for the page, not one per event
	events := make([]*Event, len(page))
	for i := range page {
		e := &block[i]
		e.RecordedEvent = &page[i]
		e.reads = reads.mask(e.Type)
		if e.reads != 0 {
			e.position = e.Position.String()
			e.stream = parseStream(e.Stream)
			e.predecode()
		}
		events[i] = e
	}
	return events
}

// decodePage wraps page and decodes, spread over the processors, the bodies
// of the events some projection reads.
func decodePage(page []eventstore.RecordedEvent, ps []Projection) []*Event {
	workers := min(runtime.GOMAXPROCS(0), len(page)/64+1)
	events := make([]*Event, 0, len(page))
	parts := make([][]*Event, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(page)/workers, (w+1)*len(page)/workers
		wg.Go(func() {
			parts[w] = wrap(page[lo:hi], &readSet{ps: ps, masks: map[string]uint64{}})
		})
	}
	wg.Wait()
	for _, p := range parts {
		events = append(events, p...)
	}
	return events
}

// upTo returns the prefix of page at or before until.
func upTo(page []eventstore.RecordedEvent, until eventstore.Position) []eventstore.RecordedEvent {
	for i, e := range page {
		if until.Less(e.Position) {
			return page[:i]
		}
	}
	return page
}

// fold applies events to p, the i-th projection of the replay that wrapped
// them, under the model's write lock and moves the model's position to the
// last event applied.
func (m *Model) fold(p Projection, i int, events []*Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range events {
		if !m.pos.Less(e.Position) {
			continue
		}
		if e.readBy(i) && (e.reads != ^uint64(0) || p.Reads(e.Type)) { // all bits: the replay could not tell
			if err := p.Apply(e); err != nil {
				return fmt.Errorf("project %s: event %s (%s) at %s: %w", p.Name(), e.ID, e.Type, e.Position, err)
			}
		}
		m.pos = e.Position
	}
	return nil
}

// CatchUp folds the events after p's position into p's model up to the head
// of the log as it finds it, committing every page through sink (rows and
// checkpoint together), and returns the position reached. Rebuilds use it
// to close the gap between their bulk load and the live log. After an error
// the model may hold uncommitted changes: load it again before reuse.
func CatchUp(ctx context.Context, r Reader, p Projection, sink Sink, progress Progress) (eventstore.Position, error) {
	m := p.Model()
	m.mu.Lock()
	m.tracking = true
	m.mu.Unlock()
	for {
		from := m.Position()
		page, err := r.ReadAll(ctx, from, replayPage)
		if err != nil {
			return from, fmt.Errorf("catch up %s: read after %s: %w", p.Name(), from, err)
		}
		if len(page) == 0 {
			return from, nil
		}
		events := decodePage(page, []Projection{p})
		m.mu.Lock()
		err = func() error {
			defer m.mu.Unlock()
			to := m.pos
			for _, e := range events {
				if !to.Less(e.Position) {
					continue
				}
				if p.Reads(e.Type) {
					if err := p.Apply(e); err != nil {
						return fmt.Errorf("project %s: event %s (%s) at %s: %w", p.Name(), e.ID, e.Type, e.Position, err)
					}
				}
				to = e.Position
			}
			if err := sink.Commit(ctx, p, from, to); err != nil {
				return fmt.Errorf("commit projection %s at %s: %w", p.Name(), to, err)
			}
			m.pos = to
			m.clean()
			return nil
		}()
		if err != nil {
			return from, err
		}
		if progress != nil {
			head, err := r.Head(ctx)
			if err != nil {
				return m.Position(), fmt.Errorf("catch up %s: %w", p.Name(), err)
			}
			done := m.Position()
			progress(done.Commit, max(head.Commit, done.Commit))
		}
	}
}

// MarkStored forgets which rows changed: a sink that has just stored every
// row (a bulk load) calls it so that the next commit carries only what
// changes after.
func (m *Model) MarkStored() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clean()
}

func (m *Model) clean() {
	for _, t := range m.tables {
		t.clean()
	}
}
