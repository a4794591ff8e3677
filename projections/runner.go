package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Log is what a runner needs from the event store.
type Log interface {
	Subscribe(ctx context.Context, after eventstore.Position, handle func(eventstore.RecordedEvent) error) error
	Head(ctx context.Context) (eventstore.Position, error)
}

// Sink keeps a projection's tables and checkpoint.
type Sink interface {
	// Load prepares the sink for p and returns the position p's model
	// reflects. A persistent sink replaces the model's tables with the stored
	// rows and returns the stored checkpoint; the memory sink keeps the model
	// as it is. The runner calls Load with the model's write lock held, at
	// every (re)start.
	Load(ctx context.Context, p Projection) (eventstore.Position, error)
	// Commit stores the rows of p's tables changed since the last commit and
	// moves the checkpoint from from to to, atomically: either both move or
	// neither does. It fails, storing nothing, if the stored checkpoint is
	// already at or past to (another runner got there first); the runner
	// then reloads.
	Commit(ctx context.Context, p Projection, from, to eventstore.Position) error
}

// Promoter is implemented by sinks that keep versions of a projection side
// by side (blue/green). A runner calls Promote once its projection has
// caught up with the head of the log; the sink then makes that version the
// one queries read, unless a newer version already is.
type Promoter interface {
	Promote(ctx context.Context, p Projection) error
}

// Memory is the in-memory sink, the embedded default: the model itself is
// the read model, built from the log at start, and its position under the
// model's lock is the checkpoint.
type Memory struct{}

// Load implements Sink: the model is already what it is.
func (Memory) Load(_ context.Context, p Projection) (eventstore.Position, error) {
	return p.Model().pos, nil
}

// Commit implements Sink: the runner moves the model's position under the
// same lock as its rows, so there is nothing more to store.
func (Memory) Commit(context.Context, Projection, eventstore.Position, eventstore.Position) error {
	return nil
}

// Config tunes a Runner. The zero Config uses the defaults.
type Config struct {
	Batch      int           // events per commit; default 1000
	MinBackoff time.Duration // first wait after a failure; default 100ms
	MaxBackoff time.Duration // longest wait between attempts; default 30s
}

func (c Config) withDefaults() Config {
	if c.Batch <= 0 {
		c.Batch = 1000
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(30*time.Second, c.MinBackoff)
	}
	return c
}

// Runner keeps one projection up to date with the log: it subscribes from
// the checkpoint, folds events in order in batches, and commits each batch's
// rows together with the checkpoint, so a crash neither skips nor repeats an
// event. It is safe for concurrent use; Run must be called at most once at a
// time.
type Runner struct {
	log   Log
	proj  Projection
	sink  Sink
	cfg   Config
	slog  *slog.Logger
	moved eventstore.Signal

	mu      sync.Mutex
	lastErr error

	promoted bool // owned by Run's goroutine
}

// NewRunner returns a runner that folds the log into p and keeps it in sink.
func NewRunner(log Log, p Projection, sink Sink, cfg Config, logger *slog.Logger) *Runner {
	return &Runner{log: log, proj: p, sink: sink, cfg: cfg.withDefaults(), slog: logger}
}

// Projection returns the projection the runner keeps.
func (r *Runner) Projection() Projection { return r.proj }

