package bot

import "context"

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
