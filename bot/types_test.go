package bot

import "testing"

func TestUserRefKeyIsUnambiguous(t *testing.T) {
	tests := []struct {
		ref  UserRef
		want string
	}{
		{UserRef{Platform: "slack", Workspace: "a:b", User: "c"}, "5:slack3:a:b1:c"},
		{UserRef{Platform: "slack", Workspace: "a", User: "b:c"}, "5:slack1:a3:b:c"},
		{UserRef{Platform: "slack", Workspace: "a/b", User: "c"}, "5:slack3:a/b1:c"},
		{UserRef{Platform: "slack", Workspace: "a", User: "b/c"}, "5:slack1:a3:b/c"},
		{UserRef{Platform: "terminal", User: "é"}, "8:terminal0:2:é"},
	}
	seen := map[string]UserRef{}
	for _, tt := range tests {
		got := tt.ref.Key()
		if got != tt.want {
			t.Errorf("%#v.Key() = %q, want %q", tt.ref, got, tt.want)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%#v and %#v share the key %q", tt.ref, other, got)
		}
		seen[got] = tt.ref
	}
}
