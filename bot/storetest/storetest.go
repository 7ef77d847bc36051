// Package storetest is the conformance suite that every bot.Store
// implementation must pass. An adapter's test calls Run with a function that
// opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Harness {
//			clock := newFakeClock()
//			s := openStore(t, clock)          // registers t.Cleanup(s.Close)
//			return storetest.Harness{Store: s, Now: clock.Now, Advance: clock.Advance}
//		})
//	}
//
// The suite checks every contract documented on bot.Store, plus a few that
// keep the implementations interchangeable:
//
//   - every method taking a bot.UserRef returns an error wrapping
//     bot.ErrInvalid for a reference that is not Valid (so Member and
//     DeleteMember report ErrInvalid, not ErrNotFound, for such a ref);
//   - ReleaseClaim returns ErrInvalid for an empty key or owner;
//   - every method returns an error wrapping the context's error when it is
//     called with a context that is already canceled;
//   - references are stored byte for byte: parts holding ':' '/' '{' '}'
//     '*' spaces, NUL bytes, unicode or thousands of bytes round-trip and
//     never collide, even when two references share the same String().
//     (Parts must be valid UTF-8: members and dialogues are kept as JSON.)
//
// Subtests run in parallel, each on its own store, so open must be safe to
// call from several goroutines.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// Harness is one fresh, empty store under test and the handles on its
// notion of time.
type Harness struct {
	// Store is empty. The open function registers its Close with
	// t.Cleanup.
	Store bot.Store
	// Now returns the store's current time, used to build dialogue
	// expiry times. Nil means time.Now.
	Now func() time.Time
	// Advance moves the store's time forward by d (and Now with it). It is
	// nil when the backend cannot fake time (a real redis-server): the
	// expiry subtests are then skipped.
	Advance func(d time.Duration)
}

func (h Harness) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h Harness) needAdvance(t *testing.T) {
	t.Helper()
	if h.Advance == nil {
		t.Skip("the store's time cannot be advanced (Harness.Advance is nil): expiry not checked")
	}
}

// Run runs the conformance suite. open returns a fresh, empty store for
// each subtest.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"Ping", testPing},
		{"MemberRoundTrip", testMemberRoundTrip},
		{"MemberNotFound", testMemberNotFound},
		{"MemberReplace", testMemberReplace},
		{"MemberDelete", testMemberDelete},
		{"DeleteMemberDeletesDialogue", testDeleteMemberDeletesDialogue},
		{"InvalidRefs", testInvalidRefs},
		{"MembersOrder", testMembersOrder},
		{"MembersEarlyStop", testMembersEarlyStop},
		{"MembersEmpty", testMembersEmpty},
		{"CountMembers", testCountMembers},
		{"ConcurrentSaves", testConcurrentSaves},
		{"AwkwardRefs", testAwkwardRefs},
		{"DialogueRoundTrip", testDialogueRoundTrip},
		{"DialogueReplace", testDialogueReplace},
		{"DialogueDelete", testDialogueDelete},
		{"DialogueInvalid", testDialogueInvalid},
		{"DialogueAlreadyExpired", testDialogueAlreadyExpired},
		{"DialogueExpiry", testDialogueExpiry},
		{"FirstSeen", testFirstSeen},
		{"FirstSeenInvalid", testFirstSeenInvalid},
		{"FirstSeenConcurrent", testFirstSeenConcurrent},
		{"FirstSeenExpiry", testFirstSeenExpiry},
		{"Claim", testClaim},
		{"ClaimInvalid", testClaimInvalid},
		{"ClaimRelease", testClaimRelease},
		{"ClaimConcurrent", testClaimConcurrent},
		{"ClaimExpiry", testClaimExpiry},
		{"ClaimExtend", testClaimExtend},
		{"CanceledContext", testCanceledContext},
		{"MembersFeature", testMembersFeature},
		{"DeliveryMember", testDeliveryMember}, // members.go
	}
	tests = append(tests, schedulerTests...)   // scheduler.go
	tests = append(tests, highlightTests()...) // highlights.go
	tests = append(tests, valueTests()...)     // values.go
	tests = append(tests, matchingTests()...)  // matching.go
	tests = append(tests, broadcastTests()...) // broadcasts.go
	tests = append(tests, dashboardTests()...) // dashboard.go
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// Fixtures.

var (
	alice = bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01", User: "U-alice"}
	bob   = bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01", User: "U-bob"}
	carol = bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "mm.example", User: "carol"}

	cet = time.FixedZone("CET", 3600)
)

func member(ref bot.UserRef, lang bot.Lang) bot.Member {
	return bot.Member{
		Ref:      ref,
		Language: lang,
		Created:  time.Date(2026, 3, 29, 1, 59, 58, 123456789, cet),
		Updated:  time.Date(2026, 3, 29, 3, 0, 1, 987654321, time.UTC),
	}
}

