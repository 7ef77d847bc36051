package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
)

// seedDoneBroadcast stores a finished broadcast to the three seeded
// members: one sent, one whose outcome is unknown, one unknown because
// erased (never resent).
func seedDoneBroadcast(t *testing.T, dir, id string) {
	t.Helper()
	ctx := context.Background()
	s, err := bolt.Open(ctx, filepath.Join(dir, "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	bc := bot.Broadcast{ID: id, State: bot.BroadcastDone, Origin: "cli", Operator: "alice",
		Text: map[bot.Lang]string{bot.French: "Bonjour {prenom}."}, Total: 3, Expected: 3, Created: now, Started: now, Finished: now}
	if err := s.SaveBroadcast(ctx, bc); err != nil {
		t.Fatal(err)
	}
	ref := func(u string) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: u}
	}
	recs := []bot.Recipient{
		{Ref: ref("anne"), Status: bot.RecipientSent, Message: "1"},
		{Ref: ref("yann"), Status: bot.RecipientUnknown, Reason: "outcome_unknown", Conversation: "dm:yann"},
		{Ref: ref("paul"), Status: bot.RecipientUnknown, Reason: "erased"},
	}
	if _, n, err := s.AddRecipients(ctx, id, recs); err != nil || n != 3 {
		t.Fatalf("AddRecipients: %d, %v", n, err)
	}
}

// `maillage broadcast resend ID`: shows how many and the risk, does
// nothing without --yes; with it, the recipient whose outcome is unknown
// (not the erased one) is pending again and the broadcast running; a
// second --yes finds nothing left; an unknown number is a usage error.
func TestBroadcastResendCommandLine(t *testing.T) {
	dir := t.TempDir()
	seedBroadcastMembers(t, dir)
	const id = "1126-resend"
	seedDoneBroadcast(t, dir, id)
	base := []string{"broadcast", "--data-dir", dir, "--operator", "alice"}
	args := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }

	r := runMain(t, "", env(), args("resend", id)...)
	ask, _, _ := strings.Cut(fr("broadcasts.resend_ask", "id", id, "count", "1"), "\n")
	if r.code != 0 || !strings.Contains(r.out, ask) || !strings.Contains(r.out, fr("broadcasts.cli_resend_ask", "id", id)) {
		t.Fatalf("resend without --yes: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runMain(t, "", env(), args("status", id)...); !strings.Contains(r.out, fr("broadcasts.report_unknown", "count", "2")) {
		t.Errorf("without --yes something changed:\n%s", r.out)
	}
	r = runMain(t, "", env(), args("resend", id, "--yes")...)
	if r.code != 0 || !strings.Contains(r.out, fr("broadcasts.resend_done", "id", id, "count", "1")) {
		t.Fatalf("resend --yes: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "", env(), args("status", id)...)
	for _, want := range []string{fr("broadcasts.report_unknown", "count", "1"), fr("broadcasts.report_pending", "count", "1"),
		fr("broadcasts.report_head", "id", id, "state", fr("broadcasts.state.running"), "audience", fr("broadcasts.segment_everyone"))} {
		if !strings.Contains(r.out, want) {
			t.Errorf("status after the resend lacks %q:\n%s", want, r.out)
		}
	}
	if r := runMain(t, "", env(), args("resend", "--yes", id)...); r.code != 0 || !strings.Contains(r.out, fr("broadcasts.resend_none", "id", id)) {
		t.Errorf("second resend: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runMain(t, "", env(), args("resend", "0000-nope", "--yes")...); r.code != exitUsage || !strings.Contains(r.errOut, fr("broadcasts.not_found", "id", "0000-nope")) {
		t.Errorf("unknown broadcast: exit %d, stderr %q", r.code, r.errOut)
	}
}
