package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// testMembersFeature checks the MemberStore contract: ScrubErased keeps
// every live record, forgets the deleted ones, may run at any time, and
// honours a canceled context.
func testMembersFeature(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Store
	if err := s.ScrubErased(ctx); err != nil {
		t.Fatalf("ScrubErased on an empty store: %v", err)
	}
	full := member(alice, bot.French)
	full.Name = "Alice Lenoir"
	full.Collectivity = &bot.Collectivity{Kind: bot.KindCommune, Code: "91573", Name: "Saint-Pierre-du-Perray",
		Population: 11993, Departement: "91", Region: "11"}
	full.Interests = []string{"ia", "rh"}
	full.OptedIn = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, m := range []bot.Member{full, member(bob, bot.English), member(carol, "")} {
		if err := s.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveDialogue(ctx, dialogue(h, bob, "onboarding", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(ctx, bob); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.ScrubErased(ctx); err != nil {
			t.Fatalf("ScrubErased: %v", err)
		}
	}
	if _, err := s.Member(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("erased member: got err %v, want ErrNotFound", err)
	}
	if _, err := s.Dialogue(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("erased member's dialogue: got err %v, want ErrNotFound", err)
	}
	got, err := s.Member(ctx, alice)
	if err != nil {
		t.Fatalf("a live member was lost by ScrubErased: %v", err)
	}
	if got.Name != full.Name || got.Collectivity == nil || *got.Collectivity != *full.Collectivity ||
		len(got.Interests) != 2 || !got.OptedIn.Equal(full.OptedIn) {
		t.Errorf("a live member changed through ScrubErased: %+v", got)
	}
	if n, err := s.CountMembers(ctx); err != nil || n != 2 {
		t.Errorf("CountMembers after scrub = %d, %v; want 2", n, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ScrubErased(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("ScrubErased with a canceled context: got %v, want context.Canceled", err)
	}
}

// testDeliveryMember checks the optional bot.DeliveryMemberReader: each
// read is the view (bot.DeliveryView, bot.ConsentView) of what Member
// returns, the member changed or erased in between included; ErrNotFound
// for a member never saved or deleted, ErrInvalid for an invalid
// reference, the context's error once it has ended.
func testDeliveryMember(t *testing.T, h Harness) {
	ctx := t.Context()
	r, ok := h.Store.(bot.DeliveryMemberReader)
	if !ok {
		t.Skip("the store reads whole members only")
	}
	at := h.now().Truncate(time.Second).In(cet)
	full := member(alice, bot.English)
	full.Name, full.Email, full.TimeZone, full.Role = "Camille \"Cam\" Dupont\u00e9\n\u2028", "c@example.org", "Indian/Reunion", "dga"
	full.Collectivity = &bot.Collectivity{Kind: bot.KindCommune, Code: "97411", Name: "Saint-Denis", Population: 150000, Departement: "974", Region: "04"}
	full.Interests, full.Offers = []string{"rh"}, []string{"rh"}
	full.Prefs = bot.Preferences{Cadence: "monthly", NoAnnouncements: true}
	full.OptedIn, full.Onboarded, full.Imported, full.Created, full.Updated = at, at.Add(time.Minute), at, at, at
	bare := bot.Member{Ref: carol, Created: at, Updated: at} // nothing given yet
	check := func(ref bot.UserRef) {
		t.Helper()
		m, err := h.Store.Member(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			read func(context.Context, bot.UserRef) (bot.Member, error)
			view func(bot.Member) bot.Member
		}{{"DeliveryMember", r.DeliveryMember, bot.DeliveryView}, {"MemberConsent", r.MemberConsent, bot.ConsentView}} {
			got, err := c.read(ctx, ref)
			if err != nil {
				t.Fatalf("%s(%v): %v", c.name, ref, err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, c.view(m)); g != w {
				t.Errorf("%s(%v) =\n%s\nwant the view of Member\n%s", c.name, ref, g, w)
			}
		}
	}
	for _, m := range []bot.Member{full, bare} {
		if err := h.Store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		check(m.Ref)
	}
	// At once: the same views, a zero member where there is none.
	got := make([]bot.Member, 4)
	got[1] = full // overwritten
	if err := r.DeliveryMembers(ctx, []bot.UserRef{carol, bob, alice, alice}, got); err != nil {
		t.Fatalf("DeliveryMembers: %v", err)
	}
	for i, ref := range []bot.UserRef{carol, bob, alice, alice} {
		want := bot.Member{}
		if ref != bob {
			m, err := h.Store.Member(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			want = bot.DeliveryView(m)
		}
		if g, w := mustJSON(t, got[i]), mustJSON(t, want); g != w {
			t.Errorf("DeliveryMembers[%d] (%v) =\n%s\nwant\n%s", i, ref, g, w)
		}
	}
	if err := r.DeliveryMembers(ctx, nil, nil); err != nil {
		t.Errorf("DeliveryMembers(none): %v", err)
	}
	wantErrIs(t, "DeliveryMembers with an invalid reference", r.DeliveryMembers(ctx, []bot.UserRef{alice, {Platform: bot.PlatformSlack}}, got[:2]), bot.ErrInvalid)
	wantErrIs(t, "DeliveryMembers into a buffer of another length", r.DeliveryMembers(ctx, []bot.UserRef{alice}, got), bot.ErrInvalid)
	// Changed in between: the new record is read.
	full.Prefs.NoAnnouncements, full.Name, full.Collectivity, full.OptedIn = false, "Autre", nil, time.Time{}
	if err := h.Store.SaveMember(ctx, full); err != nil {
		t.Fatal(err)
	}
	check(alice)
	if got, _ := r.MemberConsent(ctx, alice); got.Prefs.NoAnnouncements || !got.OptedIn.IsZero() || got.Onboarded.IsZero() {
		t.Errorf("MemberConsent after the change = %+v", got)
	}
	if err := h.Store.DeleteMember(ctx, alice); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []bot.UserRef{alice, bob} {
		_, err := r.DeliveryMember(ctx, ref)
		wantErrIs(t, "DeliveryMember of a member erased or never saved", err, bot.ErrNotFound)
		_, err = r.MemberConsent(ctx, ref)
		wantErrIs(t, "MemberConsent of a member erased or never saved", err, bot.ErrNotFound)
	}
	_, err := r.DeliveryMember(ctx, bot.UserRef{Platform: bot.PlatformSlack})
	wantErrIs(t, "DeliveryMember of an invalid reference", err, bot.ErrInvalid)
	_, err = r.MemberConsent(ctx, bot.UserRef{Platform: bot.PlatformSlack})
	wantErrIs(t, "MemberConsent of an invalid reference", err, bot.ErrInvalid)
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, err = r.DeliveryMember(done, carol)
	wantErrIs(t, "DeliveryMember with a canceled context", err, context.Canceled)
	_, err = r.MemberConsent(done, carol)
	wantErrIs(t, "MemberConsent with a canceled context", err, context.Canceled)
	wantErrIs(t, "DeliveryMembers with a canceled context", r.DeliveryMembers(done, []bot.UserRef{carol}, got[:1]), context.Canceled)
	if err := r.DeliveryMembers(ctx, []bot.UserRef{alice, carol}, got[:2]); err != nil || !got[0].Ref.IsZero() || got[1].Ref != carol {
		t.Errorf("DeliveryMembers after alice's erasure = %+v, %v; want none for alice, carol", got, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}
