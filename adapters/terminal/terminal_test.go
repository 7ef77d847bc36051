package terminal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

// recorder is a fake core: it records every message and may answer.
type recorder struct {
	mu      sync.Mutex
	msgs    []bot.Message
	respond func(ctx context.Context, m bot.Message)
}

func (r *recorder) handle(ctx context.Context, m bot.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	if r.respond != nil {
		r.respond(ctx, m)
	}
}

func (r *recorder) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.msgs))
	for _, m := range r.msgs {
		if m.Choice != nil {
			out = append(out, "choice:"+m.Choice.Action+"="+m.Choice.Value)
			continue
		}
		out = append(out, m.Text)
	}
	return out
}

func fr(key string, args ...string) string { return catalog.Default().T("fr", key, args...) }

func ref(user string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: user}
}

func dm(user string) bot.Conversation {
	return bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "dm:" + user, Kind: bot.Direct}
}

var langChoices = []bot.Choice{
	{Action: "lang.set", Value: "fr", Label: "Français"},
	{Action: "lang.set", Value: "en", Label: "English"},
}

// menuBot answers "menu" with the language choices in the member's direct
// conversation, and "groupe" by opening a group of alice and bob and showing
// the choices there.
func menuBot(t *testing.T, a **Adapter) func(ctx context.Context, m bot.Message) {
	return func(ctx context.Context, m bot.Message) {
		switch m.Text {
		case "menu":
			if _, err := (*a).Send(ctx, m.Conversation, bot.Reply{Text: "Langue ?", Choices: langChoices}); err != nil {
				t.Errorf("Send: %v", err)
			}
		case "texte":
			if _, err := (*a).Send(ctx, m.Conversation, bot.Reply{Text: "Une réponse sans choix."}); err != nil {
				t.Errorf("Send: %v", err)
			}
		case "groupe":
			g, err := (*a).OpenGroup(ctx, []bot.UserRef{ref("bob"), ref("alice")})
			if err != nil {
				t.Errorf("OpenGroup: %v", err)
				return
			}
			if _, err := (*a).Send(ctx, g, bot.Reply{Text: "Langue du groupe ?", Choices: langChoices}); err != nil {
				t.Errorf("Send: %v", err)
			}
		}
	}
}

// run feeds input to a new adapter and returns what the fake core received
// and what was printed.
func run(t *testing.T, input string, opts Options, withMenu bool) (*recorder, string) {
	t.Helper()
	var out strings.Builder
	opts.Clock = fixedClock{}
	var a *Adapter
	a = New(strings.NewReader(input), &out, opts)
	rec := &recorder{}
	if withMenu {
		rec.respond = menuBot(t, &a)
	}
	if err := a.Run(context.Background(), rec.handle); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rec, out.String()
}

func TestRunPipeDeliversLinesInOrder(t *testing.T) {
	rec, out := run(t, "bonjour\n\n   \t \nsalut\r\n\r\nfin sans retour", Options{}, false)
	want := []bot.Message{
		{ID: "t1", From: ref("vous"), Conversation: dm("vous"), Text: "bonjour", Received: now},
		{ID: "t2", From: ref("vous"), Conversation: dm("vous"), Text: "salut", Received: now},
		{ID: "t3", From: ref("vous"), Conversation: dm("vous"), Text: "fin sans retour", Received: now},
	}
	if !reflect.DeepEqual(rec.msgs, want) {
		t.Errorf("messages:\n got %+v\nwant %+v", rec.msgs, want)
	}
	if out != "" {
		t.Errorf("output in pipe mode = %q, want nothing", out)
	}
}

func TestRunOptions(t *testing.T) {
	rec, _ := run(t, "x\n", Options{User: "anne", Workspace: "ws"}, false)
	want := bot.Message{
		ID:           "t1",
		From:         bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "ws", User: "anne"},
		Conversation: bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "ws", ID: "dm:anne", Kind: bot.Direct},
		Text:         "x",
		Received:     now,
	}
	if len(rec.msgs) != 1 || !reflect.DeepEqual(rec.msgs[0], want) {
		t.Errorf("messages = %+v, want [%+v]", rec.msgs, want)
	}
}

