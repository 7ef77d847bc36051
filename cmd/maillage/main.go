// Command maillage runs the Maillage chatbot, checks its configuration and
// prints its version. See `maillage --help`.
//
// Exit codes: 0 success; 1 runtime failure (store unreachable, data file
// in use or corrupt, platform error); 2 bad usage or invalid configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// shutdownLimit bounds the graceful shutdown: orchestrators kill a process
// that has not exited 10 s after SIGTERM.
const shutdownLimit = 9 * time.Second

// errUsage marks errors that are the caller's (bad flags, bad config).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// On SIGTERM or SIGINT the bot takes no new event and finishes those in
	// flight; whatever still runs after shutdownLimit is abandoned.
	context.AfterFunc(ctx, func() {
		time.AfterFunc(shutdownLimit, func() {
			fmt.Fprintf(os.Stderr, "maillage: shutdown took longer than %s: exiting now\n", shutdownLimit)
			os.Exit(exitFailure)
		})
	})
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	stop()
	os.Exit(code)
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
	// verbose: a subcommand logs at the configured level (--verbose);
	// otherwise only warnings and errors.
	verbose bool
}

const mainUsage = `Maillage — le réseau des directeurs généraux des collectivités territoriales.

Usage:
  maillage [run] [--config FILE] [--data-dir DIR] [--lang fr|en]
                                 run the bot (the default command)
  maillage config check FILE     check a configuration file
  maillage content check [--config FILE] FILE...
                                 check event content files (sessions, highlights)
  maillage members import [--dry-run] FILE.csv
                                 import members from a CSV file
  maillage match --dry-run [--members FILE.csv] [--json]
                                 compute the next introduction round, sending nothing
  maillage match --scores-out FILE.tsv | --edges FILE.tsv [--json]
                                 export every pair score / solve a given graph
  maillage broadcast --text-fr FILE [--segment EXPR] [--at DATE] --preview|--send
                                 send an organizers' broadcast
  maillage broadcast list        list the last broadcasts
  maillage broadcast status ID   report on one broadcast
  maillage broadcast approve ID  approve a broadcast waiting for a second organizer
  maillage broadcast cancel ID   cancel a broadcast waiting or running
  maillage broadcast resend ID [--yes]
                                 send again to the recipients whose outcome is unknown
  maillage version               print the version
  maillage COMMAND --help        help on a command

Every command but run logs only warnings and errors; add --verbose for the
configured level. Running in a terminal, the bot writes its logs to
maillage.log in the data directory and shows only warnings and errors.

Environment: MAILLAGE_CONFIG (config file), MAILLAGE_DATA_DIR, MAILLAGE_REDIS_URL,
MAILLAGE_HTTP_LISTEN, MAILLAGE_LOG_LEVEL, MAILLAGE_LOG_FORMAT and the platform
secrets (see README.md). Secrets are never read from the configuration file.

Exit codes: 0 success, 1 runtime failure, 2 bad usage or invalid configuration.
`

// run is main without the process: testable end to end.
func run(ctx context.Context, args []string, io stdio, env func(string) string) int {
	cmd := "run"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(io.out, mainUsage)
		return exitOK
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd != "run" {
		args, io.verbose = cutVerbose(args)
	}
	var err error
	switch cmd {
	case "run":
		err = runBot(ctx, args, io, env)
	case "config":
		err = configCommand(args, io, env)
	case "members":
		err = membersCommand(ctx, args, io, env)
	case "version":
		err = versionCommand(args, io)
	case "content":
		err = contentCommand(args, io, env)
	case "match":
		err = matchCommand(ctx, args, io, env)
	case "broadcast":
		err = broadcastCommand(ctx, args, io, env) // broadcast_cmd.go
	default:
		err = fmt.Errorf("%w: unknown command %q; run `maillage --help`", errUsage, cmd)
	}
	var rep reported
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &rep):
		return rep.code
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintln(io.err, "maillage:", err)
		return exitUsage
	default:
		fmt.Fprintln(io.err, "maillage:", err)
		return exitFailure
	}
}

// cutVerbose removes --verbose (or -verbose, -v) from the arguments of a
// subcommand, wherever it is, and reports whether it was there.
func cutVerbose(args []string) ([]string, bool) {
	out := make([]string, 0, len(args))
	verbose := false
	for i, a := range args {
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		switch a {
		case "--verbose", "-verbose", "-v":
			verbose = true
		default:
			out = append(out, a)
		}
	}
	return out, verbose
}

// newFlagSet returns a silent flag set: parseFlags prints the help on
// stdout for --help, and flag errors become usage errors on stderr.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; --help prints usage and the flags on out.
func parseFlags(fs *flag.FlagSet, usage string, args []string, out io.Writer) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(out, usage)
		fs.SetOutput(out)
		fs.PrintDefaults()
		return err
	default:
		return fmt.Errorf("%w: %v (see `maillage %s --help`)", errUsage, err, fs.Name())
	}
}

func versionCommand(args []string, io stdio) error {
	fs := newFlagSet("version")
	if err := parseFlags(fs, "Usage: maillage version\n\nPrints the version of this binary.\n", args, io.out); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: version takes no argument", errUsage)
	}
	fmt.Fprintln(io.out, "maillage", version)
	return nil
}
