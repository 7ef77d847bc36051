package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

type helloRoutes struct{}

func (helloRoutes) RegisterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "bonjour") })
}

func TestHTTPServerServesRegisteredRoutesAndStops(t *testing.T) {
	srv, err := newHTTPServer("127.0.0.1:0", []routeRegistrar{helloRoutes{}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	resp, err := http.Get("http://" + srv.Addr() + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "bonjour" {
		t.Fatalf("GET /hello = %d %q, want 200 \"bonjour\"", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://" + srv.Addr() + "/nothing"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("GET /nothing = %v %v, want 404", resp, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if _, err := http.Get("http://" + srv.Addr() + "/hello"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestHTTPServerReportsAddressInUse(t *testing.T) {
	first, err := newHTTPServer("127.0.0.1:0", nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer first.ln.Close()
	_, err = newHTTPServer(first.Addr(), nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "MAILLAGE_HTTP_LISTEN") {
		t.Fatalf("second server on %s: err = %v, want an error naming MAILLAGE_HTTP_LISTEN", first.Addr(), err)
	}
}
