package core_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/fakeclock"
)

var topics = []bot.HighlightTopic{
	{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence"},
	{ID: "management", FR: "Management", EN: "Management"},
	{ID: "management_distance", FR: "Management à distance", EN: "Remote management"},
	{ID: "finances", FR: "Finances locales", EN: "Local government finance"},
	{ID: "rh", FR: "Ressources humaines", EN: "Human resources"},
	{ID: "qvt", FR: "Qualité de vie au travail", EN: "Quality of working life"},
	{ID: "deconnexion", FR: "Droit à la déconnexion", EN: "Right to disconnect"},
	{ID: "numerique", FR: "Transformation numérique", EN: "Digital transformation"},
}

func topicIDs() []string {
	var ids []string
	for _, t := range topics {
		ids = append(ids, t.ID)
	}
	return ids
}

// dmRecorder is the recorder with direct conversations, so that the bot
// can write first.
type dmRecorder struct{ *recorder }

func (d dmRecorder) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return dm(u), nil
}

type hlHarness struct {
	*harness
	channel bot.Conversation
	loads   int
}

// newHL builds a bot over the given content (the demo when nil), with a
// highlights channel and a loader that serves next.
func newHL(t *testing.T, set *content.Set, next func() (*content.Set, error)) *hlHarness {
	t.Helper()
	if set == nil {
		demo, _, err := content.LoadDemo(topicIDs())
		if err != nil {
			t.Fatal(err)
		}
		set = demo
	}
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	chat := &recorder{}
	h := &hlHarness{channel: bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "temps-forts", Kind: bot.Channel}}
	paris, _ := time.LoadLocation("Europe/Paris")
	s := bot.Settings{
		Admins:     []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}},
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}},
		Location:   paris,
		Highlights: bot.HighlightSettings{Topics: topics, ReminderBefore: 15 * time.Minute, Channel: h.channel},
	}
	opts := core.Options{Clock: clock, Content: set}
	if next != nil {
		opts.ReloadContent = func(ctx context.Context) (*content.Set, error) { h.loads++; return next() }
	}
	b, err := bottest.New(s, store, []bot.ChatAdapter{dmRecorder{chat}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.harness = &harness{t: t, bot: b, chat: chat, store: store, clock: clock}
	return h
}

func testEvent(t *testing.T) *content.Set {
	t.Helper()
	data, err := os.ReadFile("testdata/highlights/congres-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := content.LoadDir(fstest.MapFS{"congres-2026.yaml": {Data: data}}, topicIDs())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestHighlightsListShowAndSearchTheDemo(t *testing.T) {
	h := newHL(t, nil, nil)
	alice := user("alice")
	list := only(t, h.say(alice, "temps forts")).Text
	contains(t, "list", list, "*Territorialis 2024* — du 3 au 4 octobre 2024, Tours",
		"« Résilience et connexions dans un monde en transformation »",
		"6. *Faut-il encore un chef ?* — atelier du village des talents (déduit) (6 temps forts)",
		"7. *Entretien avec Hélène Guillet, présidente du SNDGCT* — entretien")

	show := only(t, h.say(alice, "Temps forts 6"))
	contains(t, "session 6", show.Text, "*6. Faut-il encore un chef ?*", "70 %",
		"« Le chef est utile pour organiser la prise de décision. » — Alexandre Lajeunesse",
		"Jessica Martinez, DGS, Ville d'Orly", "_Note : ")
	if len(show.Choices) == 0 || show.Choices[0].Action != "hl.follow" || show.Choices[0].Value != "s:territorialis-2024/atelier-faut-il-un-chef" {
		t.Errorf("session 6 choices = %+v", show.Choices)
	}
	for _, c := range show.Choices {
		if c.Action == "hl.register" {
			t.Errorf("a session without a time offers registration: %+v", c)
		}
	}
	if got := only(t, h.say(alice, "séance atelier-faut-il-un-chef")).Text; !strings.Contains(got, "*6. Faut-il encore un chef ?*") {
		t.Errorf("by id:\n%s", got)
	}
	if got := only(t, h.say(alice, "séance 1")).Text; !strings.Contains(got, "jeudi 3 octobre 2024 (déduit)") ||
		!strings.Contains(got, "Olivier Lebreton, vice-président, Conseil départemental d'Indre-et-Loire (présence dans cette séance déduite)") {
		t.Errorf("session 1 does not mark what is inferred:\n%s", got)
	}
	if got := only(t, h.say(alice, "séance 99")).Text; got != fr("highlights.session_unknown", "input", "99", "count", "7") {
		t.Errorf("séance 99: %q", got)
	}

	search := func(q string) string { return only(t, h.say(alice, q)).Text }
	firstResult := func(text string) string {
		for _, l := range strings.Split(text, "\n") {
			if len(l) > 3 && l[0] >= '1' && l[0] <= '9' {
				return l
			}
		}
		return ""
	}
	for _, tt := range []struct{ query, first string }{
		{"temps forts IA", "Comment l'IA va transformer le travail du manager ?"},
		{"temps forts intelligence artificielle", "IA"},
		{"highlights AI", "IA"},
		{"temps forts déconnexion", "Leader connecté/déconnecté"},
		{"temps forts CHEF", "Faut-il encore un chef ?"},
		{"temps forts Robitaillie", "Leader connecté/déconnecté"},
		{"temps forts promotion", "Faut-il encore un chef ?"},
		{"temps forts cambouis", "Entretien avec Hélène Guillet"},
	} {
		got := search(tt.query)
		contains(t, tt.query, got, fr("highlights.search_header", "query", strings.SplitN(tt.query, " ", 3)[len(strings.SplitN(tt.query, " ", 3))-1]))
		if first := firstResult(got); !strings.Contains(first, tt.first) {
			t.Errorf("%q: first result %q, want %q", tt.query, first, tt.first)
		}
	}
	// « manager » finds the sessions on management and managers.
	contains(t, "manager", search("temps forts manager"), "Faut-il encore un chef ?", "Leader connecté/déconnecté",
		"Comment l'IA va transformer le travail du manager ?")
	if got := search("temps forts cybersécurité"); got != fr("highlights.search_none", "query", "cybersécurité") {
		t.Errorf("no result: %q", got)
	}
	// English.
	contains(t, "highlights", search("highlights"), "Territorialis 2024")
}

func TestFollowUnfollowAndFollowing(t *testing.T) {
	h := newHL(t, nil, nil)
	alice := user("alice")
	ctx := context.Background()
	if got := only(t, h.say(alice, "mes suivis")).Text; got != fr("highlights.following_none") {
		t.Errorf("nothing followed: %q", got)
	}
	ask := only(t, h.say(alice, "suivre"))
	if len(ask.Choices) != len(topics) || ask.Choices[0].Value != "t:ia" {
		t.Fatalf("suivre offers %+v", ask.Choices)
	}
	got := only(t, h.pick(alice, ask.Choices[0])).Text
	if want := fr("highlights.follow_done", "name", fr("highlights.topic_name", "topic", "Intelligence artificielle")); got != want {
		t.Errorf("follow by button: %q, want %q", got, want)
	}
	for _, in := range []string{"suivre IA", "suivre l'IA", "follow AI", "suivre intelligence artificielle"} {
		got := only(t, h.say(alice, in)).Text
		if !strings.Contains(got, fr("highlights.follow_already", "name", fr("highlights.topic_name", "topic", "Intelligence artificielle"))) &&
			!strings.Contains(got, "Intelligence artificielle") {
			t.Errorf("%q: %q", in, got)
		}
	}
	contains(t, "suivre séance 5", only(t, h.say(alice, "suivre séance 5")).Text, "la séance 5 « Leader connecté/déconnecté")
	contains(t, "suivre management à distance", only(t, h.say(alice, "suivre management à distance")).Text, "« Management à distance »")
	unknown := only(t, h.say(alice, "suivre cuisine"))
	if !strings.Contains(unknown.Text, "« cuisine »") || len(unknown.Choices) != len(topics) {
		t.Errorf("unknown: %+v", unknown)
	}
	sub, err := h.store.HighlightFollows(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Topics, []string{"ia", "management_distance"}) ||
		!slices.Equal(sub.Sessions, []string{"territorialis-2024/atelier-leader-connecte"}) {
		t.Errorf("stored topics %q sessions %q", sub.Topics, sub.Sessions)
	}
	if !sub.DigestCursor.Equal(h.clock.Now()) {
		t.Errorf("digest cursor %v, want the time of the first follow %v", sub.DigestCursor, h.clock.Now())
	}
	contains(t, "mes suivis", only(t, h.say(alice, "mes suivis")).Text,
		"*Thèmes suivis :* Intelligence artificielle, Management à distance", "- la séance 5 « Leader connecté/déconnecté")
	contains(t, "unfollow", only(t, h.say(alice, "ne plus suivre IA")).Text, fr("highlights.unfollow_done", "name", fr("highlights.topic_name", "topic", "Intelligence artificielle")))
	contains(t, "unfollow again", only(t, h.say(alice, "ne plus suivre IA")).Text, "Vous ne suiviez pas")
	contains(t, "unfollow all", only(t, h.say(alice, "ne plus suivre tout")).Text, fr("highlights.unfollow_all"))
	// Nothing left: nothing kept.
	if _, err := h.store.HighlightFollows(ctx, alice); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("an empty record is kept: %v", err)
	}
	// English.
	bob := user("bob")
	h.say(bob, "language english")
	contains(t, "follow session", only(t, h.say(bob, "follow session 6")).Text, "you follow session 6 “Faut-il encore un chef ?”")
	contains(t, "following", only(t, h.say(bob, "following")).Text, "*Sessions followed:*")
}

func TestRegisterAndSessionReminders(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	ctx := context.Background()
	alice := user("alice")
	show := only(t, h.say(alice, "séance 2"))
	contains(t, "session 2", show.Text, "atelier · jeudi 3 décembre 2026 à 14 h 30 · salle Salle 2 (déduit)")
	i := slices.IndexFunc(show.Choices, func(c bot.Choice) bool { return c.Action == "hl.register" })
	if i < 0 {
		t.Fatalf("no register button: %+v", show.Choices)
	}
	got := only(t, h.pick(alice, show.Choices[i])).Text
	want := fr("highlights.register_done", "name", "la séance 2 « Manager à distance »",
		"when", "jeudi 3 décembre 2026 à 14 h 30", "before", "15 min")
	if got != want {
		t.Errorf("register: %q\nwant %q", got, want)
	}
	contains(t, "again", only(t, h.say(alice, "m'inscrire à la séance 2")).Text, "Vous êtes déjà inscrit")
	contains(t, "no time", only(t, h.say(alice, "m'inscrire à 3")).Text, "n'est pas connu")
	contains(t, "opening", only(t, h.say(alice, "m'inscrire à 1")).Text, "jeudi 3 décembre 2026 à 9 h 30 (fin à 10 h)")
	bob := user("bob")
	h.say(bob, "language english")
	h.say(bob, "register for 2")
	contains(t, "mes suivis", only(t, h.say(alice, "mes suivis")).Text, "*Inscriptions :*", "Un rappel vous est envoyé 15 min avant")

	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 12, 3, 14, 30, 0, 0, paris)
	// The scheduler's tick sends due messages: nothing 16 minutes before
	// a session, the reminder 15 minutes before.
	opening := time.Date(2026, 12, 3, 9, 30, 0, 0, paris)
	tickAt := func(at time.Time) []sent {
		h.clock.Set(at)
		h.bot.Tick(ctx)
		return h.chat.take()
	}
	if got := tickAt(opening.Add(-16 * time.Minute)); len(got) != 0 {
		t.Fatalf("16 min before the opening: %d messages", len(got))
	}
	if got := tickAt(opening.Add(-15 * time.Minute)); len(got) != 1 || !strings.Contains(got[0].reply.Text, "Ouverture du congrès") || got[0].conv.ID != "dm:alice" {
		t.Fatalf("15 min before the opening: %+v", got)
	}
	if got := tickAt(start.Add(-16 * time.Minute)); len(got) != 0 {
		t.Fatalf("16 min before: %d messages", len(got))
	}
	h.clock.Set(start.Add(-15 * time.Minute))
	h.bot.Tick(ctx)
	sentTo := map[string]string{}
	for _, s := range h.chat.take() {
		sentTo[s.conv.ID] = s.reply.Text
	}
	if len(sentTo) != 2 {
		t.Fatalf("15 min before: reminders to %v", sentTo)
	}
	contains(t, "alice's reminder", sentTo["dm:alice"], fr("highlights.reminder", "title", "Manager à distance",
		"when", "jeudi 3 décembre 2026 à 14 h 30", "event", "Congrès 2026"), "salle Salle 2")
	contains(t, "bob's reminder", sentTo["dm:bob"], "Reminder: the session “Manager à distance” (Congrès 2026) starts Thursday December 3, 2026 at 14:30.")
	// Sent once: a later tick sends nothing.
	h.clock.Advance(5 * time.Minute)
	h.bot.Tick(ctx)
	if n := len(h.chat.take()); n != 0 {
		t.Errorf("a reminder was sent %d more times", n)
	}
	// After the start, registration is closed; unregistering works.
	h.clock.Advance(time.Hour)
	contains(t, "past", only(t, h.say(alice, "m'inscrire à 2")).Text, "Inscription impossible")
	contains(t, "unregister", only(t, h.say(alice, "me désinscrire de 2")).Text, "est annulée")
	contains(t, "unregister again", only(t, h.say(alice, "me désinscrire de 2")).Text, "n'étiez pas inscrit")
}

