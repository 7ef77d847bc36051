package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestSlackSecrets(t *testing.T) {
	const (
		bot    = "xoxb-111-222-s3cr3tbot"
		app    = "xapp-1-A1-333-s3cr3tapp"
		secret = "8f742231b10e8888abcd99yyyzzz85a5"
	)
	yaml := "chat:\n  adapters: [slack]\n"
	tests := []struct {
		name       string
		env        map[string]string
		want       []Problem
		socketMode bool
	}{
		{"socket mode", map[string]string{EnvSlackBotToken: bot, EnvSlackAppToken: app}, nil, true},
		{"events api", map[string]string{EnvSlackBotToken: bot, EnvSlackSigningSecret: secret, EnvHTTPListen: ":8080"}, nil, false},
		{"both: socket mode wins", map[string]string{EnvSlackBotToken: bot, EnvSlackAppToken: app, EnvSlackSigningSecret: secret}, nil, true},
		{"user token instead of bot token", map[string]string{EnvSlackBotToken: "xoxp-s3cr3tuser", EnvSlackAppToken: app}, []Problem{
			{Path: EnvSlackBotToken, Message: "must be a bot token starting with xoxb- (from « OAuth & Permissions »); the value set does not"},
		}, true},
		{"tokens swapped", map[string]string{EnvSlackBotToken: app, EnvSlackAppToken: bot}, []Problem{
			{Path: EnvSlackBotToken, Message: "must be a bot token starting with xoxb- (from « OAuth & Permissions »); the value set does not"},
			{Path: EnvSlackAppToken, Message: "must be an app-level token starting with xapp- (« Basic Information », scope connections:write); the value set does not"},
		}, true},
		{"signing secret without http.listen", map[string]string{EnvSlackBotToken: bot, EnvSlackSigningSecret: secret}, []Problem{
			{Path: "http.listen", Message: "must be set to receive Slack's Events API (MAILLAGE_SLACK_SIGNING_SECRET is set but not MAILLAGE_SLACK_APP_TOKEN); or set MAILLAGE_SLACK_APP_TOKEN for Socket Mode"},
		}, false},
		{"api url from the environment", map[string]string{EnvSlackBotToken: bot, EnvSlackAppToken: app, EnvSlackAPIURL: "ftp://x"}, []Problem{
			{Path: EnvSlackAPIURL, Message: `must be an http(s) URL such as "https://slack.com/api/", got "ftp://x"`},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(yaml), "f.yaml", envMap(tt.env))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse = %v, want no problem", err)
				}
				if got := c.SlackSocketMode(); got != tt.socketMode {
					t.Errorf("SlackSocketMode() = %v, want %v", got, tt.socketMode)
				}
				want := "chat slack (slack: socket mode)"
				if !tt.socketMode {
					want = "chat slack (slack: events api on :8080)"
				}
				if got := c.Summary(); !strings.Contains(got, want) {
					t.Errorf("Summary() = %q, want %q in it", got, want)
				}
				return
			}
			got := problemsOf(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			for _, s := range []string{"s3cr3t"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a token: %v", err)
				}
			}
		})
	}
}

func TestSlackAPIURLFromEnvironment(t *testing.T) {
	c, err := Parse(nil, "f.yaml", envMap(map[string]string{EnvSlackAPIURL: "http://127.0.0.1:9999/api/"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Chat.Slack.APIURL, "http://127.0.0.1:9999/api/"; got != want {
		t.Errorf("api_url = %q, want %q", got, want)
	}
	if got := Default().Chat.Slack.APIURL; got != DefaultSlackAPIURL {
		t.Errorf("default api_url = %q", got)
	}
}

func TestSlackByDefaultWithTheBotToken(t *testing.T) {
	env := envMap(map[string]string{EnvSlackBotToken: "xoxb-1-2-s3cr3t", EnvSlackAppToken: "xapp-1-s3cr3t"})
	c, err := FromEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chat.Adapters; !reflect.DeepEqual(got, []string{AdapterSlack}) {
		t.Errorf("adapters with only the Slack variables = %v, want [slack]", got)
	}
	// A file that lists the adapters decides.
	c, err = Parse([]byte("chat:\n  adapters: [terminal]\n"), "f.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chat.Adapters; !reflect.DeepEqual(got, []string{AdapterTerminal}) {
		t.Errorf("adapters from the file = %v, want [terminal]", got)
	}
	// Mattermost's variables alone select Mattermost, as Slack's do, and
	// validation names what else it needs.
	_, err = FromEnv(envMap(map[string]string{EnvMattermostURL: "https://chat.example.fr", EnvMattermostToken: "s3cr3t"}))
	if err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Errorf("Mattermost's variables without http.listen: %v, want the adapter selected and http.listen asked for", err)
	}
	c, err = FromEnv(envMap(map[string]string{EnvMattermostURL: "https://chat.example.fr", EnvMattermostToken: "s3cr3t",
		EnvHTTPListen: ":8080", EnvPublicURL: "https://maillage.example.fr"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chat.Adapters; !reflect.DeepEqual(got, []string{AdapterMattermost}) {
		t.Errorf("adapters with Mattermost's variables = %v, want [mattermost]", got)
	}
	if w := c.UnusedCredentials(); len(w) != 0 {
		t.Errorf("unused credentials with every platform listed: %v", w)
	}
	// Slack's and Mattermost's variables together: both.
	c, err = FromEnv(envMap(map[string]string{EnvSlackBotToken: "xoxb-1-2-s3cr3t", EnvSlackAppToken: "xapp-1-s3cr3t",
		EnvMattermostURL: "https://chat.example.fr", EnvMattermostToken: "s3cr3t",
		EnvHTTPListen: ":8080", EnvPublicURL: "https://maillage.example.fr"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chat.Adapters; !reflect.DeepEqual(got, []string{AdapterSlack, AdapterMattermost}) {
		t.Errorf("adapters with Slack's and Mattermost's variables = %v, want [slack mattermost]", got)
	}
	// A file listing the terminal only, with credentials set: a warning
	// for each platform left out.
	c, err = Parse([]byte("chat:\n  adapters: [terminal]\n"), "f.yaml", envMap(map[string]string{
		EnvSlackBotToken: "xoxb-1-2-s3cr3t", EnvMattermostURL: "https://chat.example.fr", EnvMattermostToken: "s3cr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	w := c.UnusedCredentials()
	if len(w) != 2 || !strings.Contains(w[0], "MAILLAGE_SLACK_BOT_TOKEN set but chat.adapters (terminal) does not list slack") ||
		!strings.Contains(w[1], "MAILLAGE_MATTERMOST_URL, MAILLAGE_MATTERMOST_TOKEN set but chat.adapters (terminal) does not list mattermost") {
		t.Errorf("warnings = %q", w)
	}
	for _, line := range w {
		if strings.Contains(line, "s3cr3t") {
			t.Errorf("a warning shows a secret: %q", line)
		}
	}
	// Without the bot token, the terminal stays the default.
	c, err = FromEnv(envMap(map[string]string{EnvSlackAppToken: "xapp-1-s3cr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chat.Adapters; !reflect.DeepEqual(got, []string{AdapterTerminal}) {
		t.Errorf("adapters without the bot token = %v, want [terminal]", got)
	}
}
