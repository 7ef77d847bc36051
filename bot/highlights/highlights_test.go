package highlights_test

import (
	"context"
	"errors"
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
	"github.com/sndgct/maillage/bot/highlights"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestHighlightsListShowAndSearchTheDemo(t *testing.T) {
	h := bottest.NewHL(t, nil, nil)
	alice := bottest.User("alice")
	list := bottest.Only(t, h.Say(alice, "temps forts")).Text
	bottest.Contains(t, "list", list, "*Territorialis 2024* — du 3 au 4 octobre 2024, Tours",
		"« Résilience et connexions dans un monde en transformation »",
		"6. *Faut-il encore un chef ?* — atelier du village des talents (déduit) (6 temps forts)",
		"7. *Entretien avec Hélène Guillet, présidente du SNDGCT* — entretien")

	show := bottest.Only(t, h.Say(alice, "Temps forts 6"))
	bottest.Contains(t, "session 6", show.Text, "*6. Faut-il encore un chef ?*", "70 %",
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
	if got := bottest.Only(t, h.Say(alice, "séance atelier-faut-il-un-chef")).Text; !strings.Contains(got, "*6. Faut-il encore un chef ?*") {
		t.Errorf("by id:\n%s", got)
	}
	if got := bottest.Only(t, h.Say(alice, "séance 1")).Text; !strings.Contains(got, "jeudi 3 octobre 2024 à 9 h 30 (fin à 10 h 30) (déduit)") ||
		!strings.Contains(got, "Olivier Lebreton, vice-président, Conseil départemental d'Indre-et-Loire (présence dans cette séance déduite)") {
		t.Errorf("session 1 does not mark what is inferred:\n%s", got)
	}
	if got := bottest.Only(t, h.Say(alice, "séance 99")).Text; got != bottest.Fr("highlights.session_unknown", "input", "99", "count", "7") {
		t.Errorf("séance 99: %q", got)
	}

	search := func(q string) string { return bottest.Only(t, h.Say(alice, q)).Text }
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
		bottest.Contains(t, tt.query, got, bottest.Fr("highlights.search_header", "query", strings.SplitN(tt.query, " ", 3)[len(strings.SplitN(tt.query, " ", 3))-1]))
		if first := firstResult(got); !strings.Contains(first, tt.first) {
			t.Errorf("%q: first result %q, want %q", tt.query, first, tt.first)
		}
	}
	// « manager » finds the sessions on management and managers.
	bottest.Contains(t, "manager", search("temps forts manager"), "Faut-il encore un chef ?", "Leader connecté/déconnecté",
		"Comment l'IA va transformer le travail du manager ?")
	if got := search("temps forts cybersécurité"); got != bottest.Fr("highlights.search_none", "query", "cybersécurité") {
		t.Errorf("no result: %q", got)
	}
	// English.
	bottest.Contains(t, "highlights", search("highlights"), "Territorialis 2024")
}

func TestFollowUnfollowAndFollowing(t *testing.T) {
	h := bottest.NewHL(t, nil, nil)
	alice := bottest.User("alice")
	ctx := context.Background()
	if got := bottest.Only(t, h.Say(alice, "mes suivis")).Text; got != bottest.Fr("highlights.following_none") {
		t.Errorf("nothing followed: %q", got)
	}
	ask := bottest.Only(t, h.Say(alice, "suivre"))
	if len(ask.Choices) != len(bottest.Topics) || ask.Choices[0].Value != "t:ia" {
		t.Fatalf("suivre offers %+v", ask.Choices)
	}
	got := bottest.Only(t, h.Pick(alice, ask.Choices[0])).Text
	if want := bottest.Fr("highlights.follow_done", "name", bottest.Fr("highlights.topic_name", "topic", "Intelligence artificielle")); got != want {
		t.Errorf("follow by button: %q, want %q", got, want)
	}
	for _, in := range []string{"suivre IA", "suivre l'IA", "follow AI", "suivre intelligence artificielle"} {
		got := bottest.Only(t, h.Say(alice, in)).Text
		if !strings.Contains(got, bottest.Fr("highlights.follow_already", "name", bottest.Fr("highlights.topic_name", "topic", "Intelligence artificielle"))) &&
			!strings.Contains(got, "Intelligence artificielle") {
			t.Errorf("%q: %q", in, got)
		}
	}
	bottest.Contains(t, "suivre séance 5", bottest.Only(t, h.Say(alice, "suivre séance 5")).Text, "la séance 5 « Leader connecté/déconnecté")
	bottest.Contains(t, "suivre management à distance", bottest.Only(t, h.Say(alice, "suivre management à distance")).Text, "« Management à distance »")
	unknown := bottest.Only(t, h.Say(alice, "suivre cuisine"))
	if !strings.Contains(unknown.Text, "« cuisine »") || len(unknown.Choices) != len(bottest.Topics) {
		t.Errorf("unknown: %+v", unknown)
	}
	sub, err := h.Store.HighlightFollows(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Topics, []string{"ia", "management_distance"}) ||
		!slices.Equal(sub.Sessions, []string{"territorialis-2024/atelier-leader-connecte"}) {
		t.Errorf("stored topics %q sessions %q", sub.Topics, sub.Sessions)
	}
	if !sub.DigestCursor.Equal(h.Clock.Now()) {
		t.Errorf("digest cursor %v, want the time of the first follow %v", sub.DigestCursor, h.Clock.Now())
	}
	bottest.Contains(t, "mes suivis", bottest.Only(t, h.Say(alice, "mes suivis")).Text,
		"*Thèmes suivis :* Intelligence artificielle, Management à distance", "- la séance 5 « Leader connecté/déconnecté")
	bottest.Contains(t, "unfollow", bottest.Only(t, h.Say(alice, "ne plus suivre IA")).Text, bottest.Fr("highlights.unfollow_done", "name", bottest.Fr("highlights.topic_name", "topic", "Intelligence artificielle")))
	bottest.Contains(t, "unfollow again", bottest.Only(t, h.Say(alice, "ne plus suivre IA")).Text, "Vous ne suiviez pas")
	bottest.Contains(t, "unfollow all", bottest.Only(t, h.Say(alice, "ne plus suivre tout")).Text, bottest.Fr("highlights.unfollow_all"))
	// Nothing left: nothing kept.
	if _, err := h.Store.HighlightFollows(ctx, alice); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("an empty record is kept: %v", err)
	}
	// English.
	bob := bottest.User("bob")
	h.Say(bob, "language english")
	bottest.Contains(t, "follow session", bottest.Only(t, h.Say(bob, "follow session 6")).Text, "you follow session 6 “Faut-il encore un chef ?”")
	bottest.Contains(t, "following", bottest.Only(t, h.Say(bob, "following")).Text, "*Sessions followed:*")
}

