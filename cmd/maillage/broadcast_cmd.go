package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/internal/when"
)

const broadcastUsage = `Usage:
  maillage broadcast --text-fr FILE [--text-en FILE] [--segment EXPR] [--at DATE]
                     [--urgent] (--preview | --send)
  maillage broadcast list
  maillage broadcast status ID
  maillage broadcast approve ID
  maillage broadcast cancel ID
  maillage broadcast resend ID [--yes]
Common flags: [--config FILE] [--data-dir DIR] [--lang fr|en] [--operator NAME]

Sends an organizers' broadcast to the members, one direct message each, with
the same checks as the "diffusion" command in the chat:
  --text-fr FILE   the message in French (required; "-" reads standard input);
                   {prenom} and {collectivite} are replaced for each recipient,
                   any other {...} is refused
  --text-en FILE   the message for members who chose English (default: French)
  --segment EXPR   who receives it (default: everyone), criteria separated by
                   commas, several values by "|":
                     rôle=dgs|sgm  région=Bretagne  département=29
                     taille=2000-10000 (or <3500, >=20000)  intérêt=numerique
                     séance=3 (registered for session 3 of the current event)
                     événement=ID  langue=en
  --at DATE        when to send: "2026-12-03 09:00" (bot.timezone), RFC 3339,
                   or words such as "jeudi 9h" (default: at once)
  --urgent         ignore working hours and members' opting out of
                   announcements (essential information only)
  --preview        print the number of recipients and the message as one of
                   them will read it; nothing is stored
  --send           store the broadcast: the running bot (any replica) sends
                   it when due; with the embedded store, start the bot after
                   this command (it holds the data file while running)
  --operator NAME  who runs this, for the audit (default $USER)

Above broadcasts.approval_threshold recipients, the broadcast waits for a
second organizer's approval: "approuver diffusion ID" in the chat, or
"maillage broadcast approve ID" by another operator. "list" shows the last
broadcasts, "status ID" the report of one (sent, failed with reasons, unknown
outcomes, skipped), "cancel ID" stops one that is waiting or running.
"resend ID" sends a finished or running broadcast again to the recipients
whose post's outcome is unknown (some may then receive it twice): it shows
how many, and does it only with --yes.

Exit codes: 0 done, 1 store failure, 2 bad usage, invalid text or segment,
or invalid configuration.
`

// broadcastSettings turns the configuration into the core's broadcast
// settings.
func broadcastSettings(cfg *config.Config) bot.BroadcastSettings {
	pace := func(p config.Pace) bot.Pace {
		return bot.Pace{PostsPerSecond: float64(p.PostsPerMinute) / 60, PostBurst: p.PostBurst,
			OpensPerMinute: float64(p.OpensPerMinute), OpenBurst: p.OpenBurst}
	}
	b := cfg.Broadcasts
	return bot.BroadcastSettings{
		ApprovalThreshold: b.ApprovalThreshold,
		BatchSize:         b.BatchSize,
		MaxAttempts:       b.MaxAttempts,
		BatchLease:        b.BatchLease.Std(),
		ReconcileAfter:    b.ReconcileAfter.Std(),
		Pace: map[bot.Platform]bot.Pace{
			bot.PlatformSlack:      pace(b.Pace.Slack),
			bot.PlatformMattermost: pace(b.Pace.Mattermost),
			bot.PlatformMatrix:     pace(b.Pace.Matrix),
			bot.PlatformTerminal:   pace(b.Pace.Terminal),
		},
	}
}

// offline is the chat adapter of the command line: it sends nothing. What
// the core writes to members from here (an approval request, a notice to
// an author) is kept in the store and sent by the running bot.
type offline struct{}

func (offline) Platform() bot.Platform                       { return "offline" }
func (offline) Run(ctx context.Context, h bot.Handler) error { return nil }
func (offline) OpenGroup(context.Context, []bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{}, bot.ErrGroupSize
}
func (offline) Send(context.Context, bot.Conversation, bot.Reply) (bot.SentMessage, error) {
	return bot.SentMessage{}, errors.New("the command line sends nothing")
}

