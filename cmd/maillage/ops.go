package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sndgct/maillage/adapters/prometheus"
	"github.com/sndgct/maillage/bot"
)

// readyTimeout bounds the store ping of one readiness probe.
const readyTimeout = 2 * time.Second

// opsRoutes serves the operators' endpoints on the bot's HTTP server:
//
//	GET /healthz  200 while the process runs (liveness)
//	GET /readyz   200 when the store answers and every chat connection is
//	              up, else 503 with one line per failing part (readiness)
//	GET /metrics  the Prometheus series (adapters/prometheus)
//
// Without http.listen there is no HTTP server, hence none of them.
type opsRoutes struct {
	store    bot.Store
	adapters []bot.ChatAdapter
	metrics  http.Handler
	stopping atomic.Bool // set at shutdown: /readyz turns red at once
}

func newOpsRoutes(store bot.Store, adapters []bot.ChatAdapter, m *prometheus.Metrics) *opsRoutes {
	return &opsRoutes{store: store, adapters: adapters, metrics: m.Handler()}
}

// RegisterRoutes implements routeRegistrar.
func (o *opsRoutes) RegisterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", o.ready)
	mux.Handle("GET /metrics", o.metrics)
}

// ready checks the store and the chat connections.
func (o *opsRoutes) ready(w http.ResponseWriter, r *http.Request) {
	problems := o.problems(r.Context())
	if len(problems) > 0 {
		writeText(w, http.StatusServiceUnavailable, "not ready\n"+strings.Join(problems, "\n")+"\n")
		return
	}
	writeText(w, http.StatusOK, "ready\n")
}

// problems lists what keeps the bot from serving, one line each.
func (o *opsRoutes) problems(ctx context.Context) []string {
	var out []string
	if o.stopping.Load() {
		out = append(out, "shutting down")
	}
	pctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := o.store.Ping(pctx); err != nil {
		out = append(out, fmt.Sprintf("store: %v", err))
	}
	for _, a := range o.adapters {
		if h, ok := a.(bot.HealthReporter); ok {
			if err := h.Healthy(); err != nil {
				out = append(out, fmt.Sprintf("chat %s: %v", a.Platform(), err))
			}
		}
	}
	return out
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