func TestRegisterAndSessionReminders(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	ctx := context.Background()
	alice := bottest.User("alice")
	show := bottest.Only(t, h.Say(alice, "séance 2"))
	bottest.Contains(t, "session 2", show.Text, "atelier · jeudi 3 décembre 2026 à 14 h 30 · salle Salle 2 (déduit)")
	i := slices.IndexFunc(show.Choices, func(c bot.Choice) bool { return c.Action == "hl.register" })
	if i < 0 {
		t.Fatalf("no register button: %+v", show.Choices)
	}
	got := bottest.Only(t, h.Pick(alice, show.Choices[i])).Text
	want := bottest.Fr("highlights.register_done", "name", "la séance 2 « Manager à distance »",
		"when", "jeudi 3 décembre 2026 à 14 h 30", "before", "15 min")
	if got != want {
		t.Errorf("register: %q\nwant %q", got, want)
	}
	bottest.Contains(t, "again", bottest.Only(t, h.Say(alice, "m'inscrire à la séance 2")).Text, "Vous êtes déjà inscrit")
	bottest.Contains(t, "no time", bottest.Only(t, h.Say(alice, "m'inscrire à 3")).Text, "n'est pas connu")
	bottest.Contains(t, "opening", bottest.Only(t, h.Say(alice, "m'inscrire à 1")).Text, "jeudi 3 décembre 2026 à 9 h 30 (fin à 10 h)")
	bob := bottest.User("bob")
	h.Say(bob, "language english")
	h.Say(bob, "register for 2")
	bottest.Contains(t, "mes suivis", bottest.Only(t, h.Say(alice, "mes suivis")).Text, "*Inscriptions :*", "Un rappel vous est envoyé 15 min avant")

	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 12, 3, 14, 30, 0, 0, paris)
	// The scheduler's tick sends due messages: nothing 16 minutes before
	// a session, the reminder 15 minutes before.
	opening := time.Date(2026, 12, 3, 9, 30, 0, 0, paris)
	tickAt := func(at time.Time) []bottest.Sent {
		h.Clock.Set(at)
		h.Bot.Tick(ctx)
		return h.Chat.Take()
	}
	if got := tickAt(opening.Add(-16 * time.Minute)); len(got) != 0 {
		t.Fatalf("16 min before the opening: %d messages", len(got))
	}
	if got := tickAt(opening.Add(-15 * time.Minute)); len(got) != 1 || !strings.Contains(got[0].Reply.Text, "Ouverture du congrès") || got[0].Conv.ID != "dm:alice" {
		t.Fatalf("15 min before the opening: %+v", got)
	}
	if got := tickAt(start.Add(-16 * time.Minute)); len(got) != 0 {
		t.Fatalf("16 min before: %d messages", len(got))
	}
	h.Clock.Set(start.Add(-15 * time.Minute))
	h.Bot.Tick(ctx)
	sentTo := map[string]string{}
	for _, s := range h.Chat.Take() {
		sentTo[s.Conv.ID] = s.Reply.Text
	}
	if len(sentTo) != 2 {
		t.Fatalf("15 min before: reminders to %v", sentTo)
	}
	bottest.Contains(t, "alice's reminder", sentTo["dm:alice"], bottest.Fr("highlights.reminder", "title", "Manager à distance",
		"when", "jeudi 3 décembre 2026 à 14 h 30", "event", "Congrès 2026"), "salle Salle 2")
	bottest.Contains(t, "bob's reminder", sentTo["dm:bob"], "Reminder: the session “Manager à distance” (Congrès 2026) starts Thursday December 3, 2026 at 14:30.")
	// Sent once: a later tick sends nothing.
	h.Clock.Advance(5 * time.Minute)
	h.Bot.Tick(ctx)
	if n := len(h.Chat.Take()); n != 0 {
		t.Errorf("a reminder was sent %d more times", n)
	}
	// After the start, registration is closed; unregistering works.
	h.Clock.Advance(time.Hour)
	bottest.Contains(t, "past", bottest.Only(t, h.Say(alice, "m'inscrire à 2")).Text, "Inscription impossible")
	bottest.Contains(t, "unregister", bottest.Only(t, h.Say(alice, "me désinscrire de 2")).Text, "est annulée")
	bottest.Contains(t, "unregister again", bottest.Only(t, h.Say(alice, "me désinscrire de 2")).Text, "n'étiez pas inscrit")
}

