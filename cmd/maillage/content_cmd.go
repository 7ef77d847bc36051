package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/internal/content"
)

const contentUsage = `Usage: maillage content check [--config FILE] FILE...

Checks event content files (one YAML file per event, see README.md): prints a
summary per file and exits 0, or prints every problem, one per line with its
line number and path, and exits 2. The interests are taken from the
configuration (--config, MAILLAGE_CONFIG, or the defaults).
`

func contentCommand(args []string, io stdio, env func(string) string) error {
	fs := newFlagSet("content")
	if err := parseFlags(fs, contentUsage, args, io.out); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "check" {
		return fmt.Errorf("%w: want `maillage content check FILE`", errUsage)
	}
	fs = newFlagSet("content check")
	configPath := fs.String("config", "", "configuration file whose interests the topics must use")
	if err := parseFlags(fs, contentUsage, rest[1:], io.out); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		return fmt.Errorf("%w: want at least one FILE: `maillage content check FILE`", errUsage)
	}
	cfg, err := loadConfig(*configPath, "", env)
	if err != nil {
		return configError(err, io)
	}
	interests := interestIDs(cfg)
	bad := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("%w: read content file: %v", errUsage, err)
		}
		e, err := content.Parse(data, name, interests)
		var problems content.Problems
		switch {
		case errors.As(err, &problems):
			fmt.Fprintln(io.err, problems.Error())
			bad += len(problems)
			continue
		case err != nil:
			return err
		}
		n := 0
		for _, s := range e.Sessions {
			n += len(s.Highlights)
		}
		fmt.Fprintf(io.out, "ok: %s: event %s (%s), %d sessions, %d highlights\n", name, e.ID, e.Name, len(e.Sessions), n)
	}
	if bad > 0 {
		fmt.Fprintf(io.err, "maillage: %d content problem(s)\n", bad)
		return reported{code: exitUsage}
	}
	return nil
}

func interestIDs(cfg *config.Config) []string {
	ids := make([]string, len(cfg.Interests))
	for i, l := range cfg.Interests {
		ids[i] = l.ID
	}
	return ids
}

// contentLoader returns the function that loads the configured content:
// the files of content.dir, or the embedded demo when it is empty.
func contentLoader(cfg *config.Config, logger *slog.Logger) bot.ContentLoader {
	interests := interestIDs(cfg)
	dir := cfg.Content.Dir
	return func(ctx context.Context) (*content.Set, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if dir == "" {
			set, dropped, err := content.LoadDemo(interests)
			if len(dropped) > 0 {
				logger.Warn("demo content topics not among the configured interests were dropped",
					"component", "content", "topics", dropped)
			}
			return set, err
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("content directory: %w", err)
		}
		return content.LoadDir(os.DirFS(abs), interests)
	}
}

// contentError prints content problems in full at start.
func contentError(err error, io stdio) error {
	var problems content.Problems
	if errors.As(err, &problems) {
		fmt.Fprintln(io.err, problems.Error())
		fmt.Fprintf(io.err, "maillage: %d content problem(s); fix the files or empty content.dir for the demo\n", len(problems))
		return reported{code: exitUsage}
	}
	return err
}

// reloadOnHangup reloads the content on SIGHUP until ctx ends.
func reloadOnHangup(ctx context.Context, b *core.Bot, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if _, err := b.Congress.ReloadContent(ctx); err != nil {
				logger.Error("content reload on SIGHUP refused; the current content stays", "component", "content", "err", err)
			}
		}
	}
}
