package main

import (
	"log/slog"
	"sync"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/territory"
)

// directory is the core's bot.Directory over the embedded official data.
// The index is loaded on the first lookup (territory.Default), not at
// start-up: most processes, and most minutes of a running bot, never look a
// collectivity up. The embedded data are checked by the territory tests, so
// a failed load is a broken build; it is logged once and lookups find
// nothing.
type directory struct{ logger *slog.Logger }

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

var logLoadError sync.Once

func (d directory) index() *territory.Index {
	ix, err := territory.Default()
	if err != nil {
		logLoadError.Do(func() {
			if d.logger != nil {
				d.logger.Error("loading the territory data", "component", "directory", "err", err)
			}
		})
		return nil
	}
	return ix
}

func (d directory) Lookup(q string) []bot.Collectivity {
	ix := d.index()
	if ix == nil {
		return nil
	}
	return collectivities(ix.Lookup(q))
}

func (d directory) Suggest(q string, n int) []bot.Collectivity {
	ix := d.index()
	if ix == nil {
		return nil
	}
	return collectivities(ix.Suggest(q, n))
}

func (d directory) Departement(code string) (bot.Collectivity, bool) {
	ix := d.index()
	if ix == nil {
		return bot.Collectivity{}, false
	}
	e, ok := ix.Departement(code)
	return collectivity(e), ok
}

func (d directory) Region(code string) (bot.Collectivity, bool) {
	ix := d.index()
	if ix == nil {
		return bot.Collectivity{}, false
	}
	e, ok := ix.Region(code)
	return collectivity(e), ok
}

// lazyDirectory is the directory of a running bot: the data are loaded on
// the first lookup.
func lazyDirectory(logger *slog.Logger) bot.Directory { return directory{logger} }

// loadDirectory loads the embedded territory data now (0.1 s, 4 MiB), for batch commands
// (an import looks every member's collectivity up), and reports a failure.
func loadDirectory() (bot.Directory, error) {
	if _, err := territory.Default(); err != nil {
		return nil, err
	}
	return directory{}, nil
}
