package introductions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/csvtable"
	"github.com/sndgct/maillage/internal/textnorm"
)

// The attendance of a session: organizers import, after a session, the
// list of the members who attended (a CSV file naming them by user id or
// e-mail address), so that « the same workshop » counts in the next
// rounds and is given as a reason. From the command line (`maillage
// members attendance`) or, in the terminal, « importer les présences ».

// ErrAttendanceFile is wrapped by Attendance.Import's error when the file
// as a whole cannot be read (not CSV, bad header, too big).
var ErrAttendanceFile = errors.New("attendance file")

// maxAttendanceBytes bounds an attendance file.
const maxAttendanceBytes = 8 << 20

// AttendanceStore is what the import reads and writes.
type AttendanceStore interface {
	bot.MemberRecords
	bot.HighlightStore
}

// Attendance imports attendance lists.
type Attendance struct {
	Store AttendanceStore
	Clock bot.Clock
}

// AttendanceReport says what an import did.
type AttendanceReport struct {
	DryRun bool
	// Lines read (blank lines aside), members recorded, and members
	// already recorded for the session.
	Lines, Recorded, Already int
	Rejected                 []AttendanceProblem
}

// AttendanceProblem is a rejected line: its number and the catalogue key
// of the reason, with its arguments.
type AttendanceProblem struct {
	Line int
	Key  string
	Args []string
}

// AttendanceFileError is a file refused as a whole: Key and Args name
// the reason in the catalogue (a csvtable reason, « csv.file.<Key> », or
// « match.attendance.file.<Key> »), Detail for the logs.
type AttendanceFileError struct {
	Key, Detail string
	Args        []string
	csv         bool
}

func (e *AttendanceFileError) Error() string { return "attendance file: " + e.Detail }

// Is makes errors.Is(err, ErrAttendanceFile) true.
func (e *AttendanceFileError) Is(target error) bool { return target == ErrAttendanceFile }

// ExplainAttendanceFileError says in the catalogue's words (T) why a file
// was refused: no Go error text reaches an organizer.
func ExplainAttendanceFileError(T func(key string, args ...string) string, err error) string {
	var fe *AttendanceFileError
	if errors.As(err, &fe) && fe.csv {
		return T("csv.file."+fe.Key, append(fe.Args, "known", T("match.attendance.columns"))...)
	}
	if errors.As(err, &fe) {
		return T("match.attendance.file."+fe.Key, fe.Args...)
	}
	return T("csv.file.unreadable")
}

// Import records the members of the file as having attended session s
// of event ev (unless dryRun).
func (a Attendance) Import(ctx context.Context, r io.Reader, ev *content.Event, s *content.Session, dryRun bool) (AttendanceReport, error) {
	rep := AttendanceReport{DryRun: dryRun}
	if a.Clock == nil {
		a.Clock = bot.SystemClock{}
	}
	file, err := csvtable.Open(r, maxAttendanceBytes, csvtable.Identity)
	var ce *csvtable.Error
	if errors.As(err, &ce) {
		return rep, &AttendanceFileError{Key: ce.Kind, Detail: ce.Detail, Args: ce.Args, csv: true}
	}
	if err != nil {
		return rep, fmt.Errorf("reading the attendance file: %w", err)
	}
	cols := file.Cols
	_, hasUser := cols["user"]
	_, hasEmail := cols["email"]
	_, hasPlatform := cols["platform"]
	if !hasEmail && !(hasUser && hasPlatform) {
		return rep, &AttendanceFileError{Key: "missing_columns", Detail: "the header must name the columns email, or platform and user"}
	}
	// Members by e-mail, and by platform and user id (when the file
	// leaves the workspace out and only one member matches).
	byEmail := map[string]bot.UserRef{}
	byUser := map[string][]bot.UserRef{}
	if err := a.Store.Members(ctx, func(m bot.Member) error {
		if m.Email != "" {
			byEmail[strings.ToLower(m.Email)] = m.Ref
		}
		k := string(m.Ref.Platform) + "\x00" + m.Ref.User
		byUser[k] = append(byUser[k], m.Ref)
		return nil
	}); err != nil {
		return rep, fmt.Errorf("reading members: %w", err)
	}
	field := func(rec []string, col string) string { return strings.TrimSpace(file.Field(rec, col)) }
	seen := map[bot.UserRef]int{}
	now := a.Clock.Now()
	for {
		rec, line, reason, err := file.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &ce) {
			return rep, &AttendanceFileError{Key: ce.Kind, Detail: ce.Detail, Args: ce.Args, csv: true}
		}
		if reason != "" {
			rep.Lines++
			rep.Rejected = append(rep.Rejected, AttendanceProblem{Line: line, Key: "csv.reason." + reason})
			continue
		}
		rep.Lines++
		reject := func(key string, args ...string) {
			rep.Rejected = append(rep.Rejected, AttendanceProblem{Line: line, Key: key, Args: args})
		}
		var ref bot.UserRef
		found := false
		if u := field(rec, "user"); u != "" && field(rec, "platform") != "" {
			platform := bot.Platform(strings.ToLower(field(rec, "platform")))
			for _, cand := range byUser[string(platform)+"\x00"+u] {
				if w := field(rec, "workspace"); cand.Workspace == w || (w == "" && len(byUser[string(platform)+"\x00"+u]) == 1) {
					ref, found = cand, true
				}
			}
		}
		if e := strings.ToLower(field(rec, "email")); !found && e != "" {
			ref, found = byEmail[e]
		}
		if !found {
			who := field(rec, "email")
			if who == "" {
				who = field(rec, "user")
			}
			if who == "" {
				reject("match.attendance.reason.no_user")
				continue
			}
			shown, _ := textnorm.Truncate(who, 60)
			reject("match.attendance.reason.unknown", "who", shown)
			continue
		}
		if prev, dup := seen[ref]; dup {
			reject("match.attendance.reason.duplicate", "line", strconv.Itoa(prev))
			continue
		}
		seen[ref] = line
		f, err := a.Store.HighlightFollows(ctx, ref)
		if err != nil && !core.IsNotFound(err) {
			return rep, fmt.Errorf("reading a member's sessions: %w", err)
		}
		if slices.ContainsFunc(f.Attended, func(at bot.SessionAttendance) bool { return at.Event == ev.ID && at.Session == s.ID }) {
			rep.Already++
			continue
		}
		rep.Recorded++
		if dryRun {
			continue
		}
		f.Member = ref
		f.Attended = append(f.Attended, bot.SessionAttendance{Event: ev.ID, Session: s.ID, Recorded: now})
		f.Updated = now
		if err := a.Store.SaveHighlightFollows(ctx, f); err != nil {
			return rep, fmt.Errorf("recording an attendance: %w", err)
		}
	}
	return rep, nil
}

