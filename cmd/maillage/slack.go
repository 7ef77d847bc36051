package main

import (
	"log/slog"

	"github.com/sndgct/maillage/adapters/slack"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/config"
)

// slackOptions turns the configuration into the Slack adapter's options.
// The signing secret only counts when the HTTP server runs (http.listen):
// otherwise nobody could reach the Events API routes.
func slackOptions(cfg *config.Config, store bot.Store, logger *slog.Logger) slack.Options {
	secret := cfg.Secrets.SlackSigningSecret
	if cfg.HTTP.Listen == "" {
		secret = ""
	}
	return slack.Options{
		BotToken:      cfg.Secrets.SlackBotToken,
		AppToken:      cfg.Secrets.SlackAppToken,
		SigningSecret: secret,
		APIURL:        cfg.Chat.Slack.APIURL,
		BotName:       cfg.Bot.Name,
		Lang:          cfg.Bot.DefaultLanguage,
		Store:         store,
		Logger:        logger,
		Workers:       cfg.Chat.Slack.Workers,
		Queue:         cfg.Chat.Slack.Queue,
	}
}
