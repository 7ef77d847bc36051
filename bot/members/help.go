package members

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/textnorm"
)

// « Je peux aider / je cherche »: the interests on which a member can
// share their experience (Member.Offers) and those on which they look for
// it (Member.Needs). Optional: offered by a button on the onboarding's
// last message (« Indiquer mes sujets d'entraide »), and by « modifier
// entraide »; each of the two questions is
// skipped by « Terminé » with nothing chosen.

// Dialogue data keys of the help step.
const (
	dOffers     = "offers"      // comma-separated interest ids
	dNeeds      = "needs"       // comma-separated interest ids
	dOffersDone = "offers_done" // "1" once answered
	dNeedsDone  = "needs_done"  // "1" once answered
)

// helpSteps are the two questions, in order, with their data keys.
var helpSteps = map[string][2]string{"offers": {dOffers, dOffersDone}, "needs": {dNeeds, dNeedsDone}}

// skipWords end a help question with nothing chosen.
var skipWords = map[string]bool{"aucun": true, "aucune": true, "rien": true, "passer": true, "none": true,
	"nothing": true, "skip": true, "non": true, "no": true}

func listOf(d *bot.Dialogue, key string) []string {
	if d.Data[key] == "" {
		return nil
	}
	return strings.Split(d.Data[key], ",")
}

// setList keeps ids known among the interests, in the configured order.
func (b onboarding) setList(d *bot.Dialogue, key string, ids []string) {
	var out []string
	for _, l := range b.Settings.Interests {
		if slices.Contains(ids, l.ID) {
			out = append(out, l.ID)
		}
	}
	d.Data[key] = strings.Join(out, ",")
}

// prefillHelp starts « modifier entraide » from the member's answers.
func (b onboarding) prefillHelp(d *bot.Dialogue, m bot.Member) {
	b.setList(d, dOffers, m.Offers)
	b.setList(d, dNeeds, m.Needs)
}

// nextHelp asks the help question still unanswered, or reports false.
func (b onboarding) nextHelp(r *core.Turn, d *bot.Dialogue) (bot.Reply, bool) {
	if d.Data[dEdit] != "help" {
		return bot.Reply{}, false
	}
	for _, step := range []string{"offers", "needs"} {
		if d.Data[helpSteps[step][1]] != "1" {
			return b.askHelp(r, d, step, ""), true
		}
	}
	return bot.Reply{}, false
}

func (b onboarding) askHelp(r *core.Turn, d *bot.Dialogue, step, lead string) bot.Reply {
	d.Step = step
	chosen := listOf(d, helpSteps[step][0])
	text := r.T("members.help.ask_" + step)
	if len(chosen) > 0 {
		text += "\n" + r.T("members.help.chosen", "interests", b.Core.InterestLabels(r.Lang, chosen))
	}
	if lead != "" {
		text = lead + "\n" + text
	}
	rep := bot.Reply{Text: text, Choices: b.interestChoices(r.Lang, chosen, "onb.help", step+":")}
	done := "members.help.done_button"
	if len(chosen) == 0 {
		done = "members.help.skip_button"
	}
	rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.help_done", Value: step, Label: r.T(done), Style: "primary"})
	return rep
}

func (b onboarding) onbToggleHelp(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
	step, id, _ := strings.Cut(v, ":")
	keys, ok := helpSteps[step]
	if _, known := core.LabelByID(b.Settings.Interests, id); !ok || !known {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	chosen := listOf(d, keys[0])
	if i := slices.Index(chosen, id); i >= 0 {
		chosen = slices.Delete(chosen, i, i+1)
	} else {
		chosen = append(chosen, id)
	}
	b.setList(d, keys[0], chosen)
	return b.onbStep(ctx, r, d, b.askHelp(r, d, step, ""))
}

func (b onboarding) onbHelpDone(ctx context.Context, r *core.Turn, d *bot.Dialogue, step string) []bot.Reply {
	keys, ok := helpSteps[step]
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	d.Data[keys[1]] = "1"
	return b.onbNext(ctx, r, d)
}

// onbHelpText reads interests typed by number or name, « terminé », or
// « aucun » to skip.
func (b onboarding) onbHelpText(ctx context.Context, r *core.Turn, d *bot.Dialogue, text string) []bot.Reply {
	step := d.Step
	keys := helpSteps[step]
	folded := textnorm.Fold(text)
	switch {
	case skipWords[folded]:
		d.Data[keys[0]] = ""
		return b.onbHelpDone(ctx, r, d, step)
	case doneWords[folded]:
		return b.onbHelpDone(ctx, r, d, step)
	}
	var chosen, unknown []string
	for _, part := range splitList(text) {
		pf := textnorm.Fold(part)
		if pf == "" || doneWords[pf] {
			continue
		}
		if nums, ok := allNumbers(pf); ok {
			for _, n := range nums {
				if n >= 1 && n <= len(b.Settings.Interests) {
					chosen = append(chosen, b.Settings.Interests[n-1].ID)
				} else {
					unknown = append(unknown, strconv.Itoa(n))
				}
			}
			continue
		}
		if l, ok := exactLabel(b.Settings.Interests, pf); ok {
			chosen = append(chosen, l.ID)
			continue
		}
		shown, _ := textnorm.Truncate(part, 40)
		unknown = append(unknown, shown)
	}
	if len(unknown) > 0 {
		lead := r.T("members.interests.unknown", "input", strings.Join(unknown, ", "))
		return b.onbStep(ctx, r, d, b.askHelp(r, d, step, lead))
	}
	b.setList(d, keys[0], chosen)
	return b.onbHelpDone(ctx, r, d, step)
}

// applyHelp writes the answered help questions to the member.
func applyHelp(d *bot.Dialogue, m *bot.Member) {
	if d.Data[dOffersDone] == "1" {
		m.Offers = listOf(d, dOffers)
	}
	if d.Data[dNeedsDone] == "1" {
		m.Needs = listOf(d, dNeeds)
	}
}

// helpLine is the profile's line, or "" when the member stated nothing.
func (b *Feature) helpLine(r *core.Turn, m bot.Member) string {
	if len(m.Offers) == 0 && len(m.Needs) == 0 {
		return ""
	}
	none := r.T("members.help.none")
	offers, needs := none, none
	if len(m.Offers) > 0 {
		offers = b.Core.InterestLabels(r.Lang, m.Offers)
	}
	if len(m.Needs) > 0 {
		needs = b.Core.InterestLabels(r.Lang, m.Needs)
	}
	return r.T("members.profile.help", "offers", offers, "needs", needs)
}
