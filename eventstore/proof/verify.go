package proof

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Kind says what is wrong with a broken event; see the package
// documentation for how each is decided.
type Kind string

// The kinds of break [Verify] reports.
const (
	Edited    Kind = "edited"
	Missing   Kind = "missing"
	Reordered Kind = "reordered"
	Inserted  Kind = "inserted"
	Forged    Kind = "forged"
	Rewritten Kind = "rewritten"
)

// Break is one place where the stored ledger differs from what was appended.
// Position is the global position of the broken (or missing) event; Stream
// and Revision name it, and Stream is empty when the event cannot be named
// (a deleted event no later event links to, or a Merkle log hash).
type Break struct {
	Kind     Kind   `json:"kind"`
	Position uint64 `json:"position"`
	Stream   string `json:"stream,omitempty"`
	Revision uint64 `json:"revision"`
	Detail   string `json:"detail"`

	replaced string // evidence that the event took another's place: the detail if it is not found elsewhere
}

// String returns one line such as
// "position 17 (stream evaluation-…, revision 3): edited: …".
func (b Break) String() string {
	if b.Stream == "" {
		return fmt.Sprintf("position %d: %s: %s", b.Position, b.Kind, b.Detail)
	}
	return fmt.Sprintf("position %d (stream %s, revision %d): %s: %s", b.Position, b.Stream, b.Revision, b.Kind, b.Detail)
}

// Report is the outcome of [Verify].
type Report struct {
	From        int64     `json:"from"`        // the size of the trusted checkpoint verification started after; 0 for the whole log
	Events      int64     `json:"events"`      // events read from the log
	Streams     int       `json:"streams"`     // distinct streams among them
	TreeSize    int64     `json:"tree_size"`   // the size of the stored Merkle log
	Root        tlog.Hash `json:"root_hash"`   // the root of the tree computed from the events
	Checkpoints int       `json:"checkpoints"` // stored checkpoints whose signature and root verified
	Breaks      []Break   `json:"breaks"`      // in position order; the first is where the ledger breaks
	More        int       `json:"more_breaks"` // breaks found beyond Options.MaxBreaks
}

// OK reports whether the ledger verified with no break.
func (r Report) OK() bool { return len(r.Breaks) == 0 }

// First returns the first break, by position, and whether there is one.
func (r Report) First() (Break, bool) {
	if len(r.Breaks) == 0 {
		return Break{}, false
	}
	return r.Breaks[0], true
}

// String returns the one line `kinerja verify` prints: "OK: …" with the
// counts, or "BROKEN: …" naming the first broken event and what is wrong.
func (r Report) String() string {
	if b, ok := r.First(); ok {
		n := len(r.Breaks) + r.More
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (%d breaks in all; the first is shown)", n)
		}
		return "BROKEN: " + b.String() + more
	}
	after := ""
	if r.From > 0 {
		after = fmt.Sprintf(" after the checkpoint of %d events", r.From)
	}
	return fmt.Sprintf("OK: %d events%s in %d streams; every hash link, the Merkle log of %d events (root %s) and %d signed checkpoints verified",
		r.Events, after, r.Streams, r.TreeSize, r.Root, r.Checkpoints)
}

// Options tune [Verify].
type Options struct {
	// Trusted are the keys whose checkpoints are accepted. A stored
	// checkpoint not signed by one of them is a forged break, so verifying a
	// ledger that has checkpoints without a key fails.
	Trusted note.Verifiers
	// PageSize is the number of events read at a time; 0 means 5000.
	PageSize int
	// MaxBreaks bounds the breaks listed in the report (the rest are only
	// counted); 0 means 100.
	MaxBreaks int
	// From, when set, verifies only the events after this checkpoint,
	// trusting it (its signature is checked with Trusted) for everything
	// before: the stored tree of its size must give its root, the previous
	// event of each stream met is checked against it with an inclusion
	// proof, and older checkpoints met are checked with a consistency proof.
	From *Checkpoint
}

