package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestContentSection(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, data string
		want       []string // problems, "" for none
	}{
		{"defaults", "", nil},
		{"dir and channel", "content:\n  dir: " + dir + "\n  reminder_before: 1h\n  channel: {platform: terminal, id: temps-forts}\n", nil},
		{"missing dir", "content:\n  dir: /nonexistent/contenu\n", []string{`2: content.dir: must be an existing directory of event files (*.yaml), got "/nonexistent/contenu"`}},
		{"reminder too short", "content:\n  reminder_before: 10s\n", []string{"2: content.reminder_before: must be between 1m and 168h"}},
		{"channel without id", "content:\n  channel: {platform: terminal}\n", []string{"2: content.channel.id: must not be empty when content.channel.platform or workspace is set"}},
		{"channel without platform", "content:\n  channel: {id: C01}\n", []string{"2: content.channel.platform: must name the channel's platform"}},
		{"channel on another platform", "content:\n  channel: {platform: slack, id: C01}\n", []string{`2: content.channel.platform: must be one of chat.adapters, got "slack"`}},
		{"unknown key", "content:\n  dri: x\n", []string{`2: content.dri: unknown key (did you mean "dir"?)`}},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.data), "m.yaml", nil)
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var ps *Problems
		if !errors.As(err, &ps) {
			t.Errorf("%s: err = %v, want problems", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), "m.yaml:"+w) {
				t.Errorf("%s: problems lack %q:\n%v", tt.name, w, err)
			}
		}
	}
	c, err := Parse([]byte("content:\n  reminder_before: 1h\n"), "m.yaml", nil)
	if err != nil || c.Content.ReminderBefore.Std() != time.Hour || c.Content.Dir != "" {
		t.Errorf("content = %+v, %v", c.Content, err)
	}
}
