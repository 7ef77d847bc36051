package features_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// Every catalogue key the core uses exists in every language: literal keys
// found in the source, and the families built at run time.
func TestCatalogueHasEveryKeyTheCoreUses(t *testing.T) {
	keys := map[string]bool{}
	// Every package under bot/ that talks to members: the core and the
	// features.
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "Reply") {
				return true
			}
			for i, arg := range call.Args {
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				s, _ := strconv.Unquote(lit.Value)
				// The key is the first string argument (after the language for cat.T);
				// later ones are placeholder names and values.
				if strings.Contains(s, ".") && !strings.HasSuffix(s, ".") && i <= 1 {
					keys[s] = true
				}
				break
			}
			return true
		})
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d literal keys in the source: is the scan broken?", len(keys))
	}
	for _, c := range allCommands(t) {
		keys["cmd."+c.ID+".summary"] = true
		keys["cmd."+c.ID+".usage"] = true
	}
	for _, r := range []bot.Role{bot.RoleMember, bot.RoleOrganizer, bot.RoleAdmin} {
		keys["role."+r.String()] = true
		if r != bot.RoleMember {
			keys["error.forbidden."+r.String()] = true
			keys["help.section."+r.String()] = true
		}
	}
	for _, l := range bot.Languages {
		keys["lang.name."+string(l)] = true
	}
	for m := 1; m <= 12; m++ {
		keys["date.month."+strconv.Itoa(m)] = true
	}
	for d := range 7 {
		keys["date.weekday."+strconv.Itoa(d)] = true // bot/reminders
	}
	cat := catalog.Default()
	for key := range keys {
		for _, l := range bot.Languages {
			if !cat.Has(string(l), key) {
				t.Errorf("catalogue key %q is used by the core but missing in %s", key, l)
			}
		}
	}
}
