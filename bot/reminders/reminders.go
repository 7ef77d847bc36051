package reminders

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/textnorm"
	"github.com/sndgct/maillage/internal/when"
)

// Reminder limits.
const (
	maxReminders    = 50  // pending per member
	maxReminderText = 300 // runes
)

func (b *Feature) reminderCommands() []*core.Command {
	return []*core.Command{
		{ID: "remind", Role: bot.RoleMember, Run: b.cmdRemind,
			Names: map[bot.Lang][]string{bot.French: {"rappelle-moi", "rappelez-moi", "rappel"}, bot.English: {"remind me", "reminder"}}},
		{ID: "reminders", Role: bot.RoleMember, Run: b.cmdReminders,
			Names: map[bot.Lang][]string{bot.French: {"mes rappels", "rappels"}, bot.English: {"my reminders", "reminders"}}},
		{ID: "reminder_cancel", Role: bot.RoleMember, Run: b.cmdReminderCancel,
			Names: map[bot.Lang][]string{bot.French: {"annuler rappel", "annuler le rappel", "supprimer rappel"}, bot.English: {"cancel reminder", "delete reminder"}}},
	}
}

func (b *Feature) cmdRemind(ctx context.Context, r *core.Turn) []bot.Reply {
	if r.Args == "" {
		return []bot.Reply{r.Reply("reminders.usage")}
	}
	loc := b.Core.RequestLocation(r)
	now := b.Clock.Now().In(loc)
	res, err := when.Parse(r.Args, string(r.Lang), now)
	var impossible *when.ImpossibleDateError
	switch {
	case errors.As(err, &impossible):
		return []bot.Reply{r.Reply("reminders.impossible", "date", impossible.Text, "max", strconv.Itoa(impossible.MaxDay))}
	case errors.Is(err, when.ErrNoTask):
		return []bot.Reply{r.Reply("reminders.no_task", "date", b.Core.FormatDateTime(r.Lang, res.At, loc))}
	case errors.Is(err, when.ErrPast):
		return []bot.Reply{r.Reply("reminders.past", "date", b.Core.FormatDateTime(r.Lang, res.At, loc))}
	case err != nil:
		shown, _ := textnorm.Truncate(r.Args, 60)
		return []bot.Reply{r.Reply("reminders.no_date", "input", shown)}
	}
	if n := len([]rune(res.Task)); n > maxReminderText {
		return []bot.Reply{r.Reply("reminders.too_long", "max", strconv.Itoa(maxReminderText))}
	}
	list, err := b.store.PendingFor(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("listing reminders", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	list = reminders(list)
	if len(list) >= maxReminders {
		return []bot.Reply{r.Reply("reminders.too_many", "max", strconv.Itoa(maxReminders))}
	}
	p := bot.Pending{
		To:      r.Msg.From,
		Kind:    bot.PendingReminder,
		Due:     res.At,
		Text:    res.Task,
		Number:  freeNumber(list),
		Lang:    r.Lang,
		Created: b.Clock.Now(),
	}
	// The key holds the number: a second request at the same instant (on
	// another replica) takes the next number instead of being lost.
	for {
		p.Key = "reminder:" + b.Core.Outbox.RefHash(r.Msg.From) + ":" + strconv.Itoa(p.Number) + ":" + strconv.FormatInt(p.Created.UnixNano(), 36)
		saved, err := b.store.SavePending(ctx, p)
		if err != nil {
			b.Log.Error("saving a reminder", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		if saved {
			break
		}
		p.Number++
	}
	b.Log.Info("reminder set", "member", b.Core.Pseudonym(r.Msg.From), "due", res.At)
	return []bot.Reply{r.Reply("reminders.set", "date", b.Core.FormatDateTime(r.Lang, res.At, loc)+b.zoneNote(r.Lang, loc),
		"task", res.Task, "number", strconv.Itoa(p.Number))}
}

// reminders keeps the reminders among pending messages.
func reminders(list []bot.Pending) []bot.Pending {
	return slices.DeleteFunc(list, func(p bot.Pending) bool { return p.Kind != bot.PendingReminder })
}

// freeNumber is the smallest number no pending reminder uses, so that
// numbers stay short and stable while a reminder waits.
func freeNumber(list []bot.Pending) int {
	used := map[int]bool{}
	for _, p := range list {
		used[p.Number] = true
	}
	n := 1
	for used[n] {
		n++
	}
	return n
}

// zoneNote names the member's zone when it is not the configured one:
// « (heure de La Réunion) ».
func (b *Feature) zoneNote(lang bot.Lang, loc *time.Location) string {
	def := b.Core.DefaultLocation()
	if loc == nil || def == nil || loc.String() == def.String() {
		return ""
	}
	return " " + b.Cat.T(string(lang), "reminders.zone", "zone", b.Core.ZoneLabel(lang, loc))
}

func (b *Feature) cmdReminders(ctx context.Context, r *core.Turn) []bot.Reply {
	list, err := b.store.PendingFor(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("listing reminders", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	list = reminders(list)
	if len(list) == 0 {
		return []bot.Reply{r.Reply("reminders.none")}
	}
	loc := b.Core.RequestLocation(r)
	lines := []string{r.T("reminders.list_header")}
	for _, p := range list {
		lines = append(lines, r.T("reminders.list_line", "number", strconv.Itoa(p.Number),
			"date", b.Core.FormatDateTime(r.Lang, p.Due, loc), "task", p.Text))
	}
	lines = append(lines, r.T("reminders.list_footer"))
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

func (b *Feature) cmdReminderCancel(ctx context.Context, r *core.Turn) []bot.Reply {
	arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(r.Args), "n°"), "#"))
	n, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || n <= 0 {
		return []bot.Reply{r.Reply("reminders.cancel_usage")}
	}
	list, err := b.store.PendingFor(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("listing reminders", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	for _, p := range reminders(list) {
		if p.Number != n {
			continue
		}
		err := b.store.DeletePending(ctx, p.Key)
		switch {
		case errors.Is(err, bot.ErrNotFound):
			return []bot.Reply{r.Reply("reminders.cancel_gone", "number", strconv.Itoa(n))}
		case err != nil:
			b.Log.Error("cancelling a reminder", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		return []bot.Reply{r.Reply("reminders.cancelled", "number", strconv.Itoa(n), "task", p.Text,
			"date", b.Core.FormatDateTime(r.Lang, p.Due, b.Core.RequestLocation(r)))}
	}
	return []bot.Reply{r.Reply("reminders.cancel_unknown", "number", strconv.Itoa(n))}
}

// reminderReply is the message of a due reminder, in the member's
// language as it is now.
func (b *Feature) reminderReply(ctx context.Context, p bot.Pending) bot.Reply {
	lang := p.Lang
	loc := b.Settings.Location
	if m, err := b.store.Member(ctx, p.To); err == nil {
		if m.Language != "" {
			lang = m.Language
		}
		loc = b.Core.Outbox.MemberLocation(m)
	}
	if _, ok := bot.ParseLang(string(lang)); !ok {
		lang = b.Settings.DefaultLang
	}
	return bot.Reply{Text: b.Cat.T(string(lang), "reminders.deliver", "task", p.Text,
		"created", b.Core.FormatDateTime(lang, p.Created, loc))}
}
