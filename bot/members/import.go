package members

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/csvtable"
	"github.com/sndgct/maillage/internal/textnorm"
)

// CSV import of members by organizers: `maillage members import FILE.csv`
// or "importer FILE.csv" in the terminal. The first line names the
// columns (any order, French or English names, case and accents ignored):
//
//	platform      terminal, slack or mattermost (required)
//	workspace     the platform's workspace id; may be empty where one is
//	              configured (the terminal's)
//	user          the platform's user id
//	email         the e-mail address, when the user id is unknown
//	name          how to address the member
//	collectivity  INSEE code, SIREN or name (resolved in the official data)
//	role          an id or label of the configured member roles
//	interests     ids or labels of the configured interests, separated by
//	              ";" (or "," / "|" when the file itself uses ";")
//	language      fr or en
//	offers        « I can help »: interests (as above) on which the member
//	              can share their experience (optional)
//	needs         « I am looking for »: interests on which they look for
//	              it (optional)
//
// Each line needs a user id or an e-mail address. Every line is checked;
// rejected lines are reported with their number and the reason, and the
// others are imported. Importing the same file twice changes nothing.
// Imported members are invited by the bot but not matched until they
// finish the onboarding and opt in themselves; a member who has already
// onboarded keeps their own answers.

// ImportLimits bound an import file.
const (
	maxImportBytes = 5 << 20
	maxImportLines = 20000
)

// emailUserPrefix marks the user id of a member imported by e-mail whose
// platform id is not known yet; they are recognised when they first
// write, by the e-mail address their platform gives (ProfileReader).
const emailUserPrefix = "email:"

// Importer imports members from a CSV file.
type Importer struct {
	Store       bot.MemberRecords
	Directory   bot.Directory
	MemberRoles []bot.Label
	Interests   []bot.Label
	// Workspaces gives the workspace of lines that leave it empty, per
	// platform (the terminal's configured workspace).
	Workspaces map[bot.Platform]string
	Clock      bot.Clock

	// hasOffers, hasNeeds: the file has these optional columns (without
	// them, an update keeps the member's lists).
	hasOffers, hasNeeds bool
}

// ImportReport says what an import did (or would do, in a dry run).
type ImportReport struct {
	Lines     int
	Created   int
	Updated   int
	Unchanged int
	// Kept counts members who have onboarded themselves: their own
	// answers win over the file.
	Kept     int
	Rejected []ImportProblem
	DryRun   bool
}

// ImportProblem is one rejected line. Key is a catalogue key
// ("members.import.reason.<reason>") and Args its placeholders.
type ImportProblem struct {
	Line int
	Key  string
	Args []string
}

// ImportText renders the report with the catalogue in lang.
func (b *Feature) ImportText(lang bot.Lang, rep ImportReport) string {
	return FormatImportReport(func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }, rep)
}

// FormatImportReport renders the report with t, a catalogue lookup.
func FormatImportReport(t func(key string, args ...string) string, rep ImportReport) string {
	key := "members.import.summary"
	if rep.DryRun {
		key = "members.import.summary_dry"
	}
	lines := []string{t(key, "lines", strconv.Itoa(rep.Lines), "created", strconv.Itoa(rep.Created),
		"updated", strconv.Itoa(rep.Updated), "unchanged", strconv.Itoa(rep.Unchanged+rep.Kept),
		"rejected", strconv.Itoa(len(rep.Rejected)))}
	if rep.Kept > 0 {
		lines = append(lines, t("members.import.kept", "count", strconv.Itoa(rep.Kept)))
	}
	for _, p := range rep.Rejected {
		lines = append(lines, t("members.import.rejected_line", "line", strconv.Itoa(p.Line),
			"reason", t(p.Key, p.Args...)))
	}
	return strings.Join(lines, "\n")
}

// ErrImportFile is wrapped by Import's error when the file as a whole
// cannot be imported (not CSV, bad header, too big); lines are then not
// looked at.
var ErrImportFile = errors.New("import file")

