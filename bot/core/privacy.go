package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sndgct/maillage/bot"

	"github.com/sndgct/maillage/internal/textnorm"
)

// Privacy self-service: a member sees everything Maillage keeps about them
// ("mes données") and erases it ("supprimer mes données"). Every feature
// that keeps personal data registers one dataPart in personalDataParts, so
// that the export and the erasure cover it, and the retention purge too.

// dataPart is one kind of personal data kept about a member.
type dataPart struct {
	// name is the part's key in the export ("profile", "matches"...).
	name string
	// export returns the part for ref (nil when there is nothing).
	export func(ctx context.Context, ref bot.UserRef) (any, error)
	// erase removes the part for ref, and every reference to ref in other
	// members' records (which keep only an anonymous placeholder). No
	// error when there is nothing.
	erase func(ctx context.Context, ref bot.UserRef) error
	// purge, when set, removes the part's records older than before
	// (history kept beyond the retention period); it returns how many.
	purge func(ctx context.Context, before time.Time) (int, error)
}

// personalDataParts lists every kind of personal data, erased in this
// order (the member record last, so that a failed erasure can be retried
// by the member). Features add one line each.
func (b *Bot) personalDataParts() []dataPart {
	return []dataPart{
		{name: "dialogue", export: b.exportDialogue, erase: b.store.DeleteDialogue},
		{name: "pending", export: b.exportPending, erase: b.erasePending},          // reminders, held messages
		{name: "highlights", export: b.exportHighlights, erase: b.eraseHighlights}, // highlights_privacy.go
		{name: "platform", export: b.exportPlatformData, erase: b.erasePlatformData},
		{name: "matching", export: b.exportMatching, erase: b.eraseMatching, purge: b.purgeMatching},         // matching_privacy.go
		{name: "broadcasts", export: b.exportBroadcasts, erase: b.eraseBroadcasts, purge: b.purgeBroadcasts}, // broadcasts_chat.go
		{name: "profile", export: b.exportProfile, erase: b.eraseProfile},
	}
}

func (b *Bot) exportProfile(ctx context.Context, ref bot.UserRef) (any, error) {
	return exported(b.store.Member(ctx, ref))
}