func dialogue(h Harness, ref bot.UserRef, kind string, ttl time.Duration) bot.Dialogue {
	now := h.now()
	return bot.Dialogue{
		Member:  ref,
		Kind:    kind,
		Step:    "ask-region",
		Data:    map[string]string{"name": "Zoë", "empty": "", "quote": `a "b" {c}`},
		Started: now,
		Expires: now.Add(ttl),
	}
}

// Comparison helpers.

func diffMember(got, want bot.Member) string {
	var d []string
	if got.Ref != want.Ref {
		d = append(d, fmt.Sprintf("Ref = %#v, want %#v", got.Ref, want.Ref))
	}
	if got.Language != want.Language {
		d = append(d, fmt.Sprintf("Language = %q, want %q", got.Language, want.Language))
	}
	if !got.Created.Equal(want.Created) {
		d = append(d, fmt.Sprintf("Created = %v, want %v", got.Created, want.Created))
	}
	if !got.Updated.Equal(want.Updated) {
		d = append(d, fmt.Sprintf("Updated = %v, want %v", got.Updated, want.Updated))
	}
	return strings.Join(d, "; ")
}

func diffDialogue(got, want bot.Dialogue) string {
	var d []string
	if got.Member != want.Member {
		d = append(d, fmt.Sprintf("Member = %#v, want %#v", got.Member, want.Member))
	}
	if got.Kind != want.Kind {
		d = append(d, fmt.Sprintf("Kind = %q, want %q", got.Kind, want.Kind))
	}
	if got.Step != want.Step {
		d = append(d, fmt.Sprintf("Step = %q, want %q", got.Step, want.Step))
	}
	// A nil and an empty map are the same dialogue data.
	if !maps.Equal(got.Data, want.Data) {
		d = append(d, fmt.Sprintf("Data = %q, want %q", got.Data, want.Data))
	}
	if !got.Started.Equal(want.Started) {
		d = append(d, fmt.Sprintf("Started = %v, want %v", got.Started, want.Started))
	}
	if !got.Expires.Equal(want.Expires) {
		d = append(d, fmt.Sprintf("Expires = %v, want %v", got.Expires, want.Expires))
	}
	return strings.Join(d, "; ")
}

func mustSaveMember(t *testing.T, s bot.Store, m bot.Member) {
	t.Helper()
	if err := s.SaveMember(t.Context(), m); err != nil {
		t.Fatalf("SaveMember(%s) error: %v", m.Ref, err)
	}
}

func mustSaveDialogue(t *testing.T, s bot.Store, d bot.Dialogue) {
	t.Helper()
	if err := s.SaveDialogue(t.Context(), d); err != nil {
		t.Fatalf("SaveDialogue(%s) error: %v", d.Member, err)
	}
}

func wantMember(t *testing.T, s bot.Store, want bot.Member) {
	t.Helper()
	got, err := s.Member(t.Context(), want.Ref)
	if err != nil {
		t.Fatalf("Member(%s) error: %v", want.Ref, err)
	}
	if d := diffMember(got, want); d != "" {
		t.Errorf("Member(%s): %s", want.Ref, d)
	}
}

func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s error = %v, want an error wrapping %q", what, err, target)
	}
}

func wantCount(t *testing.T, s bot.Store, want int) {
	t.Helper()
	got, err := s.CountMembers(t.Context())
	if err != nil {
		t.Fatalf("CountMembers() error: %v", err)
	}
	if got != want {
		t.Errorf("CountMembers() = %d, want %d", got, want)
	}
}

func allMembers(t *testing.T, s bot.Store) []bot.Member {
	t.Helper()
	var got []bot.Member
	err := s.Members(t.Context(), func(m bot.Member) error {
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatalf("Members() error: %v", err)
	}
	return got
}

func firstSeen(t *testing.T, s bot.Store, key string, ttl time.Duration) bool {
	t.Helper()
	ok, err := s.FirstSeen(t.Context(), key, ttl)
	if err != nil {
		t.Fatalf("FirstSeen(%q, %v) error: %v", key, ttl, err)
	}
	return ok
}

func claim(t *testing.T, s bot.Store, key, owner string, ttl time.Duration) bool {
	t.Helper()
	ok, err := s.Claim(t.Context(), key, owner, ttl)
	if err != nil {
		t.Fatalf("Claim(%q, %q, %v) error: %v", key, owner, ttl, err)
	}
	return ok
}

func release(t *testing.T, s bot.Store, key, owner string) {
	t.Helper()
	if err := s.ReleaseClaim(t.Context(), key, owner); err != nil {
		t.Fatalf("ReleaseClaim(%q, %q) error: %v", key, owner, err)
	}
}

// Subtests.

func testPing(t *testing.T, h Harness) {
	if err := h.Store.Ping(t.Context()); err != nil {
		t.Errorf("Ping() error: %v", err)
	}
}

func testMemberRoundTrip(t *testing.T, h Harness) {
	tests := []struct {
		name string
		m    bot.Member
	}{
		{"all fields", member(alice, bot.English)},
		{"default language", member(bob, "")},
		{"zero times", bot.Member{Ref: carol, Language: bot.French}},
		{"empty workspace", member(bot.UserRef{Platform: bot.PlatformTerminal, User: "alice"}, bot.French)},
	}
	for _, tt := range tests {
		mustSaveMember(t, h.Store, tt.m)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantMember(t, h.Store, tt.m) })
	}
}

