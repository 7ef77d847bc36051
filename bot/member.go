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
// needs. Later features add their fields here.
type Member struct {
	Ref UserRef `json:"ref"`
	// Language the member chose; empty means the configured default.
	Language Lang `json:"language,omitempty"`
	// Created is when the member first stored something.
	Created time.Time `json:"created"`
	// Updated is when the member last changed something.
	Updated time.Time `json:"updated"`
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
