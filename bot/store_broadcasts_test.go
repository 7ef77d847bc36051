package bot

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The hand-written encoding of a recipient's record decodes to what
// encoding/json's would: plain and hostile strings, times with and
// without a zone and nanoseconds, every field empty or set.
func TestEncodeRecipientMatchesEncodingJSON(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 10, 0, 0, 123456789, paris)
	ref := UserRef{Platform: PlatformSlack, Workspace: "T0123", User: "U0456"}
	cases := []Recipient{
		{Index: 0, Status: RecipientPending},
		{Index: 3, Ref: ref, Status: RecipientSending, Conversation: "D0789", Sending: at},
		{Index: 7, Ref: ref, Status: RecipientSent, Message: "1700000000.000100", Conversation: "D0789", Sending: at.UTC()},
		{Index: 9, Ref: UserRef{Platform: PlatformMatrix, Workspace: "agent.tchap.gouv.fr", User: "@é\"\\<b>&x:tchap"}, Status: RecipientFailed,
			Reason: "status 403: \"not_in_channel\" \\ <script>&\n\t\x01 é ☃ \xff fin", Attempts: 3, NotBefore: at.Add(time.Hour)},
		{Index: 11, Ref: ref, Status: RecipientSkipped, Reason: "opted_out"},
		{Index: 12, Status: RecipientUnknown, Reason: "erased", Sending: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Attempts: -1},
	}
	for _, r := range cases {
		got, err := DecodeRecipient(r.Index, EncodeRecipient(r))
		if err != nil {
			t.Fatalf("DecodeRecipient(EncodeRecipient(%+v)): %v", r, err)
		}
		// What encoding/json writes, decoded the same way.
		wantRef := []byte("null")
		if !r.Ref.IsZero() {
			wantRef, _ = json.Marshal([3]string{string(r.Ref.Platform), r.Ref.Workspace, r.Ref.User})
		}
		rest, _ := json.Marshal(r)
		rec := append(append(append([]byte(string(r.Status)+" "), wantRef...), '\n'), rest...)
		want, err := DecodeRecipient(r.Index, rec)
		if err != nil {
			t.Fatalf("decoding encoding/json's record of %+v: %v", r, err)
		}
		if !reflect.DeepEqual(got, want) || !got.Sending.Equal(r.Sending) || !got.NotBefore.Equal(r.NotBefore) {
			t.Errorf("round trip of %+v:\n got  %+v\n want %+v", r, got, want)
		}
		_, fields := EncodeRecipientParts(r)
		if !json.Valid(fields) {
			t.Errorf("fields of %+v: invalid JSON %s", r, fields)
		}
	}
}
