package core

import (
	"context"

	"github.com/sndgct/maillage/bot"
)

// Unexported methods that the external tests (package core_test) exercise.

func (b *Bot) JobPurge(ctx context.Context, run bot.JobRun) error { return b.jobs().jobPurge(ctx, run) }
