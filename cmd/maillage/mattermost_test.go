package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/config"
)

func TestBuildAdaptersMattermost(t *testing.T) {
	env := map[string]string{
		config.EnvMattermostURL:   "https://discussion.example.fr",
		config.EnvMattermostToken: "jeton",
		config.EnvHTTPListen:      "127.0.0.1:0",
		config.EnvPublicURL:       "https://maillage.example.fr",
	}
	cfg, err := config.Parse([]byte("chat:\n  adapters: [mattermost]\n"), "f.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	adapters, err := buildAdapters(cfg, stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(adapters) != 1 || adapters[0].Platform() != bot.PlatformMattermost {
		t.Fatalf("adapters = %v", adapters)
	}
	if _, ok := adapters[0].(routeRegistrar); !ok {
		t.Error("the Mattermost adapter does not register its HTTP routes")
	}
	type capabilities interface {
		bot.DirectOpener
		bot.ProfileReader
		bot.MessageUpdater
	}
	if _, ok := adapters[0].(capabilities); !ok {
		t.Error("the Mattermost adapter lacks an optional capability")
	}

	// Missing variables are named by `config check`, before any connection.
	_, err = config.Parse([]byte("chat:\n  adapters: [mattermost]\n"), "f.yaml", func(string) string { return "" })
	for _, v := range []string{config.EnvMattermostURL, config.EnvMattermostToken, config.EnvPublicURL, config.EnvHTTPListen} {
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("problems %v do not name %s", err, v)
		}
	}
}