func TestRunInvalidUTF8(t *testing.T) {
	rec, _ := run(t, "a\xffb\xc3\n", Options{}, false)
	if got, want := rec.texts(), []string{"a\uFFFDb\uFFFD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("texts = %q, want %q", got, want)
	}
}

func TestRunLongLines(t *testing.T) {
	long := strings.Repeat("é", 50<<10) // 100 KiB
	huge := strings.Repeat("a", 2<<20)  // 2 MiB
	rec, out := run(t, long+"\r\n"+huge+"\r\nsuite\n", Options{}, false)
	got := rec.texts()
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3", len(got))
	}
	if got[0] != long {
		t.Errorf("100 KiB line: got %d bytes, want %d, whole", len(got[0]), len(long))
	}
	if want := strings.Repeat("a", 1<<20); got[1] != want {
		t.Errorf("2 MiB line: got %d bytes, want %d", len(got[1]), len(want))
	}
	if got[2] != "suite" {
		t.Errorf("line after the long one = %q, want %q", got[2], "suite")
	}
	if want := fr("terminal.line_too_long", "max", "1\u202f048\u202f576") + "\n"; out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		max       int
		want      []string
		truncated []bool
	}{
		{"plain", "abc\ndef\n", 10, []string{"abc", "def"}, []bool{false, false}},
		{"crlf", "abc\r\ndef\r\n", 10, []string{"abc", "def"}, []bool{false, false}},
		{"no final newline", "abc\ndef", 10, []string{"abc", "def"}, []bool{false, false}},
		{"exactly max", "abcde\n", 5, []string{"abcde"}, []bool{false}},
		{"exactly max with crlf", "abcde\r\n", 5, []string{"abcde"}, []bool{false}},
		{"one over max", "abcdef\nx\n", 5, []string{"abcde", "x"}, []bool{true, false}},
		{"cut inside a character", "abcdé\n", 5, []string{"abcd"}, []bool{true}},
		{"cut inside a 4-byte character", "ab😀\n", 5, []string{"ab"}, []bool{true}},
		{"cut then crlf", "abcdefgh\r\nz\r\n", 5, []string{"abcde", "z"}, []bool{true, false}},
		{"content ending in cr is kept", "ab\rc\n", 5, []string{"ab\rc"}, []bool{false}},
		{"empty lines", "\n\r\n", 5, []string{"", ""}, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The smallest buffer bufio allows, to exercise lines read
			// in several pieces.
			r := bufio.NewReaderSize(strings.NewReader(tt.input), 16)
			var got []string
			var truncated []bool
			for {
				l, err := readLine(r, tt.max)
				if err == nil || l.text != "" || l.truncated {
					got = append(got, l.text)
					truncated = append(truncated, l.truncated)
				}
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("readLine: %v", err)
					}
					break
				}
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(truncated, tt.truncated) {
				t.Errorf("got %q %v, want %q %v", got, truncated, tt.want, tt.truncated)
			}
		})
	}
}

func TestReadLineLongerThanBuffer(t *testing.T) {
	line := strings.Repeat("0123456789", 10)
	r := bufio.NewReaderSize(strings.NewReader(line+"\r\n"+line+"\n"), 16)
	for i, max := range []int{200, 50} {
		l, err := readLine(r, max)
		if err != nil {
			t.Fatalf("readLine: %v", err)
		}
		want := line
		if max < len(line) {
			want = line[:max]
		}
		if l.text != want || l.truncated != (max < len(line)) {
			t.Errorf("line %d: got %q (truncated %v), want %q", i, l.text, l.truncated, want)
		}
	}
}

