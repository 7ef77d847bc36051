package core

import (
	"sync"

	"github.com/sndgct/maillage/bot"
)

// maxOutageNotices bounds the members remembered as told during one
// outage; past it the memory starts again (some are told twice, none is
// left without an answer).
const maxOutageNotices = 100_000

// outageNotices remembers, in memory (the store is what is down), the
// members this replica has told that the service is unavailable, so that
// each is told once per outage rather than once per message. A member's
// next turn handled without the store failing ends their outage.
type outageNotices struct {
	mu   sync.Mutex
	told map[string]struct{}
}

// tell reports whether the member of key is to be told now (the first
// time since their outage began), and remembers that they were.
func (o *outageNotices) tell(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.told[key]; ok {
		return false
	}
	if o.told == nil || len(o.told) >= maxOutageNotices {
		o.told = map[string]struct{}{}
	}
	o.told[key] = struct{}{}
	return true
}

// over forgets the member of key: the store answered their turn.
func (o *outageNotices) over(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.told, key)
}

// gateUnavailable drops, from a turn's replies, the « unavailable »
// answer when the member was told already during this outage; a turn
// without that answer ends the member's outage.
func (b *Bot) gateUnavailable(m bot.Message, lang bot.Lang, replies []bot.Reply) []bot.Reply {
	unavailable := b.Cat.T(string(lang), "error.unavailable")
	key := m.From.Key()
	out := replies[:0:0]
	seen := false
	for _, rep := range replies {
		if rep.Text != unavailable {
			out = append(out, rep)
			continue
		}
		seen = true
		if b.outage.tell(key) {
			out = append(out, rep)
		} else {
			b.Log.Debug("store unavailable: member already told during this outage", "member", b.Pseudonym(m.From))
		}
	}
	if !seen {
		b.outage.over(key)
	}
	return out
}
