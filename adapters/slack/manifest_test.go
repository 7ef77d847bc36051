package slack

import (
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The manifest asks for exactly the scopes and events the adapter uses.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				MessagesTab         bool `yaml:"messages_tab_enabled"`
				MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	wantScopes := []string{"app_mentions:read", "chat:write", "commands", "im:history", "im:write",
		"mpim:history", "mpim:write", "users:read", "users:read.email"}
	if got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot)); !slices.Equal(got, wantScopes) {
		t.Errorf("bot scopes = %v, want %v", got, wantScopes)
	}
	wantEvents := []string{"app_mention", "message.im", "message.mpim"}
	if got := slices.Sorted(slices.Values(m.Settings.Events.BotEvents)); !slices.Equal(got, wantEvents) {
		t.Errorf("bot events = %v, want %v", got, wantEvents)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != maillageCommand {
		t.Errorf("slash commands = %+v, want %s", m.Features.SlashCommands, maillageCommand)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled || !m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesTabReadOnly {
		t.Errorf("socket mode %v, interactivity %v, messages tab %v (read-only %v): want Socket Mode, buttons and a writable messages tab",
			m.Settings.SocketMode, m.Settings.Interactivity.Enabled, m.Features.AppHome.MessagesTab, m.Features.AppHome.MessagesTabReadOnly)
	}
}
