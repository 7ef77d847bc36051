package members_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestFirstContactWithoutHelloStillGetsTheGreeting(t *testing.T) {
	h := bottest.NewMembers(t)
	reps := h.Say(bottest.User("zoe"), "Je suis DGS de Saint-Pierre-du-Perray")
	if len(reps) != 2 || !strings.Contains(reps[0].Text, "SNDGCT") || !strings.Contains(reps[1].Text, "11\u202f993") {
		t.Fatalf("want the greeting then the confirmation: %+v", reps)
	}
}

func TestOnboardingFromOneSentenceToOptedIn(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("claire")
	greet := h.Say(u, "Bonjour")
	if len(greet) != 2 || len(strings.Split(greet[0].Text, "\n")) != 3 {
		t.Fatalf("want a three-line greeting then the first question, got %+v", greet)
	}
	for _, want := range []string{"SNDGCT", "24 mois", "dpo@example.org", "mes données"} {
		if !strings.Contains(greet[0].Text, want) {
			t.Errorf("greeting lacks %q:\n%s", want, greet[0].Text)
		}
	}
	if _, err := h.Store.Member(context.Background(), u); err == nil {
		t.Error("a member is stored before finishing the onboarding")
	}
	if n := h.Onboard(u); n > 6 {
		t.Errorf("%d exchanges from the first sentence to opted in, want at most 6", n)
	}
	m := h.Member(u)
	if m.Collectivity == nil || *m.Collectivity != bottest.Spp {
		t.Errorf("collectivity = %+v, want %+v", m.Collectivity, bottest.Spp)
	}
	if m.Role != "dgs" || strings.Join(m.Interests, ",") != "ia,finances" {
		t.Errorf("role %q interests %v", m.Role, m.Interests)
	}
	if m.Prefs.Cadence != "monthly" || !m.Prefs.SimilarSizeOnly || m.Prefs.Region != "any" || m.Language != bot.French {
		t.Errorf("prefs %+v lang %q", m.Prefs, m.Language)
	}
	if m.OptedIn.IsZero() || m.Onboarded.IsZero() || !m.Matchable(h.Clock.Now()) {
		t.Errorf("not opted in: %+v", m)
	}
	if _, err := h.Store.Dialogue(context.Background(), u); err == nil {
		t.Error("the dialogue outlives the onboarding")
	}
	// Profile, with names of département and région.
	prof := bottest.Only(t, h.Say(u, "profil")).Text
	for _, want := range []string{"Essonne (91)", "Île-de-France", "11\u202f993 habitants", "Finances locales",
		"une fois par mois", "actives depuis le 26 novembre 2026"} {
		if !strings.Contains(prof, want) {
			t.Errorf("profile lacks %q:\n%s", want, prof)
		}
	}
}