func TestDigestSendsOnlyWhatIsNewOnWhatIsFollowed(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	ctx := context.Background()
	alice, bob, carol := bottest.User("alice"), bottest.User("bob"), bottest.User("carol")
	h.Say(alice, "suivre management")          // topic of session 2
	h.Say(bob, "suivre séance 3")              // the finances round table
	h.Say(carol, "suivre IA")                  // nothing new will come
	h.Say(bottest.User("dave"), "temps forts") // follows nothing
	slot := h.Clock.Now().Add(7 * 24 * time.Hour)
	if err := highlights.RunDigest(h.Bot, ctx, slot); err != nil {
		t.Fatal(err)
	}
	if got := h.Chat.Take(); len(got) != 0 {
		t.Fatalf("digest with nothing new sent %d messages: %+v", len(got), got)
	}

	h.Clock.Advance(24 * time.Hour)
	bottest.Publish(t, h, "congres-2026", "distance", "p1", "Un point nouveau sur le travail à distance.")
	bottest.Publish(t, h, "congres-2026", "finances", "p2", "Un point nouveau sur le budget.")
	h.Clock.Advance(time.Hour)
	slot2 := slot.Add(7 * 24 * time.Hour)
	if err := highlights.RunDigest(h.Bot, ctx, slot2); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range h.Chat.Take() {
		got[s.Conv.ID] = s.Reply.Text
	}
	if len(got) != 2 {
		t.Fatalf("digest went to %d members, want alice and bob: %v", len(got), got)
	}
	bottest.Contains(t, "alice's digest", got["dm:alice"], bottest.Fr("highlights.digest_header", "count", "1"),
		"*Congrès 2026 — séance 2 : Manager à distance*", "- Un point nouveau sur le travail à distance.")
	if strings.Contains(got["dm:alice"], "budget") {
		t.Errorf("alice got a highlight she does not follow:\n%s", got["dm:alice"])
	}
	bottest.Contains(t, "bob's digest", got["dm:bob"], "- Un point nouveau sur le budget.")

	// Idempotent per (slot, member): running the slot again sends nothing.
	if err := highlights.RunDigest(h.Bot, ctx, slot2); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Chat.Take()); n != 0 {
		t.Errorf("rerun of the slot sent %d messages", n)
	}
	// The next slot has nothing new.
	if err := highlights.RunDigest(h.Bot, ctx, slot2.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Chat.Take()); n != 0 {
		t.Errorf("next slot sent %d messages with nothing new", n)
	}
	// A highlight published after the slot waits for the next one.
	bottest.Publish(t, h, "congres-2026", "distance", "p3", "Publié après le créneau.")
	if err := highlights.RunDigest(h.Bot, ctx, h.Clock.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Chat.Take()); n != 0 {
		t.Errorf("a highlight published after the slot was sent (%d)", n)
	}
}

