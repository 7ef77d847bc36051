// Command genmembers writes a members CSV file in the format of "maillage
// members import", for measuring "maillage members import" and "maillage
// match --dry-run --members" at scale: n members of real communes (80 %
// of 1,000 inhabitants or more), with the default configuration's roles
// and interests, drawn from a fixed seed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/sndgct/maillage/internal/territory"
)

func main() {
	n := flag.Int("n", 10000, "members")
	seed := flag.Uint64("seed", 1, "seed")
	out := flag.String("out", "", "output file")
	flag.Parse()
	ix, err := territory.Default()
	if err != nil {
		fail(err)
	}
	var big, small []string
	for _, d := range ix.Departements() {
		width, count := 3, 1000
		if len(d.Code) == 3 {
			width, count = 2, 100
		}
		for k := 1; k < count; k++ {
			e, ok := ix.ByCode(fmt.Sprintf("%s%0*d", d.Code, width, k))
			if !ok || e.Kind != territory.Commune || e.SIREN == "" {
				continue
			}
			// the SIREN: an INSEE code can also be another commune's
			// postal code, which the import rightly finds ambiguous
			if e.Population >= 1000 {
				big = append(big, e.SIREN)
			} else {
				small = append(small, e.SIREN)
			}
		}
	}
	roles := []string{"dgs", "dgs", "dga", "sgm"}
	interests := []string{"ia", "management", "management_distance", "transition_ecologique", "finances", "rh",
		"numerique", "qvt", "deconnexion", "intercommunalite", "commande_publique", "relation_elus"}
	r := rand.New(rand.NewPCG(*seed, 7))
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "platform,user,name,collectivity,role,interests,language")
	for i := 0; i < *n; i++ {
		code := big[r.IntN(len(big))]
		if r.IntN(5) == 0 {
			code = small[r.IntN(len(small))]
		}
		var in []string
		for range 2 + r.IntN(3) {
			in = append(in, interests[min(r.IntN(12), r.IntN(12))])
		}
		fmt.Fprintf(w, "terminal,m%05d,Membre %d,%s,%s,%s,fr\n", i, i, code, roles[r.IntN(len(roles))], strings.Join(in, ";"))
	}
	if err := w.Flush(); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
