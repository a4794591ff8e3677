package proof

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// BundleFormat is the format line of every bundle this package writes.
const BundleFormat = "kinerja-proof-bundle/v1"

// Bundle is an offline proof: whole streams of the ledger up to a signed
// checkpoint, each event with its full envelope and its inclusion proof in
// that checkpoint. It is written by [ExportBundle] and [Bundle.Encode] and
// checked by [VerifyBundle].
type Bundle struct {
	Format     string        `json:"format"`
	Checkpoint string        `json:"checkpoint"` // the signed note; see FormatCheckpoint
	Events     []BundleEvent `json:"events"`     // stream by stream, each from revision 0 in order
}

// BundleEvent is one event of a [Bundle]: the envelope exactly as stored,
// and its inclusion proof (leaf Position-1 of the checkpoint's tree).
type BundleEvent struct {
	ID         uuid.UUID           `json:"id"`
	Stream     string              `json:"stream"`
	Revision   uint64              `json:"revision"`
	Position   uint64              `json:"position"`
	Type       string              `json:"type"`
	Data       string              `json:"data"` // the stored JSON body, byte for byte, as a string
	Metadata   eventstore.Metadata `json:"metadata"`
	RecordedAt string              `json:"recorded_at"` // RFC 3339 UTC with microseconds
	PrevHash   eventstore.Hash     `json:"prev_hash"`
	Hash       eventstore.Hash     `json:"hash"`
	Proof      tlog.RecordProof    `json:"inclusion_proof"`
}

func (b *BundleEvent) recorded() (eventstore.RecordedEvent, error) {
	at, err := time.Parse(timeLayout, b.RecordedAt)
	if err != nil {
		return eventstore.RecordedEvent{}, errors.New("recorded_at is not an RFC 3339 UTC time with microseconds")
	}
	return eventstore.RecordedEvent{
		ID: b.ID, Stream: b.Stream, Revision: b.Revision,
		Position: eventstore.Position{Commit: b.Position, Prepare: b.Position},
		Type:     b.Type, Data: json.RawMessage(b.Data), Metadata: b.Metadata,
		RecordedAt: at, PrevHash: b.PrevHash, Hash: b.Hash,
	}, nil
}

// ExportBundle builds the offline proof of the given streams (for an
// evaluation, its stream "evaluation-<id>") against checkpoint cp, which
// must carry its signed note (from [Latest], [List] or [Sign]). Each stream
// is taken whole from revision 0 up to its last event covered by cp; events
// appended after cp are left out, so sign a fresh checkpoint first to
// include them.
//
// It fails with domain.NotFound for a stream with no events, domain.Invalid
// for no streams or a stream whose first event came after cp, and with an
// error for a store whose Merkle log no longer gives cp's root (run
// [Verify]).
func ExportBundle(ctx context.Context, l Log, cp Checkpoint, streams ...string) (*Bundle, error) {
	if len(streams) == 0 {
		return nil, domain.Errorf(domain.Invalid, "name at least one stream to export").WithField("streams")
	}
	if len(cp.Note) == 0 {
		return nil, domain.Errorf(domain.Invalid, "the checkpoint has no signed note; use one read from the ledger").WithField("checkpoint")
	}
	r := hashReader(ctx, l)
	root, err := tlog.TreeHash(cp.Size, r)
	if err != nil {
		return nil, fmt.Errorf("export bundle: tree hash of size %d: %w", cp.Size, err)
	}
	if root != cp.Root {
		return nil, fmt.Errorf("export bundle: the stored Merkle log gives root %s for %d events, but the checkpoint signed %s; run kinerja verify", root, cp.Size, cp.Root)
	}
	b := &Bundle{Format: BundleFormat, Checkpoint: string(cp.Note)}
	for _, stream := range streams {
		events, err := l.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
		if err != nil {
			return nil, fmt.Errorf("export bundle: %s: %w", stream, err)
		}
		n := 0
		for i := range events {
			e := &events[i]
			if int64(e.Position.Commit) > cp.Size {
				break
			}
			if h := eventstore.ComputeHash(e); h != e.Hash {
				return nil, fmt.Errorf("export bundle: %s@%d at position %d no longer hashes to its stored hash (edited); run kinerja verify", e.Stream, e.Revision, e.Position.Commit)
			}
			p, err := tlog.ProveRecord(cp.Size, int64(e.Position.Commit)-1, r)
			if err != nil {
				return nil, fmt.Errorf("export bundle: %s@%d: %w", e.Stream, e.Revision, err)
			}
			if err := tlog.CheckRecord(p, cp.Size, cp.Root, int64(e.Position.Commit)-1, eventstore.LeafHash(e)); err != nil {
				return nil, fmt.Errorf("export bundle: %s@%d at position %d is not the event the Merkle log recorded; run kinerja verify: %w", e.Stream, e.Revision, e.Position.Commit, err)
			}
			b.Events = append(b.Events, BundleEvent{
				ID: e.ID, Stream: e.Stream, Revision: e.Revision, Position: e.Position.Commit,
				Type: e.Type, Data: string(e.Data), Metadata: e.Metadata,
				RecordedAt: e.RecordedAt.UTC().Format(timeLayout),
				PrevHash:   e.PrevHash, Hash: e.Hash, Proof: p,
			})
			n++
		}
		if n == 0 {
			return nil, domain.Errorf(domain.Invalid, "stream %s has no events covered by the checkpoint of %d events; sign a new checkpoint first", stream, cp.Size).WithField("streams")
		}
	}
	return b, nil
}