func testMemberNotFound(t *testing.T, h Harness) {
	ctx := t.Context()
	_, err := h.Store.Member(ctx, alice)
	wantErrIs(t, "Member(absent)", err, bot.ErrNotFound)
	wantErrIs(t, "DeleteMember(absent)", h.Store.DeleteMember(ctx, alice), bot.ErrNotFound)

	// Another member of the same workspace does not make alice exist.
	mustSaveMember(t, h.Store, member(bob, bot.French))
	_, err = h.Store.Member(ctx, alice)
	wantErrIs(t, "Member(absent, with another member saved)", err, bot.ErrNotFound)
}

func testMemberReplace(t *testing.T, h Harness) {
	mustSaveMember(t, h.Store, member(alice, bot.French))
	m := member(alice, bot.English)
	m.Updated = m.Updated.Add(time.Hour)
	mustSaveMember(t, h.Store, m)
	wantMember(t, h.Store, m)
	wantCount(t, h.Store, 1)

	// Replacing with an empty language really clears it.
	m.Language = ""
	mustSaveMember(t, h.Store, m)
	wantMember(t, h.Store, m)
}

func testMemberDelete(t *testing.T, h Harness) {
	ctx := t.Context()
	mustSaveMember(t, h.Store, member(alice, bot.French))
	mustSaveMember(t, h.Store, member(bob, bot.French))
	if err := h.Store.DeleteMember(ctx, alice); err != nil {
		t.Fatalf("DeleteMember(alice) error: %v", err)
	}
	_, err := h.Store.Member(ctx, alice)
	wantErrIs(t, "Member(deleted)", err, bot.ErrNotFound)
	wantErrIs(t, "DeleteMember(deleted)", h.Store.DeleteMember(ctx, alice), bot.ErrNotFound)
	wantMember(t, h.Store, member(bob, bot.French))
	wantCount(t, h.Store, 1)

	// A deleted member can come back.
	mustSaveMember(t, h.Store, member(alice, bot.English))
	wantMember(t, h.Store, member(alice, bot.English))
}

func testDeleteMemberDeletesDialogue(t *testing.T, h Harness) {
	ctx := t.Context()
	mustSaveMember(t, h.Store, member(alice, bot.French))
	mustSaveMember(t, h.Store, member(bob, bot.French))
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "onboarding", time.Hour))
	mustSaveDialogue(t, h.Store, dialogue(h, bob, "onboarding", time.Hour))
	if err := h.Store.DeleteMember(ctx, alice); err != nil {
		t.Fatalf("DeleteMember(alice) error: %v", err)
	}
	_, err := h.Store.Dialogue(ctx, alice)
	wantErrIs(t, "Dialogue(deleted member)", err, bot.ErrNotFound)
	if _, err := h.Store.Dialogue(ctx, bob); err != nil {
		t.Errorf("Dialogue(other member) error after DeleteMember(alice): %v", err)
	}

	// A dialogue without a member does not make DeleteMember succeed.
	mustSaveDialogue(t, h.Store, dialogue(h, carol, "lang", time.Hour))
	wantErrIs(t, "DeleteMember(member with only a dialogue)", h.Store.DeleteMember(ctx, carol), bot.ErrNotFound)
}

