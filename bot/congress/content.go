package congress

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/search"
	"github.com/sndgct/maillage/internal/textnorm"
)

// highlightState is the content as members see it: the files' content
// merged with the highlights published from the chat, and its index.
type highlightState struct {
	mu      sync.Mutex
	base    *content.Set
	reload  bot.ContentLoader
	snap    *Snapshot
	checked time.Time // when the published highlights were last read
	dirty   bool      // a highlight was published here since
}

// hlSnapshot is an immutable view of the content and its search index.
type Snapshot struct {
	Set         *content.Set
	Docs        []Doc
	Index       *search.Index
	fingerprint string
	// published lists the highlights published from the chat, newest
	// first: the ones organizers may withdraw.
	Published []Doc
}

// hlDoc is one indexed document: a session, or one of its highlights.
type Doc struct {
	Event     *content.Event
	Session   *content.Session
	Highlight *content.Highlight // nil for the session itself
}

func newHighlightState(s *bot.HighlightSettings, base *content.Set, reload bot.ContentLoader) *highlightState {
	if s.ReminderBefore <= 0 {
		s.ReminderBefore = 15 * time.Minute
	}
	if s.RefreshEvery <= 0 {
		s.RefreshEvery = 30 * time.Second
	}
	if base == nil {
		base = &content.Set{}
	}
	return &highlightState{base: base, reload: reload}
}

// content returns the current snapshot, reading the published highlights
// again when they may have changed. On a store failure it keeps serving
// what it has.
func (b *Congress) Content(ctx context.Context) *Snapshot {
	st := b.hl
	st.mu.Lock()
	defer st.mu.Unlock()
	now := b.Clock.Now()
	if st.snap != nil && !st.dirty && now.Sub(st.checked) < b.Settings.Highlights.RefreshEvery {
		return st.snap
	}
	var published []bot.PublishedHighlight
	err := b.Store.PublishedHighlights(ctx, func(h bot.PublishedHighlight) error {
		published = append(published, h)
		return nil
	})
	if err != nil {
		b.Log.Warn("reading published highlights", "err", err)
		if st.snap != nil {
			return st.snap
		}
		published = nil
	} else {
		st.checked, st.dirty = now, false
	}
	fp := fingerprint(published)
	if st.snap == nil || st.snap.fingerprint != fp {
		st.snap = b.buildSnapshot(st.base, published, fp)
	}
	return st.snap
}

func fingerprint(published []bot.PublishedHighlight) string {
	var sb strings.Builder
	for _, h := range published {
		fmt.Fprintf(&sb, "%s/%s/%d/%d;", h.Event, h.ID, h.Published.UnixNano(), len(h.Text)+len(h.Quote)+len(h.Author))
	}
	return sb.String()
}

// buildSnapshot merges the published highlights into a copy of base and
// indexes the result.
func (b *Congress) buildSnapshot(base *content.Set, published []bot.PublishedHighlight, fp string) *Snapshot {
	extra := map[string][]*content.Highlight{} // event/session -> highlights
	for _, p := range published {
		h := &content.Highlight{ID: p.ID, Text: p.Text, Quote: p.Quote, Author: p.Author, Session: p.Session}
		h.SetPublished(p.Published)
		extra[p.Event+"/"+p.Session] = append(extra[p.Event+"/"+p.Session], h)
	}
	set := &content.Set{}
	snap := &Snapshot{Set: set, fingerprint: fp}
	var docs []search.Doc
	for _, e := range base.Events {
		ev := *e
		ev.Sessions = make([]*content.Session, len(e.Sessions))
		for i, s := range e.Sessions {
			se := *s
			key := e.ID + "/" + s.ID
			se.Highlights = append(slices.Clip(s.Highlights), extra[key]...)
			delete(extra, key)
			ev.Sessions[i] = &se
			docs = append(docs, search.Doc{Fields: [search.NumFields]string{
				search.Title:    se.Title,
				search.Topics:   b.TopicText(se.Topics) + " " + b.KindText(se.Kind),
				search.Text:     se.Summary,
				search.Speakers: SpeakerText(se.Speakers),
			}})
			snap.Docs = append(snap.Docs, Doc{Event: &ev, Session: &se})
			for _, h := range se.Highlights {
				// A highlight is found by its own words: its session's title
				// and topics find the session, which lists it.
				docs = append(docs, search.Doc{Fields: [search.NumFields]string{
					search.Text:     h.Text + " " + h.Quote,
					search.Speakers: h.Author,
				}})
				snap.Docs = append(snap.Docs, Doc{Event: &ev, Session: &se, Highlight: h})
			}
		}
		set.Events = append(set.Events, &ev)
	}
	for _, d := range snap.Docs {
		if d.Highlight != nil && slices.ContainsFunc(published, func(p bot.PublishedHighlight) bool {
			return p.Event == d.Event.ID && p.ID == d.Highlight.ID
		}) {
			snap.Published = append(snap.Published, d)
		}
	}
	slices.SortStableFunc(snap.Published, func(x, y Doc) int {
		return y.Highlight.PublishedAt().Compare(x.Highlight.PublishedAt())
	})
	for key := range extra {
		b.Log.Warn("published highlights of a session no longer in the content", "session", key)
	}
	snap.Index = search.New(docs)
	return snap
}

