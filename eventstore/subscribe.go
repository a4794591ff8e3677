package eventstore

import (
	"context"
	"sync"
	"time"
)

// Signal broadcasts "the log has moved" from appenders to waiting
// subscribers in one process. The zero Signal is ready to use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns a channel that is closed at the next Notify. Take it before
// reading, so that a commit between the read and the wait is not missed.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes every waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Reader reads pages of the global log; see Store.ReadAll.
type Reader func(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)

// CatchUp implements Store.Subscribe for backends that read the log in pages:
// it delivers every event after the given position in order, and when the
// log is drained it waits for wake to fire, or for poll to pass when poll > 0
// (for commits made by other processes), and reads again.
func CatchUp(ctx context.Context, read Reader, wake *Signal, poll time.Duration, after Position, handle func(RecordedEvent) error) error {
	var tick <-chan time.Time
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		tick = t.C
	}
	for {
		woken := wake.C()
		page, err := read(ctx, after, DefaultPageSize)
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
		for _, e := range page {
			if err := handle(e); err != nil {
				return err
			}
			after = e.Position
		}
		if len(page) == DefaultPageSize {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-woken:
		case <-tick:
		}
	}
}
