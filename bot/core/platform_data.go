package core

import (
	"context"

	"github.com/sndgct/maillage/bot"
)

func (b Privacy) platformData(ref bot.UserRef) (bot.PlatformData, bool) {
	pd, ok := b.Adapters[ref.Platform].(bot.PlatformData)
	return pd, ok
}

func (b Privacy) exportPlatformData(ctx context.Context, ref bot.UserRef) (any, error) {
	if pd, ok := b.platformData(ref); ok {
		return pd.ExportUser(ctx, ref)
	}
	return nil, nil
}

func (b Privacy) erasePlatformData(ctx context.Context, ref bot.UserRef) error {
	if pd, ok := b.platformData(ref); ok {
		return pd.ForgetUser(ctx, ref)
	}
	return nil
}