// topicText is what the index knows of topics: ids and both labels.
func (b *Congress) TopicText(ids []string) string {
	var parts []string
	for _, id := range ids {
		t := b.Topic(id)
		parts = append(parts, t.FR, t.EN)
	}
	return strings.Join(parts, ", ")
}

func (b *Congress) KindText(kind string) string {
	return b.Cat.T(string(bot.French), "highlights.kind."+kind) + ", " + b.Cat.T(string(bot.English), "highlights.kind."+kind)
}

func SpeakerText(sps []*content.Speaker) string {
	var parts []string
	for _, sp := range sps {
		parts = append(parts, sp.Name, sp.Role, sp.Organisation)
	}
	return strings.Join(parts, ", ")
}

// topic returns the configured topic with this id (its id as label if it
// is not configured).
func (b *Congress) Topic(id string) bot.HighlightTopic {
	for _, t := range b.Settings.Highlights.Topics {
		if t.ID == id {
			return t
		}
	}
	return bot.HighlightTopic{ID: id}
}

// ReloadContent loads the content again with the configured loader and,
// when it is valid, serves it at once. A broken file leaves the current
// content in place and returns the problems.
func (b *Congress) ReloadContent(ctx context.Context) (*content.Set, error) {
	st := b.hl
	if st.reload == nil {
		return nil, errors.New("no content loader configured")
	}
	set, err := st.reload(ctx)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.base, st.snap = set, nil
	st.mu.Unlock()
	moved := 0
	for _, h := range b.reloaded {
		n, err := h(ctx)
		if err != nil {
			b.Log.Error("following the content after a reload", "err", err)
		}
		moved += n
	}
	b.Log.Info("content reloaded", "events", len(set.Events), "highlights", set.Highlights(), "reminders_moved", moved)
	return set, nil
}

// current returns the event members browse now, or nil.
func (b *Congress) Current(snap *Snapshot) *content.Event {
	return snap.Set.Current(b.Clock.Now())
}

// sessionByKey finds "event/session".
func (snap *Snapshot) SessionByKey(key string) (*content.Event, *content.Session, bool) {
	evID, sID, ok := strings.Cut(key, "/")
	if !ok {
		return nil, nil, false
	}
	ev, ok := snap.Set.Event(evID)
	if !ok {
		return nil, nil, false
	}
	s, ok := ev.Session(sID)
	return ev, s, ok
}

func SessionKey(ev *content.Event, s *content.Session) string { return ev.ID + "/" + s.ID }

// sessionWords introduce a session reference: « séance 3 », « session n° 3 ».
var sessionWords = []string{"la seance", "la session", "seance", "session", "the session", "numero", "no", "n", "number"}

