//go:build !unix

package matching

import "time"

// processCPU is not measured here (0: the benchmark reports no CPU time).
func processCPU() time.Duration { return 0 }
