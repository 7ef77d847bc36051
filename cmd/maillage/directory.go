package main

import (
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/territory"
)

// directory is the core's bot.Directory over the embedded official data.
type directory struct{ ix *territory.Index }

var _ bot.Directory = directory{}

func collectivity(e territory.Entry) bot.Collectivity {
	kind := map[territory.Kind]bot.CollectivityKind{
		territory.Commune: bot.KindCommune, territory.EPCI: bot.KindEPCI,
		territory.Departement: bot.KindDepartement, territory.Region: bot.KindRegion,
	}[e.Kind]
	return bot.Collectivity{Kind: kind, Code: e.Code, Name: e.Name, Population: e.Population,
		Departement: e.Departement, Region: e.Region}
}

func collectivities(es []territory.Entry) []bot.Collectivity {
	out := make([]bot.Collectivity, len(es))
	for i, e := range es {
		out[i] = collectivity(e)
	}
	return out
}

func (d directory) Lookup(q string) []bot.Collectivity { return collectivities(d.ix.Lookup(q)) }

func (d directory) Suggest(q string, n int) []bot.Collectivity {
	return collectivities(d.ix.Suggest(q, n))
}

func (d directory) Departement(code string) (bot.Collectivity, bool) {
	e, ok := d.ix.Departement(code)
	return collectivity(e), ok
}

func (d directory) Region(code string) (bot.Collectivity, bool) {
	e, ok := d.ix.Region(code)
	return collectivity(e), ok
}

// loadDirectory loads the embedded territory data (about 80 ms, 17 MiB).
func loadDirectory() (bot.Directory, error) {
	ix, err := territory.Default()
	if err != nil {
		return nil, err
	}
	return directory{ix}, nil
}