// ImportFileError is a file refused as a whole: Detail for the logs (in
// English), Key and Args for the organizer, in the catalogue
// ("members.import.file.<Key>", or "csv.file.<Key>" for what any CSV file
// may get wrong): no Go error text reaches them.
type ImportFileError struct {
	Key, Detail string
	Args        []string
	csv         bool // Key is a csvtable reason: "csv.file.<Key>"
}

func (e *ImportFileError) Error() string { return "import file: " + e.Detail }

// Is makes errors.Is(err, ErrImportFile) true.
func (e *ImportFileError) Is(target error) bool { return target == ErrImportFile }

func fileError(key, detail string, args ...string) error {
	return &ImportFileError{Key: key, Detail: detail, Args: args}
}

// ExplainImportFileError says in the catalogue's words (T) why a file was
// refused; other errors get the generic sentence.
func ExplainImportFileError(T func(key string, args ...string) string, err error) string {
	var fe *ImportFileError
	if errors.As(err, &fe) && fe.csv {
		return T("csv.file."+fe.Key, append(fe.Args, "known", T("members.import.columns"))...)
	}
	if errors.As(err, &fe) {
		return T("members.import.file."+fe.Key, fe.Args...)
	}
	return T("csv.file.unreadable")
}

// importColumns maps folded header names to columns.
var importColumns = csvtable.With(csvtable.Identity, map[string]string{
	"collectivity": "collectivity", "collectivite": "collectivity", "employeur": "collectivity",
	"role": "role", "fonction": "role",
	"interests": "interests", "interets": "interests", "centres d interet": "interests",
	"centres interet": "interests",
	"language":        "language", "langue": "language",
	"offers": "offers", "can help": "offers", "i can help": "offers", "help offered": "offers",
	"je peux aider": "offers", "peut aider": "offers", "aide proposee": "offers", "offres": "offers",
	"needs": "needs", "looking for": "needs", "i am looking for": "needs", "i m looking for": "needs",
	"help wanted": "needs", "je cherche": "needs", "cherche": "needs", "aide recherchee": "needs",
	"besoins": "needs",
})

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Import reads a CSV file and imports its lines (unless dryRun). The
// error is for the file as a whole (wrapping ErrImportFile) or the store.
func (im Importer) Import(ctx context.Context, r io.Reader, dryRun bool) (ImportReport, error) {
	rep := ImportReport{DryRun: dryRun}
	if im.Directory == nil {
		im.Directory = core.NoDirectory{}
	}
	if im.Clock == nil {
		im.Clock = bot.SystemClock{}
	}
	f, err := csvtable.Open(r, maxImportBytes, importColumns)
	var ce *csvtable.Error
	if errors.As(err, &ce) {
		return rep, &ImportFileError{Key: ce.Kind, Detail: ce.Detail, Args: ce.Args, csv: true}
	}
	if err != nil {
		return rep, err
	}
	cols, listSep := f.Cols, f.ListSep
	_, im.hasOffers = cols["offers"]
	_, im.hasNeeds = cols["needs"]
	_, hasUser := cols["user"]
	_, hasEmail := cols["email"]
	if _, ok := cols["platform"]; !ok || (!hasUser && !hasEmail) {
		return rep, fileError("missing_columns", "the header must name the columns platform and user or email")
	}
	now := im.Clock.Now()
	seen := map[bot.UserRef]int{}
	var out []bot.Member // saved by batches of importBatch (a line appears once)
	for {
		rec, line, reason, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &ce) {
			return rep, &ImportFileError{Key: ce.Kind, Detail: ce.Detail, Args: ce.Args, csv: true}
		}
		if reason != "" {
			rep.Lines++
			rep.Rejected = append(rep.Rejected, ImportProblem{Line: line, Key: "csv.reason." + reason})
			continue
		}
		rep.Lines++
		if rep.Lines > maxImportLines {
			return rep, fileError("too_many_lines", fmt.Sprintf("more than %d lines", maxImportLines), "max", strconv.Itoa(maxImportLines))
		}
		get := func(col string) string { return textnorm.Clean(f.Field(rec, col)) }
		m, prob := im.parseLine(get, listSep)
		if prob != nil {
			prob.Line = line
			rep.Rejected = append(rep.Rejected, *prob)
			continue
		}
		if prev, dup := seen[m.Ref]; dup {
			rep.Rejected = append(rep.Rejected, ImportProblem{Line: line, Key: "members.import.reason.duplicate",
				Args: []string{"line", strconv.Itoa(prev)}})
			continue
		}
		seen[m.Ref] = line
		if err := im.apply(ctx, &rep, m, now, dryRun, &out); err != nil {
			return rep, err
		}
		if len(out) >= importBatch {
			if err := im.saveAll(ctx, out); err != nil {
				return rep, err
			}
			out = out[:0]
		}
	}
	return rep, im.saveAll(ctx, out)
}

