package execution

import (
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// SeriesStream returns the event stream name of metric series id.
func SeriesStream(id uuid.UUID) string { return "metric-" + id.String() }

// Series is a series of objective observations of one catalogue indicator
// for one unit or one person, rebuilt from its events.
type Series struct {
	id        uuid.UUID
	indicator uuid.UUID
	current   map[string]MetricObserved // by period id
	all       []MetricObserved
}

// ReplaySeries folds events, oldest first, into a new Series.
func ReplaySeries(events []Event) *Series {
	s := &Series{}
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// Apply changes the series to reflect e. It never fails: events are facts.
func (s *Series) Apply(e Event) {
	if s.current == nil {
		s.current = map[string]MetricObserved{}
	}
	switch e := e.(type) {
	case SeriesOpened:
		s.id, s.indicator = e.Series, e.Indicator
	case MetricObserved:
		s.current[e.Period.ID] = e
		s.all = append(s.all, e)
	}
}

// Observed returns the current observation of a period, and whether there is one.
func (s *Series) Observed(periodID string) (MetricObserved, bool) {
	o, ok := s.current[periodID]
	return o, ok
}

// OpenSeries starts a series for exactly one subject: a unit or a person.
// Errors: Invalid for no or two subjects, no indicator or no unit of measure.
func OpenSeries(e SeriesOpened, at time.Time) ([]Event, error) {
	switch {
	case e.Series == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the series needs an id").WithField("series_id").WithRule(RuleRequired)
	case (e.Unit == nil) == (e.NIP == ""):
		return nil, domain.Errorf(domain.Invalid, "a metric is observed for exactly one unit or one person").WithField("unit_id").WithRule(RuleRequired)
	case e.Indicator == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "name the catalogue indicator the metric measures").WithField("indicator_id").WithRule(RuleRequired)
	case strings.TrimSpace(e.UnitOfMeasure) == "":
		return nil, domain.Errorf(domain.Invalid, "the metric needs a unit of measure").WithField("unit_of_measure").WithRule(RuleRequired)
	}
	if e.NIP != "" {
		if _, _, err := domain.ParseNIP(string(e.NIP)); err != nil {
			return nil, domain.Errorf(domain.Invalid, "%q is not a valid NIP: %v", e.NIP, err).WithField("nip").WithRule(RuleRequired)
		}
	}
	e.At = at
	return []Event{e}, nil
}

// Observe records a value from an objective source for a period, measured
// with a given catalogue version. A second value for the same period must
// supersede the current one with a reason. Values are counts, durations or
// indices, so never negative. Errors: Invalid for a missing period, source
// or version, a negative or non-finite value, or a correction without a
// reason; Conflict for a second value that does not supersede the current one.
func (s *Series) Observe(o MetricObserved, at time.Time) ([]Event, error) {
	if s.id == uuid.Nil {
		return nil, domain.Errorf(domain.NotFound, "no such metric series")
	}
	switch {
	case o.Observation == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the observation needs an id").WithField("observation_id").WithRule(RuleRequired)
	case o.Period.ID == "" || o.Period.End.Before(o.Period.Start):
		return nil, domain.Errorf(domain.Invalid, "the observation needs a period with an id, a start and an end").WithField("period").WithRule(RuleRequired)
	case o.Version < 1:
		return nil, domain.Errorf(domain.Invalid, "name the indicator version the value was measured with").WithField("indicator_version").WithRule(RuleRequired)
	case strings.TrimSpace(o.Source) == "":
		return nil, domain.Errorf(domain.Invalid, "name the source of the value, such as the complaint system or the SKM survey").WithField("source").WithRule(RuleRequired)
	case math.IsNaN(o.Value) || math.IsInf(o.Value, 0) || o.Value < 0:
		return nil, domain.Errorf(domain.Invalid, "an observed value is a number of zero or more").WithField("value").WithRule(RuleValue)
	}
	cur, ok := s.current[o.Period.ID]
	switch {
	case ok && (o.Supersedes == nil || *o.Supersedes != cur.Observation):
		return nil, domain.Errorf(domain.Conflict, "period %s already has an observation (%s); a correction must supersede it and say why", o.Period.ID, cur.Observation).WithField("supersedes").WithRule(RuleCorrection)
	case !ok && o.Supersedes != nil:
		return nil, domain.Errorf(domain.Invalid, "there is no observation for %s to correct", o.Period.ID).WithField("supersedes").WithRule(RuleCorrection)
	case ok && strings.TrimSpace(o.Reason) == "":
		return nil, domain.Errorf(domain.Invalid, "a correction of an observation needs a reason").WithField("reason").WithRule(RuleCorrection)
	}
	o.At = at
	return []Event{o}, nil
}