// Encode returns the bundle's canonical encoding: indented JSON ending in a
// newline. [VerifyBundle] accepts only this encoding.
func (b *Bundle) Encode() ([]byte, error) {
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return append(out, '\n'), nil
}

// BundleReport is what a verified bundle proves.
type BundleReport struct {
	Events     int
	Streams    []string // in the bundle's order
	Checkpoint Checkpoint
}

// String returns the one line `kinerja verify-bundle` prints.
func (r BundleReport) String() string {
	return fmt.Sprintf("OK: %d events of %s are in the ledger as signed by %s at %s (tree of %d events, root %s)",
		r.Events, strings.Join(r.Streams, ", "), r.Checkpoint.Origin, r.Checkpoint.Time.Format(timeLayout), r.Checkpoint.Size, r.Checkpoint.Root)
}

// VerifyBundle checks an encoded bundle with no store and no server: only
// the trusted verifier keys. It proves that each event, exactly as the
// bundle holds it, was in the ledger at the checkpoint, and that each stream
// is complete from revision 0 to its last event in the bundle. (It cannot
// prove that no later event of a stream was left out.)
//
// Any failure is a domain.Invalid error whose Field names the offending
// part ("events[3]", "checkpoint") and whose message says what is wrong.
func VerifyBundle(data []byte, trusted note.Verifiers) (BundleReport, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return BundleReport{}, bundleErr("", "the file is not a proof bundle: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return BundleReport{}, bundleErr("", "the file has data after the bundle")
	}
	if b.Format != BundleFormat {
		return BundleReport{}, bundleErr("format", "the format is %q; this program reads %q", b.Format, BundleFormat)
	}
	canonical, err := b.Encode()
	if err != nil {
		return BundleReport{}, err
	}
	if !bytes.Equal(canonical, data) {
		at := 0
		for at < len(data) && at < len(canonical) && data[at] == canonical[at] {
			at++
		}
		return BundleReport{}, bundleErr("", "the file was changed after export: byte %d differs from the encoding of what it holds", at)
	}
	cp, err := OpenCheckpoint([]byte(b.Checkpoint), trusted)
	if err != nil {
		return BundleReport{}, bundleErr("checkpoint", "%v", err)
	}
	if len(b.Events) == 0 {
		return BundleReport{}, bundleErr("events", "the bundle has no events")
	}
	rep := BundleReport{Events: len(b.Events), Checkpoint: cp}
	type link struct {
		next uint64
		last eventstore.Hash
	}
	streams := make(map[string]*link)
	positions := make(map[uint64]bool, len(b.Events))
	var current string
	for i := range b.Events {
		be := &b.Events[i]
		field := fmt.Sprintf("events[%d]", i)
		name := fmt.Sprintf("event %d (%s revision %d, position %d)", i, be.Stream, be.Revision, be.Position)
		e, err := be.recorded()
		if err != nil {
			return BundleReport{}, bundleErr(field, "%s: %v", name, err)
		}
		if err := eventstore.ValidateStream(be.Stream); err != nil {
			return BundleReport{}, bundleErr(field, "%s: %v", name, err)
		}
		s, ok := streams[be.Stream]
		switch {
		case !ok:
			s = &link{}
			streams[be.Stream] = s
			rep.Streams = append(rep.Streams, be.Stream)
		case be.Stream != current:
			return BundleReport{}, bundleErr(field, "%s: the events of stream %s are not together", name, be.Stream)
		}
		current = be.Stream
		switch {
		case be.Revision != s.next:
			return BundleReport{}, bundleErr(field, "%s: stream %s should continue with revision %d", name, be.Stream, s.next)
		case be.PrevHash != s.last:
			return BundleReport{}, bundleErr(field, "%s: it does not link to the previous event of its stream", name)
		case eventstore.ComputeHash(&e) != be.Hash:
			return BundleReport{}, bundleErr(field, "%s: its contents do not match its hash: the event was changed", name)
		case be.Position < 1 || int64(be.Position) > cp.Size:
			return BundleReport{}, bundleErr(field, "%s: position %d is not covered by the checkpoint of %d events", name, be.Position, cp.Size)
		case positions[be.Position]:
			return BundleReport{}, bundleErr(field, "%s: another event of the bundle has position %d", name, be.Position)
		}
		if err := tlog.CheckRecord(be.Proof, cp.Size, cp.Root, int64(be.Position)-1, eventstore.LeafHash(&e)); err != nil {
			return BundleReport{}, bundleErr(field, "%s: its inclusion proof does not lead to the signed root: %v", name, err)
		}
		positions[be.Position] = true
		s.next, s.last = be.Revision+1, be.Hash
	}
	return rep, nil
}

func bundleErr(field, format string, args ...any) error {
	e := domain.Errorf(domain.Invalid, "proof bundle: "+format, args...).WithRule("proof-bundle")
	if field != "" {
		e = e.WithField(field)
	}
	return e
}
