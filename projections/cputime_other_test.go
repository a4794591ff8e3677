//go:build !unix

package projections_test

import "time"

// cpuTime reports that this platform gives no processor time.
func cpuTime() (time.Duration, bool) { return 0, false }
