package esdb

import (
	"sync"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/eventstore"
)

// maxTails bounds the tails an Append remembers.
const maxTails = 4096

// tail is what Append needs of a stream's last event to chain the next one.
type tail struct {
	revision uint64
	id       uuid.UUID
	hash     eventstore.Hash
}

// tails remembers the last event of recently appended streams, so that an
// append expecting exactly that revision needs no read before its write. It
// is safe because an event at a revision never changes: if the stream has
// moved on, the server refuses the append (it is sent with that exact
// revision) and Append reads the stream as it would have anyway.
type tails struct {
	mu sync.Mutex
	m  map[string]tail
}

// get returns the remembered last event of stream if it is the one expected
// names exactly.
func (ts *tails) get(stream string, expected eventstore.ExpectedRevision) (tail, bool) {
	r, exact := expected.Revision()
	if !exact {
		return tail{}, false
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[stream]
	return t, ok && t.revision == r
}

// put remembers t as the last event of stream, unless a later one is known.
func (ts *tails) put(stream string, t tail) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.m == nil {
		ts.m = make(map[string]tail)
	}
	if old, ok := ts.m[stream]; ok && old.revision >= t.revision {
		return
	}
	if len(ts.m) >= maxTails {
		for k := range ts.m { // drop any one: it only costs a read later
			delete(ts.m, k)
			break
		}
	}
	ts.m[stream] = t
}