func testInvalidRefs(t *testing.T, h Harness) {
	ctx := t.Context()
	refs := []struct {
		name string
		ref  bot.UserRef
	}{
		{"zero", bot.UserRef{}},
		{"no platform", bot.UserRef{Workspace: "T01", User: "U1"}},
		{"no user", bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01"}},
	}
	for _, tt := range refs {
		t.Run(tt.name, func(t *testing.T) {
			wantErrIs(t, "SaveMember", h.Store.SaveMember(ctx, bot.Member{Ref: tt.ref}), bot.ErrInvalid)
			_, err := h.Store.Member(ctx, tt.ref)
			wantErrIs(t, "Member", err, bot.ErrInvalid)
			wantErrIs(t, "DeleteMember", h.Store.DeleteMember(ctx, tt.ref), bot.ErrInvalid)
			d := dialogue(h, tt.ref, "lang", time.Hour)
			wantErrIs(t, "SaveDialogue", h.Store.SaveDialogue(ctx, d), bot.ErrInvalid)
			_, err = h.Store.Dialogue(ctx, tt.ref)
			wantErrIs(t, "Dialogue", err, bot.ErrInvalid)
			wantErrIs(t, "DeleteDialogue", h.Store.DeleteDialogue(ctx, tt.ref), bot.ErrInvalid)
		})
	}
	wantCount(t, h.Store, 0)
}

func testMembersOrder(t *testing.T, h Harness) {
	refs := []bot.UserRef{
		{Platform: bot.PlatformSlack, Workspace: "T02", User: "A"},
		{Platform: bot.PlatformMattermost, Workspace: "z", User: "a"},
		{Platform: bot.PlatformSlack, Workspace: "T01", User: "b"},
		{Platform: bot.PlatformTerminal, Workspace: "", User: "zed"},
		{Platform: bot.PlatformSlack, Workspace: "T01", User: "B"},
		{Platform: bot.PlatformSlack, Workspace: "T01", User: "a"},
		{Platform: bot.PlatformSlack, Workspace: "T0", User: "1z"},
		{Platform: bot.PlatformSlack, Workspace: "T01", User: "é"},
		{Platform: bot.PlatformSlack, Workspace: "T01", User: "ab"},
		{Platform: bot.PlatformTerminal, Workspace: "", User: "Zed"},
	}
	for _, ref := range refs {
		mustSaveMember(t, h.Store, member(ref, bot.French))
	}
	want := make([]string, len(refs))
	for i, ref := range refs {
		want[i] = ref.String()
	}
	slices.Sort(want)
	var got []string
	for _, m := range allMembers(t, h.Store) {
		got = append(got, m.Ref.String())
		if d := diffMember(m, member(m.Ref, bot.French)); d != "" {
			t.Errorf("Members() gave %s: %s", m.Ref, d)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Members() order:\n got %q\nwant %q", got, want)
	}
}

func testMembersEarlyStop(t *testing.T, h Harness) {
	for _, ref := range []bot.UserRef{alice, bob, carol} {
		mustSaveMember(t, h.Store, member(ref, bot.French))
	}
	stop := errors.New("enough")
	var seen []string
	err := h.Store.Members(t.Context(), func(m bot.Member) error {
		seen = append(seen, m.Ref.String())
		if len(seen) == 2 {
			return fmt.Errorf("at %s: %w", m.Ref, stop)
		}
		return nil
	})
	wantErrIs(t, "Members(fn fails on the second member)", err, stop)
	want := []string{carol.String(), alice.String()} // "mattermost/..." < "slack/..."
	if !slices.Equal(seen, want) {
		t.Errorf("Members(fn fails on the second member) called fn with %q, want %q", seen, want)
	}
}

func testMembersEmpty(t *testing.T, h Harness) {
	calls := 0
	err := h.Store.Members(t.Context(), func(bot.Member) error { calls++; return nil })
	if err != nil {
		t.Errorf("Members(empty store) error: %v", err)
	}
	if calls != 0 {
		t.Errorf("Members(empty store) called fn %d times, want 0", calls)
	}
	wantCount(t, h.Store, 0)
}

func testCountMembers(t *testing.T, h Harness) {
	ctx := t.Context()
	wantCount(t, h.Store, 0)
	for i := range 12 {
		mustSaveMember(t, h.Store, member(bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: fmt.Sprint("U", i)}, ""))
	}
	wantCount(t, h.Store, 12)
	mustSaveMember(t, h.Store, member(bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: "U3"}, bot.English))
	wantCount(t, h.Store, 12)
	if err := h.Store.DeleteMember(ctx, bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: "U3"}); err != nil {
		t.Fatalf("DeleteMember error: %v", err)
	}
	wantCount(t, h.Store, 11)
	// Dialogues, seen keys and claims are not members.
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "lang", time.Hour))
	firstSeen(t, h.Store, "event-1", time.Hour)
	claim(t, h.Store, "job", "replica-1", time.Hour)
	wantCount(t, h.Store, 11)
	if got := len(allMembers(t, h.Store)); got != 11 {
		t.Errorf("Members() gave %d members, want 11", got)
	}
}

func testConcurrentSaves(t *testing.T, h Harness) {
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: fmt.Sprintf("U%02d", i)}
			if err := h.Store.SaveMember(t.Context(), member(ref, bot.French)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent SaveMember error: %v", err)
	}
	wantCount(t, h.Store, n)
}