func TestCommands(t *testing.T) {
	help := fr("terminal.help", "bot", "Maillage")
	tests := []struct {
		name      string
		input     string
		wantOut   string
		wantFrom  []string // From.User of each message
		wantTexts []string
	}{
		{
			name:      "as valid",
			input:     "/as bob\nbonjour\n",
			wantOut:   fr("terminal.as.done", "user", "bob") + "\n",
			wantFrom:  []string{"bob"},
			wantTexts: []string{"bonjour"},
		},
		{
			name:      "as with letters, digits and punctuation",
			input:     "  /AS \t Élodie.Martin_2-b  \nx\n",
			wantOut:   fr("terminal.as.done", "user", "Élodie.Martin_2-b") + "\n",
			wantFrom:  []string{"Élodie.Martin_2-b"},
			wantTexts: []string{"x"},
		},
		{
			name:      "as without name",
			input:     "/as\nx\n",
			wantOut:   fr("terminal.as.missing") + "\n",
			wantFrom:  []string{"vous"},
			wantTexts: []string{"x"},
		},
		{
			name:      "as with a space",
			input:     "/as marie dupont\nx\n",
			wantOut:   fr("terminal.as.invalid", "user", "marie dupont") + "\n",
			wantFrom:  []string{"vous"},
			wantTexts: []string{"x"},
		},
		{
			name:      "as with a forbidden character",
			input:     "/as bob!\n",
			wantOut:   fr("terminal.as.invalid", "user", "bob!") + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "as too long",
			input:     "/as " + strings.Repeat("b", 65) + "\n",
			wantOut:   fr("terminal.as.invalid", "user", strings.Repeat("b", 64)+"…") + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "as 64 characters",
			input:     "/as " + strings.Repeat("é", 64) + "\n",
			wantOut:   fr("terminal.as.done", "user", strings.Repeat("é", 64)) + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "who",
			input:     "/qui\n/as bob\n/who\n",
			wantOut:   fr("terminal.who", "user", "vous", "workspace", "local") + "\n" + fr("terminal.as.done", "user", "bob") + "\n" + fr("terminal.who", "user", "bob", "workspace", "local") + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "help",
			input:     "/aide\n/help\n",
			wantOut:   help + "\n" + help + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "unknown command",
			input:     "/profil\n",
			wantOut:   fr("terminal.unknown_command", "command", "/profil") + "\n" + help + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "control characters in a command are not echoed",
			input:     "/x\x1b[2J\n",
			wantOut:   fr("terminal.unknown_command", "command", "/x[2J") + "\n" + help + "\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "quit stops reading",
			input:     "avant\n/quitter\naprès\n",
			wantFrom:  []string{"vous"},
			wantTexts: []string{"avant"},
		},
		{
			name:      "quit and exit",
			input:     "/quit\naprès\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
		{
			name:      "a bare Quitter also quits; a sentence with it does not",
			input:     "je veux quitter\n  Quitter \naprès\n",
			wantFrom:  []string{"vous"},
			wantTexts: []string{"je veux quitter"},
		},
		{
			name:      "exit",
			input:     "/exit\naprès\n",
			wantFrom:  []string{},
			wantTexts: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, out := run(t, tt.input, Options{}, false)
			if out != tt.wantOut {
				t.Errorf("output:\n got %q\nwant %q", out, tt.wantOut)
			}
			from := []string{}
			for _, m := range rec.msgs {
				from = append(from, m.From.User)
				if m.Conversation != dm(m.From.User) {
					t.Errorf("conversation = %+v, want %+v", m.Conversation, dm(m.From.User))
				}
			}
			if !reflect.DeepEqual(from, tt.wantFrom) {
				t.Errorf("from = %q, want %q", from, tt.wantFrom)
			}
			if got := rec.texts(); !reflect.DeepEqual(got, tt.wantTexts) {
				t.Errorf("texts = %q, want %q", got, tt.wantTexts)
			}
		})
	}
}

