package terminal_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/sndgct/maillage/adapters/terminal"
	"github.com/sndgct/maillage/bot"
)

// A piped session: the fake core below answers "menu" with two choices, and
// the member picks one by typing its label.
func Example() {
	input := "menu\n/as bob\nEnglish\n/as vous\nenglish\n"
	a := terminal.New(strings.NewReader(input), os.Stdout, terminal.Options{})
	core := func(ctx context.Context, m bot.Message) {
		switch {
		case m.Choice != nil:
			fmt.Printf("(core) %s picked %s=%s in %s\n", m.From.User, m.Choice.Action, m.Choice.Value, m.Conversation.ID)
		case m.Text == "menu":
			_, _ = a.Send(ctx, m.Conversation, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
				{Action: "lang.set", Value: "fr", Label: "Français"},
				{Action: "lang.set", Value: "en", Label: "English"},
			}})
		default:
			fmt.Printf("(core) %s wrote %q\n", m.From.User, m.Text)
		}
	}
	if err := a.Run(context.Background(), core); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Maillage › Quelle langue ?
	//   1. Français
	//   2. English
	// Vous parlez désormais au nom de « bob ».
	// (core) bob wrote "English"
	// Vous parlez désormais au nom de « vous ».
	// (core) vous picked lang.set=en in dm:vous
}
