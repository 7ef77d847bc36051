package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// chatBot is one bot whose members and organizers all talk in the
// terminal (outbox: it can open direct conversations).
type chatBot struct {
	t     *testing.T
	bot   *core.Bot
	chat  *outbox
	store bot.Store
	clock *fakeClock
}

func newChatBot(t *testing.T, threshold int) *chatBot {
	t.Helper()
	// Thursday 26 November 2026, 10:00 in Paris: within working hours.
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
	store := openBoltClock(t, clock)
	s := bot.Settings{
		Location:     paris,
		WorkingHours: bot.WorkingHours{Days: weekdays, Start: 9 * 60, End: 18 * 60, Location: paris},
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"},
			{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga2"}},
		MemberRoles: []bot.Label{{ID: "dgs", FR: "Directeur général des services", EN: "Chief executive", Aliases: []string{"DGS"}},
			{ID: "sgm", FR: "Secrétaire général de mairie", EN: "Town clerk"}},
		Broadcasts: bot.BroadcastSettings{ApprovalThreshold: threshold},
	}
	chat := &outbox{}
	b, err := bottest.New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Sleep: virtualSleep(clock)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []bot.Member{
		{Ref: user("anne"), Name: "Anne Martin", Role: "dgs", Onboarded: clock.Now(),
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Quimper", Population: 63000, Departement: "29", Region: "53"}},
		{Ref: user("bob"), Name: "Bob Smith", Role: "dgs", Language: bot.English, Onboarded: clock.Now()},
		{Ref: user("chloe"), Role: "sgm", Onboarded: clock.Now()},
	} {
		saveMember(t, store, m)
	}
	return &chatBot{t: t, bot: b, chat: chat, store: store, clock: clock}
}

func (c *chatBot) say(u bot.UserRef, text string) string {
	c.t.Helper()
	c.bot.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Text: text})
	return c.texts()
}

func (c *chatBot) pick(u bot.UserRef, action, value string) string {
	c.t.Helper()
	c.bot.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Choice: &bot.ChoiceEvent{Action: action, Value: value}})
	return c.texts()
}

func (c *chatBot) texts() string { return takeTexts(c.chat) }

// takeTexts takes the messages o holds and joins their texts.
func takeTexts(o *outbox) string {
	var out []string
	for _, s := range o.take() {
		out = append(out, s.reply.Text)
	}
	return strings.Join(out, "\n---\n")
}

// tick runs the scheduler (and so the broadcasts) once.
func (c *chatBot) tick() {
	c.bot.Tick(context.Background())
	c.bot.WaitJobs()
}

func (c *chatBot) only(id string) bot.Broadcast {
	c.t.Helper()
	var all []bot.Broadcast
	_ = c.store.Broadcasts(context.Background(), func(b bot.Broadcast) error { all = append(all, b); return nil })
	if len(all) != 1 {
		c.t.Fatalf("%d broadcasts stored, want 1", len(all))
	}
	return all[0]
}

