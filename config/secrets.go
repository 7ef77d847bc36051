package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
)

// Environment variables read by Parse and Load.
const (
	EnvDataDir            = "MAILLAGE_DATA_DIR"
	EnvHTTPListen         = "MAILLAGE_HTTP_LISTEN"
	EnvLogLevel           = "MAILLAGE_LOG_LEVEL"
	EnvLogFormat          = "MAILLAGE_LOG_FORMAT"
	EnvRedisURL           = "MAILLAGE_REDIS_URL"
	EnvSlackBotToken      = "MAILLAGE_SLACK_BOT_TOKEN"
	EnvSlackAppToken      = "MAILLAGE_SLACK_APP_TOKEN"
	EnvSlackSigningSecret = "MAILLAGE_SLACK_SIGNING_SECRET"
	EnvMattermostURL      = "MAILLAGE_MATTERMOST_URL"
	EnvMattermostToken    = "MAILLAGE_MATTERMOST_TOKEN"
	// EnvMattermostCommandToken is the verification token of the optional
	// /maillage slash command.
	EnvMattermostCommandToken = "MAILLAGE_MATTERMOST_COMMAND_TOKEN"
	// Matrix (Tchap): the homeserver, the bot account and its credentials,
	// and the secret that encrypts the crypto store (see config/matrix.go).
	EnvMatrixHomeserverURL = "MAILLAGE_MATRIX_HOMESERVER_URL"
	EnvMatrixUserID        = "MAILLAGE_MATRIX_USER_ID"
	EnvMatrixPassword      = "MAILLAGE_MATRIX_PASSWORD"
	EnvMatrixAccessToken   = "MAILLAGE_MATRIX_ACCESS_TOKEN"
	EnvMatrixDeviceID      = "MAILLAGE_MATRIX_DEVICE_ID"
	EnvMatrixPickleKey     = "MAILLAGE_MATRIX_PICKLE_KEY"
	// EnvLogSalt keys the pseudonyms that stand for members in the logs.
	EnvLogSalt = "MAILLAGE_LOG_SALT"
)

// Secrets holds credentials read from the environment only. Printing it with
// fmt (%v, %+v, %#v), logging it with slog or marshalling it to JSON shows
// only which secrets are set, never their values.
type Secrets struct {
	RedisURL           string // MAILLAGE_REDIS_URL (may hold a password)
	SlackBotToken      string // MAILLAGE_SLACK_BOT_TOKEN
	SlackAppToken      string // MAILLAGE_SLACK_APP_TOKEN
	SlackSigningSecret string // MAILLAGE_SLACK_SIGNING_SECRET
	MattermostURL      string // MAILLAGE_MATTERMOST_URL
	MattermostToken    string // MAILLAGE_MATTERMOST_TOKEN
	// MattermostCommandToken: MAILLAGE_MATTERMOST_COMMAND_TOKEN (optional).
	MattermostCommandToken string
	MatrixHomeserverURL    string // MAILLAGE_MATRIX_HOMESERVER_URL
	MatrixUserID           string // MAILLAGE_MATRIX_USER_ID
	MatrixPassword         string // MAILLAGE_MATRIX_PASSWORD
	MatrixAccessToken      string // MAILLAGE_MATRIX_ACCESS_TOKEN
	MatrixDeviceID         string // MAILLAGE_MATRIX_DEVICE_ID
	MatrixPickleKey        string // MAILLAGE_MATRIX_PICKLE_KEY
	// LogSalt: MAILLAGE_LOG_SALT (optional; see LogPseudonymSalt).
	LogSalt string
}

