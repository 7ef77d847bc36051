package bot

import "context"

// writeFirst is how the highlights feature writes first to a member (the
// digest, session reminders), through the scheduler's outbox: key makes
// the message idempotent (one message per key); asked is true for what
// the member asked for (a session reminder), which does not wait for
// working hours, while a digest does.
func (b *Bot) writeFirst(ctx context.Context, ref UserRef, rep Reply, key string, asked bool) error {
	return b.deliver(ctx, Delivery{To: ref, Reply: rep, Key: key, Urgent: asked})
}
