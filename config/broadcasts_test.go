package config

import (
	"reflect"
	"testing"
)

func TestBroadcastsProblems(t *testing.T) {
	yaml := `broadcasts:
  approval_threshold: 0
  batch_size: 5000
  max_attempts: 0
  pace:
    slack: {posts_per_minute: -1, post_burst: 0, opens_per_minute: 50, open_burst: 0}
    mattermost: {posts_per_minute: 600, post_burst: 0}
`
	_, err := Parse([]byte(yaml), "f.yaml", envMap(nil))
	got := problemsOf(t, err)
	var paths []string
	for _, p := range got {
		paths = append(paths, p.Path)
	}
	want := []string{
		"broadcasts.approval_threshold", "broadcasts.batch_size", "broadcasts.max_attempts",
		"broadcasts.pace.slack.posts_per_minute", "broadcasts.pace.slack.open_burst",
		"broadcasts.pace.mattermost.post_burst",
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("problems at %q\nwant at      %q\n(%v)", paths, want, got)
	}
	if c, err := Parse([]byte("broadcasts:\n  pace:\n    slack: {posts_per_minute: 0, post_burst: 0}\n"), "f.yaml", envMap(nil)); err != nil || c.Broadcasts.Pace.Slack.PostsPerMinute != 0 {
		t.Errorf("no limit for Slack posts: %v", err)
	}
}
