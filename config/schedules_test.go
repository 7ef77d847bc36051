package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSchedulesValid(t *testing.T) {
	data := `
schedules:
  - {name: purge, kind: purge, spec: "0 3 * * *"}
  - name: aura
    kind: announcement
    spec: "CRON_TZ=Europe/Paris 30 9 * * mon"
    target:
      members: {roles: [dgs], regions: ["84"], interests: [ia]}
    text: {fr: "Bonjour", en: "Hello"}
  - name: canal
    kind: announcement
    spec: "@every 2s"
    target:
      channel: {platform: terminal, workspace: local, id: annonces}
    text: {fr: "Annonce", en: "Notice"}
    urgent: true
  - name: tous
    kind: announcement
    spec: "@weekly"
    target: {members: {}}
    text: {fr: "Tous", en: "All"}
scheduler:
  grace: 30m
`
	c, err := Parse([]byte(data), "f.yaml", nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(c.Schedules) != 4 || c.Scheduler.Grace.Std() != 30*time.Minute {
		t.Fatalf("got %d schedules, grace %v; want 4 and 30m", len(c.Schedules), c.Scheduler.Grace)
	}
	want := Schedule{Name: "canal", Kind: JobAnnouncement, Spec: "@every 2s",
		Target: &Target{Channel: &ChannelTarget{Platform: "terminal", Workspace: "local", ID: "annonces"}},
		Text:   &Text{FR: "Annonce", EN: "Notice"}, Urgent: true}
	if !reflect.DeepEqual(c.Schedules[2], want) {
		t.Errorf("schedules[2] = %+v, want %+v", c.Schedules[2], want)
	}
	if m := c.Schedules[3].Target.Members; m == nil || len(m.Roles)+len(m.Regions)+len(m.Interests) != 0 {
		t.Errorf("members: {} = %+v, want an empty filter (all opted-in members)", m)
	}
	if s, err := c.ScheduleSpec(c.Schedules[0]); err != nil || s.Location().String() != "Europe/Paris" {
		t.Errorf("ScheduleSpec(purge) = %v, %v; want Europe/Paris", s.Location(), err)
	}
}

func TestSchedulesProblems(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string // "path: message prefix"
	}{
		{"bad spec", "schedules:\n  - {name: a, kind: purge, spec: \"0 3 * *\"}\n  - {name: b, kind: purge, spec: \"61 3 * * *\"}\n",
			[]string{"schedules[0].spec: \"0 3 * *\": expected exactly 5 fields", "schedules[1].spec: \"61 3 * * *\""}},
		{"empty spec", "schedules:\n  - {name: a, kind: purge, spec: \"\"}\n", []string{"schedules[0].spec: empty schedule"}},
		{"sub-second every", "schedules:\n  - {name: a, kind: purge, spec: \"@every 500ms\"}\n", []string{"schedules[0].spec: \"@every 500ms\": the interval must be a whole number"}},
		{"duplicate and bad names", "schedules:\n  - {name: a, kind: purge, spec: \"@daily\"}\n  - {name: a, kind: purge, spec: \"@daily\"}\n  - {name: \"A b\", kind: purge, spec: \"@daily\"}\n",
			[]string{"schedules[1].name: duplicate name \"a\" (first at schedules[0])", "schedules[2].name: must be 1 to 64"}},
		{"unknown kind", "schedules:\n  - {name: a, kind: party, spec: \"@daily\"}\n", []string{"schedules[0].kind: must be one of announcement, purge, digest, round, followup, summary"}},
		{"announcement without target or text", "schedules:\n  - {name: a, kind: announcement, spec: \"@daily\"}\n",
			[]string{"schedules[0].target: an announcement needs a target", "schedules[0].text: an announcement needs a text"}},
		{"both targets", "schedules:\n  - {name: a, kind: announcement, spec: \"@daily\", target: {members: {}, channel: {platform: slack, workspace: T1, id: C1}}, text: {fr: x, en: y}}\n",
			[]string{"schedules[0].target: give either channel or members"}},
		{"channel on a platform not in use", "schedules:\n  - {name: a, kind: announcement, spec: \"@daily\", target: {channel: {platform: slack, workspace: T1, id: C1}}, text: {fr: x, en: y}}\n",
			[]string{"schedules[0].target.channel.platform: slack is not among chat.adapters (terminal)"}},
		{"bad channel and filters", "schedules:\n  - {name: a, kind: announcement, spec: \"@daily\", target: {channel: {platform: irc, workspace: \"\", id: \"a b\"}}, text: {fr: \"\", en: y}}\n  - {name: b, kind: announcement, spec: \"@daily\", target: {members: {roles: [maire], regions: [\"99\"], interests: [golf]}}, text: {fr: x, en: y}}\n",
			[]string{"schedules[0].target.channel.platform: must be one of", "schedules[0].target.channel.workspace: must not be empty", "schedules[0].target.channel.id: must not contain spaces",
				"schedules[0].text.fr: must not be empty", "schedules[1].target.members.roles[0]: must be one of dgs", "schedules[1].target.members.regions[0]: must be one of 01", "schedules[1].target.members.interests[0]: must be one of ia"}},
		{"announcement fields on a purge", "schedules:\n  - {name: a, kind: purge, spec: \"@daily\", text: {fr: x, en: y}, urgent: true, target: {members: {}}}\n",
			[]string{"schedules[0].target: is only for kinds announcement and summary", "schedules[0].text: is only for kind announcement", "schedules[0].urgent: is only for kind announcement"}},
		{"summary without a channel", "schedules:\n  - {name: a, kind: summary, spec: \"@weekly\"}\n  - {name: b, kind: summary, spec: \"@weekly\", target: {members: {}}}\n",
			[]string{"schedules[0].target: a summary needs the organizers' channel", "schedules[1].target: a summary needs the organizers' channel"}},
		{"summary to members and a channel", "schedules:\n  - {name: a, kind: summary, spec: \"@weekly\", text: {fr: x, en: y}, target: {members: {}, channel: {platform: slack, workspace: \"\", id: C1}}}\n",
			[]string{"schedules[0].target.members: a summary goes to a channel only", "schedules[0].text: is only for kind announcement"}},
		{"summary to a bad channel", "schedules:\n  - {name: a, kind: summary, spec: \"@weekly\", target: {channel: {platform: slack, workspace: \"\", id: C1}}}\n",
			[]string{"schedules[0].target.channel.platform: slack is not among chat.adapters (terminal)", "schedules[0].target.channel.workspace: must not be empty"}},
		{"grace", "scheduler:\n  grace: 10s\n", []string{"scheduler.grace: must be between 1m and 168h"}},
		// The chat's placeholder rule: {nom} is refused here as there.
		{"unknown placeholder", "schedules:\n  - {name: a, kind: announcement, spec: \"@daily\", target: {members: {}}, text: {fr: \"Bonjour {nom}\", en: \"Hello {prenom\"}}\n",
			[]string{`schedules[0].text.fr: holds "{nom}", which is not replaced`, `schedules[0].text.en: holds a stray "{"`}},
		{"placeholder in a channel", "chat:\n  adapters: [terminal]\nschedules:\n  - {name: a, kind: announcement, spec: \"@daily\", target: {channel: {platform: terminal, workspace: local, id: annonces}}, text: {fr: \"Bonjour {prenom}\", en: \"Hello {nom}\"}}\n",
			[]string{"schedules[0].text.fr: holds a placeholder, which a channel announcement cannot replace", `schedules[0].text.en: holds "{nom}", which a channel announcement cannot replace`}},
		{"French day name", "schedules:\n  - {name: a, kind: purge, spec: \"30 9 * * lundii\"}\n",
			[]string{`schedules[0].spec: "30 9 * * lundii": day of week (5th field): "lundii" is not a day`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "f.yaml", nil)
			got := problemsOf(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems %v, want %d: %q", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("problem %d = %q, want it to start with %q", i, got[i].String(), w)
				}
				if got[i].Line == 0 {
					t.Errorf("problem %d (%s) has no line", i, got[i])
				}
			}
		})
	}
}

func TestCheckJobKinds(t *testing.T) {
	c := Default()
	c.Schedules = []Schedule{
		{Name: "a", Kind: JobPurge, Spec: "@daily"},
		{Name: "b", Kind: JobRound, Spec: "@weekly"},
		{Name: "c", Kind: JobDigest, Spec: "@weekly"},
	}
	err := c.CheckJobKinds([]string{JobAnnouncement, JobPurge})
	got := problemsOf(t, err)
	want := []string{
		"schedules[1].kind: the round job is not available in this version of maillage (available: announcement, purge)",
		"schedules[2].kind: the digest job is not available in this version of maillage (available: announcement, purge)",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %q", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("got %q, want %q", got[i], want[i])
		}
	}
	if err := c.CheckJobKinds([]string{JobAnnouncement, JobPurge, JobRound, JobDigest}); err != nil {
		t.Errorf("all available: %v, want nil", err)
	}
}
