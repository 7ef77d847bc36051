// Package mentiontest generates hostile texts for the adapters' escaping
// property tests: random strings holding every mass-mention and disguised
// link form of Slack and Mattermost, mixed with escapes, brackets, accents,
// emoji and newlines, long enough to be split into several posts. It is
// pure (a seeded source), for tests only.
package mentiontest

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// Forms are the injections the adapters must neutralise.
var Forms = []string{
	"@channel", "@here", "@all", "@everyone", "@Channel", "@HERE",
	"<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S0123ABC>", "<!subteam^S0123ABC|@dgs>",
	"<@U0123ABC>", "<@W0123|someone>", "<#C0123ABC>", "<#C0123|général>",
	"<https://evil.example|https://service-public.fr>", "<mailto:x@evil.example|contact>", "<https://evil.example>",
	"[service-public.fr](https://evil.example)", "![logo](https://evil.example/x.png)",
	"[texte][ref]\n\n[ref]: https://evil.example", "\\[x\\](https://evil.example)", "\\\\[x\\\\](https://evil.example)",
	"&lt;!here&gt;", "&amp;lt;!channel&amp;gt;", "@\u2060here", "＠channel",
}

// pieces are the ordinary material around the forms.
var pieces = []string{
	"Bonjour", " ", " ", "\n", "\n\n", "- ", "*gras*", "_ital_", "`code`", "é", "ç", "œ", "🎉", "👩‍💼",
	"\\", "[", "]", "(", ")", "<", ">", "&", "|", "!", "^", "#", "@", "a@b.fr", "x", "collectivité",
	"https://www.service-public.fr", "~town-square", ":smile:", "\t",
}

// Text returns a random text of about n pieces, a third of them forms.
func Text(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		if rng.IntN(3) == 0 {
			b.WriteString(Forms[rng.IntN(len(Forms))])
		} else {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
	}
	return b.String()
}

// Long returns a random text long enough to be split (several thousand
// runes), or a single very long word when word is true.
func Long(rng *rand.Rand, runes int, word bool) string {
	var b strings.Builder
	for b.Len() < runes*2 {
		if word {
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(Text(rng, 50), " ", "_"), "\n", "_"))
		} else {
			b.WriteString(Text(rng, 50))
		}
	}
	return b.String()
}

// Each calls fn with n texts from a source seeded with seed: one in ten
// long enough to be split (about long runes), one in ten a single long
// word of about long runes, the others short.
func Each(seed uint64, n, long int, fn func(text string)) {
	rng := rand.New(rand.NewPCG(seed, 2026))
	for i := range n {
		switch i % 10 {
		case 0:
			fn(Long(rng, long, false))
		case 1:
			fn(Long(rng, long*6/10, true))
		default:
			fn(Text(rng, 1+rng.IntN(40)))
		}
	}
}

// Visible drops white space and the runes of drop (the bullets an adapter
// adds): what must survive rendering and splitting.
func Visible(s, drop string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(drop, r) {
			return -1
		}
		return r
	}, s)
}
