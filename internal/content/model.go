// Package content is the congress content that members browse: events,
// their sessions (title, kind, date, room, speakers, topics) and the
// highlights of each session. One YAML file per event, decoded strictly
// (unknown keys are errors) and validated, every problem reported at once
// with its path and line, like the configuration.
//
// The package is pure: it reads the files it is given (an fs.FS) and
// nothing else. The Territorialis 2024 demo is embedded (Demo).
package content

import (
	"slices"
	"time"
)

// Event is one congress, one file.
type Event struct {
	// ID is a short stable name ("territorialis-2024"): lower-case letters,
	// digits and hyphens, unique among the loaded events.
	ID string `yaml:"id"`
	// Name as shown ("Territorialis 2024").
	Name string `yaml:"name"`
	// Theme of the edition, optional.
	Theme string `yaml:"theme"`
	// Organizer, City and Venue, optional.
	Organizer string `yaml:"organizer"`
	City      string `yaml:"city"`
	Venue     string `yaml:"venue"`
	// Start and End are dates (YYYY-MM-DD) in Timezone; End >= Start.
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Timezone of the dates and times (IANA name), default Europe/Paris.
	Timezone string `yaml:"timezone"`
	// Summary: a few sentences on the event, optional.
	Summary string `yaml:"summary"`
	// Figures: key figures as short phrases ("70 exposants"), optional.
	Figures []string `yaml:"figures"`
	// Source: where the content comes from, optional.
	Source *Source `yaml:"source"`
	// Sessions, in programme order (members see them numbered from 1).
	Sessions []*Session `yaml:"sessions"`

	loc        *time.Location
	start, end time.Time // midnight of the first day, midnight after the last
}

// Source names the document the content was written from.
type Source struct {
	Title string `yaml:"title"`
	// Publisher and Date (YYYY-MM-DD) are optional.
	Publisher string `yaml:"publisher"`
	Date      string `yaml:"date"`
	// URL is optional; http or https.
	URL string `yaml:"url"`
}

// Session is one item of the programme.
type Session struct {
	// ID: lower-case letters, digits and hyphens, unique in the event.
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Kind is one of Kinds.
	Kind string `yaml:"kind"`
	// Date (YYYY-MM-DD), within the event; optional.
	Date string `yaml:"date"`
	// Time and EndTime (HH:MM), optional; Time needs Date, EndTime needs Time.
	Time    string `yaml:"time"`
	EndTime string `yaml:"end_time"`
	// Room, optional.
	Room string `yaml:"room"`
	// Summary of the session, optional.
	Summary  string     `yaml:"summary"`
	Speakers []*Speaker `yaml:"speakers"`
	// Topics are interest ids from the configuration's interests.
	Topics []string `yaml:"topics"`
	// Inferred lists the fields that are not stated by the source but
	// deduced (date, time, end_time, room, kind, speakers, title); members
	// see them marked as such.
	Inferred []string `yaml:"inferred"`
	// Note explains what was inferred or left out, optional.
	Note       string       `yaml:"note"`
	Highlights []*Highlight `yaml:"highlights"`

	// Number is the session's position in the event, from 1.
	Number int `yaml:"-"`
	// Event is the event's id.
	Event string `yaml:"-"`

	folded       string    // textnorm.Fold(Title)
	day          time.Time // midnight of Date, zero when unknown
	starts, ends time.Time // zero when Time (EndTime) is unknown
}

// Speaker is someone who spoke in a session.
type Speaker struct {
	Name string `yaml:"name"`
	// Role: their function ("DGS", "présidente du SNDGCT").
	Role string `yaml:"role"`
	// Organisation: their collectivity or organisation.
	Organisation string `yaml:"organisation"`
	// Inferred: the source does not say that they spoke in this session.
	Inferred bool `yaml:"inferred"`
}

// Highlight is one key point of a session.
type Highlight struct {
	// ID: lower-case letters, digits and hyphens, unique in the event.
	ID string `yaml:"id"`
	// Text: the point, in a sentence or three (at most MaxTextRunes).
	Text string `yaml:"text"`
	// Quote and Author, optional; a quote needs its author.
	Quote  string `yaml:"quote"`
	Author string `yaml:"author"`
	// Source is a link (http or https), optional.
	Source string `yaml:"source"`
	// Inferred lists what the source does not state: text, author.
	Inferred []string `yaml:"inferred"`
	// Published (RFC 3339) is when the highlight went out; highlights
	// published after a member's last digest go in their next one. Empty
	// for content known before the service started: it is never "new".
	Published string `yaml:"published"`

	// Session is the id of the session the highlight belongs to.
	Session string `yaml:"-"`

	published time.Time
}

// Session kinds.
const (
	KindOpening  = "ouverture"           // discours d'ouverture
	KindPlenary  = "pleniere"            // séance plénière
	KindWorkshop = "atelier"             // atelier
	KindTalents  = "village_des_talents" // atelier du village des talents
	KindSGM      = "parcours_sgm"        // parcours secrétaires généraux de mairie
	KindRound    = "table_ronde"         // table ronde
	KindTalk     = "conference"          // conférence, intervention
	KindTraining = "formation"           // formation continue
	KindAnnounce = "annonce"             // announcement by the organizers
	KindOther    = "autre"
)

// Kinds lists the session kinds accepted in a file.
var Kinds = []string{KindOpening, KindPlenary, KindWorkshop, KindTalents, KindSGM, KindRound,
	KindTalk, KindTraining, KindInterview, KindAnnounce, KindOther}

// KindInterview is an interview, possibly given after the event.
const KindInterview = "entretien"

// Limits on texts.
const (
	MaxTitleRunes = 200
	MaxTextRunes  = 700
	MaxQuoteRunes = 400
)

// Location returns the event's time zone.
func (e *Event) Location() *time.Location {
	if e.loc == nil {
		return time.UTC
	}
	return e.loc
}

// Dates returns midnight of the first day and midnight after the last
// day, in the event's zone.
func (e *Event) Dates() (start, end time.Time) { return e.start, e.end }

// Session returns the session with this id.
func (e *Event) Session(id string) (*Session, bool) {
	i := slices.IndexFunc(e.Sessions, func(s *Session) bool { return s.ID == id })
	if i < 0 {
		return nil, false
	}
	return e.Sessions[i], true
}

// Starts returns when the session starts; ok is false when its date or
// time is not known.
func (s *Session) Starts() (t time.Time, ok bool) { return s.starts, !s.starts.IsZero() }

// Ends returns when the session ends; ok is false when not known.
func (s *Session) Ends() (t time.Time, ok bool) { return s.ends, !s.ends.IsZero() }

// Day returns the session's date (midnight in the event's zone); ok is
// false when it is not known.
func (s *Session) Day() (t time.Time, ok bool) { return s.day, !s.day.IsZero() }

// FoldedTitle returns the title folded (textnorm.Fold), for comparisons.
func (s *Session) FoldedTitle() string { return s.folded }

// IsInferred reports whether field is marked as inferred.
func (s *Session) IsInferred(field string) bool { return slices.Contains(s.Inferred, field) }

// PublishedAt returns when the highlight was published (zero if unknown).
func (h *Highlight) PublishedAt() time.Time { return h.published }

// SetPublished sets when the highlight was published.
func (h *Highlight) SetPublished(t time.Time) {
	h.published = t
	if t.IsZero() {
		h.Published = ""
		return
	}
	h.Published = t.Format(time.RFC3339)
}

// IsInferred reports whether field is marked as inferred.
func (h *Highlight) IsInferred(field string) bool { return slices.Contains(h.Inferred, field) }