// An organizer composes in the chat: text with placeholders, English
// version, segment, now, not urgent; the preview counts the recipients and
// shows the message as one of them will read it; nothing is stored before
// the confirmation; then each recipient gets it in their language, and the
// organizer gets the report.
func TestBroadcastComposeInChat(t *testing.T) {
	c := newChatBot(t, 500)
	orga := user("orga")
	if got := c.say(user("anne"), "diffusion"); got != fr("error.forbidden.organizer") {
		t.Errorf("a member asking for a broadcast got %q, want the organizer-only refusal", got)
	}
	if got := c.say(orga, "diffusion"); !strings.Contains(got, "{prenom}") {
		t.Errorf("compose start = %q, want the placeholders explained", got)
	}
	if got := c.say(orga, "Bonjour {nom}, à bientôt"); got != fr("broadcasts.text_placeholder", "placeholder", "{nom}") {
		t.Errorf("unknown placeholder: got %q", got)
	}
	if got := c.say(orga, "Bonjour {prénom} ({collectivite}), le congrès ouvre ses inscriptions. @channel <!everyone>"); !strings.Contains(got, fr("broadcasts.ask_en")) {
		t.Fatalf("after the French text: %q, want the English question", got)
	}
	c.say(orga, "Hello {prenom}, registration is open.")
	if got := c.say(orga, "région=Bretagn"); !strings.Contains(got, fr("broadcasts.segment_unknown_criterion", "name", "région")) &&
		!strings.Contains(got, "Bretagn") {
		t.Errorf("bad segment answered %q, want a clear error", got)
	}
	if got := c.say(orga, "taille=beaucoup"); !strings.Contains(got, fr("broadcasts.segment_size", "value", "beaucoup")) {
		t.Errorf("bad size answered %q", got)
	}
	if got := c.say(orga, "rôle=DGS"); !strings.Contains(got, fr("broadcasts.ask_when")) {
		t.Fatalf("after the segment: %q, want the time question", got)
	}
	if got := c.say(orga, "hier à 9 h"); got != fr("broadcasts.when_past") {
		t.Errorf("a past date answered %q", got)
	}
	if got := c.pick(orga, "bc.now", ""); !strings.Contains(got, fr("broadcasts.ask_urgent")) {
		t.Fatalf("after now: %q, want the urgency question", got)
	}
	preview := c.pick(orga, "bc.urgent", "no")
	for _, want := range []string{
		fr("broadcasts.preview_head", "count", "2", "audience", fr("broadcasts.segment_roles", "values", "Directeur général des services")),
		"Bonjour Anne (Quimper), le congrès ouvre ses inscriptions.",
		fr("broadcasts.preview_working_hours"),
	} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview = %q\nwant it to hold %q", preview, want)
		}
	}
	var n int
	_ = c.store.Broadcasts(context.Background(), func(bot.Broadcast) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d broadcasts stored before the confirmation, want none", n)
	}
	if got := c.say(orga, "oui"); !strings.Contains(got, "confirmée") {
		t.Fatalf("confirmation answered %q", got)
	}
	bc := c.only("")
	if bc.State != bot.BroadcastScheduled || bc.Expected != 2 || bc.Author != orga {
		t.Errorf("stored broadcast = %+v", bc)
	}
	c.tick()
	sent := map[string]string{}
	for _, s := range c.chat.take() {
		sent[s.conv.ID] = s.reply.Text
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
	if got := sent["dm:orga"]; !strings.Contains(got, fr("broadcasts.report_sent", "count", "2")) {
		t.Errorf("the organizer's report = %q", got)
	}
	if got := c.say(orga, "diffusions"); !strings.Contains(got, bc.ID) || !strings.Contains(got, fr("broadcasts.state.done")) {
		t.Errorf("list = %q", got)
	}
}

