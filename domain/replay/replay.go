package replay

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
)

// Stored event type names. Renaming one orphans every stored event of that type.
const typePublished = "replay.published"

// RulePublished is the rule of a second, different publication of one
// replay id.
const RulePublished = "replay-published"

// Event is a fact about one replay.
type Event interface {
	EventType() string
}

// Ref names an accepted replay in the events its publication appends: the
// replay's id and the digest of the report HR accepted.
type Ref struct {
	ID     uuid.UUID `json:"replay_id"`
	Digest string    `json:"digest"` // hex SHA-256 of the report
}

// Validate reports a Ref without an id or with a digest that is not a hex
// SHA-256, as an *domain.Error of kind Invalid with rule RuleReplayRef.
func (r Ref) Validate() error {
	switch {
	case r.ID == uuid.Nil:
		return domain.Errorf(domain.Invalid, "the replay id is missing").WithField("replay_id").WithRule(RuleReplayRef)
	case len(r.Digest) != 64 || !isLowerHex(r.Digest):
		return domain.Errorf(domain.Invalid, "the replay digest must be the report's hex SHA-256 (64 lower-case hex digits), not %q", r.Digest).
			WithField("digest").WithRule(RuleReplayRef)
	}
	return nil
}

func isLowerHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s == strings.ToLower(s)
}

// Reason is the envelope reason of every event a publication appends.
func (r Ref) Reason(why string) string {
	return fmt.Sprintf("replay %s (digest %s) published: %s", r.ID, r.Digest, why)
}

// Changes counts the events a publication appended, by kind.
type Changes struct {
	Achievements    int `json:"achievements_rederived"`
	Recommendations int `json:"ratings_recommended"`
	Predicates      int `json:"predicates_rederived"`
	Patterns        int `json:"patterns_refixed"`
}

// Published records that HR accepted a replay: its inputs, the log position
// it replayed up to, the digest of its report, and what the publication
// appended. It is the last event a publication appends, so that a
// publication interrupted before it can be run again.
type Published struct {
	Replay      uuid.UUID     `json:"replay_id"`
	Digest      string        `json:"digest"`
	Position    string        `json:"position"`
	Inputs      Substitutions `json:"inputs"`
	Changes     Changes       `json:"changes"`
	PublishedBy domain.NIP    `json:"published_by"`
	At          time.Time     `json:"at"`
}

// EventType implements Event.
func (Published) EventType() string { return typePublished }

// Decode rebuilds an event from its stored type name and JSON body. An
// unknown type or malformed JSON is an error; it never panics.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case typePublished:
		var e Published
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("decode %s: %w", eventType, err)
		}
		return e, nil
	}
	return nil, fmt.Errorf("unknown replay event type %q", eventType)
}

// Stream returns the event stream name of replay id.
func Stream(id uuid.UUID) string { return "replay-" + id.String() }

// Replay is one replay's publication, rebuilt from its events. A replay
// that was never published has no events.
type Replay struct {
	published *Published
}

// Fold rebuilds a replay from its events, oldest first.
func Fold(events []Event) *Replay {
	r := &Replay{}
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

// Apply changes the replay to reflect e. It never fails: events are facts.
func (r *Replay) Apply(e Event) {
	if p, ok := e.(Published); ok {
		r.published = &p
	}
}

// Published returns the publication, if the replay was published.
func (r *Replay) Published() (Published, bool) {
	if r.published == nil {
		return Published{}, false
	}
	return *r.published, true
}

// PublishCommand is what HR accepts: the replay, the position it replayed
// up to, its inputs, and what its publication appended.
type PublishCommand struct {
	Ref      Ref
	Position string
	Inputs   Substitutions
	Changes  Changes
}

// Publish records the publication of a replay. Publishing the same replay
// with the same digest again decides nothing: the second publication
// appends nothing. Errors: Invalid for a missing id, digest, position or
// inputs that cannot be replayed; Conflict (rule RulePublished) for a
// replay id already published with another digest.
func (r *Replay) Publish(by domain.NIP, cmd PublishCommand, at time.Time) ([]Event, error) {
	if err := cmd.Ref.Validate(); err != nil {
		return nil, err
	}
	if p, ok := r.Published(); ok {
		if p.Digest != cmd.Ref.Digest {
			return nil, domain.Errorf(domain.Conflict, "replay %s was published with digest %s, not %s; run a new replay to publish other results", p.Replay, p.Digest, cmd.Ref.Digest).
				WithField("digest").WithRule(RulePublished)
		}
		return nil, nil
	}
	if cmd.Position == "" {
		return nil, domain.Errorf(domain.Invalid, "the log position the replay read up to is missing").WithField("position").WithRule(RuleReplayRef)
	}
	if err := cmd.Inputs.Validate(); err != nil {
		return nil, err
	}
	inputs := cmd.Inputs
	inputs.Indicators = slices.Clone(inputs.Indicators)
	for i, r := range inputs.Indicators {
		if r.Target != nil {
			t := *r.Target
			inputs.Indicators[i].Target = &t
		}
	}
	return []Event{Published{Replay: cmd.Ref.ID, Digest: cmd.Ref.Digest, Position: cmd.Position, Inputs: inputs,
		Changes: cmd.Changes, PublishedBy: by, At: at}}, nil
}