// Run keeps the projection up to date until ctx ends, and then returns
// context.Cause(ctx). A failure (a dropped subscription, a failed commit, an
// event the fold cannot decode) is logged and retried from the stored
// checkpoint after a backoff that doubles up to Config.MaxBackoff and starts
// again after progress; Err reports it meanwhile.
func (r *Runner) Run(ctx context.Context) error {
	backoff := r.cfg.MinBackoff
	for {
		progressed, err := r.runOnce(ctx)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if progressed {
			backoff = r.cfg.MinBackoff
		}
		r.setErr(err)
		r.slog.WarnContext(ctx, "projection stopped; resuming from its checkpoint",
			"projection", r.proj.Name(), "version", r.proj.Version(), "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

// Err returns the failure the runner is recovering from, or nil once it has
// committed a batch since.
func (r *Runner) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

func (r *Runner) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastErr = err
}

var errRestart = errors.New("runner restarting")

// Load replaces p's model with what sink holds, at sink's checkpoint, and
// from then on has its tables track changed rows for sink's commits. The
// memory sink keeps the model as it is. If sink cannot load, the model is
// left empty, at the start of the log.
func Load(ctx context.Context, sink Sink, p Projection) error {
	_, inMemory := sink.(Memory) // the memory sink stores no rows, so it needs no record of changes
	return load(ctx, sink, p, !inMemory)
}

// load is Load, with tables that track changes only if track is set.
func load(ctx context.Context, sink Sink, p Projection, track bool) error {
	m := p.Model()
	m.mu.Lock()
	defer m.mu.Unlock()
	pos, err := sink.Load(ctx, p)
	if err != nil {
		return errors.Join(fmt.Errorf("load projection %s: %w", p.Name(), err), m.reset())
	}
	m.pos = pos
	m.clean()
	m.tracking = track
	return nil
}

// runOnce loads the checkpoint, subscribes from it and folds until something
// fails. It reports whether it committed anything.
func (r *Runner) runOnce(ctx context.Context) (progressed bool, err error) {
	if err := Load(ctx, r.sink, r.proj); err != nil {
		return false, err
	}
	pos := r.Position()
	r.moved.Notify()
	if err := r.promote(ctx, true); err != nil { // a checkpoint already at the head
		return false, err
	}

	events := make(chan eventstore.RecordedEvent, r.cfg.Batch)
	subCtx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	var subErr error
	wg.Go(func() {
		defer close(events)
		subErr = r.log.Subscribe(subCtx, pos, func(e eventstore.RecordedEvent) error {
			select {
			case events <- e:
				return nil
			case <-subCtx.Done():
				return context.Cause(subCtx)
			}
		})
	})
	defer func() {
		cancel(errRestart)
		wg.Wait()
	}()

	batch := make([]eventstore.RecordedEvent, 0, r.cfg.Batch)
	for {
		e, ok := <-events
		if !ok {
			wg.Wait()
			if subErr == nil {
				subErr = errors.New("subscription ended")
			}
			return progressed, fmt.Errorf("subscribe from %s: %w", pos, subErr)
		}
		batch = append(batch[:0], e)
	drain:
		for len(batch) < cap(batch) {
			select {
			case e, ok := <-events:
				if !ok {
					break drain
				}
				batch = append(batch, e)
			default:
				break drain
			}
		}
		moved, err := r.apply(ctx, batch)
		if moved {
			progressed = true
			r.setErr(nil)
			r.moved.Notify()
		}
		if err != nil {
			return progressed, err
		}
		if err := r.promote(ctx, len(events) == 0); err != nil {
			return progressed, err
		}
		pos = batch[len(batch)-1].Position
	}
}

// promote asks a Promoter sink, once, to make this version live when the
// runner has drained what the subscription had delivered and stands at the
// head of the log.
func (r *Runner) promote(ctx context.Context, drained bool) error {
	p, ok := r.sink.(Promoter)
	if !ok || r.promoted || !drained {
		return nil
	}
	head, err := r.log.Head(ctx)
	if err != nil {
		return fmt.Errorf("promote projection %s: %w", r.proj.Name(), err)
	}
	if r.Position().Less(head) {
		return nil
	}
	if err := p.Promote(ctx, r.proj); err != nil {
		return fmt.Errorf("promote projection %s v%d: %w", r.proj.Name(), r.proj.Version(), err)
	}
	r.promoted = true
	return nil
}

// apply folds batch and commits it. On a fold error it commits the events
// before the failing one and returns the error.
func (r *Runner) apply(ctx context.Context, batch []eventstore.RecordedEvent) (moved bool, err error) {
	m := r.proj.Model()
	m.mu.Lock()
	defer m.mu.Unlock()
	from, to := m.pos, m.pos
	var applyErr error
	for _, e := range batch {
		if !to.Less(e.Position) {
			continue // already folded: a resubscription may repeat the tail
		}
		if !r.proj.Reads(e.Type) {
			to = e.Position
			continue
		}
		if err := r.proj.Apply(NewEvent(e)); err != nil {
			applyErr = fmt.Errorf("project %s: event %s (%s) at %s: %w", r.proj.Name(), e.ID, e.Type, e.Position, err)
			break
		}
		to = e.Position
	}
	if to == from {
		return false, applyErr
	}
	if err := r.sink.Commit(ctx, r.proj, from, to); err != nil {
		return false, fmt.Errorf("commit projection %s at %s: %w", r.proj.Name(), to, err)
	}
	m.pos = to
	m.clean()
	return true, applyErr
}

// Position returns the position the projection reflects.
func (r *Runner) Position() eventstore.Position { return r.proj.Model().Position() }

// Lag returns how far the projection is behind the head of the log, in the
// backend's position units (events, for the embedded and PostgreSQL
// backends): zero when it is up to date.
func (r *Runner) Lag(ctx context.Context) (uint64, error) {
	head, err := r.log.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("lag of projection %s: %w", r.proj.Name(), err)
	}
	have := r.Position()
	if !have.Less(head) {
		return 0, nil
	}
	return head.Commit - have.Commit, nil
}

// ErrLags is the sentinel of the error WaitFor returns when the projection
// does not reach the position in time.
var ErrLags = errors.New("projection lags")

// WaitFor returns nil as soon as the projection reflects at least position
// pos, and waits at most within for it. When it does not get there in time it
// returns a domain.Conflict error (errors.Is ErrLags) that says how far it
// got, so that a caller can retry; when ctx ends first it returns
// context.Cause(ctx).
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position, within time.Duration) error {
	t := time.NewTimer(within)
	defer t.Stop()
	for {
		moved := r.moved.C()
		have := r.Position()
		if !have.Less(pos) {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
			return &domain.Error{
				Kind: domain.Conflict,
				Message: fmt.Sprintf("the %s view has reached position %s of the log but the request needs position %s; try again shortly",
					r.proj.Name(), have, pos),
				Rule: "projection-lag",
				Err:  ErrLags,
			}
		}
	}
}
