package mattermost

import (
	"context"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// e2eMembers are the provisioned members as Maillage members: three DGS
// of Essonne who share an interest, opted in to the introductions.
func e2eMembers(acc e2eAccounts) []bot.Member {
	u, _ := url.Parse(acc.URL)
	now := time.Now()
	towns := []struct {
		name, code string
		pop        int
	}{{"Palaiseau", "91477", 36000}, {"Massy", "91377", 51000}, {"Savigny-sur-Orge", "91589", 37000}}
	names := []string{"Alice Martin", "Bruno Durand", "Chloé Petit"}
	var out []bot.Member
	for i, a := range acc.Members[:3] {
		out = append(out, bot.Member{
			Ref:  bot.UserRef{Platform: bot.PlatformMattermost, Workspace: u.Host + u.Path, User: a.ID},
			Name: names[i], Language: bot.French, Role: "dgs", Interests: []string{"finances", "ia"},
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Code: towns[i].code, Name: towns[i].name,
				Population: towns[i].pop, Departement: "91", Region: "11"},
			Onboarded: now, OptedIn: now,
		})
	}
	return out
}

// An administrator runs a round from their direct channel (« tour
// maintenant », then the confirmation button) on the real server: the
// three members are introduced in a real group channel (them and the bot),
// the introduction carries the answer buttons, and a member's click is
// recorded and acknowledged in that member's direct channel only.
func TestEndToEndRoundWithMattermost(t *testing.T) {
	acc := e2eSetup(t)
	ctx := context.Background()
	cat := catalog.Default()
	fr := func(key string, args ...string) string { return cat.T("fr", key, args...) }
	en := func(key string, args ...string) string { return cat.T("en", key, args...) }

	dataDir := t.TempDir()
	members := e2eMembers(acc)
	store, err := bolt.Open(ctx, filepath.Join(dataDir, "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	mm := startMaillage(t, acc, `chat:
  adapters: [mattermost]
roles:
  admins:
    - {platform: mattermost, user: `+acc.Admin.ID+`}
working_hours:
  days: [lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche]
  start: "00:00"
  end: "24:00"
`, dataDir)

	admin := memberClient(acc.URL, acc.Admin)
	adminDM, _, err := admin.CreateDirectChannel(ctx, acc.Admin.ID, acc.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	clients := make([]*model.Client4, 3)
	dms := make([]string, 3)
	for i := range clients {
		clients[i] = memberClient(acc.URL, acc.Members[i])
		dm, _, err := clients[i].CreateDirectChannel(ctx, acc.Members[i].ID, acc.Bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		dms[i] = dm.Id
	}

	// The preview, then the confirmation button (in English: the
	// administrator is not a member, their Mattermost locale is "en").
	since := post(t, admin, adminDM.Id, "tour maintenant").CreateAt
	preview := waitPost(t, admin, adminDM.Id, acc.Bot.ID, since, "previewing the round", func(p *model.Post) bool {
		return strings.Contains(p.Message, en("match.now.confirm"))
	})
	if !strings.Contains(preview.Message, "Members taken: 3") {
		t.Errorf("preview: %q", preview.Message)
	}
	start := preview.CreateAt
	if _, err := admin.DoPostAction(ctx, preview.Id, buttonNamed(t, preview, en("match.now.go"))); err != nil {
		t.Fatalf("clicking %q: %v", en("match.now.go"), err)
	}
	waitPost(t, admin, adminDM.Id, acc.Bot.ID, start+1, "confirming the round", func(p *model.Post) bool {
		return p.Message == en("match.now.done", "groups", "1", "satout", "0")
	})

	// The group channel: the three members and the bot, nobody else.
	var group *model.Channel
	channels, _, err := clients[0].GetChannelsForUserWithLastDeleteAt(ctx, acc.Members[0].ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{acc.Bot.ID, acc.Members[0].ID, acc.Members[1].ID, acc.Members[2].ID}
	slices.Sort(want)
	for _, c := range channels {
		if c.Type != model.ChannelTypeGroup {
			continue
		}
		cms, _, err := clients[0].GetChannelMembers(ctx, c.Id, 0, 20, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cm := range cms {
			ids = append(ids, cm.UserId)
		}
		slices.Sort(ids)
		if slices.Equal(ids, want) {
			group = c
		}
	}
	if group == nil {
		t.Fatalf("no group channel of the three members and the bot among alice's %d channels", len(channels))
	}

	// One introduction, in French, with the answer buttons.
	intro := waitPost(t, clients[1], group.Id, acc.Bot.ID, start, "introducing the trio", func(p *model.Post) bool {
		return strings.Contains(p.Message, "je vous présente les uns aux autres")
	})
	for _, want := range []string{"Alice Martin", "Bruno Durand", "Chloé Petit", "Palaiseau", "Finances locales", "Pourquoi vous : "} {
		if !strings.Contains(intro.Message, want) {
			t.Errorf("the introduction lacks %q: %q", want, intro.Message)
		}
	}
	labels := func(p *model.Post) []string {
		var out []string
		for _, a := range p.Attachments() {
			for _, act := range a.Actions {
				out = append(out, act.Name)
			}
		}
		slices.Sort(out) // the « not again » buttons follow the group's order
		return out
	}
	// Nobody gets a button naming themselves: « not again » asks privately
	// which of the others.
	wantButtons := []string{fr("match.choice.met"), fr("match.choice.not_now"), fr("match.choice.not_again_which")}
	slices.Sort(wantButtons)
	if got := labels(intro); !slices.Equal(got, wantButtons) {
		t.Errorf("buttons %q, want %q", got, wantButtons)
	}

	// Bruno clicks « Nous avons échangé » in the group, twice.
	met := buttonNamed(t, intro, fr("match.choice.met"))
	if _, err := clients[1].DoPostAction(ctx, intro.Id, met); err != nil {
		t.Fatalf("clicking in the group: %v", err)
	}
	ackPrefix := strings.SplitN(fr("match.answer.met", "names", "{}"), "{}", 2)[0]
	ack := waitPost(t, clients[1], dms[1], acc.Bot.ID, start, "acknowledging the answer", func(p *model.Post) bool {
		return strings.HasPrefix(p.Message, ackPrefix)
	})
	if !strings.Contains(ack.Message, "Alice Martin") || !strings.Contains(ack.Message, "Chloé Petit") ||
		strings.Contains(ack.Message, "Bruno Durand") {
		t.Errorf("acknowledgement %q does not name the two others", ack.Message)
	}
	if _, err := clients[1].DoPostAction(ctx, intro.Id, met); err != nil {
		t.Logf("second click: %v", err)
	}

	// The organizers' figures show the answer, recorded by the running bot
	// (the administrator's request is answered after the clicks').
	since = post(t, admin, adminDM.Id, "match stats").CreateAt
	stats := waitPost(t, admin, adminDM.Id, acc.Bot.ID, since, "showing the figures", func(p *model.Post) bool {
		return strings.Contains(p.Message, "introduction(s) (3 members)")
	})
	if !strings.Contains(stats.Message, "1 answer(s), 1 member(s) who confirmed a meeting") {
		t.Errorf("figures after one answer: %q", stats.Message)
	}

	// Nobody else saw the answer: the group post still offers every button
	// to the others, the bot wrote nothing more in the group, and the
	// other members' direct channels got nothing; Bruno got one answer.
	if p, _, err := clients[0].GetPost(ctx, intro.Id, ""); err != nil || !slices.Equal(labels(p), wantButtons) {
		t.Errorf("the group's post after the click: %v, %v", labels(p), err)
	}
	// (At start the bot catches up on the posts of the last hour that its
	// new store has not seen: other posts of its may appear; only these
	// count.)
	botPosts := func(c *model.Client4, channel, prefix string) int {
		list, _, err := c.GetPostsForChannel(ctx, channel, 0, 200, "", false, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range list.ToSlice() {
			if p.UserId == acc.Bot.ID && p.CreateAt >= start && p.DeleteAt == 0 && strings.HasPrefix(p.Message, prefix) {
				n++
			}
		}
		return n
	}
	introPrefix := strings.SplitN(intro.Message, "\n", 2)[0]
	if n := botPosts(clients[2], group.Id, introPrefix); n != 1 {
		t.Errorf("%d introductions in the group, want 1", n)
	}
	if n := botPosts(clients[2], group.Id, ackPrefix); n != 0 {
		t.Errorf("the answer was acknowledged %d times in the group", n)
	}
	for _, i := range []int{0, 2} {
		if n := botPosts(clients[i], dms[i], ackPrefix); n != 0 {
			t.Errorf("%s got Bruno's acknowledgement %d times", acc.Members[i].Username, n)
		}
	}
	if n := botPosts(clients[1], dms[1], ackPrefix); n != 1 {
		t.Errorf("bruno got %d acknowledgements for two clicks, want one", n)
	}

	// The answer is in the store, once.
	mm.stop(t)
	store, err = bolt.Open(ctx, filepath.Join(dataDir, "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec, err := store.MatchRecord(ctx, members[1].Ref)
	if err != nil || len(rec.Answers) != 1 || rec.Answers[0].Answer != bot.AnswerMet {
		t.Errorf("bruno's record: %+v, %v; want one answer %q", rec.Answers, err, bot.AnswerMet)
	}
	for _, i := range []int{0, 2} {
		if rec, err := store.MatchRecord(ctx, members[i].Ref); err == nil && len(rec.Answers) != 0 {
			t.Errorf("%s's record holds answers: %+v", acc.Members[i].Username, rec.Answers)
		}
	}
	// Writing to Bruno cached his real direct channel (and nobody else's).
	a, err := New(Options{URL: acc.URL, Token: acc.Bot.Token, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range members {
		got, err := a.ExportUser(ctx, m.Ref)
		var want any
		if i == 1 {
			want = map[string]string{"direct_channel": dms[1]}
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s's cached direct channel: %v, %v; want %v", acc.Members[i].Username, got, err, want)
		}
	}
}

// buttonNamed returns the id of the button labelled label in p.
func buttonNamed(t *testing.T, p *model.Post, label string) string {
	t.Helper()
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			if act.Name == label {
				return act.Id
			}
		}
	}
	t.Fatalf("no button %q in the post %q", label, p.Id)
	return ""
}