// parseLine checks one line and builds the member it describes.
func (im Importer) parseLine(get func(string) string, listSep string) (bot.Member, *ImportProblem) {
	bad := func(reason string, args ...string) (bot.Member, *ImportProblem) {
		return bot.Member{}, &ImportProblem{Key: "members.import.reason." + reason, Args: args}
	}
	platform := bot.Platform(strings.ToLower(get("platform")))
	switch platform {
	case bot.PlatformTerminal, bot.PlatformSlack, bot.PlatformMattermost:
	default:
		return bad("platform", "value", core.CleanField(get("platform"), 30))
	}
	workspace := core.CleanField(get("workspace"), core.MaxIDRunes)
	if workspace == "" {
		workspace = im.Workspaces[platform]
	}
	if workspace == "" {
		// The member's reference holds their workspace: without it, their
		// first message would not find the imported record.
		return bad("no_workspace", "platform", string(platform))
	}
	user := get("user")
	if strings.ContainsAny(user, " \t\n") || len([]rune(user)) > 128 || strings.HasPrefix(user, emailUserPrefix) {
		return bad("user", "value", core.CleanField(user, 30))
	}
	email := strings.ToLower(core.CleanField(get("email"), core.MaxEmailRunes))
	if email != "" && !emailRE.MatchString(email) {
		return bad("email", "value", core.CleanField(email, 60))
	}
	if user == "" && email == "" {
		return bad("no_user")
	}
	if user == "" {
		user = emailUserPrefix + email
	}
	m := bot.Member{Ref: bot.UserRef{Platform: platform, Workspace: workspace, User: user}, Email: email,
		Name: core.CleanField(get("name"), core.MaxNameRunes)}
	if lang := get("language"); lang != "" {
		l, ok := bot.ParseLang(lang)
		if !ok {
			return bad("language", "value", core.CleanField(lang, 20))
		}
		m.Language = l
	}
	if q := get("collectivity"); q != "" {
		found := im.Directory.Lookup(q)
		code := fiveCharCode(q)
		if code != "" && len(found) > 0 && found[0].Kind == bot.KindCommune && found[0].Code == code {
			found = found[:1] // an INSEE code first, a postal code second
		}
		switch {
		case len(found) == 0:
			return bad("collectivity_unknown", "value", core.CleanField(q, 60))
		case len(found) > 1 && code != "":
			var names []string
			for _, c := range found[:min(len(found), 4)] {
				names = append(names, c.Name)
			}
			return bad("collectivity_postal_shared", "value", code, "count", strconv.Itoa(len(found)),
				"candidates", strings.Join(names, ", "))
		case len(found) > 1:
			var names []string
			for _, c := range found[:min(len(found), 4)] {
				names = append(names, c.Name+" ("+c.Departement+")")
			}
			return bad("collectivity_ambiguous", "value", core.CleanField(q, 60), "count", strconv.Itoa(len(found)),
				"candidates", strings.Join(names, ", "))
		}
		m.Collectivity = &found[0]
	}
	if role := get("role"); role != "" {
		l, ok := exactLabel(im.MemberRoles, textnorm.Fold(role))
		if !ok {
			return bad("role", "value", core.CleanField(role, 40), "known", labelIDs(im.MemberRoles))
		}
		m.Role = l.ID
	}
	// Interests, then « I can help » and « I am looking for », each a
	// list of configured interests with a reason of its own.
	for _, col := range []struct {
		name, reason string
		to           *[]string
	}{{"interests", "interest", &m.Interests}, {"offers", "offer", &m.Offers}, {"needs", "need", &m.Needs}} {
		ids, bad1 := im.interestList(get(col.name), listSep)
		if bad1 != "" {
			return bad(col.reason, "value", core.CleanField(bad1, 40), "known", labelIDs(im.Interests))
		}
		*col.to = ids
	}
	if err := m.Ref.Valid(); err != nil {
		return bad("user", "value", core.CleanField(user, 30))
	}
	return m, nil
}

