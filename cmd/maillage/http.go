package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/dashboard"
)

// routeRegistrar is implemented by components that receive HTTP calls on
// the bot's one HTTP server: Slack's Events API and interactivity,
// Mattermost's button actions, and later the health and metrics endpoints.
type routeRegistrar interface {
	// RegisterRoutes adds the component's handlers to mux
	// (patterns such as "POST /slack/events").
	RegisterRoutes(mux *http.ServeMux)
}

// httpServer is the bot's HTTP server, shared by every component.
type httpServer struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
}

// newHTTPServer listens on addr and routes to the handlers the registrars
// add. It listens at once, so that a port already in use is reported at
// start-up; Serve then serves until its context ends.
func newHTTPServer(addr string, regs []routeRegistrar, logger *slog.Logger) (*httpServer, error) {
	mux := http.NewServeMux()
	for _, r := range regs {
		r.RegisterRoutes(mux)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http server: listening on %s: %w (set http.listen or MAILLAGE_HTTP_LISTEN to a free address)", addr, err)
	}
	return &httpServer{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		ln:  ln,
		log: logger.With("component", "http"),
	}, nil
}

// Addr is the address the server listens on (useful with port 0).
func (h *httpServer) Addr() string { return h.ln.Addr().String() }

// Serve serves until ctx ends, then shuts down, letting requests in
// flight finish for up to five seconds.
func (h *httpServer) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.srv.Serve(h.ln) }()
	h.log.Info("http server listening", "addr", h.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("http server: shutting down: %w", err)
	}
	return nil
}

// dashboardSettings are the dashboard's: its public address when the HTTP
// server runs (http.listen) and the organizers' browsers can reach it
// (http.public_url, MAILLAGE_PUBLIC_URL), and the key of the hashes that
// stand for its links and sessions in the store, derived from the
// deployment's secrets like the logs' pseudonyms (the same on every
// replica), but distinct from them.
func dashboardSettings(cfg *config.Config) bot.DashboardSettings {
	var s bot.DashboardSettings
	if cfg.HTTP.Listen != "" {
		s.URL = cfg.HTTP.PublicURL
	}
	if salt := cfg.Secrets.LogPseudonymSalt(); salt != "" {
		sum := sha256.Sum256([]byte("maillage-dashboard\x00" + salt))
		s.Key = sum[:]
	}
	return s
}

// dashboardRoutes returns the organizers' dashboard when it has a public
// address (see dashboardSettings), else nil.
func dashboardRoutes(b *core.Bot, logger *slog.Logger) (routeRegistrar, error) {
	if b.Settings.Dashboard.URL == "" {
		return nil, nil
	}
	return dashboard.New(b, dashboard.Options{Logger: logger})
}
