package replay_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/replay"
)

var (
	hr       = domain.NIP("198505052010011001")
	replayID = uuid.MustParse("00000000-0000-0000-0000-0000000007a1")
	catalog  = uuid.MustParse("00000000-0000-0000-0000-000000000101")
	other    = uuid.MustParse("00000000-0000-0000-0000-000000000102")
	digest   = strings.Repeat("0123456789abcdef", 4)
	digest2  = strings.Repeat("fedcba9876543210", 4)
	jul1     = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	at       = time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)
)

// checkErr requires err to be of kind wantKind and, for a *domain.Error,
// to name wantField and wantRule (an empty want checks nothing).
func checkErr(t *testing.T, err error, wantKind domain.Kind, wantField, wantRule string) {
	t.Helper()
	if kind := domain.KindOf(err); kind != wantKind {
		t.Fatalf("error = %v (kind %v), want kind %v", err, kind, wantKind)
	}
	if err == nil {
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %#v, want a *domain.Error", err)
	}
	if de.Field != wantField || de.Rule != wantRule {
		t.Errorf("error %q names field %q, rule %q; want field %q, rule %q", de.Message, de.Field, de.Rule, wantField, wantRule)
	}
	if strings.TrimSpace(de.Message) == "" {
		t.Error("error has no message for the user")
	}
}

func TestStream(t *testing.T) {
	if got, want := replay.Stream(replayID), "replay-"+replayID.String(); got != want {
		t.Errorf("Stream() = %q, want %q", got, want)
	}
}

func TestRefValidate(t *testing.T) {
	tests := []struct {
		name      string
		ref       replay.Ref
		wantKind  domain.Kind
		wantField string
	}{
		{name: "id and hex SHA-256", ref: replay.Ref{ID: replayID, Digest: digest}},
		{name: "no id", ref: replay.Ref{Digest: digest}, wantKind: domain.Invalid, wantField: "replay_id"},
		{name: "no digest", ref: replay.Ref{ID: replayID}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "digest one digit short", ref: replay.Ref{ID: replayID, Digest: digest[1:]}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "digest one digit long", ref: replay.Ref{ID: replayID, Digest: digest + "0"}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "digest two digits long", ref: replay.Ref{ID: replayID, Digest: digest + "00"}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "upper-case digest", ref: replay.Ref{ID: replayID, Digest: strings.ToUpper(digest)}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "one upper-case digit", ref: replay.Ref{ID: replayID, Digest: "A" + digest[1:]}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "not hex", ref: replay.Ref{ID: replayID, Digest: "g" + digest[1:]}, wantKind: domain.Invalid, wantField: "digest"},
		{name: "base64, 64 characters", ref: replay.Ref{ID: replayID, Digest: strings.Repeat("q83v", 16)}, wantKind: domain.Invalid, wantField: "digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := ""
			if tt.wantKind != 0 {
				rule = replay.RuleReplayRef
			}
			checkErr(t, tt.ref.Validate(), tt.wantKind, tt.wantField, rule)
		})
	}
}

func TestRefReason(t *testing.T) {
	got := replay.Ref{ID: replayID, Digest: digest}.Reason("indikator waktu layanan direvisi")
	for _, want := range []string{replayID.String(), digest, "indikator waktu layanan direvisi"} {
		if !strings.Contains(got, want) {
			t.Errorf("Reason() = %q, does not name %q", got, want)
		}
	}
}

