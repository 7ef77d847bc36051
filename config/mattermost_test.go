package config

import (
	"reflect"
	"strings"
	"testing"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func mattermostEnv(server, public string) func(string) string {
	return mapEnv(map[string]string{
		EnvMattermostURL: server, EnvMattermostToken: "tok", EnvHTTPListen: ":8080", EnvPublicURL: public,
	})
}

func TestMattermostNeedsItsVariables(t *testing.T) {
	_, err := FromEnv(mapEnv(map[string]string{}))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	data := []byte("chat:\n  adapters: [mattermost]\n")
	_, err = Parse(data, "f.yaml", mapEnv(nil))
	got := problemsOf(t, err)
	want := []Problem{
		{Line: 2, Path: "chat.adapters[0]", Message: "mattermost needs MAILLAGE_MATTERMOST_URL in the environment: the server's address, such as https://chat.example.fr"},
		{Line: 2, Path: "chat.adapters[0]", Message: "mattermost needs MAILLAGE_MATTERMOST_TOKEN in the environment: the access token of the bot account (System Console > Integrations > Bot Accounts)"},
		{Path: "http.listen", Message: "must be set when chat.adapters lists mattermost: the Mattermost server calls the bot's buttons there (or set MAILLAGE_HTTP_LISTEN, such as :8080)"},
		{Path: "http.public_url", Message: "must be set when chat.adapters lists mattermost: the bot's address as the Mattermost server reaches it, for the buttons (or set MAILLAGE_PUBLIC_URL, such as https://maillage.example.fr)"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestMattermostFromEnvironment(t *testing.T) {
	env := mattermostEnv("https://chat.example.fr", "https://maillage.example.fr/")
	c, err := Parse([]byte("chat:\n  adapters: [mattermost, terminal]\n"), "f.yaml", env)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.HTTP.PublicURL != "https://maillage.example.fr/" || c.HTTP.Listen != ":8080" {
		t.Errorf("http = %+v", c.HTTP)
	}
}

func TestMattermostBadURLs(t *testing.T) {
	env := mattermostEnv("chat.example.fr", "ftp://x")
	_, err := Parse([]byte("chat:\n  adapters: [mattermost]\n"), "f.yaml", env)
	got := problemsOf(t, err)
	var msgs []string
	for _, p := range got {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`chat.adapters[0]: MAILLAGE_MATTERMOST_URL must be the server's http(s) address, such as https://chat.example.fr, got "chat.example.fr"`,
		`MAILLAGE_PUBLIC_URL: must be an http(s) address without query, such as https://maillage.example.fr, got "ftp://x"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}
