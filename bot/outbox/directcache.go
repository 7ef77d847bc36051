package outbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sndgct/maillage/bot"
)

// dmCacheTTL: how long a direct conversation id is remembered.
const dmCacheTTL = 30 * 24 * time.Hour

// dmKey is where the direct conversation with ref is cached (a hash: no
// user id in keys).
func (b *Outbox) dmKey(ref bot.UserRef) string { return "bc:dm:" + b.RefHash(ref) }

// cachedDirect returns the direct conversation with the recipient when
// known (their record, or the cache), else a zero Conversation.
func (b *Outbox) CachedDirect(ctx context.Context, r bot.Recipient) bot.Conversation {
	conv := bot.Conversation{Platform: r.Ref.Platform, Workspace: r.Ref.Workspace, Kind: bot.Direct, ID: r.Conversation}
	if conv.ID != "" {
		return conv
	}
	if dc, ok := b.Adapters[r.Ref.Platform].(bot.DirectCache); ok {
		if c, ok := dc.CachedDirect(ctx, r.Ref); ok && c.ID != "" {
			return c
		}
	}
	if v, err := b.Store.Value(ctx, b.dmKey(r.Ref)); err == nil {
		var c bot.Conversation
		if json.Unmarshal(v, &c) == nil && c.ID != "" {
			return c
		}
	}
	return conv
}

func (b *Outbox) CacheDirect(ctx context.Context, ref bot.UserRef, c bot.Conversation) {
	v, err := json.Marshal(c)
	if err == nil {
		err = b.Store.PutValue(ctx, b.dmKey(ref), v, dmCacheTTL)
	}
	if err != nil {
		b.Log.Warn("caching a direct conversation", "member", b.Pseudonym(ref), "err", err)
	}
}

// CacheDirects remembers the direct conversations convs[i] with refs[i],
// in one store write when the store can (bot.ValueBatchWriter).
func (b *Outbox) CacheDirects(ctx context.Context, refs []bot.UserRef, convs []bot.Conversation) {
	bw, ok := b.Store.(bot.ValueBatchWriter)
	if !ok || len(refs) < 2 {
		for i, ref := range refs {
			b.CacheDirect(ctx, ref, convs[i])
		}
		return
	}
	kvs, ttl := b.DirectEntries(refs, convs)
	if err := bw.PutValues(ctx, kvs, ttl); err != nil {
		b.Log.Warn("caching direct conversations", "count", len(kvs), "err", err)
	}
}

// DirectEntries are the cache entries CacheDirects writes for the direct
// conversations convs[i] with refs[i], and how long they are kept, for a
// caller that writes them with something else (the broadcast engine, with
// the recipients' marks: bot.RecipientValueWriter).
func (b *Outbox) DirectEntries(refs []bot.UserRef, convs []bot.Conversation) ([]bot.KeyValue, time.Duration) {
	kvs := make([]bot.KeyValue, 0, len(refs))
	for i, ref := range refs {
		if v, err := json.Marshal(convs[i]); err == nil {
			kvs = append(kvs, bot.KeyValue{Key: b.dmKey(ref), Value: v})
		}
	}
	return kvs, dmCacheTTL
}

// ForgetCachedDirect erases the direct conversation cached for ref.
func (b *Outbox) ForgetCachedDirect(ctx context.Context, ref bot.UserRef) error {
	return b.Store.DeleteValue(ctx, b.dmKey(ref))
}

// DirectOrder is the order of the members' direct-conversation cache keys
// (dmKey, "bc:dm:" + RefHash): recipients taken in that order have their
// conversations cached under neighbouring keys.
func (b *Outbox) DirectOrder(ref bot.UserRef) string { return b.RefHash(ref) }

// CachedDirects is CachedDirect for each of recs, the store read once when
// it can (bot.ValueBatchReader).
func (b *Outbox) CachedDirects(ctx context.Context, recs []bot.Recipient) []bot.Conversation {
	br, ok := b.Store.(bot.ValueBatchReader)
	if !ok {
		out := make([]bot.Conversation, len(recs))
		for i, r := range recs {
			out[i] = b.CachedDirect(ctx, r)
		}
		return out
	}
	out := make([]bot.Conversation, len(recs))
	var keys []string
	var at []int
	for i, r := range recs {
		out[i] = bot.Conversation{Platform: r.Ref.Platform, Workspace: r.Ref.Workspace, Kind: bot.Direct, ID: r.Conversation}
		if out[i].ID != "" {
			continue
		}
		if dc, ok := b.Adapters[r.Ref.Platform].(bot.DirectCache); ok {
			if c, ok := dc.CachedDirect(ctx, r.Ref); ok && c.ID != "" {
				out[i] = c
				continue
			}
		}
		keys, at = append(keys, b.dmKey(r.Ref)), append(at, i)
	}
	if len(keys) == 0 {
		return out
	}
	vs, err := br.Values(ctx, keys)
	if err != nil {
		return out // a cache: the conversations are opened again
	}
	for j, v := range vs {
		var c bot.Conversation
		if v != nil && json.Unmarshal(v, &c) == nil && c.ID != "" {
			out[at[j]] = c
		}
	}
	return out
}
