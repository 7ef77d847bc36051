package config

import (
	"net/url"
	"slices"
	"strings"
)

// EnvSlackAPIURL overrides chat.slack.api_url (tests and staging point the
// adapter at a local server with it).
const EnvSlackAPIURL = "MAILLAGE_SLACK_API_URL"

// DefaultSlackAPIURL is Slack's own Web API.
const DefaultSlackAPIURL = "https://slack.com/api/"

// Slack tunes the Slack adapter. The tokens come from the environment
// (Secrets): MAILLAGE_SLACK_BOT_TOKEN always; MAILLAGE_SLACK_APP_TOKEN for
// Socket Mode (the default, no public URL needed), or
// MAILLAGE_SLACK_SIGNING_SECRET with http.listen for the Events API.
type Slack struct {
	// APIURL is the Web API base URL; Socket Mode's WebSocket URL comes
	// from apps.connections.open on it.
	APIURL string `yaml:"api_url"`
	// Workers handle incoming events concurrently.
	Workers int `yaml:"workers"`
	// Queue is how many acknowledged events may wait for a worker.
	Queue int `yaml:"queue"`
}

func defaultSlack() Slack {
	return Slack{APIURL: DefaultSlackAPIURL, Workers: 4, Queue: 256}
}

// SlackSocketMode reports whether the Slack adapter connects with Socket
// Mode (an app-level token is set); otherwise it receives the Events API
// over HTTP.
func (c *Config) SlackSocketMode() bool { return c.Secrets.SlackAppToken != "" }

// validateSlack checks the Slack settings, and the secrets when the slack
// adapter is enabled. Token values are never printed.
func (c *Config) validateSlack(ch *checker, enabled bool) {
	s := c.Chat.Slack
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ch.add("chat.slack.api_url", "must be an http(s) URL such as %s, got %s", quote(DefaultSlackAPIURL), quote(s.APIURL))
	}
	ch.rangeInt("chat.slack.workers", s.Workers, 1, 64)
	ch.rangeInt("chat.slack.queue", s.Queue, 1, 100000)
	if !enabled {
		return
	}
	sec := c.Secrets
	switch {
	case sec.SlackBotToken == "":
		ch.add(EnvSlackBotToken, "must be set when chat.adapters lists slack (the bot token, starting with xoxb-, from « OAuth & Permissions »)")
	case !strings.HasPrefix(sec.SlackBotToken, "xoxb-"):
		ch.add(EnvSlackBotToken, "must be a bot token starting with xoxb- (from « OAuth & Permissions »); the value set does not")
	}
	switch {
	case sec.SlackAppToken != "" && !strings.HasPrefix(sec.SlackAppToken, "xapp-"):
		ch.add(EnvSlackAppToken, "must be an app-level token starting with xapp- (« Basic Information », scope connections:write); the value set does not")
	case sec.SlackAppToken != "":
		// Socket Mode.
	case sec.SlackSigningSecret == "":
		ch.add(EnvSlackAppToken, "must be set for Socket Mode (an app-level token starting with xapp-); or set %s and http.listen to receive the Events API over HTTP", EnvSlackSigningSecret)
	case c.HTTP.Listen == "":
		ch.add("http.listen", "must be set to receive Slack's Events API (%s is set but not %s); or set %s for Socket Mode", EnvSlackSigningSecret, EnvSlackAppToken, EnvSlackAppToken)
	}
}

// slackByDefault selects the slack adapter alone when the file does not
// list chat.adapters and MAILLAGE_SLACK_BOT_TOKEN is set: a container
// configured with the environment variables only runs on Slack (the
// terminal would end the bot at the end of its absent input). Matrix's and
// Mattermost's variables do the same (matrixByDefault, mattermostByDefault).
func (c *Config) slackByDefault(o *origin) {
	if _, inFile := o.lines["chat.adapters"]; inFile || c.Secrets.SlackBotToken == "" {
		return
	}
	c.Chat.Adapters = []string{AdapterSlack}
}

// slackSummary says how the Slack adapter receives events, for Summary.
func (c *Config) slackSummary() string {
	if !slices.Contains(c.Chat.Adapters, AdapterSlack) {
		return ""
	}
	if c.SlackSocketMode() {
		return " (slack: socket mode)"
	}
	return " (slack: events api on " + c.HTTP.Listen + ")"
}
