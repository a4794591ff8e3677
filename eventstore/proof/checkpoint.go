package proof

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/eventstore"
)

// Log is what reading, proving and verifying need from a dense event store:
// the global log, its head, single streams and the stored Merkle hashes.
// eventstore/bolt and eventstore/postgres stores implement it.
type Log interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error)
	Head(ctx context.Context) (eventstore.Position, error)
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// Ledger is a [Log] that can also append, which [Sign] needs to store a
// checkpoint.
type Ledger interface {
	Log
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
}

// Where and how checkpoints are stored in the ledger.
const (
	CheckpointStream    = "ledger-checkpoints"
	CheckpointEventType = "ledger.checkpoint_signed"
)

// checkpointNamespace seeds the ids of checkpoint commands, so that a retried
// signing of the same checkpoint appends nothing new.
var checkpointNamespace = uuid.MustParse("6d2f1c1e-7a43-5b0e-9a52-3f0c4b8e2d71")

// timeLayout is RFC 3339 in UTC with exactly six fractional digits, the
// precision the event store keeps, so that formatting is canonical.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Checkpoint is a signed tree head of the ledger's Merkle log: the first
// Size events (positions 1..Size) have Merkle root Root, as signed by Origin
// at Time.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Time   time.Time // UTC, microseconds
	Note   []byte    // the signed note: the text of FormatCheckpoint and its signature lines

	// Where the checkpoint's own event is stored; zero for a checkpoint that
	// was not read from the ledger.
	Position eventstore.Position
	Revision uint64
}

// MarshalJSON encodes cp for the API: origin, size, root_hash (base64),
// time (RFC 3339 UTC), note (the signed note, to be checked with the
// verifier key) and, for a stored checkpoint, its position and revision.
func (cp Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Origin   string    `json:"origin"`
		Size     int64     `json:"size"`
		Root     tlog.Hash `json:"root_hash"`
		Time     string    `json:"time"`
		Note     string    `json:"note"`
		Position uint64    `json:"position,omitempty"`
		Revision uint64    `json:"revision"`
	}{cp.Origin, cp.Size, cp.Root, cp.Time.UTC().Format(timeLayout), string(cp.Note), cp.Position.Commit, cp.Revision})
}

// checkpointData is the JSON body of a CheckpointEventType event. The note
// is what counts; the other fields repeat it for readers without a key and
// must agree with it.
type checkpointData struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   tlog.Hash `json:"root"`
	Time   string    `json:"time"`
	Note   string    `json:"note"`
}

// FormatCheckpoint returns the text a checkpoint signs: the origin, the tree
// size, the base64 root hash and a "time" line, each ending in a newline.
func FormatCheckpoint(origin string, size int64, root tlog.Hash, at time.Time) []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\ntime %s\n", origin, size, root, at.UTC().Format(timeLayout))
}

// parseCheckpointText parses text written by FormatCheckpoint, and only that:
// anything that does not format back to the same bytes is rejected.
func parseCheckpointText(text string) (Checkpoint, error) {
	bad := errors.New("checkpoint text is not origin, size, root hash and time lines")
	lines := strings.Split(text, "\n")
	if len(lines) != 5 || lines[4] != "" || !strings.HasPrefix(lines[3], "time ") {
		return Checkpoint{}, bad
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return Checkpoint{}, bad
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return Checkpoint{}, bad
	}
	at, err := time.Parse(timeLayout, strings.TrimPrefix(lines[3], "time "))
	if err != nil {
		return Checkpoint{}, bad
	}
	cp := Checkpoint{Origin: lines[0], Size: size, Root: root, Time: at}
	if string(FormatCheckpoint(cp.Origin, cp.Size, cp.Root, cp.Time)) != text {
		return Checkpoint{}, bad
	}
	return cp, nil
}

// SignCheckpoint signs the tree head (size, root) at time at with signer.
// The origin is the signer's name. It does not store anything; see [Sign].
func SignCheckpoint(signer note.Signer, size int64, root tlog.Hash, at time.Time) (Checkpoint, error) {
	at = at.UTC().Truncate(time.Microsecond)
	text := FormatCheckpoint(signer.Name(), size, root, at)
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint: size %d: %w", size, err)
	}
	return Checkpoint{Origin: signer.Name(), Size: size, Root: root, Time: at, Note: msg}, nil
}

