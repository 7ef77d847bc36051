package core_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/textnorm"
)

// fakeDirectory is a hand-written directory over a few collectivities.
type fakeDirectory struct{ all []bot.Collectivity }

var (
	spp       = bot.Collectivity{Kind: bot.KindCommune, Code: "91573", Name: "Saint-Pierre-du-Perray", Population: 11993, Departement: "91", Region: "11"}
	sdenis93  = bot.Collectivity{Kind: bot.KindCommune, Code: "93066", Name: "Saint-Denis", Population: 149077, Departement: "93", Region: "11"}
	sdenis974 = bot.Collectivity{Kind: bot.KindCommune, Code: "97411", Name: "Saint-Denis", Population: 155634, Departement: "974", Region: "04"}
	essonne   = bot.Collectivity{Kind: bot.KindDepartement, Code: "91", Name: "Essonne", Population: 1338485, Departement: "91", Region: "11"}
	seineSD   = bot.Collectivity{Kind: bot.KindDepartement, Code: "93", Name: "Seine-Saint-Denis", Population: 1655422, Departement: "93", Region: "11"}
	reunion   = bot.Collectivity{Kind: bot.KindDepartement, Code: "974", Name: "La Réunion", Population: 885700, Departement: "974", Region: "04"}
	idf       = bot.Collectivity{Kind: bot.KindRegion, Code: "11", Name: "Île-de-France", Population: 12463067, Region: "11"}
	reunionR  = bot.Collectivity{Kind: bot.KindRegion, Code: "04", Name: "La Réunion", Population: 885700, Region: "04"}
)

func newFakeDirectory() *fakeDirectory {
	return &fakeDirectory{all: []bot.Collectivity{sdenis974, sdenis93, spp, essonne, seineSD, reunion, idf, reunionR}}
}

func key(s string) string {
	s = strings.ReplaceAll(textnorm.Fold(s), " ", "")
	return strings.TrimPrefix(strings.TrimPrefix(s, "de"), "la")
}

func (d *fakeDirectory) Lookup(q string) []bot.Collectivity {
	var out []bot.Collectivity
	for _, c := range d.all {
		if key(c.Name) == key(q) || c.Code == q {
			out = append(out, c)
		}
	}
	return out
}

func (d *fakeDirectory) Suggest(q string, n int) []bot.Collectivity {
	var out []bot.Collectivity
	for _, c := range d.all {
		if len(key(q)) >= 4 && strings.HasPrefix(key(c.Name), key(q)[:4]) && len(out) < n {
			out = append(out, c)
		}
	}
	return out
}

func (d *fakeDirectory) find(kind bot.CollectivityKind, code string) (bot.Collectivity, bool) {
	for _, c := range d.all {
		if c.Kind == kind && c.Code == code {
			return c, true
		}
	}
	return bot.Collectivity{}, false
}

func (d *fakeDirectory) Departement(code string) (bot.Collectivity, bool) {
	return d.find(bot.KindDepartement, code)
}
func (d *fakeDirectory) Region(code string) (bot.Collectivity, bool) {
	return d.find(bot.KindRegion, code)
}

// profileChat is a recorder that can also write first and read profiles.
type profileChat struct {
	recorder
	mu       sync.Mutex
	profiles map[string]bot.PlatformProfile
	reads    int
}

func (c *profileChat) Profile(ctx context.Context, u bot.UserRef) (bot.PlatformProfile, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.profiles[u.User], nil
}

func (c *profileChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return dm(u), nil
}

var memberRoles = []bot.Label{
	{ID: "dgs", FR: "Directeur·rice général·e des services (DGS)", EN: "Chief executive (DGS)"},
	{ID: "dga", FR: "Directeur·rice général·e adjoint·e (DGA)", EN: "Deputy chief executive (DGA)"},
	{ID: "sgm", FR: "Secrétaire général·e de mairie", EN: "Town hall secretary-general",
		Aliases: []string{"secrétaire de mairie"}},
}

