package highlights

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
)

// dialoguePublish is the dialogue in which an organizer publishes a
// highlight: session → text → quote (optional) → author → preview →
// confirmation. « annuler » ends it at any step.
const dialoguePublish = "hl.publish"

// Steps of the publish dialogue.
const (
	pubSession = "session"
	pubText    = "text"
	pubQuote   = "quote"
	pubAuthor  = "author"
	pubConfirm = "confirm"
)

func (b publishing) cmdPublish(ctx context.Context, r *core.Turn) []bot.Reply {
	snap := b.Core.Congress.Content(ctx)
	ev := b.Core.Congress.Current(snap)
	if ev == nil {
		return []bot.Reply{r.Reply("highlights.no_content")}
	}
	d := bot.Dialogue{Member: r.Msg.From, Kind: dialoguePublish, Step: pubSession, Data: map[string]string{"event": ev.ID}}
	if r.Args != "" {
		if s, ok := congress.FindSession(ev, r.Args); ok {
			d.Data["session"] = s.ID
			d.Step = pubText
			return b.savePublish(ctx, r, d, b.publishTextPrompt(r, s))
		}
	}
	return b.savePublish(ctx, r, d, b.publishSessionPrompt(r, ev))
}

func (b publishing) publishSessionPrompt(r *core.Turn, ev *content.Event) bot.Reply {
	var choices []bot.Choice
	lines := []string{r.T("highlights.publish_ask_session")}
	for _, s := range ev.Sessions {
		lines = append(lines, r.T("highlights.publish_session_line", "number", strconv.Itoa(s.Number), "title", s.Title))
		choices = append(choices, bot.Choice{Action: "hl.pub_session", Value: s.ID,
			Label: r.T("highlights.button_session", "number", strconv.Itoa(s.Number))})
	}
	if len(choices) > 10 {
		choices = nil // too many buttons: the member types the number
	}
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: choices}
}

func (b publishing) publishTextPrompt(r *core.Turn, s *content.Session) bot.Reply {
	return r.Reply("highlights.publish_ask_text", "number", strconv.Itoa(s.Number), "title", s.Title,
		"max", strconv.Itoa(content.MaxTextRunes))
}

// savePublish stores the dialogue and answers rep.
func (b publishing) savePublish(ctx context.Context, r *core.Turn, d bot.Dialogue, rep bot.Reply) []bot.Reply {
	now := b.Clock.Now()
	if d.Started.IsZero() {
		d.Started = now
	}
	d.Expires = now.Add(b.Settings.DialogueTTL)
	if err := b.store.SaveDialogue(ctx, d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{rep}
}

// publishDialogue returns the organizer's publish dialogue, if any.
func (b publishing) publishDialogue(ctx context.Context, r *core.Turn) (bot.Dialogue, bool) {
	d, err := b.store.Dialogue(ctx, r.Msg.From)
	if err != nil || d.Kind != dialoguePublish {
		return bot.Dialogue{}, false
	}
	return d, true
}

// publishSession returns the event and session the dialogue is about.
func (b publishing) publishSession(ctx context.Context, d bot.Dialogue) (*content.Event, *content.Session, bool) {
	return b.Core.Congress.Content(ctx).SessionByKey(d.Data["event"] + "/" + d.Data["session"])
}

func (b publishing) dialoguePublish(ctx context.Context, r *core.Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.Role < bot.RoleOrganizer {
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
		return nil, false
	}
	switch d.Step {
	case pubSession:
		ev, ok := b.Core.Congress.Content(ctx).Set.Event(d.Data["event"])
		if !ok {
			return b.endPublish(ctx, r, "highlights.publish_gone"), true
		}
		s, ok := congress.FindSession(ev, r.Text)
		if !ok {
			if commandFound {
				return nil, false
			}
			return []bot.Reply{r.Reply("highlights.session_unknown", "input", core.ShortInput(r.Text), "count", strconv.Itoa(len(ev.Sessions)))}, true
		}
		return b.publishPickSession(ctx, r, d, s), true
	case pubText:
		n := utf8.RuneCountInString(r.Text)
		if n > content.MaxTextRunes {
			return []bot.Reply{r.Reply("highlights.publish_too_long", "count", strconv.Itoa(n), "max", strconv.Itoa(content.MaxTextRunes))}, true
		}
		d.Data["text"], d.Step = r.Text, pubQuote
		return b.savePublish(ctx, r, d, b.publishQuotePrompt(r)), true
	case pubQuote:
		if core.IsNo(r.Text) {
			return b.publishPreview(ctx, r, d), true
		}
		if n := utf8.RuneCountInString(r.Text); n > content.MaxQuoteRunes {
			return []bot.Reply{r.Reply("highlights.publish_too_long", "count", strconv.Itoa(n), "max", strconv.Itoa(content.MaxQuoteRunes))}, true
		}
		d.Data["quote"], d.Step = strings.Trim(r.Text, "«»\"“” "), pubAuthor
		return b.savePublish(ctx, r, d, r.Reply("highlights.publish_ask_author")), true
	case pubAuthor:
		if n := utf8.RuneCountInString(r.Text); n > content.MaxTitleRunes {
			return []bot.Reply{r.Reply("highlights.publish_too_long", "count", strconv.Itoa(n), "max", strconv.Itoa(content.MaxTitleRunes))}, true
		}
		d.Data["author"] = r.Text
		return b.publishPreview(ctx, r, d), true
	case pubConfirm:
		switch {
		case core.IsYes(r.Text):
			return b.publishConfirmed(ctx, r, d), true
		case commandFound:
			return nil, false
		}
		return []bot.Reply{b.previewReply(ctx, r, d)}, true
	}
	return b.endPublish(ctx, r, "highlights.publish_gone"), true
}

func (b publishing) publishQuotePrompt(r *core.Turn) bot.Reply {
	return bot.Reply{Text: r.T("highlights.publish_ask_quote"),
		Choices: []bot.Choice{{Action: "hl.pub_noquote", Value: "", Label: r.T("highlights.button_no_quote")}}}
}

func (b publishing) publishPickSession(ctx context.Context, r *core.Turn, d bot.Dialogue, s *content.Session) []bot.Reply {
	d.Data["session"], d.Step = s.ID, pubText
	return b.savePublish(ctx, r, d, b.publishTextPrompt(r, s))
}

func (b publishing) choicePublishSession(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	d, ok := b.publishDialogue(ctx, r)
	if !ok || d.Step != pubSession || r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	ev, ok := b.Core.Congress.Content(ctx).Set.Event(d.Data["event"])
	if !ok {
		return b.endPublish(ctx, r, "highlights.publish_gone")
	}
	s, ok := ev.Session(value)
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.publishPickSession(ctx, r, d, s)
}

func (b publishing) choicePublishNoQuote(ctx context.Context, r *core.Turn, _ string) []bot.Reply {
	d, ok := b.publishDialogue(ctx, r)
	if !ok || d.Step != pubQuote || r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.publishPreview(ctx, r, d)
}

func (b publishing) choicePublishConfirm(ctx context.Context, r *core.Turn, _ string) []bot.Reply {
	d, ok := b.publishDialogue(ctx, r)
	if !ok || d.Step != pubConfirm || r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.publishConfirmed(ctx, r, d)
}

// draft is the highlight the dialogue has gathered.
func draft(d bot.Dialogue) *content.Highlight {
	return &content.Highlight{Text: d.Data["text"], Quote: d.Data["quote"], Author: d.Data["author"], Session: d.Data["session"]}
}

func (b publishing) previewReply(ctx context.Context, r *core.Turn, d bot.Dialogue) bot.Reply {
	title := d.Data["session"]
	if _, s, ok := b.publishSession(ctx, d); ok {
		title = s.Title
	}
	lines := []string{r.T("highlights.publish_preview", "title", title), ""}
	lines = append(lines, b.highlightLines(r.Printer, draft(d))...)
	lines = append(lines, "", r.T("highlights.publish_confirm_ask"))
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: []bot.Choice{
		{Action: "hl.pub_confirm", Value: "", Label: r.T("highlights.button_publish"), Style: "primary"},
	}}
}

