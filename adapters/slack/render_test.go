package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
)

func TestEscapeAndMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bonjour", "Bonjour"},
		{"<!here> <!channel> <@U123> @channel", "&lt;!here&gt; &lt;!channel&gt; &lt;@\u2060U123&gt; @\u2060channel"},
		{"R&D: a < b > c", "R&amp;D: a &lt; b &gt; c"},
		{"&amp; déjà échappé", "&amp;amp; déjà échappé"},
		{"<https://evil.example|cliquez>", "&lt;https://evil.example|cliquez&gt;"},
		{"*gras* _italique_ `code`", "*gras* _italique_ `code`"},
		{"Liste :\n- un\n- deux\nfin - pas une puce", "Liste :\n• un\n• deux\nfin - pas une puce"},
		{"a\r\nb", "a\nb"},
	}
	for _, tt := range tests {
		if got := toMrkdwn(tt.in); got != tt.want {
			t.Errorf("toMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	para := strings.Repeat("Une phrase de la collectivité. ", 40) // ~1240 runes
	tests := []struct {
		name  string
		in    string
		limit int
	}{
		{"paragraphs", strings.Repeat(para+"\n\n", 8), 3000},
		{"one long line", strings.Repeat("mot ", 2000), 3000},
		{"no spaces, multi-byte", strings.Repeat("é🚀ß", 2500), 3000},
		{"entities at the cut", strings.Repeat("&amp;", 1000), 3000},
		{"small limit", "abc &lt; def &gt; ghi &amp; jkl", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pieces := splitText(tt.in, tt.limit)
			if len(pieces) < 2 {
				t.Fatalf("%d pieces, want several", len(pieces))
			}
			for i, p := range pieces {
				if n := utf8.RuneCountInString(p); n > tt.limit || n == 0 {
					t.Errorf("piece %d has %d runes (limit %d)", i, n, tt.limit)
				}
				if !utf8.ValidString(p) {
					t.Errorf("piece %d is not valid UTF-8", i)
				}
				if strings.Count(p, "&") != strings.Count(p, "&amp;")+strings.Count(p, "&lt;")+strings.Count(p, "&gt;") {
					t.Errorf("piece %d cuts an entity: %q", i, p)
				}
			}
			// Nothing lost but the white space at the cuts.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := squash(strings.Join(pieces, "")), squash(tt.in); got != want {
				t.Errorf("pieces do not add up to the text")
			}
		})
	}
	if got := splitText("court", 3000); len(got) != 1 || got[0] != "court" {
		t.Errorf("splitText(short) = %q", got)
	}
	if got := splitText("", 3000); len(got) != 0 {
		t.Errorf("splitText(empty) = %q", got)
	}
}

func TestChoiceValueRoundTrip(t *testing.T) {
	for _, c := range []bot.Choice{
		{Action: "lang.set", Value: "en"},
		{Action: "intro.accept", Value: ""},
		{Action: "a|b:c", Value: "<!here> é 🚀 \"quoted\""},
		{Action: strings.Repeat("a", 100), Value: strings.Repeat("é", 50)},
	} {
		v, err := encodeChoice(c)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > maxButtonValue || strings.Contains(v, c.Action) && c.Action != "" && len(c.Action) > 3 {
			t.Errorf("value %q: too long or not opaque", v)
		}
		action, value, err := decodeChoice(v)
		if err != nil || action != c.Action || value != c.Value {
			t.Errorf("decode(encode(%+v)) = %q, %q, %v", c, action, value, err)
		}
	}
	for _, v := range []string{"", "click_me_123", "m1.", "m1.!!!", "m1.bnVsbA", "m1." + strings.Repeat("A", 3000)} {
		if _, _, err := decodeChoice(v); err == nil {
			t.Errorf("decodeChoice(%q) accepted a value Maillage did not write", v)
		}
	}
}

