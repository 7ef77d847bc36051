// Package prometheus implements the core's bot.Observer with the Prometheus
// client library, and measures the store and the chat connections, for the
// /metrics endpoint of the bot's HTTP server.
//
// Every series name starts with maillage_. Labels are bounded sets: platform,
// command id, job name, error kind, store operation, broadcast id; never a
// user id, a name or a text.
package prometheus

import (
	"errors"
	"net/http"
	"sync"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sndgct/maillage/bot"
)

// Metrics holds the series. Create it with New; it is safe for concurrent
// use.
type Metrics struct {
	reg *prom.Registry

	messagesIn  *prom.CounterVec
	messagesOut *prom.CounterVec
	handling    *prom.HistogramVec
	errors      *prom.CounterVec
	jobRuns     *prom.CounterVec
	jobSkipped  *prom.CounterVec
	storeTime   *prom.HistogramVec
	storeErrors *prom.CounterVec
	bcastGauge  *prom.GaugeVec
	bcastSent   *prom.CounterVec

	mu     sync.Mutex
	bcasts map[string][2]int // broadcast id -> sent, failed already counted
}

var _ bot.Observer = (*Metrics)(nil)

// New registers the series, with the Go runtime's and the process's, in a
// registry of its own.
func New() *Metrics {
	m := &Metrics{reg: prom.NewRegistry(), bcasts: map[string][2]int{}}
	m.messagesIn = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_messages_received_total",
		Help: "Events received from the chat platforms (messages, mentions, clicks).",
	}, []string{"platform"})
	m.messagesOut = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_messages_sent_total",
		Help: "Messages the bot posted (result ok) or failed to post (result error).",
	}, []string{"platform", "result"})
	m.handling = prom.NewHistogramVec(prom.HistogramOpts{
		Name:    "maillage_handling_seconds",
		Help:    "Time to handle one event, replies sent included, by command (or choice, dialogue, other, rate_limited).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"platform", "command"})
	m.errors = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_errors_total",
		Help: "Errors by kind: store_unavailable, store, send, panic, rate_limited.",
	}, []string{"kind"})
	m.jobRuns = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_job_runs_total",
		Help: "Scheduled job slots this replica ran, by job and result (ok, error).",
	}, []string{"job", "result"})
	m.jobSkipped = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_job_skipped_slots_total",
		Help: "Scheduled job slots that will never run, by job and reason (missed, late, overrun).",
	}, []string{"job", "reason"})
	m.storeTime = prom.NewHistogramVec(prom.HistogramOpts{
		Name:    "maillage_store_seconds",
		Help:    "Duration of store calls, by operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"op"})
	m.storeErrors = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_store_errors_total",
		Help: "Failed store calls (not-found answers excluded), by operation and kind (unavailable, other).",
	}, []string{"op", "kind"})
	m.bcastGauge = prom.NewGaugeVec(prom.GaugeOpts{
		Name: "maillage_broadcast_recipients",
		Help: "Progress of the broadcasts in progress: recipients in all (state total), sent and failed so far.",
	}, []string{"broadcast", "state"})
	m.bcastSent = prom.NewCounterVec(prom.CounterOpts{
		Name: "maillage_broadcast_messages_total",
		Help: "Broadcast messages sent (result ok) or given up (result failed), all broadcasts together, as recorded in the store: every replica shows the whole broadcasts' counts, so aggregate across replicas with max, not sum.",
	}, []string{"result"})
	m.reg.MustRegister(m.messagesIn, m.messagesOut, m.handling, m.errors, m.jobRuns, m.jobSkipped,
		m.storeTime, m.storeErrors, m.bcastGauge, m.bcastSent,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the series in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// WatchAdapters adds, for each adapter with the optional capabilities, a
// gauge maillage_chat_connected{platform} (1 when Healthy returns nil) and a
// counter maillage_reconnections_total{platform}, read at each scrape.
func (m *Metrics) WatchAdapters(adapters []bot.ChatAdapter) {
	for _, a := range adapters {
		labels := prom.Labels{"platform": string(a.Platform())}
		if h, ok := a.(bot.HealthReporter); ok {
			m.reg.MustRegister(prom.NewGaugeFunc(prom.GaugeOpts{
				Name:        "maillage_chat_connected",
				Help:        "1 when the chat adapter's connection to its platform is up, else 0.",
				ConstLabels: labels,
			}, func() float64 {
				if h.Healthy() == nil {
					return 1
				}
				return 0
			}))
		}
		if r, ok := a.(bot.Reconnector); ok {
			m.reg.MustRegister(prom.NewCounterFunc(prom.CounterOpts{
				Name:        "maillage_reconnections_total",
				Help:        "Reconnections of the chat adapter to its platform since start.",
				ConstLabels: labels,
			}, func() float64 { return float64(r.Reconnections()) }))
		}
	}
}

// MessageIn implements bot.Observer.
func (m *Metrics) MessageIn(p bot.Platform) { m.messagesIn.WithLabelValues(string(p)).Inc() }

// MessageOut implements bot.Observer.
func (m *Metrics) MessageOut(p bot.Platform, err error) {
	m.messagesOut.WithLabelValues(string(p), result(err)).Inc()
}

// Handled implements bot.Observer.
func (m *Metrics) Handled(p bot.Platform, command string, d time.Duration) {
	m.handling.WithLabelValues(string(p), command).Observe(d.Seconds())
}

// Error implements bot.Observer.
func (m *Metrics) Error(kind string) { m.errors.WithLabelValues(kind).Inc() }

// JobFired implements bot.Observer.
func (m *Metrics) JobFired(job string, err error) { m.jobRuns.WithLabelValues(job, result(err)).Inc() }

// JobSkipped implements bot.Observer.
func (m *Metrics) JobSkipped(job, reason string, n int) {
	if n > 0 {
		m.jobSkipped.WithLabelValues(job, reason).Add(float64(n))
	}
}

// Broadcast implements bot.Observer: the gauges follow the broadcast while
// it runs and are removed when it is done; the counters add what was sent
// and failed since the previous report.
func (m *Metrics) Broadcast(id string, total, sent, failed int, done bool) {
	m.mu.Lock()
	prev := m.bcasts[id]
	if done {
		delete(m.bcasts, id)
	} else {
		m.bcasts[id] = [2]int{max(sent, prev[0]), max(failed, prev[1])}
	}
	m.mu.Unlock()
	if d := sent - prev[0]; d > 0 {
		m.bcastSent.WithLabelValues("ok").Add(float64(d))
	}
	if d := failed - prev[1]; d > 0 {
		m.bcastSent.WithLabelValues("failed").Add(float64(d))
	}
	if done {
		for _, s := range []string{"total", "sent", "failed"} {
			m.bcastGauge.DeleteLabelValues(id, s)
		}
		return
	}
	m.bcastGauge.WithLabelValues(id, "total").Set(float64(total))
	m.bcastGauge.WithLabelValues(id, "sent").Set(float64(sent))
	m.bcastGauge.WithLabelValues(id, "failed").Set(float64(failed))
}

// StoreCall records one store call: its duration, and its error unless
// there is none or it is a plain "not found" answer.
func (m *Metrics) StoreCall(op string, d time.Duration, err error) {
	m.storeTime.WithLabelValues(op).Observe(d.Seconds())
	switch {
	case err == nil, errors.Is(err, bot.ErrNotFound):
	case errors.Is(err, bot.ErrUnavailable):
		m.storeErrors.WithLabelValues(op, "unavailable").Inc()
	default:
		m.storeErrors.WithLabelValues(op, "other").Inc()
	}
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