func TestValidUser(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"bob", true},
		{"marie.dupont", true},
		{"Élodie_2-b", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"", false},
		{"a b", false},
		{"a+b", false},
		{"a/b", false},
		{"a\x1b", false},
		{"a\xff", false},
	}
	for _, tt := range tests {
		if got := ValidUser(tt.in); got != tt.want {
			t.Errorf("ValidUser(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestChoices(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"by number", "menu\n2\n", []string{"menu", "choice:lang.set=en"}},
		{"by number with spaces", "menu\n  1 \n", []string{"menu", "choice:lang.set=fr"}},
		{"by label", "menu\nEnglish\n", []string{"menu", "choice:lang.set=en"}},
		{"by label, other case, no accent", "menu\n  FRANCAIS \n", []string{"menu", "choice:lang.set=fr"}},
		{"by label, lower case with accent", "menu\nfrançais\n", []string{"menu", "choice:lang.set=fr"}},
		{"out of range number is text", "menu\n3\n0\n", []string{"menu", "3", "0"}},
		{"signed number is text", "menu\n+1\n", []string{"menu", "+1"}},
		{"other text is text", "menu\nfranc\n", []string{"menu", "franc"}},
		{"cleared once picked", "menu\n1\n1\n", []string{"menu", "choice:lang.set=fr", "1"}},
		{"kept after other text", "menu\nhein\n2\n", []string{"menu", "hein", "choice:lang.set=en"}},
		{"superseded by a later reply", "menu\ntexte\n2\n", []string{"menu", "texte", "2"}},
		{"not for another member", "menu\n/as bob\n1\n", []string{"menu", "1"}},
		{"no choices shown", "1\n", []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _ := run(t, tt.input, Options{}, true)
			if got := rec.texts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChoiceMessage(t *testing.T) {
	rec, out := run(t, "menu\n2\n", Options{}, true)
	if len(rec.msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(rec.msgs))
	}
	want := bot.Message{
		ID:           "t2",
		From:         ref("vous"),
		Conversation: dm("vous"),
		Choice:       &bot.ChoiceEvent{Action: "lang.set", Value: "en", MessageRef: "m1"},
		Received:     now,
	}
	if !reflect.DeepEqual(rec.msgs[1], want) {
		t.Errorf("choice message:\n got %+v\nwant %+v", rec.msgs[1], want)
	}
	if wantOut := "Maillage › Langue ?\n  1. Français\n  2. English\n"; out != wantOut {
		t.Errorf("output:\n got %q\nwant %q", out, wantOut)
	}
}

func TestGroupChoices(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
		conv  string // conversation of the last message
	}{
		{"member of the group", "/as alice\ngroupe\n/as bob\n2\n", []string{"groupe", "choice:lang.set=en"}, "group:alice+bob"},
		{"not a member", "/as alice\ngroupe\n/as carole\n2\n", []string{"groupe", "2"}, "dm:carole"},
		{"every member of the group answers, once each", "/as alice\ngroupe\n1\n/as bob\n2\n/as alice\n1\n",
			[]string{"groupe", "choice:lang.set=fr", "choice:lang.set=en", "1"}, "dm:alice"},
		{"newest applies", "/as alice\nmenu\ngroupe\n1\n1\n", []string{"menu", "groupe", "choice:lang.set=fr", "choice:lang.set=fr"}, "dm:alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _ := run(t, tt.input, Options{}, true)
			if got := rec.texts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := rec.msgs[len(rec.msgs)-1].Conversation.ID; got != tt.conv {
				t.Errorf("last conversation = %q, want %q", got, tt.conv)
			}
		})
	}
	// In "newest applies", the group choice is picked first.
	rec, _ := run(t, "/as alice\nmenu\ngroupe\n1\n1\n", Options{}, true)
	if got := rec.msgs[2].Conversation.ID; got != "group:alice+bob" {
		t.Errorf("first pick in %q, want the newest, group:alice+bob", got)
	}
}

func TestSendRendering(t *testing.T) {
	group := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "group:alice+bob", Kind: bot.Group}
	channel := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "annonces", Kind: bot.Channel}
	tests := []struct {
		name string
		conv bot.Conversation
		r    bot.Reply
		want string
	}{
		{
			name: "own direct, several lines",
			conv: dm("vous"),
			r:    bot.Reply{Text: "Bonjour *Anne*.\n\n- un\n- deux\n"},
			want: "Maillage › Bonjour Anne.\n\n           - un\n           - deux\n",
		},
		{
			name: "own direct, choices",
			conv: dm("vous"),
			r:    bot.Reply{Text: "Langue ?", Choices: langChoices},
			want: "Maillage › Langue ?\n  1. Français\n  2. English\n",
		},
		{
			name: "empty text",
			conv: dm("vous"),
			r:    bot.Reply{},
			want: "Maillage ›\n",
		},
		{
			name: "other member's direct",
			conv: dm("bob"),
			r:    bot.Reply{Text: "Je vous présente Anne."},
			want: fr("terminal.header.direct", "user", "bob") + "\nMaillage › Je vous présente Anne.\n",
		},
		{
			name: "group",
			conv: group,
			r:    bot.Reply{Text: "Bienvenue."},
			want: fr("terminal.header.group", "members", "alice, bob") + "\nMaillage › Bienvenue.\n",
		},
		{
			name: "channel",
			conv: channel,
			r:    bot.Reply{Text: "Annonce."},
			want: fr("terminal.header.channel", "channel", "annonces") + "\nMaillage › Annonce.\n",
		},
		{
			name: "control and bidi characters stripped",
			conv: dm("vous"),
			r: bot.Reply{
				Text:    "a\x1b[31mrouge\x1b]0;titre\x07\r\nb\u202egauche\u2066x\u2069\u009b2J\tc\x00\x7f",
				Choices: []bot.Choice{{Action: "x", Label: "\x1b[1mgras\u202d"}},
			},
			want: "Maillage › a[31mrouge]0;titre\n           bgauchex2J\tc\n  1. [1mgras\n",
		},
		{
			name: "invalid UTF-8 replaced",
			conv: dm("vous"),
			r:    bot.Reply{Text: "a\xffb"},
			want: "Maillage › a\uFFFDb\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			a := New(strings.NewReader(""), &out, Options{})
			sent, err := a.Send(context.Background(), tt.conv, tt.r)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if want := (bot.SentMessage{Conversation: tt.conv, ID: "m1"}); sent != want {
				t.Errorf("sent = %+v, want %+v", sent, want)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// On a terminal, *bold* and _italic_ become ANSI styles; in a pipe, plain
// text. Neither shows a raw marker, and a member's own escape sequences are
// still removed before styling.
func TestSendRendersMarkup(t *testing.T) {
	r := bot.Reply{Text: "*Votre profil*\n_Contenu rédigé par le SNDGCT._ \x1b[31m",
		Choices: []bot.Choice{{Action: "x", Label: "*Oui*"}}}
	for _, tt := range []struct {
		styles bool
		want   string
	}{
		{false, "Maillage › Votre profil\n           Contenu rédigé par le SNDGCT. [31m\n  1. Oui\n"},
		{true, "Maillage › \x1b[1mVotre profil\x1b[22m\n           \x1b[3mContenu rédigé par le SNDGCT.\x1b[23m [31m\n  1. \x1b[1mOui\x1b[22m\n"},
	} {
		var out strings.Builder
		a := New(strings.NewReader(""), &out, Options{Styles: tt.styles})
		if _, err := a.Send(context.Background(), dm("vous"), r); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != tt.want {
			t.Errorf("styles=%v:\n got %q\nwant %q", tt.styles, got, tt.want)
		}
	}
}

func TestSendBotNameAndEnglish(t *testing.T) {
	var out strings.Builder
	a := New(strings.NewReader(""), &out, Options{BotName: "Bot", Lang: "en-GB"})
	if _, err := a.Send(context.Background(), dm("bob"), bot.Reply{Text: "Hi\nthere"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := catalog.Default().T("en", "terminal.header.direct", "user", "bob") + "\nBot › Hi\n      there\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n got %q\nwant %q", got, want)
	}
}

func TestSendErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		conv bot.Conversation
	}{
		{"other platform", context.Background(), bot.Conversation{Platform: bot.PlatformSlack, Workspace: "local", ID: "D1", Kind: bot.Direct}},
		{"other workspace", context.Background(), bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "x", ID: "dm:a", Kind: bot.Direct}},
		{"no id", context.Background(), bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", Kind: bot.Direct}},
		{"no kind", context.Background(), bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "dm:a"}},
		{"cancelled", cancelled, dm("vous")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			a := New(strings.NewReader(""), &out, Options{})
			if _, err := a.Send(tt.ctx, tt.conv, bot.Reply{Text: "x"}); err == nil {
				t.Errorf("Send succeeded, want an error")
			}
			if out.Len() != 0 {
				t.Errorf("output = %q, want nothing", out.String())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	a := New(strings.NewReader("/qui\n"), failingWriter{}, Options{})
	if _, err := a.Send(context.Background(), dm("vous"), bot.Reply{Text: "x"}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Send error = %v, want the write error", err)
	}
	if err := a.Run(context.Background(), (&recorder{}).handle); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Run error = %v, want the write error", err)
	}
}

func TestOpenGroup(t *testing.T) {
	users := func(names ...string) []bot.UserRef {
		out := make([]bot.UserRef, len(names))
		for i, n := range names {
			out[i] = ref(n)
		}
		return out
	}
	tests := []struct {
		name     string
		members  []bot.UserRef
		wantID   string
		wantSize bool // error wraps bot.ErrGroupSize
		wantErr  bool
	}{
		{"two", users("bob", "alice"), "group:alice+bob", false, false},
		{"eight", users("h", "g", "f", "e", "d", "c", "b", "a"), "group:a+b+c+d+e+f+g+h", false, false},
		{"duplicates removed", users("bob", "alice", "bob"), "group:alice+bob", false, false},
		{"none", nil, "", true, true},
		{"one", users("alice"), "", true, true},
		{"one twice", users("alice", "alice"), "", true, true},
		{"nine", users("a", "b", "c", "d", "e", "f", "g", "h", "i"), "", true, true},
		{"other platform", []bot.UserRef{ref("a"), {Platform: bot.PlatformSlack, Workspace: "local", User: "U1"}}, "", false, true},
		{"other workspace", []bot.UserRef{ref("a"), {Platform: bot.PlatformTerminal, Workspace: "w", User: "b"}}, "", false, true},
		{"empty user", []bot.UserRef{ref("a"), ref("")}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(strings.NewReader(""), io.Discard, Options{})
			conv, err := a.OpenGroup(context.Background(), tt.members)
			if (err != nil) != tt.wantErr {
				t.Fatalf("OpenGroup error = %v, want error %v", err, tt.wantErr)
			}
			if got := errors.Is(err, bot.ErrGroupSize); got != tt.wantSize {
				t.Errorf("errors.Is(%v, ErrGroupSize) = %v, want %v", err, got, tt.wantSize)
			}
			if err != nil {
				return
			}
			want := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: tt.wantID, Kind: bot.Group}
			if conv != want {
				t.Errorf("conversation = %+v, want %+v", conv, want)
			}
		})
	}
}

