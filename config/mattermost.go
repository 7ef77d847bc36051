package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sndgct/maillage/internal/safeurl"
)

// EnvPublicURL overrides http.public_url.
const EnvPublicURL = "MAILLAGE_PUBLIC_URL"

// validateMattermost checks what the Mattermost adapter needs, at path
// (its entry in chat.adapters): the server's address and the bot's token
// from the environment, and an HTTP server that the Mattermost server can
// reach for the buttons (http.listen and http.public_url).
func (c *Config) validateMattermost(ch *checker, path string) {
	switch u := c.Secrets.MattermostURL; {
	case u == "":
		ch.add(path, "mattermost needs %s in the environment: the server's address, such as https://chat.example.fr", EnvMattermostURL)
	case !validBaseURL(u):
		ch.add(path, "%s must be the server's http(s) address, such as https://chat.example.fr, got %s", EnvMattermostURL, safeurl.Show(u))
	}
	if c.Secrets.MattermostToken == "" {
		ch.add(path, "mattermost needs %s in the environment: the access token of the bot account (System Console > Integrations > Bot Accounts)", EnvMattermostToken)
	}
	if c.HTTP.Listen == "" {
		ch.add("http.listen", "must be set when chat.adapters lists mattermost: the Mattermost server calls the bot's buttons there (or set %s, such as :8080)", EnvHTTPListen)
	}
	if c.HTTP.PublicURL == "" {
		ch.add("http.public_url", "must be set when chat.adapters lists mattermost: the bot's address as the Mattermost server reaches it, for the buttons (or set %s, such as https://maillage.example.fr)", EnvPublicURL)
	}
}

// validBaseURL accepts an absolute http(s) URL without query or fragment.
func validBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(s, " \t\n")
}

// mattermostByDefault adds the mattermost adapter when the file does not
// list chat.adapters and MAILLAGE_MATTERMOST_URL and
// MAILLAGE_MATTERMOST_TOKEN are set: as with Slack and Matrix, the
// environment alone is enough (validation then asks for what else the
// adapter needs, such as http.listen).
func (c *Config) mattermostByDefault(o *origin) {
	s := c.Secrets
	if _, inFile := o.lines["chat.adapters"]; inFile || s.MattermostURL == "" || s.MattermostToken == "" {
		return
	}
	if slices.Equal(c.Chat.Adapters, []string{AdapterTerminal}) {
		c.Chat.Adapters = []string{AdapterMattermost}
		return
	}
	if !slices.Contains(c.Chat.Adapters, AdapterMattermost) {
		c.Chat.Adapters = append(c.Chat.Adapters, AdapterMattermost)
	}
}

// UnusedCredentials lists, for the start-up warnings, each platform whose
// credentials are set in the environment although chat.adapters does not
// list its adapter: the operator probably forgot it, and the bot will not
// answer there.
func (c *Config) UnusedCredentials() []string {
	s := c.Secrets
	var out []string
	check := func(adapter string, set []string) {
		if len(set) == 0 || slices.Contains(c.Chat.Adapters, adapter) {
			return
		}
		out = append(out, fmt.Sprintf("%s set but chat.adapters (%s) does not list %s: nothing is received or sent on %s",
			strings.Join(set, ", "), strings.Join(c.Chat.Adapters, ", "), adapter, adapter))
	}
	named := func(pairs ...string) []string {
		var set []string
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] != "" {
				set = append(set, pairs[i])
			}
		}
		return set
	}
	check(AdapterSlack, named(EnvSlackBotToken, s.SlackBotToken, EnvSlackAppToken, s.SlackAppToken))
	check(AdapterMattermost, named(EnvMattermostURL, s.MattermostURL, EnvMattermostToken, s.MattermostToken))
	check(AdapterMatrix, named(EnvMatrixHomeserverURL, s.MatrixHomeserverURL, EnvMatrixUserID, s.MatrixUserID))
	return out
}