func broadcastCommand(ctx context.Context, args []string, std stdio, env func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(std.out, broadcastUsage)
		return fmt.Errorf("%w: want --preview or --send (see `maillage broadcast --help`)", errUsage)
	}
	fs := newFlagSet("broadcast")
	configPath := fs.String("config", "", "configuration file (YAML); default $MAILLAGE_CONFIG, else built-in defaults")
	dataDir := fs.String("data-dir", "", "data directory of the embedded store (default ./maillage-data, or $MAILLAGE_DATA_DIR)")
	lang := fs.String("lang", "", "language of the output: fr or en (default from the configuration)")
	operator := fs.String("operator", env("USER"), "who runs this, for the audit")
	textFR := fs.String("text-fr", "", "file holding the French text (- for standard input)")
	textEN := fs.String("text-en", "", "file holding the English text")
	segment := fs.String("segment", "", "recipients (default: everyone)")
	at := fs.String("at", "", "when to send (default: at once)")
	urgent := fs.Bool("urgent", false, "ignore working hours and opting out (essential information)")
	preview := fs.Bool("preview", false, "show the count and the rendered message; store nothing")
	send := fs.Bool("send", false, "store the broadcast for the running bot to send")
	yes := fs.Bool("yes", false, "resend: confirm (some recipients may receive the message twice)")
	if err := parseFlags(fs, broadcastUsage, args, std.out); err != nil {
		return err
	}
	// A subcommand may come before or after the flags.
	sub := "compose"
	switch fs.Arg(0) {
	case "list", "status", "approve", "cancel", "resend":
		sub = fs.Arg(0)
		if err := parseFlags(fs, broadcastUsage, fs.Args()[1:], std.out); err != nil {
			return err
		}
	}
	cfg, err := loadConfig(*configPath, *dataDir, env)
	if err != nil {
		return configError(err, std)
	}
	if *lang == "" {
		*lang = cfg.Bot.DefaultLanguage
	}
	l, ok := bot.ParseLang(*lang)
	if !ok {
		return fmt.Errorf("%w: --lang must be fr or en, got %q", errUsage, *lang)
	}
	if *operator == "" {
		*operator = "operator"
	}
	id := ""
	if sub != "compose" && sub != "list" {
		if fs.NArg() == 0 {
			return fmt.Errorf("%w: want `maillage broadcast %s ID`", errUsage, sub)
		}
		id = fs.Arg(0)
		if rest := fs.Args()[1:]; len(rest) > 0 { // flags after the ID ("resend ID --yes")
			if err := parseFlags(fs, broadcastUsage, rest, std.out); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return fmt.Errorf("%w: want `maillage broadcast %s ID`, got %q too", errUsage, sub, fs.Arg(0))
			}
		}
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (see `maillage broadcast --help`)", errUsage, fs.Arg(0))
	}
	var draft broadcasts.BroadcastDraft
	if sub == "compose" {
		if *preview == *send {
			return fmt.Errorf("%w: give exactly one of --preview and --send", errUsage)
		}
		if *textFR == "" {
			return fmt.Errorf("%w: --text-fr FILE is required", errUsage)
		}
		draft = broadcasts.BroadcastDraft{Text: map[bot.Lang]string{}, Urgent: *urgent, Origin: "cli", Operator: *operator}
		for lg, path := range map[bot.Lang]string{bot.French: *textFR, bot.English: *textEN} {
			if path == "" {
				continue
			}
			text, err := readText(path, std)
			if err != nil {
				return fmt.Errorf("%w: --text-%s: %v", errUsage, lg, err)
			}
			draft.Text[lg] = text
		}
	}

	store, dir, logger, closeStore, err := openForCommand(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer closeStore()
	set, err := contentLoader(cfg, logger)(ctx)
	if err != nil {
		return err
	}
	secret, err := core.DeploymentSecret(ctx, store, replicaName(), nil)
	if err != nil {
		return err
	}
	b, err := core.New(settings(cfg, ""), store, []bot.ChatAdapter{offline{}},
		core.Options{Logger: logger, Directory: dir, Content: set, Replica: "cli-" + *operator, Features: features.All(), KeySecret: secret})
	if err != nil {
		return err
	}
	svc, ok := broadcasts.Of(b)
	if !ok {
		return errors.New("this binary has no broadcasts feature")
	}
	cat := catalog.Default()
	render := markupFor(std.out)
	T := func(key string, args ...string) string { return render(cat.T(string(l), key, args...)) }
	bad := func(err error) error {
		fmt.Fprintln(std.err, markupFor(std.err)(svc.ExplainBroadcastError(l, err)))
		return reported{code: exitUsage}
	}

	switch sub {
	case "list":
		n := 0
		err := store.Broadcasts(ctx, func(bc bot.Broadcast) error {
			counts, err := store.RecipientCounts(ctx, bc.ID)
			if err != nil {
				return err
			}
			n++
			fmt.Fprintf(std.out, "%s\t%s\t%s\t%s\t%d/%d\n", bc.ID, T("broadcasts.state."+string(bc.State)), bc.Created.In(cfg.Location()).Format("2006-01-02 15:04"),
				bc.Origin, counts[bot.RecipientSent], max(bc.Total, bc.Expected))
			return nil
		})
		if err == nil && n == 0 {
			fmt.Fprintln(std.out, T("broadcasts.none"))
		}
		return err
	case "status":
		bc, err := store.Broadcast(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			return fmt.Errorf("%w: %s", errUsage, T("broadcasts.not_found", "id", id))
		}
		if err != nil {
			return err
		}
		report, err := svc.BroadcastReport(ctx, l, bc)
		if err != nil {
			return err
		}
		fmt.Fprintln(std.out, render(report))
		return nil
	case "approve":
		bc, err := svc.ApproveBroadcast(ctx, id, bot.UserRef{}, *operator)
		if err != nil {
			return stateError(err, id, T)
		}
		fmt.Fprintln(std.out, T("broadcasts.approved", "id", bc.ID, "count", fmt.Sprint(bc.Expected)))
		return nil
	case "cancel":
		bc, err := svc.CancelBroadcast(ctx, id, bot.UserRef{})
		if err != nil {
			return stateError(err, id, T)
		}
		fmt.Fprintln(std.out, render(svc.CancelledText(ctx, l, bc)))
		return nil
	case "resend":
		return resendCommand(ctx, svc, id, *yes, *operator, std, T)
	}

	if draft.Segment, err = svc.ParseSegment(ctx, *segment); err != nil {
		return bad(err)
	}
	if *at != "" {
		if draft.At, err = parseAt(*at, string(l), cfg.Location(), time.Now()); err != nil {
			return fmt.Errorf("%w: --at: %v", errUsage, err)
		}
	}
	if *preview {
		text, _, err := svc.BroadcastPreview(ctx, l, draft, "broadcasts.cli_preview_foot")
		if err != nil {
			var te *broadcasts.BroadcastTextError
			if errors.As(err, &te) || errors.Is(err, broadcasts.ErrBroadcastPast) {
				return bad(err)
			}
			return err
		}
		fmt.Fprintln(std.out, render(text))
		return nil
	}
	bc, _, err := svc.SubmitBroadcast(ctx, draft)
	if err != nil {
		var te *broadcasts.BroadcastTextError
		if errors.As(err, &te) || errors.Is(err, broadcasts.ErrBroadcastPast) {
			return bad(err)
		}
		return err
	}
	key := "broadcasts.cli_submitted"
	if bc.State == bot.BroadcastApproval {
		key = "broadcasts.cli_submitted_approval"
	}
	fmt.Fprintln(std.out, T(key, "id", bc.ID, "count", fmt.Sprint(bc.Expected)))
	return nil
}