func TestOpenDirectAndProfile(t *testing.T) {
	ctx := context.Background()
	a := New(strings.NewReader(""), io.Discard, Options{})
	conv, err := a.OpenDirect(ctx, ref("bob"))
	if err != nil || conv != dm("bob") {
		t.Errorf("OpenDirect = %+v, %v; want %+v", conv, err, dm("bob"))
	}
	p, err := a.Profile(ctx, ref("bob"))
	if want := (bot.PlatformProfile{DisplayName: "bob"}); err != nil || p != want {
		t.Errorf("Profile = %+v, %v; want %+v", p, err, want)
	}
	slack := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "local", User: "U1"}
	if _, err := a.OpenDirect(ctx, slack); err == nil {
		t.Error("OpenDirect accepted a Slack user")
	}
	if _, err := a.Profile(ctx, slack); err == nil {
		t.Error("Profile accepted a Slack user")
	}
	if got := a.Platform(); got != bot.PlatformTerminal {
		t.Errorf("Platform = %q, want %q", got, bot.PlatformTerminal)
	}
}

func TestRunReturnsOnCancel(t *testing.T) {
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	a := New(pr, io.Discard, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, (&recorder{}).handle) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
}

func TestRunOnlyOnce(t *testing.T) {
	a := New(strings.NewReader(""), io.Discard, Options{})
	if err := a.Run(context.Background(), nil); err == nil {
		t.Error("Run accepted a nil handler")
	}
	if err := a.Run(context.Background(), (&recorder{}).handle); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := a.Run(context.Background(), (&recorder{}).handle); err == nil {
		t.Error("second Run succeeded, want an error")
	}
}