// exported turns a store read into an export part: nil when not found.
func exported[T any](v T, err error) (any, error) {
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (b *Bot) eraseProfile(ctx context.Context, ref bot.UserRef) error {
	if err := b.store.DeleteMember(ctx, ref); err != nil && !isNotFound(err) {
		return err
	}
	b.forgetEmail(ref)
	return nil
}

func (b *Bot) exportPending(ctx context.Context, ref bot.UserRef) (any, error) {
	return exported(b.store.PendingFor(ctx, ref))
}

func (b *Bot) erasePending(ctx context.Context, ref bot.UserRef) error {
	if err := b.rehomeHeldIntros(ctx, ref); err != nil { // matching_send.go
		return err
	}
	_, err := b.store.ErasePending(ctx, ref)
	return err
}

func (b *Bot) exportDialogue(ctx context.Context, ref bot.UserRef) (any, error) {
	return exported(b.store.Dialogue(ctx, ref))
}

// Export is everything kept about one member, as "mes données" shows it.
type Export struct {
	ExportedAt      time.Time      `json:"exported_at"`
	Controller      string         `json:"controller"`
	Contact         string         `json:"contact,omitempty"`
	RetentionMonths int            `json:"retention_months"`
	Data            map[string]any `json:"data"`
}

// ExportMember gathers every personal-data part about ref.
func (b *Bot) ExportMember(ctx context.Context, ref bot.UserRef) (Export, error) {
	p := b.settings.Privacy
	ex := Export{ExportedAt: b.clock.Now().UTC(), Controller: p.Controller, Contact: p.Contact,
		RetentionMonths: p.RetentionMonths, Data: map[string]any{}}
	for _, part := range b.personalDataParts() {
		v, err := part.export(ctx, ref)
		if err != nil {
			return Export{}, fmt.Errorf("export %s: %w", part.name, err)
		}
		ex.Data[part.name] = v
	}
	return ex, nil
}

// EraseMember erases every personal-data part about ref, then has the
// store overwrite what it freed.
func (b *Bot) EraseMember(ctx context.Context, ref bot.UserRef) error {
	var errs []error
	for _, part := range b.personalDataParts() {
		if err := part.erase(ctx, ref); err != nil {
			errs = append(errs, fmt.Errorf("erase %s: %w", part.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := b.store.ScrubErased(ctx); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	return nil
}

func (b *Bot) cmdMyData(ctx context.Context, r *request) []bot.Reply {
	ex, err := b.ExportMember(ctx, r.msg.From)
	if err != nil {
		b.log.Error("exporting member data", "member", pseudonym(r.msg.From), "err", err)
		return []bot.Reply{r.reply("error.unavailable")}
	}
	data, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		b.log.Error("encoding member data", "member", pseudonym(r.msg.From), "err", err)
		return []bot.Reply{r.reply("error.internal")}
	}
	return []bot.Reply{r.reply("members.data.intro"), {Text: string(data)}}
}

const eraseKind = "erase"

func (b *Bot) cmdErase(ctx context.Context, r *request) []bot.Reply {
	now := b.clock.Now()
	d := bot.Dialogue{Member: r.msg.From, Kind: eraseKind, Step: "confirm", Started: now, Expires: now.Add(time.Hour)}
	if err := b.store.SaveDialogue(ctx, d); err != nil {
		b.log.Error("saving dialogue", "member", pseudonym(r.msg.From), "err", err)
		return []bot.Reply{r.reply("error.unavailable")}
	}
	return []bot.Reply{{Text: r.T("members.erase.ask"), Choices: []bot.Choice{
		{Action: "erase.confirm", Value: "yes", Label: r.T("members.erase.yes_button"), Style: "danger"},
		{Action: "erase.confirm", Value: "no", Label: r.T("members.erase.no_button")},
	}}}
}

func (b *Bot) choiceErase(ctx context.Context, r *request, v string) []bot.Reply {
	d, err := b.store.Dialogue(ctx, r.msg.From)
	if err != nil || d.Kind != eraseKind {
		return []bot.Reply{r.reply("members.expired")}
	}
	return b.answerErase(ctx, r, v == "yes")
}

func (b *Bot) dialogueErase(ctx context.Context, r *request, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.msg.Conversation.Kind != bot.Direct {
		return nil, false
	}
	yes, ok := yesNo(textnorm.Fold(r.text))
	if !ok {
		if commandFound {
			return nil, false
		}
		return []bot.Reply{r.reply("members.erase.reprompt")}, true
	}
	return b.answerErase(ctx, r, yes), true
}

func (b *Bot) answerErase(ctx context.Context, r *request, yes bool) []bot.Reply {
	if !yes {
		b.endDialogue(ctx, r)
		return []bot.Reply{r.reply("members.erase.kept")}
	}
	if err := b.EraseMember(ctx, r.msg.From); err != nil {
		b.log.Error("erasing member", "member", pseudonym(r.msg.From), "err", err)
		return []bot.Reply{r.reply("members.erase.failed")}
	}
	b.log.Info("member erased their data", "member", pseudonym(r.msg.From))
	r.known, r.member = false, bot.Member{Ref: r.msg.From}
	return []bot.Reply{r.reply("members.erase.done")}
}

// PurgeRetention enforces the retention period (Settings.Privacy
// .RetentionMonths): it erases the members who do not take part in
// matching (never opted in, or left) and have not changed anything for
// that long, and has every data part with a purge drop its history older
// than that. It returns the number of members and records removed. The
// scheduler's purge job calls it with its slot.
func (b *Bot) PurgeRetention(ctx context.Context, now time.Time) (int, error) {
	months := b.settings.Privacy.RetentionMonths
	if months <= 0 {
		months = 24
	}
	cutoff := now.AddDate(0, -months, 0)
	var stale []bot.UserRef
	err := b.store.Members(ctx, func(m bot.Member) error {
		if m.OptedIn.IsZero() && m.Updated.Before(cutoff) {
			stale = append(stale, m.Ref)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retention purge: %w", err)
	}
	n := 0
	for _, ref := range stale {
		for _, part := range b.personalDataParts() {
			if err := part.erase(ctx, ref); err != nil {
				return n, fmt.Errorf("retention purge: erase %s: %w", part.name, err)
			}
		}
		n++
	}
	for _, part := range b.personalDataParts() {
		if part.purge == nil {
			continue
		}
		k, err := part.purge(ctx, cutoff)
		n += k
		if err != nil {
			return n, fmt.Errorf("retention purge: %s: %w", part.name, err)
		}
	}
	if n > 0 {
		if err := b.store.ScrubErased(ctx); err != nil {
			return n, fmt.Errorf("retention purge: %w", err)
		}
		b.log.Info("retention purge", "removed", n, "months", months)
	}
	return n, nil
}
