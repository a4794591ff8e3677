package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3"; builds
// without it report the module version from the build info, or "dev".
var version = ""

// env is the world a command runs in; run receives it from main so tests can
// supply their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand. setup declares its flags on fs, each with a
// default read from the environment, and returns the function that runs it
// once the flags are parsed.
type command struct {
	name    string
	args    string // what follows the flags in a usage line
	summary string
	setup   func(fs *flag.FlagSet, e env) func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		serveCommand(),
		rebuildCommand(),
		tokenCommand(),
		keygenCommand(),
		checkpointCommand(),
		verifyCommand(),
		exportProofCommand(),
		verifyBundleCommand(),
		replayCommand(),
		versionCommand(),
	}
}

// errUsage reports a mistake on the command line; run has already printed
// what was wrong and how to get help.
var errUsage = errors.New("usage error")

// run dispatches args to a subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printOverview(stderr)
		return errUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(e, rest)
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "kinerja: unknown command %q\n\n", name)
		printOverview(stderr)
		return errUsage
	}
	fs := newFlagSet(cmd, stderr)
	exec := cmd.setup(fs, e)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	return exec(ctx, fs.Args())
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func newFlagSet(cmd command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kinerja "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { printCommandHelp(out, cmd, fs) }
	return fs
}

// help prints the overview, or the full help of one command.
func help(e env, args []string) error {
	if len(args) == 0 {
		printOverview(e.stdout)
		return nil
	}
	cmd, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "kinerja help: unknown command %q\n\n", args[0])
		printOverview(e.stderr)
		return errUsage
	}
	fs := newFlagSet(cmd, e.stdout)
	cmd.setup(fs, e)
	printCommandHelp(e.stdout, cmd, fs)
	return nil
}

func printOverview(w io.Writer) {
	fmt.Fprintln(w, "Kinerja: an event-sourced performance ledger for ASN (PermenPANRB 6/2022).")
	fmt.Fprintln(w, "\nUsage: kinerja COMMAND [flags]\n\nCommands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `kinerja help COMMAND` for a command's flags. Every flag can also be set")
	fmt.Fprintln(w, "with the environment variable named in its help; a flag wins over the variable.")
}

func printCommandHelp(w io.Writer, cmd command, fs *flag.FlagSet) {
	usage := "kinerja " + cmd.name + " [flags]"
	if cmd.args != "" {
		usage += " " + cmd.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usage, cmd.summary)
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(w)
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}

// stringFlag declares a string flag whose default comes from the environment
// variable envName, falling back to def, and names the variable in its help.
func stringFlag(fs *flag.FlagSet, e env, name, envName, def, usage string) *string {
	if v := e.getenv(envName); v != "" {
		def = v
	}
	return fs.String(name, def, fmt.Sprintf("%s (env %s)", usage, envName))
}

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print the version of this binary.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("version takes no arguments, got %q", args)
				}
				fmt.Fprintf(e.stdout, "kinerja %s (%s %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
		},
	}
}

// buildVersion is the link-time version, else the module version recorded in
// the binary, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