// interestList reads a list of configured interests (ids or labels,
// separated by listSep or "|"), sorted, each once; or the first value
// that is not one.
func (im Importer) interestList(list, listSep string) (ids []string, bad string) {
	for _, part := range strings.FieldsFunc(list, func(r rune) bool { return strings.ContainsRune(listSep+"|", r) }) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		l, ok := exactLabel(im.Interests, textnorm.Fold(part))
		if !ok {
			return nil, part
		}
		if !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	slices.Sort(ids)
	return ids, ""
}

func labelIDs(ls []bot.Label) string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return strings.Join(ids, ", ")
}

// apply creates or updates the member, or counts it unchanged.
func (im Importer) apply(ctx context.Context, rep *ImportReport, in bot.Member, now time.Time, dryRun bool, out *[]bot.Member) error {
	old, err := im.Store.Member(ctx, in.Ref)
	switch {
	case core.IsNotFound(err):
		rep.Created++
		if dryRun {
			return nil
		}
		in.Imported, in.Created, in.Updated = now, now, now
		core.SanitizeMember(&in)
		*out = append(*out, in)
		return nil
	case err != nil:
		return fmt.Errorf("import: %w", err)
	}
	if !old.Onboarded.IsZero() {
		rep.Kept++
		return nil
	}
	m := old
	m.Name, m.Email, m.Collectivity, m.Role, m.Interests = in.Name, in.Email, in.Collectivity, in.Role, in.Interests
	if im.hasOffers {
		m.Offers = in.Offers
	}
	if im.hasNeeds {
		m.Needs = in.Needs
	}
	if in.Language != "" {
		m.Language = in.Language
	}
	if m.Imported.IsZero() {
		m.Imported = now
	}
	core.SanitizeMember(&m)
	if sameImported(old, m) {
		rep.Unchanged++
		return nil
	}
	rep.Updated++
	if dryRun {
		return nil
	}
	m.Updated = now
	*out = append(*out, m)
	return nil
}

// importBatch is how many members an import writes at a time: one
// transaction (bbolt) per batch instead of one synced write per member.
const importBatch = 500

