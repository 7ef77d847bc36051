package bot

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BroadcastStore keeps the organizers' broadcasts and, for each, the state
// of every recipient, so that delivery resumes after a crash and several
// replicas share it without sending twice. It is part of Store; see Store
// for the errors common to every method (invalid references, ended
// contexts, ErrUnavailable).
//
// Recipients are numbered from 0 in the order AddRecipients met them; a
// member is at most once in a broadcast. Their records are compact (a
// status word then a small JSON object, see EncodeRecipient).
type BroadcastStore interface {
	// SaveBroadcast creates b, or replaces it. It returns an error
	// wrapping ErrInvalid when b.ID or b.State is empty or b.Created is
	// zero.
	SaveBroadcast(ctx context.Context, b Broadcast) error

	// Broadcast returns the broadcast id, or an error wrapping ErrNotFound.
	Broadcast(ctx context.Context, id string) (Broadcast, error)

	// UpdateBroadcast reads the broadcast id, calls fn on it and stores the
	// result, atomically: no other update comes between the read and the
	// write (fn may be called again when one did). When fn returns an
	// error nothing is written and UpdateBroadcast returns that error as
	// is. ErrNotFound when there is no such broadcast.
	UpdateBroadcast(ctx context.Context, id string, fn func(*Broadcast) error) (Broadcast, error)

	// Broadcasts calls fn for every broadcast, ordered by Created then ID;
	// it stops at, and returns, the first error of fn.
	Broadcasts(ctx context.Context, fn func(Broadcast) error) error

	// DeleteBroadcast removes the broadcast and all its recipients; an
	// error wrapping ErrNotFound when there is none.
	DeleteBroadcast(ctx context.Context, id string) error

	// AddRecipients appends to the broadcast id the recipients of recs not
	// in it yet (by Ref), numbering them after the last one, atomically;
	// it returns how many it added and the new number of recipients. The
	// Index of recs is ignored. ErrNotFound when there is no such
	// broadcast; ErrInvalid for an invalid Ref or an empty Status.
	AddRecipients(ctx context.Context, id string, recs []Recipient) (added, total int, err error)

	// Recipients returns the recipients numbered from first to before
	// (excluded), in order; missing numbers are left out.
	Recipients(ctx context.Context, id string, first, before int) ([]Recipient, error)

	// SetRecipient replaces recipient rec.Index of the broadcast id if its
	// stored status is from, and reports whether it did: the compare and
	// swap that makes one replica, and only one, send to a recipient.
	// ErrNotFound when there is no such recipient; ErrInvalid for an empty
	// status. rec.Ref is ignored (the stored one is kept).
	SetRecipient(ctx context.Context, id string, from RecipientStatus, rec Recipient) (bool, error)

	// RecipientCounts returns how many recipients of the broadcast have
	// each status.
	RecipientCounts(ctx context.Context, id string) (map[RecipientStatus]int, error)

	// BroadcastsOf returns, for the right of access, the member's
	// recipient record in every broadcast (Broadcast ID -> record), and the
	// IDs of the broadcasts they wrote. Empty when there is none.
	BroadcastsOf(ctx context.Context, ref UserRef) (map[string]Recipient, []string, error)

	// EraseBroadcastMember removes the member from every broadcast: their
	// recipient records lose the reference (a record still pending becomes
	// skipped, reason "erased"), and the broadcasts they wrote, approved
	// or cancelled forget who did. It returns how many records it changed.
	EraseBroadcastMember(ctx context.Context, ref UserRef) (int, error)
}

// RecipientSwap is one compare and swap of SetRecipients: recipient
// Rec.Index becomes Rec if its stored status is From.
type RecipientSwap struct {
	From RecipientStatus
	Rec  Recipient
}

// RecipientBatchWriter is an optional capability of a BroadcastStore: the
// delivery engine writes the states of several recipients of a broadcast
// at once (one transaction, one MULTI) instead of one write each.
type RecipientBatchWriter interface {
	// SetRecipients applies the swaps in order, each as SetRecipient
	// would (a later swap of the same recipient sees the earlier one),
	// all or none, and reports for each whether it swapped. The swaps
	// that make a recipient "sending" are durable (replicated, where
	// SetRecipient waits for replicas) when it returns. ErrNotFound when
	// a recipient is missing, ErrInvalid for an empty status: then
	// nothing is written.
	SetRecipients(ctx context.Context, id string, swaps []RecipientSwap) ([]bool, error)
}

