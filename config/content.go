package config

import (
	"os"
	"time"
)

// Content configures the congress content that members browse (sessions
// and highlights), the session reminders and the highlights channel.
type Content struct {
	// Dir holds one YAML file per event; empty means the embedded demo
	// (Territorialis 2024). Relative to the working directory.
	Dir string `yaml:"dir"`
	// ReminderBefore is how long before a session its registered members
	// are reminded of it.
	ReminderBefore Duration `yaml:"reminder_before"`
	// Channel is where published highlights are posted; empty ID = none.
	Channel ContentChannel `yaml:"channel"`
}

// ContentChannel names a channel on one of the configured platforms.
type ContentChannel struct {
	Platform  string `yaml:"platform"`
	Workspace string `yaml:"workspace"`
	// ID is the platform's channel id (not its display name).
	ID string `yaml:"id"`
}

func defaultContent() Content {
	return Content{ReminderBefore: Duration(15 * time.Minute)}
}

func (c *Config) validateContent(ch *checker) {
	if d := c.Content.Dir; d != "" {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			ch.add("content.dir", "must be an existing directory of event files (*.yaml), got %s", quote(d))
		}
	}
	ch.rangeDuration("content.reminder_before", c.Content.ReminderBefore, time.Minute, 7*24*time.Hour)
	ch.noSpace("content.channel.id", c.Content.Channel.ID)
	switch p := c.Content.Channel; {
	case p.ID == "" && p.Platform == "" && p.Workspace == "":
	case p.ID == "":
		ch.add("content.channel.id", "must not be empty when content.channel.platform or workspace is set")
	case p.Platform == "":
		ch.add("content.channel.platform", "must name the channel's platform (one of chat.adapters)")
	default:
		for _, a := range c.Chat.Adapters {
			if a == p.Platform {
				return
			}
		}
		ch.add("content.channel.platform", "must be one of chat.adapters, got %s", quote(p.Platform))
	}
}
