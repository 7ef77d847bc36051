package catalog

import (
	"reflect"
	"testing"
	"testing/fstest"
)

// Every key exists in every language, with the same placeholders.
func TestEmbeddedCatalogueIsComplete(t *testing.T) {
	c := Default()
	langs := c.Languages()
	if want := []string{"en", "fr"}; !reflect.DeepEqual(langs, want) {
		t.Fatalf("languages = %v, want %v", langs, want)
	}
	for _, a := range langs {
		for _, key := range c.Keys(a) {
			textA, _ := c.Raw(a, key)
			if textA == "" {
				t.Errorf("%s: %q is empty", a, key)
			}
			for _, b := range langs {
				textB, ok := c.Raw(b, key)
				if !ok {
					t.Errorf("%q is in %s but missing in %s", key, a, b)
					continue
				}
				if pa, pb := Placeholders(textA), Placeholders(textB); !reflect.DeepEqual(pa, pb) {
					t.Errorf("%q: placeholders differ: %s has %v, %s has %v", key, a, pa, b, pb)
				}
			}
		}
	}
}

func TestLoadReportsMissingAndDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/a.fr.yaml": {Data: []byte("x: un\ny: deux\n")},
		"messages/b.fr.yaml": {Data: []byte("x: encore\n")},
		"messages/bad.yaml":  {Data: []byte("z: z\n")},
	}
	_, err := Load(fsys)
	if err == nil {
		t.Fatal("Load accepted a duplicate key and a badly named file")
	}
	for _, want := range []string{`key "x" defined twice`, "messages/bad.yaml: want <area>.<lang>.yaml"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestT(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"messages/a.fr.yaml": {Data: []byte("hello: \"Bonjour {name}, {name} ! {other}\"\nonly_fr: Seulement\n")},
		"messages/a.en.yaml": {Data: []byte("hello: \"Hello {name}, {name}! {other}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, key string
		args      []string
		want      string
	}{
		{"fr", "hello", []string{"name", "Anne"}, "Bonjour Anne, Anne ! {other}"},
		{"en", "hello", []string{"name", "Anne", "other", "x"}, "Hello Anne, Anne! x"},
		{"en", "only_fr", nil, "Seulement"},
		{"de", "hello", []string{"name", "A"}, "Bonjour A, A ! {other}"},
		{"fr", "missing", nil, "[missing]"},
		{"fr", "hello", []string{"name", "{other}"}, "Bonjour {other}, {other} ! {other}"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}
