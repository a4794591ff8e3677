package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// envURL is the variable the command finds the cluster's DSN in.
const envURL = "KINERJA_TEST_DATABASE_URL"

// installHint says how to get the server binaries on the machines we use.
const installHint = "install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql) or put its bin directory in PATH"

// binRoots is where Debian and Ubuntu install the server binaries, one
// directory per major version.
const binRoots = "/usr/lib/postgresql/*/bin"

// cleanupTimeout bounds stopping the cluster, which must happen even after
// an interrupt has cancelled ctx.
const cleanupTimeout = time.Minute

// exitStatus is the exit status of the command withpg ran, passed through
// unchanged.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("command exited with status %d", int(e)) }

// exitCode returns the status withpg exits with after run returned err, and
// reports err on stderr unless it is the command's own status.
func exitCode(err error, stderr io.Writer) int {
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	fmt.Fprintln(stderr, "withpg:", err)
	return 1
}

// settings are the server settings for test clusters. fsync stays on, so
// that benchmarks run under it mean something; -c overrides any of them.
var defaultSettings = []string{
	"max_connections=200",
	"shared_buffers=128MB",
	"fsync=on",
	"synchronous_commit=on",
}

// run starts a cluster, runs the command after "--" against it and removes
// the cluster. A non-zero exit of the command is returned as exitStatus.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("withpg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var settings settingsFlag
	fs.Var(&settings, "c", "a server setting `name=value`, after the defaults "+strings.Join(defaultSettings, " ")+" (repeatable)")
	keep := fs.Bool("keep", false, "keep the cluster directory (for debugging); the cluster is stopped anyway")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: withpg [-c name=value]... [-keep] -- COMMAND [ARG]...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	command := fs.Args()
	if len(command) == 0 {
		fs.Usage()
		return errors.New("no command to run; put it after --, as in: go run ./cmd/withpg -- go test ./...")
	}
	bin, err := findBinaries(getenv("PATH"), binRoots)
	if err != nil {
		return err
	}
	c, err := startCluster(ctx, bin, append(slices.Clone(defaultSettings), settings...), stderr)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if stopErr := c.stop(cctx, *keep); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
	}()
	fmt.Fprintf(stderr, "withpg: PostgreSQL at %s (directory %s)\n", c.url, c.dir)
	return runCommand(ctx, command, c.url, stdout, stderr)
}

// runCommand runs command with the cluster's DSN in its environment. An
// interrupt is passed on to the command, which gets a few seconds to finish.
func runCommand(ctx context.Context, command []string, url string, stdout, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Env = append(os.Environ(), envURL+"="+url)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitStatus(128 + int(ws.Signal()))
		}
		return exitStatus(exitErr.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", command[0], err)
	}
	return nil
}

// settingsFlag collects repeated -c name=value flags.
type settingsFlag []string

func (s *settingsFlag) String() string { return strings.Join(*s, " ") }

func (s *settingsFlag) Set(v string) error {
	name, _, ok := strings.Cut(v, "=")
	if !ok || name == "" || strings.ContainsAny(v, "'\\") {
		return fmt.Errorf("setting %q: want name=value without quotes or backslashes", v)
	}
	*s = append(*s, v)
	return nil
}

// findBinaries returns the directory that holds initdb and pg_ctl: the one
// in path (a PATH value) if any, otherwise the highest major version that
// matches the glob roots.
func findBinaries(path, roots string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir != "" && isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	dirs, err := filepath.Glob(roots)
	if err != nil {
		return "", fmt.Errorf("find PostgreSQL binaries in %s: %w", roots, err)
	}
	best, bestVersion := "", -1
	for _, dir := range dirs {
		if !isExecutable(filepath.Join(dir, "initdb")) || !isExecutable(filepath.Join(dir, "pg_ctl")) {
			continue
		}
		if v := majorVersion(filepath.Base(filepath.Dir(dir))); v > bestVersion {
			best, bestVersion = dir, v
		}
	}
	if best == "" {
		return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl) in PATH or %s; %s", roots, installHint)
	}
	return best, nil
}

// majorVersion parses "15" or "9.6" as 15 or 9; anything else is -1.
func majorVersion(s string) int {
	major, _, _ := strings.Cut(s, ".")
	v, err := strconv.Atoi(major)
	if err != nil {
		return -1
	}
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// cluster is a running throw-away cluster.
type cluster struct {
	bin    string   // directory of initdb and pg_ctl
	dir    string   // everything lives here: data, socket, log
	runAs  []string // command prefix that runs a program as the cluster's owner
	url    string   // superuser DSN over TCP
	stderr io.Writer
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) log() string  { return filepath.Join(c.dir, "postgres.log") }

// startCluster creates and starts a cluster. On failure it removes whatever
// it created and includes the server log in the error.
func startCluster(ctx context.Context, bin string, settings []string, stderr io.Writer) (_ *cluster, err error) {
	dir, err := os.MkdirTemp("", "withpg-")
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c := &cluster{bin: bin, dir: dir, stderr: stderr}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.RemoveAll(dir))
		}
	}()
	if os.Geteuid() == 0 {
		if c.runAs, err = ownedByPostgres(dir); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := c.pg(ctx, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return nil, err
	}
	opts := []string{"-c listen_addresses=127.0.0.1", "-p " + strconv.Itoa(port), "-c unix_socket_directories='" + dir + "'"}
	for _, s := range settings {
		name, value, _ := strings.Cut(s, "=")
		opts = append(opts, "-c "+name+"='"+value+"'")
	}
	if err := c.pg(ctx, "pg_ctl", "-D", c.data(), "-l", c.log(), "-w", "-t", "60", "-o", strings.Join(opts, " "), "start"); err != nil {
		logText, _ := os.ReadFile(c.log()) // best effort: the log only explains the failure
		err = fmt.Errorf("%w\nserver log:\n%s", err, logText)
		if _, statErr := os.Stat(filepath.Join(c.data(), "postmaster.pid")); statErr == nil {
			err = errors.Join(err, c.pg(context.WithoutCancel(ctx), "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop"))
		}
		return nil, err
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c, nil
}

// stop stops the cluster (fast, then immediate if that fails) and removes
// its directory unless keep is set.
func (c *cluster) stop(ctx context.Context, keep bool) error {
	err := c.pg(ctx, "pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "30", "stop")
	if err != nil {
		if err2 := c.pg(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop"); err2 != nil {
			return fmt.Errorf("stop cluster %s (left in place): %w", c.dir, errors.Join(err, err2))
		}
	}
	if keep {
		fmt.Fprintf(c.stderr, "withpg: kept %s\n", c.dir)
		return nil
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove cluster directory: %w", err)
	}
	return nil
}

// pg runs one of the server programs as the cluster's owner. Its output is
// returned in the error when it fails.
func (c *cluster) pg(ctx context.Context, program string, args ...string) error {
	argv := append(slices.Clone(c.runAs), filepath.Join(c.bin, program))
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", program, err, out)
	}
	return nil
}

// ownedByPostgres hands dir to the postgres user and returns the prefix
// that runs a program as that user.
func ownedByPostgres(dir string) ([]string, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("initdb refuses to run as root and there is no postgres user to run it as (%w); run as an ordinary user or %s", err, installHint)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user postgres: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("user postgres: gid %q: %w", u.Gid, err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("hand %s to postgres: %w", dir, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err == nil {
		return []string{runuser, "-u", "postgres", "--"}, nil
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return nil, errors.New("running as root needs runuser or setpriv (util-linux) to run initdb as postgres")
	}
	return []string{setpriv, "--reuid=" + u.Uid, "--regid=" + u.Gid, "--init-groups", "--"}, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