func TestOnboardingHomonymsOfferAllCandidates(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("denis")
	rep := bottest.Last(t, h.Say(u, "je suis DGA de Saint-Denis"))
	if !strings.Contains(rep.Text, bottest.Fr("members.coll.homonyms", "count", "2")) {
		t.Fatalf("want the homonyms question:\n%s", rep.Text)
	}
	c := bottest.Choice(t, rep, "Seine-Saint-Denis")
	bottest.Choice(t, rep, "La Réunion")
	rep = bottest.Last(t, h.Pick(u, c))
	if !strings.Contains(rep.Text, bottest.Fr("members.interests.ask")) {
		t.Fatalf("after picking, want the interests:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, "Management")))
	if !strings.Contains(rep.Text, "✓ Management") && !strings.Contains(bottest.Choice(t, rep, "Management").Label, "✓") {
		t.Errorf("a picked interest is not marked:\n%+v", rep.Choices)
	}
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.interests.done_button"))))
	// Change the preferences one by one, answering by number or label.
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.prefs.change_button"))))
	if !strings.Contains(rep.Text, bottest.Fr("members.prefs.ask_cadence")) {
		t.Fatalf("want the cadence:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "1"))
	rep = bottest.Last(t, h.Say(u, "de toutes tailles"))
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.prefs.region.same"))))
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, "English")))
	if !strings.Contains(rep.Text, "Do you agree") {
		t.Fatalf("after choosing English, want the opt-in in English:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.En("members.optin.no_button"))))
	if rep.Text != bottest.En("members.optin.declined") {
		t.Errorf("got %q", rep.Text)
	}
	m := h.Member(u)
	if m.Collectivity.Code != "93066" || m.Role != "dga" || m.Prefs.Cadence != "biweekly" || m.Prefs.SimilarSizeOnly ||
		m.Prefs.Region != "same" || m.Language != bot.English || !m.OptedIn.IsZero() || m.Onboarded.IsZero() {
		t.Errorf("member %+v", m)
	}
	if m.Matchable(h.Clock.Now()) {
		t.Error("a member who declined is matchable")
	}
}

func TestOnboardingResumesAfterARestartAndCancels(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("rose")
	h.Say(u, "bonjour")
	h.Say(u, "Saint-Pierre-du-Perray") // no role in the sentence
	// A new core over the same store: the dialogue survives.
	h2 := bottest.NewMembersOver(t, h.Store, h.Clock, h.Path)
	reps := h2.Say(u, "bonjour")
	rep := bottest.Last(t, reps)
	if !strings.HasPrefix(rep.Text, bottest.Fr("members.resume")) || !strings.Contains(rep.Text, "Saint-Pierre-du-Perray") {
		t.Fatalf("want the confirmation asked again:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h2.Say(u, "oui"))
	if !strings.Contains(rep.Text, bottest.Fr("members.role.ask")) {
		t.Fatalf("the role was not in the sentence: want it asked:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h2.Say(u, "secrétaire de mairie"))
	if !strings.Contains(rep.Text, bottest.Fr("members.interests.ask")) {
		t.Fatalf("an alias of a role was not recognised:\n%s", rep.Text)
	}
	// A command in the middle runs, and the dialogue waits.
	if got := bottest.Only(t, h2.Say(u, "aide")).Text; !strings.HasPrefix(got, bottest.Fr("help.header")) {
		t.Errorf("help during onboarding: %q", got)
	}
	rep = bottest.Last(t, h2.Say(u, "jardinage"))
	if !strings.Contains(rep.Text, bottest.Fr("members.interests.unknown", "input", "jardinage")) {
		t.Errorf("unknown interest: %q", rep.Text)
	}
	if got := bottest.Only(t, h2.Say(u, "annuler")).Text; got != bottest.Fr("cancel.done") {
		t.Errorf("annuler: %q", got)
	}
	if _, err := h2.Store.Member(context.Background(), u); err == nil {
		t.Error("a cancelled onboarding left a member")
	}
	if got := bottest.Only(t, h2.Pick(u, bot.Choice{Action: "onb.interest", Value: "ia"})).Text; got != bottest.Fr("members.expired") {
		t.Errorf("a button after annuler: %q", got)
	}
}

func TestOnboardingOtherEmployerAndUnknownNames(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("cdg")
	rep := bottest.Last(t, h.Say(u, "je suis DGS de Saint-Pierre-du-Peray"))
	if !strings.Contains(rep.Text, bottest.Fr("members.coll.unknown", "input", "DGS de Saint-Pierre-du-Peray")) ||
		!strings.Contains(rep.Text, bottest.Fr("members.coll.suggest")) {
		t.Fatalf("a near miss: want suggestions:\n%s", rep.Text)
	}
	bottest.Choice(t, rep, "Saint-Pierre-du-Perray")
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.coll.other_button"))))
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.other.type.cdg"))))
	if !strings.Contains(rep.Text, bottest.Fr("members.other.dep_ask")) {
		t.Fatalf("want the département:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "Atlantide"))
	if rep.Text != bottest.Fr("members.other.dep_unknown", "input", "Atlantide") {
		t.Errorf("unknown département: %q", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "91"))
	rep = bottest.Last(t, h.Say(u, "environ 30 000"))
	if !strings.Contains(rep.Text, bottest.Fr("members.interests.ask")) {
		t.Fatalf("want the interests:\n%s", rep.Text)
	}
	h.Say(u, "2")
	rep = bottest.Last(t, h.Say(u, "terminé"))
	rep = bottest.Last(t, h.Say(u, "oui"))
	if !strings.Contains(rep.Text, "Centre de gestion (Essonne (91), Île-de-France, environ 30\u202f000 habitants)") {
		t.Errorf("recap of a declared employer:\n%s", rep.Text)
	}
	h.Say(u, "j'accepte")
	m := h.Member(u)
	want := bot.Collectivity{Kind: bot.KindOther, Code: "cdg", Population: 30000, Departement: "91", Region: "11"}
	if m.Collectivity == nil || *m.Collectivity != want || m.OptedIn.IsZero() {
		t.Errorf("member %+v, collectivity %+v", m, m.Collectivity)
	}
}

func TestProfileChangesPauseResumeLeave(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("claire")
	h.Onboard(u)
	// Change one field.
	rep := bottest.Last(t, h.Say(u, "modifier centres d'intérêt"))
	if !strings.Contains(bottest.Choice(t, rep, "Finances").Label, "✓") {
		t.Errorf("the current interests are not marked: %+v", rep.Choices)
	}
	reps := h.Say(u, "management")
	if !strings.Contains(reps[0].Text, bottest.Fr("members.edit.done")) || !strings.Contains(bottest.Last(t, reps).Text, "- Centres d'intérêt : Management") {
		t.Errorf("after the change: %+v", reps)
	}
	if got := h.Member(u).Interests; strings.Join(got, ",") != "management" {
		t.Errorf("interests %v, want [management]", got)
	}
	rep = bottest.Last(t, h.Say(u, "modifier collectivité"))
	rep = bottest.Last(t, h.Say(u, "Saint-Denis"))
	bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, "La Réunion")))
	if c := h.Member(u).Collectivity; c.Code != "97411" || h.Member(u).Role != "dgs" {
		t.Errorf("collectivity after change %+v", c)
	}
	// An onboarded member who says who they are now changes both.
	rep = bottest.Last(t, h.Say(u, "je suis DGA de Saint-Pierre-du-Perray"))
	bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.yes"))))
	if m := h.Member(u); m.Collectivity.Code != "91573" || m.Role != "dga" {
		t.Errorf("after 'je suis DGA de …': %+v %+v", m.Collectivity, m.Role)
	}
	if got := bottest.Only(t, h.Say(u, "modifier la météo")).Text; got != bottest.Fr("members.edit.unknown", "input", "la météo") {
		t.Errorf("unknown field: %q", got)
	}
	// Pause until a date: the 15th of January is the last paused day.
	paris, _ := time.LoadLocation("Europe/Paris")
	got := bottest.Only(t, h.Say(u, "pause jusqu'au 15 janvier")).Text
	if want := bottest.Fr("members.pause.done", "date", "15 janvier 2027"); got != want {
		t.Errorf("pause: %q, want %q", got, want)
	}
	if until := h.Member(u).PausedUntil; !until.Equal(time.Date(2027, 1, 16, 0, 0, 0, 0, paris)) {
		t.Errorf("paused until %v", until)
	}
	if h.Member(u).Matchable(h.Clock.Now()) {
		t.Error("a paused member is matchable")
	}
	if !strings.Contains(bottest.Only(t, h.Say(u, "profil")).Text, "suspendues jusqu'au 15 janvier 2027 inclus") {
		t.Error("the profile does not show the pause")
	}
	got = bottest.Only(t, h.Say(u, "pause 3 semaines")).Text
	if want := bottest.Fr("members.pause.done", "date", "16 décembre 2026"); got != want {
		t.Errorf("pause 3 semaines: %q, want %q", got, want)
	}
	if got := bottest.Only(t, h.Say(u, "pause jusqu'à la saint-glinglin")).Text; !strings.Contains(got, "Je n'ai pas compris la durée") {
		t.Errorf("unreadable pause: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "reprendre")).Text; got != bottest.Fr("members.resume_done") {
		t.Errorf("reprendre: %q", got)
	}
	if !h.Member(u).Matchable(h.Clock.Now()) {
		t.Error("not matchable after reprendre")
	}
	if got := bottest.Only(t, h.Say(u, "reprendre")).Text; got != bottest.Fr("members.resume_not_paused") {
		t.Errorf("reprendre twice: %q", got)
	}
	// Leave and come back.
	if got := bottest.Only(t, h.Say(u, "ne plus participer")).Text; got != bottest.Fr("members.leave.done") {
		t.Errorf("leave: %q", got)
	}
	if h.Member(u).Matchable(h.Clock.Now()) || !h.Member(u).OptedIn.IsZero() {
		t.Error("matchable after leaving")
	}
	if got := bottest.Only(t, h.Say(u, "pause 2 semaines")).Text; got != bottest.Fr("members.leave.already") {
		t.Errorf("pause after leaving: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "participer")).Text; got != bottest.Fr("members.join.done") {
		t.Errorf("join: %q", got)
	}
	// In English.
	h.Say(u, "language english")
	got = bottest.Only(t, h.Say(u, "pause until January 15")).Text
	if want := bottest.En("members.pause.done", "date", "January 15, 2027"); got != want && !strings.Contains(got, "2027") {
		t.Errorf("pause in English: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "resume")).Text; got != bottest.En("members.resume_done") {
		t.Errorf("resume: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "stop matching")).Text; got != bottest.En("members.leave.done") {
		t.Errorf("stop matching: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "join")).Text; got != bottest.En("members.join.done") {
		t.Errorf("join: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "pause 3 weeks")).Text; !strings.Contains(got, "December") {
		t.Errorf("pause 3 weeks: %q", got)
	}
}

func TestProfileCommandsNeedAnOnboardedMember(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("new")
	for _, cmd := range []string{"pause 2 semaines", "reprendre", "modifier fonction"} {
		if got := bottest.Only(t, h.Say(u, cmd)).Text; got != bottest.Fr("members.not_registered") {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	if got := bottest.Only(t, h.Say(u, "ne plus participer")).Text; got != bottest.Fr("members.leave.already") {
		t.Errorf("leave: %q", got)
	}
}

func TestRolesByPlatformEmail(t *testing.T) {
	h := bottest.NewMembers(t, func(s *bot.Settings) {
		s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, Email: "DSI@exemple.fr"}}
	})
	h.Chat.Profiles["boss"] = bot.PlatformProfile{Email: "dsi@exemple.fr"}
	h.Chat.Profiles["other"] = bot.PlatformProfile{Email: "autre@exemple.fr"}
	if got := bottest.Only(t, h.Say(bottest.User("boss"), "statut")).Text; !strings.Contains(got, "État de Maillage") {
		t.Errorf("admin by e-mail refused: %q", got)
	}
	if got := bottest.Only(t, h.Say(bottest.User("other"), "statut")).Text; got != bottest.Fr("error.forbidden.admin") {
		t.Errorf("another address was let in: %q", got)
	}
	if got := bottest.Only(t, h.Say(bottest.User("other"), "importer x.csv")).Text; got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member may import: %q", got)
	}
	before := h.Chat.Reads
	h.Say(bottest.User("boss"), "statut")
	h.Say(bottest.User("boss"), "statut")
	if h.Chat.Reads != before {
		t.Errorf("the platform profile was read %d more times: want it cached", h.Chat.Reads-before)
	}
	h.Clock.Advance(2 * time.Hour)
	h.Say(bottest.User("boss"), "statut")
	if h.Chat.Reads != before+1 {
		t.Errorf("the cached address was not refreshed after an hour")
	}
}

func TestMyDataAndErase(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("claire")
	h.Chat.Profiles["claire"] = bot.PlatformProfile{DisplayName: "Claire \u202eDupont\u202c", TimeZone: "Europe/Paris"}
	h.Onboard(u)
	reps := h.Say(u, "mes données")
	if len(reps) != 2 || reps[0].Text != bottest.Fr("members.data.intro") {
		t.Fatalf("mes données: %+v", reps)
	}
	var ex struct {
		Controller string `json:"controller"`
		Data       struct {
			Profile bot.Member `json:"profile"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(reps[1].Text), &ex); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, reps[1].Text)
	}
	p := ex.Data.Profile
	if ex.Controller != "SNDGCT" || p.Ref != u || p.Name != "Claire Dupont" || p.Collectivity.Code != "91573" ||
		p.OptedIn.IsZero() || p.Role != "dgs" {
		t.Errorf("export: %+v", ex)
	}
	rep := bottest.Only(t, h.Say(u, "supprimer mes données"))
	rep = bottest.Only(t, h.Pick(u, bottest.Choice(t, rep, bottest.Fr("members.erase.no_button"))))
	if rep.Text != bottest.Fr("members.erase.kept") {
		t.Errorf("no: %q", rep.Text)
	}
	h.Member(u)
	h.Say(u, "delete my data")
	if got := bottest.Only(t, h.Say(u, "oui")).Text; got != bottest.Fr("members.erase.done") {
		t.Errorf("yes: %q", got)
	}
	if _, err := h.Store.Member(context.Background(), u); err == nil {
		t.Error("the member is still stored")
	}
	if n, _ := h.Store.CountMembers(context.Background()); n != 0 {
		t.Errorf("%d members left", n)
	}
}

func TestImportedMembersAreInvitedNotMatched(t *testing.T) {
	h := bottest.NewMembers(t, func(s *bot.Settings) {
		s.ImportWorkspaces = map[bot.Platform]string{bot.PlatformTerminal: "local"}
	})
	ctx := context.Background()
	csv := "plateforme;utilisateur;courriel;nom;collectivité;fonction;centres d'intérêt\n" +
		"terminal;alice;;Alice \u200bMartin;91573;dgs;ia,management\n" +
		"terminal;;bob@exemple.fr;Bob;Saint-Denis;dgs;\n" +
		"terminal;carol;;Carol;97411;sgm;Finances locales\n"
	im := members.Importer{Store: h.Store, Directory: bottest.NewFakeDirectory(), MemberRoles: bottest.MemberRoles, Interests: bottest.Interests,
		Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: h.Clock}
	rep, err := im.Import(ctx, strings.NewReader(csv), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 ||
		rep.Rejected[0].Key != "members.import.reason.collectivity_ambiguous" {
		t.Fatalf("report %+v", rep)
	}
	alice := h.Member(bottest.User("alice"))
	if alice.Name != "Alice Martin" || strings.Join(alice.Interests, ",") != "ia,management" || alice.Imported.IsZero() ||
		alice.Matchable(h.Clock.Now()) {
		t.Errorf("imported %+v", alice)
	}
	again, err := im.Import(ctx, strings.NewReader(csv), false)
	if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
		t.Errorf("second import %+v, %v: want everything unchanged", again, err)
	}
	n, err := bottest.Of[*members.Feature](h.Bot).InviteImported(ctx)
	if err != nil || n != 2 {
		t.Fatalf("InviteImported = %d, %v", n, err)
	}
	invites := h.Chat.Take()
	if len(invites) != 2 || !strings.Contains(invites[0].Reply.Text, "Alice Martin") || invites[0].Conv != bottest.Dm(bottest.User("alice")) {
		t.Errorf("invitations %+v", invites)
	}
	if n, _ := bottest.Of[*members.Feature](h.Bot).InviteImported(ctx); n != 0 {
		t.Errorf("invited twice: %d", n)
	}
	// The invited member confirms what the organizer imported.
	rep2 := bottest.Last(t, h.Say(bottest.User("alice"), "bonjour"))
	if !strings.Contains(rep2.Text, "Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)") {
		t.Errorf("the imported collectivity is not offered for confirmation:\n%s", rep2.Text)
	}
}

func TestFirstSentenceWithGreetingAndChannels(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("eve")
	reps := h.Say(u, "Bonjour, je suis DGS de Saint-Pierre-du-Perray")
	if len(reps) != 2 || !strings.HasPrefix(reps[0].Text, "Bonjour ! Je suis Maillage") ||
		!strings.Contains(reps[1].Text, "Votre collectivité est-elle bien Saint-Pierre-du-Perray") {
		t.Fatalf("greeting and confirmation in one go: %+v", reps)
	}
	// In a channel, personal data stay private and the dialogue waits.
	channel := bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "general", Kind: bot.Channel}
	for _, text := range []string{"mes données", "supprimer mes données", "pause 2 semaines", "je suis DGA de Saint-Denis"} {
		h.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: channel, Text: text, Mention: true})
		if got := bottest.Only(t, h.Replies()).Text; got != bottest.Fr("members.direct_only") {
			t.Errorf("%q in a channel: %q", text, got)
		}
	}
	h.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: channel, Text: "oui", Mention: true})
	if got := bottest.Only(t, h.Replies()).Text; strings.Contains(got, bottest.Fr("members.interests.ask")) {
		t.Errorf("an answer in a channel moved the onboarding on: %q", got)
	}
	if rep := bottest.Last(t, h.Say(u, "oui")); !strings.Contains(rep.Text, bottest.Fr("members.interests.ask")) {
		t.Errorf("the onboarding did not wait in the direct conversation: %q", rep.Text)
	}
}

func TestMemberImportedByEmailIsRecognisedWhenTheyWrite(t *testing.T) {
	h := bottest.NewMembers(t)
	ctx := context.Background()
	im := members.Importer{Store: h.Store, Directory: bottest.NewFakeDirectory(), MemberRoles: bottest.MemberRoles, Interests: bottest.Interests,
		Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: h.Clock}
	rep, err := im.Import(ctx, strings.NewReader("platform,email,name,collectivity,role\nterminal,Jeanne@Exemple.fr,Jeanne,91573,dgs\n"), false)
	if err != nil || rep.Created != 1 {
		t.Fatalf("import %+v, %v", rep, err)
	}
	if n, _ := bottest.Of[*members.Feature](h.Bot).InviteImported(ctx); n != 0 {
		t.Errorf("a member known by e-mail alone was invited (%d): the bot cannot reach them", n)
	}
	h.Chat.Profiles["U-jeanne"] = bot.PlatformProfile{Email: "jeanne@exemple.fr"}
	u := bottest.User("U-jeanne")
	rep2 := bottest.Last(t, h.Say(u, "bonjour"))
	if !strings.Contains(rep2.Text, "Saint-Pierre-du-Perray (commune") {
		t.Errorf("the imported answers are not offered:\n%s", rep2.Text)
	}
	if m := h.Member(u); m.Name != "Jeanne" || m.Email != "jeanne@exemple.fr" {
		t.Errorf("adopted member %+v", m)
	}
	if n, _ := h.Store.CountMembers(ctx); n != 1 {
		t.Errorf("%d members: the e-mail placeholder was not removed", n)
	}
}

func TestMatchableMembers(t *testing.T) {
	h := bottest.NewMembers(t)
	h.Onboard(bottest.User("claire"))
	h.Onboard(bottest.User("paul"))
	h.Say(bottest.User("paul"), "pause 2 semaines")
	h.Say(bottest.User("newcomer"), "bonjour")
	got, err := h.Bot.MatchableMembers(context.Background(), h.Clock.Now())
	if err != nil || len(got) != 1 || got[0].Ref != bottest.User("claire") || got[0].Collectivity.Population != 11993 ||
		got[0].Role != "dgs" || len(got[0].Interests) != 2 || !got[0].Prefs.SimilarSizeOnly {
		t.Fatalf("MatchableMembers = %+v, %v", got, err)
	}
	stats := bottest.Only(t, h.Say(bottest.User("orga"), "membres")).Text
	if want := bottest.Fr("members.stats", "onboarded", "2", "matchable", "1", "paused", "1", "invited", "0"); !strings.Contains(stats, want) {
		t.Errorf("organizer's count lacks %q:\n%s", want, stats)
	}
	h.Clock.Advance(15 * 24 * time.Hour)
	if got, _ := h.Bot.MatchableMembers(context.Background(), h.Clock.Now()); len(got) != 2 {
		t.Errorf("after the pause: %d matchable, want 2", len(got))
	}
}

func TestLanguageChangeDuringOnboardingKeepsTheAnswers(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("lea")
	h.Say(u, "je suis DGS de Saint-Pierre-du-Perray")
	reps := h.Say(u, "langue anglais")
	if len(reps) != 2 || reps[0].Text != bottest.En("lang.set", "language", "English") ||
		!strings.Contains(reps[1].Text, "Is your local authority Saint-Pierre-du-Perray") {
		t.Fatalf("after 'langue anglais': %+v", reps)
	}
	rep := reps[1]
	rep = bottest.Last(t, h.Say(u, "language"))
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, "Français")))
	if !strings.Contains(rep.Text, "Votre collectivité est-elle bien Saint-Pierre-du-Perray") {
		t.Fatalf("after choosing French by button: %q", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "participer"))
	if !strings.HasPrefix(rep.Text, bottest.Fr("members.resume")) {
		t.Errorf("participer during onboarding: %q", rep.Text)
	}
	h.Say(u, "oui")
	h.Say(u, "1") // a single number toggles an interest, as its button
	rep = bottest.Last(t, h.Say(u, "Terminé"))
	if !strings.Contains(rep.Text, bottest.Fr("members.prefs.ask")) {
		t.Fatalf("after Terminé: %q", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "1")) // the preferences, with the language chosen above
	if !strings.Contains(rep.Text, "Langue de nos échanges : français") {
		t.Errorf("recap: %q", rep.Text)
	}
	if got := bottest.Last(t, h.Say(u, "1")).Text; got != bottest.Fr("members.optin.done") {
		t.Errorf("opt-in by number: %q", got)
	}
	if m := h.Member(u); m.Language != bot.French || m.Collectivity == nil || strings.Join(m.Interests, ",") != "ia" {
		t.Errorf("member %+v", m)
	}
}

// Whatever a member types or clicks during the onboarding and the profile
// commands, the core never panics and answers a few replies at most.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{"bonjour", "je suis DGS de Saint-Pierre-du-Perray", "1", "1, 2", "oui", "non",
		"Saint-Denis", "autre", "91", "environ 30 000", "pause jusqu'au 31 février", "pause 999 mois",
		"modifier centres d'intérêt", "supprimer mes données", "mes données", "langue anglais", "13", "0", "-1",
		"99999999999999999999", "je suis", "participer", "importer /nonexistent.csv"} {
		f.Add(s, "onb.pick", "0")
	}
	f.Add("bonjour", "onb.pref", "lang:xx")
	f.Add("bonjour", "onb.other_size", "-5")
	f.Add("bonjour", "edit.field", "nothing")
	f.Add("bonjour", "erase.confirm", "yes")
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), f.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	var panics atomic.Int32
	chat := &bottest.ProfileChat{Profiles: map[string]bot.PlatformProfile{}}
	b, err := bottest.New(bot.Settings{MemberRoles: bottest.MemberRoles, Interests: bottest.Interests,
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "fuzz"}}},
		store, []bot.ChatAdapter{chat},
		core.Options{Logger: slog.New(bottest.PanicCounter{N: &panics}), Clock: clock, Directory: bottest.NewFakeDirectory()})
	if err != nil {
		f.Fatal(err)
	}
	u := bottest.User("fuzz")
	f.Fuzz(func(t *testing.T, text, action, value string) {
		b.Handle(context.Background(), bot.Message{From: u, Conversation: bottest.Dm(u), Text: text})
		b.Handle(context.Background(), bot.Message{From: u, Conversation: bottest.Dm(u),
			Choice: &bot.ChoiceEvent{Action: action, Value: value}})
		if n := panics.Load(); n > 0 {
			t.Fatalf("the core panicked on %q then %s=%q", text, action, value)
		}
		if got := chat.Take(); len(got) > 5 {
			t.Errorf("%d replies to %q then %s=%q", len(got), text, action, value)
		}
	})
}

// A first message in English switches the onboarding to English, and the
// buttons' answers (a choice event, as on Slack) stay in English although
// nothing is stored yet; the language is the member's at the end.
func TestEnglishFirstMessageKeepsTheOnboardingInEnglish(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("gwen")
	reps := h.Say(u, "Hello, I am the DGS of Saint-Pierre-du-Perray")
	if len(reps) != 2 || !strings.HasPrefix(reps[0].Text, "Hello! I am") || !strings.Contains(reps[1].Text, "Is your local authority") {
		t.Fatalf("want the English greeting and confirmation: %+v", reps)
	}
	if _, err := h.Store.Member(context.Background(), u); err == nil {
		t.Fatal("a member is stored before the end of the onboarding")
	}
	rep := bottest.Last(t, h.Pick(u, bottest.Choice(t, reps[1], bottest.En("members.yes"))))
	if !strings.HasPrefix(rep.Text, bottest.En("members.interests.ask")) {
		t.Fatalf("after the button, want the interests in English:\n%s", rep.Text)
	}
	rep = bottest.Last(t, h.Say(u, "1, 3"))
	rep = bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.En("members.prefs.ok_button"))))
	bottest.Last(t, h.Pick(u, bottest.Choice(t, rep, bottest.En("members.optin.yes_button"))))
	if m := h.Member(u); m.Language != bot.English || m.OptedIn.IsZero() {
		t.Errorf("language %q, opted in %v; want English, opted in", m.Language, m.OptedIn)
	}
}

// The zone of the platform profile is kept at the end of the onboarding
// and wins over the collectivity's; the profile shows it.
func TestPlatformZoneIsKeptAndShown(t *testing.T) {
	h := bottest.NewMembers(t)
	u := bottest.User("reunion")
	h.Chat.Mu.Lock()
	h.Chat.Profiles = map[string]bot.PlatformProfile{"reunion": {DisplayName: "Line", TimeZone: "Indian/Reunion"}}
	h.Chat.Mu.Unlock()
	h.Onboard(u)
	if m := h.Member(u); m.TimeZone != "Indian/Reunion" {
		t.Fatalf("zone %q, want the platform's", m.TimeZone)
	}
	prof := bottest.Only(t, h.Say(u, "profil")).Text
	if !strings.Contains(prof, "- Fuseau horaire : heure de La Réunion (Indian/Reunion), selon votre profil ou votre choix ; il y est ") {
		t.Errorf("profile lacks the zone:\n%s", prof)
	}
	if got := bottest.Only(t, h.Say(u, "modifier fuseau Atlantide")).Text; got != bottest.Fr("members.zone.unknown", "input", "Atlantide") {
		t.Errorf("unknown zone: %q", got)
	}
	if got := bottest.Only(t, h.Say(u, "modifier fuseau automatique")).Text; !strings.Contains(got, "heure de Paris") {
		t.Errorf("automatic zone for Saint-Pierre-du-Perray: %q", got)
	}
}
