package highlights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/search"
	"github.com/sndgct/maillage/internal/textnorm"
)

// highlightCommands are the congress content commands.
func (b *Feature) highlightCommands() []*core.Command {
	return []*core.Command{
		{ID: "highlights", Role: bot.RoleMember, Run: b.cmdHighlights,
			Names: map[bot.Lang][]string{bot.French: {"temps forts", "temps fort", "programme", "séances"},
				bot.English: {"highlights", "sessions", "programme", "program"}}},
		{ID: "session", Role: bot.RoleMember, Run: b.cmdSession,
			Names: map[bot.Lang][]string{bot.French: {"séance", "session"}, bot.English: {"session"}}},
		{ID: "follow", Role: bot.RoleMember, Run: b.cmdFollow,
			Names: map[bot.Lang][]string{bot.French: {"suivre"}, bot.English: {"follow"}}},
		{ID: "unfollow", Role: bot.RoleMember, Run: b.cmdUnfollow,
			Names: map[bot.Lang][]string{bot.French: {"ne plus suivre", "arrêter de suivre"},
				bot.English: {"unfollow", "stop following"}}},
		{ID: "following", Role: bot.RoleMember, Run: b.cmdFollowing,
			Names: map[bot.Lang][]string{bot.French: {"mes suivis", "mes abonnements", "mes inscriptions"},
				bot.English: {"following", "my follows", "my registrations"}}},
		{ID: "register", Role: bot.RoleMember, Run: b.cmdRegister,
			Names: map[bot.Lang][]string{bot.French: {"m'inscrire à", "m'inscrire au", "inscrire à"},
				bot.English: {"register for", "sign up for"}}},
		{ID: "unregister", Role: bot.RoleMember, Run: b.cmdUnregister,
			Names: map[bot.Lang][]string{bot.French: {"me désinscrire de", "me désinscrire du"},
				bot.English: {"unregister from", "unregister"}}},
		{ID: "publish", Role: bot.RoleOrganizer, Run: b.publishing().cmdPublish,
			Names: map[bot.Lang][]string{bot.French: {"publier temps fort", "publier un temps fort", "publier"},
				bot.English: {"publish highlight", "publish a highlight", "publish"}}},
		{ID: "withdraw", Role: bot.RoleOrganizer, Run: b.publishing().cmdWithdraw,
			Names: map[bot.Lang][]string{bot.French: {"retirer temps fort", "retirer un temps fort"},
				bot.English: {"withdraw highlight", "withdraw a highlight"}}},
		{ID: "reload", Role: bot.RoleAdmin, Run: b.cmdReload,
			Names: map[bot.Lang][]string{bot.French: {"recharger contenu", "recharger le contenu"},
				bot.English: {"reload content"}}},
	}
}

func (b *Feature) highlightChoices() map[string]core.ChoiceHandler {
	return map[string]core.ChoiceHandler{
		"hl.show":        b.choiceShow,
		"hl.follow":      b.choiceFollow,
		"hl.register":    b.choiceRegister,
		"hl.pub_session": b.publishing().choicePublishSession,
		"hl.pub_noquote": b.publishing().choicePublishNoQuote,
		"hl.pub_confirm": b.publishing().choicePublishConfirm,
		"hl.withdraw":    b.publishing().choiceWithdraw,
		"hl.withdraw_ok": b.publishing().choiceWithdrawConfirm,
	}
}

func (b *Feature) highlightDialogues() map[string]core.DialogueHandler {
	return map[string]core.DialogueHandler{
		dialoguePublish: b.publishing().dialoguePublish,
	}
}

// cmdHighlights lists the sessions, shows one (by number or id), or
// searches.
func (b *Feature) cmdHighlights(ctx context.Context, r *core.Turn) []bot.Reply {
	return b.browse(ctx, r, true)
}

// cmdSession shows one session (by number or id).
func (b *Feature) cmdSession(ctx context.Context, r *core.Turn) []bot.Reply {
	return b.browse(ctx, r, false)
}

// browse answers « temps forts » and « séance »: the list without an
// argument, a session by number or id, else a search (or, for « séance »,
// a hint).
func (b *Feature) browse(ctx context.Context, r *core.Turn, search bool) []bot.Reply {
	snap := b.Core.Congress.Content(ctx)
	ev := b.Core.Congress.Current(snap)
	switch {
	case ev == nil:
		return []bot.Reply{r.Reply("highlights.no_content")}
	case r.Args == "":
		return []bot.Reply{b.sessionList(r, ev)}
	}
	if s, ok := congress.FindSession(ev, r.Args); ok {
		return []bot.Reply{b.sessionView(r, ev, s)}
	}
	if search {
		return []bot.Reply{b.searchReply(ctx, r, snap, ev, r.Args)}
	}
	return []bot.Reply{r.Reply("highlights.session_unknown", "input", core.ShortInput(r.Args), "count", strconv.Itoa(len(ev.Sessions)))}
}

