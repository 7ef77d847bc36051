package config

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func matrixEnv() map[string]string {
	return map[string]string{
		EnvMatrixHomeserverURL: "https://matrix.example.fr",
		EnvMatrixUserID:        "@maillage:example.fr",
		EnvMatrixPassword:      "pw",
		EnvMatrixPickleKey:     "a pickle key of 16+",
	}
}

// config check names every missing variable, never a value.
func TestMatrixNeedsItsVariables(t *testing.T) {
	_, err := Parse([]byte("chat:\n  adapters: [matrix]\n"), "f.yaml", mapEnv(nil))
	got := problemsOf(t, err)
	var msgs []string
	for _, p := range got {
		if p.Path != "chat.adapters[0]" || p.Line != 2 {
			t.Errorf("problem at %d %s: %s", p.Line, p.Path, p.Message)
		}
		msgs = append(msgs, p.Message)
	}
	for _, v := range []string{EnvMatrixHomeserverURL, EnvMatrixUserID, EnvMatrixPassword, EnvMatrixPickleKey} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, v) }) {
			t.Errorf("no problem names %s: %q", v, msgs)
		}
	}

	env := matrixEnv()
	env[EnvMatrixUserID] = "maillage"
	env[EnvMatrixPickleKey] = "short"
	_, err = Parse([]byte("chat:\n  adapters: [matrix]\n  matrix:\n    allowed_servers: [self, 'bad server']\n"), "f.yaml", mapEnv(env))
	got = problemsOf(t, err)
	want := []string{
		`MAILLAGE_MATRIX_USER_ID must be a Matrix user id such as @maillage:example.fr, got "maillage"`,
		"MAILLAGE_MATRIX_PICKLE_KEY must hold at least 16 characters, it holds 5",
		`must be a homeserver name such as agent.tchap.gouv.fr, got "bad server"`,
	}
	msgs = nil
	for _, p := range got {
		msgs = append(msgs, p.Message)
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("got  %q\nwant %q", msgs, want)
	}
}

// As with Slack, the homeserver and the credentials enable Matrix when the
// file does not list chat.adapters.
func TestMatrixFromEnvironmentAlone(t *testing.T) {
	c, err := FromEnv(mapEnv(matrixEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Chat.Adapters, []string{AdapterMatrix}) {
		t.Errorf("adapters %v, want [matrix]", c.Chat.Adapters)
	}
	if c.MatrixCryptoPath() != filepath.Join(c.DataDir, "matrix-crypto.db") {
		t.Errorf("crypto store %s", c.MatrixCryptoPath())
	}
	if s := c.Secrets.String(); strings.Contains(s, "pw") || strings.Contains(s, "pickle") {
		t.Errorf("secrets shown: %s", s)
	}
	c, err = Parse([]byte("chat:\n  adapters: [terminal]\n"), "f.yaml", mapEnv(matrixEnv()))
	if err != nil || !reflect.DeepEqual(c.Chat.Adapters, []string{AdapterTerminal}) {
		t.Errorf("a file's chat.adapters wins: %v, %v", c.Chat.Adapters, err)
	}
}
