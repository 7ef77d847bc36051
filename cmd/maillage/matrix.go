package main

import (
	"log/slog"
	"strings"

	"github.com/sndgct/maillage/adapters/matrix"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/config"
)

// newMatrixAdapter builds the Matrix (Tchap) adapter from the
// configuration: the homeserver and the bot's credentials from the
// environment, the crypto store in the data directory.
func newMatrixAdapter(cfg *config.Config, store bot.Store, logger *slog.Logger) (*matrix.Adapter, error) {
	s := cfg.Secrets
	return matrix.New(matrix.Options{
		HomeserverURL:  s.MatrixHomeserverURL,
		UserID:         s.MatrixUserID,
		Password:       s.MatrixPassword,
		AccessToken:    s.MatrixAccessToken,
		DeviceID:       s.MatrixDeviceID,
		PickleKey:      s.MatrixPickleKey,
		CryptoDB:       cfg.MatrixCryptoPath(),
		AllowedServers: cfg.Chat.Matrix.AllowedServers,
		DeviceName:     cfg.Bot.Name,
		DefaultLang:    cfg.Bot.DefaultLanguage,
		Replica:        replicaName(),
		Store:          store,
		Logger:         logger,
	})
}

// matrixWorkspace is the workspace of Matrix members (the server part of
// the bot's user id, as the adapter names it), for CSV imports; "" when
// Matrix is not configured.
func matrixWorkspace(cfg *config.Config) string {
	_, server, ok := strings.Cut(strings.TrimSpace(cfg.Secrets.MatrixUserID), ":")
	if !ok {
		return ""
	}
	return server
}
