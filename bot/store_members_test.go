package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// deliveryRecords are member records as the stores keep them (written by
// encoding/json) and records written otherwise: spaces, keys in another
// order, twice, in other letter cases or escaped, nulls, values of the
// wrong type, malformed.
func deliveryRecords(t testing.TB) [][]byte {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 26, 10, 0, 0, 123456789, paris)
	ref := UserRef{Platform: PlatformMattermost, Workspace: "W1", User: "u00042"}
	members := []Member{
		{Ref: ref},
		{Ref: ref, Name: "Camille Martin", Language: "fr", TimeZone: "Indian/Reunion", Role: "dgs",
			Collectivity: &Collectivity{Kind: KindCommune, Code: "91228", Name: "Évry-Courcouronnes", Population: 66000, Departement: "91", Region: "11"},
			Interests:    []string{"finances", "rh"}, Prefs: Preferences{Cadence: "monthly", Region: "same", NoAnnouncements: true},
			OptedIn: now, Onboarded: now.UTC(), Created: now, Updated: now},
		{Ref: ref, Name: "Dominique \"Dom\" L'Hôte\\\n\t\u2028<script>&", Language: "en",
			Collectivity: &Collectivity{Name: "Saint-Denis \u00e9\u0301 \x7f", Departement: "974"}, Onboarded: now},
		{Ref: ref, Name: "\xff\xfeinvalid UTF-8", Collectivity: &Collectivity{Name: "\xc3"}, OptedIn: now},
		{Ref: ref, Name: strings.Repeat("é", 300), Prefs: Preferences{NoAnnouncements: true}},
	}
	var out [][]byte
	for _, m := range members {
		v, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
		var indented bytes.Buffer
		json.Indent(&indented, v, " ", "\t ")
		out = append(out, indented.Bytes())
	}
	for _, s := range []string{
		`{}`, ` { } `, `null`, `{"name":null,"language":null,"collectivity":null,"prefs":null,"opted_in":null,"onboarded":null}`,
		`{"name":"A","name":"B","collectivity":{"name":"X"},"collectivity":{"departement":"91"}}`,
		`{"collectivity":{"name":"X","departement":"91"},"collectivity":null}`,
		`{"NAME":"upper","Prefs":{"No_Announcements":true},"Opted_In":"2026-01-02T03:04:05Z"}`,
		`{"n\u0061me":"escaped key","prefs":{"no_\u0061nnouncements":true}}`,
		`{"prefs":{"no_announcements":"yes"}}`, `{"prefs":[]}`, `{"name":12}`, `{"language":true}`,
		`{"onboarded":"yesterday"}`, `{"opted_in":12}`, `{"collectivity":"Évry"}`, `{"collectivity":{"name":["a"]}}`, `{"role":12,"prefs":{"cadence":1}}`,
		`{"collectivity":{"population":"many","Name":"x"}}`, `{"collectivity":{"NAME":"x","departement":null}}`,
		`{"prefs":{"no_announcements":false,"x":[1,{"y":"}"}]},"ignored":{"a":[1,2,{"b":"\"}"}]},"z":-1.5e3}`,
		`{"prefs":{"no_announcements":true}`, `{"name":"unterminated}`, `[1,2]`, `"a string"`, `12`, ``, `{"name":"a",}`,
		`{"interests":["a","b"],"name":"C","time_zone":"Europe/Paris","onboarded":"2026-01-02T03:04:05+01:00"}`,
	} {
		out = append(out, []byte(s))
	}
	return out
}

// TestDecodeDeliveryMemberMatchesEncodingJSON: DecodeDeliveryMember gives
// what encoding/json reads of the fields of DeliveryView (of the whole
// member, then DeliveryView, for a member's record), ConsentView of it
// when asked, errors included.
func TestDecodeDeliveryMemberMatchesEncodingJSON(t *testing.T) {
	for _, v := range deliveryRecords(t) {
		checkDeliveryDecode(t, v)
	}
}

func checkDeliveryDecode(t *testing.T, v []byte) {
	t.Helper()
	ref := UserRef{Platform: PlatformSlack, Workspace: "T1", User: "U1"}
	for _, consent := range []bool{false, true} {
		got, err := DecodeDeliveryMember(v, ref, consent)
		// What encoding/json reads of the fields of DeliveryView.
		var rec deliveryRecord
		werr := json.Unmarshal(v, &rec)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q (consent %v): error %v, encoding/json's %v", v, consent, err, werr)
		}
		if werr != nil {
			continue
		}
		want := Member{Ref: ref, Name: rec.Name, Language: rec.Language, TimeZone: rec.TimeZone, OptedIn: rec.OptedIn, Onboarded: rec.Onboarded}
		want.Prefs.NoAnnouncements = rec.Prefs.NoAnnouncements
		if c := rec.Collectivity; c != nil {
			want.Collectivity = &Collectivity{Name: c.Name, Departement: c.Departement}
		}
		if consent {
			want = ConsentView(want)
		}
		// A member as the stores write it: the views of the whole.
		var full Member
		if json.Unmarshal(v, &full) == nil {
			view := DeliveryView(full)
			if consent {
				view = ConsentView(full)
			}
			view.Ref = ref
			if a, b := mustJSON(t, view), mustJSON(t, want); a != b {
				t.Fatalf("%q: the view of the whole member %s, of the fields %s", v, a, b)
			}
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) || got.Collectivity != nil && want.Collectivity == nil {
			t.Fatalf("%q (consent %v):\n got %s\nwant %s", v, consent, g, w)
		}
	}
}

// FuzzDecodeDeliveryMember: the same on any input.
func FuzzDecodeDeliveryMember(f *testing.F) {
	for _, v := range deliveryRecords(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v []byte) { checkDeliveryDecode(t, v) })
}

// TestViewsKeepWhatTheyName: the views keep their fields and drop the
// others.
func TestViewsKeepWhatTheyName(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	m := Member{Ref: UserRef{Platform: PlatformSlack, Workspace: "T", User: "U"}, Name: "N", Email: "e@x.fr", Language: "en",
		TimeZone: "Europe/Paris", Role: "dgs", Collectivity: &Collectivity{Kind: KindCommune, Name: "C", Departement: "91", Region: "11", Population: 3},
		Prefs: Preferences{NoAnnouncements: true, Cadence: "monthly"}, OptedIn: now, Onboarded: now, Created: now}
	d := DeliveryView(m)
	if d.Ref != m.Ref || d.Name != "N" || d.Language != "en" || d.TimeZone != "Europe/Paris" || !d.Prefs.NoAnnouncements ||
		d.OptedIn != now || d.Onboarded != now || *d.Collectivity != (Collectivity{Name: "C", Departement: "91"}) ||
		d.Email != "" || d.Role != "" || d.Prefs.Cadence != "" || !d.Created.IsZero() {
		t.Fatalf("DeliveryView = %+v", d)
	}
	c := ConsentView(m)
	if g, w := mustJSON(t, c), mustJSON(t, Member{Ref: m.Ref, Prefs: Preferences{NoAnnouncements: true}, OptedIn: now, Onboarded: now}); g != w {
		t.Fatalf("ConsentView = %+v", c)
	}
}

func BenchmarkDecodeDeliveryMember(b *testing.B) {
	recs := deliveryRecords(b)
	v := recs[2]
	ref := UserRef{Platform: PlatformSlack, Workspace: "T1", User: "U1"}
	for _, consent := range []bool{false, true} {
		name := "delivery"
		if consent {
			name = "consent"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DecodeDeliveryMember(v, ref, consent)
			}
		})
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