var interests = []bot.Label{
	{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence", Aliases: []string{"AI"}},
	{ID: "management", FR: "Management", EN: "Management"},
	{ID: "finances", FR: "Finances locales", EN: "Local government finance"},
}

type membersHarness struct {
	*harness
	chat *profileChat
	path string
}

func newMembers(t *testing.T, mutate ...func(*bot.Settings)) *membersHarness {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	path := t.TempDir() + "/m.db"
	store, err := bolt.Open(context.Background(), path, bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newMembersOver(t, store, clock, path, mutate...)
}

func newMembersOver(t *testing.T, store bot.Store, clock *fakeClock, path string, mutate ...func(*bot.Settings)) *membersHarness {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	s := bot.Settings{
		Admins:      []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}},
		Organizers:  []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}},
		Privacy:     bot.Privacy{Controller: "SNDGCT", Contact: "dpo@example.org", RetentionMonths: 24},
		MemberRoles: memberRoles,
		Interests:   interests,
		Location:    paris,
	}
	for _, f := range mutate {
		f(&s)
	}
	chat := &profileChat{profiles: map[string]bot.PlatformProfile{}}
	b, err := bottest.New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Directory: newFakeDirectory()})
	if err != nil {
		t.Fatal(err)
	}
	return &membersHarness{harness: &harness{t: t, bot: b, chat: &chat.recorder, store: store, clock: clock},
		chat: chat, path: path}
}

// choice returns the choice of the reply whose label contains label.
func choice(t *testing.T, rep bot.Reply, label string) bot.Choice {
	t.Helper()
	for _, c := range rep.Choices {
		if strings.Contains(c.Label, label) {
			return c
		}
	}
	t.Fatalf("no choice labelled %q in %+v", label, rep.Choices)
	return bot.Choice{}
}

func last(t *testing.T, reps []bot.Reply) bot.Reply {
	t.Helper()
	if len(reps) == 0 {
		t.Fatal("no reply")
	}
	return reps[len(reps)-1]
}

func (h *membersHarness) member(u bot.UserRef) bot.Member {
	h.t.Helper()
	m, err := h.store.Member(context.Background(), u)
	if err != nil {
		h.t.Fatalf("member %s: %v", u.User, err)
	}
	return m
}

// onboard takes u from the first sentence to opted in, and returns the
// number of messages the member sent.
func (h *membersHarness) onboard(u bot.UserRef) int {
	t := h.t
	t.Helper()
	rep := last(t, h.say(u, "Je suis DGS de Saint-Pierre-du-Perray"))
	if !strings.Contains(rep.Text, "Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)") {
		t.Fatalf("confirmation lacks the population and département:\n%s", rep.Text)
	}
	if !strings.Contains(rep.Text, "DGS") {
		t.Errorf("the role from the same sentence is not acknowledged:\n%s", rep.Text)
	}
	rep = last(t, h.pick(u, choice(t, rep, fr("members.yes"))))
	if !strings.Contains(rep.Text, fr("members.interests.ask")) {
		t.Fatalf("after the confirmation, want the interests (the role is known):\n%s", rep.Text)
	}
	rep = last(t, h.say(u, "1 et finances"))
	if !strings.Contains(rep.Text, fr("members.prefs.ask")) {
		t.Fatalf("after typed interests, want the preferences:\n%s", rep.Text)
	}
	rep = last(t, h.pick(u, choice(t, rep, fr("members.prefs.ok_button"))))
	if !strings.Contains(rep.Text, "Intelligence artificielle, Finances locales") {
		t.Errorf("the recap lacks the interests:\n%s", rep.Text)
	}
	rep = last(t, h.pick(u, choice(t, rep, fr("members.optin.yes_button"))))
	if rep.Text != fr("members.optin.done") {
		t.Fatalf("last reply %q, want the end of onboarding", rep.Text)
	}
	return 5
}

func TestFirstContactWithoutHelloStillGetsTheGreeting(t *testing.T) {
	h := newMembers(t)
	reps := h.say(user("zoe"), "Je suis DGS de Saint-Pierre-du-Perray")
	if len(reps) != 2 || !strings.Contains(reps[0].Text, "SNDGCT") || !strings.Contains(reps[1].Text, "11\u202f993") {
		t.Fatalf("want the greeting then the confirmation: %+v", reps)
	}
}