// RecipientValueWriter is an optional capability of a store that is a
// RecipientBatchWriter and a ValueBatchWriter: the delivery engine marks a
// group of recipients "sending" and caches the direct conversations it
// opened for them in one write (one transaction) instead of two.
type RecipientValueWriter interface {
	// SetRecipientsValues is SetRecipients(ctx, id, swaps) and
	// PutValues(ctx, kvs, ttl) in one write: all or nothing, with the
	// errors of either (and then nothing is written).
	SetRecipientsValues(ctx context.Context, id string, swaps []RecipientSwap, kvs []KeyValue, ttl time.Duration) ([]bool, error)
}

// BroadcastState is where a broadcast stands.
type BroadcastState string

// Broadcast states. A broadcast goes approval → scheduled → running →
// done; it may be cancelled before done.
const (
	// BroadcastApproval: confirmed by its author, it waits for a second
	// organizer's approval (above the approval threshold).
	BroadcastApproval BroadcastState = "approval"
	// BroadcastScheduled: approved, it waits for At (or for a replica to
	// start it); its recipients may be partly listed.
	BroadcastScheduled BroadcastState = "scheduled"
	// BroadcastRunning: the recipients are all listed; the replicas send.
	BroadcastRunning BroadcastState = "running"
	// BroadcastDone: every recipient is sent, failed, unknown or skipped.
	BroadcastDone BroadcastState = "done"
	// BroadcastCancelled: stopped by an organizer; pending recipients were
	// not sent.
	BroadcastCancelled BroadcastState = "cancelled"
)

// Final reports whether the broadcast will send nothing more.
func (s BroadcastState) Final() bool { return s == BroadcastDone || s == BroadcastCancelled }