// blockJSON renders the blocks as Slack receives them.
func blockJSON(t *testing.T, blocks []slack.Block) []map[string]any {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRenderButtons(t *testing.T) {
	msgs, err := render(bot.Reply{Text: "Voulez-vous *continuer* ? <!here>", Choices: []bot.Choice{
		{Action: "x.yes", Value: "1", Label: "Oui", Style: "primary"},
		{Action: "x.no", Value: "0", Label: "Non, merci", Style: "danger"},
		{Action: "x.later", Value: "", Label: strings.Repeat("long ", 30)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	blocks := blockJSON(t, msgs[0].Blocks)
	if len(blocks) != 2 || blocks[0]["type"] != "section" || blocks[1]["type"] != "actions" {
		t.Fatalf("blocks = %v", blocks)
	}
	text := blocks[0]["text"].(map[string]any)
	if text["type"] != "mrkdwn" || text["text"] != "Voulez-vous *continuer* ? &lt;!here&gt;" {
		t.Errorf("section text = %v", text)
	}
	els := blocks[1]["elements"].([]any)
	if len(els) != 3 {
		t.Fatalf("%d buttons", len(els))
	}
	styles := []any{"primary", "danger", nil}
	ids := map[any]bool{}
	for i, e := range els {
		b := e.(map[string]any)
		ids[b["action_id"]] = true
		if b["style"] != styles[i] {
			t.Errorf("button %d style = %v, want %v", i, b["style"], styles[i])
		}
		label := b["text"].(map[string]any)["text"].(string)
		if utf8.RuneCountInString(label) > maxButtonLabel {
			t.Errorf("button %d label has %d runes", i, utf8.RuneCountInString(label))
		}
	}
	if len(ids) != 3 {
		t.Errorf("action ids not unique: %v", ids)
	}
	if want := "Voulez-vous *continuer* ? &lt;!here&gt;\n\n[Oui] [Non, merci] ["; !strings.HasPrefix(msgs[0].Text, want) {
		t.Errorf("fallback text = %q, want prefix %q", msgs[0].Text, want)
	}
}

func TestRenderLongText(t *testing.T) {
	long := strings.Repeat(strings.Repeat("Réseau des DGS & DGA. ", 100)+"\n\n", 60) // ~132 000 runes
	choices := []bot.Choice{{Action: "a", Value: "1", Label: "Un"}}
	msgs, err := render(bot.Reply{Text: long, Choices: choices})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 4 {
		t.Fatalf("%d messages for %d runes", len(msgs), utf8.RuneCountInString(long))
	}
	for i, m := range msgs {
		if n := len(m.Blocks); n > maxBlocks || n == 0 {
			t.Errorf("message %d: %d blocks", i, n)
		}
		if n := utf8.RuneCountInString(m.Text); n > maxMessageText {
			t.Errorf("message %d: text of %d runes", i, n)
		}
		for j, b := range blockJSON(t, m.Blocks) {
			if b["type"] != "section" {
				continue
			}
			if n := utf8.RuneCountInString(b["text"].(map[string]any)["text"].(string)); n > maxSectionText {
				t.Errorf("message %d block %d: %d runes", i, j, n)
			}
		}
	}
	// The buttons come last, once.
	for i, m := range msgs {
		blocks := blockJSON(t, m.Blocks)
		hasActions := blocks[len(blocks)-1]["type"] == "actions"
		if hasActions != (i == len(msgs)-1) {
			t.Errorf("message %d: actions block %v", i, hasActions)
		}
	}
	// Many choices: several actions blocks of at most 25 buttons.
	var many []bot.Choice
	for i := range 30 {
		many = append(many, bot.Choice{Action: "pick", Value: string(rune('a' + i%26)), Label: "Choix"})
	}
	msgs, err = render(bot.Reply{Text: "Choisissez :", Choices: many})
	if err != nil {
		t.Fatal(err)
	}
	blocks := blockJSON(t, msgs[0].Blocks)
	if len(blocks) != 3 || len(blocks[1]["elements"].([]any)) != 25 || len(blocks[2]["elements"].([]any)) != 5 {
		t.Errorf("30 choices rendered as %d blocks", len(blocks))
	}
}

func TestRenderEmptyAndChoicesOnly(t *testing.T) {
	msgs, err := render(bot.Reply{Choices: []bot.Choice{{Action: "a", Value: "1", Label: "<b>Un</b>"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(msgs[0].Blocks) != 1 || msgs[0].Text != "[&lt;b&gt;Un&lt;/b&gt;]" {
		t.Errorf("choices only = %+v", msgs)
	}
	msgs, err = render(bot.Reply{})
	if err != nil || len(msgs) != 1 || msgs[0].Text != "" || len(msgs[0].Blocks) != 0 {
		t.Errorf("empty reply = %+v, %v", msgs, err)
	}
}

func BenchmarkRender(b *testing.B) {
	r := bot.Reply{
		Text: strings.Repeat("Bonjour *Alice* ! Voici votre pair du mois : _Bob_, DGS d'une commune de 12 000 habitants & plus.\n- intérêt : finances\n\n", 20),
		Choices: []bot.Choice{
			{Action: "intro.accept", Value: "r42", Label: "Accepter", Style: "primary"},
			{Action: "intro.decline", Value: "r42", Label: "Décliner", Style: "danger"},
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := render(r); err != nil {
			b.Fatal(err)
		}
	}
}