// awkwardRefs are distinct references whose parts hold separators, glob
// and hash-tag characters, unicode, NUL bytes or thousands of bytes. Some
// pairs share the same String().
func awkwardRefs() []bot.UserRef {
	long := strings.Repeat("x", 4000)
	return []bot.UserRef{
		{Platform: bot.PlatformSlack, Workspace: "a:b", User: "c"},
		{Platform: bot.PlatformSlack, Workspace: "a", User: "b:c"},
		{Platform: bot.PlatformSlack, Workspace: "a/b", User: "c"},
		{Platform: bot.PlatformSlack, Workspace: "a", User: "b/c"},
		{Platform: bot.PlatformSlack, Workspace: "", User: "a/b/c"},
		{Platform: "slack/a", Workspace: "b", User: "c"},
		{Platform: bot.PlatformSlack, Workspace: "a", User: "b"},
		{Platform: bot.PlatformSlack, Workspace: "a", User: "b "},
		{Platform: bot.PlatformSlack, Workspace: "a b", User: " c d "},
		{Platform: bot.PlatformSlack, Workspace: "{tag}", User: "{}"},
		{Platform: bot.PlatformSlack, Workspace: "*", User: "?[a-z]\\"},
		{Platform: bot.PlatformSlack, Workspace: "1:a", User: "1:b"},
		{Platform: bot.PlatformSlack, Workspace: "", User: "1:a1:b"},
		{Platform: bot.PlatformMattermost, Workspace: "Évry–Courcouronnes", User: "Zoë 🚀 日本"},
		{Platform: bot.PlatformMattermost, Workspace: "nul\x00byte", User: "x"},
		{Platform: bot.PlatformMattermost, Workspace: "nul", User: "byte\x00x"},
		{Platform: bot.PlatformTerminal, Workspace: "", User: "dialogue:alice"},
		{Platform: bot.PlatformTerminal, Workspace: "", User: "%2F%00\"'`$"},
		{Platform: bot.PlatformTerminal, Workspace: long, User: long},
		{Platform: bot.PlatformTerminal, Workspace: long, User: long + "y"},
	}
}

func testAwkwardRefs(t *testing.T, h Harness) {
	ctx := t.Context()
	refs := awkwardRefs()
	for i, ref := range refs {
		if err := ref.Valid(); err != nil {
			t.Fatalf("fixture %d invalid: %v", i, err)
		}
		m := member(ref, bot.Lang(fmt.Sprint("l", i)))
		mustSaveMember(t, h.Store, m)
		d := dialogue(h, ref, fmt.Sprint("kind", i), time.Hour)
		mustSaveDialogue(t, h.Store, d)
	}
	for i, ref := range refs {
		wantMember(t, h.Store, member(ref, bot.Lang(fmt.Sprint("l", i))))
		got, err := h.Store.Dialogue(ctx, ref)
		if err != nil {
			t.Errorf("Dialogue(%q) error: %v", ref, err)
			continue
		}
		if want := fmt.Sprint("kind", i); got.Kind != want || got.Member != ref {
			t.Errorf("Dialogue(%q) = member %q kind %q, want member %q kind %q", ref, got.Member, got.Kind, ref, want)
		}
	}
	wantCount(t, h.Store, len(refs))

	// Members gives every reference once, ordered by String(); refs with
	// the same String() may come in any order among themselves.
	got := allMembers(t, h.Store)
	if len(got) != len(refs) {
		t.Fatalf("Members() gave %d members, want %d", len(got), len(refs))
	}
	seen := make(map[bot.UserRef]bool)
	for i, m := range got {
		if seen[m.Ref] {
			t.Errorf("Members() gave %q twice", m.Ref)
		}
		seen[m.Ref] = true
		if i > 0 && got[i-1].Ref.String() > m.Ref.String() {
			t.Errorf("Members() gave %q before %q", got[i-1].Ref, m.Ref)
		}
		if !slices.Contains(refs, m.Ref) {
			t.Errorf("Members() gave unknown ref %q", m.Ref)
		}
	}

	// Deleting one of two refs with the same String() leaves the other.
	if err := h.Store.DeleteMember(ctx, refs[2]); err != nil {
		t.Fatalf("DeleteMember(%q) error: %v", refs[2], err)
	}
	_, err := h.Store.Member(ctx, refs[2])
	wantErrIs(t, fmt.Sprintf("Member(%q) after delete", refs[2]), err, bot.ErrNotFound)
	wantMember(t, h.Store, member(refs[3], "l3"))
	if _, err := h.Store.Dialogue(ctx, refs[3]); err != nil {
		t.Errorf("Dialogue(%q) after DeleteMember(%q) error: %v", refs[3], refs[2], err)
	}
	wantCount(t, h.Store, len(refs)-1)
}

func testDialogueRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	_, err := h.Store.Dialogue(ctx, alice)
	wantErrIs(t, "Dialogue(none)", err, bot.ErrNotFound)

	tests := []struct {
		name string
		d    bot.Dialogue
	}{
		{"full", dialogue(h, alice, "onboarding", time.Hour)},
		{"minimal", bot.Dialogue{Member: bob, Kind: "lang", Expires: h.now().Add(time.Minute).In(cet)}},
	}
	for _, tt := range tests {
		mustSaveDialogue(t, h.Store, tt.d)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Store.Dialogue(ctx, tt.d.Member)
			if err != nil {
				t.Fatalf("Dialogue() error: %v", err)
			}
			if d := diffDialogue(got, tt.d); d != "" {
				t.Errorf("Dialogue(): %s", d)
			}
		})
	}
	// A dialogue does not make a member.
	_, err = h.Store.Member(ctx, alice)
	wantErrIs(t, "Member(with only a dialogue)", err, bot.ErrNotFound)
}

