package slack

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Slack's limits on what a message may hold.
const (
	maxSectionText  = 3000  // characters in a section block's text
	maxMessageText  = 40000 // characters in a message's text
	maxBlocks       = 50    // blocks in a message
	maxButtons      = 25    // elements in an actions block
	maxButtonLabel  = 75    // characters in a button's text
	maxButtonValue  = 2000  // characters in a button's value
	sectionsPerPost = 13    // 13 × 3000 stays under maxMessageText
)

// choicePrefix marks the button values Maillage writes, with a version.
const choicePrefix = "m1."

// rendered is one chat.postMessage worth of content.
type rendered struct {
	// Text is the plain-text fallback (notifications, old clients).
	Text   string
	Blocks []slack.Block
}

// wordJoiner is an invisible character placed after an "@" that starts a
// word, so that Slack parses no mention out of it.
const wordJoiner = "\u2060"

// escapeText escapes the three characters Slack's formatting gives a
// meaning to, so that user-provided text cannot form a mention (<!here>,
// <!subteam^…>, <@U…>) or a link whose text hides its target (<url|text>).
// Messages are posted without link_names and parse=full; but Block Kit's
// mrkdwn (verbatim false) still parses some bare mentions, so an "@"
// (@channel, @here, @everyone, "Bonjour@here") is followed by an invisible
// word joiner; an "@" inside an e-mail address is left alone.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "&<>@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteRune(r)
			if !textnorm.InEmail(s, i) {
				b.WriteString(wordJoiner)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// toMrkdwn turns the core's markdown subset into Slack mrkdwn: *bold*,
// _italic_ and `code` are the same; "- " bullets become "• ". The text is
// escaped first.
func toMrkdwn(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(escapeText(s), "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "- "); ok {
			lines[i] = "• " + rest
		}
	}
	return strings.Join(lines, "\n")
}

// splitText cuts escaped mrkdwn text into pieces of at most limit
// characters (runes), preferring paragraph, then line, then word
// boundaries, never cutting a rune or an entity (&amp; &lt; &gt;).
func splitText(s string, limit int) []string {
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, "\n")
		if utf8.RuneCountInString(s) <= limit {
			if s != "" {
				out = append(out, s)
			}
			break
		}
		// Byte index of the end of the first limit runes.
		end := 0
		for n := 0; n < limit; n++ {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
		}
		cut := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(s[:end], sep); i > end/4 {
				cut = i
				break
			}
		}
		if cut <= 0 {
			cut = end
			// Do not split an entity: back up to its '&'.
			if i := strings.LastIndexByte(s[:cut], '&'); i >= 0 && i > cut-5 && !strings.Contains(s[i:cut], ";") {
				if i > 0 {
					cut = i
				}
			}
		}
		out = append(out, strings.TrimRight(s[:cut], " \n"))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return out
}

// encodeChoice packs a choice's action and value into an opaque button
// value: stateless, so buttons keep working after a restart and on every
// replica without a store round trip. The core keeps Action+Value within
// 200 bytes; the encoding stays far below Slack's 2000 characters.
func encodeChoice(c bot.Choice) (string, error) {
	js, err := json.Marshal([2]string{c.Action, c.Value})
	if err != nil {
		return "", err
	}
	v := choicePrefix + base64.RawURLEncoding.EncodeToString(js)
	if len(v) > maxButtonValue {
		return "", fmt.Errorf("choice %q: action and value too long for a Slack button (%d characters, at most %d)", c.Action, len(v), maxButtonValue)
	}
	return v, nil
}

var errNotOurs = errors.New("not a Maillage button value")

// decodeChoice reverses encodeChoice.
func decodeChoice(v string) (action, value string, err error) {
	rest, ok := strings.CutPrefix(v, choicePrefix)
	if !ok || len(v) > maxButtonValue {
		return "", "", errNotOurs
	}
	js, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", errNotOurs, err)
	}
	var pair [2]string
	if err := json.Unmarshal(js, &pair); err != nil {
		return "", "", fmt.Errorf("%w: %w", errNotOurs, err)
	}
	if pair[0] == "" {
		return "", "", errNotOurs
	}
	return pair[0], pair[1], nil
}

// truncateRunes cuts s to at most n runes, ending with "…" when cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// render turns a reply into one or more messages: section blocks of
// escaped mrkdwn, at most sectionsPerPost per message, and the buttons in
// actions blocks on the last message.
func render(r bot.Reply) ([]rendered, error) {
	pieces := splitText(toMrkdwn(r.Text), maxSectionText)
	var buttons []slack.BlockElement
	var labels []string
	for i, c := range r.Choices {
		v, err := encodeChoice(c)
		if err != nil {
			return nil, err
		}
		// Buttons are plain text: nothing in a label is interpreted.
		label := truncateRunes(strings.TrimSpace(c.Label), maxButtonLabel)
		if label == "" {
			label = c.Value
		}
		btn := slack.NewButtonBlockElement("choice-"+strconv.Itoa(i), v,
			slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
		switch c.Style {
		case "primary":
			btn = btn.WithStyle(slack.StylePrimary)
		case "danger":
			btn = btn.WithStyle(slack.StyleDanger)
		}
		buttons = append(buttons, btn)
		labels = append(labels, "["+escapeText(label)+"]")
	}
	nActions := (len(buttons) + maxButtons - 1) / maxButtons
	if nActions > maxBlocks-1 {
		return nil, fmt.Errorf("%d choices: too many for one Slack message", len(buttons))
	}

	var out []rendered
	for len(pieces) > 0 || len(out) == 0 {
		n := min(len(pieces), sectionsPerPost)
		var msg rendered
		for _, p := range pieces[:n] {
			msg.Blocks = append(msg.Blocks, slack.NewSectionBlock(
				slack.NewTextBlockObject(slack.MarkdownType, p, false, false), nil, nil))
		}
		msg.Text = strings.Join(pieces[:n], "\n\n")
		pieces = pieces[n:]
		out = append(out, msg)
		if len(pieces) == 0 {
			break
		}
	}
	if len(buttons) > 0 {
		last := &out[len(out)-1]
		if len(last.Blocks)+nActions > maxBlocks {
			out = append(out, rendered{})
			last = &out[len(out)-1]
		}
		for i := 0; i < len(buttons); i += maxButtons {
			last.Blocks = append(last.Blocks, slack.NewActionBlock("choices-"+strconv.Itoa(i/maxButtons), buttons[i:min(i+maxButtons, len(buttons))]...))
		}
		fallback := strings.Join(labels, " ")
		if last.Text == "" {
			last.Text = fallback
		} else if utf8.RuneCountInString(last.Text)+len(fallback)+2 <= maxMessageText {
			last.Text += "\n\n" + fallback
		}
	}
	return out, nil
}
