package redis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

func TestParseURLReplicaAcks(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"redis://redis.local:6379/0", 0},
		{"redis://redis.local:6379/0?replica_acks=2&pool_size=3", 2},
		{"redis://s1:26379/0?master_name=m&addr=s2:26379", 1},
		{"redis://s1:26379/0?master_name=m&replica_acks=0", 0},
	} {
		tg, err := parseURL(tt.url)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.url, err)
			continue
		}
		if tg.replicaAcks != tt.want {
			t.Errorf("parseURL(%q): replica_acks %d, want %d", tt.url, tg.replicaAcks, tt.want)
		}
		if tg.single != nil && tg.single.PoolSize == 0 && strings.Contains(tt.url, "pool_size") {
			t.Errorf("parseURL(%q) lost the other parameters", tt.url)
		}
	}
	for _, bad := range []string{"redis://h:6379/0?replica_acks=-1", "redis://h:6379/0?replica_acks=11", "redis://h:6379/0?replica_acks=x"} {
		if _, err := parseURL(bad); err == nil || !strings.Contains(err.Error(), "replica_acks") {
			t.Errorf("parseURL(%q) = %v, want an error naming replica_acks", bad, err)
		}
	}
}

// On a real server without replicas, replica_acks=1 refuses to let a post
// follow: the "sending" record is not acknowledged by a replica, so
// SetRecipient answers ErrUnavailable; other transitions need no replica.
func TestSetRecipientWaitsForReplicas(t *testing.T) {
	url := os.Getenv(realRedisEnv)
	if url == "" {
		t.Skip(realRedisEnv + " not set")
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	ctx := context.Background()
	prefix := fmt.Sprintf("acks-test-%d:", time.Now().UnixNano())
	s := openTest(t, url+sep+"replica_acks=1", Options{KeyPrefix: prefix, Timeout: 400 * time.Millisecond})
	t.Cleanup(func() { _ = s.DeleteBroadcast(context.WithoutCancel(ctx), "b1") })
	if err := s.SaveBroadcast(ctx, bot.Broadcast{ID: "b1", State: bot.BroadcastRunning, Created: time.Now(), Text: map[bot.Lang]string{bot.French: "x"}}); err != nil {
		t.Fatal(err)
	}
	ref := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "anne"}
	if _, _, err := s.AddRecipients(ctx, "b1", []bot.Recipient{{Ref: ref, Status: bot.RecipientPending}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ok, err := s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Index: 0, Status: bot.RecipientSending, Sending: time.Now(), Conversation: "dm:anne"})
	if ok || !errors.Is(err, bot.ErrUnavailable) {
		t.Fatalf("SetRecipient to sending without a replica = %v, %v; want ErrUnavailable", ok, err)
	}
	t.Logf("refused after %v: %v", time.Since(start).Round(time.Millisecond), err)
	// The record is on the primary: the engine reconciles it later.
	ok, err = s.SetRecipient(ctx, "b1", bot.RecipientSending, bot.Recipient{Index: 0, Status: bot.RecipientUnknown, Reason: "outcome_unknown"})
	if !ok || err != nil {
		t.Fatalf("SetRecipient from sending to unknown = %v, %v; want done without waiting for a replica", ok, err)
	}
}
