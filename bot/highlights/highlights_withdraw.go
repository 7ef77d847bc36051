package highlights

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
)

// maxWithdrawList bounds the highlights « retirer temps fort » lists.
const maxWithdrawList = 10

// cmdWithdraw lists the highlights published from the chat, newest first,
// with a button to withdraw each; « retirer temps fort 2 » picks the
// second. Highlights of the content files are changed in the files.
func (b publishing) cmdWithdraw(ctx context.Context, r *core.Turn) []bot.Reply {
	snap := b.Core.Congress.Content(ctx)
	list := snap.Published[:min(maxWithdrawList, len(snap.Published))]
	if len(list) == 0 {
		return []bot.Reply{r.Reply("highlights.withdraw_none")}
	}
	if r.Args != "" {
		n, err := strconv.Atoi(strings.TrimSpace(r.Args))
		if err != nil || n < 1 || n > len(list) {
			return []bot.Reply{r.Reply("highlights.withdraw_unknown", "input", core.ShortInput(r.Args), "count", strconv.Itoa(len(list)))}
		}
		return b.withdrawPreview(r, list[n-1])
	}
	lines := []string{r.T("highlights.withdraw_header")}
	var choices []bot.Choice
	for i, d := range list {
		n := strconv.Itoa(i + 1)
		lines = append(lines, r.T("highlights.withdraw_line", "n", n, "number", strconv.Itoa(d.Session.Number),
			"date", b.Core.FormatDate(r.Lang, d.Highlight.PublishedAt()), "text", excerpt(d.Highlight.Text, 120)))
		choices = append(choices, bot.Choice{Action: "hl.withdraw", Value: d.Event.ID + "/" + d.Highlight.ID,
			Label: r.T("highlights.button_withdraw", "n", n)})
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Choices: choices}}
}

func (b publishing) withdrawPreview(r *core.Turn, d congress.Doc) []bot.Reply {
	lines := []string{r.T("highlights.withdraw_confirm_ask", "number", strconv.Itoa(d.Session.Number), "title", d.Session.Title), ""}
	lines = append(lines, b.highlightLines(r.Printer, d.Highlight)...)
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Choices: []bot.Choice{{Action: "hl.withdraw_ok",
		Value: d.Event.ID + "/" + d.Highlight.ID, Label: r.T("highlights.button_withdraw_confirm"), Style: "danger"}}}}
}

func (b publishing) choiceWithdraw(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	if r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.forbidden.organizer")}
	}
	d, ok := b.Core.Congress.Content(ctx).PublishedByKey(value)
	if !ok {
		return []bot.Reply{r.Reply("highlights.withdraw_gone")}
	}
	return b.withdrawPreview(r, d)
}

func (b publishing) choiceWithdrawConfirm(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	if r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.forbidden.organizer")}
	}
	event, id, _ := strings.Cut(value, "/")
	err := b.store.DeleteHighlight(ctx, event, id)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return []bot.Reply{r.Reply("highlights.withdraw_gone")}
	case err != nil:
		b.Log.Error("withdrawing a highlight", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Core.Congress.RefreshContent()
	b.Log.Info("highlight withdrawn", "member", b.Core.Pseudonym(r.Msg.From), "event", event, "highlight", id)
	return []bot.Reply{r.Reply("highlights.withdraw_done")}
}
