package bot

import "time"

// Lang is a language of the message catalogue.
type Lang string

// Supported languages. French is the default.
const (
	French  Lang = "fr"
	English Lang = "en"
)

// Languages lists the supported languages, the default first.
var Languages = []Lang{French, English}

// ParseLang returns the language named by s ("fr", "en", "fr-FR", "en_GB"),
// and false when it is not supported.
func ParseLang(s string) (Lang, bool) {
	if len(s) < 2 || (len(s) > 2 && s[2] != '-' && s[2] != '_') {
		return "", false
	}
	switch l := Lang(toLowerASCII(s[:2])); l {
	case French, English:
		return l, true
	}
	return "", false
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Member is what Maillage keeps about a person: as little as the service
// needs. Every string in it has been cleaned (NFC, no bidi or zero-width
// characters, length-capped) before it is stored.
type Member struct {
	Ref UserRef `json:"ref"`
	// Name is how the member is addressed (from the platform profile or a
	// CSV import); it may be empty.
	Name string `json:"name,omitempty"`
	// Email is kept only when an organizer's import named the member by
	// e-mail, to recognise them when they first write.
	Email string `json:"email,omitempty"`
	// Language the member chose; empty means the configured default.
	Language Lang `json:"language,omitempty"`
	// TimeZone is the member's IANA zone (from the platform profile or
	// their choice); empty means the configured working-hours zone.
	TimeZone string `json:"time_zone,omitempty"`
	// Collectivity is the member's employer; nil until given.
	Collectivity *Collectivity `json:"collectivity,omitempty"`
	// Role is an id from the config's member_roles ("dgs", "dga"...).
	Role string `json:"role,omitempty"`
	// Interests are ids from the config's interests list, sorted.
	Interests []string `json:"interests,omitempty"`
	// Offers are interest ids on which the member can share their
	// experience (« je peux aider »); Needs those on which they look for
	// it (« je cherche »). Both optional, sorted.
	Offers []string `json:"offers,omitempty"`
	Needs  []string `json:"needs,omitempty"`
	// Preferences for introductions.
	Prefs Preferences `json:"prefs"`
	// OptedIn is when the member agreed to be introduced; zero means they
	// have not (or have left matching). Nobody is matched without it.
	OptedIn time.Time `json:"opted_in,omitzero"`
	// PausedUntil suspends introductions until that instant.
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// Onboarded is when the member finished the onboarding dialogue.
	Onboarded time.Time `json:"onboarded,omitzero"`
	// Imported is when an organizer's CSV import first named the member.
	Imported time.Time `json:"imported,omitzero"`
	// Invited is when an organizer's import had the bot invite the member.
	Invited time.Time `json:"invited,omitzero"`
	// Created is when the member first stored something.
	Created time.Time `json:"created"`
	// Updated is when the member last changed something.
	Updated time.Time `json:"updated"`
}

// Matchable reports whether the member may be introduced at now: opted in
// and not paused.
func (m Member) Matchable(now time.Time) bool {
	return !m.OptedIn.IsZero() && !now.Before(m.PausedUntil)
}

// CollectivityKind is the type of a member's employer.
type CollectivityKind string

// Kinds of collectivity. The first four come from the official data; the
// others are declared by the member with an approximate size.
const (
	KindCommune     CollectivityKind = "commune"
	KindEPCI        CollectivityKind = "epci"
	KindDepartement CollectivityKind = "departement"
	KindRegion      CollectivityKind = "region"
	KindOther       CollectivityKind = "autre" // centre de gestion, syndicat, CCAS...
)

// Collectivity is a member's employer, as resolved from the official data
// (or declared, for KindOther).
type Collectivity struct {
	Kind CollectivityKind `json:"kind"`
	// Code is the INSEE code (commune, département, région) or the SIREN
	// (EPCI); for a declared employer, its type (cdg, syndicat, ccas,
	// etablissement, autre).
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
	// Population is the official population, or the declared size.
	Population int `json:"population"`
	// Departement and Region are INSEE codes ("91", "11"); Region may be
	// empty for a declared employer whose département is unknown.
	Departement string `json:"departement,omitempty"`
	Region      string `json:"region,omitempty"`
}

// Preferences are the member's choices for introductions.
type Preferences struct {
	// Cadence: "biweekly" (every two weeks) or "monthly"; empty = default.
	Cadence string `json:"cadence,omitempty"`
	// SimilarSizeOnly: only peers of comparable size; false = open.
	SimilarSizeOnly bool `json:"similar_size_only,omitempty"`
	// SameRegion: "same" (prefer the same région), "any"; empty = any.
	Region string `json:"region,omitempty"`
	// NoAnnouncements: the member declined organizers' non-urgent broadcasts.
	NoAnnouncements bool `json:"no_announcements,omitempty"`
}

// Dialogue is a conversation in progress with a member (onboarding, a
// question awaiting an answer, a confirmation), so that it survives a
// restart and can run on any replica.
type Dialogue struct {
	Member UserRef `json:"member"`
	// Kind names the dialogue ("lang", "onboarding"...).
	Kind string `json:"kind"`
	// Step is the dialogue's own position.
	Step string `json:"step,omitempty"`
	// Data holds the answers gathered so far.
	Data map[string]string `json:"data,omitempty"`
	// Started and Expires bound the dialogue's life.
	Started time.Time `json:"started"`
	Expires time.Time `json:"expires"`
}