// sessionRef strips the words that introduce a session reference and
// reports whether there were some.
func SessionRef(arg string) (string, bool) {
	f := textnorm.Fold(arg)
	explicit := false
	for again := true; again; {
		again = false
		for _, w := range sessionWords {
			if rest, ok := strings.CutPrefix(f, w+" "); ok {
				f, explicit, again = rest, true, true
			}
		}
	}
	return f, explicit
}

// findSession finds a session of ev by number, id or exact title.
func FindSession(ev *content.Event, arg string) (*content.Session, bool) {
	f, _ := SessionRef(arg)
	if n, err := strconv.Atoi(f); err == nil {
		if n >= 1 && n <= len(ev.Sessions) {
			return ev.Sessions[n-1], true
		}
		return nil, false
	}
	id := strings.ToLower(strings.TrimSpace(arg))
	for _, s := range ev.Sessions {
		if s.ID == id || s.FoldedTitle() == f {
			return s, true
		}
	}
	return nil, false
}

// HighlightStarter is a highlight to open a conversation between two members.
type HighlightStarter struct {
	Event        string
	Session      string
	SessionTitle string
	Highlight    content.Highlight
	// Topics are the shared interests the highlight's session covers.
	Topics []string
	// Text is a sentence, in the language asked, to put in an introduction.
	Text string
}

// ConversationStarter returns the highlight of the current event that
// best suits two members who share the interests shared (ids): the one
// whose session covers the most of them, then one with a quote, then the
// session most focused on them, then the latest published, then programme
// order. It reports false when no session covers any of them.
func (b *Congress) ConversationStarter(ctx context.Context, shared []string, lang bot.Lang) (HighlightStarter, bool) {
	snap := b.Content(ctx)
	ev := b.Current(snap)
	if ev == nil {
		return HighlightStarter{}, false
	}
	type cand struct {
		s       *content.Session
		h       *content.Highlight
		overlap []string
	}
	better := func(x, y cand) bool {
		if len(x.overlap) != len(y.overlap) {
			return len(x.overlap) > len(y.overlap)
		}
		if (x.h.Quote != "") != (y.h.Quote != "") {
			return x.h.Quote != ""
		}
		if len(x.s.Topics) != len(y.s.Topics) {
			return len(x.s.Topics) < len(y.s.Topics)
		}
		if !x.h.PublishedAt().Equal(y.h.PublishedAt()) {
			return x.h.PublishedAt().After(y.h.PublishedAt())
		}
		return false // keep the earlier in programme order
	}
	var best *cand
	for _, s := range ev.Sessions {
		var overlap []string
		for _, t := range s.Topics {
			if slices.Contains(shared, t) {
				overlap = append(overlap, t)
			}
		}
		if len(overlap) == 0 {
			continue
		}
		for _, h := range s.Highlights {
			c := cand{s: s, h: h, overlap: overlap}
			if best == nil || better(c, *best) {
				best = &c
			}
		}
	}
	if best == nil {
		return HighlightStarter{}, false
	}
	T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
	var names []string
	for _, id := range best.overlap {
		names = append(names, b.Topic(id).Label(lang))
	}
	point := best.h.Text
	if best.h.Quote != "" {
		point = T("highlights.quote", "quote", best.h.Quote, "author", best.h.Author)
	}
	return HighlightStarter{
		Event: ev.ID, Session: best.s.ID, SessionTitle: best.s.Title, Highlight: *best.h, Topics: best.overlap,
		Text: T("highlights.starter", "event", ev.Name, "topics", strings.Join(names, ", "),
			"point", point, "title", best.s.Title),
	}, true
}

// publishedByKey finds a chat-published highlight by "event/id".
func (snap *Snapshot) PublishedByKey(key string) (Doc, bool) {
	for _, d := range snap.Published {
		if d.Event.ID+"/"+d.Highlight.ID == key {
			return d, true
		}
	}
	return Doc{}, false
}

// refreshContent makes the next content() read the published highlights.
func (b *Congress) RefreshContent() {
	b.hl.mu.Lock()
	b.hl.dirty = true
	b.hl.mu.Unlock()
}

// CanReload reports whether the content can be loaded again (the admin
// command « recharger contenu »).
func (b *Congress) CanReload() bool { return b.hl.reload != nil }