func TestPublishDialogue(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	orga, alice := bottest.User("orga"), bottest.User("alice")
	if got := bottest.Only(t, h.Say(alice, "publier temps fort")).Text; got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("member may publish: %q", got)
	}
	h.Say(alice, "suivre séance 2")
	h.Clock.Advance(time.Minute)

	ask := bottest.Only(t, h.Say(orga, "publier temps fort"))
	bottest.Contains(t, "ask session", ask.Text, bottest.Fr("highlights.publish_ask_session"), "2. Manager à distance")
	if len(ask.Choices) != 3 {
		t.Fatalf("session buttons: %+v", ask.Choices)
	}
	bottest.Contains(t, "ask text", bottest.Only(t, h.Pick(orga, ask.Choices[1])).Text, "Séance 2 « Manager à distance »")
	bottest.Contains(t, "too long", bottest.Only(t, h.Say(orga, strings.Repeat("x", 701))).Text, "701 caractères")
	quote := bottest.Only(t, h.Say(orga, "Les rituels d'équipe tiennent mieux quand ils sont courts."))
	if quote.Text != bottest.Fr("highlights.publish_ask_quote") || len(quote.Choices) != 1 {
		t.Fatalf("quote prompt: %+v", quote)
	}
	bottest.Contains(t, "ask author", bottest.Only(t, h.Say(orga, "« Un quart d'heure suffit. »")).Text, bottest.Fr("highlights.publish_ask_author"))
	preview := bottest.Only(t, h.Say(orga, "Dominique Martin"))
	bottest.Contains(t, "preview", preview.Text, "- Les rituels d'équipe tiennent mieux quand ils sont courts.",
		"« Un quart d'heure suffit. » — Dominique Martin", bottest.Fr("highlights.publish_confirm_ask"))
	if len(preview.Choices) != 1 || preview.Choices[0].Action != "hl.pub_confirm" {
		t.Fatalf("preview choices: %+v", preview.Choices)
	}
	h.Bot.Handle(context.Background(), bot.Message{From: orga, Conversation: bottest.Dm(orga),
		Choice: &bot.ChoiceEvent{Action: preview.Choices[0].Action}})
	var done, post string
	for _, s := range h.Chat.Take() {
		if s.Conv == h.Channel {
			post = s.Reply.Text
		} else {
			done = s.Reply.Text
		}
	}
	bottest.Contains(t, "done", done, "Le temps fort est publié pour la séance « Manager à distance »", bottest.Fr("highlights.publish_channel_done"))
	bottest.Contains(t, "channel", post, "*Nouveau temps fort — Congrès 2026, séance 2 : Manager à distance*", "Un quart d'heure suffit.")

	// Searchable at once, shown in the session, and in the followers' digest.
	bottest.Contains(t, "search", bottest.Only(t, h.Say(alice, "temps forts rituels")).Text, "Les rituels d'équipe tiennent mieux")
	bottest.Contains(t, "session", bottest.Only(t, h.Say(alice, "séance 2")).Text, "« Un quart d'heure suffit. » — Dominique Martin")
	if err := highlights.RunDigest(h.Bot, context.Background(), h.Clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	bottest.Contains(t, "digest", bottest.Only(t, h.Replies()).Text, "Les rituels d'équipe tiennent mieux")

	// Cancel at any step; « non » skips the quote.
	h.Say(orga, "publier temps fort 3")
	bottest.Contains(t, "cancel", bottest.Only(t, h.Say(orga, "annuler")).Text, bottest.Fr("cancel.done"))
	h.Say(orga, "publier temps fort 3")
	h.Say(orga, "Un texte.")
	bottest.Contains(t, "no quote", bottest.Only(t, h.Say(orga, "non")).Text, "- Un texte.")
	final := h.Say(orga, "publier")
	if len(final) != 2 {
		t.Fatalf("confirm: %+v", final)
	}
	bottest.Contains(t, "confirm", final[1].Text, "Le temps fort est publié pour la séance « Table ronde sur les finances locales »")
}

