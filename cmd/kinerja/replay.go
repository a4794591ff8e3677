package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/projections"
	"github.com/kinerja/kinerja/projections/whatif"
)

// replayChangesShown bounds the changes listed on stdout; the report file
// has them all.
const replayChangesShown = 40

func replayCommand() command {
	return command{
		name:    "replay",
		summary: "What-if: replay the year with a revised indicator, rating policy or quota version, in memory, and report who changes and why. Writes nothing to the ledger.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			store := storeFlags(fs, e)
			var in replayInput
			fs.StringVar(&in.indicator, "indicator", "", "id or code of the catalogue indicator to revise")
			fs.StringVar(&in.direction, "direction", "", "the revised direction: HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE")
			fs.StringVar(&in.formula, "formula", "", "the revised formula: RATIO, MIRRORED_RATIO, INVERSE_RATIO or RANGE_DISTANCE (default: the direction's)")
			fs.StringVar(&in.target, "target", "", "the revised target value, replacing each IKI's (default: keep each IKI's target)")
			fs.StringVar(&in.targetMin, "target-min", "", "the revised target range's lower bound (RANGE)")
			fs.StringVar(&in.targetMax, "target-max", "", "the revised target range's upper bound (RANGE)")
			fs.StringVar(&in.validFrom, "valid-from", "", "the date (YYYY-MM-DD) the revision applies from: periods starting on or after it")
			fs.StringVar(&in.policy, "policy", "", "a rating policy version to use instead of each evaluation's (thresholds and matrix)")
			fs.StringVar(&in.quotas, "quotas", "", "a policy version whose distribution quotas replace each unit's")
			fs.StringVar(&in.unit, "unit", "", "replay only this unit and the units below it (an instansi is the unit at the top); default everything")
			fs.IntVar(&in.year, "year", 0, "replay only this performance year; default every year in the log")
			fs.StringVar(&in.at, "at", "", "replay the log as it stood at this position, or at the end of this date (YYYY-MM-DD, UTC); default the head")
			fs.StringVar(&in.out, "out", "", "write the full report to this file: .json (with its SHA-256 digest), .csv or .xlsx")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("replay takes no arguments, got %q", args)
				}
				return whatIf(ctx, e, store, in)
			}
		},
	}
}

// replayInput is the command line of a replay, as given.
type replayInput struct {
	indicator, direction, formula      string
	target, targetMin, targetMax       string
	validFrom, policy, quotas, at, out string
	unit                               string
	year                               int
}

// substitutions turns the flags into the replay's inputs. A value that does
// not parse is an *Error of kind Invalid naming the flag.
func (in replayInput) substitutions() (replay.Substitutions, error) {
	subs := replay.Substitutions{Policy: in.policy, Quotas: in.quotas, Scope: replay.Scope{Year: in.year}}
	if in.unit != "" {
		id, err := uuid.Parse(in.unit)
		if err != nil {
			return subs, domain.Errorf(domain.Invalid, "--unit %q is not a unit id (a UUID)", in.unit).WithField("unit")
		}
		subs.Scope.Unit = id
	}
	revised := in.direction != "" || in.formula != "" || in.target != "" || in.targetMin != "" || in.targetMax != "" || in.validFrom != ""
	if in.indicator == "" {
		if revised {
			return subs, domain.Errorf(domain.Invalid, "--direction, --formula, --target and --valid-from revise an indicator: name it with --indicator").WithField("indicator")
		}
		return subs, nil
	}
	rev := replay.IndicatorRevision{Direction: indicator.Direction(in.direction), Formula: indicator.Formula(in.formula)}
	if id, err := uuid.Parse(in.indicator); err == nil {
		rev.Indicator = id
	} else {
		rev.Code = in.indicator
	}
	if in.validFrom == "" {
		return subs, domain.Errorf(domain.Invalid, "--valid-from is required with --indicator: the date the revision applies from, YYYY-MM-DD").WithField("valid-from")
	}
	d, err := time.Parse(time.DateOnly, in.validFrom)
	if err != nil {
		return subs, domain.Errorf(domain.Invalid, "--valid-from %q is not a date; write YYYY-MM-DD", in.validFrom).WithField("valid-from")
	}
	rev.ValidFrom = d
	nums := map[string]*float64{}
	for _, f := range []struct {
		name, value string
	}{{"target", in.target}, {"target-min", in.targetMin}, {"target-max", in.targetMax}} {
		if f.value == "" {
			continue
		}
		v, err := strconv.ParseFloat(f.value, 64)
		if err != nil {
			return subs, domain.Errorf(domain.Invalid, "--%s %q is not a number", f.name, f.value).WithField(f.name)
		}
		nums[f.name] = &v
	}
	switch {
	case nums["target"] != nil && (nums["target-min"] != nil || nums["target-max"] != nil):
		return subs, domain.Errorf(domain.Invalid, "give either --target or --target-min and --target-max, not both").WithField("target")
	case (nums["target-min"] == nil) != (nums["target-max"] == nil):
		return subs, domain.Errorf(domain.Invalid, "a target range needs both --target-min and --target-max").WithField("target-min")
	case nums["target"] != nil:
		rev.Target = &indicator.Target{Value: *nums["target"]}
	case nums["target-min"] != nil:
		rev.Target = &indicator.Target{Min: *nums["target-min"], Max: *nums["target-max"]}
	}
	subs.Indicators = []replay.IndicatorRevision{rev}
	return subs, nil
}