func (b *Feature) choiceShow(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	snap := b.Core.Congress.Content(ctx)
	ev, s, ok := snap.SessionByKey(value)
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return []bot.Reply{b.sessionView(r, ev, s)}
}

// eventLine is the event's header: name, dates, city, theme.
func (b *Feature) eventLine(r *core.Turn, ev *content.Event) string {
	start, end := ev.Dates()
	dates := b.Core.FormatDate(r.Lang, start)
	if last := end.AddDate(0, 0, -1); !last.Equal(start) {
		dates = r.T("highlights.dates_range", "from", b.Core.FormatDate(r.Lang, start), "to", b.Core.FormatDate(r.Lang, last))
		if start.Month() == last.Month() && start.Year() == last.Year() {
			dates = r.T("highlights.dates_same_month", "from", strconv.Itoa(start.Day()), "to", strconv.Itoa(last.Day()),
				"month", r.T("date.month."+strconv.Itoa(int(start.Month()))), "year", strconv.Itoa(start.Year()))
		}
	}
	line := r.T("highlights.event", "name", ev.Name, "dates", dates)
	if ev.City != "" {
		line = r.T("highlights.event_city", "name", ev.Name, "dates", dates, "city", ev.City)
	}
	if ev.Theme != "" {
		line += "\n" + r.T("highlights.theme", "theme", ev.Theme)
	}
	if len(ev.Figures) > 0 {
		line += "\n" + r.T("highlights.figures", "figures", strings.Join(ev.Figures, r.T("highlights.separator")))
	}
	return line
}

func (b *Feature) sessionList(r *core.Turn, ev *content.Event) bot.Reply {
	lines := []string{b.eventLine(r, ev), ""}
	for _, s := range ev.Sessions {
		lines = append(lines, r.T("highlights.list_line", "number", strconv.Itoa(s.Number), "title", s.Title,
			"kind", b.kindLabel(r, s), "count", strconv.Itoa(len(s.Highlights))))
	}
	if src := ev.Source; src != nil {
		date := ""
		if t, err := time.ParseInLocation(time.DateOnly, src.Date, ev.Location()); err == nil {
			date = r.T("highlights.source_date", "date", b.Core.FormatDate(r.Lang, t))
		}
		lines = append(lines, "", r.T("highlights.event_source", "title", src.Title, "date", date))
	}
	lines = append(lines, "", r.T("highlights.list_footer"))
	return bot.Reply{Text: strings.Join(lines, "\n")}
}

// kindLabel names the session's kind, marked when inferred.
func (b *Feature) kindLabel(r *core.Turn, s *content.Session) string {
	k := r.T("highlights.kind." + s.Kind)
	if s.IsInferred("kind") {
		k = r.T("highlights.inferred", "value", k)
	}
	return k
}

// when says when a session takes place, or "" when unknown.
func (b *Feature) when(r core.Printer, s *content.Session) string {
	day, ok := s.Day()
	if !ok {
		return ""
	}
	w := r.T("highlights.day", "weekday", r.T("highlights.weekday."+strconv.Itoa(int(day.Weekday()))),
		"date", b.Core.FormatDate(r.Lang, day))
	if start, ok := s.Starts(); ok {
		w = r.T("highlights.day_time", "day", w, "time", formatClock(r, start))
		if end, ok := s.Ends(); ok {
			w = r.T("highlights.day_time_range", "day", w, "end", formatClock(r, end))
		}
	}
	if s.IsInferred("date") || s.IsInferred("time") {
		w = r.T("highlights.inferred", "value", w)
	}
	return w
}

func formatClock(r core.Printer, t time.Time) string {
	if t.Minute() == 0 && r.Lang == bot.French {
		return r.T("highlights.hour", "hour", strconv.Itoa(t.Hour()))
	}
	return r.T("highlights.clock", "hour", strconv.Itoa(t.Hour()), "minute", fmt.Sprintf("%02d", t.Minute()))
}