func TestPublish(t *testing.T) {
	ref := replay.Ref{ID: replayID, Digest: digest}
	inputs := replay.Substitutions{Policy: policy.DefaultID}
	cmd := replay.PublishCommand{Ref: ref, Position: "12345/12340", Inputs: inputs,
		Changes: replay.Changes{Achievements: 2, Recommendations: 1, Predicates: 1}}
	with := func(f func(*replay.PublishCommand)) replay.PublishCommand {
		c := cmd
		f(&c)
		return c
	}
	published := replay.Published{Replay: replayID, Digest: digest, Position: "12345/12340", Inputs: inputs,
		Changes: replay.Changes{Achievements: 2, Recommendations: 1, Predicates: 1}, PublishedBy: hr, At: at}
	tests := []struct {
		name      string
		given     []replay.Event
		cmd       replay.PublishCommand
		want      []replay.Event
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "first publication", cmd: cmd, want: []replay.Event{published}},
		{name: "no changes found is still a publication", cmd: with(func(c *replay.PublishCommand) { c.Changes = replay.Changes{} }),
			want: []replay.Event{replay.Published{Replay: replayID, Digest: digest, Position: "12345/12340", Inputs: inputs, PublishedBy: hr, At: at}}},
		{name: "same digest again decides nothing", given: []replay.Event{published}, cmd: cmd},
		{name: "same digest by a later run decides nothing", given: []replay.Event{published},
			cmd: with(func(c *replay.PublishCommand) { c.Changes = replay.Changes{} })},
		{name: "another digest", given: []replay.Event{published}, cmd: with(func(c *replay.PublishCommand) { c.Ref.Digest = digest2 }),
			wantKind: domain.Conflict, wantField: "digest", wantRule: replay.RulePublished},
		{name: "no replay id", cmd: with(func(c *replay.PublishCommand) { c.Ref.ID = uuid.Nil }),
			wantKind: domain.Invalid, wantField: "replay_id", wantRule: replay.RuleReplayRef},
		{name: "no digest", cmd: with(func(c *replay.PublishCommand) { c.Ref.Digest = "" }),
			wantKind: domain.Invalid, wantField: "digest", wantRule: replay.RuleReplayRef},
		{name: "bad digest after a publication", given: []replay.Event{published}, cmd: with(func(c *replay.PublishCommand) { c.Ref.Digest = "abc" }),
			wantKind: domain.Invalid, wantField: "digest", wantRule: replay.RuleReplayRef},
		{name: "no position", cmd: with(func(c *replay.PublishCommand) { c.Position = "" }),
			wantKind: domain.Invalid, wantField: "position", wantRule: replay.RuleReplayRef},
		{name: "no substitution", cmd: with(func(c *replay.PublishCommand) { c.Inputs = replay.Substitutions{} }),
			wantKind: domain.Invalid, wantRule: replay.RuleSubstitution},
		{name: "unknown rating policy", cmd: with(func(c *replay.PublishCommand) { c.Inputs = replay.Substitutions{Policy: "permenpanrb-9-2099"} }),
			wantKind: domain.NotFound, wantField: "rating_policy", wantRule: "policy-known"},
		{name: "revision without a date", cmd: with(func(c *replay.PublishCommand) {
			c.Inputs = replay.Substitutions{Indicators: []replay.IndicatorRevision{{Indicator: catalog, Direction: indicator.Range}}}
		}), wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleValidFrom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replay.Fold(tt.given).Publish(hr, tt.cmd, at)
			checkErr(t, err, tt.wantKind, tt.wantField, tt.wantRule)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Publish() = %+v\nwant        %+v", got, tt.want)
			}
		})
	}
}

// TestPublishedFold checks that the publication Publish decides is what the
// folded replay reports, and that an unpublished replay reports none.
func TestPublishedFold(t *testing.T) {
	r := replay.Fold(nil)
	if p, ok := r.Published(); ok {
		t.Fatalf("Published() of a replay without events = %+v, true", p)
	}
	cmd := replay.PublishCommand{Ref: replay.Ref{ID: replayID, Digest: digest}, Position: "9/9", Inputs: replay.Substitutions{Quotas: policy.DefaultID}}
	events, err := r.Publish(hr, cmd, at)
	if err != nil || len(events) != 1 {
		t.Fatalf("Publish() = %v, %v; want one event", events, err)
	}
	for _, e := range events {
		r.Apply(e)
	}
	p, ok := r.Published()
	if !ok || !reflect.DeepEqual(p, events[0]) {
		t.Errorf("Published() = %+v, %v; want %+v, true", p, ok, events[0])
	}
	if again, err := r.Publish(hr, cmd, at.Add(time.Hour)); err != nil || again != nil {
		t.Errorf("Publish() after Apply = %v, %v; want nothing", again, err)
	}
}

