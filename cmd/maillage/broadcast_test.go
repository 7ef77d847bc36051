package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// seedBroadcastMembers stores three onboarded members in the data dir's
// embedded store: two DGS in Bretagne, one elsewhere.
func seedBroadcastMembers(t *testing.T, dir string) {
	t.Helper()
	now := time.Now()
	saveMembers(t, dir, []bot.Member{
		{Ref: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "anne"}, Name: "Anne Le Goff", Role: "dgs", Onboarded: now,
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Quimper", Population: 63000, Departement: "29", Region: "53"}},
		{Ref: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "yann"}, Name: "Yann Kerbrat", Role: "dgs", Onboarded: now,
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Vannes", Population: 54000, Departement: "56", Region: "53"}},
		{Ref: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "paul"}, Name: "Paul Martin", Role: "dgs", Onboarded: now,
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Lyon", Population: 520000, Departement: "69", Region: "84"}},
	}...)
}

// The operators' command line: preview, the same checks as the chat,
// send, list, status, approval by a second operator, cancel.
func TestBroadcastCommandLine(t *testing.T) {
	dir := t.TempDir()
	seedBroadcastMembers(t, dir)
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	writeFile(t, cfg, "broadcasts:\n  approval_threshold: 1\n")
	text := filepath.Join(t.TempDir(), "texte.txt")
	writeFile(t, text, "Bonjour {prenom}, la rencontre régionale de {collectivite} aura lieu jeudi. @channel\n")
	base := []string{"broadcast", "--config", cfg, "--data-dir", dir, "--operator", "alice"}
	args := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }

	r := runMain(t, "", env(), args("--text-fr", text, "--segment", "région=Bretagne, rôle=DGS", "--preview")...)
	if r.code != 0 {
		t.Fatalf("preview: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{
		fr("broadcasts.preview_head", "count", "2", "audience", "rôle : Directeur·rice général·e des services (DGS) ; région : Bretagne"),
		"Bonjour Anne, la rencontre régionale de Quimper aura lieu jeudi. @channel",
		fr("broadcasts.cli_preview_foot"),
		fr("broadcasts.cli_preview_now"), // not "dès votre confirmation": the CLI needs --send
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("preview lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, fr("broadcasts.preview_now")) || strings.ContainsAny(r.out, "*") {
		t.Errorf("the CLI preview promises a sending on confirmation, or shows raw markup:\n%s", r.out)
	}

	bad := filepath.Join(t.TempDir(), "bad.txt")
	writeFile(t, bad, "Bonjour {nom}")
	if r := runMain(t, "", env(), args("--text-fr", bad, "--preview")...); r.code != exitUsage ||
		!strings.Contains(r.errOut, fr("broadcasts.text_placeholder", "placeholder", "{nom}")) {
		t.Errorf("unknown placeholder: exit %d, stderr %q", r.code, r.errOut)
	}
	if r := runMain(t, "", env(), args("--text-fr", text, "--segment", "région=Atlantide", "--preview")...); r.code != exitUsage ||
		!strings.Contains(r.errOut, fr("broadcasts.segment_unknown_region", "value", "Atlantide")) {
		t.Errorf("unknown région: exit %d, stderr %q", r.code, r.errOut)
	}
	if r := runMain(t, "", env(), args("--text-fr", text)...); r.code != exitUsage {
		t.Errorf("neither --preview nor --send: exit %d, want %d", r.code, exitUsage)
	}

	r = runMain(t, "", env(), args("--text-fr", text, "--segment", "région=Bretagne", "--send")...)
	id := regexp.MustCompile(`\d{4}-[0-9a-z]+`).FindString(r.out)
	if r.code != 0 || id == "" || !strings.Contains(r.out, fr("broadcasts.cli_submitted_approval", "id", id, "count", "2")) {
		t.Fatalf("send: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runMain(t, "", env(), args("list")...); !strings.Contains(r.out, id+"\t"+fr("broadcasts.state.approval")+"\t") {
		t.Errorf("list = %q, want %s awaiting approval", r.out, id)
	}
	if r := runMain(t, "", env(), args("approve", id)...); r.code != exitUsage {
		t.Errorf("approval by the same operator: exit %d (%s), want refused", r.code, r.errOut)
	}
	other := []string{"broadcast", "--config", cfg, "--data-dir", dir, "--operator", "bruno"}
	if r := runMain(t, "", env(), append(other, "approve", id)...); r.code != 0 || !strings.Contains(r.out, fr("broadcasts.approved", "id", id, "count", "2")) {
		t.Errorf("approval by another operator: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runMain(t, "", env(), args("status", id)...); !strings.Contains(r.out, fr("broadcasts.report_head", "id", id, "state", fr("broadcasts.state.scheduled"), "audience", "région : Bretagne")) {
		t.Errorf("status = %q", r.out)
	}
	if r := runMain(t, "", env(), args("cancel", id)...); r.code != 0 || !strings.Contains(r.out, fr("broadcasts.cancelled", "id", id, "sent", "0", "left", "2")) {
		t.Errorf("cancel: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runMain(t, "", env(), args("cancel", id)...); r.code != exitUsage {
		t.Errorf("cancel twice: exit %d, want %d", r.code, exitUsage)
	}
	if r := runMain(t, "", env(), args("status", "nope")...); r.code != exitUsage {
		t.Errorf("status of an unknown broadcast: exit %d", r.code)
	}
}