// OpenCheckpoint verifies a signed checkpoint note with the trusted keys and
// returns what it says. It fails with domain.Invalid when the note is
// malformed, is not signed by a trusted key, has a bad signature, or its
// origin is not the name of the key that signed it.
func OpenCheckpoint(msg []byte, trusted note.Verifiers) (Checkpoint, error) {
	n, err := note.Open(msg, trusted)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, domain.Errorf(domain.Invalid, "the checkpoint is not signed by a trusted key (signed by %s)", signerNames(unverified.Note.UnverifiedSigs)).WithRule("checkpoint-signature")
		case errors.As(err, &invalid):
			return Checkpoint{}, domain.Errorf(domain.Invalid, "the checkpoint's signature by %s does not match its text: the checkpoint was altered", invalid.Name).WithRule("checkpoint-signature")
		}
		return Checkpoint{}, domain.Errorf(domain.Invalid, "the checkpoint is not a signed note: %v", err).WithRule("checkpoint-signature")
	}
	for _, sig := range slices.Concat(n.Sigs, n.UnverifiedSigs) {
		// note accepts base64 whose unused bits are set, so one note
		// would have several spellings; allow only the canonical one.
		if _, err := base64.StdEncoding.Strict().DecodeString(sig.Base64); err != nil {
			return Checkpoint{}, domain.Errorf(domain.Invalid, "the checkpoint's signature by %s is not canonical base64: the checkpoint was altered", sig.Name).WithRule("checkpoint-signature")
		}
	}
	cp, err := parseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, domain.Errorf(domain.Invalid, "the signed checkpoint is malformed: %v", err).WithRule("checkpoint-format")
	}
	signed := false
	for _, s := range n.Sigs {
		signed = signed || s.Name == cp.Origin
	}
	if !signed {
		return Checkpoint{}, domain.Errorf(domain.Invalid, "the checkpoint names origin %q but is signed by %s", cp.Origin, signerNames(n.Sigs)).WithRule("checkpoint-signature")
	}
	cp.Note = msg
	return cp, nil
}

func signerNames(sigs []note.Signature) string {
	if len(sigs) == 0 {
		return "nobody"
	}
	names := make([]string, len(sigs))
	for i, s := range sigs {
		names[i] = fmt.Sprintf("%s+%08x", s.Name, s.Hash)
	}
	return strings.Join(names, ", ")
}

// TreeHash returns the root of the first size events of the log, from the
// stored Merkle hashes. size must be between 0 and the log's head
// (domain.Invalid otherwise).
func TreeHash(ctx context.Context, l Log, size int64) (tlog.Hash, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("tree hash: read head: %w", err)
	}
	if size < 0 || size > int64(head.Commit) {
		return tlog.Hash{}, domain.Errorf(domain.Invalid, "tree size %d is outside the log, which has %d events", size, head.Commit).WithField("size")
	}
	h, err := tlog.TreeHash(size, hashReader(ctx, l))
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("tree hash: size %d: %w", size, err)
	}
	return h, nil
}

func hashReader(ctx context.Context, l Log) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := l.ReadHashes(ctx, indexes)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(indexes) {
			return nil, fmt.Errorf("read hashes: asked for %d, got %d", len(indexes), len(hs))
		}
		return hs, nil
	})
}

// Sign signs the log's current tree head with signer and stores the
// checkpoint as the next event of [CheckpointStream], at time at. When
// nothing has been appended since the latest checkpoint's own event it
// stores nothing and returns that checkpoint with created false, so signing
// at an interval does not grow an idle log. A concurrent signer is retried
// a few times; errors of the store are returned wrapped.
func Sign(ctx context.Context, l Ledger, signer note.Signer, at time.Time) (cp Checkpoint, created bool, err error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		cp, created, err = signOnce(ctx, l, signer, at)
		if domain.KindOf(err) != domain.Conflict || attempt == attempts {
			return cp, created, err
		}
	}
}