// sessionView shows one session and its highlights, with buttons to
// follow it and, when it has a time, to register.
func (b *Feature) sessionView(r *core.Turn, ev *content.Event, s *content.Session) bot.Reply {
	lines := []string{r.T("highlights.session_title", "number", strconv.Itoa(s.Number), "title", s.Title)}
	if s.IsInferred("title") {
		lines = append(lines, r.T("highlights.title_descriptive"))
	}
	meta := []string{b.kindLabel(r, s)}
	if w := b.when(r.Printer, s); w != "" {
		meta = append(meta, w)
	}
	if s.Room != "" {
		room := r.T("highlights.room", "room", s.Room)
		if s.IsInferred("room") {
			room = r.T("highlights.inferred", "value", room)
		}
		meta = append(meta, room)
	}
	lines = append(lines, strings.Join(meta, " · "))
	if len(s.Speakers) > 0 {
		var sps []string
		for _, sp := range s.Speakers {
			sps = append(sps, b.speakerLabel(r, sp))
		}
		lines = append(lines, r.T("highlights.speakers", "speakers", strings.Join(sps, r.T("highlights.separator"))))
	}
	if len(s.Topics) > 0 {
		var ts []string
		for _, id := range s.Topics {
			ts = append(ts, b.Core.Congress.Topic(id).Label(r.Lang))
		}
		lines = append(lines, r.T("highlights.topics", "topics", strings.Join(ts, ", ")))
	}
	if s.Summary != "" {
		lines = append(lines, "", s.Summary)
	}
	if len(s.Highlights) == 0 {
		lines = append(lines, "", r.T("highlights.no_highlight"))
	} else {
		lines = append(lines, "", r.T("highlights.highlights_header"))
		for _, h := range s.Highlights {
			lines = append(lines, b.highlightLines(r.Printer, h)...)
		}
	}
	if s.Note != "" {
		lines = append(lines, "", r.T("highlights.note", "note", s.Note))
	}
	key := congress.SessionKey(ev, s)
	choices := []bot.Choice{{Action: "hl.follow", Value: "s:" + key, Label: r.T("highlights.button_follow_session")}}
	if start, ok := s.Starts(); ok && start.After(b.Clock.Now()) {
		choices = append(choices, bot.Choice{Action: "hl.register", Value: key, Label: r.T("highlights.button_register")})
	}
	for _, id := range s.Topics[:min(2, len(s.Topics))] {
		choices = append(choices, bot.Choice{Action: "hl.follow", Value: "t:" + id,
			Label: r.T("highlights.button_follow_topic", "topic", b.Core.Congress.Topic(id).Label(r.Lang))})
	}
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: choices}
}

func (b *Feature) speakerLabel(r *core.Turn, sp *content.Speaker) string {
	parts := []string{sp.Name}
	if sp.Role != "" {
		parts = append(parts, sp.Role)
	}
	if sp.Organisation != "" {
		parts = append(parts, sp.Organisation)
	}
	s := strings.Join(parts, ", ")
	if sp.Inferred {
		s = r.T("highlights.speaker_inferred", "speaker", s)
	}
	return s
}

// highlightLines renders one highlight as a bullet, its quote below.
func (b *Feature) highlightLines(r core.Printer, h *content.Highlight) []string {
	text := h.Text
	if h.IsInferred("text") {
		text = r.T("highlights.inferred", "value", text)
	}
	lines := []string{"- " + text}
	if h.Quote != "" {
		author := h.Author
		if h.IsInferred("author") {
			author = r.T("highlights.inferred", "value", author)
		}
		lines = append(lines, "  "+r.T("highlights.quote", "quote", h.Quote, "author", author))
	}
	if h.Source != "" {
		lines = append(lines, "  "+r.T("highlights.source", "url", h.Source))
	}
	return lines
}

// maxResultSessions bounds the sessions a search shows; maxSearchHits the
// documents read to find them (and their best highlights).
const (
	maxResultSessions = 5
	maxSearchHits     = 300
)

// countMiss counts a search that found nothing, for the organizers'
// dashboard: the folded text only, with no trace of who searched.
func (b *Feature) countMiss(ctx context.Context, query string) {
	q := textnorm.Fold(query)
	for len(q) > bot.MaxSearchMissLen {
		_, size := utf8.DecodeLastRuneInString(q)
		q = q[:len(q)-size]
	}
	if q = strings.TrimSpace(q); q == "" {
		return
	}
	if err := b.store.CountSearchMiss(ctx, q); err != nil {
		b.Log.Warn("search miss not counted", "err", err)
	}
}

