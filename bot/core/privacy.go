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

func (b Privacy) exportProfile(ctx context.Context, ref bot.UserRef) (any, error) {
	return Exported(b.Store.Member(ctx, ref))
}

// exported turns a store read into an export part: nil when not found.
func Exported[T any](v T, err error) (any, error) {
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (b Privacy) eraseProfile(ctx context.Context, ref bot.UserRef) error {
	if err := b.Store.DeleteMember(ctx, ref); err != nil && !IsNotFound(err) {
		return err
	}
	b.forgetEmail(ref)
	return nil
}

func (b Privacy) exportPending(ctx context.Context, ref bot.UserRef) (any, error) {
	return Exported(b.Store.PendingFor(ctx, ref))
}

func (b Privacy) erasePending(ctx context.Context, ref bot.UserRef) error {
	_, err := b.Store.ErasePending(ctx, ref)
	return err
}

func (b Privacy) exportDialogue(ctx context.Context, ref bot.UserRef) (any, error) {
	return Exported(b.Store.Dialogue(ctx, ref))
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
	p := b.Settings.Privacy
	ex := Export{ExportedAt: b.Clock.Now().UTC(), Controller: p.Controller, Contact: p.Contact,
		RetentionMonths: p.RetentionMonths, Data: map[string]any{}}
	for _, part := range b.reg.parts {
		v, err := part.Export(ctx, ref)
		if err != nil {
			return Export{}, fmt.Errorf("export %s: %w", part.Name, err)
		}
		ex.Data[part.Name] = v
	}
	return ex, nil
}

// EraseMember erases every personal-data part about ref, then has the
// store overwrite what it freed.
func (b *Bot) EraseMember(ctx context.Context, ref bot.UserRef) error {
	var errs []error
	for _, part := range b.reg.parts {
		if err := part.Erase(ctx, ref); err != nil {
			errs = append(errs, fmt.Errorf("erase %s: %w", part.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := b.Store.ScrubErased(ctx); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	return nil
}

func (b Privacy) CmdMyData(ctx context.Context, r *Turn) []bot.Reply {
	ex, err := b.ExportMember(ctx, r.Msg.From)
	if err != nil {
		b.Log.Error("exporting member data", "member", b.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	data, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		b.Log.Error("encoding member data", "member", b.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.internal")}
	}
	return []bot.Reply{r.Reply("members.data.intro"), {Text: string(data)}}
}

const EraseKind = "erase"

func (b Privacy) CmdErase(ctx context.Context, r *Turn) []bot.Reply {
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: EraseKind, Step: "confirm", Started: now, Expires: now.Add(time.Hour)}
	if err := b.Store.SaveDialogue(ctx, d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{{Text: r.T("members.erase.ask"), Choices: []bot.Choice{
		{Action: "erase.confirm", Value: "yes", Label: r.T("members.erase.yes_button"), Style: "danger"},
		{Action: "erase.confirm", Value: "no", Label: r.T("members.erase.no_button")},
	}}}
}

func (b Privacy) ChoiceErase(ctx context.Context, r *Turn, v string) []bot.Reply {
	d, err := b.Store.Dialogue(ctx, r.Msg.From)
	if err != nil || d.Kind != EraseKind {
		return []bot.Reply{r.Reply("members.expired")}
	}
	return b.answerErase(ctx, r, v == "yes")
}

func (b Privacy) DialogueErase(ctx context.Context, r *Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.Msg.Conversation.Kind != bot.Direct {
		return nil, false
	}
	yes, ok := YesNo(textnorm.Fold(r.Text))
	if !ok {
		if commandFound {
			return nil, false
		}
		return []bot.Reply{r.Reply("members.erase.reprompt")}, true
	}
	return b.answerErase(ctx, r, yes), true
}

func (b Privacy) answerErase(ctx context.Context, r *Turn, yes bool) []bot.Reply {
	if !yes {
		b.EndDialogue(ctx, r)
		return []bot.Reply{r.Reply("members.erase.kept")}
	}
	if err := b.EraseMember(ctx, r.Msg.From); err != nil {
		b.Log.Error("erasing member", "member", b.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("members.erase.failed")}
	}
	b.Log.Info("member erased their data", "member", b.Pseudonym(r.Msg.From))
	r.Known, r.Member = false, bot.Member{Ref: r.Msg.From}
	return []bot.Reply{r.Reply("members.erase.done")}
}

// PurgeRetention enforces the retention period (Settings.Privacy
// .RetentionMonths): it erases the members who do not take part in
// matching (never opted in, or left) and have not changed anything for
// that long, and has every data part with a purge drop its history older
// than that. It returns the number of members and records removed. The
// scheduler's purge job calls it with its slot.
func (b *Bot) PurgeRetention(ctx context.Context, now time.Time) (int, error) {
	months := b.Settings.Privacy.RetentionMonths
	if months <= 0 {
		months = 24
	}
	cutoff := now.AddDate(0, -months, 0)
	var stale []bot.UserRef
	err := b.Store.Members(ctx, func(m bot.Member) error {
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
		for _, part := range b.reg.parts {
			if err := part.Erase(ctx, ref); err != nil {
				return n, fmt.Errorf("retention purge: erase %s: %w", part.Name, err)
			}
		}
		n++
	}
	for _, part := range b.reg.parts {
		if part.Purge == nil {
			continue
		}
		k, err := part.Purge(ctx, cutoff)
		n += k
		if err != nil {
			return n, fmt.Errorf("retention purge: %s: %w", part.Name, err)
		}
	}
	if n > 0 {
		if err := b.Store.ScrubErased(ctx); err != nil {
			return n, fmt.Errorf("retention purge: %w", err)
		}
		b.Log.Info("retention purge", "removed", n, "months", months)
	}
	return n, nil
}

// Privacy is the core seen as the keeper of the personal data it holds
// itself (profile, dialogue, pending messages, the platform's data) and of
// the members' export and erasure commands.
type Privacy struct{ *Bot }

// Privacy returns the core's privacy component.
func (b *Bot) Privacy() Privacy { return Privacy{b} }
