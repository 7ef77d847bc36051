package introductions

import (
	"bytes"
	"context"
	"encoding/csv"
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

var attendanceColumns = map[string]string{
	"platform": "platform", "plateforme": "platform",
	"workspace": "workspace", "espace": "workspace", "espace de travail": "workspace",
	"user": "user", "user id": "user", "utilisateur": "user", "identifiant": "user",
	"email": "email", "e mail": "email", "courriel": "email", "mail": "email", "adresse electronique": "email",
	"name": "name", "nom": "name",
}

// Import records the members of the file as having attended session s
// of event ev (unless dryRun).
func (a Attendance) Import(ctx context.Context, r io.Reader, ev *content.Event, s *content.Session, dryRun bool) (AttendanceReport, error) {
	rep := AttendanceReport{DryRun: dryRun}
	if a.Clock == nil {
		a.Clock = bot.SystemClock{}
	}
	data, err := io.ReadAll(io.LimitReader(r, maxAttendanceBytes+1))
	if err != nil {
		return rep, fmt.Errorf("reading the attendance file: %w", err)
	}
	if len(data) > maxAttendanceBytes {
		return rep, fmt.Errorf("%w: larger than %d MB", ErrAttendanceFile, maxAttendanceBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("%w: no header line", ErrAttendanceFile)
	}
	cols := map[string]int{}
	for i, h := range header {
		name, ok := attendanceColumns[textnorm.Fold(h)]
		if !ok {
			return rep, fmt.Errorf("%w: unknown column %q; known columns: platform, workspace, user, email, name", ErrAttendanceFile, core.CleanField(h, 40))
		}
		cols[name] = i
	}
	_, hasUser := cols["user"]
	_, hasEmail := cols["email"]
	_, hasPlatform := cols["platform"]
	if !hasEmail && !(hasUser && hasPlatform) {
		return rep, fmt.Errorf("%w: the header must name the columns email, or platform and user", ErrAttendanceFile)
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
	field := func(rec []string, col string) string {
		if i, ok := cols[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	seen := map[bot.UserRef]int{}
	now := a.Clock.Now()
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Lines++
				rep.Rejected = append(rep.Rejected, AttendanceProblem{Line: pe.StartLine, Key: "match.attendance.reason.csv"})
				continue
			}
			return rep, fmt.Errorf("%w: %w", ErrAttendanceFile, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
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
		return []bot.Reply{r.Reply("match.attendance.bad_file")}
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
