package bot

import "context"

// Unexported methods that the external tests (package bot_test) exercise.

func (b *Bot) SendToMember(ctx context.Context, ref UserRef, reply Reply) error {
	return b.sendToMember(ctx, ref, reply)
}

func (b *Bot) Deliver(ctx context.Context, d Delivery) error { return b.deliver(ctx, d) }

func (b *Bot) JobPurge(ctx context.Context, run JobRun) error { return b.jobPurge(ctx, run) }