// saveAll writes ms, in one call when the store can (bot.MemberBatchWriter).
func (im Importer) saveAll(ctx context.Context, ms []bot.Member) error {
	if len(ms) == 0 {
		return nil
	}
	if w, ok := im.Store.(bot.MemberBatchWriter); ok {
		if err := w.SaveMembers(ctx, ms); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		return nil
	}
	for _, m := range ms {
		if err := im.Store.SaveMember(ctx, m); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	return nil
}

func sameImported(a, b bot.Member) bool {
	sameColl := (a.Collectivity == nil) == (b.Collectivity == nil) &&
		(a.Collectivity == nil || *a.Collectivity == *b.Collectivity)
	return a.Name == b.Name && a.Email == b.Email && sameColl && a.Role == b.Role &&
		slices.Equal(a.Interests, b.Interests) && slices.Equal(a.Offers, b.Offers) && slices.Equal(a.Needs, b.Needs) && a.Language == b.Language && a.Imported.Equal(b.Imported)
}

// importer returns the bot's importer.
func (b *Feature) importer() Importer {
	return Importer{Store: b.store, Directory: b.Dir, MemberRoles: b.Settings.MemberRoles,
		Interests: b.Settings.Interests, Workspaces: b.Settings.ImportWorkspaces, Clock: b.Clock}
}

// cmdImport imports a CSV file named by its path. Only from the terminal,
// where the organizer is on the machine that runs the bot: elsewhere a
// path would let a chat user read the server's files.
func (b *Feature) cmdImport(ctx context.Context, r *core.Turn) []bot.Reply {
	if r.Msg.From.Platform != bot.PlatformTerminal {
		return []bot.Reply{r.Reply("members.import.terminal_only")}
	}
	args := strings.Fields(r.Args)
	dry := false
	if len(args) > 0 {
		switch textnorm.Fold(args[0]) {
		case "essai", "test", "dry run", "dry":
			dry, args = true, args[1:]
		}
		if len(args) > 0 && (args[0] == "--dry-run" || args[0] == "-n") {
			dry, args = true, args[1:]
		}
	}
	if len(args) == 0 {
		return []bot.Reply{r.Reply("members.import.usage")}
	}
	path := strings.Join(args, " ")
	f, err := os.Open(path)
	if err != nil {
		return []bot.Reply{r.Reply("members.import.open_failed", "path", path)}
	}
	defer f.Close()
	rep, err := b.importer().Import(ctx, bufio.NewReader(f), dry)
	if errors.Is(err, ErrImportFile) {
		return []bot.Reply{r.Reply("members.import.bad_file", "error", ExplainImportFileError(r.T, err))}
	}
	if err != nil {
		b.Log.Error("importing members", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Log.Info("members imported", "by", b.Core.Pseudonym(r.Msg.From), "created", rep.Created, "updated", rep.Updated,
		"rejected", len(rep.Rejected), "dry_run", dry)
	out := []bot.Reply{{Text: b.ImportText(r.Lang, rep)}}
	if !dry {
		inv, err := b.inviteImported(ctx)
		if err != nil {
			b.Log.Warn("inviting imported members", "err", err)
		}
		out = append(out, b.invitedReply(r, inv))
	}
	return out
}

// invitations are what inviteImported did: how many invitations went out
// at once, and, for those held until their recipient's working hours
// (each in the recipient's own zone), how many and when the first and the
// last of them leave.
type invitations struct {
	Sent, Held  int
	First, Last time.Time
}

// invitedReply tells the organizer how many invitations went and, for
// those held outside their recipients' working hours, when they leave,
// written in the organizer's own zone and named (« heure de Paris »): a
// recipient in La Réunion gets theirs at 9 h their time, 6 h in Paris.
func (b *Feature) invitedReply(r *core.Turn, inv invitations) bot.Reply {
	if inv.Held == 0 {
		return r.Reply("members.import.invited", "count", strconv.Itoa(inv.Sent))
	}
	loc := b.Settings.WorkingHours.Location
	if r.Known {
		loc = b.Core.Outbox.MemberLocation(r.Member)
	}
	if loc == nil {
		loc = b.Core.DefaultLocation()
	}
	zone := b.Core.ZoneLabel(r.Lang, loc)
	when := r.T("members.import.held_at", "date", b.Core.FormatDateTime(r.Lang, inv.First, loc), "zone", zone)
	if !inv.Last.Equal(inv.First) {
		when = r.T("members.import.held_between", "first", b.Core.FormatDateTime(r.Lang, inv.First, loc),
			"last", b.Core.FormatDateTime(r.Lang, inv.Last, loc), "zone", zone)
	}
	if inv.Sent == 0 {
		return r.Reply("members.import.invited_held", "count", strconv.Itoa(inv.Held), "when", when)
	}
	return r.Reply("members.import.invited_some_held", "sent", strconv.Itoa(inv.Sent),
		"held", strconv.Itoa(inv.Held), "when", when)
}

// InviteImported writes to every imported member not yet invited (and
// not yet onboarded) to introduce Maillage, through sendToMember (so
// within their working hours); they are not matched until they opt in
// themselves. Members imported by e-mail alone wait until they write
// first, and members of a platform the bot is not connected to wait until
// it is. It returns how many were invited.
func (b *Feature) InviteImported(ctx context.Context) (int, error) {
	inv, err := b.inviteImported(ctx)
	return inv.Sent + inv.Held, err
}

func (b *Feature) inviteImported(ctx context.Context) (invitations, error) {
	var inv invitations
	var todo []bot.Member
	err := b.store.Members(ctx, func(m bot.Member) error {
		_, reachable := b.Adapters[m.Ref.Platform] // else: when that platform is configured
		if reachable && !m.Imported.IsZero() && m.Invited.IsZero() && m.Onboarded.IsZero() &&
			!strings.HasPrefix(m.Ref.User, emailUserPrefix) {
			todo = append(todo, m)
		}
		return nil
	})
	if err != nil {
		return inv, fmt.Errorf("invite imported members: %w", err)
	}
	var errs []error
	for _, m := range todo {
		lang := m.Language
		if lang == "" {
			lang = b.Settings.DefaultLang
		}
		r := b.Core.Printer(lang)
		name := ""
		if m.Name != "" {
			name = " " + m.Name
		}
		rep := r.Reply("members.invite", "name", name, "bot", b.Settings.Name,
			"controller", b.Settings.Privacy.Controller)
		// The outbox holds it until the member's own working hours (their
		// zone: profile, else overseas collectivity, else configuration).
		now := b.Clock.Now()
		open := b.Core.Outbox.NextWindow(ctx, m.Ref, b.Core.Outbox.MemberLocation(m), now)
		if err := b.Core.Outbox.SendToMember(ctx, m.Ref, rep); err != nil {
			errs = append(errs, err)
			continue
		}
		m.Invited = now
		if err := b.store.SaveMember(ctx, m); err != nil {
			errs = append(errs, err)
			continue
		}
		if !open.After(now) {
			inv.Sent++
			continue
		}
		if inv.Held == 0 || open.Before(inv.First) {
			inv.First = open
		}
		if open.After(inv.Last) {
			inv.Last = open
		}
		inv.Held++
	}
	return inv, errors.Join(errs...)
}

// adoptImported recognises a member imported by e-mail when they first
// write: their platform's e-mail address names the imported record, which
// moves to their real reference.
func (b *Feature) adoptImported(ctx context.Context, r *core.Turn) {
	if _, ok := b.Adapters[r.Msg.From.Platform].(bot.ProfileReader); !ok {
		return
	}
	email := strings.ToLower(b.Core.PlatformEmail(ctx, r.Msg.From))
	if email == "" {
		return
	}
	placeholder := bot.UserRef{Platform: r.Msg.From.Platform, Workspace: r.Msg.From.Workspace, User: emailUserPrefix + email}
	m, err := b.store.Member(ctx, placeholder)
	if err != nil {
		return
	}
	m.Ref = r.Msg.From
	if err := b.store.SaveMember(ctx, m); err != nil {
		b.Log.Warn("adopting an imported member", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return
	}
	if err := b.store.DeleteMember(ctx, placeholder); err != nil {
		b.Log.Warn("removing an import placeholder", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	r.Member, r.Known = m, true
}

// fiveCharCode returns q when it is a five-character code (an INSEE code
// or a postal code: « 59350 », « 2A004 »), else "".
func fiveCharCode(q string) string {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(q), " ", ""))
	if len(c) != 5 {
		return ""
	}
	for i := 0; i < 5; i++ {
		if (c[i] < '0' || c[i] > '9') && !(i == 1 && c[0] == '2' && (c[1] == 'A' || c[1] == 'B')) {
			return ""
		}
	}
	return c
}
