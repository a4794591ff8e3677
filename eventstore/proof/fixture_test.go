package proof_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// fixture is a small ledger written through the store's own Append: three
// streams interleaved, one batch append, and two signed checkpoints.
type fixture struct {
	evaluation, other, skp string
	at                     map[string][]uint64 // stream → position of each revision
	checkpoints            []proof.Checkpoint
	signer                 note.Signer
	trusted                note.Verifiers
	head                   uint64
}

func newKeys(t testing.TB, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := proof.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := proof.ParseSignerKey([]byte(skey))
	if err != nil {
		t.Fatal(err)
	}
	v, err := proof.ParseVerifierKey([]byte(vkey))
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func event(stream string, i int) eventstore.EventData {
	cmd := uuid.New()
	return eventstore.EventData{
		ID:   eventstore.DeriveEventID(cmd, 0),
		Type: "evaluation.work_result_rated",
		Data: fmt.Appendf(nil, `{"step": %d, "stream": %q, "rating": "DI_ATAS_EKSPEKTASI"}`, i, stream),
		Metadata: eventstore.Metadata{
			Actor:         eventstore.Actor{ID: "199001012015031001", Role: "evaluator"},
			CommandID:     cmd,
			CorrelationID: cmd,
			Reason:        "rating " + stream,
			SchemaVersion: 1,
		},
	}
}

func seed(t *testing.T, l proof.Ledger) fixture {
	t.Helper()
	ctx := t.Context()
	signer, verifier := newKeys(t, "kinerja.test")
	fx := fixture{
		evaluation: "evaluation-" + uuid.NewString(),
		other:      "evaluation-" + uuid.NewString(),
		skp:        "skp-" + uuid.NewString(),
		at:         make(map[string][]uint64),
		signer:     signer,
		trusted:    note.VerifierList(verifier),
	}
	e, o, s := fx.evaluation, fx.other, fx.skp
	plan := []struct {
		stream string
		n      int
	}{{e, 1}, {o, 1}, {e, 1}, {s, 1}, {e, 2}, {o, 1}, {"", 0}, {e, 1}, {s, 1}, {o, 1}, {e, 1}, {s, 1}, {"", 0}}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, step := range plan {
		if step.stream == "" {
			cp, created, err := proof.Sign(ctx, l, signer, at.Add(time.Duration(i)*time.Minute))
			if err != nil || !created {
				t.Fatalf("Sign() = %v, created %v", err, created)
			}
			fx.checkpoints = append(fx.checkpoints, cp)
			fx.at[proof.CheckpointStream] = append(fx.at[proof.CheckpointStream], cp.Position.Commit)
			fx.head = cp.Position.Commit
			continue
		}
		expected := eventstore.NoStream
		if n := len(fx.at[step.stream]); n > 0 {
			expected = eventstore.Exact(uint64(n - 1))
		}
		var batch []eventstore.EventData
		for j := range step.n {
			batch = append(batch, event(step.stream, len(fx.at[step.stream])+j))
		}
		res, err := l.Append(ctx, step.stream, expected, batch...)
		if err != nil {
			t.Fatalf("append to %s: %v", step.stream, err)
		}
		for j := range step.n {
			fx.at[step.stream] = append(fx.at[step.stream], res.Position.Commit-uint64(step.n-1-j))
		}
		fx.head = res.Position.Commit
	}
	return fx
}

// wantBreak checks that rep's first break is of the given kind at the given
// place. An empty stream means the event cannot be named.
func wantBreak(t *testing.T, rep proof.Report, kind proof.Kind, position uint64, stream string, revision uint64) {
	t.Helper()
	b, ok := rep.First()
	if !ok {
		t.Fatalf("Verify() = %s, want a break of kind %s at position %d", rep, kind, position)
	}
	if b.Kind != kind || b.Position != position || b.Stream != stream || (stream != "" && b.Revision != revision) {
		t.Fatalf("first break = %s\nwant %s at position %d (stream %q, revision %d)", b, kind, position, stream, revision)
	}
}

// jsonString returns s as it appears inside a JSON document.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// want is the break a test expects; the zero want expects none.
type want struct {
	kind     proof.Kind
	position uint64
	stream   string
	revision uint64
}
