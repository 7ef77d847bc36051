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

// sanitizeMember cleans every string of m before it is stored, whatever
// its origin (chat, CSV import, platform profile).
func SanitizeMember(m *bot.Member) {
	m.Name = CleanField(m.Name, MaxNameRunes)
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
		c.Name = CleanField(c.Name, maxLabelRunes)
		c.Departement = CleanField(c.Departement, maxCodeRunes)
		c.Region = CleanField(c.Region, maxCodeRunes)
	}
}
