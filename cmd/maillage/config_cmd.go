package main

import (
	"errors"
	"fmt"

	"github.com/sndgct/maillage/config"
)

// reported is an error already printed in full: run only sets the exit code.
type reported struct{ code int }

func (r reported) Error() string { return fmt.Sprintf("exit %d", r.code) }

const configUsage = `Usage: maillage config check FILE

Checks a configuration file: prints a one-line summary and exits 0, or prints
every problem, one per line with its line number and key path, and exits 2.
The environment (MAILLAGE_*) is applied as when running, so that a missing
MAILLAGE_REDIS_URL for store.backend: redis is reported too.
`

func configCommand(args []string, io stdio, env func(string) string) error {
	fs := newFlagSet("config")
	if err := parseFlags(fs, configUsage, args, io.out); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "check" {
		return fmt.Errorf("%w: want `maillage config check FILE`", errUsage)
	}
	fs = newFlagSet("config check")
	if err := parseFlags(fs, configUsage, rest[1:], io.out); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one FILE: `maillage config check FILE`", errUsage)
	}
	cfg, err := config.Load(fs.Arg(0), env)
	if err == nil {
		err = checkJobKinds(cfg, fs.Arg(0))
	}
	if err != nil {
		return configError(err, io)
	}
	fmt.Fprintln(io.out, cfg.Summary())
	for _, w := range cfg.UnusedCredentials() {
		fmt.Fprintln(io.err, "maillage: warning:", w)
	}
	return nil
}

// configError prints a configuration error in full and returns the usage
// exit code: every problem on its own line, or the file error.
func configError(err error, io stdio) error {
	var problems *config.Problems
	if errors.As(err, &problems) {
		fmt.Fprintln(io.err, problems.Error())
		n := len(problems.List)
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(io.err, "maillage: %d configuration problem%s\n", n, plural)
		return reported{code: exitUsage}
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
