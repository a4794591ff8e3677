package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/eventstore"
	"github.com/kinerja/kinerja/eventstore/bolt"
	"github.com/kinerja/kinerja/projections"
)

// newDemoLedger opens an embedded ledger in a new directory and loads the
// demo year into it.
func newDemoLedger(t *testing.T) (string, *bolt.Store) {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	empty := ""
	tokens, err := tokenKeyConfig{key: &empty, data: &dir}.tokens()
	if err != nil {
		t.Fatal(err)
	}
	if err := loadDemo(t.Context(), store, tokens, io.Discard); err != nil {
		t.Fatal(err)
	}
	return dir, store
}

// equalFullReplay checks that the read models ps, built how, hold what a
// replay of store's whole log builds.
func equalFullReplay(t *testing.T, store eventstore.Store, ps []projections.Projection, how string) {
	t.Helper()
	full := api.Projections()
	if _, err := build(t.Context(), store, full); err != nil {
		t.Fatal(err)
	}
	want := digests(t, full)
	for name, got := range digests(t, ps) {
		if got != want[name] {
			t.Errorf("%s %s: digest %x, full replay %x", name, how, got, want[name])
		}
	}
}

func digests(t *testing.T, ps []projections.Projection) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, p := range ps {
		d, err := p.Model().Digest()
		if err != nil {
			t.Fatal(err)
		}
		out[p.Name()] = d
	}
	return out
}

// TestSnapshotsRestoreAndReplayTheRest saves the read models' snapshots,
// appends to the ledger, and checks that a start from the snapshots
// replays only the new events and builds exactly the read models a full
// replay builds.
func TestSnapshotsRestoreAndReplayTheRest(t *testing.T) {
	dir, store := newDemoLedger(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	first := api.Projections()
	snaps := openSnapshots(dir, store, 1, log)
	if snaps == nil {
		t.Fatalf("openSnapshots failed:\n%s", logs.String())
	}
	snaps.restore(t.Context(), first)
	if _, err := build(t.Context(), store, first); err != nil {
		t.Fatal(err)
	}
	saved, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range first {
		if err := snaps.save(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	snaps.close()

	appendSubmittedSKP(t, store) // two events after the snapshots

	restored := api.Projections()
	snaps = openSnapshots(dir, store, 1, log)
	if snaps == nil {
		t.Fatalf("openSnapshots failed:\n%s", logs.String())
	}
	defer snaps.close()
	if n := snaps.restore(t.Context(), restored); n != len(restored) {
		t.Errorf("restore loaded %d snapshots, want all %d", n, len(restored))
	}
	for _, p := range restored {
		if got := p.Model().Position(); got != saved {
			t.Errorf("%s restored at %s, want the snapshot's %s", p.Name(), got, saved)
		}
	}
	replayed, err := build(t.Context(), store, restored)
	if err != nil {
		t.Fatal(err)
	}
	if replayed != 2 {
		t.Errorf("build replayed %d events after the snapshots, want 2", replayed)
	}

	equalFullReplay(t, store, restored, "from its snapshot and the rest of the log")
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings while saving and restoring:\n%s", logs.String())
	}
}

// TestSnapshotsOfAnotherLedgerAreDropped copies one ledger's snapshots
// beside another ledger: the start must notice, drop them and replay the
// whole log, rather than serve the other ledger's read models.
func TestSnapshotsOfAnotherLedgerAreDropped(t *testing.T) {
	dir, store := newDemoLedger(t)
	other, otherStore := newDemoLedger(t) // the same demo year, with other event ids
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	ps := api.Projections()
	snaps := openSnapshots(other, otherStore, 1, log)
	if _, err := build(t.Context(), otherStore, ps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := snaps.save(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	snaps.close()
	copyFile(t, filepath.Join(other, snapshotFile), filepath.Join(dir, snapshotFile))

	restored := api.Projections()
	snaps = openSnapshots(dir, store, 1, log)
	defer snaps.close()
	if n := snaps.restore(t.Context(), restored); n != 0 {
		t.Errorf("restore loaded %d of another ledger's snapshots, want none", n)
	}
	for _, p := range restored {
		if got := p.Model().Position(); got != (eventstore.Position{}) {
			t.Errorf("%s restored at %s from another ledger's snapshot, want the start of the log", p.Name(), got)
		}
	}
	if !strings.Contains(logs.String(), "it is another ledger's") {
		t.Errorf("the log does not say why the snapshots were dropped:\n%s", logs.String())
	}
	if _, err := build(t.Context(), store, restored); err != nil {
		t.Fatal(err)
	}
	equalFullReplay(t, store, restored, "after dropping the snapshot")
}

// TestDamagedSnapshotFileIsReplaced checks that a snapshot file that is not
// a bbolt file does not stop the start: it is started afresh.
func TestDamagedSnapshotFileIsReplaced(t *testing.T) {
	dir, store := newDemoLedger(t)
	if err := os.WriteFile(filepath.Join(dir, snapshotFile), []byte("not a bbolt file, whatever it once was"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	snaps := openSnapshots(dir, store, 1, slog.New(slog.NewTextHandler(&logs, nil)))
	if snaps == nil {
		t.Fatalf("openSnapshots gave up on a damaged file instead of starting it afresh:\n%s", logs.String())
	}
	defer snaps.close()
	if !strings.Contains(logs.String(), "starting them afresh") {
		t.Errorf("the log does not say the damaged file was replaced:\n%s", logs.String())
	}
	ps := api.Projections()
	snaps.restore(t.Context(), ps)
	if _, err := build(t.Context(), store, ps); err != nil {
		t.Fatal(err)
	}
	if err := snaps.save(t.Context(), ps[0]); err != nil {
		t.Errorf("save into the fresh file: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
