package whatif

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
	"github.com/kinerja/kinerja/eventstore"
)

// Publication is what publishing a replay appended.
type Publication struct {
	Replay  uuid.UUID      `json:"replay_id"`
	Digest  string         `json:"digest"`
	Already bool           `json:"already_published"` // published before: this call appended nothing
	Changes replay.Changes `json:"changes"`
	// Position is the log position of the replay.published event.
	Position string `json:"position"`
}

// Publish makes the changes of rep, the report of replay id, events of the
// ledger, each naming the replay (its id and digest) as its reason:
//
//   - an achievement the revision measures differently gets an
//     execution.AchievementRederived in its SKP's record, so that the live
//     read models compute it, and the recommended rating from it, again;
//   - a work-result rating the evaluator decided is never overwritten: where
//     the replay recommends another, the evaluation gets an
//     evaluation.RatingRecommended for the evaluator to act on;
//   - a predicate derived from the evaluator's ratings under a substituted
//     policy is derived again (evaluation.PredicateRederived); one an
//     objection decision set stays;
//   - under a substituted quota version, each unit's pattern is fixed again
//     (evaluation.PatternFixed naming the replay).
//
// The last event is replay.published in the replay's own stream. Publishing
// a replay that was published before appends nothing and reports Already.
// A publication cut short (a crash, a lost connection) may be run again: each
// stream's events derive their ids from the replay, so nothing is appended
// twice.
//
// A stream that moved on after the replayed position, other than by this
// publication, makes Publish fail with an *domain.Error of kind Conflict
// (rule replay.RuleStale) before that stream is written: run the replay
// again and publish the new report. by is the HR officer who publishes.
func Publish(ctx context.Context, s eventstore.Store, rep *Report, id uuid.UUID, by eventstore.Actor, at time.Time) (Publication, error) {
	given := rep.Digest
	own := *rep // JSON sets the digest: work on a copy, so that rep is only read
	rep = &own
	if _, err := rep.JSON(); err != nil {
		return Publication{}, err
	}
	if given != "" && given != rep.Digest {
		return Publication{}, domain.Errorf(domain.Invalid, "the report's digest %s does not match its content (%s); publish the report as the replay produced it", given, rep.Digest).
			WithField("digest").WithRule(replay.RuleReplayRef)
	}
	ref := replay.Ref{ID: id, Digest: rep.Digest}
	if err := ref.Validate(); err != nil {
		return Publication{}, err
	}
	pub := Publication{Replay: id, Digest: rep.Digest}
	h, err := eventstore.Load(ctx, s, replay.Stream(id), replay.Decode)
	if err != nil {
		return pub, fmt.Errorf("publish replay %s: %w", id, err)
	}
	if p, ok := replay.Fold(h.Events).Published(); ok {
		if p.Digest != rep.Digest {
			return pub, domain.Errorf(domain.Conflict, "replay %s was published with digest %s, not %s", id, p.Digest, rep.Digest).
				WithField("digest").WithRule(replay.RulePublished)
		}
		pub.Already, pub.Changes, pub.Position = true, p.Changes, h.Records[len(h.Records)-1].Position.String()
		return pub, nil
	}
	until, err := eventstore.ParsePosition(rep.Position)
	if err != nil {
		return pub, domain.Errorf(domain.Invalid, "the report's position %q is not a log position: %v", rep.Position, err).WithField("position")
	}
	p := publisher{s: s, ref: ref, by: by, at: at, until: until}
	nip := domain.NIP(by.ID)

	w, err := plan(rep)
	if err != nil {
		return pub, err
	}
	// Every stream is checked before the first is written, so that a stale
	// report is refused with nothing appended. The same check runs again in
	// each append, against a writer that slips in between.
	for _, c := range w.checks {
		if err := p.fresh(ctx, c.stream, c.counts); err != nil {
			return pub, err
		}
	}
	for _, skpID := range slices.SortedFunc(maps.Keys(w.achievements), cmpUUID) {
		xs := w.achievements[skpID]
		types, err := publishTo(ctx, &p, execution.Stream(skpID), execution.Decode, isMeasure, func(h eventstore.History[execution.Event]) ([]execution.Event, error) {
			rec := execution.ReplayRecord(h.Events)
			var out []execution.Event
			for _, k := range slices.Sorted(maps.Keys(xs)) {
				es, err := rec.RederiveAchievement(nip, ref, xs[k], at)
				if err != nil {
					return nil, err
				}
				for _, e := range es {
					rec.Apply(e)
				}
				out = append(out, es...)
			}
			return out, nil
		})
		if err != nil {
			return pub, err
		}
		pub.Changes.Achievements += len(types)
	}
	for _, d := range w.evaluations {
		types, err := publishTo(ctx, &p, evaluation.Stream(d.Evaluation), evaluation.Decode, anyEvent, func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
			ev := evaluation.ReplayEvaluation(h.Events)
			var out []evaluation.Event
			if d.recommend {
				r := d.WorkResult
				es, err := ev.RecommendRating(nip, ref, r.RecommendedAfter, r.MeanAfter, cmp.Or(rep.Substitutions.Policy, ev.Policy()), at)
				if err != nil {
					return nil, err
				}
				out = append(out, es...)
			}
			if d.rederive {
				es, err := ev.RederivePredicate(nip, ref, w.policy, at)
				if err != nil {
					return nil, err
				}
				out = append(out, es...)
			}
			return out, nil
		})
		if err != nil {
			return pub, err
		}
		for _, t := range types {
			switch t {
			case evaluation.RatingRecommended{}.EventType():
				pub.Changes.Recommendations++
			case evaluation.PredicateRederived{}.EventType():
				pub.Changes.Predicates++
			}
		}
	}
	for _, a := range w.units {
		types, err := publishTo(ctx, &p, evaluation.UnitStream(a), evaluation.Decode, anyEvent, func(h eventstore.History[evaluation.Event]) ([]evaluation.Event, error) {
			return evaluation.ReplayUnit(h.Events).RefixPattern(nip, ref, w.quotas, at)
		})
		if err != nil {
			return pub, err
		}
		pub.Changes.Patterns += len(types)
	}

	// The record of the publication, last.
	types, err := publishTo(ctx, &p, replay.Stream(id), replay.Decode, anyEvent, func(h eventstore.History[replay.Event]) ([]replay.Event, error) {
		return replay.Fold(h.Events).Publish(nip, replay.PublishCommand{Ref: ref, Position: rep.Position, Inputs: rep.Substitutions, Changes: pub.Changes}, at)
	})
	if err != nil {
		return pub, err
	}
	pub.Already = len(types) == 0 // a concurrent publication of the same replay got there first
	pub.Position = p.last.String()
	return pub, nil
}