func TestOnboardingFromOneSentenceToOptedIn(t *testing.T) {
	h := newMembers(t)
	u := user("claire")
	greet := h.say(u, "Bonjour")
	if len(greet) != 2 || len(strings.Split(greet[0].Text, "\n")) != 3 {
		t.Fatalf("want a three-line greeting then the first question, got %+v", greet)
	}
	for _, want := range []string{"SNDGCT", "24 mois", "dpo@example.org", "mes données"} {
		if !strings.Contains(greet[0].Text, want) {
			t.Errorf("greeting lacks %q:\n%s", want, greet[0].Text)
		}
	}
	if _, err := h.store.Member(context.Background(), u); err == nil {
		t.Error("a member is stored before finishing the onboarding")
	}
	if n := h.onboard(u); n > 6 {
		t.Errorf("%d exchanges from the first sentence to opted in, want at most 6", n)
	}
	m := h.member(u)
	if m.Collectivity == nil || *m.Collectivity != spp {
		t.Errorf("collectivity = %+v, want %+v", m.Collectivity, spp)
	}
	if m.Role != "dgs" || strings.Join(m.Interests, ",") != "ia,finances" {
		t.Errorf("role %q interests %v", m.Role, m.Interests)
	}
	if m.Prefs.Cadence != "monthly" || !m.Prefs.SimilarSizeOnly || m.Prefs.Region != "any" || m.Language != bot.French {
		t.Errorf("prefs %+v lang %q", m.Prefs, m.Language)
	}
	if m.OptedIn.IsZero() || m.Onboarded.IsZero() || !m.Matchable(h.clock.Now()) {
		t.Errorf("not opted in: %+v", m)
	}
	if _, err := h.store.Dialogue(context.Background(), u); err == nil {
		t.Error("the dialogue outlives the onboarding")
	}
	// Profile, with names of département and région.
	prof := only(t, h.say(u, "profil")).Text
	for _, want := range []string{"Essonne (91)", "Île-de-France", "11\u202f993 habitants", "Finances locales",
		"une fois par mois", "actives depuis le 26 novembre 2026"} {
		if !strings.Contains(prof, want) {
			t.Errorf("profile lacks %q:\n%s", want, prof)
		}
	}
}

func TestOnboardingHomonymsOfferAllCandidates(t *testing.T) {
	h := newMembers(t)
	u := user("denis")
	rep := last(t, h.say(u, "je suis DGA de Saint-Denis"))
	if !strings.Contains(rep.Text, fr("members.coll.homonyms", "count", "2")) {
		t.Fatalf("want the homonyms question:\n%s", rep.Text)
	}
	c := choice(t, rep, "Seine-Saint-Denis")
	choice(t, rep, "La Réunion")
	rep = last(t, h.pick(u, c))
	if !strings.Contains(rep.Text, fr("members.interests.ask")) {
		t.Fatalf("after picking, want the interests:\n%s", rep.Text)
	}
	rep = last(t, h.pick(u, choice(t, rep, "Management")))
	if !strings.Contains(rep.Text, "✓ Management") && !strings.Contains(choice(t, rep, "Management").Label, "✓") {
		t.Errorf("a picked interest is not marked:\n%+v", rep.Choices)
	}
	rep = last(t, h.pick(u, choice(t, rep, fr("members.interests.done_button"))))
	// Change the preferences one by one, answering by number or label.
	rep = last(t, h.pick(u, choice(t, rep, fr("members.prefs.change_button"))))
	if !strings.Contains(rep.Text, fr("members.prefs.ask_cadence")) {
		t.Fatalf("want the cadence:\n%s", rep.Text)
	}
	rep = last(t, h.say(u, "1"))
	rep = last(t, h.say(u, "de toutes tailles"))
	rep = last(t, h.pick(u, choice(t, rep, fr("members.prefs.region.same"))))
	rep = last(t, h.pick(u, choice(t, rep, "English")))
	if !strings.Contains(rep.Text, "Do you agree") {
		t.Fatalf("after choosing English, want the opt-in in English:\n%s", rep.Text)
	}
	rep = last(t, h.pick(u, choice(t, rep, en("members.optin.no_button"))))
	if rep.Text != en("members.optin.declined") {
		t.Errorf("got %q", rep.Text)
	}
	m := h.member(u)
	if m.Collectivity.Code != "93066" || m.Role != "dga" || m.Prefs.Cadence != "biweekly" || m.Prefs.SimilarSizeOnly ||
		m.Prefs.Region != "same" || m.Language != bot.English || !m.OptedIn.IsZero() || m.Onboarded.IsZero() {
		t.Errorf("member %+v", m)
	}
	if m.Matchable(h.clock.Now()) {
		t.Error("a member who declined is matchable")
	}
}

