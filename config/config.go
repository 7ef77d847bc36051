// Package config is the administrator's contract with Maillage: one YAML file,
// decoded strictly (unknown keys are errors), with defaults for every key so
// that no file is needed at all, and secrets read only from the environment.
//
// Load and Parse report every problem at once, each with its dotted path and
// line (see Problems). cmd/maillage is the only package that turns a Config
// into the settings of the bot core and picks the adapters; this package
// imports neither.
package config

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load even on images without system tzdata.
)

// Config is the whole configuration. Its zero value is not useful: start from
// Default, Load or Parse.
type Config struct {
	Bot          Bot          `yaml:"bot"`
	DataDir      string       `yaml:"data_dir"`
	Store        Store        `yaml:"store"`
	Chat         Chat         `yaml:"chat"`
	Roles        Roles        `yaml:"roles"`
	MemberRoles  []Label      `yaml:"member_roles"`
	Interests    []Label      `yaml:"interests"`
	WorkingHours WorkingHours `yaml:"working_hours"`
	Matching     Matching     `yaml:"matching"`
	Privacy      Privacy      `yaml:"privacy"`
	Schedules    []Schedule   `yaml:"schedules"`
	Scheduler    Scheduler    `yaml:"scheduler"`
	HTTP         HTTP         `yaml:"http"`
	Log          Log          `yaml:"log"`
	Content      Content      `yaml:"content"`
	RateLimit    RateLimit    `yaml:"rate_limit"`
	Broadcasts   Broadcasts   `yaml:"broadcasts"`

	// Secrets come only from the environment (MAILLAGE_*), never from the file.
	Secrets Secrets `yaml:"-"`
}

// Bot holds the bot's identity and conversation defaults.
type Bot struct {
	Name             string `yaml:"name"`
	DefaultLanguage  string `yaml:"default_language"`
	Timezone         string `yaml:"timezone"`
	MaxMessageLength int    `yaml:"max_message_length"`
}

// Store selects and tunes the storage backend.
type Store struct {
	// Backend is auto, bolt or redis; see Config.StoreBackend.
	Backend string `yaml:"backend"`
	Bolt    Bolt   `yaml:"bolt"`
	Redis   Redis  `yaml:"redis"`
}

// Bolt tunes the embedded single-file store.
type Bolt struct {
	// File is relative to Config.DataDir unless absolute; see Config.BoltPath.
	File        string   `yaml:"file"`
	LockTimeout Duration `yaml:"lock_timeout"`
}

// Redis tunes the Redis store. The address and credentials come from
// MAILLAGE_REDIS_URL (Secrets.RedisURL).
type Redis struct {
	KeyPrefix string   `yaml:"key_prefix"`
	Timeout   Duration `yaml:"timeout"`
}

// Chat selects the chat adapters.
type Chat struct {
	Adapters []string `yaml:"adapters"`
	Terminal Terminal `yaml:"terminal"`
	Slack    Slack    `yaml:"slack"`
	Matrix   Matrix   `yaml:"matrix"`
}

// Terminal configures the terminal adapter.
type Terminal struct {
	// User is the simulated member id at start.
	User      string `yaml:"user"`
	Workspace string `yaml:"workspace"`
}

// Roles lists who may run organizer and admin commands.
type Roles struct {
	Admins     []RoleEntry `yaml:"admins"`
	Organizers []RoleEntry `yaml:"organizers"`
}

// RoleEntry identifies one person on one platform. An empty Workspace
// matches any workspace.
type RoleEntry struct {
	Platform  string `yaml:"platform"`
	Workspace string `yaml:"workspace"`
	User      string `yaml:"user"`
	// Email names the person by the e-mail address their platform gives
	// (Slack, Mattermost), instead of User.
	Email string `yaml:"email"`
}

// Label is one entry of a closed list (job roles, interests): a stable id
// stored with members, and its French and English labels.
type Label struct {
	ID string `yaml:"id"`
	FR string `yaml:"fr"`
	EN string `yaml:"en"`
	// Aliases are other ways people write it ("DGS", "directrice générale
	// des services"), recognised in what members type and in CSV imports.
	Aliases []string `yaml:"aliases,omitempty"`
}

// WorkingHours is when the bot may write to members first (right to
// disconnect). The window lies within one day: Start < End.
type WorkingHours struct {
	Timezone string `yaml:"timezone"`
	// DayNames holds the days as written (English or French, any case);
	// the Days method returns them parsed.
	DayNames []string  `yaml:"days"`
	Start    ClockTime `yaml:"start"`
	End      ClockTime `yaml:"end"`
}