func publish(t *testing.T, h *hlHarness, ev, session, id, text string) {
	t.Helper()
	err := h.store.SaveHighlight(context.Background(), bot.PublishedHighlight{Event: ev, Session: session, ID: id,
		Text: text, Published: h.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDigestSendsOnlyWhatIsNewOnWhatIsFollowed(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	ctx := context.Background()
	alice, bob, carol := user("alice"), user("bob"), user("carol")
	h.say(alice, "suivre management")  // topic of session 2
	h.say(bob, "suivre séance 3")      // the finances round table
	h.say(carol, "suivre IA")          // nothing new will come
	h.say(user("dave"), "temps forts") // follows nothing
	slot := h.clock.Now().Add(7 * 24 * time.Hour)
	if err := h.bot.RunDigest(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if got := h.chat.take(); len(got) != 0 {
		t.Fatalf("digest with nothing new sent %d messages: %+v", len(got), got)
	}

	h.clock.Advance(24 * time.Hour)
	publish(t, h, "congres-2026", "distance", "p1", "Un point nouveau sur le travail à distance.")
	publish(t, h, "congres-2026", "finances", "p2", "Un point nouveau sur le budget.")
	h.clock.Advance(time.Hour)
	slot2 := slot.Add(7 * 24 * time.Hour)
	if err := h.bot.RunDigest(ctx, slot2); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range h.chat.take() {
		got[s.conv.ID] = s.reply.Text
	}
	if len(got) != 2 {
		t.Fatalf("digest went to %d members, want alice and bob: %v", len(got), got)
	}
	contains(t, "alice's digest", got["dm:alice"], fr("highlights.digest_header", "count", "1"),
		"*Congrès 2026 — séance 2 : Manager à distance*", "- Un point nouveau sur le travail à distance.")
	if strings.Contains(got["dm:alice"], "budget") {
		t.Errorf("alice got a highlight she does not follow:\n%s", got["dm:alice"])
	}
	contains(t, "bob's digest", got["dm:bob"], "- Un point nouveau sur le budget.")

	// Idempotent per (slot, member): running the slot again sends nothing.
	if err := h.bot.RunDigest(ctx, slot2); err != nil {
		t.Fatal(err)
	}
	if n := len(h.chat.take()); n != 0 {
		t.Errorf("rerun of the slot sent %d messages", n)
	}
	// The next slot has nothing new.
	if err := h.bot.RunDigest(ctx, slot2.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.chat.take()); n != 0 {
		t.Errorf("next slot sent %d messages with nothing new", n)
	}
	// A highlight published after the slot waits for the next one.
	publish(t, h, "congres-2026", "distance", "p3", "Publié après le créneau.")
	if err := h.bot.RunDigest(ctx, h.clock.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.chat.take()); n != 0 {
		t.Errorf("a highlight published after the slot was sent (%d)", n)
	}
}

func TestPublishDialogue(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	orga, alice := user("orga"), user("alice")
	if got := only(t, h.say(alice, "publier temps fort")).Text; got != fr("error.forbidden.organizer") {
		t.Errorf("member may publish: %q", got)
	}
	h.say(alice, "suivre séance 2")
	h.clock.Advance(time.Minute)

	ask := only(t, h.say(orga, "publier temps fort"))
	contains(t, "ask session", ask.Text, fr("highlights.publish_ask_session"), "2. Manager à distance")
	if len(ask.Choices) != 3 {
		t.Fatalf("session buttons: %+v", ask.Choices)
	}
	contains(t, "ask text", only(t, h.pick(orga, ask.Choices[1])).Text, "Séance 2 « Manager à distance »")
	contains(t, "too long", only(t, h.say(orga, strings.Repeat("x", 701))).Text, "701 caractères")
	quote := only(t, h.say(orga, "Les rituels d'équipe tiennent mieux quand ils sont courts."))
	if quote.Text != fr("highlights.publish_ask_quote") || len(quote.Choices) != 1 {
		t.Fatalf("quote prompt: %+v", quote)
	}
	contains(t, "ask author", only(t, h.say(orga, "« Un quart d'heure suffit. »")).Text, fr("highlights.publish_ask_author"))
	preview := only(t, h.say(orga, "Dominique Martin"))
	contains(t, "preview", preview.Text, "- Les rituels d'équipe tiennent mieux quand ils sont courts.",
		"« Un quart d'heure suffit. » — Dominique Martin", fr("highlights.publish_confirm_ask"))
	if len(preview.Choices) != 1 || preview.Choices[0].Action != "hl.pub_confirm" {
		t.Fatalf("preview choices: %+v", preview.Choices)
	}
	h.bot.Handle(context.Background(), bot.Message{From: orga, Conversation: dm(orga),
		Choice: &bot.ChoiceEvent{Action: preview.Choices[0].Action}})
	var done, post string
	for _, s := range h.chat.take() {
		if s.conv == h.channel {
			post = s.reply.Text
		} else {
			done = s.reply.Text
		}
	}
	contains(t, "done", done, "Le temps fort est publié pour la séance « Manager à distance »", fr("highlights.publish_channel_done"))
	contains(t, "channel", post, "*Nouveau temps fort — Congrès 2026, séance 2 : Manager à distance*", "Un quart d'heure suffit.")

	// Searchable at once, shown in the session, and in the followers' digest.
	contains(t, "search", only(t, h.say(alice, "temps forts rituels")).Text, "Les rituels d'équipe tiennent mieux")
	contains(t, "session", only(t, h.say(alice, "séance 2")).Text, "« Un quart d'heure suffit. » — Dominique Martin")
	if err := h.bot.RunDigest(context.Background(), h.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	contains(t, "digest", only(t, h.replies()).Text, "Les rituels d'équipe tiennent mieux")

	// Cancel at any step; « non » skips the quote.
	h.say(orga, "publier temps fort 3")
	contains(t, "cancel", only(t, h.say(orga, "annuler")).Text, fr("cancel.done"))
	h.say(orga, "publier temps fort 3")
	h.say(orga, "Un texte.")
	contains(t, "no quote", only(t, h.say(orga, "non")).Text, "- Un texte.")
	final := h.say(orga, "publier")
	if len(final) != 2 {
		t.Fatalf("confirm: %+v", final)
	}
	contains(t, "confirm", final[1].Text, "Le temps fort est publié pour la séance « Table ronde sur les finances locales »")
}

func TestConversationStarter(t *testing.T) {
	h := newHL(t, nil, nil)
	tests := []struct {
		shared    []string
		ok        bool
		session   string
		wantQuote bool
	}{
		{[]string{"management", "rh"}, true, "atelier-faut-il-un-chef", true},
		{[]string{"deconnexion"}, true, "atelier-leader-connecte", false},
		{[]string{"ia", "management", "rh"}, true, "entretien-helene-guillet", true},
		{[]string{"ia"}, true, "entretien-helene-guillet", true},
		{[]string{"numerique"}, true, "interventions-ia", false},
		{[]string{"finances"}, false, "", false},
		{nil, false, "", false},
	}
	for _, tt := range tests {
		s, ok := h.bot.ConversationStarter(context.Background(), tt.shared, bot.French)
		if ok != tt.ok || s.Session != tt.session || (s.Highlight.Quote != "") != tt.wantQuote {
			t.Errorf("%q: session %q quote %q ok %v; want %q, quote %v, %v", tt.shared, s.Session, s.Highlight.Quote, ok,
				tt.session, tt.wantQuote, tt.ok)
		}
		if ok && !strings.HasPrefix(s.Text, "En lien avec vos centres d'intérêt communs") {
			t.Errorf("%q: text %q", tt.shared, s.Text)
		}
	}
	s, _ := h.bot.ConversationStarter(context.Background(), []string{"deconnexion"}, bot.English)
	if !strings.HasPrefix(s.Text, "Related to your shared interests (Right to disconnect), a highlight from Territorialis 2024") {
		t.Errorf("English text %q", s.Text)
	}
}

func TestReloadContent(t *testing.T) {
	var next *content.Set
	var nextErr error
	h := newHL(t, nil, func() (*content.Set, error) { return next, nextErr })
	admin := user("admin")
	if got := only(t, h.say(user("alice"), "recharger contenu")).Text; got != fr("error.forbidden.admin") {
		t.Errorf("member may reload: %q", got)
	}
	_, nextErr = content.Parse([]byte("id: X\n"), "x.yaml", topicIDs())
	got := only(t, h.say(admin, "recharger contenu")).Text
	contains(t, "problems", got, "Le contenu n'a pas été rechargé : 4 problème(s)", "- x.yaml:1: id: \"X\" must be", "- x.yaml: name: is required")
	contains(t, "kept", only(t, h.say(admin, "temps forts")).Text, "Territorialis 2024")
	next, nextErr = testEvent(t), nil
	if got := only(t, h.say(admin, "reload content")).Text; got != fr("highlights.reload_done", "events", "1", "highlights", "3") {
		t.Errorf("reload: %q", got)
	}
	contains(t, "new content", only(t, h.say(admin, "temps forts")).Text, "Congrès 2026")
	if h.loads != 2 {
		t.Errorf("loader called %d times", h.loads)
	}
}

func TestHighlightsCatalogueFamilies(t *testing.T) {
	cat := catalog.Default()
	var keys []string
	for _, k := range content.Kinds {
		keys = append(keys, "highlights.kind."+k)
	}
	for d := range 7 {
		keys = append(keys, "highlights.weekday."+string(rune('0'+d)))
	}
	for _, k := range keys {
		for _, l := range bot.Languages {
			if !cat.Has(string(l), k) {
				t.Errorf("catalogue lacks %q in %s", k, l)
			}
		}
	}
}

func TestHelpListsHighlightCommandsByRole(t *testing.T) {
	h := newHL(t, nil, nil)
	got := only(t, h.say(user("admin"), "aide")).Text
	member := strings.Index(got, fr("cmd.highlights.summary"))
	orgSection := strings.Index(got, fr("help.section.organizer"))
	publish := strings.Index(got, fr("cmd.publish.summary"))
	adminSection := strings.Index(got, fr("help.section.admin"))
	reload := strings.Index(got, fr("cmd.reload.summary"))
	if !(member >= 0 && member < orgSection && orgSection < publish && publish < adminSection && adminSection < reload) {
		t.Errorf("help is not grouped by role:\n%s", got)
	}
}

func TestHighlightsPersonalDataExportAndErase(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	ctx := context.Background()
	alice := user("alice")
	if got, err := h.bot.ExportHighlights(ctx, alice); got != nil || err != nil {
		t.Errorf("nothing stored: %v, %v", got, err)
	}
	h.say(alice, "suivre IA")
	h.say(alice, "m'inscrire à 2")
	got, err := h.bot.ExportHighlights(ctx, alice)
	sub, ok := got.(bot.HighlightFollows)
	if err != nil || !ok || !slices.Equal(sub.Topics, []string{"ia"}) || len(sub.Registrations) != 1 || sub.Member != alice {
		t.Fatalf("export = %+v, %v", got, err)
	}
	if err := h.bot.EraseHighlights(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got, err := h.bot.ExportHighlights(ctx, alice); got != nil || err != nil {
		t.Errorf("after erase: %v, %v", got, err)
	}
	contains(t, "after erase", only(t, h.say(alice, "mes suivis")).Text, fr("highlights.following_none"))
}

// failingDM fails to open direct conversations until told otherwise.
type failingDM struct {
	*recorder
	fail bool
}

func (f *failingDM) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	if f.fail {
		return bot.Conversation{}, errors.New("platform down")
	}
	return dm(u), nil
}

func TestFailedDigestCarriesOver(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	chat := &failingDM{recorder: &recorder{}}
	b, err := bottest.New(bot.Settings{Highlights: bot.HighlightSettings{Topics: topics}}, store,
		[]bot.ChatAdapter{chat}, core.Options{Clock: clock, Content: testEvent(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, bot: b, chat: chat.recorder, store: store, clock: clock}
	ctx := context.Background()
	alice := user("alice")
	h.say(alice, "suivre séance 2")
	clock.Advance(time.Minute)
	publish(t, &hlHarness{harness: h}, "congres-2026", "distance", "p1", "Un point à ne pas perdre.")
	clock.Advance(time.Minute)
	chat.fail = true
	slot := clock.Now()
	if err := b.RunDigest(ctx, slot); err == nil {
		t.Fatal("digest with the platform down: no error")
	}
	chat.fail = false
	if err := b.RunDigest(ctx, slot); err != nil || len(h.chat.take()) != 0 {
		t.Errorf("the failed slot was sent again: %v", err)
	}
	if err := b.RunDigest(ctx, slot.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	contains(t, "next digest", only(t, h.replies()).Text, "Un point à ne pas perdre.")
}

func TestWithdrawAPublishedHighlight(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	orga, alice := user("orga"), user("alice")
	if got := only(t, h.say(orga, "retirer temps fort")).Text; got != fr("highlights.withdraw_none") {
		t.Errorf("nothing published: %q", got)
	}
	publish(t, h, "congres-2026", "distance", "p1", "Un point publié par erreur.")
	h.clock.Advance(time.Minute)
	publish(t, h, "congres-2026", "finances", "p2", "Un point à garder.")
	contains(t, "search before", only(t, h.say(alice, "temps forts erreur")).Text, "Un point publié par erreur.")
	list := only(t, h.say(orga, "retirer temps fort"))
	contains(t, "list", list.Text, "1. séance 3, publié le 26 novembre 2026 : Un point à garder.",
		"2. séance 2, publié le 26 novembre 2026 : Un point publié par erreur.")
	if len(list.Choices) != 2 {
		t.Fatalf("choices %+v", list.Choices)
	}
	contains(t, "bad number", only(t, h.say(orga, "retirer temps fort 9")).Text, "de 1 à 2")
	preview := only(t, h.pick(orga, list.Choices[1]))
	contains(t, "preview", preview.Text, "séance 2 « Manager à distance »", "- Un point publié par erreur.")
	if len(preview.Choices) != 1 || preview.Choices[0].Style != "danger" {
		t.Fatalf("confirm choice %+v", preview.Choices)
	}
	if got := only(t, h.pick(alice, preview.Choices[0])).Text; got != fr("error.forbidden.organizer") {
		t.Errorf("a member withdrew: %q", got)
	}
	if got := only(t, h.pick(orga, preview.Choices[0])).Text; got != fr("highlights.withdraw_done") {
		t.Errorf("withdraw: %q", got)
	}
	if got := only(t, h.pick(orga, preview.Choices[0])).Text; got != fr("highlights.withdraw_gone") {
		t.Errorf("withdraw twice: %q", got)
	}
	if got := only(t, h.say(alice, "temps forts erreur")).Text; strings.Contains(got, "par erreur") {
		t.Errorf("withdrawn highlight still found:\n%s", got)
	}
	contains(t, "kept", only(t, h.say(orga, "retirer temps fort 1")).Text, "- Un point à garder.")
}

func TestReminderFollowsTheProgrammeAndUnregistering(t *testing.T) {
	moved, err := os.ReadFile("testdata/highlights/congres-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The reload moves the workshop to 16:00 and drops the opening's time.
	movedData := strings.Replace(strings.Replace(string(moved), `time: "14:30"`, `time: "16:00"`, 1),
		"    time: \"09:30\"\n    end_time: \"10:00\"\n", "", 1)
	next := func() (*content.Set, error) {
		return content.LoadDir(fstest.MapFS{"c.yaml": {Data: []byte(movedData)}}, topicIDs())
	}
	h := newHL(t, testEvent(t), next)
	ctx := context.Background()
	alice, bob := user("alice"), user("bob")
	h.say(alice, "m'inscrire à 2")
	h.say(alice, "m'inscrire à 1")
	h.say(bob, "m'inscrire à 1")
	contains(t, "unregister", only(t, h.say(bob, "me désinscrire de 1")).Text, "est annulée")
	contains(t, "reload", only(t, h.say(user("admin"), "recharger contenu")).Text, "Contenu rechargé")

	paris, _ := time.LoadLocation("Europe/Paris")
	for _, at := range []time.Time{
		time.Date(2026, 12, 3, 9, 15, 0, 0, paris),  // the opening lost its time: no reminder
		time.Date(2026, 12, 3, 14, 15, 0, 0, paris), // the old time of the workshop: nothing
	} {
		h.clock.Set(at)
		h.bot.Tick(ctx)
		if got := h.chat.take(); len(got) != 0 {
			t.Errorf("at %v: %+v", at, got)
		}
	}
	h.clock.Set(time.Date(2026, 12, 3, 15, 45, 0, 0, paris))
	h.bot.Tick(ctx)
	got := h.chat.take()
	if len(got) != 1 || got[0].conv.ID != "dm:alice" || !strings.Contains(got[0].reply.Text, "à 16 h") {
		t.Fatalf("moved reminder: %+v", got)
	}
	f, err := h.store.HighlightFollows(ctx, alice)
	if err != nil || len(f.Registrations) != 2 || !f.Registrations[0].Starts.Equal(time.Date(2026, 12, 3, 16, 0, 0, 0, paris)) ||
		!f.Registrations[1].Starts.IsZero() {
		t.Errorf("registrations after the reload: %+v, %v", f.Registrations, err)
	}
}

func TestDigestWaitsForWorkingHours(t *testing.T) {
	h := newHL(t, testEvent(t), nil)
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	// Rebuild the bot with working hours, over the same store and clock.
	set := testEvent(t)
	b, err := bottest.New(bot.Settings{
		Location:     paris,
		WorkingHours: bot.WorkingHours{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * 60, End: 18 * 60, Location: paris},
		Highlights:   bot.HighlightSettings{Topics: topics},
	}, h.store, []bot.ChatAdapter{dmRecorder{h.chat}}, core.Options{Clock: h.clock, Content: set})
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	alice := user("alice")
	h.say(alice, "suivre management")
	h.clock.Advance(time.Hour)
	publish(t, h, "congres-2026", "distance", "p1", "Un point du samedi.")
	saturday := time.Date(2026, 11, 28, 10, 0, 0, 0, paris)
	h.clock.Set(saturday)
	if err := b.RunDigest(ctx, saturday); err != nil {
		t.Fatal(err)
	}
	if got := h.chat.take(); len(got) != 0 {
		t.Fatalf("digest sent on a Saturday: %+v", got)
	}
	h.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, paris)) // Monday morning
	b.Tick(ctx)
	contains(t, "Monday", only(t, h.replies()).Text, "- Un point du samedi.")
}