func TestOnboardingResumesAfterARestartAndCancels(t *testing.T) {
	h := newMembers(t)
	u := user("rose")
	h.say(u, "bonjour")
	h.say(u, "Saint-Pierre-du-Perray") // no role in the sentence
	// A new core over the same store: the dialogue survives.
	h2 := newMembersOver(t, h.store, h.clock, h.path)
	reps := h2.say(u, "bonjour")
	rep := last(t, reps)
	if !strings.HasPrefix(rep.Text, fr("members.resume")) || !strings.Contains(rep.Text, "Saint-Pierre-du-Perray") {
		t.Fatalf("want the confirmation asked again:\n%s", rep.Text)
	}
	rep = last(t, h2.say(u, "oui"))
	if !strings.Contains(rep.Text, fr("members.role.ask")) {
		t.Fatalf("the role was not in the sentence: want it asked:\n%s", rep.Text)
	}
	rep = last(t, h2.say(u, "secrétaire de mairie"))
	if !strings.Contains(rep.Text, fr("members.interests.ask")) {
		t.Fatalf("an alias of a role was not recognised:\n%s", rep.Text)
	}
	// A command in the middle runs, and the dialogue waits.
	if got := only(t, h2.say(u, "aide")).Text; !strings.HasPrefix(got, fr("help.header")) {
		t.Errorf("help during onboarding: %q", got)
	}
	rep = last(t, h2.say(u, "jardinage"))
	if !strings.Contains(rep.Text, fr("members.interests.unknown", "input", "jardinage")) {
		t.Errorf("unknown interest: %q", rep.Text)
	}
	if got := only(t, h2.say(u, "annuler")).Text; got != fr("cancel.done") {
		t.Errorf("annuler: %q", got)
	}
	if _, err := h2.store.Member(context.Background(), u); err == nil {
		t.Error("a cancelled onboarding left a member")
	}
	if got := only(t, h2.pick(u, bot.Choice{Action: "onb.interest", Value: "ia"})).Text; got != fr("members.expired") {
		t.Errorf("a button after annuler: %q", got)
	}
}

func TestOnboardingOtherEmployerAndUnknownNames(t *testing.T) {
	h := newMembers(t)
	u := user("cdg")
	rep := last(t, h.say(u, "je suis DGS de Saint-Pierre-du-Peray"))
	if !strings.Contains(rep.Text, fr("members.coll.unknown", "input", "DGS de Saint-Pierre-du-Peray")) ||
		!strings.Contains(rep.Text, fr("members.coll.suggest")) {
		t.Fatalf("a near miss: want suggestions:\n%s", rep.Text)
	}
	choice(t, rep, "Saint-Pierre-du-Perray")
	rep = last(t, h.pick(u, choice(t, rep, fr("members.coll.other_button"))))
	rep = last(t, h.pick(u, choice(t, rep, fr("members.other.type.cdg"))))
	if !strings.Contains(rep.Text, fr("members.other.dep_ask")) {
		t.Fatalf("want the département:\n%s", rep.Text)
	}
	rep = last(t, h.say(u, "Atlantide"))
	if rep.Text != fr("members.other.dep_unknown", "input", "Atlantide") {
		t.Errorf("unknown département: %q", rep.Text)
	}
	rep = last(t, h.say(u, "91"))
	rep = last(t, h.say(u, "environ 30 000"))
	if !strings.Contains(rep.Text, fr("members.interests.ask")) {
		t.Fatalf("want the interests:\n%s", rep.Text)
	}
	h.say(u, "2")
	rep = last(t, h.say(u, "terminé"))
	rep = last(t, h.say(u, "oui"))
	if !strings.Contains(rep.Text, "Centre de gestion (Essonne (91), Île-de-France, environ 30\u202f000 habitants)") {
		t.Errorf("recap of a declared employer:\n%s", rep.Text)
	}
	h.say(u, "j'accepte")
	m := h.member(u)
	want := bot.Collectivity{Kind: bot.KindOther, Code: "cdg", Population: 30000, Departement: "91", Region: "11"}
	if m.Collectivity == nil || *m.Collectivity != want || m.OptedIn.IsZero() {
		t.Errorf("member %+v, collectivity %+v", m, m.Collectivity)
	}
}

