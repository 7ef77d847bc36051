package config

import (
	"net/url"
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