func testDialogueReplace(t *testing.T, h Harness) {
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "onboarding", time.Hour))
	d := dialogue(h, alice, "lang", 2*time.Hour)
	d.Step = "confirm"
	d.Data = map[string]string{"lang": "en"}
	mustSaveDialogue(t, h.Store, d)
	got, err := h.Store.Dialogue(t.Context(), alice)
	if err != nil {
		t.Fatalf("Dialogue() error: %v", err)
	}
	if diff := diffDialogue(got, d); diff != "" {
		t.Errorf("Dialogue() after replace: %s", diff)
	}
}

func testDialogueDelete(t *testing.T, h Harness) {
	ctx := t.Context()
	if err := h.Store.DeleteDialogue(ctx, alice); err != nil {
		t.Errorf("DeleteDialogue(none) error: %v", err)
	}
	mustSaveMember(t, h.Store, member(alice, bot.French))
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "onboarding", time.Hour))
	mustSaveDialogue(t, h.Store, dialogue(h, bob, "onboarding", time.Hour))
	if err := h.Store.DeleteDialogue(ctx, alice); err != nil {
		t.Fatalf("DeleteDialogue() error: %v", err)
	}
	_, err := h.Store.Dialogue(ctx, alice)
	wantErrIs(t, "Dialogue(deleted)", err, bot.ErrNotFound)
	if _, err := h.Store.Dialogue(ctx, bob); err != nil {
		t.Errorf("Dialogue(other member) error: %v", err)
	}
	// The member stays.
	wantMember(t, h.Store, member(alice, bot.French))
	if err := h.Store.DeleteDialogue(ctx, alice); err != nil {
		t.Errorf("DeleteDialogue(already deleted) error: %v", err)
	}
}

func testDialogueInvalid(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		mutate func(d *bot.Dialogue)
	}{
		{"invalid member", func(d *bot.Dialogue) { d.Member.User = "" }},
		{"empty kind", func(d *bot.Dialogue) { d.Kind = "" }},
		{"zero expiry", func(d *bot.Dialogue) { d.Expires = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dialogue(h, alice, "lang", time.Hour)
			tt.mutate(&d)
			wantErrIs(t, "SaveDialogue", h.Store.SaveDialogue(t.Context(), d), bot.ErrInvalid)
		})
	}
	_, err := h.Store.Dialogue(t.Context(), alice)
	wantErrIs(t, "Dialogue(after invalid saves)", err, bot.ErrNotFound)
}

func testDialogueAlreadyExpired(t *testing.T, h Harness) {
	ctx := t.Context()
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "lang", time.Hour))
	// Saving a dialogue that has already expired ends the previous one.
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "lang", -time.Hour))
	_, err := h.Store.Dialogue(ctx, alice)
	wantErrIs(t, "Dialogue(expired before it was saved)", err, bot.ErrNotFound)
}

func testDialogueExpiry(t *testing.T, h Harness) {
	h.needAdvance(t)
	ctx := t.Context()
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "onboarding", time.Hour))
	mustSaveDialogue(t, h.Store, dialogue(h, bob, "onboarding", 3*time.Hour))
	h.Advance(59 * time.Minute)
	if _, err := h.Store.Dialogue(ctx, alice); err != nil {
		t.Fatalf("Dialogue() 1 minute before expiry error: %v", err)
	}
	h.Advance(2 * time.Minute)
	_, err := h.Store.Dialogue(ctx, alice)
	wantErrIs(t, "Dialogue(1 minute after expiry)", err, bot.ErrNotFound)
	if _, err := h.Store.Dialogue(ctx, bob); err != nil {
		t.Errorf("Dialogue(other member, not expired) error: %v", err)
	}
	// An expired dialogue can be started again.
	d := dialogue(h, alice, "lang", time.Hour)
	mustSaveDialogue(t, h.Store, d)
	got, err := h.Store.Dialogue(ctx, alice)
	if err != nil {
		t.Fatalf("Dialogue(saved again after expiry) error: %v", err)
	}
	if diff := diffDialogue(got, d); diff != "" {
		t.Errorf("Dialogue(saved again after expiry): %s", diff)
	}
}

func testFirstSeen(t *testing.T, h Harness) {
	keys := []string{"slack:Ev01", "slack:Ev02", "Ev01", "{ev}:*", "événement 🚀", strings.Repeat("k", 2000)}
	for _, key := range keys {
		if !firstSeen(t, h.Store, key, time.Hour) {
			t.Errorf("FirstSeen(%q) first call = false, want true", key)
		}
	}
	for _, key := range keys {
		for range 2 {
			if firstSeen(t, h.Store, key, time.Hour) {
				t.Errorf("FirstSeen(%q) repeated call = true, want false", key)
			}
		}
	}
	// Seen keys and claims live apart.
	if !claim(t, h.Store, "slack:Ev01", "replica-1", time.Hour) {
		t.Errorf("Claim(key also used by FirstSeen) = false, want true")
	}
}