// LogPseudonymSalt is the key of the pseudonyms that stand for members in
// the logs: MAILLAGE_LOG_SALT when set; otherwise a value derived from the
// deployment's platform and store secrets, so that pseudonyms are stable
// across restarts and shared by the replicas of a deployment, and cannot be
// recomputed from a user id by someone without the secrets. Empty (the
// built-in key) when no secret is set, as with the terminal alone.
func (s Secrets) LogPseudonymSalt() string {
	if s.LogSalt != "" {
		return s.LogSalt
	}
	h := sha256.New()
	any := false
	for _, f := range s.fields() {
		if f.value != "" && f.name != "LogSalt" {
			any = true
			h.Write([]byte(f.name + "\x00" + f.value + "\x00"))
		}
	}
	if !any {
		return ""
	}
	return "derived:" + hex.EncodeToString(h.Sum(nil))
}

// secretsFromEnv reads the secrets; surrounding white space (a trailing
// newline from a secret file) is dropped.
func secretsFromEnv(env func(string) string) Secrets {
	get := func(k string) string { return strings.TrimSpace(env(k)) }
	return Secrets{
		RedisURL:           get(EnvRedisURL),
		SlackBotToken:      get(EnvSlackBotToken),
		SlackAppToken:      get(EnvSlackAppToken),
		SlackSigningSecret: get(EnvSlackSigningSecret),
		MattermostURL:      get(EnvMattermostURL),
		MattermostToken:    get(EnvMattermostToken),

		MattermostCommandToken: get(EnvMattermostCommandToken),
		LogSalt:                get(EnvLogSalt),

		MatrixHomeserverURL: get(EnvMatrixHomeserverURL),
		MatrixUserID:        get(EnvMatrixUserID),
		MatrixPassword:      get(EnvMatrixPassword),
		MatrixAccessToken:   get(EnvMatrixAccessToken),
		MatrixDeviceID:      get(EnvMatrixDeviceID),
		MatrixPickleKey:     get(EnvMatrixPickleKey),
	}
}

type secretField struct {
	name, value string
}

func (s Secrets) fields() []secretField {
	return []secretField{
		{"RedisURL", s.RedisURL},
		{"SlackBotToken", s.SlackBotToken},
		{"SlackAppToken", s.SlackAppToken},
		{"SlackSigningSecret", s.SlackSigningSecret},
		{"MattermostURL", s.MattermostURL},
		{"MattermostToken", s.MattermostToken},
		{"MattermostCommandToken", s.MattermostCommandToken},
		{"LogSalt", s.LogSalt},
		{"MatrixHomeserverURL", s.MatrixHomeserverURL},
		{"MatrixUserID", s.MatrixUserID},
		{"MatrixPassword", s.MatrixPassword},
		{"MatrixAccessToken", s.MatrixAccessToken},
		{"MatrixDeviceID", s.MatrixDeviceID},
		{"MatrixPickleKey", s.MatrixPickleKey},
	}
}

func setOrUnset(v string) string {
	if v == "" {
		return "unset"
	}
	return "set"
}

func (s Secrets) redacted() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range s.fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name)
		b.WriteString(": ")
		b.WriteString(setOrUnset(f.value))
	}
	b.WriteByte('}')
	return b.String()
}

// String shows which secrets are set, never their values.
func (s Secrets) String() string { return "Secrets" + s.redacted() }

// GoString is used by %#v; it shows which secrets are set, never their values.
func (s Secrets) GoString() string { return "config.Secrets" + s.redacted() }

// LogValue makes slog log which secrets are set, never their values.
func (s Secrets) LogValue() slog.Value {
	fs := s.fields()
	attrs := make([]slog.Attr, len(fs))
	for i, f := range fs {
		attrs[i] = slog.String(f.name, setOrUnset(f.value))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON shows which secrets are set, never their values, so that a
// Config marshalled to JSON (or logged by a JSON handler) leaks nothing.
func (s Secrets) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, 6)
	for _, f := range s.fields() {
		m[f.name] = setOrUnset(f.value)
	}
	return json.Marshal(m)
}

// MarshalYAML shows which secrets are set, never their values.
func (s Secrets) MarshalYAML() (any, error) {
	m := make(map[string]string, 6)
	for _, f := range s.fields() {
		m[f.name] = setOrUnset(f.value)
	}
	return m, nil
}