// work is what a report asks to publish, stream by stream.
type work struct {
	achievements map[uuid.UUID]map[string]execution.Rederivation // SKP → "iki/period" → basis
	evaluations  []evaluationWork
	units        []uuid.UUID   // unit assessments whose pattern is fixed again
	policy       policy.Policy // the substituted rating policy, if any
	quotas       policy.Policy // the substituted quota version, if any
	checks       []check       // every stream that must not have moved on
}

type evaluationWork struct {
	EvaluationDiff
	recommend, rederive bool
}

type check struct {
	stream string
	counts func(string) bool // nil: every event counts
}

// plan reads from rep what each stream gets.
func plan(rep *Report) (work, error) {
	w := work{achievements: map[uuid.UUID]map[string]execution.Rederivation{}}
	var err error
	if rep.Substitutions.Policy != "" {
		if w.policy, err = policy.Lookup(rep.Substitutions.Policy); err != nil {
			return w, err
		}
	}
	if rep.Substitutions.Quotas != "" {
		if w.quotas, err = policy.Lookup(rep.Substitutions.Quotas); err != nil {
			return w, err
		}
	}
	for _, d := range rep.Evaluations {
		for _, a := range d.Achievements {
			if a.Indicator == nil || a.Target == nil {
				continue
			}
			if w.achievements[d.SKP] == nil {
				w.achievements[d.SKP] = map[string]execution.Rederivation{}
				// The plan the achievements were measured against must not have moved either.
				w.checks = append(w.checks, check{stream: skp.Stream(d.SKP)}, check{stream: execution.Stream(d.SKP), counts: isMeasure})
			}
			w.achievements[d.SKP][a.IKI.String()+"/"+a.Period] = execution.Rederivation{IKI: a.IKI, Period: a.Period, Indicator: *a.Indicator,
				Direction: a.Direction, Formula: a.Formula, Target: *a.Target}
		}
		r := d.WorkResult
		e := evaluationWork{EvaluationDiff: d,
			recommend: r.Decided != "" && r.RecommendedAfter != "" && r.RecommendedAfter != r.RecommendedBefore && r.RecommendedAfter != r.Decided,
			rederive:  d.Predicate != nil && d.Predicate.Basis == "derived" && w.policy.ID != ""}
		if d.Evaluation != uuid.Nil && (e.recommend || e.rederive) {
			w.evaluations = append(w.evaluations, e)
			w.checks = append(w.checks, check{stream: evaluation.Stream(d.Evaluation)})
		}
	}
	if w.quotas.ID != "" {
		for _, u := range rep.Units {
			if u.Assessment != uuid.Nil && u.PolicyBefore != u.PolicyAfter {
				w.units = append(w.units, u.Assessment)
				w.checks = append(w.checks, check{stream: evaluation.UnitStream(u.Assessment)})
			}
		}
	}
	return w, nil
}