// FormatAttendanceReport writes the report with t (a catalogue's T in the
// organizer's language).
func FormatAttendanceReport(t func(key string, args ...string) string, name string, rep AttendanceReport) string {
	key := "match.attendance.summary"
	if rep.DryRun {
		key = "match.attendance.summary_dry"
	}
	lines := []string{t(key, "session", name, "lines", strconv.Itoa(rep.Lines), "recorded", strconv.Itoa(rep.Recorded),
		"already", strconv.Itoa(rep.Already), "rejected", strconv.Itoa(len(rep.Rejected)))}
	for _, p := range rep.Rejected {
		lines = append(lines, t("match.attendance.rejected_line", "line", strconv.Itoa(p.Line), "reason", t(p.Key, p.Args...)))
	}
	return strings.Join(lines, "\n")
}

// FindSession finds a session of the content: "event/session", or a
// number, id or title in the current event.
func FindSession(set *content.Set, current *content.Event, arg string) (*content.Event, *content.Session, bool) {
	if evID, sID, ok := strings.Cut(strings.TrimSpace(arg), "/"); ok {
		if ev, ok := set.Event(evID); ok {
			if s, ok := ev.Session(sID); ok {
				return ev, s, true
			}
		}
		return nil, nil, false
	}
	if current == nil {
		return nil, nil, false
	}
	s, ok := congress.FindSession(current, arg)
	return current, s, ok
}

// cmdAttendance imports a session's attendance list named by its path:
// « importer les présences 3 presences.csv ». Only from the terminal,
// like « importer »: elsewhere a path would let a chat user read the
// server's files.
func (b *Feature) cmdAttendance(ctx context.Context, r *core.Turn) []bot.Reply {
	if r.Msg.From.Platform != bot.PlatformTerminal {
		return []bot.Reply{r.Reply("match.attendance.terminal_only")}
	}
	args := strings.Fields(r.Args)
	dry := false
	if len(args) > 0 && (textnorm.Fold(args[0]) == "essai" || args[0] == "--dry-run" || textnorm.Fold(args[0]) == "test") {
		dry, args = true, args[1:]
	}
	if len(args) < 2 {
		return []bot.Reply{r.Reply("match.attendance.usage")}
	}
	snap := b.Core.Congress.Content(ctx)
	ev, s, ok := FindSession(snap.Set, b.Core.Congress.Current(snap), args[0])
	if !ok {
		return []bot.Reply{r.Reply("match.attendance.session_unknown", "input", core.ShortInput(args[0]))}
	}
	path := strings.Join(args[1:], " ")
	f, err := os.Open(path)
	if err != nil {
		return []bot.Reply{r.Reply("match.attendance.open_failed", "path", path)}
	}
	defer f.Close()
	rep, err := Attendance{Store: b.store, Clock: b.Clock}.Import(ctx, f, ev, s, dry)
	if errors.Is(err, ErrAttendanceFile) {
		b.Log.Warn("attendance file refused", "err", err)
		return []bot.Reply{r.Reply("match.attendance.bad_file", "error", ExplainAttendanceFileError(r.T, err))}
	}
	if err != nil {
		b.Log.Error("importing an attendance list", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Log.Info("attendance imported", "by", b.Core.Pseudonym(r.Msg.From), "session", ev.ID+"/"+s.ID,
		"recorded", rep.Recorded, "rejected", len(rep.Rejected), "dry_run", dry)
	name := r.T("highlights.session_name", "number", strconv.Itoa(s.Number), "title", s.Title)
	return []bot.Reply{{Text: FormatAttendanceReport(r.T, name, rep)}}
}
