package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const examplePath = "maillage.example.yaml"

// envMap returns an env lookup backed by m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// problemsOf returns the problems in err, failing the test when err is not a
// *Problems.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want problems")
	}
	var p *Problems
	if !errors.As(err, &p) {
		t.Fatalf("got error %T %q, want *Problems", err, err)
	}
	return p.List
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
}

func TestExampleEqualsDefault(t *testing.T) {
	got, err := Load(examplePath, nil)
	if err != nil {
		t.Fatalf("Load(%s) = %v", examplePath, err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example differs from Default():\n got %+v\nwant %+v", got, want)
	}
}

// TestExampleDocumentsEveryKey walks the Config type alongside the example's
// node tree: every key of the struct must appear in the example, and every
// key outside lists must carry a French then an English comment.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(typ reflect.Type, n *yaml.Node, path string, inList bool)
	walk = func(typ reflect.Type, n *yaml.Node, path string, inList bool) {
		if reflect.PointerTo(typ).Implements(unmarshalerType) {
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			if n.Kind != yaml.MappingNode {
				t.Errorf("%s: example has kind %v, want a mapping", path, n.Kind)
				return
			}
			for name, idx := range yamlFields(typ) {
				kpath := joinPath(path, name)
				var key, val *yaml.Node
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == name {
						key, val = n.Content[i], n.Content[i+1]
					}
				}
				if key == nil {
					t.Errorf("%s: key missing from %s: document every key", kpath, examplePath)
					continue
				}
				if !inList {
					c := key.HeadComment
					fr, en := strings.Index(c, "# FR:"), strings.Index(c, "# EN:")
					if fr < 0 || en < fr {
						t.Errorf("%s (line %d): want a \"# FR:\" then a \"# EN:\" comment above the key, got %q", kpath, key.Line, c)
					}
				}
				walk(typ.Field(idx).Type, val, kpath, inList)
			}
		case reflect.Slice:
			if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
				t.Errorf("%s: example must show a non-empty list", path)
				return
			}
			walk(typ.Elem(), n.Content[0], path+"[0]", true)
		}
	}
	walk(reflect.TypeFor[Config](), doc.Content[0], "", false)
}

func TestEmptyFileIsDefault(t *testing.T) {
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"comments only", "# nothing here\n# rien ici\n"},
		{"explicit null", "~\n"},
		{"document marker", "---\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.data), "empty.yaml", nil)
			if err != nil {
				t.Fatalf("Parse = %v, want nil", err)
			}
			if !reflect.DeepEqual(got, Default()) {
				t.Errorf("got %+v, want Default()", got)
			}
		})
	}
}

