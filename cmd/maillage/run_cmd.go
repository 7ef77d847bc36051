package main

import (
	"context"
	"errors"
	"fmt"

	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/mattermost"
	"github.com/sndgct/maillage/adapters/prometheus"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/adapters/slack"
	"github.com/sndgct/maillage/adapters/terminal"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/config"
	"golang.org/x/term"
)

const runUsage = `Usage: maillage [run] [--config FILE] [--data-dir DIR] [--lang fr|en]

Runs the bot. With no configuration file, the built-in defaults apply: the
terminal adapter (type "aide" to begin, "/as NAME" to speak as another member,
"/quitter" to leave) and the embedded store in ./maillage-data. Reading from a
pipe, it answers every line and exits at end of input:
  printf 'aide\n' | maillage

Flags take precedence over the environment, which takes precedence over the file.
`

func runBot(ctx context.Context, args []string, std stdio, env func(string) string) error {
	fs := newFlagSet("run")
	configPath := fs.String("config", "", "configuration file (YAML); default $MAILLAGE_CONFIG, else built-in defaults")
	dataDir := fs.String("data-dir", "", "data directory of the embedded store (default ./maillage-data, or $MAILLAGE_DATA_DIR)")
	lang := fs.String("lang", "", "default language of the bot: fr or en (default from the configuration: fr)")
	if err := parseFlags(fs, runUsage, args, std.out); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (see `maillage run --help`)", errUsage, fs.Arg(0))
	}
	if *lang != "" && *lang != "fr" && *lang != "en" {
		return fmt.Errorf("%w: --lang must be fr or en, got %q", errUsage, *lang)
	}

	cfg, err := loadConfig(*configPath, *dataDir, env)
	if err != nil {
		return configError(err, std)
	}
	if *lang != "" {
		cfg.Bot.DefaultLanguage = *lang
	}
	logger, closeLog, err := runLogger(cfg, std)
	if err != nil {
		return err
	}
	defer closeLog()
	pseudonyms := bot.NewPseudonyms(cfg.Secrets.LogPseudonymSalt())
	for _, w := range cfg.UnusedCredentials() {
		logger.Warn("platform credentials without their adapter: "+w, "component", "main")
	}

	metrics := prometheus.New()
	store, storeName, err := openStore(ctx, cfg, logger, metrics)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("closing the store", "err", err)
		}
	}()

	adapters, err := buildAdapters(cfg, std, store, logger)
	if err != nil {
		return err
	}
	loadContent := contentLoader(cfg, logger)
	set, err := loadContent(ctx)
	if err != nil {
		return contentError(err, std)
	}
	dir := lazyDirectory(logger)
	secret, err := core.DeploymentSecret(ctx, store, replicaName(), nil)
	if err != nil {
		return err
	}
	b, err := core.New(settings(cfg, storeName), store, adapters, core.Options{Logger: logger, Features: features.All(), Pseudonyms: pseudonyms, KeySecret: secret,
		SharedRateLimit: storeName == config.BackendRedis,
		Replica:         replicaName(), Content: set, ReloadContent: loadContent, Directory: dir, Observer: metrics})
	if err != nil {
		return err
	}
	logger.Info("maillage started", "component", "main", "version", version, "store", storeName,
		"adapters", cfg.Chat.Adapters)

	metrics.WatchAdapters(adapters)
	ops := newOpsRoutes(store, adapters, metrics)
	defer context.AfterFunc(ctx, func() { ops.stopping.Store(true) })()
	regs := []routeRegistrar{ops}
	if dash, err := dashboardRoutes(b, logger); err != nil { // http.go
		return err
	} else if dash != nil {
		regs = append(regs, dash)
	}
	for _, a := range adapters {
		if r, ok := a.(routeRegistrar); ok {
			regs = append(regs, r)
		}
	}
	if cfg.HTTP.Listen != "" {
		srv, err := newHTTPServer(cfg.HTTP.Listen, regs, logger)
		if err != nil {
			return err
		}
		// The server stops when Run returns (ctx below is cancelled first).
		httpCtx, stopHTTP := context.WithCancel(ctx)
		httpDone := make(chan error, 1)
		go func() { httpDone <- srv.Serve(httpCtx) }()
		defer func() {
			stopHTTP()
			if err := <-httpDone; err != nil {
				logger.Error("http server", "component", "main", "err", err)
			}
		}()
	}

	// Housekeeping stops before the store closes (deferred above).
	hkCtx, stopHousekeeping := context.WithCancel(ctx)
	var housekeeping sync.WaitGroup
	housekeeping.Go(func() { purgeExpired(hkCtx, store, logger, time.Hour) })
	housekeeping.Go(func() { reloadOnHangup(hkCtx, b, logger) })
	housekeeping.Go(func() { inviteImported(hkCtx, b, logger, time.Hour) })
	defer housekeeping.Wait()
	defer stopHousekeeping()

	// The scheduler, too, stops (and its running jobs end) before the store
	// closes.
	schedCtx, stopScheduler := context.WithCancel(ctx)
	var scheduler sync.WaitGroup
	scheduler.Go(func() {
		if err := b.RunScheduler(schedCtx); err != nil {
			logger.Error("scheduler", "component", "main", "err", err)
		}
	})
	defer scheduler.Wait()
	defer stopScheduler()

	err = b.Run(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// purger is a store that keeps expired records until told to remove them
// (the embedded store; Redis expires keys by itself).
type purger interface {
	Purge(ctx context.Context) (int, error)
}

// purgeExpired removes expired records at start and then every period,
// until ctx ends.
func purgeExpired(ctx context.Context, store bot.Store, logger *slog.Logger, every time.Duration) {
	p, ok := store.(purger)
	if !ok {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := p.Purge(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("purging expired records", "component", "main", "err", err)
		case n > 0:
			logger.Debug("purged expired records", "component", "main", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// loadConfig reads the file named by the flag or MAILLAGE_CONFIG, or the
// defaults when neither is set; --data-dir overrides MAILLAGE_DATA_DIR.
func loadConfig(path, dataDir string, env func(string) string) (*config.Config, error) {
	if dataDir != "" {
		base := env
		env = func(k string) string {
			if k == "MAILLAGE_DATA_DIR" {
				return dataDir
			}
			return base(k)
		}
	}
	if path == "" {
		path = env("MAILLAGE_CONFIG")
	}
	var cfg *config.Config
	var err error
	if path == "" {
		cfg, err = config.FromEnv(env)
	} else {
		cfg, err = config.Load(path, env)
	}
	if err != nil {
		return nil, err
	}
	return cfg, checkJobKinds(cfg, path)
}

// checkJobKinds refuses schedules whose kind this binary cannot run, as
// the core's registry says.
func checkJobKinds(cfg *config.Config, path string) error {
	kinds, err := core.JobKinds(features.All())
	if err != nil {
		return err
	}
	err = cfg.CheckJobKinds(kinds)
	var problems *config.Problems
	if errors.As(err, &problems) {
		problems.File = path
	}
	return err
}

// replicaName names this process in the store's claims and logs.
func replicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "maillage"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// openStore opens the configured store, which reports its calls to obs
// (nil: none); it returns the backend's name.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, obs bot.StoreObserver) (bot.Store, string, error) {
	switch backend := cfg.StoreBackend(); backend {
	case config.BackendRedis:
		s, err := redis.Open(ctx, cfg.Secrets.RedisURL, redis.Options{
			KeyPrefix:  cfg.Store.Redis.KeyPrefix,
			Timeout:    cfg.Store.Redis.Timeout.Std(),
			Logger:     logger,
			ClientLogs: true,
			Observer:   obs,
		})
		if err != nil {
			return nil, "", err // names the URL, without its password
		}
		return s, backend, nil
	default:
		s, err := bolt.Open(ctx, cfg.BoltPath(), bolt.Options{
			LockTimeout: cfg.Store.Bolt.LockTimeout.Std(),
			Logger:      logger,
			Observer:    obs,
		})
		if err != nil {
			return nil, "", err // names the file
		}
		return s, config.BackendBolt, nil
	}
}

func buildAdapters(cfg *config.Config, std stdio, store bot.Store, logger *slog.Logger) ([]bot.ChatAdapter, error) {
	pseudonyms := bot.NewPseudonyms(cfg.Secrets.LogPseudonymSalt())
	var out []bot.ChatAdapter
	for _, name := range cfg.Chat.Adapters {
		switch name {
		case config.AdapterTerminal:
			out = append(out, terminal.New(std.in, std.out, terminal.Options{
				User:        cfg.Chat.Terminal.User,
				Workspace:   cfg.Chat.Terminal.Workspace,
				BotName:     cfg.Bot.Name,
				Lang:        cfg.Bot.DefaultLanguage,
				Interactive: isTerminal(std.in),
				Styles:      isTerminal(std.out),
				Logger:      logger,
				Pseudonyms:  pseudonyms,
			}))
		case config.AdapterMattermost:
			a, err := mattermost.New(mattermost.Options{
				URL:       cfg.Secrets.MattermostURL,
				Token:     cfg.Secrets.MattermostToken,
				PublicURL: cfg.HTTP.PublicURL,
				Store:     store,

				CommandToken: cfg.Secrets.MattermostCommandToken,
				Logger:       logger,
			})
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case config.AdapterMatrix:
			a, err := newMatrixAdapter(cfg, store, logger) // matrix.go
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case config.AdapterSlack:
			a, err := slack.New(slackOptions(cfg, store, logger))
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		default:
			// config validation refuses adapters this version lacks.
			return nil, fmt.Errorf("chat adapter %q is not available in this version", name)
		}
	}
	return out, nil
}

// isTerminal reports whether r is an interactive terminal (not a pipe, a
// file or /dev/null), to decide whether to show a prompt.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// settings turns the configuration into the core's settings.
func settings(cfg *config.Config, storeName string) bot.Settings {
	rules := func(entries []config.RoleEntry) []bot.RoleRule {
		out := make([]bot.RoleRule, 0, len(entries))
		for _, e := range entries {
			out = append(out, bot.RoleRule{Platform: bot.Platform(e.Platform), Workspace: e.Workspace, User: e.User,
				Email: e.Email})
		}
		return out
	}
	return bot.Settings{
		Name:            cfg.Bot.Name,
		DefaultLang:     bot.Lang(cfg.Bot.DefaultLanguage),
		MaxMessageRunes: cfg.Bot.MaxMessageLength,
		Admins:          rules(cfg.Roles.Admins),
		Organizers:      rules(cfg.Roles.Organizers),
		Privacy: bot.Privacy{
			Controller:      cfg.Privacy.Controller,
			Contact:         cfg.Privacy.Contact,
			RetentionMonths: cfg.Privacy.RetentionMonths,
		},
		Version:     version,
		StoreName:   storeName,
		DialogueTTL: 7 * 24 * time.Hour,
		Location:    cfg.Location(),
		Highlights:  highlightSettings(cfg),
		Jobs:        jobs(cfg),
		Grace:       cfg.Scheduler.Grace.Std(),
		WorkingHours: bot.WorkingHours{
			Days:     cfg.WorkingHours.Days(),
			Start:    cfg.WorkingHours.Start.Minutes(),
			End:      cfg.WorkingHours.End.Minutes(),
			Location: cfg.WorkingHours.Location(),
		},
		Matching:         matchSettings(cfg),
		MemberRoles:      labels(cfg.MemberRoles),
		Interests:        labels(cfg.Interests),
		ImportWorkspaces: importWorkspaces(cfg),
		RateLimit:        bot.RateLimit{PerMinute: cfg.RateLimit.PerMinute, Burst: cfg.RateLimit.Burst},
		Broadcasts:       broadcastSettings(cfg), // broadcast_cmd.go
		Dashboard:        dashboardSettings(cfg), // http.go
	}
}

// importWorkspaces gives the workspace of CSV lines that leave it empty:
// the terminal's, and the Mattermost server's (its host and path, as the
// adapter names it) when one is configured.
func importWorkspaces(cfg *config.Config) map[bot.Platform]string {
	ws := map[bot.Platform]string{bot.PlatformTerminal: cfg.Chat.Terminal.Workspace}
	if raw := strings.TrimRight(strings.TrimSpace(cfg.Secrets.MattermostURL), "/"); raw != "" {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			ws[bot.PlatformMattermost] = u.Host + u.Path
		}
	}
	if server := matrixWorkspace(cfg); server != "" { // matrix.go
		ws[bot.PlatformMatrix] = server
	}
	return ws
}

func labels(ls []config.Label) []bot.Label {
	out := make([]bot.Label, len(ls))
	for i, l := range ls {
		out[i] = bot.Label{ID: l.ID, FR: l.FR, EN: l.EN, Aliases: l.Aliases}
	}
	return out
}

// inviteImported sends the invitations of members imported by the
// command line, at start and then every period, until ctx ends. (The
// retention period is enforced by the scheduler's purge job.)
func inviteImported(ctx context.Context, b *core.Bot, logger *slog.Logger, every time.Duration) {
	svc, ok := members.Of(b)
	if !ok {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := svc.InviteImported(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("inviting imported members", "component", "main", "err", err)
		} else if n > 0 {
			logger.Info("invited imported members", "component", "main", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// jobs turns the validated schedules into the core's jobs.
func jobs(cfg *config.Config) []bot.Job {
	out := make([]bot.Job, 0, len(cfg.Schedules))
	for _, s := range cfg.Schedules {
		sched, err := cfg.ScheduleSpec(s)
		if err != nil {
			continue // Validate refused it already
		}
		j := bot.Job{Name: s.Name, Kind: s.Kind, Schedule: sched}
		if s.Kind == config.JobAnnouncement && s.Target != nil && s.Text != nil {
			a := &bot.Announcement{
				Text:   map[bot.Lang]string{bot.French: s.Text.FR, bot.English: s.Text.EN},
				Urgent: s.Urgent,
			}
			if c := s.Target.Channel; c != nil {
				a.Channel = &bot.Conversation{Platform: bot.Platform(c.Platform), Workspace: c.Workspace, ID: c.ID, Kind: bot.Channel}
			}
			if m := s.Target.Members; m != nil {
				a.Members = bot.MemberFilter{Roles: m.Roles, Regions: m.Regions, Interests: m.Interests}
			}
			j.Announcement = a
		}
		if s.Kind == config.JobSummary && s.Target != nil && s.Target.Channel != nil {
			c := s.Target.Channel
			j.Channel = &bot.Conversation{Platform: bot.Platform(c.Platform), Workspace: c.Workspace, ID: c.ID, Kind: bot.Channel}
		}
		out = append(out, j)
	}
	return out
}

// highlightSettings turns the content section and the interests into the
// core's highlight settings.
func highlightSettings(cfg *config.Config) bot.HighlightSettings {
	topics := make([]bot.HighlightTopic, len(cfg.Interests))
	for i, l := range cfg.Interests {
		topics[i] = bot.HighlightTopic{ID: l.ID, FR: l.FR, EN: l.EN}
	}
	hs := bot.HighlightSettings{Topics: topics, ReminderBefore: cfg.Content.ReminderBefore.Std()}
	if ch := cfg.Content.Channel; ch.ID != "" {
		if ch.Platform == config.AdapterTerminal && ch.Workspace == "" {
			ch.Workspace = cfg.Chat.Terminal.Workspace // the terminal has one workspace
		}
		hs.Channel = bot.Conversation{Platform: bot.Platform(ch.Platform), Workspace: ch.Workspace, ID: ch.ID, Kind: bot.Channel}
	}
	return hs
}
