package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sndgct/maillage/internal/safeurl"
)

// MatrixSelf, in chat.matrix.allowed_servers, stands for the bot's own
// homeserver (the server part of MAILLAGE_MATRIX_USER_ID).
const MatrixSelf = "self"

// Matrix configures the Matrix (Tchap) adapter. The homeserver, the bot
// account and its secrets come from the environment (MAILLAGE_MATRIX_*).
type Matrix struct {
	// AllowedServers are the homeservers whose users may invite the bot
	// into a direct room; "self" (the default) stands for the bot's own
	// homeserver. On Tchap, list the agents' homeservers too.
	AllowedServers []string `yaml:"allowed_servers"`
	// CryptoStore is the file of the end-to-end encryption state (the
	// device's keys and sessions), relative to data_dir unless absolute.
	CryptoStore string `yaml:"crypto_store"`
}

// MatrixCryptoPath is the crypto store's path: Chat.Matrix.CryptoStore
// (default matrix-crypto.db) under DataDir unless it is absolute.
func (c *Config) MatrixCryptoPath() string {
	f := c.Chat.Matrix.CryptoStore
	if f == "" {
		f = "matrix-crypto.db"
	}
	if filepath.IsAbs(f) {
		return f
	}
	return filepath.Join(c.DataDir, f)
}

var (
	matrixUserRE   = regexp.MustCompile(`^@[a-z0-9._=/+\-]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$`)
	matrixServerRE = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$`)
)

// validateMatrixSecrets checks what the Matrix adapter needs from the
// environment when chat.adapters lists it (at path). Values are never
// printed, but the user id and the address, which are not secret.
func (c *Config) validateMatrixSecrets(ch *checker, path string) {
	s := c.Secrets
	switch u, err := url.Parse(s.MatrixHomeserverURL); {
	case s.MatrixHomeserverURL == "":
		ch.add(path, "matrix needs %s in the environment: the homeserver's address, such as https://matrix.agent.tchap.gouv.fr", EnvMatrixHomeserverURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		ch.add(path, "%s must be the homeserver's http(s) address, such as https://matrix.example.fr, got %s", EnvMatrixHomeserverURL, safeurl.Show(s.MatrixHomeserverURL))
	}
	switch {
	case s.MatrixUserID == "":
		ch.add(path, "matrix needs %s in the environment: the bot account, such as @maillage:example.fr", EnvMatrixUserID)
	case !matrixUserRE.MatchString(s.MatrixUserID):
		ch.add(path, "%s must be a Matrix user id such as @maillage:example.fr, got %s", EnvMatrixUserID, quote(s.MatrixUserID))
	}
	if s.MatrixPassword == "" && s.MatrixAccessToken == "" {
		ch.add(path, "matrix needs %s (the bot account's password: it logs in once, then keeps its session) or %s and %s in the environment", EnvMatrixPassword, EnvMatrixAccessToken, EnvMatrixDeviceID)
	}
	if s.MatrixAccessToken != "" && s.MatrixPassword == "" && s.MatrixDeviceID == "" {
		ch.add(path, "%s is set without %s: give the device the access token belongs to", EnvMatrixAccessToken, EnvMatrixDeviceID)
	}
	switch n := len(s.MatrixPickleKey); {
	case n == 0:
		ch.add(path, "matrix needs %s in the environment: a secret of at least 16 characters that encrypts the end-to-end encryption store (keep it: without it the bot cannot read its store)", EnvMatrixPickleKey)
	case n < 16:
		ch.add(path, "%s must hold at least 16 characters, it holds %d", EnvMatrixPickleKey, n)
	}
}

// validateMatrix checks chat.matrix, whether or not the adapter is on.
func (c *Config) validateMatrix(ch *checker) {
	for i, s := range c.Chat.Matrix.AllowedServers {
		if s != MatrixSelf && !matrixServerRE.MatchString(strings.TrimSpace(s)) {
			ch.add(fmt.Sprintf("chat.matrix.allowed_servers[%d]", i), "must be a homeserver name such as agent.tchap.gouv.fr, got %s", quote(s))
		}
	}
	ch.noSpace("chat.matrix.crypto_store", c.Chat.Matrix.CryptoStore)
}

// matrixByDefault adds the matrix adapter when the file does not list
// chat.adapters and the homeserver and the bot's credentials are set: as
// with Slack, the environment alone is enough.
func (c *Config) matrixByDefault(o *origin) {
	s := c.Secrets
	if _, inFile := o.lines["chat.adapters"]; inFile || s.MatrixHomeserverURL == "" || s.MatrixUserID == "" ||
		(s.MatrixPassword == "" && s.MatrixAccessToken == "") {
		return
	}
	if slices.Contains(c.Chat.Adapters, AdapterSlack) && s.SlackBotToken != "" {
		c.Chat.Adapters = []string{AdapterSlack, AdapterMatrix}
		return
	}
	c.Chat.Adapters = []string{AdapterMatrix}
}