func TestFromEnvIsDefault(t *testing.T) {
	got, err := FromEnv(nil)
	if err != nil {
		t.Fatalf("FromEnv(nil) = %v", err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("got %+v, want Default()", got)
	}
}

func TestBrokenFileReportsEverything(t *testing.T) {
	const file = "testdata/broken.yaml"
	_, err := Load(file, nil)
	got := problemsOf(t, err)
	want := []Problem{
		{Line: 4, Path: "bot.default_language", Message: `must be one of fr, en, got "de"`},
		{Line: 5, Path: "bot.timezone", Message: `unknown time zone "Europe/Pariss" (expected an IANA name such as "Europe/Paris")`},
		{Line: 9, Path: "store.bolt.lock_timeout", Message: `must be a duration such as "2s" or "90m", got "2 seconds"`},
		{Line: 10, Path: "store.bolt.fiel", Message: `unknown key (did you mean "file"?)`},
		{Line: 12, Path: "store.redis.password", Message: "secrets are not read from the file; set MAILLAGE_REDIS_URL in the environment"},
		{Line: 13, Path: "chat", Message: "must be a mapping of keys to values, got a list"},
		{Line: 17, Path: "interests[2].id", Message: `duplicate id "ia" (first at interests[0])`},
		{Line: 19, Path: "working_hours.days[1]", Message: "duplicate of working_hours.days[0] (Monday)"},
		{Line: 19, Path: "working_hours.days[2]", Message: `must be a day name in English or French (monday or lundi, ...), got "funday"`},
		{Line: 20, Path: "working_hours.start", Message: `must be a time of day as HH:MM, e.g. "09:00", got "9 o'clock"`},
		{Line: 23, Path: "matching.weights.size", Message: "must be between 0 and 100, got -3"},
		{Line: 24, Path: "matching.weights.region", Message: `must be a whole number, got "ten"`},
		{Line: 25, Path: "matching.weights.size", Message: "duplicate key (first at line 23)"},
		{Line: 27, Path: "log.level", Message: `must be one of debug, info, warn, error, got "loud"`},
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("problem %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	first := strings.SplitN(err.Error(), "\n", 2)[0]
	if wantFirst := file + `:4: bot.default_language: must be one of fr, en, got "de"`; first != wantFirst {
		t.Errorf("first line of Error() = %q, want %q", first, wantFirst)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Error() leaks the secret from the file:\n%v", err)
	}
}

func TestInvalidYAML(t *testing.T) {
	tests := []struct {
		name, data string
		wantLine   int
		wantIn     string
	}{
		{"tab indentation", "bot:\n  name: Maillage\n\tdefault_language: fr\n", 3, "indent with spaces, not tabs"},
		{"unclosed list", "log:\n  level: info\nchat:\n  adapters: [terminal\n", 4, "invalid YAML"},
		{"unclosed quote", "bot:\n  name: \"Maillage\n  timezone: UTC\n", 2, "invalid YAML"},
		{"two values on a line", "bot:\n  name: a: b\n", 2, "invalid YAML"},
		{"two documents", "bot: {name: A}\n---\nbot: {name: B}\n", 2, "only one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "bad.yaml", nil)
			got := problemsOf(t, err)
			if len(got) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(got), err)
			}
			if got[0].Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", got[0].Line, tt.wantLine, err)
			}
			prefix := fmt.Sprintf("bad.yaml:%d: ", tt.wantLine)
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.wantIn) {
				t.Errorf("Error() = %q, want prefix %q containing %q", msg, prefix, tt.wantIn)
			}
		})
	}
	t.Run("tabs file", func(t *testing.T) {
		_, err := Load("testdata/tabs.yaml", nil)
		want := "testdata/tabs.yaml:3: invalid YAML: found a tab character that violates indentation (indent with spaces, not tabs)"
		if err == nil || err.Error() != want {
			t.Errorf("Load(tabs) = %v, want %q", err, want)
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	_, err := Load(path, nil)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, want an fs.ErrNotExist error naming %s", err, path)
	}
}

// problemCase is a file and the problems Parse must report for it.
type problemCase struct {
	name, data string
	want       []Problem
}

func checkProblemCases(t *testing.T, tests []problemCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "f.yaml", nil)
			got := problemsOf(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestStructureProblems(t *testing.T) {
	tests := []problemCase{
		{"root is a list", "- a\n", []Problem{{Line: 1, Message: "the file must be a mapping of keys to values, got a list"}}},
		{"unknown top key far from any", "zzzzzz: 1\n", []Problem{{Line: 1, Path: "zzzzzz", Message: "unknown key (expected one of: bot, broadcasts, chat, content, data_dir, http, interests, log, matching, member_roles, privacy, rate_limit, roles, scheduler, schedules, store, working_hours)"}}},
		{"list given for a string", "bot:\n  name: [a, b]\n", []Problem{{Line: 2, Path: "bot.name", Message: "must be a single value, got a list"}}},
		{"mapping given for a list", "chat:\n  adapters: {terminal: true}\n", []Problem{{Line: 2, Path: "chat.adapters", Message: "must be a list, got a mapping"}}},
		{"float for int", "privacy:\n  retention_months: 1.5\n", []Problem{{Line: 2, Path: "privacy.retention_months", Message: `must be a whole number, got "1.5"`}}},
		{"quoted int", "bot:\n  max_message_length: \"4000\"\n", []Problem{{Line: 2, Path: "bot.max_message_length", Message: `must be a whole number, got "4000"`}}},
		{"duration without unit", "store:\n  redis:\n    timeout: 2\n", []Problem{{Line: 3, Path: "store.redis.timeout", Message: `must be a duration with a unit such as "2s" or "90m", got "2"`}}},
		{"unknown key in list item", "interests:\n  - {id: ia, fr: IA, en: AI}\n  - {id: rh, fr: RH, en: HR, de: PA}\n", []Problem{{Line: 3, Path: "interests[1].de", Message: `unknown key (did you mean "en"?)`}}},
		{"merge key", "bot: &b {name: A}\nlog:\n  <<: *b\n", []Problem{{Line: 3, Path: "log", Message: "merge keys (<<) are not supported; write the keys out"}}},
		{"empty list", "interests: []\n", []Problem{{Line: 1, Path: "interests", Message: "must list at least one entry"}}},
		{"empty value of a list", "chat:\n  adapters:\n", []Problem{{Line: 2, Path: "chat.adapters", Message: "must list at least one adapter (available: terminal, slack, mattermost, matrix)"}}},
	}
	checkProblemCases(t, tests)
}

func TestValueProblems(t *testing.T) {
	tests := []problemCase{
		{"name too long", "bot:\n  name: " + strings.Repeat("é", 41) + "\n", []Problem{{Line: 2, Path: "bot.name", Message: "must be at most 40 characters, got 41"}}},
		{"message length", "bot:\n  max_message_length: 99\n", []Problem{{Line: 2, Path: "bot.max_message_length", Message: "must be between 100 and 40000, got 99"}}},
		{"local time zone", "bot:\n  timezone: Local\n", []Problem{{Line: 2, Path: "bot.timezone", Message: `must be an IANA time zone such as "Europe/Paris", not "Local"`}}},
		{"lock timeout", "store:\n  bolt:\n    lock_timeout: 2m\n", []Problem{{Line: 3, Path: "store.bolt.lock_timeout", Message: "must be between 100ms and 1m, got 2m0s"}}},
		{"backend", "store:\n  backend: postgres\n", []Problem{{Line: 2, Path: "store.backend", Message: `must be one of auto, bolt, redis, got "postgres"`}}},
		{"redis without url", "store:\n  backend: redis\n", []Problem{{Line: 2, Path: "store.backend", Message: "is redis but MAILLAGE_REDIS_URL is not set in the environment"}}},
		{"key prefix with space", "store:\n  redis:\n    key_prefix: \"a b\"\n", []Problem{{Line: 3, Path: "store.redis.key_prefix", Message: `must not contain spaces, got "a b"`}}},
		{"empty key prefix", "store:\n  redis:\n    key_prefix: \"\"\n", []Problem{{Line: 3, Path: "store.redis.key_prefix", Message: "must be 1 to 64 characters, got 0"}}},
		{"slack adapter", "chat:\n  adapters: [terminal, slack]\n", []Problem{
			{Path: "MAILLAGE_SLACK_BOT_TOKEN", Message: "must be set when chat.adapters lists slack (the bot token, starting with xoxb-, from « OAuth & Permissions »)"},
			{Path: "MAILLAGE_SLACK_APP_TOKEN", Message: "must be set for Socket Mode (an app-level token starting with xapp-); or set MAILLAGE_SLACK_SIGNING_SECRET and http.listen to receive the Events API over HTTP"},
		}},
		{"slack api url", "chat:\n  slack:\n    api_url: slack.com/api\n", []Problem{{Line: 3, Path: "chat.slack.api_url", Message: `must be an http(s) URL such as "https://slack.com/api/", got "slack.com/api"`}}},
		{"slack workers", "chat:\n  slack:\n    workers: 0\n", []Problem{{Line: 3, Path: "chat.slack.workers", Message: "must be between 1 and 64, got 0"}}},
		{"duplicate adapter", "chat:\n  adapters:\n    - terminal\n    - terminal\n", []Problem{{Line: 4, Path: "chat.adapters[1]", Message: "duplicate of chat.adapters[0]"}}},
		{"unknown adapter", "chat:\n  adapters: [discord]\n", []Problem{{Line: 2, Path: "chat.adapters[0]", Message: `must be one of terminal, slack, mattermost, matrix, got "discord"`}}},
		{"terminal user", "chat:\n  terminal:\n    user: \"a b\"\n", []Problem{{Line: 3, Path: "chat.terminal.user", Message: `must not contain spaces, got "a b"`}}},
		{"role entry", "roles:\n  admins:\n    - {platform: teams, user: \"\"}\n", []Problem{
			{Line: 3, Path: "roles.admins[0].platform", Message: `must be one of terminal, slack, mattermost, matrix, got "teams"`},
			{Line: 3, Path: "roles.admins[0].user", Message: "must not be empty"},
		}},
		{"duplicate role entry", "roles:\n  organizers:\n    - {platform: slack, workspace: T1, user: U1}\n    - {platform: slack, workspace: T1, user: U1}\n", []Problem{{Line: 4, Path: "roles.organizers[1]", Message: "duplicate of roles.organizers[0]"}}},
		{"label id", "member_roles:\n  - {id: DGS, fr: DGS, en: CEO}\n", []Problem{{Line: 2, Path: "member_roles[0].id", Message: `must be 1 to 32 characters among a-z, 0-9, _ and -, got "DGS"`}}},
		{"label missing en", "member_roles:\n  - {id: dgs, fr: DGS}\n", []Problem{{Line: 2, Path: "member_roles[0].en", Message: "must not be empty"}}},
		{"no working day", "working_hours:\n  days: []\n", []Problem{{Line: 2, Path: "working_hours.days", Message: "must list at least one day"}}},
		{"end before start", "working_hours:\n  start: \"18:00\"\n  end: \"09:00\"\n", []Problem{{Line: 3, Path: "working_hours.end", Message: "must be after start (18:00) and at most 24:00, got 09:00"}}},
		{"all weights zero", "matching:\n  weights: {size: 0, interests: 0, region: 0, role: 0, workshop: 0, preferences: 0, complement: 0}\n", []Problem{{Line: 2, Path: "matching.weights", Message: "at least one weight must be above 0"}}},
		{"preference mode", "matching:\n  preferences:\n    same_region: strict\n", []Problem{{Line: 3, Path: "matching.preferences.same_region", Message: `must be one of hard, soft, got "strict"`}}},
		{"preference unknown", "matching:\n  preferences:\n    same_size: hard\n", []Problem{{Line: 3, Path: "matching.preferences.same_size", Message: "unknown key (expected one of: same_region, similar_size)"}}},
		{"group size", "matching:\n  group_size: 5\n", []Problem{{Line: 2, Path: "matching.group_size", Message: "must be between 2 and 4, got 5"}}},
		{"weight too high", "matching:\n  weights:\n    role: 101\n", []Problem{{Line: 3, Path: "matching.weights.role", Message: "must be between 0 and 100, got 101"}}},
		{"contact", "privacy:\n  contact: call us\n", []Problem{{Line: 2, Path: "privacy.contact", Message: `must be an e-mail address or an http(s) URL, got "call us"`}}},
		{"retention", "privacy:\n  retention_months: 0\n", []Problem{{Line: 2, Path: "privacy.retention_months", Message: "must be between 1 and 120, got 0"}}},
		{"listen", "http:\n  listen: localhost\n", []Problem{{Line: 2, Path: "http.listen", Message: `must be host:port such as ":8080" or "127.0.0.1:8080", got "localhost"`}}},
		{"listen port", "http:\n  listen: \":http\"\n", []Problem{{Line: 2, Path: "http.listen", Message: `must end with a port number between 0 and 65535, got ":http"`}}},
		{"log format", "log:\n  format: xml\n", []Problem{{Line: 2, Path: "log.format", Message: `must be one of text, json, got "xml"`}}},
	}
	checkProblemCases(t, tests)
}

func TestValidValues(t *testing.T) {
	tests := []struct {
		name, data string
		check      func(*Config) error
	}{
		{"french days any case", "working_hours:\n  days: [Lundi, MARDI, dimanche]\n", func(c *Config) error {
			if got, want := c.WorkingHours.Days(), []time.Weekday{time.Monday, time.Tuesday, time.Sunday}; !reflect.DeepEqual(got, want) {
				return fmt.Errorf("Days() = %v, want %v", got, want)
			}
			return nil
		}},
		{"unquoted times and h separator", "working_hours:\n  start: 8h30\n  end: 24:00\n", func(c *Config) error {
			if c.WorkingHours.Start.Minutes() != 510 || c.WorkingHours.End.Minutes() != 1440 {
				return fmt.Errorf("start, end = %d, %d, want 510, 1440", c.WorkingHours.Start, c.WorkingHours.End)
			}
			return nil
		}},
		{"list replaces default", "interests:\n  - {id: ia, fr: IA, en: AI}\nroles:\n  admins: []\n", func(c *Config) error {
			if len(c.Interests) != 1 || len(c.Roles.Admins) != 0 || len(c.Roles.Organizers) != 1 {
				return fmt.Errorf("interests %d, admins %d, organizers %d, want 1, 0, 1", len(c.Interests), len(c.Roles.Admins), len(c.Roles.Organizers))
			}
			return nil
		}},
		{"empty scalar keeps default", "bot:\n  name:\n", func(c *Config) error {
			if c.Bot.Name != "Maillage" {
				return fmt.Errorf("bot.name = %q, want the default", c.Bot.Name)
			}
			return nil
		}},
		{"contact e-mail and url", "privacy:\n  contact: dpo@example.org\n", nil},
		{"contact url", "privacy:\n  contact: https://example.org/rgpd\n", nil},
		{"absolute bolt file", "store:\n  bolt:\n    file: /var/lib/maillage/m.db\n", func(c *Config) error {
			if got := c.BoltPath(); got != "/var/lib/maillage/m.db" {
				return fmt.Errorf("BoltPath() = %q", got)
			}
			return nil
		}},
		{"anchors", "working_hours:\n  timezone: &tz America/Cayenne\nbot:\n  timezone: *tz\n", func(c *Config) error {
			if got := c.Location().String(); got != "America/Cayenne" {
				return fmt.Errorf("Location() = %s", got)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.data), "f.yaml", nil)
			if err != nil {
				t.Fatalf("Parse = %v, want nil", err)
			}
			if tt.check != nil {
				if err := tt.check(c); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	env := map[string]string{
		EnvDataDir:    "/srv/maillage",
		EnvHTTPListen: ":8080",
		EnvLogLevel:   "debug",
		EnvLogFormat:  "json",
		EnvRedisURL:   "redis://u:pw@redis:6379/0\n",
	}
	c, err := Parse([]byte("data_dir: ./ignored\nlog:\n  level: warn\n"), "f.yaml", envMap(env))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	tests := []struct{ name, got, want string }{
		{"data_dir", c.DataDir, "/srv/maillage"},
		{"http.listen", c.HTTP.Listen, ":8080"},
		{"log.level", c.Log.Level, "debug"},
		{"log.format", c.Log.Format, "json"},
		{"redis url trimmed", c.Secrets.RedisURL, "redis://u:pw@redis:6379/0"},
		{"auto backend", c.StoreBackend(), "redis"},
		{"bolt path", c.BoltPath(), "/srv/maillage/maillage.db"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got := c.Summary(); strings.Contains(got, "pw") || !strings.HasPrefix(got, `ok: store redis (key prefix "maillage:")`) {
		t.Errorf("Summary() = %q", got)
	}

	t.Run("invalid values name the variable", func(t *testing.T) {
		bad := envMap(map[string]string{EnvLogLevel: "loud", EnvLogFormat: "xml", EnvHTTPListen: "nowhere"})
		_, err := Parse([]byte("bot:\n  default_language: de\n"), "f.yaml", bad)
		got := problemsOf(t, err)
		want := []Problem{
			{Line: 2, Path: "bot.default_language", Message: `must be one of fr, en, got "de"`},
			{Path: "MAILLAGE_HTTP_LISTEN", Message: `must be host:port such as ":8080" or "127.0.0.1:8080", got "nowhere"`},
			{Path: "MAILLAGE_LOG_LEVEL", Message: `must be one of debug, info, warn, error, got "loud"`},
			{Path: "MAILLAGE_LOG_FORMAT", Message: `must be one of text, json, got "xml"`},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if line := strings.Split(err.Error(), "\n")[2]; line != `f.yaml: MAILLAGE_LOG_LEVEL: must be one of debug, info, warn, error, got "loud"` {
			t.Errorf("Error() line = %q", line)
		}
	})

	t.Run("redis backend with url", func(t *testing.T) {
		c, err := Parse([]byte("store:\n  backend: redis\n"), "f.yaml", envMap(map[string]string{EnvRedisURL: "redis://r:6379"}))
		if err != nil || c.StoreBackend() != "redis" {
			t.Errorf("Parse = %v, backend %v; want no error and redis", err, c)
		}
	})
}

func TestSecretKeysInFile(t *testing.T) {
	tests := []struct {
		name, data, path, variable string
	}{
		{"redis url", "store:\n  redis:\n    url: redis://x\n", "store.redis.url", EnvRedisURL},
		{"redis password", "store:\n  redis:\n    password: x\n", "store.redis.password", EnvRedisURL},
		{"slack bot token", "chat:\n  slack:\n    token: x\n", "chat.slack.token", EnvSlackBotToken},
		{"slack app token", "chat:\n  slack:\n    app_token: x\n", "chat.slack.app_token", EnvSlackAppToken},
		{"slack signing secret", "chat:\n  slack:\n    signing_secret: x\n", "chat.slack.signing_secret", EnvSlackSigningSecret},
		{"mattermost url", "chat:\n  mattermost:\n    url: https://x\n", "chat.mattermost.url", EnvMattermostURL},
		{"mattermost token", "mattermost:\n  token: x\n", "mattermost.token", EnvMattermostToken},
		{"slack token at top", "slack_token: x\n", "slack_token", EnvSlackBotToken},
		{"redis url at top", "redis_url: x\n", "redis_url", EnvRedisURL},
		{"token anywhere", "bot:\n  token: x\n", "bot.token", "MAILLAGE_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "f.yaml", nil)
			var found bool
			for _, p := range problemsOf(t, err) {
				if p.Path == tt.path {
					found = true
					if !strings.HasPrefix(p.Message, "secrets are not read from the file; set ") || !strings.Contains(p.Message, tt.variable) {
						t.Errorf("%s: message %q, want one naming %s", p.Path, p.Message, tt.variable)
					}
				}
			}
			if !found {
				t.Errorf("no problem at %s in:\n%v", tt.path, err)
			}
		})
	}
	t.Run("file", func(t *testing.T) {
		_, err := Load("testdata/slack.yaml", nil)
		msg := err.Error()
		for _, leak := range []string{"xoxb-do-not-leak", "do-not-leak-either", "hooks.example"} {
			if strings.Contains(msg, leak) {
				t.Errorf("Error() leaks %q:\n%s", leak, msg)
			}
		}
		if want := "testdata/slack.yaml:4: chat.slack.bot_token: secrets are not read from the file; set MAILLAGE_SLACK_BOT_TOKEN in the environment"; !strings.Contains(msg, want) {
			t.Errorf("Error() = %s\nwant it to contain %q", msg, want)
		}
	})
}

func TestSecretsRedaction(t *testing.T) {
	values := map[string]string{
		EnvRedisURL:           "redis://user:s3cr3t-redis@host:6379",
		EnvSlackBotToken:      "xoxb-s3cr3t-bot",
		EnvSlackAppToken:      "xapp-s3cr3t-app",
		EnvSlackSigningSecret: "s3cr3t-signing",
		EnvMattermostToken:    "s3cr3t-mm",
	}
	c, err := FromEnv(envMap(values))
	if err != nil {
		t.Fatalf("FromEnv = %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("start", "secrets", c.Secrets, "config", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("start", "secrets", c.Secrets, "config", c)
	jsonCfg, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	yamlCfg, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":         fmt.Sprintf("%v", c.Secrets),
		"%+v":        fmt.Sprintf("%+v", c.Secrets),
		"%#v":        fmt.Sprintf("%#v", c.Secrets),
		"%s":         fmt.Sprintf("%s", c.Secrets),
		"config %+v": fmt.Sprintf("%+v", c),
		"config %#v": fmt.Sprintf("%#v", c),
		"slog":       logged.String(),
		"json":       string(jsonCfg),
		"yaml":       string(yamlCfg),
		"summary":    c.Summary(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("%s output leaks a secret: %s", name, out)
		}
	}
	if got, want := c.Secrets.String(), "Secrets{RedisURL: set, SlackBotToken: set, SlackAppToken: set, SlackSigningSecret: set, MattermostURL: unset, MattermostToken: set, MattermostCommandToken: unset, LogSalt: unset, MatrixHomeserverURL: unset, MatrixUserID: unset, MatrixPassword: unset, MatrixAccessToken: unset, MatrixDeviceID: unset, MatrixPickleKey: unset}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !strings.Contains(logged.String(), `"secrets":{"RedisURL":"set"`) {
		t.Errorf("slog JSON = %s, want a group of set/unset", logged.String())
	}
}

func TestHelpers(t *testing.T) {
	c := Default()
	if got, want := c.BoltPath(), filepath.Join("maillage-data", "maillage.db"); got != want {
		t.Errorf("BoltPath() = %q, want %q", got, want)
	}
	if got := c.StoreBackend(); got != "bolt" {
		t.Errorf("StoreBackend() = %q, want bolt", got)
	}
	if got := c.Location().String(); got != "Europe/Paris" {
		t.Errorf("Location() = %q, want Europe/Paris", got)
	}
	if got := c.WorkingHours.Location().String(); got != "Europe/Paris" {
		t.Errorf("WorkingHours.Location() = %q", got)
	}
	wantDays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	if got := c.WorkingHours.Days(); !reflect.DeepEqual(got, wantDays) {
		t.Errorf("Days() = %v, want %v", got, wantDays)
	}
	if s, e := c.WorkingHours.Start.Minutes(), c.WorkingHours.End.Minutes(); s != 540 || e != 1080 {
		t.Errorf("Start, End = %d, %d, want 540, 1080", s, e)
	}
	if got, want := c.Summary(), "ok: store bolt ("+filepath.Join("maillage-data", "maillage.db")+"), chat terminal, language fr, 1 admin, 1 organizer, 6 member roles, 12 interests"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if !c.Roles.IsAdmin("terminal", "anything", "admin") || c.Roles.IsAdmin("slack", "T1", "admin") || !c.Roles.IsOrganizer("terminal", "local", "orga") {
		t.Error("IsAdmin/IsOrganizer do not match the default entries")
	}
	if got := (Log{Level: "warn"}).SlogLevel(); got != slog.LevelWarn {
		t.Errorf("SlogLevel() = %v, want WARN", got)
	}
}

func TestRoleEntryMatches(t *testing.T) {
	tests := []struct {
		entry                     RoleEntry
		platform, workspace, user string
		want                      bool
	}{
		{RoleEntry{Platform: "slack", Workspace: "", User: "U1"}, "slack", "T1", "U1", true},
		{RoleEntry{Platform: "slack", Workspace: "T1", User: "U1"}, "slack", "T1", "U1", true},
		{RoleEntry{Platform: "slack", Workspace: "T1", User: "U1"}, "slack", "T2", "U1", false},
		{RoleEntry{Platform: "slack", Workspace: "", User: "U1"}, "mattermost", "T1", "U1", false},
		{RoleEntry{Platform: "slack", Workspace: "", User: "U1"}, "slack", "T1", "U2", false},
	}
	for _, tt := range tests {
		if got := tt.entry.Matches(tt.platform, tt.workspace, tt.user); got != tt.want {
			t.Errorf("%+v.Matches(%s, %s, %s) = %v, want %v", tt.entry, tt.platform, tt.workspace, tt.user, got, tt.want)
		}
	}
}

func TestParseClockTime(t *testing.T) {
	tests := []struct {
		in      string
		want    ClockTime
		wantErr bool
	}{
		{"09:00", 540, false},
		{"9:05", 545, false},
		{"18h30", 1110, false},
		{"00:00", 0, false},
		{"24:00", 1440, false},
		{"24:01", 0, true},
		{"12:60", 0, true},
		{"9", 0, true},
		{"9:5", 0, true},
		{"-1:00", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseClockTime(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseClockTime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got := ClockTime(545).String(); got != "09:05" {
		t.Errorf("String() = %q, want 09:05", got)
	}
}

func TestDurationYAML(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"2s", 2 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"2", 0, `must be a duration with a unit such as "2s" or "90m", got "2"`},
		{"soon", 0, `must be a duration such as "2s" or "90m", got "soon"`},
		{"[1s]", 0, `must be a duration such as "2s" or "90m", got a list`},
	}
	for _, tt := range tests {
		var d Duration
		err := yaml.Unmarshal([]byte(tt.in), &d)
		var gotErr string
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tt.wantErr || d.Std() != tt.want {
			t.Errorf("unmarshal %q = %v, %q; want %v, %q", tt.in, d, gotErr, tt.want, tt.wantErr)
		}
	}
	out, err := yaml.Marshal(struct{ D Duration }{Duration(90 * time.Second)})
	if err != nil || string(out) != "d: 1m30s\n" {
		t.Errorf("marshal = %q, %v; want \"d: 1m30s\\n\"", out, err)
	}
}

func TestProblemsError(t *testing.T) {
	tests := []struct {
		name string
		p    Problems
		want string
	}{
		{"file and line", Problems{File: "m.yaml", List: []Problem{{Path: "a.b", Message: "bad", Line: 3}}}, "m.yaml:3: a.b: bad"},
		{"file without line", Problems{File: "m.yaml", List: []Problem{{Path: "MAILLAGE_LOG_LEVEL", Message: "bad"}}}, "m.yaml: MAILLAGE_LOG_LEVEL: bad"},
		{"no path", Problems{File: "m.yaml", List: []Problem{{Message: "invalid YAML: x", Line: 2}}}, "m.yaml:2: invalid YAML: x"},
		{"no file", Problems{List: []Problem{{Path: "a", Message: "x"}, {Path: "b", Message: "y", Line: 4}}}, "a: x\nline 4: b: y"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestValidateAfterChange(t *testing.T) {
	c := Default()
	c.Matching.Weights.Size = -3
	c.Interests = nil
	got := problemsOf(t, c.Validate())
	want := []Problem{
		{Path: "interests", Message: "must list at least one entry"},
		{Path: "matching.weights.size", Message: "must be between 0 and 100, got -3"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestRoleEntryByEmail(t *testing.T) {
	for _, tt := range []struct {
		yaml, want string
	}{
		{"roles:\n  admins:\n    - {platform: slack, email: dsi@exemple.fr}\n", ""},
		{"roles:\n  admins:\n    - {platform: slack, email: not-an-address}\n", "roles.admins[0].email: must be an e-mail address"},
		{"roles:\n  admins:\n    - {platform: slack, user: U1, email: dsi@exemple.fr}\n", "roles.admins[0]: give user or email, not both"},
		{"roles:\n  admins:\n    - {platform: slack}\n", "roles.admins[0].user"},
		{"member_roles:\n  - {id: dgs, fr: DGS, en: DGS, aliases: [\"\"]}\n", "member_roles[0].aliases[0]: must be 1 to 100 characters"},
	} {
		_, err := Parse([]byte(tt.yaml), "roles.yaml", nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.yaml, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: got %v, want an error containing %q", tt.yaml, err, tt.want)
		}
	}
}
