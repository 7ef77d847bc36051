package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// MemberStore is what the members feature needs from the store beyond the
// member records themselves (see Store).
type MemberStore interface {
	// ScrubErased makes the records deleted so far unrecoverable from the
	// store's own files: a member who erased their data must not be found
	// in a dump of the store. The embedded store overwrites the file pages
	// that held them; a store that keeps no freed data (Redis's keyspace)
	// does nothing. It is called after an erasure or a retention purge,
	// and is safe to call at any time.
	ScrubErased(ctx context.Context) error
}

// DeliveryMemberReader is an optional capability of a Store: the member
// reads of a broadcast's delivery, decoding only what it reads (a
// broadcast reads each recipient twice: when preparing the post, and for
// consent just before it).
type DeliveryMemberReader interface {
	// DeliveryMember returns DeliveryView of the member Member(ctx, ref)
	// would return, with the same errors.
	DeliveryMember(ctx context.Context, ref UserRef) (Member, error)
	// MemberConsent returns ConsentView of the member Member(ctx, ref)
	// would return, with the same errors: ErrNotFound once the member
	// has erased their data.
	MemberConsent(ctx context.Context, ref UserRef) (Member, error)
	// DeliveryMembers is DeliveryMember for each of refs, read at once
	// (one transaction, one command) into out[i] (len(out) ==
	// len(refs), the caller's buffer): a zero Member (zero Ref) where
	// there is none. ErrInvalid for an invalid reference or an out of
	// another length.
	DeliveryMembers(ctx context.Context, refs []UserRef, out []Member) error
}

// DeliveryView is m with only the fields a broadcast's delivery reads
// (consent, working hours, the message's rendering): Ref, Name, Language,
// TimeZone, the collectivity's Name and Departement,
// Prefs.NoAnnouncements, OptedIn, Onboarded.
func DeliveryView(m Member) Member {
	v := ConsentView(m)
	v.Name, v.Language, v.TimeZone = m.Name, m.Language, m.TimeZone
	if c := m.Collectivity; c != nil {
		v.Collectivity = &Collectivity{Name: c.Name, Departement: c.Departement}
	}
	return v
}

// ConsentView is m with only the fields that say whether the member
// receives broadcasts: Ref, Prefs.NoAnnouncements, OptedIn, Onboarded.
func ConsentView(m Member) Member {
	v := Member{Ref: m.Ref, OptedIn: m.OptedIn, Onboarded: m.Onboarded}
	v.Prefs.NoAnnouncements = m.Prefs.NoAnnouncements
	return v
}

// DecodeDeliveryMember decodes a member's JSON record (as encoding/json
// writes a Member) into its DeliveryView, or its ConsentView when consent
// is true, the Ref being ref (the key it is stored under). It gives what
// encoding/json gives of the fields of DeliveryView, errors included (the
// other fields are not read), without reflection: the record is walked
// once; anything unusual (a malformed record, a key written in other
// letter cases or escaped, a value of another type) is handed to
// encoding/json. v is only read, and nothing of it is kept.
func DecodeDeliveryMember(v []byte, ref UserRef, consent bool) (Member, error) {
	var m Member
	if !json.Valid(v) || !decodeDelivery(v, consent, &m) {
		var rec deliveryRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return Member{}, err
		}
		m = Member{Name: rec.Name, Language: rec.Language, TimeZone: rec.TimeZone, OptedIn: rec.OptedIn, Onboarded: rec.Onboarded}
		m.Prefs.NoAnnouncements = rec.Prefs.NoAnnouncements
		if c := rec.Collectivity; c != nil {
			m.Collectivity = &Collectivity{Name: c.Name, Departement: c.Departement}
		}
		if consent {
			m = ConsentView(m)
		}
	}
	m.Ref = ref
	return m, nil
}

// deliveryRecord is the part of a member's record that DeliveryView
// keeps, for encoding/json to decode alone.
type deliveryRecord struct {
	Name         string `json:"name"`
	Language     Lang   `json:"language"`
	TimeZone     string `json:"time_zone"`
	Collectivity *struct {
		Name        string `json:"name"`
		Departement string `json:"departement"`
	} `json:"collectivity"`
	Prefs struct {
		NoAnnouncements bool `json:"no_announcements"`
	} `json:"prefs"`
	OptedIn   time.Time `json:"opted_in"`
	Onboarded time.Time `json:"onboarded"`
}