// Verify reads the whole log in commit order and checks it against itself,
// its Merkle log and its signed checkpoints, as described in the package
// documentation. A broken ledger is not an error: it is a Report whose
// Breaks name the first broken event and what is wrong with it. The error
// is only for failing to read the store (wrapped with the position).
//
// The first break is exact. Later ones are best effort: one tampering often
// shows in several places, and checks of the Merkle log's inner hashes and
// checkpoint roots stop after the first broken event because they would
// only repeat it.
func Verify(ctx context.Context, l Log, opts Options) (Report, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 5000
	}
	if opts.MaxBreaks <= 0 {
		opts.MaxBreaks = 100
	}
	head, err := l.Head(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify: read head: %w", err)
	}
	size, err := merkleSize(ctx, l, int64(head.Commit))
	if err != nil {
		return Report{}, err
	}
	v := &verifier{
		l:           l,
		opts:        opts,
		size:        size,
		streams:     make(map[string]streamState),
		missingLeaf: make(map[tlog.Hash]int),
		pending:     make(map[tlog.Hash]int),
		orphans:     make(map[tlog.Hash]orphan),
		elsewhere:   make(map[tlog.Hash]bool),
	}
	var after eventstore.Position
	if opts.From != nil {
		var ok bool
		if after, ok, err = v.start(ctx, *opts.From); err != nil {
			return Report{}, err
		}
		if !ok {
			return v.report(), nil
		}
	}
	for {
		page, err := l.ReadAll(ctx, after, opts.PageSize)
		if err != nil {
			return Report{}, fmt.Errorf("verify: read log after position %s: %w", after, err)
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if err := v.event(ctx, &page[i]); err != nil {
				return Report{}, err
			}
		}
		after = page[len(page)-1].Position
	}
	if err := v.fillMissing(ctx, v.size); err != nil {
		return Report{}, err
	}
	return v.report(), nil
}

// start sets the verifier up to continue after the trusted checkpoint from:
// the tree of its size is rebuilt from the stored roots of its complete
// subtrees, which must give the signed root.
func (v *verifier) start(ctx context.Context, from Checkpoint) (after eventstore.Position, ok bool, err error) {
	cp, err := OpenCheckpoint(from.Note, v.opts.Trusted)
	if err != nil {
		return eventstore.Position{}, false, err
	}
	if cp.Size > v.size {
		v.addBreak(Break{Kind: Missing, Position: uint64(v.size) + 1,
			Detail: fmt.Sprintf("the checkpoint signed at %s covers %d events, but the Merkle log has only %d: events after it are gone", cp.Time.Format(timeLayout), cp.Size, v.size)})
		v.eventBroken = true
		return eventstore.Position{}, false, nil
	}
	var indexes []int64
	var at int64
	for level := 62; level >= 0; level-- {
		if cp.Size&(1<<level) != 0 {
			indexes = append(indexes, tlog.StoredHashIndex(level, at>>level))
			at += 1 << level
		}
	}
	stack, err := v.l.ReadHashes(ctx, indexes)
	if err != nil {
		return eventstore.Position{}, false, fmt.Errorf("verify: read the Merkle tree of %d events: %w", cp.Size, err)
	}
	if len(stack) != len(indexes) {
		return eventstore.Position{}, false, fmt.Errorf("verify: read the Merkle tree of %d events: asked for %d hashes, got %d", cp.Size, len(indexes), len(stack))
	}
	v.tree = compactTree{n: cp.Size, stack: stack}
	v.from = &cp
	if root := v.tree.root(); root != cp.Root {
		v.eventBroken, v.fromRewritten = true, true
		v.addBreak(Break{Kind: Rewritten, Position: uint64(cp.Size),
			Detail: fmt.Sprintf("the stored Merkle log of the first %d events gives root %s, but the checkpoint signed at %s says %s: history up to position %d was rebuilt", cp.Size, root, cp.Time.Format(timeLayout), cp.Root, cp.Size)})
	}
	return eventstore.Position{Commit: uint64(cp.Size), Prepare: uint64(cp.Size)}, true, nil
}

