package core

import (
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Length caps of the strings kept about a member, in runes.
const (
	maxNameRunes  = 100
	maxEmailRunes = 254
	maxCodeRunes  = 16
	maxLabelRunes = 150
	maxIDRunes    = 64
)

// cleanField makes s fit to be stored: Unicode NFC, without control,
// bidirectional or zero-width characters, white space collapsed to single
// spaces, and at most max runes.
func cleanField(s string, max int) string {
	s = strings.Join(strings.Fields(textnorm.Clean(s)), " ")
	s, _ = textnorm.Truncate(s, max)
	return s
}

// sanitizeMember cleans every string of m before it is stored, whatever
// its origin (chat, CSV import, platform profile).
func sanitizeMember(m *bot.Member) {
	m.Name = cleanField(m.Name, maxNameRunes)
	m.Email = strings.ToLower(cleanField(m.Email, maxEmailRunes))
	m.TimeZone = cleanField(m.TimeZone, maxIDRunes)
	m.Role = cleanField(m.Role, maxIDRunes)
	for i, s := range m.Interests {
		m.Interests[i] = cleanField(s, maxIDRunes)
	}
	m.Prefs.Cadence = cleanField(m.Prefs.Cadence, maxIDRunes)
	m.Prefs.Region = cleanField(m.Prefs.Region, maxIDRunes)
	if c := m.Collectivity; c != nil {
		c.Code = cleanField(c.Code, maxCodeRunes)
		c.Name = cleanField(c.Name, maxLabelRunes)
		c.Departement = cleanField(c.Departement, maxCodeRunes)
		c.Region = cleanField(c.Region, maxCodeRunes)
	}
}