func TestRunReadError(t *testing.T) {
	pr, pw := io.Pipe()
	pw.CloseWithError(errors.New("broken"))
	a := New(pr, io.Discard, Options{})
	if err := a.Run(context.Background(), (&recorder{}).handle); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Run = %v, want the read error", err)
	}
}

// notifyWriter records what is written and signals each write.
type notifyWriter struct {
	mu     sync.Mutex
	buf    strings.Builder
	writes chan string
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	w.writes <- string(p)
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestInteractive(t *testing.T) {
	pr, pw := io.Pipe()
	w := &notifyWriter{writes: make(chan string, 100)}
	a := New(pr, w, Options{Interactive: true, Clock: fixedClock{}})
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background(), rec.handle) }()

	next := func() string {
		t.Helper()
		select {
		case s := <-w.writes:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("nothing written")
			return ""
		}
	}
	welcome := fr("terminal.welcome", "bot", "Maillage", "user", "vous") + "\n"
	if got := next(); got != welcome {
		t.Errorf("welcome = %q, want %q", got, welcome)
	}
	if got := next(); got != "vous › " {
		t.Errorf("prompt = %q, want %q", got, "vous › ")
	}
	// A message sent while the prompt waits goes on its own lines, and the
	// prompt is shown again.
	if _, err := a.Send(context.Background(), dm("bob"), bot.Reply{Text: "Rappel."}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	wantSend := "\n" + fr("terminal.header.direct", "user", "bob") + "\nMaillage › Rappel.\nvous › "
	if got := next(); got != wantSend {
		t.Errorf("send during prompt = %q, want %q", got, wantSend)
	}
	if _, err := io.WriteString(pw, "/as bob\nsalut\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fr("terminal.as.done", "user", "bob") + "\n", "bob › ", "bob › "} {
		if got := next(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	pw.Close()
	if got := next(); got != "\n" {
		t.Errorf("at end of input got %q, want a newline", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return at end of input")
	}
	if got, want := rec.texts(), []string{"salut"}; !reflect.DeepEqual(got, want) {
		t.Errorf("texts = %q, want %q", got, want)
	}
}

func TestConcurrentSend(t *testing.T) {
	var out strings.Builder
	a := New(strings.NewReader(""), &out, Options{})
	const goroutines, each = 10, 20
	var wg sync.WaitGroup
	ids := make(chan string, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				conv := dm("vous")
				if i%2 == 1 {
					conv = dm(fmt.Sprintf("m%d", g))
				}
				sent, err := a.Send(context.Background(), conv, bot.Reply{
					Text:    fmt.Sprintf("g%d-%d un\ng%d-%d deux", g, i, g, i),
					Choices: langChoices[:1],
				})
				if err != nil {
					t.Errorf("Send: %v", err)
					return
				}
				ids <- sent.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %q returned twice", id)
		}
		seen[id] = true
	}
	if len(seen) != goroutines*each {
		t.Errorf("got %d distinct ids, want %d", len(seen), goroutines*each)
	}
	text := out.String()
	for g := range goroutines {
		for i := range each {
			block := fmt.Sprintf("Maillage › g%d-%d un\n           g%d-%d deux\n  1. Français\n", g, i, g, i)
			if i%2 == 1 {
				block = fr("terminal.header.direct", "user", fmt.Sprintf("m%d", g)) + "\n" + block
			}
			if !strings.Contains(text, block) {
				t.Errorf("output lacks the whole block %q", block)
			}
		}
	}
}

func TestGroupDigits(t *testing.T) {
	tests := []struct {
		n    int
		lang string
		want string
	}{
		{5, "fr", "5"},
		{999, "fr", "999"},
		{1000, "fr", "1\u202f000"},
		{1048576, "fr", "1\u202f048\u202f576"},
		{1048576, "en", "1,048,576"},
	}
	for _, tt := range tests {
		if got := groupDigits(tt.n, tt.lang); got != tt.want {
			t.Errorf("groupDigits(%d, %s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}
