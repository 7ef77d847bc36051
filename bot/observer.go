package bot

import (
	"time"
)

// Observer receives the core's measurements, for the operators' metrics.
// The Prometheus implementation lives outside the core (adapters/prometheus);
// Options.Observer nil means NopObserver. Every method must be cheap, safe
// for concurrent use, and never block: the core calls them on its hot path.
// Label values are bounded sets (platforms, command ids, job names, error
// kinds): never a user id, a name or a text.
type Observer interface {
	// MessageIn counts an event the core received from a platform.
	MessageIn(p Platform)
	// MessageOut counts a message the core posted (err nil) or failed to
	// post on a platform.
	MessageOut(p Platform, err error)
	// Handled records how long the core took to handle one event, from its
	// arrival in the core to the last reply sent; command is the command
	// id, or "choice", "dialogue", "other" when no command ran.
	Handled(p Platform, command string, d time.Duration)
	// Error counts an error by kind (see the ErrorKind constants).
	Error(kind string)
	// JobFired counts a job slot this replica ran (err: its outcome).
	JobFired(job string, err error)
	// JobSkipped counts slots of a job that will never run (missed while
	// stopped, older than the grace period, or overlapping a long run).
	JobSkipped(job, reason string, n int)
	// Broadcast reports a broadcast's progress: how many recipients it has
	// in all, and how many were sent and failed so far. Called as the
	// broadcast advances, and once more when it ends (done true).
	Broadcast(id string, total, sent, failed int, done bool)
}

// Error kinds counted by Observer.Error.
const (
	ErrorKindStoreUnavailable = "store_unavailable" // the store could not be reached
	ErrorKindStore            = "store"             // another store error
	ErrorKindSend             = "send"              // a platform refused or lost a message
	ErrorKindPanic            = "panic"             // a handler or a job panicked
	ErrorKindRateLimited      = "rate_limited"      // a member sent too much; messages dropped
)

// Reasons given to Observer.JobSkipped.
const (
	SkipMissed  = "missed"  // slots that passed while no replica ran
	SkipLate    = "late"    // the latest slot, found older than the grace period
	SkipOverrun = "overrun" // slots that came while the job was still running
)

// NopObserver observes nothing.
type NopObserver struct{}

func (NopObserver) MessageIn(Platform)                      {}
func (NopObserver) MessageOut(Platform, error)              {}
func (NopObserver) Handled(Platform, string, time.Duration) {}
func (NopObserver) Error(string)                            {}
func (NopObserver) JobFired(string, error)                  {}
func (NopObserver) JobSkipped(string, string, int)          {}
func (NopObserver) Broadcast(string, int, int, int, bool)   {}

// StoreObserver receives the measurements of a store (adapters/bolt and
// adapters/redis take one in their Options; nil there means none): one call
// per call of a Store method (and of the embedded store's Purge), Close
// excepted. op is the method's name ("Member", "SaveDialogue"...), d how
// long the call took, callbacks included (Members, Recipients...), and err
// what it returned. StoreCall must be cheap, safe for concurrent use, and
// never block: the stores call it on every operation. The Prometheus
// implementation is adapters/prometheus.Metrics.
type StoreObserver interface {
	StoreCall(op string, d time.Duration, err error)
}

// NopStoreObserver observes no store call.
type NopStoreObserver struct{}

func (NopStoreObserver) StoreCall(string, time.Duration, error) {}
