package config

import (
	"strings"
	"testing"
)

func TestLogPseudonymSalt(t *testing.T) {
	if got := (Secrets{}).LogPseudonymSalt(); got != "" {
		t.Errorf("no secret: salt %q, want empty (the built-in key)", got)
	}
	a := Secrets{SlackBotToken: "xoxb-1"}.LogPseudonymSalt()
	b := Secrets{SlackBotToken: "xoxb-2"}.LogPseudonymSalt()
	if a == "" || a == b || a != (Secrets{SlackBotToken: "xoxb-1"}).LogPseudonymSalt() {
		t.Errorf("derived salts %q and %q: want stable for one deployment and different between two", a, b)
	}
	if len(a) < 40 || strings.Contains(a, "xoxb-1") {
		t.Errorf("derived salt %q must be a hash, not the secret", a)
	}
	if got := (Secrets{SlackBotToken: "xoxb-1", LogSalt: "sel"}).LogPseudonymSalt(); got != "sel" {
		t.Errorf("MAILLAGE_LOG_SALT set: salt %q, want it", got)
	}
	if got := secretsFromEnv(func(k string) string { return map[string]string{EnvLogSalt: " sel \n"}[k] }).LogSalt; got != "sel" {
		t.Errorf("%s read as %q", EnvLogSalt, got)
	}
}

func TestRateLimitValidation(t *testing.T) {
	c := Default()
	c.RateLimit = RateLimit{PerMinute: -1, Burst: 0}
	err := c.Validate()
	for _, want := range []string{"rate_limit.per_minute", "rate_limit.burst"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want a problem at %s", err, want)
		}
	}
}