// openForCommand opens what a one-shot command needs: the logger, the
// store (closed by the returned function) and the territory directory.
func openForCommand(ctx context.Context, cfg *config.Config, std stdio) (bot.Store, bot.Directory, *slog.Logger, func(), error) {
	logger := commandLogger(cfg.Log, std)
	store, _, err := openStore(ctx, cfg, logger, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	closeStore := func() {
		if err := store.Close(); err != nil {
			logger.Error("closing the store", "err", err)
		}
	}
	dir, err := loadDirectory()
	if err != nil {
		closeStore()
		return nil, nil, nil, nil, err
	}
	return store, dir, logger, closeStore, nil
}

// resendCommand asks (without --yes) or resends a broadcast to its
// recipients whose outcome is unknown.
func resendCommand(ctx context.Context, svc *broadcasts.Feature, id string, yes bool, operator string, std stdio, T func(string, ...string) string) error {
	q, err := svc.AskResend(ctx, id)
	if err != nil {
		return stateError(err, id, T)
	}
	if q.Unknown == 0 {
		fmt.Fprintln(std.out, T("broadcasts.resend_none", "id", id))
		return nil
	}
	if !yes {
		ask, _, _ := strings.Cut(T("broadcasts.resend_ask", "id", id, "count", fmt.Sprint(q.Unknown)), "\n")
		fmt.Fprintln(std.out, ask)
		fmt.Fprintln(std.out, T("broadcasts.cli_resend_ask", "id", id))
		return nil
	}
	n, err := svc.ResendUnknown(ctx, id, q.Generation, bot.UserRef{}, operator)
	if err != nil {
		return stateError(err, id, T)
	}
	fmt.Fprintln(std.out, T("broadcasts.resend_done", "id", id, "count", fmt.Sprint(n)))
	return nil
}

// stateError explains a refused approval or cancellation.
func stateError(err error, id string, T func(string, ...string) string) error {
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return fmt.Errorf("%w: %s", errUsage, T("broadcasts.not_found", "id", id))
	case errors.Is(err, broadcasts.ErrBroadcastRefused):
		return fmt.Errorf("%w: %s", errUsage, T("broadcasts.cli_refused", "id", id, "reason", err.Error()))
	}
	return err
}

// readText reads a text file ("-": standard input).
func readText(path string, std stdio) (string, error) {
	var data []byte
	var err error
	if path == "-" {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, rerr := std.in.Read(buf)
			sb.Write(buf[:n])
			if rerr != nil {
				break
			}
		}
		data = []byte(sb.String())
	} else if data, err = os.ReadFile(path); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// parseAt reads --at: "2006-01-02 15:04" in loc, RFC 3339, or words.
func parseAt(s, lang string, loc *time.Location, now time.Time) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "02/01/2006 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	res, err := when.Parse(s, lang, now.In(loc))
	var impossible *when.ImpossibleDateError
	if errors.As(err, &impossible) {
		return time.Time{}, fmt.Errorf("%s", catalog.Default().T(lang, "reminders.impossible", "date", impossible.Text,
			"max", strconv.Itoa(impossible.MaxDay)))
	}
	if err != nil && !errors.Is(err, when.ErrNoTask) && !errors.Is(err, when.ErrPast) {
		return time.Time{}, fmt.Errorf("cannot read the date %q; write for example \"2026-12-03 09:00\" or \"jeudi 9h\"", s)
	}
	return res.At, nil
}