func TestProfileChangesPauseResumeLeave(t *testing.T) {
	h := newMembers(t)
	u := user("claire")
	h.onboard(u)
	// Change one field.
	rep := last(t, h.say(u, "modifier centres d'intérêt"))
	if !strings.Contains(choice(t, rep, "Finances").Label, "✓") {
		t.Errorf("the current interests are not marked: %+v", rep.Choices)
	}
	reps := h.say(u, "management")
	if !strings.Contains(reps[0].Text, fr("members.edit.done")) || !strings.Contains(last(t, reps).Text, "- Centres d'intérêt : Management") {
		t.Errorf("after the change: %+v", reps)
	}
	if got := h.member(u).Interests; strings.Join(got, ",") != "management" {
		t.Errorf("interests %v, want [management]", got)
	}
	rep = last(t, h.say(u, "modifier collectivité"))
	rep = last(t, h.say(u, "Saint-Denis"))
	last(t, h.pick(u, choice(t, rep, "La Réunion")))
	if c := h.member(u).Collectivity; c.Code != "97411" || h.member(u).Role != "dgs" {
		t.Errorf("collectivity after change %+v", c)
	}
	// An onboarded member who says who they are now changes both.
	rep = last(t, h.say(u, "je suis DGA de Saint-Pierre-du-Perray"))
	last(t, h.pick(u, choice(t, rep, fr("members.yes"))))
	if m := h.member(u); m.Collectivity.Code != "91573" || m.Role != "dga" {
		t.Errorf("after 'je suis DGA de …': %+v %+v", m.Collectivity, m.Role)
	}
	if got := only(t, h.say(u, "modifier la météo")).Text; got != fr("members.edit.unknown", "input", "la météo") {
		t.Errorf("unknown field: %q", got)
	}
	// Pause until a date: the 15th of January is the last paused day.
	paris, _ := time.LoadLocation("Europe/Paris")
	got := only(t, h.say(u, "pause jusqu'au 15 janvier")).Text
	if want := fr("members.pause.done", "date", "15 janvier 2027"); got != want {
		t.Errorf("pause: %q, want %q", got, want)
	}
	if until := h.member(u).PausedUntil; !until.Equal(time.Date(2027, 1, 16, 0, 0, 0, 0, paris)) {
		t.Errorf("paused until %v", until)
	}
	if h.member(u).Matchable(h.clock.Now()) {
		t.Error("a paused member is matchable")
	}
	if !strings.Contains(only(t, h.say(u, "profil")).Text, "suspendues jusqu'au 15 janvier 2027 inclus") {
		t.Error("the profile does not show the pause")
	}
	got = only(t, h.say(u, "pause 3 semaines")).Text
	if want := fr("members.pause.done", "date", "16 décembre 2026"); got != want {
		t.Errorf("pause 3 semaines: %q, want %q", got, want)
	}
	if got := only(t, h.say(u, "pause jusqu'à la saint-glinglin")).Text; !strings.Contains(got, "Je n'ai pas compris la durée") {
		t.Errorf("unreadable pause: %q", got)
	}
	if got := only(t, h.say(u, "reprendre")).Text; got != fr("members.resume_done") {
		t.Errorf("reprendre: %q", got)
	}
	if !h.member(u).Matchable(h.clock.Now()) {
		t.Error("not matchable after reprendre")
	}
	if got := only(t, h.say(u, "reprendre")).Text; got != fr("members.resume_not_paused") {
		t.Errorf("reprendre twice: %q", got)
	}
	// Leave and come back.
	if got := only(t, h.say(u, "ne plus participer")).Text; got != fr("members.leave.done") {
		t.Errorf("leave: %q", got)
	}
	if h.member(u).Matchable(h.clock.Now()) || !h.member(u).OptedIn.IsZero() {
		t.Error("matchable after leaving")
	}
	if got := only(t, h.say(u, "pause 2 semaines")).Text; got != fr("members.leave.already") {
		t.Errorf("pause after leaving: %q", got)
	}
	if got := only(t, h.say(u, "participer")).Text; got != fr("members.join.done") {
		t.Errorf("join: %q", got)
	}
	// In English.
	h.say(u, "language english")
	got = only(t, h.say(u, "pause until January 15")).Text
	if want := en("members.pause.done", "date", "January 15, 2027"); got != want && !strings.Contains(got, "2027") {
		t.Errorf("pause in English: %q", got)
	}
	if got := only(t, h.say(u, "resume")).Text; got != en("members.resume_done") {
		t.Errorf("resume: %q", got)
	}
	if got := only(t, h.say(u, "stop matching")).Text; got != en("members.leave.done") {
		t.Errorf("stop matching: %q", got)
	}
	if got := only(t, h.say(u, "join")).Text; got != en("members.join.done") {
		t.Errorf("join: %q", got)
	}
	if got := only(t, h.say(u, "pause 3 weeks")).Text; !strings.Contains(got, "December") {
		t.Errorf("pause 3 weeks: %q", got)
	}
}