func signOnce(ctx context.Context, l Ledger, signer note.Signer, at time.Time) (Checkpoint, bool, error) {
	latest, err := Latest(ctx, l)
	hasLatest := err == nil
	if err != nil && domain.KindOf(err) != domain.NotFound {
		return Checkpoint{}, false, err
	}
	head, err := l.Head(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("sign checkpoint: read head: %w", err)
	}
	if hasLatest && head == latest.Position {
		return latest, false, nil
	}
	size := int64(head.Commit)
	root, err := tlog.TreeHash(size, hashReader(ctx, l))
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("sign checkpoint: tree hash of size %d: %w", size, err)
	}
	cp, err := SignCheckpoint(signer, size, root, at)
	if err != nil {
		return Checkpoint{}, false, err
	}
	data, err := json.Marshal(checkpointData{Origin: cp.Origin, Size: cp.Size, Root: cp.Root, Time: cp.Time.Format(timeLayout), Note: string(cp.Note)})
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("sign checkpoint: encode: %w", err)
	}
	// The id covers everything signed, so an idempotent retry can only ever
	// report a stored checkpoint identical to this one (Ed25519 signatures
	// are deterministic), and a different one conflicts instead.
	command := uuid.NewSHA1(checkpointNamespace, FormatCheckpoint(cp.Origin, cp.Size, cp.Root, cp.Time))
	expected := eventstore.NoStream
	if hasLatest {
		expected = eventstore.Exact(latest.Revision)
	}
	res, err := l.Append(ctx, CheckpointStream, expected, eventstore.EventData{
		ID:   eventstore.DeriveEventID(command, 0),
		Type: CheckpointEventType,
		Data: data,
		Metadata: eventstore.Metadata{
			Actor:         eventstore.Actor{ID: signer.Name(), Role: "system"},
			CommandID:     command,
			CorrelationID: command,
			Reason:        "signed checkpoint of the ledger",
			SchemaVersion: 1,
		},
	})
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("sign checkpoint: append to %s: %w", CheckpointStream, err)
	}
	cp.Position, cp.Revision = res.Position, res.Revision
	return cp, true, nil
}

// List returns every stored checkpoint, oldest first, as stored: the
// signatures are not checked here (the caller, or [Verify], does that with
// [OpenCheckpoint]). No checkpoints is an empty list. A checkpoint event
// that cannot be decoded is an error naming it.
func List(ctx context.Context, l Log) ([]Checkpoint, error) {
	events, err := l.ReadStream(ctx, CheckpointStream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	out := make([]Checkpoint, 0, len(events))
	for i := range events {
		cp, err := decodeCheckpoint(&events[i])
		if err != nil {
			return nil, fmt.Errorf("list checkpoints: %w", err)
		}
		out = append(out, cp)
	}
	return out, nil
}

// Latest returns the newest stored checkpoint, unchecked like [List]. With
// none it fails with domain.NotFound.
func Latest(ctx context.Context, l Log) (Checkpoint, error) {
	events, err := l.ReadStream(ctx, CheckpointStream, eventstore.ReadStreamOptions{Backwards: true, From: eventstore.End, Limit: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || err == nil && len(events) == 0 {
		return Checkpoint{}, domain.Errorf(domain.NotFound, "no checkpoint has been signed yet")
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	cp, err := decodeCheckpoint(&events[0])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	return cp, nil
}

// decodeCheckpoint reads a checkpoint event's body without checking its
// signature.
func decodeCheckpoint(e *eventstore.RecordedEvent) (Checkpoint, error) {
	if e.Type != CheckpointEventType {
		return Checkpoint{}, fmt.Errorf("%s@%d: type %q is not %q", e.Stream, e.Revision, e.Type, CheckpointEventType)
	}
	var d checkpointData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return Checkpoint{}, fmt.Errorf("%s@%d: %w", e.Stream, e.Revision, err)
	}
	at, err := time.Parse(timeLayout, d.Time)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%s@%d: time: %w", e.Stream, e.Revision, err)
	}
	return Checkpoint{
		Origin: d.Origin, Size: d.Size, Root: d.Root, Time: at, Note: []byte(d.Note),
		Position: e.Position, Revision: e.Revision,
	}, nil
}

// checkStored verifies a stored checkpoint: its note's signature with the
// trusted keys, and that the event's fields repeat the note. It returns the
// verified checkpoint, or what is wrong in words an auditor understands.
func checkStored(e *eventstore.RecordedEvent, trusted note.Verifiers) (Checkpoint, string) {
	stored, err := decodeCheckpoint(e)
	if err != nil {
		return Checkpoint{}, "the checkpoint event cannot be read: " + err.Error()
	}
	cp, err := OpenCheckpoint(stored.Note, trusted)
	if err != nil {
		return Checkpoint{}, err.Error()
	}
	if cp.Origin != stored.Origin || cp.Size != stored.Size || cp.Root != stored.Root || !cp.Time.Equal(stored.Time) {
		return Checkpoint{}, "the checkpoint event's size, root or time differ from its signed note"
	}
	cp.Position, cp.Revision = e.Position, e.Revision
	return cp, ""
}