// Above the threshold a second organizer must approve; the author cannot;
// a scheduled broadcast waits for its time and can be cancelled.
func TestBroadcastApprovalScheduleCancel(t *testing.T) {
	c := newChatBot(t, 2)
	orga, orga2 := user("orga"), user("orga2")
	c.say(orga, "diffusion")
	c.say(orga, "Réunion régionale")
	c.say(orga, "non")
	c.say(orga, "tous")
	c.say(orga, "maintenant")
	if got := c.say(orga, "non"); !strings.Contains(got, fr("broadcasts.preview_approval", "threshold", "2")) {
		t.Errorf("preview = %q, want the approval notice", got)
	}
	got := c.say(orga, "oui")
	bc := c.only("")
	if bc.State != bot.BroadcastApproval || !strings.Contains(got, bc.ID) {
		t.Fatalf("after confirmation: %s, reply %q; want awaiting approval", bc.State, got)
	}
	// The other organizer was asked at once (and not the author).
	ask := fr("broadcasts.approval_request", "id", bc.ID, "count", "3", "audience", fr("broadcasts.segment_everyone"), "threshold", "2")
	if strings.Count(got, ask) != 1 {
		t.Errorf("after confirmation the output was %q; want one approval request to the other organizer", got)
	}
	c.tick()
	if got := c.say(orga, "approuver diffusion "+bc.ID); got != fr("broadcasts.approve_self") {
		t.Errorf("self-approval answered %q", got)
	}
	if got := c.pick(orga2, "bc.approve", bc.ID); !strings.HasSuffix(got, fr("broadcasts.approved", "id", bc.ID, "count", "3")) ||
		!strings.Contains(got, fr("broadcasts.approved_author", "id", bc.ID)) {
		t.Errorf("approval answered %q", got)
	}
	c.tick()
	got = c.texts()
	if strings.Count(got, "Réunion régionale") != 3 {
		t.Errorf("after approval, sent %q; want 3 recipients", got)
	}
	if got := c.say(orga2, "approuver diffusion "+bc.ID); got != fr("broadcasts.approve_state", "id", bc.ID, "state", fr("broadcasts.state.done")) {
		t.Errorf("approving a done broadcast answered %q", got)
	}

	// Scheduled for Friday 9:00, then cancelled.
	c.say(orga, "diffusion")
	c.say(orga, "Programme de vendredi")
	c.say(orga, "non")
	c.say(orga, "rôle=sgm")
	c.say(orga, "vendredi à 9 h")
	if got := c.say(orga, "non"); !strings.Contains(got, fr("broadcasts.preview_at", "date", "vendredi 27 novembre 2026 à 9 h")) {
		t.Errorf("preview = %q, want Friday 9:00", got)
	}
	c.say(orga, "oui")
	var sched bot.Broadcast
	_ = c.store.Broadcasts(context.Background(), func(b bot.Broadcast) error { sched = b; return nil })
	c.tick()
	if got := c.texts(); strings.Contains(got, "Programme") {
		t.Errorf("a broadcast scheduled for Friday went out on Thursday: %q", got)
	}
	if got := c.say(orga2, "annuler diffusion "+sched.ID); !strings.HasSuffix(got, fr("broadcasts.cancelled", "id", sched.ID, "sent", "0", "left", "0")) ||
		!strings.Contains(got, fr("broadcasts.report_cancelled", "id", sched.ID, "audience", fr("broadcasts.segment_roles", "values", "Secrétaire général de mairie"))) {
		t.Errorf("cancel answered %q", got)
	}
	c.clock.Set(time.Date(2026, 11, 27, 9, 0, 5, 0, paris))
	c.tick()
	if got := c.texts(); strings.Contains(got, "Programme de vendredi") {
		t.Errorf("a cancelled broadcast went out: %q", got)
	}
	if got := c.say(orga, "annuler diffusion "+sched.ID); got != fr("broadcasts.cancel_final", "id", sched.ID, "state", fr("broadcasts.state.cancelled")) {
		t.Errorf("cancelling twice answered %q", got)
	}
	if got := c.say(orga, "annuler diffusion zzz"); got != fr("broadcasts.not_found", "id", "zzz") {
		t.Errorf("cancelling an unknown one answered %q", got)
	}
}

// A member declines announcements, sees it in their export, and erasing
// their data removes them from the broadcasts' records.
func TestAnnouncementsOptOutExportErase(t *testing.T) {
	c := newChatBot(t, 500)
	anne := user("anne")
	if got := c.say(anne, "annonces"); !strings.Contains(got, fr("broadcasts.optout_state_on")) {
		t.Errorf("annonces = %q", got)
	}
	if got := c.pick(anne, "bc.optout", "off"); got != fr("broadcasts.optout_off") {
		t.Errorf("opting out answered %q", got)
	}
	bc, aud, err := c.bot.SubmitBroadcast(context.Background(), core.BroadcastDraft{Origin: "cli", Operator: "ops",
		Text: map[bot.Lang]string{bot.French: "Webinaire jeudi"}})
	if err != nil || aud.Recipients != 2 || aud.OptedOut != 1 {
		t.Fatalf("SubmitBroadcast = %+v, %v; want 2 recipients, 1 opted out", aud, err)
	}
	c.tick()
	for _, s := range c.chat.take() {
		if s.conv.ID == "dm:anne" {
			t.Errorf("anne, who declined announcements, got %q", s.reply.Text)
		}
	}
	exp, err := c.bot.ExportMember(context.Background(), anne)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(exp)
	if !strings.Contains(string(js), `"no_announcements":true`) || !strings.Contains(string(js), `"broadcast":"`+bc.ID+`"`) {
		t.Errorf("export = %s, want the preference and the broadcast record", js)
	}
	if err := c.bot.EraseMember(context.Background(), anne); err != nil {
		t.Fatal(err)
	}
	recs, wrote, err := c.store.BroadcastsOf(context.Background(), anne)
	if err != nil || len(recs) != 0 || len(wrote) != 0 {
		t.Errorf("after erasure, BroadcastsOf = %v %v %v, want nothing", recs, wrote, err)
	}
	if got := c.say(anne, "annonces oui"); got != fr("broadcasts.optout_unknown_member") {
		t.Errorf("an erased member turning announcements on got %q", got)
	}
}

