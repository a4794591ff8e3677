//go:build unix

package projections_test

import (
	"syscall"
	"time"
)

// cpuTime returns the processor time the process has used so far, user and
// system, and whether the platform reports it.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
