package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/bot/members"
)

const membersUsage = `Usage: maillage members import [--dry-run] [--config FILE] [--data-dir DIR] [--lang fr|en] FILE.csv

Imports members from a CSV file into the configured store. The first line
names the columns, in any order (French names accepted):
  platform      terminal, slack or mattermost (required)
  workspace     the platform's workspace id; may be empty on the terminal and
                on the configured Mattermost server
  user          the platform's user id        } one of the two
  email         the member's e-mail address   } is required
  name          how to address the member
  collectivity  INSEE code, SIREN or name of the collectivity
  role          an id or a label of member_roles
  interests     ids or labels of interests, separated by ";"
                (by "," or "|" when the file itself is separated by ";")
  language      fr or en

Every line is checked; the report lists the rejected lines with their number
and the reason, and the other lines are imported. Importing the same file
again changes nothing. A member who has already signed up keeps their own
answers. The running bot invites the imported members (at start, then every
hour, within working hours); nobody is introduced before opting in themselves.
With the embedded store, stop the bot first (it holds the file), or type
"importer FILE.csv" as an organizer in the terminal.

Exit codes: 0 every line imported, 1 some lines rejected (or store failure),
2 bad usage, unreadable file, bad header or invalid configuration.
`

func membersCommand(ctx context.Context, args []string, std stdio, env func(string) string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(std.out, membersUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: want `maillage members import FILE.csv`", errUsage)
		}
		return nil
	}
	if args[0] == "attendance" {
		return attendanceCommand(ctx, args[1:], std, env)
	}
	if args[0] != "import" {
		return fmt.Errorf("%w: unknown members command %q; want `maillage members import FILE.csv` or `maillage members attendance --session S FILE.csv`", errUsage, args[0])
	}
	fs := newFlagSet("members import")
	dryRun := fs.Bool("dry-run", false, "check the file and print the report without saving anything")
	configPath := fs.String("config", "", "configuration file (YAML); default $MAILLAGE_CONFIG, else built-in defaults")
	dataDir := fs.String("data-dir", "", "data directory of the embedded store (default ./maillage-data, or $MAILLAGE_DATA_DIR)")
	lang := fs.String("lang", "", "language of the report: fr or en (default from the configuration: fr)")
	if err := parseFlags(fs, membersUsage, args[1:], std.out); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one FILE.csv (see `maillage members import --help`)", errUsage)
	}
	cfg, err := loadConfig(*configPath, *dataDir, env)
	if err != nil {
		return configError(err, std)
	}
	if *lang == "" {
		*lang = cfg.Bot.DefaultLanguage
	}
	if _, ok := bot.ParseLang(*lang); !ok {
		return fmt.Errorf("%w: --lang must be fr or en, got %q", errUsage, *lang)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer f.Close()
	store, dir, _, closeStore, err := openForCommand(ctx, cfg, std) // broadcast_cmd.go
	if err != nil {
		return err
	}
	defer closeStore()
	s := settings(cfg, "")
	im := members.Importer{Store: store, Directory: dir, MemberRoles: s.MemberRoles, Interests: s.Interests,
		Workspaces: s.ImportWorkspaces}
	rep, err := im.Import(ctx, f, *dryRun)
	cat := catalog.Default()
	if errors.Is(err, members.ErrImportFile) {
		return fmt.Errorf("%w: %s: %s", errUsage, fs.Arg(0), members.ExplainImportFileError(func(key string, args ...string) string {
			return cat.T(*lang, key, args...)
		}, err))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(std.out, members.FormatImportReport(func(key string, args ...string) string {
		return cat.T(*lang, key, args...)
	}, rep))
	if len(rep.Rejected) > 0 {
		return reported{code: exitFailure}
	}
	return nil
}

const attendanceUsage = `Usage: maillage members attendance [--dry-run] --session SESSION [--config FILE] [--data-dir DIR] [--lang fr|en] FILE.csv

Records the members of a CSV file as having attended a congress session: the
next introduction rounds count it as a workshop shared with the others who
attended or registered, and say so in the introduction. SESSION is the
session's number or id in the current event, or "event/session". The first
line names the columns, in any order (French names accepted):
  email         the member's e-mail address (as imported)  } one of the two
  platform, user  the platform and its user id            } is required
  workspace     the platform's workspace id (when it has one)
  name          ignored (for the reader)

Every line is checked; the report lists the refused lines with their number
and the reason. Importing the same file again changes nothing.

Exit codes: 0 every line recorded, 1 some lines refused (or store failure),
2 bad usage, unknown session, unreadable file, bad header or invalid
configuration.
`

func attendanceCommand(ctx context.Context, args []string, std stdio, env func(string) string) error {
	fs := newFlagSet("members attendance")
	dryRun := fs.Bool("dry-run", false, "check the file and print the report without saving anything")
	session := fs.String("session", "", "the session: its number or id in the current event, or event/session")
	configPath := fs.String("config", "", "configuration file (YAML); default $MAILLAGE_CONFIG, else built-in defaults")
	dataDir := fs.String("data-dir", "", "data directory of the embedded store (default ./maillage-data, or $MAILLAGE_DATA_DIR)")
	lang := fs.String("lang", "", "language of the report: fr or en (default from the configuration: fr)")
	if err := parseFlags(fs, attendanceUsage, args, std.out); err != nil {
		return err
	}
	if fs.NArg() != 1 || *session == "" {
		return fmt.Errorf("%w: want --session SESSION and exactly one FILE.csv (see `maillage members attendance --help`)", errUsage)
	}
	cfg, err := loadConfig(*configPath, *dataDir, env)
	if err != nil {
		return configError(err, std)
	}
	if *lang == "" {
		*lang = cfg.Bot.DefaultLanguage
	}
	if _, ok := bot.ParseLang(*lang); !ok {
		return fmt.Errorf("%w: --lang must be fr or en, got %q", errUsage, *lang)
	}
	set, err := contentLoader(cfg, newLogger(cfg.Log, std.err))(ctx)
	if err != nil {
		return contentError(err, std)
	}
	ev, s, ok := introductions.FindSession(set, set.Current(time.Now()), *session)
	if !ok {
		return fmt.Errorf("%w: no session %q in the content (give its number, id, or event/session)", errUsage, *session)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer f.Close()
	store, _, _, closeStore, err := openForCommand(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := introductions.Attendance{Store: store}.Import(ctx, f, ev, s, *dryRun)
	if errors.Is(err, introductions.ErrAttendanceFile) {
		return fmt.Errorf("%w: %s: %s", errUsage, fs.Arg(0), introductions.ExplainAttendanceFileError(func(key string, args ...string) string {
			return catalog.Default().T(*lang, key, args...)
		}, err))
	}
	if err != nil {
		return err
	}
	cat := catalog.Default()
	t := func(key string, args ...string) string { return cat.T(*lang, key, args...) }
	name := t("highlights.session_name", "number", strconv.Itoa(s.Number), "title", s.Title)
	fmt.Fprintln(std.out, introductions.FormatAttendanceReport(t, name, rep))
	if len(rep.Rejected) > 0 {
		return reported{code: exitFailure}
	}
	return nil
}