// Privacy holds what members are told about their personal data.
type Privacy struct {
	Controller      string `yaml:"controller"`
	Contact         string `yaml:"contact"`
	RetentionMonths int    `yaml:"retention_months"`
}

// HTTP configures the optional HTTP server (health, platform callbacks).
type HTTP struct {
	// Listen is host:port, or empty for no HTTP server.
	Listen string `yaml:"listen"`
	// PublicURL is the bot's base address as chat servers reach it
	// (Mattermost's buttons call PublicURL + /mattermost/actions).
	PublicURL string `yaml:"public_url"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Store backends, chat adapters, platforms, languages, log levels and formats
// accepted in the file.
const (
	BackendAuto  = "auto"
	BackendBolt  = "bolt"
	BackendRedis = "redis"

	AdapterTerminal   = "terminal"
	AdapterSlack      = "slack"
	AdapterMattermost = "mattermost"
	AdapterMatrix     = "matrix"
)

// Default returns the configuration used when there is no file. Each call
// returns a new value that the caller may modify.
func Default() *Config {
	return &Config{
		Bot: Bot{
			Name:             "Maillage",
			DefaultLanguage:  "fr",
			Timezone:         "Europe/Paris",
			MaxMessageLength: 4000,
		},
		DataDir: "./maillage-data",
		Store: Store{
			Backend: BackendAuto,
			Bolt:    Bolt{File: "maillage.db", LockTimeout: Duration(2 * time.Second)},
			Redis:   Redis{KeyPrefix: "maillage:", Timeout: Duration(2 * time.Second)},
		},
		Chat: Chat{
			Adapters: []string{AdapterTerminal},
			Terminal: Terminal{User: "vous", Workspace: "local"},
			Slack:    defaultSlack(),
			Matrix:   Matrix{AllowedServers: []string{MatrixSelf}, CryptoStore: "matrix-crypto.db"},
		},
		Roles: Roles{
			Admins:     []RoleEntry{{Platform: AdapterTerminal, User: "admin"}},
			Organizers: []RoleEntry{{Platform: AdapterTerminal, User: "orga"}},
		},
		MemberRoles: []Label{
			{ID: "dgs", FR: "Directeur·rice général·e des services (DGS)", EN: "Chief executive (DGS)",
				Aliases: []string{"directrice générale des services", "DG des services", "DGST"}},
			{ID: "dga", FR: "Directeur·rice général·e adjoint·e (DGA)", EN: "Deputy chief executive (DGA)",
				Aliases: []string{"directrice générale adjointe", "DGAS", "deputy DGS"}},
			{ID: "sgm", FR: "Secrétaire général·e de mairie", EN: "Town hall secretary-general",
				Aliases: []string{"secrétaire générale de mairie", "secrétaire de mairie", "SG de mairie"}},
			{ID: "dg_epci", FR: "Directeur·rice général·e d'intercommunalité (EPCI)", EN: "Chief executive of an inter-municipal body (EPCI)",
				Aliases: []string{"directrice générale d'intercommunalité", "DG d'EPCI", "DGS d'EPCI", "DG d'intercommunalité"}},
			{ID: "directeur", FR: "Directeur·rice", EN: "Director"},
			{ID: "autre", FR: "Autre", EN: "Other"},
		},
		Interests: []Label{
			{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence", Aliases: []string{"AI"}},
			{ID: "management", FR: "Management", EN: "Management"},
			{ID: "management_distance", FR: "Management à distance", EN: "Remote management"},
			{ID: "transition_ecologique", FR: "Transition écologique", EN: "Ecological transition"},
			{ID: "finances", FR: "Finances locales", EN: "Local government finance"},
			{ID: "rh", FR: "Ressources humaines", EN: "Human resources"},
			{ID: "numerique", FR: "Transformation numérique", EN: "Digital transformation"},
			{ID: "qvt", FR: "Qualité de vie au travail", EN: "Quality of working life"},
			{ID: "deconnexion", FR: "Droit à la déconnexion", EN: "Right to disconnect"},
			{ID: "intercommunalite", FR: "Intercommunalité", EN: "Inter-municipal cooperation"},
			{ID: "commande_publique", FR: "Commande publique", EN: "Public procurement"},
			{ID: "relation_elus", FR: "Relation avec les élus", EN: "Working with elected officials"},
		},
		WorkingHours: WorkingHours{
			Timezone: "Europe/Paris",
			DayNames: []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			Start:    ClockTime(9 * 60),
			End:      ClockTime(18 * 60),
		},
		Matching: defaultMatching(),
		Privacy: Privacy{
			Controller:      "le SNDGCT (Syndicat national des directeurs généraux des collectivités territoriales)",
			RetentionMonths: 24,
		},
		Schedules:  defaultSchedules(),
		Scheduler:  Scheduler{Grace: Duration(time.Hour)},
		Log:        Log{Level: "info", Format: "text"},
		Content:    defaultContent(),
		RateLimit:  defaultRateLimit(),
		Broadcasts: defaultBroadcasts(),
	}
}

// StoreBackend resolves Store.Backend: "auto" becomes "redis" when
// MAILLAGE_REDIS_URL is set and "bolt" otherwise. It returns "bolt" or
// "redis" for a valid configuration.
func (c *Config) StoreBackend() string {
	if c.Store.Backend != BackendAuto {
		return c.Store.Backend
	}
	if c.Secrets.RedisURL != "" {
		return BackendRedis
	}
	return BackendBolt
}

// BoltPath returns the path of the bbolt file: Store.Bolt.File, joined to
// DataDir unless it is absolute.
func (c *Config) BoltPath() string {
	if filepath.IsAbs(c.Store.Bolt.File) {
		return filepath.Clean(c.Store.Bolt.File)
	}
	return filepath.Join(c.DataDir, c.Store.Bolt.File)
}

// Location returns the bot's time zone (bot.timezone), or UTC if it does not
// load (Validate reports that). Call it once at start and keep the result.
func (c *Config) Location() *time.Location {
	return loadLocation(c.Bot.Timezone)
}

// Location returns the working-hours time zone, or UTC if it does not load
// (Validate reports that). Call it once at start and keep the result.
func (w WorkingHours) Location() *time.Location {
	return loadLocation(w.Timezone)
}

// Days returns the working days from Monday to Sunday, without duplicates.
// Names that do not parse are skipped (Validate reports them).
func (w WorkingHours) Days() []time.Weekday {
	var seen [7]bool
	for _, name := range w.DayNames {
		if d, ok := parseWeekday(name); ok {
			seen[d] = true
		}
	}
	days := make([]time.Weekday, 0, 7)
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7) // Monday first, Sunday last.
		if seen[d] {
			days = append(days, d)
		}
	}
	return days
}

// Matches reports whether the entry designates the person (platform,
// workspace, user). An entry with an empty Workspace matches any workspace.
func (e RoleEntry) Matches(platform, workspace, user string) bool {
	return e.Platform == platform && e.User == user && (e.Workspace == "" || e.Workspace == workspace)
}

// IsAdmin reports whether the person is listed in Admins.
func (r Roles) IsAdmin(platform, workspace, user string) bool {
	return anyMatches(r.Admins, platform, workspace, user)
}

// IsOrganizer reports whether the person is listed in Organizers.
func (r Roles) IsOrganizer(platform, workspace, user string) bool {
	return anyMatches(r.Organizers, platform, workspace, user)
}

func anyMatches(entries []RoleEntry, platform, workspace, user string) bool {
	for _, e := range entries {
		if e.Matches(platform, workspace, user) {
			return true
		}
	}
	return false
}

// Summary returns one line describing the configuration, for
// "maillage config check". It never includes a secret.
func (c *Config) Summary() string {
	var b strings.Builder
	backend := c.StoreBackend()
	b.WriteString("ok: store ")
	b.WriteString(backend)
	switch backend {
	case BackendBolt:
		b.WriteString(" (" + c.BoltPath() + ")")
	case BackendRedis:
		b.WriteString(" (key prefix " + strconv.Quote(c.Store.Redis.KeyPrefix) + ")")
	}
	b.WriteString(", chat " + strings.Join(c.Chat.Adapters, "+"))
	b.WriteString(c.slackSummary())
	b.WriteString(", language " + c.Bot.DefaultLanguage)
	b.WriteString(", " + count(len(c.Roles.Admins), "admin", "admins"))
	b.WriteString(", " + count(len(c.Roles.Organizers), "organizer", "organizers"))
	b.WriteString(", " + count(len(c.MemberRoles), "member role", "member roles"))
	b.WriteString(", " + count(len(c.Interests), "interest", "interests"))
	if c.HTTP.Listen != "" {
		b.WriteString(", http " + c.HTTP.Listen)
	}
	return b.String()
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func loadLocation(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SlogLevel returns the slog level named by Level (info when invalid,
// which Validate reports).
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