// decodeDelivery walks the (valid) JSON object v, filling m's fields of
// DeliveryView (ConsentView when consent: the others are only checked to
// be of the type encoding/json would read, to fail where it fails); false
// when it meets something encoding/json would read otherwise than it
// does.
func decodeDelivery(v []byte, consent bool, m *Member) bool {
	str := func(val []byte, s *string) bool {
		if consent { // a valid JSON string always decodes
			return val[0] == '"' || val[0] == 'n'
		}
		return jsonString(val, s)
	}
	return eachMember(v, func(key, val []byte) bool {
		switch string(key) {
		case "prefs":
			return eachMember(val, func(key, val []byte) bool {
				if string(key) == "no_announcements" {
					return jsonBool(val, &m.Prefs.NoAnnouncements)
				}
				return !bytes.EqualFold(key, []byte("no_announcements"))
			})
		case "opted_in":
			return m.OptedIn.UnmarshalJSON(val) == nil
		case "onboarded":
			return m.Onboarded.UnmarshalJSON(val) == nil
		case "name":
			return str(val, &m.Name)
		case "language":
			return str(val, (*string)(&m.Language))
		case "time_zone":
			return str(val, &m.TimeZone)
		case "collectivity":
			if val[0] == 'n' { // null
				m.Collectivity = nil
				return true
			}
			var c *Collectivity
			if !consent {
				if m.Collectivity == nil {
					m.Collectivity = &Collectivity{}
				}
				c = m.Collectivity
			}
			return eachMember(val, func(key, val []byte) bool {
				switch {
				case string(key) == "name" && c != nil:
					return str(val, &c.Name)
				case string(key) == "departement" && c != nil:
					return str(val, &c.Departement)
				case string(key) == "name", string(key) == "departement":
					return str(val, nil)
				}
				return !foldsTo(key, "name", "departement")
			})
		}
		return !foldsTo(key, "prefs", "opted_in", "onboarded", "name", "language", "time_zone", "collectivity")
	})
}

// foldsTo reports whether key is one of names but for letter case (which
// encoding/json would match).
func foldsTo(key []byte, names ...string) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

// jsonString reads the JSON string val into *s (null leaves it as it
// is); false when val is not a string.
func jsonString(val []byte, s *string) bool {
	switch {
	case string(val) == "null":
		return true
	case len(val) < 2 || val[0] != '"':
		return false
	}
	raw := val[1 : len(val)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		*s = string(raw)
		return true
	}
	u, ok := unquote(val) // escapes, invalid UTF-8
	if ok {
		*s = u
	}
	return ok
}

// unquote is what encoding/json reads of the JSON string val.
func unquote(val []byte) (string, bool) {
	var u string
	err := json.Unmarshal(val, &u)
	return u, err == nil
}

// jsonBool stores the JSON boolean val in *b (null leaves it as it is).
func jsonBool(val []byte, b *bool) bool {
	switch string(val) {
	case "true":
		*b = true
	case "false":
		*b = false
	case "null":
	default:
		return false
	}
	return true
}

// eachMember calls fn with each key (unescaped: false for an escaped one)
// and value of the valid JSON object v, in order, while fn returns true.
// null is an object without members.
func eachMember(v []byte, fn func(key, val []byte) bool) bool {
	i := skipSpace(v, 0)
	if bytes.HasPrefix(v[i:], []byte("null")) {
		return true // v is valid JSON
	}
	if i >= len(v) || v[i] != '{' {
		return false
	}
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == '}' {
		return true
	}
	for i < len(v) {
		end := skipValue(v, i) // the key
		key := v[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(v, end)
		i = skipSpace(v, i+1) // the colon
		end = skipValue(v, i)
		if !fn(key, v[i:end]) {
			return false
		}
		i = skipSpace(v, end)
		if i >= len(v) || v[i] == '}' {
			return true
		}
		i = skipSpace(v, i+1) // the comma
	}
	return false
}

func skipSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at v[i].
func skipValue(v []byte, i int) int {
	if i >= len(v) {
		return i
	}
	switch v[i] {
	case '"':
		for i++; i < len(v) && v[i] != '"'; i++ {
			if v[i] == '\\' {
				i++
			}
		}
		return i + 1
	case '{', '[':
		depth := 0
		for ; i < len(v); i++ {
			switch v[i] {
			case '"':
				i = skipValue(v, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(v) && bytes.IndexByte([]byte(",}] \t\n\r:"), v[i]) < 0 {
		i++ // a number, true, false, null
	}
	return i
}