func TestSubstitutionsValidate(t *testing.T) {
	target := &indicator.Target{Value: 8}
	rev := func(f func(*replay.IndicatorRevision)) replay.Substitutions {
		r := replay.IndicatorRevision{Indicator: catalog, Direction: indicator.LowerIsBetter, ValidFrom: jul1}
		f(&r)
		return replay.Substitutions{Indicators: []replay.IndicatorRevision{r}}
	}
	keep := func(*replay.IndicatorRevision) {}
	tests := []struct {
		name      string
		subs      replay.Substitutions
		wantKind  domain.Kind
		wantField string
		wantRule  string
	}{
		{name: "a direction from a date", subs: rev(keep)},
		{name: "a target only", subs: rev(func(r *replay.IndicatorRevision) { r.Direction, r.Target = "", target })},
		{name: "a formula only", subs: rev(func(r *replay.IndicatorRevision) { r.Direction, r.Formula = "", indicator.InverseRatio })},
		{name: "named by code", subs: rev(func(r *replay.IndicatorRevision) { r.Indicator, r.Code = uuid.Nil, "service-response-time" })},
		{name: "two indicators", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{
			{Indicator: catalog, Target: target, ValidFrom: jul1}, {Indicator: other, Direction: indicator.Range, ValidFrom: jul1}}}},
		{name: "a rating policy only", subs: replay.Substitutions{Policy: policy.DefaultID}},
		{name: "a quota version only", subs: replay.Substitutions{Quotas: policy.LegacyID}},

		{name: "nothing", subs: replay.Substitutions{}, wantKind: domain.Invalid, wantRule: replay.RuleSubstitution},
		{name: "no indicator id or code", subs: rev(func(r *replay.IndicatorRevision) { r.Indicator = uuid.Nil }),
			wantKind: domain.Invalid, wantField: "indicator_id", wantRule: replay.RuleSubstitution},
		{name: "one indicator twice", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{
			{Indicator: catalog, Target: target, ValidFrom: jul1}, {Indicator: catalog, Direction: indicator.Range, ValidFrom: jul1.AddDate(0, 1, 0)}}},
			wantKind: domain.Invalid, wantField: "indicator_id", wantRule: replay.RuleSubstitution},
		{name: "no date", subs: rev(func(r *replay.IndicatorRevision) { r.ValidFrom = time.Time{} }),
			wantKind: domain.Invalid, wantField: "valid_from", wantRule: indicator.RuleValidFrom},
		{name: "unknown direction", subs: rev(func(r *replay.IndicatorRevision) { r.Direction = "UP" }),
			wantKind: domain.Invalid, wantField: "direction", wantRule: indicator.RuleDirection},
		{name: "unknown formula", subs: rev(func(r *replay.IndicatorRevision) { r.Formula = "SQUARE" }),
			wantKind: domain.Invalid, wantField: "formula", wantRule: indicator.RuleFormula},
		{name: "unknown formula without a direction", subs: rev(func(r *replay.IndicatorRevision) { r.Direction, r.Formula = "", "SQUARE" }),
			wantKind: domain.Invalid, wantField: "formula", wantRule: indicator.RuleFormula},
		{name: "formula of another direction", subs: rev(func(r *replay.IndicatorRevision) { r.Formula = indicator.Ratio }),
			wantKind: domain.Invalid, wantField: "formula", wantRule: indicator.RuleFormula},
		{name: "changes nothing", subs: rev(func(r *replay.IndicatorRevision) { r.Direction = "" }),
			wantKind: domain.Invalid, wantField: "direction", wantRule: replay.RuleSubstitution},
		{name: "second revision changes nothing", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{
			{Indicator: catalog, Target: target, ValidFrom: jul1}, {Indicator: other, ValidFrom: jul1}}},
			wantKind: domain.Invalid, wantField: "direction", wantRule: replay.RuleSubstitution},
		{name: "unknown rating policy", subs: replay.Substitutions{Policy: "permenpanrb-9-2099"},
			wantKind: domain.NotFound, wantField: "rating_policy", wantRule: "policy-known"},
		{name: "numeric rating policy", subs: replay.Substitutions{Policy: policy.LegacyID},
			wantKind: domain.Invalid, wantField: "rating_policy", wantRule: "policy-scheme"},
		{name: "one code twice", subs: replay.Substitutions{Indicators: []replay.IndicatorRevision{
			{Code: "service-response-time", Target: target, ValidFrom: jul1}, {Code: "service-response-time", Direction: indicator.Range, ValidFrom: jul1}}},
			wantKind: domain.Invalid, wantField: "indicator_id", wantRule: replay.RuleSubstitution},
		{name: "unknown quota version beside a known policy", subs: replay.Substitutions{Policy: policy.DefaultID, Quotas: "se-9-2099"},
			wantKind: domain.NotFound, wantField: "quota_policy", wantRule: "policy-known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.subs.Validate(), tt.wantKind, tt.wantField, tt.wantRule)
		})
	}
}

func TestRevisionFor(t *testing.T) {
	first := replay.IndicatorRevision{Indicator: catalog, Direction: indicator.LowerIsBetter, ValidFrom: jul1}
	// A date given with a time of day counts from the start of that day.
	second := replay.IndicatorRevision{Indicator: other, Target: &indicator.Target{Value: 3}, ValidFrom: time.Date(2026, 10, 1, 15, 30, 0, 0, time.UTC)}
	subs := replay.Substitutions{Indicators: []replay.IndicatorRevision{first, second}}
	unknown := uuid.MustParse("00000000-0000-0000-0000-000000000199")
	tests := []struct {
		name   string
		id     *uuid.UUID
		start  time.Time
		want   replay.IndicatorRevision
		wantOK bool
	}{
		{name: "no catalogue indicator", start: jul1},
		{name: "another indicator", id: &unknown, start: jul1},
		{name: "a period before the revision", id: &catalog, start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "a period ending on the day before", id: &catalog, start: jul1.Add(-time.Nanosecond)},
		{name: "a period starting on the date", id: &catalog, start: jul1, want: first, wantOK: true},
		{name: "a later period", id: &catalog, start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), want: first, wantOK: true},
		{name: "the second indicator's own date", id: &other, start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
		{name: "the day of a date with a time", id: &other, start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), want: second, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := subs.RevisionFor(tt.id, tt.start)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RevisionFor() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
