package highlights

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/textnorm"
)

// subscription returns the member's record, or a new one.
func (b *Feature) subscription(ctx context.Context, ref bot.UserRef) (bot.HighlightFollows, error) {
	sub, err := b.store.HighlightFollows(ctx, ref)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.HighlightFollows{Member: ref}, nil
	}
	return sub, err
}

// saveSubscription stores the record, or erases it when it holds nothing:
// no personal data is kept without a reason.
func (b *Feature) saveSubscription(ctx context.Context, sub bot.HighlightFollows) error {
	if sub.Empty() {
		return b.store.EraseHighlightFollows(ctx, sub.Member)
	}
	sub.Updated = b.Clock.Now()
	if sub.DigestCursor.IsZero() {
		// Only what is published from now on is news for this member.
		sub.DigestCursor = sub.Updated
	}
	return b.store.SaveHighlightFollows(ctx, sub)
}

// updateSubscription applies change to the member's record and stores it;
// change returns the reply and whether to save.
func (b *Feature) updateSubscription(ctx context.Context, r *core.Turn, change func(sub *bot.HighlightFollows) (bot.Reply, bool)) []bot.Reply {
	sub, err := b.subscription(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("reading subscription", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	sub.Lang = r.Lang
	rep, save := change(&sub)
	if save {
		if err := b.saveSubscription(ctx, sub); err != nil {
			b.Log.Error("saving subscription", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
			return []bot.Reply{r.Reply("error.unavailable")}
		}
	}
	return []bot.Reply{rep}
}

// followTarget is what « suivre … » names: a topic or a session.
type followTarget struct {
	topic   bot.HighlightTopic
	event   *content.Event
	session *content.Session
}

// resolveFollow reads the argument of « suivre » and « ne plus suivre ».
func (b *Feature) resolveFollow(ctx context.Context, arg string) (followTarget, bool) {
	if t, ok := b.findTopic(arg); ok {
		return followTarget{topic: t}, true
	}
	if ev := b.Core.Congress.Current(b.Core.Congress.Content(ctx)); ev != nil {
		if s, ok := congress.FindSession(ev, arg); ok {
			return followTarget{event: ev, session: s}, true
		}
	}
	return followTarget{}, false
}

func (b *Feature) resolveKey(ctx context.Context, value string) (followTarget, bool) {
	kind, rest, _ := strings.Cut(value, ":")
	switch kind {
	case "t":
		for _, t := range b.Settings.Highlights.Topics {
			if t.ID == rest {
				return followTarget{topic: t}, true
			}
		}
	case "s":
		if ev, s, ok := b.Core.Congress.Content(ctx).SessionByKey(rest); ok {
			return followTarget{event: ev, session: s}, true
		}
	}
	return followTarget{}, false
}

// topicChoices offers the topics as buttons.
func (b *Feature) topicChoices(r *core.Turn, action string) []bot.Choice {
	var out []bot.Choice
	for _, t := range b.Settings.Highlights.Topics {
		out = append(out, bot.Choice{Action: action, Value: "t:" + t.ID, Label: t.Label(r.Lang)})
	}
	return out
}

func (b *Feature) cmdFollow(ctx context.Context, r *core.Turn) []bot.Reply {
	if r.Args == "" {
		return []bot.Reply{{Text: r.T("highlights.follow_ask"), Choices: b.topicChoices(r, "hl.follow")}}
	}
	t, ok := b.resolveFollow(ctx, r.Args)
	if !ok {
		return []bot.Reply{{Text: r.T("highlights.follow_unknown", "input", core.ShortInput(r.Args)), Choices: b.topicChoices(r, "hl.follow")}}
	}
	return b.follow(ctx, r, t)
}

func (b *Feature) choiceFollow(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	t, ok := b.resolveKey(ctx, value)
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.follow(ctx, r, t)
}

func (b *Feature) follow(ctx context.Context, r *core.Turn, t followTarget) []bot.Reply {
	return b.updateSubscription(ctx, r, func(sub *bot.HighlightFollows) (bot.Reply, bool) {
		list, id, name := &sub.Topics, t.topic.ID, r.T("highlights.topic_name", "topic", t.topic.Label(r.Lang))
		if t.session != nil {
			list, id = &sub.Sessions, congress.SessionKey(t.event, t.session)
			name = r.T("highlights.session_name", "number", strconv.Itoa(t.session.Number), "title", t.session.Title)
		}
		if slices.Contains(*list, id) {
			return r.Reply("highlights.follow_already", "name", name), false
		}
		*list = append(*list, id)
		slices.Sort(*list)
		return r.Reply("highlights.follow_done", "name", name), true
	})
}

func (b *Feature) cmdUnfollow(ctx context.Context, r *core.Turn) []bot.Reply {
	f := textnorm.Fold(r.Args)
	if f == "tout" || f == "all" || f == "everything" || f == "tous" {
		return b.updateSubscription(ctx, r, func(sub *bot.HighlightFollows) (bot.Reply, bool) {
			sub.Topics, sub.Sessions = nil, nil
			return r.Reply("highlights.unfollow_all"), true
		})
	}
	t, ok := b.resolveFollow(ctx, r.Args)
	if r.Args == "" || !ok {
		return []bot.Reply{r.Reply("highlights.unfollow_unknown", "input", core.ShortInput(r.Args))}
	}
	return b.updateSubscription(ctx, r, func(sub *bot.HighlightFollows) (bot.Reply, bool) {
		list, id, name := &sub.Topics, t.topic.ID, r.T("highlights.topic_name", "topic", t.topic.Label(r.Lang))
		if t.session != nil {
			list, id = &sub.Sessions, congress.SessionKey(t.event, t.session)
			name = r.T("highlights.session_name", "number", strconv.Itoa(t.session.Number), "title", t.session.Title)
		}
		i := slices.Index(*list, id)
		if i < 0 {
			return r.Reply("highlights.unfollow_not_followed", "name", name), false
		}
		*list = slices.Delete(*list, i, i+1)
		return r.Reply("highlights.unfollow_done", "name", name), true
	})
}

// cmdFollowing lists what the member follows and registered for.
func (b *Feature) cmdFollowing(ctx context.Context, r *core.Turn) []bot.Reply {
	sub, err := b.subscription(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("reading subscription", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if sub.Empty() {
		return []bot.Reply{r.Reply("highlights.following_none")}
	}
	snap := b.Core.Congress.Content(ctx)
	var lines []string
	if len(sub.Topics) > 0 {
		var names []string
		for _, id := range sub.Topics {
			names = append(names, b.Core.Congress.Topic(id).Label(r.Lang))
		}
		lines = append(lines, r.T("highlights.following_topics", "topics", strings.Join(names, ", ")))
	}
	if len(sub.Sessions) > 0 {
		lines = append(lines, r.T("highlights.following_sessions"))
		for _, key := range sub.Sessions {
			lines = append(lines, "- "+b.sessionName(r, snap, key))
		}
	}
	if len(sub.Registrations) > 0 {
		lines = append(lines, r.T("highlights.following_registrations"))
		for _, reg := range sub.Registrations {
			line := "- " + b.sessionName(r, snap, reg.Event+"/"+reg.Session)
			if _, s, ok := snap.SessionByKey(reg.Event + "/" + reg.Session); ok {
				line += " — " + b.when(r.Printer, s)
			}
			lines = append(lines, line)
		}
		lines = append(lines, r.T("highlights.reminder_note", "before", formatDuration(r, b.Settings.Highlights.ReminderBefore)))
	}
	lines = append(lines, "", r.T("highlights.following_footer"))
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

// sessionName names a followed session, even one no longer in the content.
func (b *Feature) sessionName(r *core.Turn, snap *congress.Snapshot, key string) string {
	if _, s, ok := snap.SessionByKey(key); ok {
		return r.T("highlights.session_name", "number", strconv.Itoa(s.Number), "title", s.Title)
	}
	return r.T("highlights.session_gone", "id", key)
}

func formatDuration(r *core.Turn, d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return r.T("highlights.duration_minutes", "minutes", strconv.Itoa(m))
	case m == 0:
		return r.T("highlights.duration_hours", "hours", strconv.Itoa(h))
	}
	return r.T("highlights.duration_hours_minutes", "hours", strconv.Itoa(h), "minutes", strconv.Itoa(m))
}

// trimPreposition drops « à », « au », « for », « to »… before a session.
func trimPreposition(arg string) string {
	f := strings.TrimSpace(arg)
	for _, p := range []string{"à la ", "a la ", "à ", "a ", "au ", "de la ", "de ", "du ", "for ", "to ", "from ", "the "} {
		if len(f) > len(p) && strings.EqualFold(f[:len(p)], p) {
			return f[len(p):]
		}
	}
	return f
}

func (b *Feature) cmdRegister(ctx context.Context, r *core.Turn) []bot.Reply {
	arg := trimPreposition(r.Args)
	snap := b.Core.Congress.Content(ctx)
	ev := b.Core.Congress.Current(snap)
	if ev == nil {
		return []bot.Reply{r.Reply("highlights.no_content")}
	}
	if arg == "" {
		return []bot.Reply{r.Reply("highlights.register_ask")}
	}
	s, ok := congress.FindSession(ev, arg)
	if !ok {
		return []bot.Reply{r.Reply("highlights.session_unknown", "input", core.ShortInput(arg), "count", strconv.Itoa(len(ev.Sessions)))}
	}
	return b.register(ctx, r, ev, s)
}

func (b *Feature) choiceRegister(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	ev, s, ok := b.Core.Congress.Content(ctx).SessionByKey(value)
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.register(ctx, r, ev, s)
}

func (b *Feature) register(ctx context.Context, r *core.Turn, ev *content.Event, s *content.Session) []bot.Reply {
	name := r.T("highlights.session_name", "number", strconv.Itoa(s.Number), "title", s.Title)
	start, ok := s.Starts()
	switch {
	case !ok:
		return []bot.Reply{r.Reply("highlights.register_no_time", "name", name)}
	case !start.After(b.Clock.Now()):
		return []bot.Reply{r.Reply("highlights.register_past", "name", name)}
	}
	sub, err := b.subscription(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("reading subscription", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	for _, have := range sub.Registrations {
		if have.Event == ev.ID && have.Session == s.ID {
			return []bot.Reply{r.Reply("highlights.register_already", "name", name)}
		}
	}
	// The reminder first: a registration is never stored without it.
	reg := bot.SessionRegistration{Event: ev.ID, Session: s.ID, Starts: start, Registered: b.Clock.Now()}
	if err := b.scheduleReminder(ctx, r.Msg.From, r.Lang, ev, s, start); err != nil {
		b.Log.Error("registering for a session", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	sub.Lang = r.Lang
	sub.Registrations = append(sub.Registrations, reg)
	if err := b.saveSubscription(ctx, sub); err != nil {
		b.Log.Error("saving subscription", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		if err := b.cancelReminder(ctx, r.Msg.From, reg); err != nil {
			b.Log.Warn("cancelling an orphan session reminder", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		}
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("highlights.register_done", "name", name, "when", b.when(r.Printer, s),
		"before", formatDuration(r, b.Settings.Highlights.ReminderBefore))}
}

func (b *Feature) cmdUnregister(ctx context.Context, r *core.Turn) []bot.Reply {
	arg := trimPreposition(r.Args)
	snap := b.Core.Congress.Content(ctx)
	ev := b.Core.Congress.Current(snap)
	var s *content.Session
	if ev != nil {
		s, _ = congress.FindSession(ev, arg)
	}
	if s == nil {
		return []bot.Reply{r.Reply("highlights.unregister_unknown", "input", core.ShortInput(arg))}
	}
	name := r.T("highlights.session_name", "number", strconv.Itoa(s.Number), "title", s.Title)
	return b.updateSubscription(ctx, r, func(sub *bot.HighlightFollows) (bot.Reply, bool) {
		i := slices.IndexFunc(sub.Registrations, func(reg bot.SessionRegistration) bool { return reg.Event == ev.ID && reg.Session == s.ID })
		if i < 0 {
			return r.Reply("highlights.unregister_not_registered", "name", name), false
		}
		if err := b.cancelReminder(ctx, r.Msg.From, sub.Registrations[i]); err != nil {
			b.Log.Error("unregistering from a session", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
			return r.Reply("error.unavailable"), false
		}
		sub.Registrations = slices.Delete(sub.Registrations, i, i+1)
		return r.Reply("highlights.unregister_done", "name", name), true
	})
}
