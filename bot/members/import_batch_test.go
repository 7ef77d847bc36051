package members_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// memberByMember hides the store's batch writes: the import saves member
// by member.
type memberByMember struct{ bot.MemberRecords }

// countingBatches counts the batch writes of the store it wraps.
type countingBatches struct {
	*bolt.Store
	batches, members int
}

func (c *countingBatches) SaveMembers(ctx context.Context, ms []bot.Member) error {
	c.batches++
	c.members += len(ms)
	return c.Store.SaveMembers(ctx, ms)
}

// An import of more than one batch stores, through batch writes, exactly
// what it stores member by member.
func TestImportByBatchesStoresWhatMemberByMemberDoes(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("platform,user,name,collectivity,role,interests\n")
	for i := range 1203 {
		fmt.Fprintf(&b, "terminal,u%04d,Membre %d,91573,dgs,ia;management\n", i, i)
	}
	b.WriteString("terminal,u0007,Doublon,91573,dgs,\n") // rejected: the same member twice
	clock := fakeclock.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	open := func() *bolt.Store {
		s, err := bolt.Open(ctx, t.TempDir()+"/m.db", bolt.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	importInto := func(store bot.MemberRecords) members.ImportReport {
		im := members.Importer{Store: store, Directory: bottest.NewFakeDirectory(), MemberRoles: bottest.MemberRoles,
			Interests: bottest.Interests, Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: clock}
		rep, err := im.Import(ctx, strings.NewReader(b.String()), false)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	batched := &countingBatches{Store: open()}
	one := open()
	repB, repO := importInto(batched), importInto(memberByMember{one})
	if repB.Created != 1203 || len(repB.Rejected) != 1 || fmt.Sprint(repB) != fmt.Sprint(repO) {
		t.Fatalf("reports: batched %+v, member by member %+v", repB, repO)
	}
	if batched.batches != 3 || batched.members != 1203 {
		t.Errorf("%d batch writes of %d members in all, want 3 of 1203 (500, 500, 203)", batched.batches, batched.members)
	}
	var got, want []string
	collect := func(s bot.MemberRecords, into *[]string) {
		if err := s.Members(ctx, func(m bot.Member) error {
			j, err := json.Marshal(m)
			*into = append(*into, string(j))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	collect(batched, &got)
	collect(one, &want)
	if len(got) != 1203 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("batched import stored %d members, member by member %d, or they differ", len(got), len(want))
	}
}
