package broadcasts_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
)

// An organizer composes in the chat: text with placeholders, English
// version, segment, now, not urgent; the preview counts the recipients and
// shows the message as one of them will read it; nothing is stored before
// the confirmation; then each recipient gets it in their language, and the
// organizer gets the report.
func TestBroadcastComposeInChat(t *testing.T) {
	c := bottest.NewChatBot(t, 500)
	orga := bottest.User("orga")
	if got := c.Say(bottest.User("anne"), "diffusion"); got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member asking for a broadcast got %q, want the organizer-only refusal", got)
	}
	if got := c.Say(orga, "diffusion"); !strings.Contains(got, "{prenom}") {
		t.Errorf("compose start = %q, want the placeholders explained", got)
	}
	if got := c.Say(orga, "Bonjour {nom}, à bientôt"); got != bottest.Fr("broadcasts.text_placeholder", "placeholder", "{nom}") {
		t.Errorf("unknown placeholder: got %q", got)
	}
	if got := c.Say(orga, "Bonjour {prénom} ({collectivite}), le congrès ouvre ses inscriptions. @channel <!everyone>"); !strings.Contains(got, bottest.Fr("broadcasts.ask_en")) {
		t.Fatalf("after the French text: %q, want the English question", got)
	}
	c.Say(orga, "Hello {prenom}, registration is open.")
	if got := c.Say(orga, "région=Bretagn"); !strings.Contains(got, bottest.Fr("broadcasts.segment_unknown_criterion", "name", "région")) &&
		!strings.Contains(got, "Bretagn") {
		t.Errorf("bad segment answered %q, want a clear error", got)
	}
	if got := c.Say(orga, "taille=beaucoup"); !strings.Contains(got, bottest.Fr("broadcasts.segment_size", "value", "beaucoup")) {
		t.Errorf("bad size answered %q", got)
	}
	if got := c.Say(orga, "rôle=DGS"); !strings.Contains(got, bottest.Fr("broadcasts.ask_when")) {
		t.Fatalf("after the segment: %q, want the time question", got)
	}
	if got := c.Say(orga, "hier à 9 h"); got != bottest.Fr("broadcasts.when_past") {
		t.Errorf("a past date answered %q", got)
	}
	if got := c.Pick(orga, "bc.now", ""); !strings.Contains(got, bottest.Fr("broadcasts.ask_urgent")) {
		t.Fatalf("after now: %q, want the urgency question", got)
	}
	preview := c.Pick(orga, "bc.urgent", "no")
	for _, want := range []string{
		bottest.Fr("broadcasts.preview_head", "count", "2", "audience", bottest.Fr("broadcasts.segment_roles", "values", "Directeur général des services")),
		"Bonjour Anne (Quimper), le congrès ouvre ses inscriptions.",
		bottest.Fr("broadcasts.preview_working_hours"),
	} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview = %q\nwant it to hold %q", preview, want)
		}
	}
	var n int
	_ = c.Store.Broadcasts(context.Background(), func(bot.Broadcast) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d broadcasts stored before the confirmation, want none", n)
	}
	if got := c.Say(orga, "oui"); !strings.Contains(got, "confirmée") {
		t.Fatalf("confirmation answered %q", got)
	}
	bc := c.Only("")
	if bc.State != bot.BroadcastScheduled || bc.Expected != 2 || bc.Author != orga {
		t.Errorf("stored broadcast = %+v", bc)
	}
	c.Tick()
	sent := map[string]string{}
	for _, s := range c.Chat.Take() {
		sent[s.Conv.ID] = s.Reply.Text
	}
	if got := sent["dm:anne"]; got != "Bonjour Anne (Quimper), le congrès ouvre ses inscriptions. @channel <!everyone>" {
		t.Errorf("anne got %q", got)
	}
	if got := sent["dm:bob"]; got != "Hello Bob, registration is open." {
		t.Errorf("bob (English) got %q", got)
	}
	if _, ok := sent["dm:chloe"]; ok {
		t.Errorf("chloe (not in the segment) got the broadcast")
	}
	if got := sent["dm:orga"]; !strings.Contains(got, bottest.Fr("broadcasts.report_sent", "count", "2")) {
		t.Errorf("the organizer's report = %q", got)
	}
	if got := c.Say(orga, "diffusions"); !strings.Contains(got, bc.ID) || !strings.Contains(got, bottest.Fr("broadcasts.state.done")) {
		t.Errorf("list = %q", got)
	}
}

