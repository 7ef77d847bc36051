package main

import (
	"context"
	"time"

	"github.com/sndgct/maillage/bot"
)

// storeObserver records store calls (adapters/prometheus.Metrics).
type storeObserver interface {
	StoreCall(op string, d time.Duration, err error)
}

// meteredStore measures every call to the store it wraps: duration and
// errors, by operation (the method's name). Its methods are generated
// from bot.Store into store_metrics_gen.go by
//
//	go test ./cmd/maillage -run TestMeteredStoreGenerated -update
//
// and that test fails when bot.Store gained a method the file lacks.
// Methods not generated yet pass through unmeasured (the embedded Store).
// Calls that take a callback (Members, Each...) include its time.
type meteredStore struct {
	bot.Store
	obs storeObserver
}

// meterStore wraps s so that obs records its calls. The wrapper keeps the
// optional purge capability of the embedded store.
func meterStore(s bot.Store, obs storeObserver) bot.Store {
	m := &meteredStore{Store: s, obs: obs}
	if _, ok := s.(purger); ok {
		return meteredPurger{m}
	}
	return m
}

// meteredPurger is a meteredStore over a store that purges expired records.
type meteredPurger struct{ *meteredStore }

func (m meteredPurger) Purge(ctx context.Context) (int, error) {
	start := time.Now()
	n, err := m.Store.(purger).Purge(ctx)
	m.obs.StoreCall("Purge", time.Since(start), err)
	return n, err
}
