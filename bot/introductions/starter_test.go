package introductions

import (
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/content"
)

// A pair is never asked the same question twice: the bank's questions of
// their common interest first, then those of interests some share, then
// the general ones.
func TestChooseQuestionNeverTwice(t *testing.T) {
	bank := []content.Question{
		{Interest: "ia", FR: "ia1 ?", EN: "ia1?"}, {Interest: "ia", FR: "ia2 ?", EN: "ia2?"},
		{Interest: "rh", FR: "rh1 ?", EN: "rh1?"},
		{Interest: content.GeneralQuestions, FR: "g1 ?", EN: "g1?"},
	}
	anne := bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, User: "anne"}, Interests: []string{"ia", "rh"}}
	denis := bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, User: "denis"}, Interests: []string{"ia"}}
	asked := map[string][]string{}
	var got []string
	for round := range 5 {
		k := chooseQuestion(bank, nil, []bot.Member{anne, denis}, asked, "r"+string(rune('0'+round)))
		got = append(got, k)
		pk := pairKey(anne.Ref, denis.Ref)
		asked[pk] = append(asked[pk], k)
	}
	want := map[int]string{2: "general|g1 ?", 3: "rh|rh1 ?"}
	for i, k := range got[:4] {
		for j, o := range got[:i] {
			if o == k {
				t.Errorf("round %d repeats round %d's question %q", i, j, k)
			}
		}
		if w, ok := want[i]; ok && k != w {
			t.Errorf("round %d: %q, want %q (all: %q)", i, k, w, got)
		}
		if i < 2 && k[:3] != "ia|" {
			t.Errorf("round %d: %q, want a question on their common interest", i, k)
		}
	}
	if got[4] != "" {
		t.Errorf("every question asked: %q chosen again", got[4])
	}
}

// A highlight of the congress on the interests all share comes first, a
// statement before a quotation; once given to the pair, the next one,
// then the bank.
func TestChooseHighlightFirst(t *testing.T) {
	bank := []content.Question{{Interest: "ia", FR: "ia1 ?", EN: "ia1?"}}
	hls := []HighlightStarter{
		{Key: "hl|ev/s1/quote", Topics: []string{"ia", "rh"}, Quote: true},
		{Key: "hl|ev/s1/point", Topics: []string{"ia", "rh"}},
		{Key: "hl|ev/s2/other", Topics: []string{"finances"}},
	}
	anne := bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, User: "anne"}, Interests: []string{"ia", "rh"}}
	denis := bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, User: "denis"}, Interests: []string{"ia", "rh"}}
	asked := map[string][]string{}
	var got []string
	for round := range 4 {
		k := chooseQuestion(bank, hls, []bot.Member{anne, denis}, asked, "r"+string(rune('0'+round)))
		got = append(got, k)
		pk := pairKey(anne.Ref, denis.Ref)
		asked[pk] = append(asked[pk], k)
	}
	want := []string{"hl|ev/s1/point", "hl|ev/s1/quote", "ia|ia1 ?", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("round %d: %q, want %q (all %q)", i, got[i], want[i], got)
		}
	}
}
