// Package proof is the auditor's toolkit over a dense event store (the
// embedded bbolt store and PostgreSQL): signed checkpoints of the global
// Merkle log, inclusion and consistency proofs, full verification of the
// ledger, and offline proof bundles.
//
// # What it builds on
//
// Every stored event carries a per-stream hash chain (eventstore.ComputeHash,
// PrevHash/Hash), and a dense backend keeps an RFC 6962 Merkle tree
// (golang.org/x/mod/sumdb/tlog) over the whole log in commit order, in the same
// transaction as the append: leaf i is the event at global position i+1, with
// record hash eventstore.LeafHash. This package reads both through [Log]
// and writes nothing but checkpoint events, through [Ledger].
//
// # Keys
//
// [GenerateKey] makes an Ed25519 key pair in the golang.org/x/mod/sumdb/note
// encoding. The signer key ("PRIVATE+KEY+name+hash+key") stays with the
// server; the verifier key ("name+hash+key") is published to auditors. A key
// file holds the one key line and a newline; [WriteKeyFiles] writes the pair
// (the signer file 0600, never overwriting an existing file) and
// [ReadSignerKey] and [ReadVerifierKey] read them back. The key name is the
// ledger's name, for example "kinerja.bkn.go.id"; it is the first line of
// every checkpoint.
//
// # Checkpoints
//
// A checkpoint is a signed note whose text is a tree head in the C2SP
// tlog-checkpoint layout (the tlog.FormatTree style with an origin line) plus
// a timestamp line:
//
//	kinerja.bkn.go.id
//	1234
//	nND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=
//	time 2026-11-22T21:24:04.123456Z
//
//	— kinerja.bkn.go.id Az3grl…
//
// The lines are: the origin (the signer's name), the tree size (the number of
// events covered, positions 1..size), the root hash in base64, and the
// signing time in RFC 3339 UTC with microseconds.
//
// Checkpoints are kept in the ledger itself, as events of stream
// [CheckpointStream] ("ledger-checkpoints") with type [CheckpointEventType],
// so every backend keeps them with no extra storage, they are covered by the
// hash chain and the Merkle log like any other event, and deleting one is
// caught like deleting any other event. A checkpoint covers the tree as it was
// before its own event was appended: its size is always less than its own
// position. [Sign] appends one (skipping the append when nothing but the
// previous checkpoint has been written since, so an idle server does not grow
// the log), [List] and [Latest] read them back.
//
// # Proofs
//
// [ProveInclusion] and [ProveConsistency] build tlog record and tree proofs
// from the stored hashes; tlog.CheckRecord and tlog.CheckTree verify them.
//
// # Verification
//
// [Verify] reads the whole log in commit order and re-computes, from the
// events themselves, every event hash, every per-stream link and every hash
// of the Merkle tree, compares each with what is stored, and checks every
// stored checkpoint's signature and root against the tree the events give.
// It reports the first broken event by position, stream and revision and
// classifies what is wrong ([Break]):
//
//   - edited: the event's stored contents no longer hash to its stored hash;
//     or it hashes correctly but the Merkle log recorded a different event at
//     its position, nowhere else in the log, while its stream's revisions run
//     in order (it was rewritten and re-hashed).
//   - missing: a position in the Merkle log has no event (a deleted row). The
//     stream and revision of the deleted event are named when a later event of
//     its stream links to it: that event's PrevHash, record-hashed, equals the
//     stored Merkle leaf at the empty position. A stream whose revisions skip,
//     or a checkpoint or log head beyond the last event, is also missing.
//   - reordered: the event is intact but the Merkle log recorded it at
//     another position (rows swapped or moved).
//   - inserted: an event beyond the Merkle log's size, a second event at a
//     position or stream revision already taken, an intact-looking event
//     the Merkle log never recorded that does not fit its stream's
//     revisions, or one that took the place of another event (a later event
//     of another stream links to the leaf the Merkle log holds there).
//   - forged: a checkpoint whose signature does not verify with the trusted
//     keys, whose fields disagree with its signed text, or which covers a size
//     its own position cannot have.
//   - rewritten: the events, their chains and the Merkle log agree with each
//     other, but not with a signed checkpoint: history up to that checkpoint
//     was rebuilt as a whole. Only a signed checkpoint can reveal this, which
//     is why checkpoints should be published outside the database.
//
// The size of the stored Merkle log is taken from the store's [TreeSizer]
// when it has one, or else found by probing the stored hashes past the head,
// so that deleting the last events (and moving the head back) is still
// caught. With Options.From, Verify trusts one signed checkpoint and checks
// only the events after it: the stored tree of the checkpoint's size must
// give the signed root, the previous revision of every stream met is
// checked by an inclusion proof in that checkpoint, and older checkpoints
// by a consistency proof.
//
// What cannot be detected: someone with write access to the database who
// appends well-formed events after the last published checkpoint, with
// correct hashes and Merkle hashes, is indistinguishable from the server.
// Publishing checkpoints often bounds that window.
//
// # Bundles
//
// [ExportBundle] collects whole streams (for an evaluation, its stream
// "evaluation-<id>") up to a signed checkpoint: every event with its full
// envelope, the inclusion proof of each in that checkpoint, and the signed
// checkpoint itself, as one JSON document ([Bundle.Encode]). Event bodies are
// carried as JSON strings holding the exact stored bytes, because the hash is
// over those bytes. [VerifyBundle] needs only the bundle and the verifier
// key: it checks the signature, each event's hash and stream links from
// revision 0, each inclusion proof with tlog.CheckRecord, and that the file is
// byte for byte the canonical encoding of what it holds, so that changing any
// byte of it makes it fail.
//
// A bundle looks like this (abridged):
//
//	{
//	  "format": "kinerja-proof-bundle/v1",
//	  "checkpoint": "kinerja.bkn.go.id\n1234\nnND/…=\ntime 2026-11-22T21:24:04.123456Z\n\n— kinerja.bkn.go.id Az3g…\n",
//	  "events": [
//	    {
//	      "id": "…", "stream": "evaluation-…", "revision": 0, "position": 17,
//	      "type": "evaluation.opened", "data": "{\"employee\":\"…\"}",
//	      "metadata": {"actor": {"id": "…", "role": "evaluator"}, "command_id": "…", …},
//	      "recorded_at": "2026-11-22T08:00:00.000000Z",
//	      "prev_hash": "000…", "hash": "9f2…",
//	      "inclusion_proof": ["base64…", …]
//	    }
//	  ]
//	}
//
// # Wiring (for cmd/kinerja and api)
//
//   - kinerja keygen: [GenerateKey] with crypto/rand.Reader, then
//     [WriteKeyFiles].
//   - serve, on an interval and on demand: [ReadSignerKey] once, then
//     [Sign] with the current time.
//   - kinerja verify: [ReadVerifierKey], then [Verify] with
//     Options{Trusted: note.VerifierList(v)}; print [Report.String] and exit
//     non-zero unless [Report.OK]. "--from-latest" passes the newest
//     checkpoint from [Latest] as Options.From.
//   - kinerja export-proof --evaluation ID: [Latest] (or [Sign] first, with
//     the signer key, to cover the newest events), [ExportBundle] with stream
//     "evaluation-"+ID, [Bundle.Encode], write the file.
//   - kinerja verify-bundle FILE --key PUB: [ReadVerifierKey], then
//     [VerifyBundle]; print [BundleReport.String] or the error.
//   - GET /v1/ledger/checkpoints and /latest: [List] and [Latest]
//     (Checkpoint marshals to JSON with its signed note);
//     /v1/ledger/proofs/inclusion and /consistency: [ProveInclusion] and
//     [ProveConsistency], whose domain.Invalid errors name the query
//     parameter.
//
// Only dense backends (eventstore/bolt, eventstore/postgres) keep the Merkle
// log; the EventStoreDB backend has no Merkle log and cannot be verified here.
package proof