func TestProfileCommandsNeedAnOnboardedMember(t *testing.T) {
	h := newMembers(t)
	u := user("new")
	for _, cmd := range []string{"pause 2 semaines", "reprendre", "modifier fonction"} {
		if got := only(t, h.say(u, cmd)).Text; got != fr("members.not_registered") {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	if got := only(t, h.say(u, "ne plus participer")).Text; got != fr("members.leave.already") {
		t.Errorf("leave: %q", got)
	}
}

func TestRolesByPlatformEmail(t *testing.T) {
	h := newMembers(t, func(s *bot.Settings) {
		s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, Email: "DSI@exemple.fr"}}
	})
	h.chat.profiles["boss"] = bot.PlatformProfile{Email: "dsi@exemple.fr"}
	h.chat.profiles["other"] = bot.PlatformProfile{Email: "autre@exemple.fr"}
	if got := only(t, h.say(user("boss"), "statut")).Text; !strings.Contains(got, "État de Maillage") {
		t.Errorf("admin by e-mail refused: %q", got)
	}
	if got := only(t, h.say(user("other"), "statut")).Text; got != fr("error.forbidden.admin") {
		t.Errorf("another address was let in: %q", got)
	}
	if got := only(t, h.say(user("other"), "importer x.csv")).Text; got != fr("error.forbidden.organizer") {
		t.Errorf("a member may import: %q", got)
	}
	before := h.chat.reads
	h.say(user("boss"), "statut")
	h.say(user("boss"), "statut")
	if h.chat.reads != before {
		t.Errorf("the platform profile was read %d more times: want it cached", h.chat.reads-before)
	}
	h.clock.Advance(2 * time.Hour)
	h.say(user("boss"), "statut")
	if h.chat.reads != before+1 {
		t.Errorf("the cached address was not refreshed after an hour")
	}
}