// Above the threshold a second organizer must approve; the author cannot;
// a scheduled broadcast waits for its time and can be cancelled.
func TestBroadcastApprovalScheduleCancel(t *testing.T) {
	c := bottest.NewChatBot(t, 2)
	orga, orga2 := bottest.User("orga"), bottest.User("orga2")
	c.Say(orga, "diffusion")
	c.Say(orga, "Réunion régionale")
	c.Say(orga, "non")
	c.Say(orga, "tous")
	c.Say(orga, "maintenant")
	if got := c.Say(orga, "non"); !strings.Contains(got, bottest.Fr("broadcasts.preview_approval", "threshold", "2")) {
		t.Errorf("preview = %q, want the approval notice", got)
	}
	got := c.Say(orga, "oui")
	bc := c.Only("")
	if bc.State != bot.BroadcastApproval || !strings.Contains(got, bc.ID) {
		t.Fatalf("after confirmation: %s, reply %q; want awaiting approval", bc.State, got)
	}
	// The other organizer was asked at once (and not the author).
	ask := bottest.Fr("broadcasts.approval_request", "id", bc.ID, "count", "3", "audience", bottest.Fr("broadcasts.segment_everyone"), "threshold", "2")
	if strings.Count(got, ask) != 1 {
		t.Errorf("after confirmation the output was %q; want one approval request to the other organizer", got)
	}
	c.Tick()
	if got := c.Say(orga, "approuver diffusion "+bc.ID); got != bottest.Fr("broadcasts.approve_self") {
		t.Errorf("self-approval answered %q", got)
	}
	if got := c.Pick(orga2, "bc.approve", bc.ID); !strings.HasSuffix(got, bottest.Fr("broadcasts.approved", "id", bc.ID, "count", "3")) ||
		!strings.Contains(got, bottest.Fr("broadcasts.approved_author", "id", bc.ID)) {
		t.Errorf("approval answered %q", got)
	}
	c.Tick()
	got = c.Texts()
	if strings.Count(got, "Réunion régionale") != 3 {
		t.Errorf("after approval, sent %q; want 3 recipients", got)
	}
	if got := c.Say(orga2, "approuver diffusion "+bc.ID); got != bottest.Fr("broadcasts.approve_state", "id", bc.ID, "state", bottest.Fr("broadcasts.state.done")) {
		t.Errorf("approving a done broadcast answered %q", got)
	}

	// Scheduled for Friday 9:00, then cancelled.
	c.Say(orga, "diffusion")
	c.Say(orga, "Programme de vendredi")
	c.Say(orga, "non")
	c.Say(orga, "rôle=sgm")
	c.Say(orga, "vendredi à 9 h")
	if got := c.Say(orga, "non"); !strings.Contains(got, bottest.Fr("broadcasts.preview_at", "date", "vendredi 27 novembre 2026 à 9 h")) {
		t.Errorf("preview = %q, want Friday 9:00", got)
	}
	c.Say(orga, "oui")
	var sched bot.Broadcast
	_ = c.Store.Broadcasts(context.Background(), func(b bot.Broadcast) error { sched = b; return nil })
	c.Tick()
	if got := c.Texts(); strings.Contains(got, "Programme") {
		t.Errorf("a broadcast scheduled for Friday went out on Thursday: %q", got)
	}
	// Cancelled before its sending started: every recipient counted at
	// submission is spared, and the cancellation says how many.
	if sched.Expected == 0 {
		t.Fatalf("the scheduled broadcast counts no recipient: %+v", sched)
	}
	if got := c.Say(orga2, "annuler diffusion "+sched.ID); !strings.HasSuffix(got, bottest.Fr("broadcasts.cancelled", "id", sched.ID, "sent", "0", "left", strconv.Itoa(sched.Expected))) ||
		!strings.Contains(got, bottest.Fr("broadcasts.report_head", "id", sched.ID, "state", bottest.Fr("broadcasts.state.cancelled"),
			"audience", bottest.Fr("broadcasts.segment_roles", "values", "Secrétaire général de mairie"))) {
		t.Errorf("cancel answered %q", got)
	}
	c.Clock.Set(time.Date(2026, 11, 27, 9, 0, 5, 0, bottest.Paris))
	c.Tick()
	if got := c.Texts(); strings.Contains(got, "Programme de vendredi") {
		t.Errorf("a cancelled broadcast went out: %q", got)
	}
	if got := c.Say(orga, "annuler diffusion "+sched.ID); got != bottest.Fr("broadcasts.cancel_final", "id", sched.ID, "state", bottest.Fr("broadcasts.state.cancelled")) {
		t.Errorf("cancelling twice answered %q", got)
	}
	if got := c.Say(orga, "annuler diffusion zzz"); got != bottest.Fr("broadcasts.not_found", "id", "zzz") {
		t.Errorf("cancelling an unknown one answered %q", got)
	}
}

