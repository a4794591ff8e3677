package projections

import (
	"fmt"
	"io"
	"strings"
)

// barWidth is the number of cells of a progress bar.
const barWidth = 30

// ProgressBar returns a Progress that draws a bar on w, for a terminal:
//
//	rebuild [###############---------------]  50%  500000/1000000
//
// It redraws the line in place (a carriage return, no newline) when the
// whole percentage changes, and ends the line once done reaches total. Write
// errors are ignored: a progress bar must never stop the work it reports.
func ProgressBar(w io.Writer, label string) Progress {
	last := -1
	return func(done, total uint64) {
		pct := 100
		if total > 0 && done < total {
			pct = int(done * 100 / total)
		}
		if pct == last {
			return
		}
		last = pct
		filled := pct * barWidth / 100
		fmt.Fprintf(w, "\r%s [%s%s] %3d%%  %d/%d", label, strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), pct, done, total)
		if pct == 100 {
			fmt.Fprintln(w)
		}
	}
}
