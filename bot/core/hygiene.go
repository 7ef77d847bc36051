package core

import (
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Length caps of the strings kept about a member, in runes.
const (
	MaxNameRunes  = 100
	MaxEmailRunes = 254
	maxCodeRunes  = 16
	maxLabelRunes = 150
	MaxIDRunes    = 64
)

// cleanField makes s fit to be stored: Unicode NFC, without control,
// bidirectional or zero-width characters, white space collapsed to single
// spaces, and at most max runes.
func CleanField(s string, max int) string {
	s = strings.Join(strings.Fields(textnorm.Clean(s)), " ")
	s, _ = textnorm.Truncate(s, max)
	return s
}

// markupLookalikes replaces the characters of the replies' markdown subset
// (bold, italic, code, and the strike-through some platforms add) with
// characters that look the same and mean nothing.
var markupLookalikes = strings.NewReplacer("*", "\u2217", "_", "\u02cd", "`", "\u02cb", "~", "\u02dc")

// PlainText returns s, a name or a label that the bot's texts quote, with
// the characters of the markdown subset of bot.Reply replaced by lookalikes:
// « *gras* » in a display name shows as typed, not in bold.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "*_`~") {
		return s
	}
	return markupLookalikes.Replace(s)
}

// sanitizeMember cleans every string of m before it is stored, whatever
// its origin (chat, CSV import, platform profile).
func SanitizeMember(m *bot.Member) {
	m.Name = PlainText(CleanField(m.Name, MaxNameRunes))
	m.Email = strings.ToLower(CleanField(m.Email, MaxEmailRunes))
	m.TimeZone = CleanField(m.TimeZone, MaxIDRunes)
	m.Role = CleanField(m.Role, MaxIDRunes)
	for i, s := range m.Interests {
		m.Interests[i] = CleanField(s, MaxIDRunes)
	}
	m.Prefs.Cadence = CleanField(m.Prefs.Cadence, MaxIDRunes)
	m.Prefs.Region = CleanField(m.Prefs.Region, MaxIDRunes)
	if c := m.Collectivity; c != nil {
		c.Code = CleanField(c.Code, maxCodeRunes)
		c.Name = PlainText(CleanField(c.Name, maxLabelRunes))
		c.Departement = CleanField(c.Departement, maxCodeRunes)
		c.Region = CleanField(c.Region, maxCodeRunes)
	}
}
