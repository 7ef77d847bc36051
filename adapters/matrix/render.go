package matrix

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// maxBodyRunes is the size of one message: a Matrix event holds at most
// 65,536 bytes of JSON, body and formatted_body together, HTML escapes
// and encryption included; 12,000 runes keep every event well below.
const maxBodyRunes = 12000

// wordJoiner is an invisible character placed after an "@" that starts a
// word, so that no client or push rule sees a mention (@room, @user:server).
const wordJoiner = "\u2060"

// neutralise inserts a word joiner after every "@" that is not inside an
// e-mail address: "@room", "Bonjour@room" and "@alice:example.org" are no
// longer mentions, "agent@mairie.fr" stays an address. Every outgoing text
// goes through it, since the core's replies quote members' input.
func neutralise(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 8)
	for i, r := range text {
		b.WriteRune(r)
		if r == '@' && !textnorm.InEmail(text, i) {
			b.WriteString(wordJoiner)
		}
	}
	return b.String()
}

var (
	boldRE   = regexp.MustCompile(`(^|[\s(«"'])\*([^*\s](?:[^*\n]*[^*\s])?)\*`)
	italicRE = regexp.MustCompile(`(^|[\s(«"'])_([^_\s](?:[^_\n]*[^_\s])?)_`)
	codeRE   = regexp.MustCompile("`([^`\n]+)`")
)

// render turns the core's markdown subset and the choices into a Matrix
// message: a plain-text body (the markup left as typed, which reads well)
// and an HTML formatted_body (org.matrix.custom.html). All the text is
// escaped first, so no tag, link or pill can come from a member's input;
// the only tags are those render writes.
func render(r bot.Reply) (body, formatted string) {
	text := neutralise(strings.TrimRight(r.Text, "\n"))
	var plain strings.Builder
	plain.WriteString(text)
	var h strings.Builder
	renderHTML(&h, text)
	if len(r.Choices) > 0 {
		if plain.Len() > 0 {
			plain.WriteString("\n\n")
		}
		h.WriteString("<ol>")
		for i, c := range r.Choices {
			label := neutralise(strings.ReplaceAll(c.Label, "\n", " "))
			if i > 0 {
				plain.WriteByte('\n')
			}
			plain.WriteString(strconv.Itoa(i+1) + ". " + label)
			h.WriteString("<li>" + html.EscapeString(label) + "</li>")
		}
		h.WriteString("</ol>")
	}
	return plain.String(), h.String()
}

// renderHTML writes text as paragraphs, bullet lists and line breaks.
func renderHTML(h *strings.Builder, text string) {
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		inList, inPara := false, false
		for _, line := range lines {
			if item, ok := strings.CutPrefix(line, "- "); ok {
				if inPara {
					h.WriteString("</p>")
					inPara = false
				}
				if !inList {
					h.WriteString("<ul>")
					inList = true
				}
				h.WriteString("<li>" + inline(item) + "</li>")
				continue
			}
			if inList {
				h.WriteString("</ul>")
				inList = false
			}
			if inPara {
				h.WriteString("<br>")
			} else {
				h.WriteString("<p>")
				inPara = true
			}
			h.WriteString(inline(line))
		}
		if inList {
			h.WriteString("</ul>")
		}
		if inPara {
			h.WriteString("</p>")
		}
	}
}

// inline escapes a line and renders *bold*, _italic_ and `code`.
func inline(s string) string {
	s = html.EscapeString(s)
	s = codeRE.ReplaceAllString(s, "<code>$1</code>")
	s = boldRE.ReplaceAllString(s, "$1<strong>$2</strong>")
	return italicRE.ReplaceAllString(s, "$1<em>$2</em>")
}

// split cuts text into parts of at most max runes, preferring paragraph,
// then line, then word boundaries, never cutting a rune in two.
func split(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		cut, n := len(text), 0
		for i := range text {
			if n == max {
				cut = i
				break
			}
			n++
		}
		head := text[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, head)
			text = text[cut:]
			continue
		}
		out = append(out, strings.TrimRight(head[:at], " \n"))
		text = strings.TrimLeft(text[at:], " \n")
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}
