package broadcasts

import (
	"fmt"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
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
			Name: "Camille", Email: "c@example.org", TimeZone: "Europe/Paris",
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
			m.Collectivity = &bot.Collectivity{Kind: bot.KindOther, Name: "Évry", Code: "cdg", Population: 500 * i, Departement: []string{"91", "35"}[i%2], Region: []string{"11", "53", ""}[i%3]}
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
			}
		}
	}
}