func TestConversationStarter(t *testing.T) {
	h := bottest.NewHL(t, nil, nil)
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
		s, ok := h.Bot.Congress.ConversationStarter(context.Background(), tt.shared, bot.French)
		if ok != tt.ok || s.Session != tt.session || (s.Highlight.Quote != "") != tt.wantQuote {
			t.Errorf("%q: session %q quote %q ok %v; want %q, quote %v, %v", tt.shared, s.Session, s.Highlight.Quote, ok,
				tt.session, tt.wantQuote, tt.ok)
		}
		if ok && !strings.HasPrefix(s.Text, "En lien avec vos centres d'intérêt communs") {
			t.Errorf("%q: text %q", tt.shared, s.Text)
		}
	}
	s, _ := h.Bot.Congress.ConversationStarter(context.Background(), []string{"deconnexion"}, bot.English)
	if !strings.HasPrefix(s.Text, "Related to your shared interests (Right to disconnect), a highlight from Territorialis 2024") {
		t.Errorf("English text %q", s.Text)
	}
}

func TestReloadContent(t *testing.T) {
	var next *content.Set
	var nextErr error
	h := bottest.NewHL(t, nil, func() (*content.Set, error) { return next, nextErr })
	admin := bottest.User("admin")
	if got := bottest.Only(t, h.Say(bottest.User("alice"), "recharger contenu")).Text; got != bottest.Fr("error.forbidden.admin") {
		t.Errorf("member may reload: %q", got)
	}
	_, nextErr = content.Parse([]byte("id: X\n"), "x.yaml", bottest.TopicIDs())
	got := bottest.Only(t, h.Say(admin, "recharger contenu")).Text
	bottest.Contains(t, "problems", got, "Le contenu n'a pas été rechargé : 4 problème(s)", "- x.yaml:1: id: \"X\" must be", "- x.yaml: name: is required")
	bottest.Contains(t, "kept", bottest.Only(t, h.Say(admin, "temps forts")).Text, "Territorialis 2024")
	next, nextErr = bottest.SampleEvent(t), nil
	if got := bottest.Only(t, h.Say(admin, "reload content")).Text; got != bottest.Fr("highlights.reload_done", "events", "1", "highlights", "3") {
		t.Errorf("reload: %q", got)
	}
	bottest.Contains(t, "new content", bottest.Only(t, h.Say(admin, "temps forts")).Text, "Congrès 2026")
	if h.Loads != 2 {
		t.Errorf("loader called %d times", h.Loads)
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
	h := bottest.NewHL(t, nil, nil)
	got := bottest.Only(t, h.Say(bottest.User("admin"), "aide")).Text
	member := strings.Index(got, bottest.Fr("cmd.highlights.summary"))
	orgSection := strings.Index(got, bottest.Fr("help.section.organizer"))
	publish := strings.Index(got, bottest.Fr("cmd.publish.summary"))
	adminSection := strings.Index(got, bottest.Fr("help.section.admin"))
	reload := strings.Index(got, bottest.Fr("cmd.reload.summary"))
	if !(member >= 0 && member < orgSection && orgSection < publish && publish < adminSection && adminSection < reload) {
		t.Errorf("help is not grouped by role:\n%s", got)
	}
}

func TestHighlightsPersonalDataExportAndErase(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	ctx := context.Background()
	alice := bottest.User("alice")
	if got, err := highlights.ExportHighlights(h.Bot, ctx, alice); got != nil || err != nil {
		t.Errorf("nothing stored: %v, %v", got, err)
	}
	h.Say(alice, "suivre IA")
	h.Say(alice, "m'inscrire à 2")
	got, err := highlights.ExportHighlights(h.Bot, ctx, alice)
	sub, ok := got.(bot.HighlightFollows)
	if err != nil || !ok || !slices.Equal(sub.Topics, []string{"ia"}) || len(sub.Registrations) != 1 || sub.Member != alice {
		t.Fatalf("export = %+v, %v", got, err)
	}
	if err := highlights.EraseHighlights(h.Bot, ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got, err := highlights.ExportHighlights(h.Bot, ctx, alice); got != nil || err != nil {
		t.Errorf("after erase: %v, %v", got, err)
	}
	bottest.Contains(t, "after erase", bottest.Only(t, h.Say(alice, "mes suivis")).Text, bottest.Fr("highlights.following_none"))
}

func TestFailedDigestCarriesOver(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	chat := &bottest.FailingDM{Recorder: &bottest.Recorder{}}
	b, err := bottest.New(bot.Settings{Highlights: bot.HighlightSettings{Topics: bottest.Topics}}, store,
		[]bot.ChatAdapter{chat}, core.Options{Clock: clock, Content: bottest.SampleEvent(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := &bottest.Harness{T: t, Bot: b, Chat: chat.Recorder, Store: store, Clock: clock}
	ctx := context.Background()
	alice := bottest.User("alice")
	h.Say(alice, "suivre séance 2")
	clock.Advance(time.Minute)
	bottest.Publish(t, &bottest.HlHarness{Harness: h}, "congres-2026", "distance", "p1", "Un point à ne pas perdre.")
	clock.Advance(time.Minute)
	chat.Fail = true
	slot := clock.Now()
	if err := highlights.RunDigest(b, ctx, slot); err == nil {
		t.Fatal("digest with the platform down: no error")
	}
	chat.Fail = false
	if err := highlights.RunDigest(b, ctx, slot); err != nil || len(h.Chat.Take()) != 0 {
		t.Errorf("the failed slot was sent again: %v", err)
	}
	if err := highlights.RunDigest(b, ctx, slot.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	bottest.Contains(t, "next digest", bottest.Only(t, h.Replies()).Text, "Un point à ne pas perdre.")
}

func TestWithdrawAPublishedHighlight(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	orga, alice := bottest.User("orga"), bottest.User("alice")
	if got := bottest.Only(t, h.Say(orga, "retirer temps fort")).Text; got != bottest.Fr("highlights.withdraw_none") {
		t.Errorf("nothing published: %q", got)
	}
	bottest.Publish(t, h, "congres-2026", "distance", "p1", "Un point publié par erreur.")
	h.Clock.Advance(time.Minute)
	bottest.Publish(t, h, "congres-2026", "finances", "p2", "Un point à garder.")
	bottest.Contains(t, "search before", bottest.Only(t, h.Say(alice, "temps forts erreur")).Text, "Un point publié par erreur.")
	list := bottest.Only(t, h.Say(orga, "retirer temps fort"))
	bottest.Contains(t, "list", list.Text, "1. séance 3, publié le 26 novembre 2026 : Un point à garder.",
		"2. séance 2, publié le 26 novembre 2026 : Un point publié par erreur.")
	if len(list.Choices) != 2 {
		t.Fatalf("choices %+v", list.Choices)
	}
	bottest.Contains(t, "bad number", bottest.Only(t, h.Say(orga, "retirer temps fort 9")).Text, "de 1 à 2")
	preview := bottest.Only(t, h.Pick(orga, list.Choices[1]))
	bottest.Contains(t, "preview", preview.Text, "séance 2 « Manager à distance »", "- Un point publié par erreur.")
	if len(preview.Choices) != 1 || preview.Choices[0].Style != "danger" {
		t.Fatalf("confirm choice %+v", preview.Choices)
	}
	if got := bottest.Only(t, h.Pick(alice, preview.Choices[0])).Text; got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member withdrew: %q", got)
	}
	if got := bottest.Only(t, h.Pick(orga, preview.Choices[0])).Text; got != bottest.Fr("highlights.withdraw_done") {
		t.Errorf("withdraw: %q", got)
	}
	if got := bottest.Only(t, h.Pick(orga, preview.Choices[0])).Text; got != bottest.Fr("highlights.withdraw_gone") {
		t.Errorf("withdraw twice: %q", got)
	}
	if got := bottest.Only(t, h.Say(alice, "temps forts erreur")).Text; strings.Contains(got, "par erreur") {
		t.Errorf("withdrawn highlight still found:\n%s", got)
	}
	bottest.Contains(t, "kept", bottest.Only(t, h.Say(orga, "retirer temps fort 1")).Text, "- Un point à garder.")
}

func TestReminderFollowsTheProgrammeAndUnregistering(t *testing.T) {
	moved := bottest.EventYAML
	// The reload moves the workshop to 16:00 and drops the opening's time.
	movedData := strings.Replace(strings.Replace(string(moved), `time: "14:30"`, `time: "16:00"`, 1),
		"    time: \"09:30\"\n    end_time: \"10:00\"\n", "", 1)
	next := func() (*content.Set, error) {
		return content.LoadDir(fstest.MapFS{"c.yaml": {Data: []byte(movedData)}}, bottest.TopicIDs())
	}
	h := bottest.NewHL(t, bottest.SampleEvent(t), next)
	ctx := context.Background()
	alice, bob := bottest.User("alice"), bottest.User("bob")
	h.Say(alice, "m'inscrire à 2")
	h.Say(alice, "m'inscrire à 1")
	h.Say(bob, "m'inscrire à 1")
	bottest.Contains(t, "unregister", bottest.Only(t, h.Say(bob, "me désinscrire de 1")).Text, "est annulée")
	bottest.Contains(t, "reload", bottest.Only(t, h.Say(bottest.User("admin"), "recharger contenu")).Text, "Contenu rechargé")

	paris, _ := time.LoadLocation("Europe/Paris")
	for _, at := range []time.Time{
		time.Date(2026, 12, 3, 9, 15, 0, 0, paris),  // the opening lost its time: no reminder
		time.Date(2026, 12, 3, 14, 15, 0, 0, paris), // the old time of the workshop: nothing
	} {
		h.Clock.Set(at)
		h.Bot.Tick(ctx)
		if got := h.Chat.Take(); len(got) != 0 {
			t.Errorf("at %v: %+v", at, got)
		}
	}
	h.Clock.Set(time.Date(2026, 12, 3, 15, 45, 0, 0, paris))
	h.Bot.Tick(ctx)
	got := h.Chat.Take()
	if len(got) != 1 || got[0].Conv.ID != "dm:alice" || !strings.Contains(got[0].Reply.Text, "à 16 h") {
		t.Fatalf("moved reminder: %+v", got)
	}
	f, err := h.Store.HighlightFollows(ctx, alice)
	if err != nil || len(f.Registrations) != 2 || !f.Registrations[0].Starts.Equal(time.Date(2026, 12, 3, 16, 0, 0, 0, paris)) ||
		!f.Registrations[1].Starts.IsZero() {
		t.Errorf("registrations after the reload: %+v, %v", f.Registrations, err)
	}
}

func TestDigestWaitsForWorkingHours(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	// Rebuild the bot with working hours, over the same store and clock.
	set := bottest.SampleEvent(t)
	b, err := bottest.New(bot.Settings{
		Location:     paris,
		WorkingHours: bot.WorkingHours{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * 60, End: 18 * 60, Location: paris},
		Highlights:   bot.HighlightSettings{Topics: bottest.Topics},
	}, h.Store, []bot.ChatAdapter{bottest.DmRecorder{Recorder: h.Chat}}, core.Options{Clock: h.Clock, Content: set})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	alice := bottest.User("alice")
	h.Say(alice, "suivre management")
	h.Clock.Advance(time.Hour)
	bottest.Publish(t, h, "congres-2026", "distance", "p1", "Un point du samedi.")
	saturday := time.Date(2026, 11, 28, 10, 0, 0, 0, paris)
	h.Clock.Set(saturday)
	if err := highlights.RunDigest(b, ctx, saturday); err != nil {
		t.Fatal(err)
	}
	if got := h.Chat.Take(); len(got) != 0 {
		t.Fatalf("digest sent on a Saturday: %+v", got)
	}
	h.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, paris)) // Monday morning
	b.Tick(ctx)
	bottest.Contains(t, "Monday", bottest.Only(t, h.Replies()).Text, "- Un point du samedi.")
}

// A digest held over the weekend is not sent to a member who has stopped
// following everything meanwhile; one who still follows gets theirs.
func TestHeldDigestDroppedAfterUnfollow(t *testing.T) {
	h := bottest.NewHL(t, bottest.SampleEvent(t), nil)
	ctx := context.Background()
	alice, bob := bottest.User("alice"), bottest.User("bob")
	h.Say(alice, "suivre management")
	h.Say(bob, "suivre management")
	h.Clock.Advance(time.Hour)
	bottest.Publish(t, h, "congres-2026", "distance", "p1", "Un point nouveau sur le travail à distance.")
	h.Clock.Advance(time.Hour)
	h.Chat.Take()
	paris, _ := time.LoadLocation("Europe/Paris")
	h.Bot.Settings.WorkingHours = bot.WorkingHours{Days: bottest.Weekdays, Start: 9 * 60, End: 18 * 60, Location: paris}
	h.Clock.Set(time.Date(2026, 11, 28, 10, 0, 0, 0, paris)) // Saturday: held until Monday
	if err := highlights.RunDigest(h.Bot, ctx, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := h.Chat.Take(); len(got) != 0 {
		t.Fatalf("digests sent on a Saturday: %+v", got)
	}
	if held, err := h.Store.DuePending(ctx, h.Clock.Now().AddDate(0, 0, 3), 10); err != nil || len(held) != 2 {
		t.Fatalf("held digests: %d (%v), want 2", len(held), err)
	}
	h.Say(alice, "ne plus suivre management")
	h.Chat.Take()
	h.Clock.Set(time.Date(2026, 11, 30, 9, 1, 0, 0, paris))
	h.Bot.Outbox.Flush(ctx, h.Clock.Now())
	var to []string
	for _, s := range h.Chat.Take() {
		to = append(to, s.Conv.ID)
	}
	if len(to) != 1 || to[0] != "dm:bob" {
		t.Errorf("digests sent on Monday to %v, want bob's only", to)
	}
}