// previous returns the chain state of a stream first met after the
// checkpoint v.from, whose first event there is e: its previous revision,
// stored before the checkpoint, must hash correctly and be included in the
// checkpoint's tree at its position.
func (v *verifier) previous(ctx context.Context, e *eventstore.RecordedEvent) (streamState, error) {
	prev, err := v.l.ReadStream(ctx, e.Stream, eventstore.ReadStreamOptions{From: e.Revision - 1, Limit: 1})
	if err != nil && domain.KindOf(err) != domain.NotFound {
		return streamState{}, fmt.Errorf("verify: read %s@%d: %w", e.Stream, e.Revision-1, err)
	}
	if len(prev) == 0 || prev[0].Revision != e.Revision-1 || int64(prev[0].Position.Commit) > v.from.Size {
		return streamState{}, nil // the chain check reports the gap
	}
	p := &prev[0]
	brk := func(detail string) {
		v.eventBroken = true
		v.addBreak(Break{Kind: Edited, Position: p.Position.Commit, Stream: p.Stream, Revision: p.Revision, Detail: detail})
	}
	if eventstore.ComputeHash(p) != p.Hash {
		brk("its stored contents (data, metadata or envelope) no longer match the hash recorded when it was appended")
	} else if !v.fromRewritten { // else every proof would fail, repeating that break
		index := int64(p.Position.Commit) - 1
		proof, err := tlog.ProveRecord(v.from.Size, index, hashReader(ctx, v.l))
		if err != nil {
			return streamState{}, fmt.Errorf("verify: prove %s@%d in the checkpoint of %d events: %w", p.Stream, p.Revision, v.from.Size, err)
		}
		if tlog.CheckRecord(proof, v.from.Size, v.from.Root, index, eventstore.LeafHash(p)) != nil {
			brk(fmt.Sprintf("it hashes correctly, but it is not the event the checkpoint signed at %s holds at this position", v.from.Time.Format(timeLayout)))
		}
	}
	return streamState{next: p.Revision + 1, last: p.Hash, at: p.Position.Commit}, nil
}

// TreeSizer is implemented by a [Log] that can say how many leaves its
// stored Merkle log has, independently of its events. Verify uses it to
// notice events deleted from the end of the log; without it, Verify probes
// the stored hashes past the head instead.
type TreeSizer interface {
	TreeSize(ctx context.Context) (int64, error)
}

// HashRangeReader is implemented by a [Log] that can read a contiguous run
// of stored Merkle hashes, indexes lo to hi-1, faster than by listing them.
// Verify reads every stored hash, so it uses this when it is there.
type HashRangeReader interface {
	ReadHashRange(ctx context.Context, lo, hi int64) ([]tlog.Hash, error)
}

