package projections_test

import (
	"strings"
	"testing"

	"github.com/kinerja/kinerja/projections"
)

func TestProgressBar(t *testing.T) {
	var out strings.Builder
	bar := projections.ProgressBar(&out, "rebuild audit")
	for _, done := range []uint64{0, 1, 2, 500, 501, 1000} {
		bar(done, 1000)
	}
	want := "\rrebuild audit [------------------------------]   0%  0/1000" +
		"\rrebuild audit [###############---------------]  50%  500/1000" +
		"\rrebuild audit [##############################] 100%  1000/1000\n"
	if got := out.String(); got != want {
		t.Errorf("bar drew\n%q\nwant\n%q", got, want)
	}
}
