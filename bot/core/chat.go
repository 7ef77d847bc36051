package core

import (
	"context"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

func YesNo(folded string) (yes, ok bool) {
	switch folded {
	case "oui", "o", "yes", "y", "ok", "d accord", "exact", "exactement", "c est ca", "c est bien ca",
		"correct", "confirme", "je confirme", "j accepte", "accepte", "i agree", "agree", "sure",
		"cela me convient", "ca me convient", "parfait", "tres bien", "fine", "that s fine", "good":
		return true, true
	case "non", "n", "no", "pas maintenant", "not now", "modifier", "change", "non merci", "no thanks":
		return false, true
	}
	return false, false
}

func (b *Bot) EndDialogue(ctx context.Context, r *Turn) {
	if err := b.Store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Pseudonym(r.Msg.From), "err", err)
	}
}

// directOnly keeps a command that shows or changes personal data to the
// member's direct conversation: in a channel, it would show them to all.
func DirectOnly(run func(context.Context, *Turn) []bot.Reply) func(context.Context, *Turn) []bot.Reply {
	return func(ctx context.Context, r *Turn) []bot.Reply {
		if r.Msg.Conversation.Kind != bot.Direct {
			return []bot.Reply{r.Reply("members.direct_only")}
		}
		return run(ctx, r)
	}
}

// MatchCommand returns the command text starts with and the text after
// its words (see the router).
func (b *Bot) MatchCommand(text string) (*Command, string, bool) { return b.router.Match(text) }

// SuggestCommand returns the name of the command nearest to text among
// those role may use, shown in lang when there is a tie.
func (b *Bot) SuggestCommand(text string, role bot.Role, lang bot.Lang) (string, bool) {
	return b.router.Suggest(text, role, lang)
}

// Choose answers as if the member had picked the choice (action, value),
// for a choice typed as text; an unknown action is not understood.
func (b *Bot) Choose(ctx context.Context, r *Turn, action, value string) []bot.Reply {
	h, ok := b.choices[action]
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return h(ctx, r, value)
}

func ShortInput(s string) string {
	out, _ := textnorm.Truncate(s, 60)
	return out
}

func IsNo(s string) bool {
	switch textnorm.Fold(s) {
	case "non", "no", "aucune", "sans", "sans citation", "pas de citation", "none", "no quote", "passer", "skip":
		return true
	}
	return false
}

func IsYes(s string) bool {
	switch textnorm.Fold(s) {
	case "oui", "yes", "publier", "publish", "confirmer", "confirm", "ok", "d accord":
		return true
	}
	return false
}
