package bot

import "context"

// PlatformData is an optional capability of a chat adapter that keeps
// something about a user besides the core's records (Slack: the id of the
// member's direct conversation and their Slack locale, cached under hashed
// keys). The member's export ("mes données") shows it and their erasure
// deletes it.
type PlatformData interface {
	// ExportUser returns what the adapter keeps about user, or nil when
	// it keeps nothing.
	ExportUser(ctx context.Context, user UserRef) (any, error)
	// ForgetUser deletes what the adapter keeps about user; no error when
	// there is nothing.
	ForgetUser(ctx context.Context, user UserRef) error
}

func (b *Bot) platformData(ref UserRef) (PlatformData, bool) {
	pd, ok := b.adapters[ref.Platform].(PlatformData)
	return pd, ok
}

func (b *Bot) exportPlatformData(ctx context.Context, ref UserRef) (any, error) {
	if pd, ok := b.platformData(ref); ok {
		return pd.ExportUser(ctx, ref)
	}
	return nil, nil
}

func (b *Bot) erasePlatformData(ctx context.Context, ref UserRef) error {
	if pd, ok := b.platformData(ref); ok {
		return pd.ForgetUser(ctx, ref)
	}
	return nil
}