// A member declines announcements, sees it in their export, and erasing
// their data removes them from the broadcasts' records.
func TestAnnouncementsOptOutExportErase(t *testing.T) {
	c := bottest.NewChatBot(t, 500)
	anne := bottest.User("anne")
	if got := c.Say(anne, "annonces"); !strings.Contains(got, bottest.Fr("broadcasts.optout_state_on")) {
		t.Errorf("annonces = %q", got)
	}
	if got := c.Pick(anne, "bc.optout", "off"); got != bottest.Fr("broadcasts.optout_off") {
		t.Errorf("opting out answered %q", got)
	}
	bc, aud, err := bottest.Broadcasts(c.Bot).SubmitBroadcast(context.Background(), broadcasts.BroadcastDraft{Origin: "cli", Operator: "ops",
		Text: map[bot.Lang]string{bot.French: "Webinaire jeudi"}})
	if err != nil || aud.Recipients != 2 || aud.OptedOut != 1 {
		t.Fatalf("SubmitBroadcast = %+v, %v; want 2 recipients, 1 opted out", aud, err)
	}
	c.Tick()
	for _, s := range c.Chat.Take() {
		if s.Conv.ID == "dm:anne" {
			t.Errorf("anne, who declined announcements, got %q", s.Reply.Text)
		}
	}
	exp, err := c.Bot.ExportMember(context.Background(), anne)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(exp)
	if !strings.Contains(string(js), `"no_announcements":true`) || !strings.Contains(string(js), `"broadcast":"`+bc.ID+`"`) {
		t.Errorf("export = %s, want the preference and the broadcast record", js)
	}
	if err := c.Bot.EraseMember(context.Background(), anne); err != nil {
		t.Fatal(err)
	}
	recs, wrote, err := c.Store.BroadcastsOf(context.Background(), anne)
	if err != nil || len(recs) != 0 || len(wrote) != 0 {
		t.Errorf("after erasure, BroadcastsOf = %v %v %v, want nothing", recs, wrote, err)
	}
	if got := c.Say(anne, "annonces oui"); got != bottest.Fr("broadcasts.optout_unknown_member") {
		t.Errorf("an erased member turning announcements on got %q", got)
	}
}

func TestCheckBroadcastText(t *testing.T) {
	long := strings.Repeat("é", broadcasts.MaxBroadcastRunes+1)
	for _, tt := range []struct {
		text, key string
	}{
		{"Bonjour {prenom} de {collectivite}", ""},
		{"Bonjour {Prénom}, {firstname}, {Collectivité}", ""},
		{"", "empty"},
		{"   ", "empty"},
		{long, "too_long"},
		{"Bonjour {nom}", "placeholder"},
		{"Bonjour {{prenom}}", "brace"},
		{"Bonjour {prenom", "brace"},
		{"Tarif : 10 } 20", "brace"},
		{"{if prenom}x{end}", "placeholder"},
	} {
		err := broadcasts.CheckBroadcastText(tt.text)
		var te *broadcasts.BroadcastTextError
		switch {
		case tt.key == "" && err != nil:
			t.Errorf("CheckBroadcastText(%.30q) = %v, want nil", tt.text, err)
		case tt.key != "" && (!errors.As(err, &te) || te.Key != tt.key):
			t.Errorf("CheckBroadcastText(%.30q) = %v, want %s", tt.text, err, tt.key)
		}
	}
}

func TestParseSegment(t *testing.T) {
	c := bottest.NewChatBot(t, 500)
	ctx := context.Background()
	for _, tt := range []struct {
		expr string
		want bot.Segment
		key  string
	}{
		{"tous", bot.Segment{}, ""},
		{"rôle=DGS|sgm", bot.Segment{Roles: []string{"dgs", "sgm"}}, ""},
		{"role = dgs ou sgm ; langue=en", bot.Segment{Roles: []string{"dgs", "sgm"}, Langs: []bot.Lang{bot.English}}, ""},
		{"taille=2 000 à 10 000", bot.Segment{MinPopulation: 2000, MaxPopulation: 10000}, ""},
		{"taille=<3500", bot.Segment{MaxPopulation: 3499}, ""},
		{"size=>=20k", bot.Segment{MinPopulation: 20000}, ""},
		{"taille=10000-2000", bot.Segment{}, "size"},
		{"couleur=bleu", bot.Segment{}, "unknown_criterion"},
		{"rôle", bot.Segment{}, "syntax"},
		{"rôle=maire", bot.Segment{}, "unknown_role"},
		{"langue=de", bot.Segment{}, "unknown_langue"},
		{"région=Bretagne", bot.Segment{}, "unknown_region"}, // no directory in this test
		{"séance=4", bot.Segment{}, "unknown_seance"},        // no content
	} {
		got, err := bottest.Broadcasts(c.Bot).ParseSegment(ctx, tt.expr)
		var se *broadcasts.SegmentError
		switch {
		case tt.key == "" && err != nil:
			t.Errorf("ParseSegment(%q) = %v", tt.expr, err)
		case tt.key != "" && (!errors.As(err, &se) || se.Key != tt.key):
			t.Errorf("ParseSegment(%q) error = %v, want %s", tt.expr, err, tt.key)
		case tt.key == "":
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("ParseSegment(%q) = %s, want %s", tt.expr, gj, wj)
			}
		}
	}
}

