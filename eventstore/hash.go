package eventstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Hash is a SHA-256 digest in the ledger's hash chain.
type Hash [32]byte

// IsZero reports whether h is the zero hash (no previous event).
func (h Hash) IsZero() bool { return h == Hash{} }

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes h as lower-case hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes lower-case hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 2*len(h) {
		return fmt.Errorf("hash %q: want %d hex digits", b, 2*len(h))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// hashDomain separates event hashes from every other SHA-256 use; bump the
// version if the canonical encoding ever changes, and keep the old one for
// events stored under it.
const hashDomain = "kinerja/event/v1"

// ComputeHash returns the hash of e over a canonical encoding of its envelope
// and data: id, stream, revision, type, the exact data bytes, every metadata
// field, recorded-at (UTC microseconds) and PrevHash. The global position is
// left out on purpose: it is assigned by the backend (EventStoreDB only after
// the write), and the Merkle log over positions covers global order.
func ComputeHash(e *RecordedEvent) Hash {
	var stack [1024]byte // enough for most events, so that hashing allocates nothing
	return sha256.Sum256(appendCanonical(stack[:0], e))
}

// appendCanonical appends the encoding ComputeHash hashes: every field with
// its length in front, so that no two field sequences encode alike, and
// numbers as unsigned varints.
func appendCanonical(b []byte, e *RecordedEvent) []byte {
	m := &e.Metadata
	b = appendField(b, hashDomain)
	b = appendField(b, e.ID[:])
	b = appendField(b, e.Stream)
	b = binary.AppendUvarint(b, e.Revision)
	b = appendField(b, e.Type)
	b = appendField(b, e.Data)
	b = appendField(b, m.Actor.ID)
	b = appendField(b, m.Actor.Role)
	b = appendField(b, m.CommandID[:])
	b = appendField(b, m.CorrelationID[:])
	b = appendField(b, m.CausationID[:])
	b = appendField(b, m.Reason)
	b = binary.AppendUvarint(b, uint64(int64(m.SchemaVersion)))
	b = binary.AppendUvarint(b, uint64(e.RecordedAt.UnixMicro()))
	return appendField(b, e.PrevHash[:])
}

func appendField[T ~string | ~[]byte](b []byte, v T) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// Seal completes events that a backend is about to store as revisions
// first, first+1, … of stream: it sets the envelope fields that do not depend
// on the global position, including the hash chain from prev. Positions are
// left to the backend. recordedAt is truncated to the microsecond, the
// precision every backend keeps.
func Seal(stream string, first uint64, prev Hash, recordedAt time.Time, events []EventData) []RecordedEvent {
	at := recordedAt.UTC().Truncate(time.Microsecond)
	out := make([]RecordedEvent, len(events))
	for i, e := range events {
		r := &out[i]
		*r = RecordedEvent{
			ID:         e.ID,
			Stream:     stream,
			Revision:   first + uint64(i),
			Type:       e.Type,
			Data:       e.Data,
			Metadata:   e.Metadata,
			RecordedAt: at,
			PrevHash:   prev,
		}
		r.Hash = ComputeHash(r)
		prev = r.Hash
	}
	return out
}

// VerifyChain checks that events, consecutive revisions of one stream in
// order, each hash correctly and link to the one before. prev is the hash of
// the event before the first (zero for revision 0). It returns the index of
// the first bad event and what is wrong, or -1.
func VerifyChain(prev Hash, events []RecordedEvent) (int, string) {
	for i := range events {
		e := &events[i]
		if e.PrevHash != prev {
			return i, fmt.Sprintf("%s@%d links to %s, but the previous event hashes to %s", e.Stream, e.Revision, e.PrevHash, prev)
		}
		if h := ComputeHash(e); h != e.Hash {
			return i, fmt.Sprintf("%s@%d hashes to %s, but %s is stored", e.Stream, e.Revision, h, e.Hash)
		}
		prev = e.Hash
	}
	return -1, ""
}