// searchReply runs a search on the event's sessions and highlights and
// shows the sessions found, best first, with their matching highlights.
func (b *Feature) searchReply(ctx context.Context, r *core.Turn, snap *congress.Snapshot, ev *content.Event, query string) bot.Reply {
	hits := snap.Index.Search(query, maxSearchHits)
	type found struct {
		session    *content.Session
		highlights []*content.Highlight
	}
	var results []*found
	bySession := map[*content.Session]*found{}
	for _, h := range hits {
		d := snap.Docs[h.Doc]
		if d.Event.ID != ev.ID {
			continue
		}
		f, ok := bySession[d.Session]
		if !ok {
			if len(results) == maxResultSessions {
				continue
			}
			f = &found{session: d.Session}
			bySession[d.Session] = f
			results = append(results, f)
		}
		if d.Highlight != nil && len(f.highlights) < 2 {
			f.highlights = append(f.highlights, d.Highlight)
		}
	}
	shown := core.ShortInput(query)
	if len(results) == 0 {
		b.countMiss(ctx, query)
		return bot.Reply{Text: r.T("highlights.search_none", "query", shown)}
	}
	lines := []string{r.T("highlights.search_header", "query", shown), ""}
	var choices []bot.Choice
	for _, f := range results {
		s := f.session
		lines = append(lines, r.T("highlights.list_line", "number", strconv.Itoa(s.Number), "title", s.Title,
			"kind", b.kindLabel(r, s), "count", strconv.Itoa(len(s.Highlights))))
		for _, h := range f.highlights {
			lines = append(lines, "- "+excerpt(h.Text, 220))
		}
		if len(choices) < 3 {
			choices = append(choices, bot.Choice{Action: "hl.show", Value: congress.SessionKey(ev, s),
				Label: r.T("highlights.button_show", "number", strconv.Itoa(s.Number))})
		}
	}
	lines = append(lines, "", r.T("highlights.search_footer"))
	if t, ok := b.findTopic(query); ok {
		choices = append(choices, bot.Choice{Action: "hl.follow", Value: "t:" + t.ID,
			Label: r.T("highlights.button_follow_topic", "topic", t.Label(r.Lang))})
	}
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: choices}
}

// excerpt cuts s to at most max runes, at a word boundary, with an
// ellipsis when it was cut.
func excerpt(s string, max int) string {
	out, cut := textnorm.Truncate(s, max)
	if !cut {
		return s
	}
	if i := strings.LastIndexByte(out, ' '); i > 0 {
		out = out[:i]
	}
	return strings.TrimRight(out, " ,;:") + " …"
}

// topicWords introduce a topic: « le thème IA ».
var topicWords = []string{"le theme", "theme", "the topic", "topic", "sujet", "le sujet"}

// findTopic finds a configured topic by id or label, in either language,
// or by the same search terms (« AI » is « IA »).
func (b *Feature) findTopic(arg string) (bot.HighlightTopic, bool) {
	f := textnorm.Fold(arg)
	for _, w := range topicWords {
		f = strings.TrimPrefix(f, w+" ")
	}
	if f == "" {
		return bot.HighlightTopic{}, false
	}
	terms := search.QueryTerms(f)
	for _, t := range b.Settings.Highlights.Topics {
		for _, name := range []string{t.ID, strings.ReplaceAll(t.ID, "_", " "), t.FR, t.EN} {
			if name != "" && (textnorm.Fold(name) == f || (len(terms) > 0 && slices.Equal(search.QueryTerms(name), terms))) {
				return t, true
			}
		}
	}
	return bot.HighlightTopic{}, false
}

// maxProblemsShown bounds the content problems an admin sees in the chat.
const maxProblemsShown = 5

// cmdReload loads the content again; a broken file keeps the current one.
func (b *Feature) cmdReload(ctx context.Context, r *core.Turn) []bot.Reply {
	if !b.Core.Congress.CanReload() {
		return []bot.Reply{r.Reply("highlights.reload_unavailable")}
	}
	set, err := b.Core.Congress.ReloadContent(ctx)
	var problems content.Problems
	switch {
	case errors.As(err, &problems):
		b.Log.Warn("content reload refused", "problems", len(problems), "err", err)
		shown := problems[:min(maxProblemsShown, len(problems))]
		lines := make([]string, len(shown))
		for i, p := range shown {
			lines[i] = "- " + p.String()
		}
		return []bot.Reply{r.Reply("highlights.reload_problems", "count", strconv.Itoa(len(problems)),
			"problems", strings.Join(lines, "\n"))}
	case err != nil:
		b.Log.Error("content reload", "err", err)
		return []bot.Reply{r.Reply("highlights.reload_failed")}
	}
	return []bot.Reply{r.Reply("highlights.reload_done", "events", strconv.Itoa(len(set.Events)),
		"highlights", strconv.Itoa(set.Highlights()))}
}