// publisher appends one publication's events.
type publisher struct {
	s     eventstore.Store
	ref   replay.Ref
	by    eventstore.Actor
	at    time.Time
	until eventstore.Position // the replayed position
	last  eventstore.Position // of the last append
}

// fresh refuses stream if an event that counts (all when counts is nil)
// was recorded after the replayed position.
func (p *publisher) fresh(ctx context.Context, stream string, counts func(string) bool) error {
	recs, err := p.s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		return fmt.Errorf("publish replay %s: read %s: %w", p.ref.ID, stream, err)
	}
	return p.check(stream, recs, counts)
}

// check refuses stream if one of its records that counts (all when counts
// is nil), other than this publication's own, came after the replayed
// position.
func (p *publisher) check(stream string, recs []eventstore.RecordedEvent, counts func(string) bool) error {
	own := p.commandID(stream)
	for _, r := range recs {
		if p.until.Less(r.Position) && r.Metadata.CommandID != own && (counts == nil || counts(r.Type)) {
			return domain.Errorf(domain.Conflict, "%s moved on after the replayed position %s (%s at %s); run the replay again and publish its report",
				stream, p.until, r.Type, r.Position).WithRule(replay.RuleStale)
		}
	}
	return nil
}

// commandID is the id of this publication's command on stream, from which
// its events' ids derive.
func (p *publisher) commandID(stream string) uuid.UUID { return uuid.NewSHA1(p.ref.ID, []byte(stream)) }

// publishTo appends to stream what decide returns, as one command whose id
// derives from the replay and the stream, after checking that the stream
// did not move on since the replay (counts says which event types matter).
// It returns the types of the events the command appended, now or, when an
// interrupted publication applied it before, then (appending nothing again).
func publishTo[E eventstore.Typed](ctx context.Context, p *publisher, stream string, decode func(string, []byte) (E, error), counts func(string) bool, decide func(eventstore.History[E]) ([]E, error)) ([]string, error) {
	cmd := eventstore.Command{
		ID: p.commandID(stream),
		Metadata: eventstore.Metadata{Actor: p.by, CorrelationID: p.ref.ID, Reason: p.ref.Reason("the report's changes become the ledger's"),
			SchemaVersion: 1},
	}
	var types []string
	decided := false
	res, err := eventstore.Execute(ctx, p.s, stream, decode, cmd, func(h eventstore.History[E]) ([]E, error) {
		decided = true
		if err := p.check(stream, h.Records, counts); err != nil {
			return nil, err
		}
		es, err := decide(h)
		types = types[:0]
		for _, e := range es {
			types = append(types, e.EventType())
		}
		return es, err
	})
	if err != nil {
		return nil, fmt.Errorf("publish replay %s to %s: %w", p.ref.ID, stream, err)
	}
	if !decided { // an interrupted publication appended these before
		recs, err := p.s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
		if err != nil {
			return nil, fmt.Errorf("publish replay %s: read %s: %w", p.ref.ID, stream, err)
		}
		for _, r := range recs {
			if r.Metadata.CommandID == cmd.ID {
				types = append(types, r.Type)
			}
		}
	}
	if len(types) > 0 {
		p.last = res.Position
	}
	return types, nil
}

// isMeasure says which events of an execution record change what a
// replay measured: the realisations and the bases.
func isMeasure(eventType string) bool {
	return eventType == execution.RealisationReported{}.EventType() || eventType == execution.AchievementRederived{}.EventType()
}

func anyEvent(string) bool { return true }

func cmpUUID(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }
