package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratorIsReproducibleAndKeepsWhatItSays(t *testing.T) {
	minCommunes = 2
	t.Cleanup(func() { minCommunes = 30000 })
	dir := t.TempDir()
	var outs [2][]byte
	for i := range outs {
		out, notice := filepath.Join(dir, "t.tsv.gz"), filepath.Join(dir, "NOTICE")
		if err := run("6.0.0", filepath.Join("testdata", "package"), out, notice); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = data
		n, _ := os.ReadFile(notice)
		if !strings.Contains(string(n), "@etalab/decoupage-administratif version 6.0.0") ||
			!strings.Contains(string(n), "Licence Ouverte") || !strings.Contains(string(n), "MIT License (test fixture)") {
			t.Errorf("notice:\n%s", n)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("two runs gave different bytes")
	}
	zr, err := gzip.NewReader(bytes.NewReader(outs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header carries a time or a name: %v %q", zr.ModTime, zr.Name)
	}
	text, _ := io.ReadAll(zr)
	want := strings.Join([]string{
		"# @etalab/decoupage-administratif 6.0.0: kind code siren name population departement region postal_codes epci type",
		"R\t11\t\tÎle-de-France\t80993\t\t11\t\t\t",
		"R\t984\t\tTerres australes et antarctiques françaises\t0\t\t984\t\t\t",
		"D\t91\t\tEssonne\t80993\t91\t11\t\t\t",
		"D\t984\t\tTerres australes et antarctiques françaises\t0\t984\t984\t\t\t",
		"E\t200059228\t200059228\tCA Grand Paris Sud Seine Essonne Sénart\t352000\t91\t11\t\t\tCA",
		"C\t91228\t200057099\tÉvry-Courcouronnes\t69000\t91\t11\t91000,91080\t200059228\t",
		"C\t91573\t219105731\tSaint-Pierre-du-Perray\t11993\t91\t11\t91280\t200059228\t",
		"C\t98415\t\tArchipel des Kerguelen\t0\t984\t984\t\t\t",
	}, "\n") + "\n"
	if string(text) != want {
		t.Errorf("generated:\n%s\nwant:\n%s", text, want)
	}
	minCommunes = 4
	if err := run("6.0.0", filepath.Join("testdata", "package"), filepath.Join(dir, "x"), filepath.Join(dir, "y")); err == nil {
		t.Error("a communes file smaller than the minimum was accepted")
	}
}