func testFirstSeenInvalid(t *testing.T, h Harness) {
	tests := []struct {
		key string
		ttl time.Duration
	}{
		{"", time.Hour},
		{"k", 0},
		{"k", -time.Second},
	}
	for _, tt := range tests {
		_, err := h.Store.FirstSeen(t.Context(), tt.key, tt.ttl)
		wantErrIs(t, fmt.Sprintf("FirstSeen(%q, %v)", tt.key, tt.ttl), err, bot.ErrInvalid)
	}
	// The invalid calls recorded nothing.
	if !firstSeen(t, h.Store, "k", time.Hour) {
		t.Errorf("FirstSeen(k) after invalid calls = false, want true")
	}
}

// race runs fn(i) for i in [0, n) from n goroutines released together and
// returns how many returned true.
func race(t *testing.T, n int, fn func(i int) (bool, error)) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  int
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
			if ok {
				wins++
			}
		})
	}
	close(start)
	wg.Wait()
	return wins
}

func testFirstSeenConcurrent(t *testing.T, h Harness) {
	for round := range 3 {
		key := fmt.Sprint("event-", round)
		wins := race(t, 20, func(int) (bool, error) {
			return h.Store.FirstSeen(t.Context(), key, time.Hour)
		})
		if wins != 1 {
			t.Errorf("FirstSeen(%q) from 20 goroutines: %d got true, want exactly 1", key, wins)
		}
	}
}

func testFirstSeenExpiry(t *testing.T, h Harness) {
	h.needAdvance(t)
	if !firstSeen(t, h.Store, "ev", time.Minute) {
		t.Fatalf("FirstSeen(ev) = false, want true")
	}
	firstSeen(t, h.Store, "other", 10*time.Minute)
	h.Advance(59 * time.Second)
	if firstSeen(t, h.Store, "ev", time.Minute) {
		t.Errorf("FirstSeen(ev) before expiry = true, want false")
	}
	h.Advance(2 * time.Second)
	if !firstSeen(t, h.Store, "ev", time.Minute) {
		t.Errorf("FirstSeen(ev) after expiry = false, want true")
	}
	if firstSeen(t, h.Store, "ev", time.Minute) {
		t.Errorf("FirstSeen(ev) again after re-recording = true, want false")
	}
	if firstSeen(t, h.Store, "other", 10*time.Minute) {
		t.Errorf("FirstSeen(other) with a longer ttl = true, want false")
	}
}

func testClaim(t *testing.T, h Harness) {
	if !claim(t, h.Store, "job:2026-04-01", "replica-1", time.Hour) {
		t.Errorf("Claim(free) = false, want true")
	}
	if claim(t, h.Store, "job:2026-04-01", "replica-2", time.Hour) {
		t.Errorf("Claim(held by another owner) = true, want false")
	}
	if !claim(t, h.Store, "job:2026-04-01", "replica-1", time.Hour) {
		t.Errorf("Claim(held by the same owner) = false, want true")
	}
	if !claim(t, h.Store, "job:2026-04-02", "replica-2", time.Hour) {
		t.Errorf("Claim(another free key) = false, want true")
	}
	if !claim(t, h.Store, "{job}:*", "réplique 🚀", time.Hour) {
		t.Errorf("Claim(awkward key and owner) = false, want true")
	}
	if claim(t, h.Store, "{job}:*", "réplique", time.Hour) {
		t.Errorf("Claim(awkward key, owner prefix of holder) = true, want false")
	}
}

func testClaimInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	tests := []struct {
		key, owner string
		ttl        time.Duration
	}{
		{"", "o", time.Hour},
		{"k", "", time.Hour},
		{"k", "o", 0},
		{"k", "o", -time.Minute},
	}
	for _, tt := range tests {
		_, err := h.Store.Claim(ctx, tt.key, tt.owner, tt.ttl)
		wantErrIs(t, fmt.Sprintf("Claim(%q, %q, %v)", tt.key, tt.owner, tt.ttl), err, bot.ErrInvalid)
	}
	wantErrIs(t, `ReleaseClaim("", "o")`, h.Store.ReleaseClaim(ctx, "", "o"), bot.ErrInvalid)
	wantErrIs(t, `ReleaseClaim("k", "")`, h.Store.ReleaseClaim(ctx, "k", ""), bot.ErrInvalid)
	if !claim(t, h.Store, "k", "other", time.Hour) {
		t.Errorf("Claim(k) after invalid calls = false, want true")
	}
}

