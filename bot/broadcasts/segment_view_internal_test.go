package broadcasts

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/outbox"
)

// TestSegmentViewEnough: the listing reads members through
// bot.SegmentMemberLister where the store has it (only the fields
// bot.SegmentView keeps), so the selector and excluded must decide the
// same on the view as on the whole member.
func TestSegmentViewEnough(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	var members []bot.Member
	for i := range 48 {
		m := bot.Member{
			Ref:  bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: fmt.Sprintf("U%d", i)},
			Name: "Camille", Email: "c@example.org", TimeZone: []string{"Europe/Paris", "", "Indian/Reunion"}[i%3],
			Role:     []string{"dgs", "dga", ""}[i%3],
			Language: []bot.Lang{"", bot.French, bot.English}[i/3%3],
			Offers:   []string{"rh"}, Needs: []string{"finances"},
			Prefs:   bot.Preferences{Cadence: "monthly", NoAnnouncements: i%2 == 1},
			Created: at, Updated: at, Imported: at, Invited: at, PausedUntil: at,
		}
		if i%4 != 0 {
			m.Interests = []string{"rh", "numerique"}[:i%4%2+1]
		}
		if i%5 != 0 {
			m.Collectivity = &bot.Collectivity{Kind: bot.KindOther, Name: "Évry", Code: "cdg", Population: 500 * i, Departement: []string{"91", "974"}[i%2], Region: []string{"11", "53", ""}[i%3]}
		}
		if i%6 < 3 {
			m.Onboarded = at
		}
		if i%7 < 2 {
			m.OptedIn = at
		}
		members = append(members, m)
	}
	segments := []bot.Segment{
		{},
		{Roles: []string{"dgs"}},
		{Regions: []string{"53"}, MinPopulation: 2000},
		{Departements: []string{"91"}, MaxPopulation: 10000},
		{Interests: []string{"numerique"}},
		{Langs: []bot.Lang{bot.French}},
		{Langs: []bot.Lang{bot.English}, Roles: []string{"dga"}, Interests: []string{"rh"}},
	}
	// What the delivery reads on DeliveryView besides consent: the zone
	// (working hours), the language and the collectivity's name (the
	// message; TestBroadcastComposeInChat renders it on the bolt store,
	// which reads DeliveryView).
	ob := outbox.New(outbox.Options{Settings: &bot.Settings{DefaultLang: bot.French}, Log: slog.Default()})
	for _, m := range members {
		d := bot.DeliveryView(m)
		lz, fz := ob.MemberZone(m)
		dz, dfz := ob.MemberZone(d)
		if lz.String() != dz.String() || fz != dfz || ob.MemberLang(m) != ob.MemberLang(d) || d.Name != m.Name ||
			(m.Collectivity == nil) != (d.Collectivity == nil) || m.Collectivity != nil && d.Collectivity.Name != m.Collectivity.Name {
			t.Errorf("member %s: zone %v (%s), on DeliveryView %v (%s); language %s, %s", m.Ref.User, lz, fz, dz, dfz, ob.MemberLang(m), ob.MemberLang(d))
		}
	}
	for _, seg := range segments {
		sel := &selector{seg: seg, defaultLang: bot.French}
		for _, urgent := range []bool{false, true} {
			bc := bot.Broadcast{Segment: seg, Urgent: urgent}
			b := &Feature{}
			for _, m := range members {
				v := bot.SegmentView(m)
				if sel.matches(m) != sel.matches(v) {
					t.Errorf("segment %+v, member %s: matches %v, on SegmentView %v", seg, m.Ref.User, sel.matches(m), sel.matches(v))
				}
				if b.excluded(m, bc) != b.excluded(v, bc) {
					t.Errorf("member %s: excluded %q, on SegmentView %q", m.Ref.User, b.excluded(m, bc), b.excluded(v, bc))
				}
				// The delivery reads members through
				// bot.DeliveryMemberReader: consent on ConsentView just
				// before the post, the rest on DeliveryView.
				if c := bot.ConsentView(m); b.excluded(m, bc) != b.excluded(c, bc) {
					t.Errorf("member %s: excluded %q, on ConsentView %q", m.Ref.User, b.excluded(m, bc), b.excluded(c, bc))
				}
				if d := bot.DeliveryView(m); b.excluded(m, bc) != b.excluded(d, bc) {
					t.Errorf("member %s: excluded %q, on DeliveryView %q", m.Ref.User, b.excluded(m, bc), b.excluded(d, bc))
				}
			}
		}
	}
}
