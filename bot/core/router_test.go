package core

import "testing"

func TestAfterWords(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"aide langue", 1, "langue"},
		{"mes données: tout", 2, "tout"},
		{"l'aide  x", 2, "x"},
		{"aide", 1, ""},
		{"aide ", 1, ""},
		{"langue « anglais »", 1, "« anglais »"},
		{"importer /srv/maillage/m.csv", 1, "/srv/maillage/m.csv"},
		{"importer essai ~/m.csv", 1, "essai ~/m.csv"},
		{"importer : /tmp/m.csv", 1, "/tmp/m.csv"},
	}
	for _, tt := range tests {
		if got := afterWords(tt.in, tt.n); got != tt.want {
			t.Errorf("afterWords(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
