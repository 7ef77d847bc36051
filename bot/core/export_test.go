package core

import (
	"context"

	"github.com/sndgct/maillage/bot"
)

// Unexported methods that the external tests (package bot_test) exercise.

func (b *Bot) JobPurge(ctx context.Context, run bot.JobRun) error { return b.jobPurge(ctx, run) }

// commands lists the core's commands (and those of the features still in
// it), as help does.
func (b *Bot) commands() []*Command {
	reg, _ := b.describe(nil)
	return reg.Commands()
}
