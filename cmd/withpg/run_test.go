package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// helperEnv makes the test binary act as the command withpg runs: it
// connects to the cluster, writes to it, prints what it saw and exits with
// the status the variable holds.
const helperEnv = "WITHPG_TEST_HELPER_EXIT"

func TestMain(m *testing.M) {
	if code := os.Getenv(helperEnv); code != "" {
		os.Exit(helper(code))
	}
	os.Exit(m.Run())
}

func helper(code string) int {
	status, err := strconv.Atoi(code)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 100
	}
	ctx := context.Background() // the helper is its own main
	conn, err := pgx.Connect(ctx, os.Getenv(envURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 101
	}
	defer conn.Close(ctx)
	var fsync, super, dataDir string
	var n int
	err = conn.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('is_superuser'), current_setting('data_directory')`).Scan(&fsync, &super, &dataDir)
	if err == nil {
		_, err = conn.Exec(ctx, `CREATE TABLE probe AS SELECT generate_series(1, 3) AS n`)
	}
	if err == nil {
		err = conn.QueryRow(ctx, `SELECT sum(n) FROM probe`).Scan(&n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 102
	}
	fmt.Printf("fsync=%s superuser=%s sum=%d data=%s\n", fsync, super, n, dataDir)
	if status == waitForSignal {
		time.Sleep(time.Minute) // the interrupt ends the process first
	}
	return status
}

// waitForSignal makes the helper wait to be interrupted.
const waitForSignal = 99

func TestRunPropagatesStatusAndRemovesCluster(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{0, 3} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Setenv(helperEnv, strconv.Itoa(status))
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{"--", self}, os.Getenv, &stdout, &stderr)
			switch {
			case status == 0 && err != nil:
				t.Fatalf("run() = %v, want nil; stderr:\n%s", err, &stderr)
			case status != 0:
				var got exitStatus
				if !errors.As(err, &got) || int(got) != status {
					t.Fatalf("run() = %v, want exit status %d; stderr:\n%s", err, status, &stderr)
				}
				if code := exitCode(err, &stderr); code != status {
					t.Errorf("exitCode() = %d, want %d", code, status)
				}
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "fsync=on superuser=on sum=6 data=") {
				t.Fatalf("the command saw %q, want a superuser session on a cluster with fsync on that it could write to", out)
			}
			dataDir := strings.TrimSpace(strings.TrimPrefix(out, "fsync=on superuser=on sum=6 data="))
			if _, err := os.Stat(filepath.Dir(dataDir)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("cluster directory %s still exists after run (stat: %v)", filepath.Dir(dataDir), err)
			}
		})
	}
}

func TestRunInterruptRemovesCluster(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(helperEnv, strconv.Itoa(waitForSignal))
	ctx, interrupt := context.WithCancel(t.Context()) // what SIGINT does to run's ctx in main
	defer interrupt()
	var stdout lockedBuffer
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--", self}, os.Getenv, &stdout, &stderr) }()

	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatal("the command did not start within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	interrupt()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of the interrupt")
	}
	var status exitStatus
	if !errors.As(err, &status) || status != 128+2 {
		t.Errorf("run() = %v, want exit status 130 (the command ended by SIGINT); stderr:\n%s", err, &stderr)
	}
	dataDir := strings.TrimSpace(stdout.String()[strings.Index(stdout.String(), "data=")+len("data="):])
	if _, err := os.Stat(filepath.Dir(dataDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory %s still exists after the interrupt (stat: %v)", filepath.Dir(dataDir), err)
	}
}

// lockedBuffer is a bytes.Buffer that a command may write while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunSettingOverride(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(helperEnv, "0")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-c", "fsync=off", "--", self}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("run() = %v; stderr:\n%s", err, &stderr)
	}
	if got := stdout.String(); !strings.HasPrefix(got, "fsync=off ") {
		t.Errorf("the command saw %q, want fsync=off after -c fsync=off", got)
	}
}

func TestRunRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no command", args: []string{"--"}, want: "no command to run"},
		{name: "quoted setting", args: []string{"-c", "x='y'", "--", "true"}, want: "without quotes"},
		{name: "unknown flag", args: []string{"-nope", "--", "true"}, want: "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, os.Getenv, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
			if code := exitCode(err, &stderr); code != 1 {
				t.Errorf("exitCode() = %d, want 1", code)
			}
		})
	}
}

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	mkbin := func(dir string) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"initdb", "pg_ctl"} {
			if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	onPath := mkbin(filepath.Join(root, "path"))
	mkbin(filepath.Join(root, "lib", "9.6", "bin"))
	v16 := mkbin(filepath.Join(root, "lib", "16", "bin"))
	mkbin(filepath.Join(root, "lib", "15", "bin"))
	if err := os.MkdirAll(filepath.Join(root, "lib", "17", "bin"), 0o755); err != nil { // no binaries in it
		t.Fatal(err)
	}
	roots := filepath.Join(root, "lib", "*", "bin")

	tests := []struct {
		name, path, roots, want, wantErr string
	}{
		{name: "PATH first", path: "/nonexistent:" + onPath, roots: roots, want: onPath},
		{name: "highest version", path: "/nonexistent", roots: roots, want: v16},
		{name: "none", path: "", roots: filepath.Join(root, "none", "*", "bin"), wantErr: "apt-get install postgresql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBinaries(tt.path, tt.roots)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("findBinaries() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("findBinaries() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
