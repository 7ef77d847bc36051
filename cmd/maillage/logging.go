package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/internal/markup"
)

// logFileName is the file, in the data directory, that receives the logs
// while the terminal adapter talks with a person.
const logFileName = "maillage.log"

// newLogger logs to w at the configured level and format.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	return slog.New(newHandler(c, w, configuredLevel(c)))
}

func configuredLevel(c config.Log) slog.Level {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	return level
}

func newHandler(c config.Log, w io.Writer, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// commandLogger is the logger of a one-shot subcommand: warnings and errors
// on standard error, and the configured level with --verbose.
func commandLogger(c config.Log, std stdio) *slog.Logger {
	level := configuredLevel(c)
	if !std.verbose {
		level = max(level, slog.LevelWarn)
	}
	return slog.New(newHandler(c, std.err, level))
}

// runLogger is the logger of the running bot. When the terminal adapter
// talks with a person (standard input is a terminal), the logs go to
// maillage.log in the data directory, named in one line at start, and only
// warnings and errors reach the screen, so that no log line interrupts the
// conversation. Otherwise (a pipe, a service) they go to standard error.
// The returned function closes the file.
func runLogger(cfg *config.Config, std stdio) (*slog.Logger, func(), error) {
	if !slices.Contains(cfg.Chat.Adapters, config.AdapterTerminal) || !isTerminal(std.in) {
		return newLogger(cfg.Log, std.err), func() {}, nil
	}
	path := filepath.Join(cfg.DataDir, logFileName)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the data directory for the log file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the log file: %w", err)
	}
	fmt.Fprintln(std.err, catalog.Default().T(cfg.Bot.DefaultLanguage, "terminal.log_file", "path", path))
	h := slog.NewMultiHandler(
		newHandler(cfg.Log, f, configuredLevel(cfg.Log)),
		newHandler(cfg.Log, std.err, max(configuredLevel(cfg.Log), slog.LevelWarn)),
	)
	return slog.New(h), func() { _ = f.Close() }, nil
}

// markupFor renders the core's markdown subset for w: ANSI styles on a
// terminal, plain text in a pipe or a file. No raw "*" or "_" marker
// reaches an operator's screen.
func markupFor(w io.Writer) func(string) string {
	if isTerminal(w) {
		return markup.Styled
	}
	return markup.Plain
}