// merkleSize returns the number of leaves of the stored Merkle log. A store
// whose head is its last event forgets a deleted tail, but its Merkle log
// does not: without TreeSizer, the leaves after head are probed, and a
// stored hash that cannot be read is taken as not stored, as the contract
// of ReadHashes says it is.
func merkleSize(ctx context.Context, l Log, head int64) (int64, error) {
	if ts, ok := l.(TreeSizer); ok {
		n, err := ts.TreeSize(ctx)
		if err != nil {
			return 0, fmt.Errorf("verify: read Merkle log size: %w", err)
		}
		return n, nil
	}
	has := func(leaf int64) bool {
		if leaf < 0 {
			return true
		}
		hs, err := l.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, leaf)})
		return err == nil && len(hs) == 1
	}
	// Find lo, a stored leaf (or -1), and hi, the first leaf that is not.
	lo, hi := head-1, head
	switch {
	case !has(lo):
		lo = -1
		hi = head - 1
	case has(hi):
		lo, hi = hi, hi+1
		for has(hi) {
			lo, hi = hi, head+2*(hi-head)
		}
	default:
		return head, ctx.Err()
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if has(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1, ctx.Err()
}

type streamState struct {
	next uint64          // the revision expected next
	last eventstore.Hash // hash of the event at next-1
	at   uint64          // its position
}

// orphan is a stored Merkle leaf whose event is not at its position.
type orphan struct {
	position uint64
	brk      int // the break reported at that position
}

type verifier struct {
	l             Log
	opts          Options
	size          int64       // leaves in the stored Merkle log, which may differ from the head when rows were deleted or inserted
	from          *Checkpoint // the trusted checkpoint verification starts after, if any
	fromRewritten bool        // the stored tree does not give from's root

	events  int64
	streams map[string]streamState
	tree    compactTree // built from the events; tree.n is the next leaf index
	checked int         // checkpoints whose root matched

	breaks      []Break
	more        int
	eventBroken bool // an event-level break has been found: inner hashes would only repeat it

	// Reconciling breaks: a deleted event's stored leaf, so that a later
	// event of its stream linking to it names it; an intact event the Merkle
	// log did not record at its position, by its leaf; and a stored leaf
	// whose position holds another event, by that leaf.
	missingLeaf map[tlog.Hash]int
	pending     map[tlog.Hash]int
	orphans     map[tlog.Hash]orphan
	elsewhere   map[tlog.Hash]bool // leaves of events, or of Merkle records, found out of place

	window     []tlog.Hash // stored hashes of leaves [winLo, winHi)
	winLo      int64
	winHi      int64
	windowBase int64 // stored index of window[0]
}

// addBreak records b and returns its index, or -1 when the list is full.
func (v *verifier) addBreak(b Break) int {
	if len(v.breaks) >= v.opts.MaxBreaks {
		v.more++
		return -1
	}
	v.breaks = append(v.breaks, b)
	return len(v.breaks) - 1
}

// checkpoint checks a stored checkpoint, met in the log at its own
// position: its signature, and its root against the tree of the events
// before it. That tree's hashes are the stored ones, which by now have all
// been compared with the hashes computed from the events; once an event is
// broken the comparison would only repeat that, so it stops.
func (v *verifier) checkpoint(ctx context.Context, e *eventstore.RecordedEvent) error {
	forged := func(detail string) {
		v.addBreak(Break{Kind: Forged, Position: e.Position.Commit, Stream: e.Stream, Revision: e.Revision, Detail: detail})
	}
	cp, why := checkStored(e, v.opts.Trusted)
	switch {
	case why != "":
		forged(why)
		return nil
	case uint64(cp.Size) >= e.Position.Commit:
		forged(fmt.Sprintf("the checkpoint claims %d events but is stored at position %d: a checkpoint can only cover events before its own", cp.Size, e.Position.Commit))
		return nil
	case v.eventBroken:
		return nil
	case v.from != nil && cp.Size < v.from.Size:
		// The stored hashes before the trusted checkpoint were not checked
		// against the events: prove this one a prefix of it instead.
		r := hashReader(ctx, v.l)
		if cp.Size == 0 {
			if cp.Root != emptyRoot {
				v.addBreak(Break{Kind: Forged, Position: e.Position.Commit, Stream: e.Stream, Revision: e.Revision, Detail: "the checkpoint of no events does not have the empty tree's root"})
				return nil
			}
			v.checked++
			return nil
		}
		p, err := tlog.ProveTree(v.from.Size, cp.Size, r)
		if err != nil {
			return fmt.Errorf("verify: prove the checkpoint at position %d consistent: %w", e.Position.Commit, err)
		}
		if tlog.CheckTree(p, v.from.Size, v.from.Root, cp.Size, cp.Root) != nil {
			v.addBreak(Break{Kind: Rewritten, Position: e.Position.Commit, Stream: e.Stream, Revision: e.Revision,
				Detail: fmt.Sprintf("the checkpoint signed at %s is not consistent with the one signed at %s: history up to position %d was rebuilt", cp.Time.Format(timeLayout), v.from.Time.Format(timeLayout), cp.Size)})
			return nil
		}
		v.checked++
		return nil
	}
	root, err := tlog.TreeHash(cp.Size, hashReader(ctx, v.l))
	if err != nil {
		return fmt.Errorf("verify: tree hash of size %d for the checkpoint at position %d: %w", cp.Size, e.Position.Commit, err)
	}
	if root != cp.Root {
		v.addBreak(Break{Kind: Rewritten, Position: e.Position.Commit, Stream: e.Stream, Revision: e.Revision,
			Detail: fmt.Sprintf("the first %d events give root %s, but the checkpoint signed at %s says %s: history up to position %d was rebuilt as a whole", cp.Size, root, cp.Time.Format(timeLayout), cp.Root, cp.Size)})
		return nil
	}
	v.checked++
	return nil
}

// stored returns the stored hashes for leaf j (the leaf, then the subtree
// roots it completes), reading them a page at a time.
func (v *verifier) stored(ctx context.Context, j int64) ([]tlog.Hash, error) {
	if j < v.winLo || j >= v.winHi {
		hi := min(j+int64(v.opts.PageSize), v.size)
		lo, end := tlog.StoredHashIndex(0, j), tlog.StoredHashIndex(0, hi)
		var hs []tlog.Hash
		var err error
		if rr, ok := v.l.(HashRangeReader); ok {
			hs, err = rr.ReadHashRange(ctx, lo, end)
		} else {
			indexes := make([]int64, end-lo)
			for i := range indexes {
				indexes[i] = lo + int64(i)
			}
			hs, err = v.l.ReadHashes(ctx, indexes)
		}
		if err != nil {
			return nil, fmt.Errorf("verify: read Merkle hashes of positions %d to %d: %w", j+1, hi, err)
		}
		if int64(len(hs)) != end-lo {
			return nil, fmt.Errorf("verify: read Merkle hashes of positions %d to %d: asked for %d, got %d", j+1, hi, end-lo, len(hs))
		}
		v.window, v.winLo, v.winHi, v.windowBase = hs, j, hi, lo
	}
	a, b := tlog.StoredHashIndex(0, j), tlog.StoredHashIndex(0, j+1)
	return v.window[a-v.windowBase : b-v.windowBase], nil
}

// addLeaf adds the leaf at index tree.n to the computed tree and compares
// the hashes it yields with the stored ones.
func (v *verifier) addLeaf(leaf tlog.Hash, stored []tlog.Hash) {
	at := uint64(v.tree.n) + 1
	got := v.tree.add(leaf)
	if !v.eventBroken {
		for level := 1; level < len(got); level++ {
			if got[level] != stored[level] {
				v.eventBroken = true
				first := at - 1<<level + 1
				v.addBreak(Break{Kind: Edited, Position: at,
					Detail: fmt.Sprintf("the Merkle log's stored hash over positions %d to %d does not match the events: the Merkle log itself was altered", first, at)})
				break
			}
		}
	}
}

// fillMissing accounts for leaves [tree.n, to) of the Merkle log that have
// no event.
func (v *verifier) fillMissing(ctx context.Context, to int64) error {
	for j := v.tree.n; j < to; j++ {
		st, err := v.stored(ctx, j)
		if err != nil {
			return err
		}
		pos := uint64(j) + 1
		if i, ok := v.pending[st[0]]; ok {
			// The event recorded here was seen earlier, at another position.
			delete(v.pending, st[0])
			v.reorder(i, pos)
		} else {
			v.eventBroken = true
			i := v.addBreak(Break{Kind: Missing, Position: pos,
				Detail: "no event is stored at this position, but the Merkle log recorded one here: it was deleted"})
			v.missingLeaf[st[0]] = i
			v.orphans[st[0]] = orphan{position: pos, brk: i}
		}
		v.addLeaf(st[0], st)
	}
	return nil
}

// reorder turns the break at index i (an intact event the Merkle log did not
// record at its position) into a reordering: the log recorded it at pos.
func (v *verifier) reorder(i int, pos uint64) {
	if i < 0 {
		return
	}
	b := &v.breaks[i]
	b.Kind = Reordered
	b.Detail = fmt.Sprintf("the event is intact, but the Merkle log recorded it at position %d: it was moved or swapped", pos)
}

func (v *verifier) event(ctx context.Context, e *eventstore.RecordedEvent) error {
	v.events++
	p := e.Position.Commit
	st, seen := v.streams[e.Stream]
	if !seen && v.from != nil && e.Revision > 0 {
		var err error
		if st, err = v.previous(ctx, e); err != nil {
			return err
		}
	}
	inChain := true // whether e takes its place in its stream's chain
	defer func() {
		if inChain && e.Revision >= st.next {
			st.next, st.last, st.at = e.Revision+1, e.Hash, p
		}
		v.streams[e.Stream] = st
	}()
	brk := func(kind Kind, detail string) int {
		v.eventBroken = true
		return v.addBreak(Break{Kind: kind, Position: p, Stream: e.Stream, Revision: e.Revision, Detail: detail})
	}
	switch {
	case p == 0 || int64(p) <= v.tree.n:
		inChain = false
		brk(Inserted, fmt.Sprintf("a second event claims position %d", p))
		return nil
	case int64(p) > v.size:
		if err := v.fillMissing(ctx, v.size); err != nil {
			return err
		}
		if v.moved(e, eventstore.ComputeHash(e)) {
			inChain = false
			return nil
		}
		brk(Inserted, fmt.Sprintf("it lies beyond the end of the Merkle log (%d events): the ledger never appended it", v.size))
		return nil
	}
	if err := v.fillMissing(ctx, int64(p)-1); err != nil {
		return err
	}
	stored, err := v.stored(ctx, int64(p)-1)
	if err != nil {
		return err
	}
	if i, ok := v.pending[stored[0]]; ok {
		delete(v.pending, stored[0])
		v.reorder(i, p)
	}
	h := eventstore.ComputeHash(e)
	leaf := tlog.RecordHash(e.Hash[:])
	link := func() tlog.Hash { return tlog.RecordHash(e.PrevHash[:]) } // the leaf of the event e links to; needed only when something is wrong
	switch {
	case h != e.Hash:
		brk(Edited, "its stored contents (data, metadata or envelope) no longer match the hash recorded when it was appended")
	case leaf != stored[0]:
		v.elsewhere[leaf] = true
		v.elsewhere[stored[0]] = true
		if o, ok := v.orphans[leaf]; ok {
			delete(v.orphans, leaf)
			inChain = false
			if !v.moved(e, h) || v.breaks[o.brk].Kind != Missing {
				brk(Reordered, fmt.Sprintf("the event is intact, but the Merkle log recorded it at position %d: it was moved or swapped", o.position))
			}
			break
		}
		var i int
		if e.Revision == st.next && e.PrevHash == st.last {
			i = brk(Edited, "it hashes correctly, but the Merkle log recorded a different event at this position: it was rewritten and re-hashed")
		} else {
			inChain = false
			i = brk(Inserted, "the Merkle log never recorded this event and it does not follow the previous event of its stream")
		}
		v.pending[leaf] = i
		if _, claimed := v.pending[stored[0]]; !claimed {
			v.orphans[stored[0]] = orphan{position: p, brk: i}
		}
	case e.Revision > st.next:
		if i, ok := v.missingLeaf[link()]; ok && i >= 0 {
			delete(v.missingLeaf, link())
			b := &v.breaks[i]
			b.Stream, b.Revision = e.Stream, e.Revision-1
			b.Detail = fmt.Sprintf("no event is stored at this position, but the Merkle log recorded one here: it was deleted (revision %d of %s at position %d links to it)", e.Revision, e.Stream, p)
			break
		}
		if o, ok := v.orphans[link()]; ok && o.brk >= 0 && v.breaks[o.brk].Stream != e.Stream {
			// Unless it turns out to be elsewhere, the event recorded at
			// o.position was this stream's previous revision, and the
			// event stored there took its place.
			v.breaks[o.brk].replaced = fmt.Sprintf("the Merkle log never recorded this event: it took the place of revision %d of %s, which revision %d at position %d links to", e.Revision-1, e.Stream, e.Revision, p)
			break
		}
		if v.elsewhere[link()] {
			break // the previous revision is in the log, out of place, and reported there
		}
		brk(Missing, fmt.Sprintf("the stream jumps from revision %d to %d: %s", int64(st.next)-1, e.Revision, revisionsGone(st.next, e.Revision)))
		v.breaks[len(v.breaks)-1].Revision = st.next
	case e.Revision < st.next:
		brk(Inserted, fmt.Sprintf("the stream already has revision %d (the last seen is revision %d at position %d)", e.Revision, st.next-1, st.at))
	case e.PrevHash != st.last:
		if v.elsewhere[link()] {
			break // the previous event was rewritten or moved, and that break is reported
		}
		brk(Edited, fmt.Sprintf("it links to a previous event hashing to %s, but revision %d of the stream hashes to %s", e.PrevHash, st.next-1, st.last))
	}
	if h != e.Hash {
		leaf = tlog.RecordHash(h[:]) // the tree is built from what the events hash to now
	}
	v.addLeaf(leaf, stored)
	if e.Stream == CheckpointStream && h == e.Hash {
		return v.checkpoint(ctx, e)
	}
	return nil
}

// moved reports whether e, with computed hash h, is the event the Merkle
// log recorded at a position that has no event, and if so turns that
// position's missing break into a reordering naming e.
func (v *verifier) moved(e *eventstore.RecordedEvent, h eventstore.Hash) bool {
	if h != e.Hash {
		return false
	}
	leaf := tlog.RecordHash(h[:])
	o, ok := v.orphans[leaf]
	if !ok || o.brk < 0 || v.breaks[o.brk].Kind != Missing {
		return false
	}
	delete(v.orphans, leaf)
	delete(v.missingLeaf, leaf)
	b := &v.breaks[o.brk]
	b.Kind, b.Stream, b.Revision = Reordered, e.Stream, e.Revision
	b.Detail = fmt.Sprintf("the event the Merkle log recorded here is stored at position %d instead: it was moved", e.Position.Commit)
	return true
}

func revisionsGone(from, to uint64) string {
	if to-from == 1 {
		return fmt.Sprintf("revision %d is gone", from)
	}
	return fmt.Sprintf("revisions %d to %d are gone", from, to-1)
}

func (v *verifier) report() Report {
	breaks := v.breaks
	for i := range breaks {
		if b := &breaks[i]; b.replaced != "" && b.Kind != Reordered {
			b.Kind, b.Detail = Inserted, b.replaced
		}
	}
	slices.SortStableFunc(breaks, func(a, b Break) int { return cmp.Compare(a.Position, b.Position) })
	var from int64
	if v.from != nil {
		from = v.from.Size
	}
	return Report{
		From:        from,
		Events:      v.events,
		Streams:     len(v.streams),
		TreeSize:    v.size,
		Root:        v.tree.root(),
		Checkpoints: v.checked,
		Breaks:      breaks,
		More:        v.more,
	}
}