// Broadcast is a message an organizer sends to many members, one direct
// message each.
type Broadcast struct {
	ID    string         `json:"id"`
	State BroadcastState `json:"state"`
	// Origin: "chat", "cli", or "job:<name>" for a scheduled announcement.
	Origin string `json:"origin"`
	// Author is who composed it (zero for the command line, a job, or once
	// erased); AuthorLang is the language of the reports sent to them.
	Author     UserRef `json:"author,omitzero"`
	AuthorLang Lang    `json:"author_lang,omitempty"`
	// Operator names the operator of the command line (from $USER), for
	// the audit.
	Operator string `json:"operator,omitempty"`
	// Text per language; the default language's is required.
	Text map[Lang]string `json:"text"`
	// Segment selects the recipients among the members.
	Segment Segment `json:"segment"`
	// Urgent broadcasts ignore working hours and members' opting out of
	// announcements (reserved for essential information).
	Urgent bool `json:"urgent,omitempty"`
	// At is when to start; zero means at once.
	At time.Time `json:"at,omitzero"`
	// Expected is the number of recipients the preview showed.
	Expected int `json:"expected"`
	// Approver approved it (above the threshold); Approved when.
	Approver UserRef   `json:"approver,omitzero"`
	Approved time.Time `json:"approved,omitzero"`
	// Canceller cancelled it; Cancelled when.
	Canceller UserRef   `json:"canceller,omitzero"`
	Cancelled time.Time `json:"cancelled,omitzero"`
	// Total is the number of recipients listed (set when running).
	Total int `json:"total"`
	// Progress is the last quarter reported to the author (0..3).
	Progress int `json:"progress,omitempty"`
	// Resends counts the organizers' resends to the recipients whose
	// outcome was unknown (see ResendUnknown).
	Resends  int       `json:"resends,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// Valid reports an error when a required field is missing.
func (b Broadcast) Valid() error {
	switch {
	case b.ID == "":
		return errors.New("broadcast: missing id")
	case b.State == "":
		return errors.New("broadcast: missing state")
	case b.Created.IsZero():
		return errors.New("broadcast: missing creation time")
	}
	return nil
}

// CompareBroadcasts orders broadcasts as Broadcasts yields them.
func CompareBroadcasts(a, b Broadcast) int {
	return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
}

// Segment selects members: each non-empty criterion keeps the members
// matching one of its values; an empty segment is everyone.
type Segment struct {
	// Roles are Member.Role ids.
	Roles []string `json:"roles,omitempty"`
	// Regions and Departements are INSEE codes.
	Regions      []string `json:"regions,omitempty"`
	Departements []string `json:"departements,omitempty"`
	// MinPopulation and MaxPopulation bound the collectivity's size
	// (inclusive; 0 = no bound).
	MinPopulation int `json:"min_population,omitempty"`
	MaxPopulation int `json:"max_population,omitempty"`
	// Interests are Member.Interests ids.
	Interests []string `json:"interests,omitempty"`
	// Sessions are "event/session" ids: members registered for one.
	Sessions []string `json:"sessions,omitempty"`
	// Langs are members' languages (the default for those with none).
	Langs []Lang `json:"langs,omitempty"`
}

// IsZero reports whether the segment is everyone.
func (s Segment) IsZero() bool {
	return len(s.Roles) == 0 && len(s.Regions) == 0 && len(s.Departements) == 0 &&
		s.MinPopulation == 0 && s.MaxPopulation == 0 && len(s.Interests) == 0 &&
		len(s.Sessions) == 0 && len(s.Langs) == 0
}

// RecipientStatus is where one recipient of a broadcast stands.
type RecipientStatus string

// Recipient statuses. pending → sending → sent | failed | unknown; pending
// → skipped. "sending" is written before the message is posted: a
// recipient found "sending" by another replica after a crash had its
// message posted or not, which only reconciliation can tell.
const (
	RecipientPending RecipientStatus = "pending"
	RecipientSending RecipientStatus = "sending"
	RecipientSent    RecipientStatus = "sent"
	RecipientFailed  RecipientStatus = "failed"
	// RecipientUnknown: the post's outcome is unknown and could not be
	// reconciled; it is not retried without an organizer's decision.
	RecipientUnknown RecipientStatus = "unknown"
	RecipientSkipped RecipientStatus = "skipped"
)

// RecipientStatuses lists the statuses in report order.
var RecipientStatuses = []RecipientStatus{RecipientSent, RecipientFailed, RecipientUnknown, RecipientSkipped, RecipientPending, RecipientSending}

// Final reports whether nothing more will be done for the recipient.
func (s RecipientStatus) Final() bool {
	return s != RecipientPending && s != RecipientSending
}

// Recipient is the state of one recipient of a broadcast.
type Recipient struct {
	Index  int             `json:"-"`
	Ref    UserRef         `json:"-"`
	Status RecipientStatus `json:"-"`
	// Message is the platform's id of the message sent (status sent).
	Message string `json:"m,omitempty"`
	// Reason says why it failed or was skipped (a short code:
	// "opted_out", "erased", "cancelled", "not_found", or an error).
	Reason string `json:"r,omitempty"`
	// Conversation is the direct conversation's id, once opened.
	Conversation string `json:"c,omitempty"`
	// NotBefore holds a pending recipient until their working hours.
	NotBefore time.Time `json:"n,omitzero"`
	// Sending is when it was marked sending (for reconciliation).
	Sending time.Time `json:"t,omitzero"`
	// Attempts counts the failed attempts whose outcome was known.
	Attempts int `json:"a,omitempty"`
}

// EncodeRecipient returns the compact record of r that stores keep, three
// parts: its status, a space, its reference as a JSON array of three
// strings (or null), a newline, then the other fields as a small JSON
// object. Stores compare the status prefix to swap a record, and keep the
// reference part of the stored record when they do (SetRecipient).
func EncodeRecipient(r Recipient) []byte {
	ref, rest := EncodeRecipientParts(r)
	out := make([]byte, 0, len(r.Status)+len(ref)+len(rest)+2)
	out = append(out, r.Status...)
	out = append(out, ' ')
	out = append(out, ref...)
	out = append(out, '\n')
	return append(out, rest...)
}

// EncodeRecipientParts returns the reference part and the fields part of
// r's record (see EncodeRecipient).
//
// The JSON is written by hand (what encoding/json would write, but for the
// escaping of unusual strings, left to it): the broadcast engine encodes
// records by the thousand, and json.Marshal's reflection cost half a
// kilobyte a record.
func EncodeRecipientParts(r Recipient) (ref, rest []byte) {
	ref = []byte("null")
	if !r.Ref.IsZero() {
		ref = make([]byte, 0, len(r.Ref.Platform)+len(r.Ref.Workspace)+len(r.Ref.User)+10)
		ref = append(ref, '[')
		ref = appendJSONString(ref, string(r.Ref.Platform))
		ref = append(ref, ',')
		ref = appendJSONString(ref, r.Ref.Workspace)
		ref = append(ref, ',')
		ref = appendJSONString(ref, r.Ref.User)
		ref = append(ref, ']')
	}
	rest = make([]byte, 0, len(r.Message)+len(r.Reason)+len(r.Conversation)+96)
	rest = append(rest, '{')
	if r.Message != "" {
		rest = appendJSONString(appendJSONKey(rest, "m"), r.Message)
	}
	if r.Reason != "" {
		rest = appendJSONString(appendJSONKey(rest, "r"), r.Reason)
	}
	if r.Conversation != "" {
		rest = appendJSONString(appendJSONKey(rest, "c"), r.Conversation)
	}
	if !r.NotBefore.IsZero() {
		rest = appendJSONTime(appendJSONKey(rest, "n"), r.NotBefore)
	}
	if !r.Sending.IsZero() {
		rest = appendJSONTime(appendJSONKey(rest, "t"), r.Sending)
	}
	if r.Attempts != 0 {
		rest = strconv.AppendInt(appendJSONKey(rest, "a"), int64(r.Attempts), 10)
	}
	return ref, append(rest, '}')
}

// appendJSONKey appends "key": to an object being written (after a comma
// unless it is the first member).
func appendJSONKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendJSONString appends s as a JSON string: as is when it is plain
// printable ASCII, else as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			js, _ := json.Marshal(s) // a string: cannot fail
			return append(b, js...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as encoding/json writes a time.Time (of the
// years 0 to 9999).
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// DecodeRecipient reverses EncodeRecipient; index is the record's number.
// data is only read, and nothing of it is kept.
func DecodeRecipient(index int, data []byte) (Recipient, error) {
	status, tail, ok := bytes.Cut(data, []byte{' '})
	ref, rest, ok2 := bytes.Cut(tail, []byte{'\n'})
	if !ok || !ok2 || len(status) == 0 {
		return Recipient{}, fmt.Errorf("recipient %d: malformed record", index)
	}
	var r Recipient
	if !json.Valid(rest) || !decodeRecipientRest(rest, &r) {
		r = Recipient{}
		if err := json.Unmarshal(rest, &r); err != nil {
			return Recipient{}, fmt.Errorf("recipient %d: %w", index, err)
		}
	}
	if !json.Valid(ref) || !decodeRecipientRef(ref, &r.Ref) {
		var u *[3]string
		if err := json.Unmarshal(ref, &u); err != nil {
			return Recipient{}, fmt.Errorf("recipient %d: reference: %w", index, err)
		}
		r.Ref = UserRef{}
		if u != nil {
			r.Ref = UserRef{Platform: Platform(u[0]), Workspace: u[1], User: u[2]}
		}
	}
	r.Index, r.Status = index, recipientStatus(status)
	return r, nil
}

// recipientStatus is status as a RecipientStatus, the known ones without
// a copy.
func recipientStatus(status []byte) RecipientStatus {
	for _, s := range RecipientStatuses {
		if string(status) == string(s) {
			return s
		}
	}
	return RecipientStatus(status)
}

// decodeRecipientRest reads the (valid) JSON object of a recipient's
// other fields as EncodeRecipientParts writes it, without reflection;
// false when it meets something encoding/json would read otherwise (the
// caller then hands it to encoding/json).
func decodeRecipientRest(v []byte, r *Recipient) bool {
	return eachMember(v, func(key, val []byte) bool {
		switch string(key) {
		case "m":
			return jsonString(val, &r.Message)
		case "r":
			return jsonString(val, &r.Reason)
		case "c":
			return jsonString(val, &r.Conversation)
		case "n":
			return r.NotBefore.UnmarshalJSON(val) == nil
		case "t":
			return r.Sending.UnmarshalJSON(val) == nil
		case "a":
			if string(val) == "null" {
				return true
			}
			n, err := strconv.Atoi(string(val))
			r.Attempts = n
			return err == nil
		}
		return !foldsTo(key, "m", "r", "c", "n", "t", "a")
	})
}

// platformOf is p as a Platform, the known ones without a copy.
func platformOf(p string) Platform {
	for _, known := range []Platform{PlatformSlack, PlatformMattermost, PlatformMatrix, PlatformTerminal} {
		if p == string(known) {
			return known
		}
	}
	return Platform(p)
}

// decodeRecipientRef reads the (valid) JSON reference part of a
// recipient's record, null or an array of three strings, without
// reflection; false for anything else.
func decodeRecipientRef(v []byte, u *UserRef) bool {
	if string(v) == "null" {
		*u = UserRef{}
		return true
	}
	if len(v) < 2 || v[0] != '[' {
		return false
	}
	var parts [3]string
	i := 1
	for k := range parts {
		i = skipSpace(v, i)
		end := skipValue(v, i)
		if i >= len(v) || v[i] != '"' || !jsonString(v[i:end], &parts[k]) {
			return false
		}
		i = skipSpace(v, end)
		want := byte(',')
		if k == len(parts)-1 {
			want = ']'
		}
		if i >= len(v) || v[i] != want {
			return false
		}
		i++
	}
	if skipSpace(v, i) != len(v) {
		return false
	}
	*u = UserRef{Platform: platformOf(parts[0]), Workspace: parts[1], User: parts[2]}
	return true
}

// StatusPrefix is the prefix of an encoded record with status s.
func StatusPrefix(s RecipientStatus) string { return string(s) + " " }

// EraseRecipient returns the record r becomes when its member erases their
// data: no reference, and skipped if it was still pending.
func EraseRecipient(r Recipient) Recipient {
	r.Ref = UserRef{}
	r.Conversation = ""
	if r.Status == RecipientPending {
		r.Status, r.Reason = RecipientSkipped, "erased"
	}
	return r
}

// EraseAuthor forgets ref as the author, approver or canceller of b, and
// reports whether b changed.
func EraseAuthor(b *Broadcast, ref UserRef) bool {
	changed := false
	for _, u := range []*UserRef{&b.Author, &b.Approver, &b.Canceller} {
		if *u == ref {
			*u, changed = UserRef{}, true
		}
	}
	return changed
}

// SegmentMemberLister is an optional capability of a Store: listing a
// broadcast's recipients reads every member, and needs only a few of their
// fields. SegmentMembers calls fn with each member, in the order of
// Members, as SegmentView leaves it (the other fields zero), decoding only
// those fields.
type SegmentMemberLister interface {
	SegmentMembers(ctx context.Context, fn func(Member) error) error
}

// SegmentView is m with only the fields a broadcast's segment and consent
// read: Ref, Language, Role, Interests, the collectivity's Region,
// Departement and Population, Prefs.NoAnnouncements, OptedIn, Onboarded.
func SegmentView(m Member) Member {
	v := Member{
		Ref: m.Ref, Language: m.Language, Role: m.Role, Interests: m.Interests,
		OptedIn: m.OptedIn, Onboarded: m.Onboarded,
	}
	v.Prefs.NoAnnouncements = m.Prefs.NoAnnouncements
	if c := m.Collectivity; c != nil {
		v.Collectivity = &Collectivity{Region: c.Region, Departement: c.Departement, Population: c.Population}
	}
	return v
}

// SegmentRecord is the part of a member's JSON record (as encoding/json
// writes a Member) that SegmentView keeps, for stores to decode alone.
type SegmentRecord struct {
	Ref          UserRef  `json:"ref"`
	Language     Lang     `json:"language"`
	Role         string   `json:"role"`
	Interests    []string `json:"interests"`
	Collectivity *struct {
		Population  int    `json:"population"`
		Departement string `json:"departement"`
		Region      string `json:"region"`
	} `json:"collectivity"`
	Prefs struct {
		NoAnnouncements bool `json:"no_announcements"`
	} `json:"prefs"`
	OptedIn   time.Time `json:"opted_in"`
	Onboarded time.Time `json:"onboarded"`
}

// Decode reads a member's JSON record into r as encoding/json.Unmarshal
// would (errors included), without reflection: the record is walked once;
// anything unusual (a key in other letter cases or escaped, a value of
// another type) is handed to encoding/json. v is only read, and nothing
// of it is kept.
func (r *SegmentRecord) Decode(v []byte) error {
	if !json.Valid(v) || !r.decode(v) {
		*r = SegmentRecord{}
		return json.Unmarshal(v, r)
	}
	return nil
}

func (r *SegmentRecord) decode(v []byte) bool {
	return eachMember(v, func(key, val []byte) bool {
		switch string(key) {
		case "ref":
			return eachMember(val, func(key, val []byte) bool {
				switch string(key) {
				case "platform":
					var p string
					ok := jsonString(val, &p)
					if ok && val[0] == '"' {
						r.Ref.Platform = platformOf(p)
					}
					return ok
				case "workspace":
					return jsonString(val, &r.Ref.Workspace)
				case "user":
					return jsonString(val, &r.Ref.User)
				}
				return !foldsTo(key, "platform", "workspace", "user")
			})
		case "language":
			return jsonString(val, (*string)(&r.Language))
		case "role":
			return jsonString(val, &r.Role)
		case "interests":
			return jsonStrings(val, &r.Interests)
		case "collectivity":
			if val[0] == 'n' {
				r.Collectivity = nil
				return true
			}
			if r.Collectivity == nil {
				r.Collectivity = &struct {
					Population  int    `json:"population"`
					Departement string `json:"departement"`
					Region      string `json:"region"`
				}{}
			}
			c := r.Collectivity
			return eachMember(val, func(key, val []byte) bool {
				switch string(key) {
				case "population":
					return jsonInt(val, &c.Population)
				case "departement":
					return jsonString(val, &c.Departement)
				case "region":
					return jsonString(val, &c.Region)
				}
				return !foldsTo(key, "population", "departement", "region")
			})
		case "prefs":
			return eachMember(val, func(key, val []byte) bool {
				if string(key) == "no_announcements" {
					return jsonBool(val, &r.Prefs.NoAnnouncements)
				}
				return !bytes.EqualFold(key, []byte("no_announcements"))
			})
		case "opted_in":
			return r.OptedIn.UnmarshalJSON(val) == nil
		case "onboarded":
			return r.Onboarded.UnmarshalJSON(val) == nil
		}
		return !foldsTo(key, "ref", "language", "role", "interests", "collectivity", "prefs", "opted_in", "onboarded")
	})
}

// jsonInt reads the JSON number val into *n as encoding/json does for an
// int (null leaves it as it is); false for anything else.
func jsonInt(val []byte, n *int) bool {
	if string(val) == "null" {
		return true
	}
	i, err := strconv.Atoi(string(val))
	if err == nil {
		*n = i
	}
	return err == nil
}

// jsonStrings reads the JSON array of strings val into *out as
// encoding/json does (null: nil; [] an empty slice); false for anything
// else.
func jsonStrings(val []byte, out *[]string) bool {
	if string(val) == "null" {
		*out = nil
		return true
	}
	if val[0] != '[' {
		return false
	}
	list := (*out)[:0]
	if list == nil {
		list = []string{}
	}
	for i := skipSpace(val, 1); i < len(val) && val[i] != ']'; {
		end := skipValue(val, i)
		var s string
		if val[i] != '"' || !jsonString(val[i:end], &s) {
			return false
		}
		list = append(list, s)
		i = skipSpace(val, end)
		if i < len(val) && val[i] == ',' {
			i = skipSpace(val, i+1)
		}
	}
	*out = list
	return true
}

// Member is the record as SegmentView would leave the member.
func (r *SegmentRecord) Member() Member {
	m := Member{
		Ref: r.Ref, Language: r.Language, Role: r.Role, Interests: r.Interests,
		OptedIn: r.OptedIn, Onboarded: r.Onboarded,
	}
	m.Prefs.NoAnnouncements = r.Prefs.NoAnnouncements
	if c := r.Collectivity; c != nil {
		m.Collectivity = &Collectivity{Region: c.Region, Departement: c.Departement, Population: c.Population}
	}
	return m
}
