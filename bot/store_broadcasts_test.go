package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// decodeRecipientJSON is DecodeRecipient with encoding/json alone (as it
// was before the walk without reflection): the reference.
func decodeRecipientJSON(index int, data []byte) (Recipient, error) {
	status, tail, ok := bytes.Cut(data, []byte{' '})
	ref, rest, ok2 := bytes.Cut(tail, []byte{'\n'})
	if !ok || !ok2 || len(status) == 0 {
		return Recipient{}, fmt.Errorf("recipient %d: malformed record", index)
	}
	var r Recipient
	if err := json.Unmarshal(rest, &r); err != nil {
		return Recipient{}, err
	}
	var u *[3]string
	if err := json.Unmarshal(ref, &u); err != nil {
		return Recipient{}, err
	}
	r.Index, r.Status = index, RecipientStatus(status)
	if u != nil {
		r.Ref = UserRef{Platform: Platform(u[0]), Workspace: u[1], User: u[2]}
	}
	return r, nil
}

func recipientRecords() []string {
	return []string{
		"pending null\n{}",
		"sent [\"slack\",\"T1\",\"U1\"]\n{\"m\":\"1700.01\",\"c\":\"D1\",\"t\":\"2026-11-26T10:00:00.123456789+01:00\"}",
		"failed [\"matrix\",\"agent.tchap.gouv.fr\",\"@\\u00e9\\\"x:tchap\"]\n{\"r\":\"status 403: \\\"x\\\" \\u003cb\\u003e \\ufffd\",\"a\":3,\"n\":\"2026-11-26T11:00:00Z\"}",
		"sending [ \"mattermost\" , \"W1\" , \"u1\" ]\n{ \"c\" : \"D\" , \"a\" : -1 }",
		"skipped null\n{\"r\":\"erased\",\"r\":\"twice\",\"m\":null,\"a\":null,\"t\":null}",
		"sent [\"slack\",\"T1\"]\n{}", "sent [\"slack\",\"T1\",\"U1\",\"extra\"]\n{}", "sent [\"slack\",1,\"U1\"]\n{}",
		"sent []\n{}", "sent {}\n{}", "sent \"x\"\n{}", "sent [\"slack\",\"T1\",\"U1\"\n{}",
		"sent null\n{\"M\":\"upper\"}", "sent null\n{\"\\u006d\":\"escaped\"}", "sent null\n{\"a\":1.5}", "sent null\n{\"a\":\"1\"}",
		"sent null\n{\"a\":99999999999999999999}", "sent null\n{\"t\":\"yesterday\"}", "sent null\n{\"m\":1}", "sent null\n{\"m\":\"\\xff\"}",
		"sent null\n{\"x\":[1,{\"y\":\"}\"}],\"m\":\"after\"}", "sent null\n{", "sent null\n", "sent null\n[]", "sent null\nnull",
		"sent null\n{\"a\":1e2}", "sent null\n{\"a\":-0}",
	}
}

// TestDecodeRecipientMatchesEncodingJSON: DecodeRecipient reads records
// as encoding/json does, errors included (hostile ones too).
func TestDecodeRecipientMatchesEncodingJSON(t *testing.T) {
	for _, rec := range recipientRecords() {
		checkRecipientDecode(t, []byte(rec))
	}
}

func checkRecipientDecode(t *testing.T, rec []byte) {
	t.Helper()
	got, err := DecodeRecipient(4, rec)
	want, werr := decodeRecipientJSON(4, rec)
	if (err != nil) != (werr != nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", rec, err, werr)
	}
	if err == nil && (!reflect.DeepEqual(got, want) || !got.Sending.Equal(want.Sending) || !got.NotBefore.Equal(want.NotBefore)) {
		t.Fatalf("%q:\n got  %+v\n want %+v", rec, got, want)
	}
}

func FuzzDecodeRecipient(f *testing.F) {
	for _, rec := range recipientRecords() {
		f.Add([]byte(rec))
	}
	f.Fuzz(func(t *testing.T, rec []byte) { checkRecipientDecode(t, rec) })
}

func BenchmarkDecodeRecipient(b *testing.B) {
	rec := []byte(recipientRecords()[1])
	b.ReportAllocs()
	for b.Loop() {
		DecodeRecipient(1, rec)
	}
}

func segmentRecords(t testing.TB) [][]byte {
	recs := deliveryRecords(t)
	for _, s := range []string{
		`{"ref":{"platform":"slack","workspace":"T1","user":"U1"},"role":"dgs","interests":["rh","finances"],"collectivity":{"population":1200,"departement":"91","region":"11","name":"x"}}`,
		`{"ref":null,"interests":null,"collectivity":{"population":null}}`, `{"interests":[]}`, `{"interests":[ "a" , "b\u00e9" ]}`,
		`{"interests":["a"],"interests":["b","c"]}`, `{"interests":[1]}`, `{"interests":"rh"}`, `{"interests":["a",null]}`,
		`{"ref":{"platform":"matrix","Workspace":"x"}}`, `{"ref":{"platform":1}}`, `{"ref":"slack"}`, `{"ref":{"user":"a","user":"b"}}`,
		`{"collectivity":{"population":1.5}}`, `{"collectivity":{"population":-0}}`, `{"collectivity":{"population":1e3}}`,
		`{"collectivity":{"population":99999999999999999999}}`, `{"collectivity":{"Population":3}}`, `{"collectivity":{"region":["11"]}}`,
		`{"role":null,"language":"en","prefs":{"no_announcements":true},"opted_in":"2026-01-02T03:04:05Z"}`,
	} {
		recs = append(recs, []byte(s))
	}
	return recs
}

// TestSegmentRecordDecodeMatchesEncodingJSON: SegmentRecord.Decode reads
// what encoding/json reads, errors included.
func TestSegmentRecordDecodeMatchesEncodingJSON(t *testing.T) {
	for _, v := range segmentRecords(t) {
		checkSegmentDecode(t, v)
	}
}

func checkSegmentDecode(t *testing.T, v []byte) {
	t.Helper()
	var got, want SegmentRecord
	err := got.Decode(v)
	werr := json.Unmarshal(v, &want)
	if (err != nil) != (werr != nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", v, err, werr)
	}
	if err == nil && (!reflect.DeepEqual(got.Member(), want.Member()) || !got.OptedIn.Equal(want.OptedIn) || !got.Onboarded.Equal(want.Onboarded) ||
		(got.Interests == nil) != (want.Interests == nil)) {
		t.Fatalf("%q:\n got  %+v\n want %+v", v, got, want)
	}
}

func FuzzSegmentRecordDecode(f *testing.F) {
	for _, v := range segmentRecords(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v []byte) { checkSegmentDecode(t, v) })
}