func TestCheckBroadcastText(t *testing.T) {
	long := strings.Repeat("é", core.MaxBroadcastRunes+1)
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
		err := core.CheckBroadcastText(tt.text)
		var te *core.BroadcastTextError
		switch {
		case tt.key == "" && err != nil:
			t.Errorf("CheckBroadcastText(%.30q) = %v, want nil", tt.text, err)
		case tt.key != "" && (!errors.As(err, &te) || te.Key != tt.key):
			t.Errorf("CheckBroadcastText(%.30q) = %v, want %s", tt.text, err, tt.key)
		}
	}
}

func TestParseSegment(t *testing.T) {
	c := newChatBot(t, 500)
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
		got, err := c.bot.ParseSegment(ctx, tt.expr)
		var se *core.SegmentError
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
	c := newChatBot(t, 500)
	ctx := context.Background()
	done, _, err := c.bot.SubmitBroadcast(ctx, core.BroadcastDraft{Origin: "cli", Operator: "ops", Text: map[bot.Lang]string{bot.French: "Ancienne"}})
	if err != nil {
		t.Fatal(err)
	}
	c.tick()
	c.clock.Advance(24 * 31 * 24 * time.Hour)
	c.bot.Handle(ctx, bot.Message{From: user("anne"), Conversation: dm(user("anne")), Text: "annonces"}) // keeps anne's record fresh
	c.chat.take()
	waiting, _, err := c.bot.SubmitBroadcast(ctx, core.BroadcastDraft{Origin: "cli", Operator: "ops", At: c.clock.Now().Add(time.Hour),
		Text: map[bot.Lang]string{bot.French: "À venir"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.bot.PurgeRetention(ctx, c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.store.Broadcast(ctx, done.ID); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a broadcast finished 24 months ago: %v, want deleted", err)
	}
	if recs, _ := c.store.Recipients(ctx, done.ID, 0, 10); len(recs) != 0 {
		t.Errorf("its records remain: %v", recs)
	}
	if _, err := c.store.Broadcast(ctx, waiting.ID); err != nil {
		t.Errorf("a scheduled broadcast was purged: %v", err)
	}
}

// A broadcast whose recipients all wait for Monday is not reread at every
// tick, and cancelling it still reports at once.
func TestHeldBroadcastCancelledReportsAtOnce(t *testing.T) {
	c := newChatBot(t, 500)
	c.clock.Set(time.Date(2026, 11, 28, 11, 0, 0, 0, paris)) // a Saturday
	ctx := context.Background()
	bc, _, err := c.bot.SubmitBroadcast(ctx, core.BroadcastDraft{Origin: "chat", Author: user("orga"), AuthorLang: bot.French,
		Text: map[bot.Lang]string{bot.French: "Lundi"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.tick()
		c.clock.Advance(time.Minute)
	}
	if got := c.texts(); got != "" {
		t.Fatalf("on Saturday sent %q, want nothing", got)
	}
	if _, err := c.bot.CancelBroadcast(ctx, bc.ID, user("orga2")); err != nil {
		t.Fatal(err)
	}
	c.tick()
	if got := c.texts(); !strings.Contains(got, fr("broadcasts.report_not_sent", "count", "3")) {
		t.Errorf("after cancelling a held broadcast, the author got %q; want the report (3 not sent)", got)
	}
}