func testClaimRelease(t *testing.T, h Harness) {
	if err := h.Store.ReleaseClaim(t.Context(), "job", "replica-1"); err != nil {
		t.Errorf("ReleaseClaim(never claimed) error: %v", err)
	}
	claim(t, h.Store, "job", "replica-1", time.Hour)
	release(t, h.Store, "job", "replica-2")
	if claim(t, h.Store, "job", "replica-2", time.Hour) {
		t.Errorf("Claim(after ReleaseClaim by a non-owner) = true, want false")
	}
	release(t, h.Store, "job", "replica-1")
	if !claim(t, h.Store, "job", "replica-2", time.Hour) {
		t.Errorf("Claim(after ReleaseClaim by the owner) = false, want true")
	}
	release(t, h.Store, "job", "replica-1") // now held by replica-2
	if claim(t, h.Store, "job", "replica-1", time.Hour) {
		t.Errorf("Claim(after ReleaseClaim by the former owner) = true, want false")
	}
}

func testClaimConcurrent(t *testing.T, h Harness) {
	for round := range 3 {
		key := fmt.Sprint("slot-", round)
		wins := race(t, 20, func(i int) (bool, error) {
			return h.Store.Claim(t.Context(), key, fmt.Sprint("replica-", i), time.Hour)
		})
		if wins != 1 {
			t.Errorf("Claim(%q) from 20 owners: %d won, want exactly 1", key, wins)
		}
	}
}

func testClaimExpiry(t *testing.T, h Harness) {
	h.needAdvance(t)
	claim(t, h.Store, "job", "replica-1", time.Minute)
	h.Advance(59 * time.Second)
	if claim(t, h.Store, "job", "replica-2", time.Minute) {
		t.Errorf("Claim(before expiry, another owner) = true, want false")
	}
	h.Advance(2 * time.Second)
	if !claim(t, h.Store, "job", "replica-2", time.Minute) {
		t.Errorf("Claim(after expiry, another owner) = false, want true")
	}
	if claim(t, h.Store, "job", "replica-1", time.Minute) {
		t.Errorf("Claim(by the expired owner) = true, want false")
	}
	// The expired owner's release does not free the new owner's claim.
	release(t, h.Store, "job", "replica-1")
	if claim(t, h.Store, "job", "replica-3", time.Minute) {
		t.Errorf("Claim(after release by the expired owner) = true, want false")
	}
}

func testClaimExtend(t *testing.T, h Harness) {
	h.needAdvance(t)
	claim(t, h.Store, "job", "replica-1", time.Minute)
	h.Advance(40 * time.Second)
	if !claim(t, h.Store, "job", "replica-1", time.Minute) {
		t.Fatalf("Claim(same owner) = false, want true")
	}
	h.Advance(40 * time.Second) // 80s after the first claim, 40s after the extension
	if claim(t, h.Store, "job", "replica-2", time.Minute) {
		t.Errorf("Claim(another owner, after the first ttl but within the extension) = true, want false")
	}
	h.Advance(21 * time.Second)
	if !claim(t, h.Store, "job", "replica-2", time.Minute) {
		t.Errorf("Claim(another owner, after the extension) = false, want true")
	}
}

func testCanceledContext(t *testing.T, h Harness) {
	// Something to find, so that a store answering from a cache would fail.
	mustSaveMember(t, h.Store, member(alice, bot.French))
	mustSaveDialogue(t, h.Store, dialogue(h, alice, "lang", time.Hour))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"Member", func() error { _, err := h.Store.Member(ctx, alice); return err }},
		{"SaveMember", func() error { return h.Store.SaveMember(ctx, member(bob, "")) }},
		{"DeleteMember", func() error { return h.Store.DeleteMember(ctx, alice) }},
		{"Members", func() error { return h.Store.Members(ctx, func(bot.Member) error { return nil }) }},
		{"CountMembers", func() error { _, err := h.Store.CountMembers(ctx); return err }},
		{"Dialogue", func() error { _, err := h.Store.Dialogue(ctx, alice); return err }},
		{"SaveDialogue", func() error { return h.Store.SaveDialogue(ctx, dialogue(h, bob, "lang", time.Hour)) }},
		{"DeleteDialogue", func() error { return h.Store.DeleteDialogue(ctx, alice) }},
		{"FirstSeen", func() error { _, err := h.Store.FirstSeen(ctx, "ev", time.Hour); return err }},
		{"Claim", func() error { _, err := h.Store.Claim(ctx, "job", "o", time.Hour); return err }},
		{"ReleaseClaim", func() error { return h.Store.ReleaseClaim(ctx, "job", "o") }},
		{"Ping", func() error { return h.Store.Ping(ctx) }},
	}
	for _, c := range calls {
		wantErrIs(t, c.name+"(canceled context)", c.call(), context.Canceled)
	}
	// Nothing was written or deleted.
	wantMember(t, h.Store, member(alice, bot.French))
	wantCount(t, h.Store, 1)
	if _, err := h.Store.Dialogue(t.Context(), alice); err != nil {
		t.Errorf("Dialogue() after canceled calls error: %v", err)
	}
	if !firstSeen(t, h.Store, "ev", time.Hour) {
		t.Errorf("FirstSeen(ev) after a canceled FirstSeen = false, want true")
	}
}
