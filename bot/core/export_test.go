package core

import (
	"context"

	"github.com/sndgct/maillage/bot"
)

// Unexported methods that the external tests (package bot_test) exercise.

func (b *Bot) SendToMember(ctx context.Context, ref bot.UserRef, reply bot.Reply) error {
	return b.sendToMember(ctx, ref, reply)
}

func (b *Bot) Deliver(ctx context.Context, d Delivery) error { return b.deliver(ctx, d) }

func (b *Bot) JobPurge(ctx context.Context, run bot.JobRun) error { return b.jobPurge(ctx, run) }
