package highlights

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/internal/content"
)

// Session reminders ride on the scheduler's outbox: registering stores a
// pending message due ReminderBefore before the session starts, which the
// scheduler sends on time, once, on whichever replica ticks first, even
// after a restart. The member asked for it, so it does not wait for
// working hours. Unregistering deletes it; a reload that moves the session
// moves it; erasing the member's data (ErasePending) removes it.

// reminderKey identifies the pending reminder of one registration; the
// start time is part of it, so that a moved session gets a new reminder.
func reminderKey(event, session string, ref bot.UserRef, starts time.Time) string {
	return "hl-reminder|" + event + "/" + session + "|" + strconv.FormatInt(starts.Unix(), 10) + "|" + ref.Key()
}

// scheduleReminder stores the pending reminder of a registration, in lang.
// A session starting within ReminderBefore is reminded at the next tick.
func (b *Feature) scheduleReminder(ctx context.Context, ref bot.UserRef, lang bot.Lang, ev *content.Event, s *content.Session, starts time.Time) error {
	r := b.Core.Printer(lang)
	text := r.T("highlights.reminder", "title", s.Title, "when", b.when(r, s), "event", ev.Name)
	if s.Room != "" {
		text += "\n" + r.T("highlights.room", "room", s.Room)
	}
	_, err := b.store.SavePending(ctx, bot.Pending{
		Key:  reminderKey(ev.ID, s.ID, ref, starts),
		To:   ref,
		Kind: bot.PendingHeld, // sent as is when due
		Due:  starts.Add(-b.Settings.Highlights.ReminderBefore),
		Reply: bot.Reply{Text: text, Choices: []bot.Choice{{Action: "hl.show", Value: congress.SessionKey(ev, s),
			Label: r.T("highlights.button_show", "number", strconv.Itoa(s.Number))}}},
		Lang:    lang,
		Created: b.Clock.Now(),
	})
	if err != nil {
		return fmt.Errorf("scheduling a session reminder: %w", err)
	}
	return nil
}

// cancelReminder deletes the pending reminder of a registration, if any.
func (b *Feature) cancelReminder(ctx context.Context, ref bot.UserRef, reg bot.SessionRegistration) error {
	err := b.store.DeletePending(ctx, reminderKey(reg.Event, reg.Session, ref, reg.Starts))
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return fmt.Errorf("cancelling a session reminder: %w", err)
	}
	return nil
}

// resyncReminders follows the programme after a reload: a registration
// whose session moved gets its reminder moved; one whose session left the
// programme, or lost its time, loses its reminder (the registration stays,
// shown as removed). It returns how many reminders it changed.
func (b *Feature) resyncReminders(ctx context.Context) (int, error) {
	snap := b.Core.Congress.Content(ctx)
	var all []bot.HighlightFollows
	if err := b.store.EachHighlightFollows(ctx, func(f bot.HighlightFollows) error { all = append(all, f); return nil }); err != nil {
		return 0, fmt.Errorf("resync reminders: %w", err)
	}
	now := b.Clock.Now()
	changed := 0
	var errs []error
	for _, f := range all {
		moved := false
		for i, reg := range f.Registrations {
			ev, s, ok := snap.SessionByKey(reg.Event + "/" + reg.Session)
			var starts time.Time
			if ok {
				starts, _ = s.Starts()
			}
			if starts.Equal(reg.Starts) {
				continue
			}
			if err := b.cancelReminder(ctx, f.Member, reg); err != nil {
				errs = append(errs, err)
				continue
			}
			if !starts.IsZero() && starts.After(now) {
				if err := b.scheduleReminder(ctx, f.Member, b.followerLang(ctx, f), ev, s, starts); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			f.Registrations[i].Starts = starts
			moved = true
			changed++
		}
		if moved {
			regs := f.Registrations
			if err := b.markSubscription(ctx, f.Member, func(cur *bot.HighlightFollows) {
				for i := range cur.Registrations {
					for _, r := range regs {
						if strings.EqualFold(cur.Registrations[i].Event+"/"+cur.Registrations[i].Session, r.Event+"/"+r.Session) {
							cur.Registrations[i].Starts = r.Starts
						}
					}
				}
			}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return changed, errors.Join(errs...)
}
