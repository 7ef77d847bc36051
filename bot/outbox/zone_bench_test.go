package outbox_test

import (
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// A round looks up the zone of every member it writes to. "uncached" is
// what MemberLocation did before issue 17 for a member with a zone (load
// it at every call); "member" and "collectivity" are MemberLocation now.
func BenchmarkMemberLocation(b *testing.B) {
	clock := fakeclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, bottest.Paris))
	bt, err := bottest.New(bottest.SchedSettings(), bottest.OpenBoltClock(b, clock), []bot.ChatAdapter{&bottest.Outbox{}},
		core.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	ob := bt.Outbox
	c := bottest.Sdenis974
	withZone := bot.Member{TimeZone: "Indian/Reunion"}
	fromColl := bot.Member{Collectivity: &c}
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := time.LoadLocation(withZone.TimeZone); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("member", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ob.MemberLocation(withZone)
		}
	})
	b.Run("collectivity", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ob.MemberLocation(fromColl)
		}
	})
}
