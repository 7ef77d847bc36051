package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodEvent = `id: congres-essai
name: Congrès d'essai
start: 2030-06-12
sessions:
  - id: s1
    title: Séance d'essai
    kind: atelier
    topics: [ia]
    highlights:
      - {id: h1, text: Un point d'essai.}
`

func TestContentCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte(goodEvent), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(strings.Replace(goodEvent, "[ia]", "[ai]", 1), "kind: atelier", "kind: atelier\n    colour: red", 1)
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, "", env(), "content", "check", good)
	if r.code != 0 || !strings.Contains(r.out, "ok: "+good+": event congres-essai (Congrès d'essai), 1 sessions, 1 highlights") {
		t.Errorf("good file: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "", env(), "content", "check", good, bad)
	if r.code != 2 || !strings.Contains(r.errOut, bad+":8: sessions[0].colour: unknown key") {
		t.Errorf("bad file: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	fixed := strings.Replace(broken, "\n    colour: red", "", 1)
	if err := os.WriteFile(bad, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runMain(t, "", env(), "content", "check", bad)
	if r.code != 2 || !strings.Contains(r.errOut, bad+`:8: sessions[0].topics[0]: unknown interest "ai"; known: ia, management,`) ||
		!strings.Contains(r.errOut, "maillage: 1 content problem(s)") {
		t.Errorf("unknown interest: exit %d\n%s", r.code, r.errOut)
	}
	// The interests come from the configuration.
	cfg := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(cfg, []byte("interests:\n  - {id: ai, fr: IA, en: AI}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runMain(t, "", env(), "content", "check", "--config", cfg, bad); r.code != 0 {
		t.Errorf("--config: exit %d\n%s", r.code, r.errOut)
	}
	if r := runMain(t, "", env(), "content", "check", "--help"); r.code != 0 || !strings.Contains(r.out, "--config FILE") {
		t.Errorf("--help: exit %d\n%s", r.code, r.out)
	}
	for _, args := range [][]string{{"content"}, {"content", "check"}, {"content", "check", filepath.Join(dir, "missing.yaml")}} {
		if r := runMain(t, "", env(), args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, r.code, r.errOut)
		}
	}
}

func TestRunLoadsTheContentDirectory(t *testing.T) {
	data := t.TempDir()
	contentDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(contentDir, "essai.yaml"), []byte(goodEvent), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(cfg, []byte("content:\n  dir: "+contentDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, "temps forts\n", env(), "--config", cfg, "--data-dir", data)
	if r.code != 0 || !strings.Contains(r.out, "1. Séance d'essai") {
		t.Errorf("content dir: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	// The demo by default.
	r = runMain(t, "temps forts\n", env(), "--data-dir", data)
	if r.code != 0 || !strings.Contains(r.out, "Maillage › Territorialis 2024 —") {
		t.Errorf("demo: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	// A broken file stops the start with every problem.
	if err := os.WriteFile(filepath.Join(contentDir, "essai.yaml"), []byte("id: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runMain(t, "temps forts\n", env(), "--config", cfg, "--data-dir", data)
	if r.code != 2 || !strings.Contains(r.errOut, "essai.yaml: name: is required") ||
		!strings.Contains(r.errOut, "content problem(s)") {
		t.Errorf("broken content: exit %d\n%s", r.code, r.errOut)
	}
}

// The content file shown in the README is valid.
func TestReadmeContentExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\nid: congres-2025")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README has no content example starting with id: congres-2025")
	}
	file := filepath.Join(t.TempDir(), "readme.yaml")
	if err := os.WriteFile(file, []byte("id: congres-2025"+example), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runMain(t, "", env(), "content", "check", file); r.code != 0 {
		t.Errorf("README example: exit %d\n%s", r.code, r.errOut)
	}
}
