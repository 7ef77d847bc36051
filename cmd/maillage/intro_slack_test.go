package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
)

// saveMembers stores members in the data dir's embedded store, before the
// binary opens it.
func saveMembers(t *testing.T, dir string, members ...bot.Member) {
	t.Helper()
	s, err := bolt.Open(context.Background(), filepath.Join(dir, "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, m := range members {
		if err := s.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// A round through the real binary on the (fake) Slack: an administrator
// runs it from their DM (« tour maintenant », then the confirmation
// button); the pair is introduced in a group conversation opened for both
// members (conversations.open with their two ids), with the answer
// buttons; one member's click there is recorded, acknowledged in that
// member's DM only, and leaves the group's post as it is.
func TestSlackRoundIntroducesInAGroup(t *testing.T) {
	fake := slacktest.New(time.Second)
	defer fake.Close()
	for _, u := range []slacktest.User{
		{ID: "U0ADMIN", Name: "admin", DisplayName: "Admin", Locale: "fr-FR", TZ: "Europe/Paris"},
		{ID: "U0ALICE", Name: "alice", DisplayName: "Alice", Locale: "fr-FR", TZ: "Europe/Paris"},
		{ID: "U0BOB", Name: "bob", DisplayName: "Bob", Locale: "fr-FR", TZ: "Europe/Paris"},
	} {
		fake.AddUser(u)
	}
	ref := func(id string) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformSlack, Workspace: slacktest.Team, User: id}
	}
	alice, bob := ref("U0ALICE"), ref("U0BOB")
	now := time.Now()
	member := func(r bot.UserRef, name, town, code string, pop int) bot.Member {
		return bot.Member{Ref: r, Name: name, Language: bot.French, Role: "dgs", Interests: []string{"finances", "rh"},
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Code: code, Name: town, Population: pop, Departement: "35", Region: "53"},
			Onboarded:    now, OptedIn: now,
		}
	}
	dir := t.TempDir()
	saveMembers(t, dir, member(alice, "Alice Martin", "Vitré", "35360", 18000), member(bob, "Bob Durand", "Fougères", "35115", 20000))
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	writeFile(t, cfg, "roles:\n  admins:\n    - {platform: slack, user: U0ADMIN}\n"+
		"working_hours:\n  days: [lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche]\n  start: \"00:00\"\n  end: \"24:00\"\n")
	p := startSlackBinary(t, fake, "MAILLAGE_DATA_DIR="+dir, "MAILLAGE_CONFIG="+cfg)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%v\nlogs:\n%s", err, p.logs.String())
		}
	}
	// find waits for a post (or update) satisfying ok.
	find := func(what string, ok func(slacktest.Post) bool) slacktest.Post {
		t.Helper()
		for n := 1; ; {
			posts, err := fake.WaitPosts(ctx, n)
			if err != nil {
				t.Fatalf("no post %s: %v\nlogs:\n%s", what, err, p.logs.String())
			}
			for _, p := range posts {
				if ok(p) {
					return p
				}
			}
			n = len(posts) + 1
		}
	}
	in := func(channel, text string) func(slacktest.Post) bool {
		return func(p slacktest.Post) bool { return p.Channel == channel && strings.Contains(p.Text, text) }
	}
	send := func(typ string, payload []byte) {
		t.Helper()
		_, err := fake.Envelope(ctx, typ, payload)
		must(err)
	}

	must(fake.WaitSocket(ctx, 1))
	send("events_api", slacktest.MessageIM("EvRound01", "U0ADMIN", "D0ADMIN", "tour maintenant", "1700000201.000100"))
	preview := find("previewing the round", in("D0ADMIN", fr("match.now.confirm")))
	if !strings.Contains(preview.Text, "Membres retenus : 2") {
		t.Errorf("preview: %q", preview.Text)
	}
	send("interactive", slacktest.Click("U0ADMIN", preview, slackButton(t, preview, fr("match.now.go"))))
	find("confirming the round", in("D0ADMIN", fr("match.now.done", "groups", "1", "satout", "0")))

	// One group conversation, opened for the two members.
	var groups [][]string
	for _, users := range fake.Opened() {
		if len(users) > 1 {
			groups = append(groups, slices.Sorted(slices.Values(users)))
		}
	}
	if want := [][]string{{"U0ALICE", "U0BOB"}}; !slices.EqualFunc(groups, want, slices.Equal) {
		t.Fatalf("conversations.open for groups: %v, want %v", groups, want)
	}
	intro := find("introducing the pair", func(p slacktest.Post) bool {
		return strings.HasPrefix(p.Channel, "G") && p.Method == "chat.postMessage"
	})
	for _, want := range []string{"je vous présente l'un à l'autre", "Alice Martin", "Bob Durand", "Vitré", "Fougères", "Finances locales"} {
		if !strings.Contains(intro.Text, want) {
			t.Errorf("the introduction lacks %q: %q", want, intro.Text)
		}
	}
	var labels []string
	for _, b := range intro.Buttons() {
		labels = append(labels, b.Label)
	}
	if want := []string{fr("match.choice.met"), fr("match.choice.not_now"), fr("match.choice.not_again")}; !slices.Equal(labels, want) {
		t.Errorf("buttons %q, want %q", labels, want)
	}

	// Alice clicks « Ne plus me proposer cette personne » in the group,
	// twice.
	click := slacktest.Click("U0ALICE", intro, slackButton(t, intro, fr("match.choice.not_again")))
	send("interactive", click)
	send("interactive", click)
	ack := fr("match.answer.not_again", "names", "Bob Durand")
	find("acknowledging the answer", in("D0ALICE", ack))

	// The organizers' figures, asked after the clicks, count the answer.
	send("events_api", slacktest.MessageIM("EvRound02", "U0ADMIN", "D0ADMIN", "bilan des mises en relation", "1700000202.000100"))
	stats := find("showing the figures", in("D0ADMIN", "mise(s) en relation (2 membres)"))
	if !strings.Contains(stats.Text, "1 réponse(s), 0 membre(s) ayant confirmé un échange") || !strings.Contains(stats.Text, "1 « ne plus me proposer »") {
		t.Errorf("figures after one answer: %q", stats.Text)
	}

	must(p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the process did not stop on SIGTERM")
	}
	// Only Alice heard of her answer, once; the group's post kept its
	// buttons for Bob.
	acks := 0
	for _, p := range fake.Posts() {
		switch {
		case p.Channel == intro.Channel && p.TS != intro.TS, p.Method == "chat.update" && p.TS == intro.TS:
			t.Errorf("%s in the group after the introduction: %q", p.Method, p.Text)
		case p.Channel == "D0BOB":
			t.Errorf("bob got %q", p.Text)
		case strings.Contains(p.Text, ack):
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("the answer acknowledged %d times, want once", acks)
	}
	s, err := bolt.Open(context.Background(), filepath.Join(dir, "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.MatchRecord(context.Background(), alice)
	if err != nil || len(rec.Answers) != 1 || rec.Answers[0].Answer != bot.AnswerNotAgain || !slices.Equal(rec.NotAgain, []bot.UserRef{bob}) {
		t.Errorf("alice's record: %+v, %v; want one « not again » answer naming bob", rec, err)
	}
	if rec, err := s.MatchRecord(context.Background(), bob); err == nil && len(rec.Answers) != 0 {
		t.Errorf("bob's record holds answers: %+v", rec.Answers)
	}
}

// slackButton returns the button labelled label of p.
func slackButton(t *testing.T, p slacktest.Post, label string) slacktest.Button {
	t.Helper()
	for _, b := range p.Buttons() {
		if b.Label == label {
			return b
		}
	}
	t.Fatalf("no button %q in %+v", label, p.Buttons())
	return slacktest.Button{}
}