func TestMyDataAndErase(t *testing.T) {
	h := newMembers(t)
	u := user("claire")
	h.chat.profiles["claire"] = bot.PlatformProfile{DisplayName: "Claire \u202eDupont\u202c", TimeZone: "Europe/Paris"}
	h.onboard(u)
	reps := h.say(u, "mes données")
	if len(reps) != 2 || reps[0].Text != fr("members.data.intro") {
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
	rep := only(t, h.say(u, "supprimer mes données"))
	rep = only(t, h.pick(u, choice(t, rep, fr("members.erase.no_button"))))
	if rep.Text != fr("members.erase.kept") {
		t.Errorf("no: %q", rep.Text)
	}
	h.member(u)
	h.say(u, "delete my data")
	if got := only(t, h.say(u, "oui")).Text; got != fr("members.erase.done") {
		t.Errorf("yes: %q", got)
	}
	if _, err := h.store.Member(context.Background(), u); err == nil {
		t.Error("the member is still stored")
	}
	if n, _ := h.store.CountMembers(context.Background()); n != 0 {
		t.Errorf("%d members left", n)
	}
}

func TestPurgeRetention(t *testing.T) {
	h := newMembers(t)
	ctx := context.Background()
	now := h.clock.Now()
	old := now.AddDate(-2, -1, 0)
	for _, m := range []bot.Member{
		{Ref: user("stale"), Created: old, Updated: old},                                // never opted in: purged
		{Ref: user("left"), Created: old, Updated: old, Onboarded: old},                 // left matching: purged
		{Ref: user("active"), Created: old, Updated: old, Onboarded: old, OptedIn: old}, // takes part: kept
		{Ref: user("recent"), Created: now, Updated: now},                               // recent: kept
	} {
		if err := h.store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	n, err := h.bot.PurgeRetention(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("PurgeRetention = %d, %v; want 2", n, err)
	}
	for who, want := range map[string]bool{"stale": false, "left": false, "active": true, "recent": true} {
		_, err := h.store.Member(ctx, user(who))
		if (err == nil) != want {
			t.Errorf("%s: kept=%v, want %v", who, err == nil, want)
		}
	}
	if n, err := h.bot.PurgeRetention(ctx, now); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0", n, err)
	}
	// The scheduler's purge job enforces it, as of its slot.
	if err := h.store.SaveMember(ctx, bot.Member{Ref: user("stale2"), Created: old, Updated: old}); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.JobPurge(ctx, bot.JobRun{Name: "purge", Slot: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Member(ctx, user("stale2")); err == nil {
		t.Error("the purge job kept a member beyond the retention period")
	}
}

func TestImportedMembersAreInvitedNotMatched(t *testing.T) {
	h := newMembers(t, func(s *bot.Settings) {
		s.ImportWorkspaces = map[bot.Platform]string{bot.PlatformTerminal: "local"}
	})
	ctx := context.Background()
	csv := "plateforme;utilisateur;courriel;nom;collectivité;fonction;centres d'intérêt\n" +
		"terminal;alice;;Alice \u200bMartin;91573;dgs;ia,management\n" +
		"terminal;;bob@exemple.fr;Bob;Saint-Denis;dgs;\n" +
		"terminal;carol;;Carol;97411;sgm;Finances locales\n"
	im := core.Importer{Store: h.store, Directory: newFakeDirectory(), MemberRoles: memberRoles, Interests: interests,
		Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: h.clock}
	rep, err := im.Import(ctx, strings.NewReader(csv), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 ||
		rep.Rejected[0].Key != "members.import.reason.collectivity_ambiguous" {
		t.Fatalf("report %+v", rep)
	}
	alice := h.member(user("alice"))
	if alice.Name != "Alice Martin" || strings.Join(alice.Interests, ",") != "ia,management" || alice.Imported.IsZero() ||
		alice.Matchable(h.clock.Now()) {
		t.Errorf("imported %+v", alice)
	}
	again, err := im.Import(ctx, strings.NewReader(csv), false)
	if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
		t.Errorf("second import %+v, %v: want everything unchanged", again, err)
	}
	n, err := h.bot.InviteImported(ctx)
	if err != nil || n != 2 {
		t.Fatalf("InviteImported = %d, %v", n, err)
	}
	invites := h.chat.take()
	if len(invites) != 2 || !strings.Contains(invites[0].reply.Text, "Alice Martin") || invites[0].conv != dm(user("alice")) {
		t.Errorf("invitations %+v", invites)
	}
	if n, _ := h.bot.InviteImported(ctx); n != 0 {
		t.Errorf("invited twice: %d", n)
	}
	// The invited member confirms what the organizer imported.
	rep2 := last(t, h.say(user("alice"), "bonjour"))
	if !strings.Contains(rep2.Text, "Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)") {
		t.Errorf("the imported collectivity is not offered for confirmation:\n%s", rep2.Text)
	}
}

func TestFirstSentenceWithGreetingAndChannels(t *testing.T) {
	h := newMembers(t)
	u := user("eve")
	reps := h.say(u, "Bonjour, je suis DGS de Saint-Pierre-du-Perray")
	if len(reps) != 2 || !strings.HasPrefix(reps[0].Text, "Bonjour ! Je suis Maillage") ||
		!strings.Contains(reps[1].Text, "Votre collectivité est-elle bien Saint-Pierre-du-Perray") {
		t.Fatalf("greeting and confirmation in one go: %+v", reps)
	}
	// In a channel, personal data stay private and the dialogue waits.
	channel := bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "general", Kind: bot.Channel}
	for _, text := range []string{"mes données", "supprimer mes données", "pause 2 semaines", "je suis DGA de Saint-Denis"} {
		h.bot.Handle(context.Background(), bot.Message{From: u, Conversation: channel, Text: text, Mention: true})
		if got := only(t, h.replies()).Text; got != fr("members.direct_only") {
			t.Errorf("%q in a channel: %q", text, got)
		}
	}
	h.bot.Handle(context.Background(), bot.Message{From: u, Conversation: channel, Text: "oui", Mention: true})
	if got := only(t, h.replies()).Text; strings.Contains(got, fr("members.interests.ask")) {
		t.Errorf("an answer in a channel moved the onboarding on: %q", got)
	}
	if rep := last(t, h.say(u, "oui")); !strings.Contains(rep.Text, fr("members.interests.ask")) {
		t.Errorf("the onboarding did not wait in the direct conversation: %q", rep.Text)
	}
}

func TestMemberImportedByEmailIsRecognisedWhenTheyWrite(t *testing.T) {
	h := newMembers(t)
	ctx := context.Background()
	im := core.Importer{Store: h.store, Directory: newFakeDirectory(), MemberRoles: memberRoles, Interests: interests,
		Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: h.clock}
	rep, err := im.Import(ctx, strings.NewReader("platform,email,name,collectivity,role\nterminal,Jeanne@Exemple.fr,Jeanne,91573,dgs\n"), false)
	if err != nil || rep.Created != 1 {
		t.Fatalf("import %+v, %v", rep, err)
	}
	if n, _ := h.bot.InviteImported(ctx); n != 0 {
		t.Errorf("a member known by e-mail alone was invited (%d): the bot cannot reach them", n)
	}
	h.chat.profiles["U-jeanne"] = bot.PlatformProfile{Email: "jeanne@exemple.fr"}
	u := user("U-jeanne")
	rep2 := last(t, h.say(u, "bonjour"))
	if !strings.Contains(rep2.Text, "Saint-Pierre-du-Perray (commune") {
		t.Errorf("the imported answers are not offered:\n%s", rep2.Text)
	}
	if m := h.member(u); m.Name != "Jeanne" || m.Email != "jeanne@exemple.fr" {
		t.Errorf("adopted member %+v", m)
	}
	if n, _ := h.store.CountMembers(ctx); n != 1 {
		t.Errorf("%d members: the e-mail placeholder was not removed", n)
	}
}

func TestMatchableMembers(t *testing.T) {
	h := newMembers(t)
	h.onboard(user("claire"))
	h.onboard(user("paul"))
	h.say(user("paul"), "pause 2 semaines")
	h.say(user("newcomer"), "bonjour")
	got, err := h.bot.MatchableMembers(context.Background(), h.clock.Now())
	if err != nil || len(got) != 1 || got[0].Ref != user("claire") || got[0].Collectivity.Population != 11993 ||
		got[0].Role != "dgs" || len(got[0].Interests) != 2 || !got[0].Prefs.SimilarSizeOnly {
		t.Fatalf("MatchableMembers = %+v, %v", got, err)
	}
	stats := only(t, h.say(user("orga"), "membres")).Text
	if want := fr("members.stats", "onboarded", "2", "matchable", "1", "paused", "1", "invited", "0"); !strings.Contains(stats, want) {
		t.Errorf("organizer's count lacks %q:\n%s", want, stats)
	}
	h.clock.Advance(15 * 24 * time.Hour)
	if got, _ := h.bot.MatchableMembers(context.Background(), h.clock.Now()); len(got) != 2 {
		t.Errorf("after the pause: %d matchable, want 2", len(got))
	}
}

func TestLanguageChangeDuringOnboardingKeepsTheAnswers(t *testing.T) {
	h := newMembers(t)
	u := user("lea")
	h.say(u, "je suis DGS de Saint-Pierre-du-Perray")
	reps := h.say(u, "langue anglais")
	if len(reps) != 2 || reps[0].Text != en("lang.set", "language", "English") ||
		!strings.Contains(reps[1].Text, "Is your local authority Saint-Pierre-du-Perray") {
		t.Fatalf("after 'langue anglais': %+v", reps)
	}
	rep := reps[1]
	rep = last(t, h.say(u, "language"))
	rep = last(t, h.pick(u, choice(t, rep, "Français")))
	if !strings.Contains(rep.Text, "Votre collectivité est-elle bien Saint-Pierre-du-Perray") {
		t.Fatalf("after choosing French by button: %q", rep.Text)
	}
	rep = last(t, h.say(u, "participer"))
	if !strings.HasPrefix(rep.Text, fr("members.resume")) {
		t.Errorf("participer during onboarding: %q", rep.Text)
	}
	h.say(u, "oui")
	h.say(u, "1") // a single number toggles an interest, as its button
	rep = last(t, h.say(u, "Terminé"))
	if !strings.Contains(rep.Text, fr("members.prefs.ask")) {
		t.Fatalf("after Terminé: %q", rep.Text)
	}
	rep = last(t, h.say(u, "1")) // the preferences, with the language chosen above
	if !strings.Contains(rep.Text, "Langue de nos échanges : français") {
		t.Errorf("recap: %q", rep.Text)
	}
	if got := last(t, h.say(u, "1")).Text; got != fr("members.optin.done") {
		t.Errorf("opt-in by number: %q", got)
	}
	if m := h.member(u); m.Language != bot.French || m.Collectivity == nil || strings.Join(m.Interests, ",") != "ia" {
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
	chat := &profileChat{profiles: map[string]bot.PlatformProfile{}}
	b, err := bottest.New(bot.Settings{MemberRoles: memberRoles, Interests: interests,
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "fuzz"}}},
		store, []bot.ChatAdapter{chat},
		core.Options{Logger: slog.New(panicCounter{n: &panics}), Clock: clock, Directory: newFakeDirectory()})
	if err != nil {
		f.Fatal(err)
	}
	u := user("fuzz")
	f.Fuzz(func(t *testing.T, text, action, value string) {
		b.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Text: text})
		b.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u),
			Choice: &bot.ChoiceEvent{Action: action, Value: value}})
		if n := panics.Load(); n > 0 {
			t.Fatalf("the core panicked on %q then %s=%q", text, action, value)
		}
		if got := chat.take(); len(got) > 5 {
			t.Errorf("%d replies to %q then %s=%q", len(got), text, action, value)
		}
	})
}