// whatIf runs the what-if replay on the ledger the flags name, prints the
// summary and writes the report to --out.
func whatIf(ctx context.Context, e env, sc storeConfig, in replayInput) error {
	subs, err := in.substitutions()
	if err != nil {
		return err
	}
	if err := subs.Validate(); err != nil {
		return err
	}
	format := ""
	if in.out != "" {
		switch strings.ToLower(filepath.Ext(in.out)) {
		case ".json":
			format = "json"
		case ".csv":
			format = "csv"
		case ".xlsx":
			format = "xlsx"
		default:
			return domain.Errorf(domain.Invalid, "--out %q: write the report as .json, .csv or .xlsx", in.out).WithField("out")
		}
	}
	store, _, err := sc.existing(ctx)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer store.Close()

	until, err := whatif.ResolveAt(ctx, store, in.at)
	if err != nil {
		return err
	}
	var progress projections.Progress
	if isTerminal(e.stderr) {
		progress = projections.ProgressBar(e.stderr, "replay")
	}
	started := time.Now()
	rep, err := whatif.Run(ctx, store, until, subs, progress)
	if err != nil {
		return err
	}
	elapsed := time.Since(started)
	body, err := rep.JSON()
	if err != nil {
		return err
	}
	if in.out != "" {
		if err := writeReport(in.out, format, rep, body); err != nil {
			return err
		}
	}
	if err := printReplaySummary(e.stdout, rep); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Replayed to position %s in %s. Digest sha256:%s\n", rep.Position, elapsed.Round(time.Millisecond), rep.Digest)
	if in.out != "" {
		fmt.Fprintf(e.stdout, "Report written to %s.\n", in.out)
	}
	return nil
}

// writeReport writes the report to path in format, through a temporary
// file renamed into place, so a failed run leaves no half report.
func writeReport(path, format string, rep *whatif.Report, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".replay-*")
	if err != nil {
		return fmt.Errorf("write report: %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	switch format {
	case "csv":
		err = rep.WriteCSV(tmp)
	case "xlsx":
		err = rep.WriteXLSX(tmp)
	default:
		_, err = tmp.Write(body)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write report: %s: %w", path, err)
	}
	return nil
}

// printReplaySummary prints the summary table and the first changes. It
// fails when writing the table of changes fails.
func printReplaySummary(w io.Writer, rep *whatif.Report) error {
	s := rep.Summary
	fmt.Fprintln(w, "What-if replay: nothing is written to the ledger.")
	for _, r := range []struct {
		label string
		n     int
	}{
		{"evaluations replayed", s.Evaluations}, // with the SKPs not evaluated yet
		{"evaluations changed", s.EvaluationsChanged},
		{"people changed", s.PeopleChanged},
		{"achievements changed", s.AchievementsChanged},
		{"recommended ratings up", s.RecommendationsUp},
		{"recommended ratings down", s.RecommendationsDown},
		{"  against a decided rating", s.RecommendationsOnly},
		{"predicates up", s.PredicatesUp},
		{"predicates down", s.PredicatesDown},
		{"units changed", s.UnitsChanged},
		{"  newly breaking quotas", s.UnitsNewlyViolating},
		{"  no longer breaking quotas", s.UnitsNoLongerViolating},
	} {
		fmt.Fprintf(w, "  %-28s %6d\n", r.label, r.n)
	}
	if len(rep.Evaluations) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NIP\tPERIOD\tRECOMMENDED RATING\tPREDICATE")
	for i, d := range rep.Evaluations {
		if i == replayChangesShown {
			fmt.Fprintf(tw, "  … and %d more; write them all with --out\n", len(rep.Evaluations)-i)
			break
		}
		rating := "="
		if wr := d.WorkResult; wr.RecommendedBefore != wr.RecommendedAfter {
			rating = orDash(string(wr.RecommendedBefore)) + " → " + orDash(string(wr.RecommendedAfter))
			if wr.Decided != "" {
				rating += " (decided " + string(wr.Decided) + " stays)"
			}
		}
		predicate := "="
		if p := d.Predicate; p != nil {
			predicate = orDash(string(p.Before)) + " → " + orDash(string(p.After)) + " (" + p.Basis + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.Employee, orDash(d.Period), rating, predicate)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print replay summary: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