func (b publishing) publishPreview(ctx context.Context, r *core.Turn, d bot.Dialogue) []bot.Reply {
	d.Step = pubConfirm
	return b.savePublish(ctx, r, d, b.previewReply(ctx, r, d))
}

func (b publishing) endPublish(ctx context.Context, r *core.Turn, key string) []bot.Reply {
	if err := b.store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	return []bot.Reply{r.Reply(key)}
}

// publishConfirmed stores the highlight (searchable at once, queued for
// the followers' digest by its publication time) and posts it to the
// highlights channel, if one is configured.
func (b publishing) publishConfirmed(ctx context.Context, r *core.Turn, d bot.Dialogue) []bot.Reply {
	ev, s, ok := b.publishSession(ctx, d)
	if !ok {
		return b.endPublish(ctx, r, "highlights.publish_gone")
	}
	now := b.Clock.Now()
	id := "publie-" + strings.ReplaceAll(now.UTC().Format("20060102-150405.000"), ".", "-")
	h := draft(d)
	p := bot.PublishedHighlight{Event: ev.ID, Session: s.ID, ID: id, Text: h.Text, Quote: h.Quote, Author: h.Author, Published: now}
	if err := b.store.SaveHighlight(ctx, p); err != nil {
		b.Log.Error("saving a published highlight", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")} // the dialogue stays: confirm again later
	}
	b.Core.Congress.RefreshContent()
	b.Log.Info("highlight published", "member", b.Core.Pseudonym(r.Msg.From), "event", ev.ID, "session", s.ID, "highlight", id)
	posted := ""
	if ch := b.Settings.Highlights.Channel; ch.ID != "" {
		if a, ok := b.Adapters[ch.Platform]; ok {
			cr := b.Core.Printer(b.Settings.DefaultLang)
			text := strings.Join(append([]string{cr.T("highlights.channel_post", "event", ev.Name,
				"number", strconv.Itoa(s.Number), "title", s.Title)}, b.highlightLines(cr, h)...), "\n")
			if _, err := b.Core.Outbox.Post(ctx, a, ch, bot.Reply{Text: text}); err != nil {
				b.Log.Error("posting a highlight to the channel", "err", err)
				posted = " " + r.T("highlights.publish_channel_failed")
			} else {
				posted = " " + r.T("highlights.publish_channel_done")
			}
		}
	}
	if err := b.store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	return []bot.Reply{r.Reply("highlights.publish_done", "title", s.Title, "channel", posted)}
}

// publishing is the highlights feature seen as the organizers' publishing and withdrawing.
type publishing struct{ *Feature }

func (b *Feature) publishing() publishing { return publishing{b} }