// Finished broadcasts are deleted with their records after the retention
// period; running ones are kept.
func TestBroadcastRetention(t *testing.T) {
	c := bottest.NewChatBot(t, 500)
	ctx := context.Background()
	done, _, err := bottest.Broadcasts(c.Bot).SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Origin: "cli", Operator: "ops", Text: map[bot.Lang]string{bot.French: "Ancienne"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Tick()
	c.Clock.Advance(24 * 31 * 24 * time.Hour)
	c.Bot.Handle(ctx, bot.Message{From: bottest.User("anne"), Conversation: bottest.Dm(bottest.User("anne")), Text: "annonces"}) // keeps anne's record fresh
	c.Chat.Take()
	waiting, _, err := bottest.Broadcasts(c.Bot).SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Origin: "cli", Operator: "ops", At: c.Clock.Now().Add(time.Hour),
		Text: map[bot.Lang]string{bot.French: "À venir"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Bot.PurgeRetention(ctx, c.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store.Broadcast(ctx, done.ID); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a broadcast finished 24 months ago: %v, want deleted", err)
	}
	if recs, _ := c.Store.Recipients(ctx, done.ID, 0, 10); len(recs) != 0 {
		t.Errorf("its records remain: %v", recs)
	}
	if _, err := c.Store.Broadcast(ctx, waiting.ID); err != nil {
		t.Errorf("a scheduled broadcast was purged: %v", err)
	}
}

// A broadcast whose recipients all wait for Monday is not reread at every
// tick, and cancelling it still reports at once.
func TestHeldBroadcastCancelledReportsAtOnce(t *testing.T) {
	c := bottest.NewChatBot(t, 500)
	c.Clock.Set(time.Date(2026, 11, 28, 11, 0, 0, 0, bottest.Paris)) // a Saturday
	ctx := context.Background()
	bc, _, err := bottest.Broadcasts(c.Bot).SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Origin: "chat", Author: bottest.User("orga"), AuthorLang: bot.French,
		Text: map[bot.Lang]string{bot.French: "Lundi"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.Tick()
		c.Clock.Advance(time.Minute)
	}
	if got := c.Texts(); got != "" {
		t.Fatalf("on Saturday sent %q, want nothing", got)
	}
	if _, err := bottest.Broadcasts(c.Bot).CancelBroadcast(ctx, bc.ID, bottest.User("orga2")); err != nil {
		t.Fatal(err)
	}
	c.Tick()
	if got := c.Texts(); !strings.Contains(got, bottest.Fr("broadcasts.report_not_sent", "count", "3")) {
		t.Errorf("after cancelling a held broadcast, the author got %q; want the report (3 not sent)", got)
	}
}

// The urgency question answered by typing the number of a button, as a
// member does where buttons are numbered: « 1 » normal, « 2 » urgent.
func TestBroadcastUrgencyAnsweredByNumber(t *testing.T) {
	for _, tt := range []struct {
		typed  string
		urgent bool
	}{{"1", false}, {"2", true}} {
		c := bottest.NewChatBot(t, 100)
		orga := bottest.User("orga")
		c.Say(orga, "diffusion")
		c.Say(orga, "Bonjour {prenom}, le congrès ouvre ses inscriptions.")
		c.Say(orga, "non")
		c.Say(orga, "tous")
		if got := c.Pick(orga, "bc.now", ""); !strings.Contains(got, bottest.Fr("broadcasts.ask_urgent")) {
			t.Fatalf("after now: %q, want the urgency question", got)
		}
		if got := c.Say(orga, tt.typed); strings.Contains(got, bottest.Fr("broadcasts.ask_urgent")) {
			t.Fatalf("« %s » to the urgency question asked it again: %q", tt.typed, got)
		}
		if got := c.Say(orga, "oui"); !strings.Contains(got, "confirmée") {
			t.Fatalf("confirmation answered %q", got)
		}
		if bc := c.Only(""); bc.Urgent != tt.urgent {
			t.Errorf("« %s »: urgent %v, want %v", tt.typed, bc.Urgent, tt.urgent)
		}
	}
}
