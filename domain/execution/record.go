// Package execution holds what happens during the performance year
// (pelaksanaan, pemantauan dan pembinaan kinerja): the execution record of
// one SKP (realisations with content-addressed evidence, continuous feedback,
// peer, subordinate and citizen inputs, the daily progress log), series of
// objective metrics observed for a unit or a person, and coaching sessions.
//
// The approved SKP is a fact the commands take as a parameter (skp.Plan),
// loaded by the application layer, so the domain stays pure.
package execution

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/replay"
	"github.com/kinerja/kinerja/domain/skp"
)

// Rules an execution command can break, as named in *domain.Error.Rule.
const (
	RuleActor           = "actor-relation"
	RulePlan            = "skp-approved"
	RuleRealisationIKI  = "realisation-period-iki"     // §8.11
	RuleEvidence        = "evidence-content-addressed" // §8.13
	RuleEvidenceUnknown = "evidence-attached"          // a reference to evidence never attached
	RuleCorrection      = "correction-with-reason"     // §8.21
	RuleValue           = "value"
	RuleRequired        = "required"
	RuleStage           = "stage"
)

// EvidenceKind is the kind of a piece of evidence.
type EvidenceKind string

// Kinds of evidence.
const (
	Document     EvidenceKind = "DOCUMENT"
	Photo        EvidenceKind = "PHOTO"
	Link         EvidenceKind = "LINK"
	SystemMetric EvidenceKind = "SYSTEM_METRIC"
)

// Valid reports whether k is a known kind.
func (k EvidenceKind) Valid() bool {
	return k == Document || k == Photo || k == Link || k == SystemMetric
}

// Relation is how the giver of a behaviour input relates to the employee.
type Relation string

// Relations of a behaviour input.
const (
	Peer        Relation = "PEER"
	Subordinate Relation = "SUBORDINATE"
	Citizen     Relation = "CITIZEN"
)

// Valid reports whether r is a known relation.
func (r Relation) Valid() bool { return r == Peer || r == Subordinate || r == Citizen }

// LogStatus is the stage of a daily progress entry.
type LogStatus string

// Stages of a daily progress entry.
const (
	LogDraft     LogStatus = "DRAFT"
	LogSubmitted LogStatus = "SUBMITTED"
	LogApproved  LogStatus = "APPROVED"
	LogRejected  LogStatus = "REJECTED"
)

// Evidence is a piece of supporting evidence, to attach.
type Evidence struct {
	SHA256     string // hex SHA-256 of the content: the evidence's address
	Kind       EvidenceKind
	URI        string
	CapturedAt time.Time
}

// EvidenceID returns the address of content: its lower-case hex SHA-256.
func EvidenceID(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// VerifyEvidence checks that content is the evidence addressed by id. A
// mismatch is Invalid: the content was altered after it was attached.
func VerifyEvidence(id string, content []byte) error {
	if got := EvidenceID(content); got != id {
		return domain.Errorf(domain.Invalid, "the evidence content has changed: its hash is %s, but it was attached as %s", got, id).WithField("sha256").WithRule(RuleEvidence)
	}
	return nil
}

func validNIP(n domain.NIP) bool {
	norm, _, err := domain.ParseNIP(string(n))
	return err == nil && norm == n
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Realisation is a command's input, and the stored record, of a value
// achieved for one IKI in one period.
type Realisation struct {
	ID         uuid.UUID
	IKI        uuid.UUID
	Period     PeriodRef
	Value      float64
	Narrative  string
	Evidence   []string   // SHA-256 addresses of attached evidence
	Supersedes *uuid.UUID // the realisation this one corrects
	Reason     string     // why, for a correction
}

type logEntry struct {
	date   time.Time
	status LogStatus
}

// Record is the execution record of one SKP, rebuilt from its events.
type Record struct {
	skp          uuid.UUID
	employee     domain.NIP
	evaluator    domain.NIP
	start, end   time.Time
	evidence     map[string]EvidenceAttached // by SHA-256
	byURI        map[string]string           // URI → SHA-256
	realisations []RealisationReported
	current      map[string]uuid.UUID            // IKI/period → latest realisation
	bases        map[string]AchievementRederived // IKI/period → the basis a published replay set
	feedback     []FeedbackGiven
	inputs       []PeerInputGiven
	logs         map[uuid.UUID]*logEntry
}

// Stream returns the event stream name of the execution record of SKP id.
func Stream(skpID uuid.UUID) string { return "execution-" + skpID.String() }

// ReplayRecord folds events, oldest first, into a new Record.
func ReplayRecord(events []Event) *Record {
	r := &Record{}
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

func key(iki uuid.UUID, period string) string { return iki.String() + "/" + period }

// Apply changes the record to reflect e. It never fails: events are facts,
// and even an event out of place (before Opened) leaves a usable state.
func (r *Record) Apply(e Event) {
	if r.evidence == nil {
		r.evidence, r.byURI = map[string]EvidenceAttached{}, map[string]string{}
		r.current, r.logs = map[string]uuid.UUID{}, map[uuid.UUID]*logEntry{}
		r.bases = map[string]AchievementRederived{}
	}
	switch e := e.(type) {
	case Opened:
		r.skp, r.employee, r.evaluator, r.start, r.end = e.SKP, e.Employee, e.Evaluator, e.Start, e.End
	case EvidenceAttached:
		r.evidence[e.SHA256] = e
		r.byURI[e.URI] = e.SHA256
	case RealisationReported:
		r.realisations = append(r.realisations, e)
		r.current[key(e.IKI, e.Period.ID)] = e.Realisation
	case AchievementRederived:
		r.bases[key(e.IKI, e.Period)] = e
	case FeedbackGiven:
		r.feedback = append(r.feedback, e)
	case PeerInputGiven:
		r.inputs = append(r.inputs, e)
	case DailyProgressLogged:
		r.logs[e.Log] = &logEntry{date: e.Date, status: LogDraft}
	case DailyProgressSubmitted:
		if l := r.logs[e.Log]; l != nil {
			l.status = LogSubmitted
		}
	case DailyProgressApproved:
		if l := r.logs[e.Log]; l != nil {
			l.status = LogApproved
		}
	case DailyProgressRejected:
		if l := r.logs[e.Log]; l != nil {
			l.status = LogRejected
		}
	}
}

// Realisations returns the current (not superseded) realisations of a
// period, in the order they were reported.
func (r *Record) Realisations(periodID string) []RealisationReported {
	var out []RealisationReported
	for _, x := range r.realisations {
		if x.Period.ID == periodID && r.current[key(x.IKI, periodID)] == x.Realisation {
			out = append(out, x)
		}
	}
	return out
}

// History returns every realisation ever reported, corrections included.
func (r *Record) History() []RealisationReported { return slices.Clone(r.realisations) }

// Feedback returns the feedback given so far.
func (r *Record) Feedback() []FeedbackGiven { return slices.Clone(r.feedback) }

// Inputs returns the peer, subordinate and citizen inputs given so far.
func (r *Record) Inputs() []PeerInputGiven { return slices.Clone(r.inputs) }

// LogStatus returns the stage of a daily log entry, and whether it exists.
func (r *Record) LogStatus(id uuid.UUID) (LogStatus, bool) {
	if l := r.logs[id]; l != nil {
		return l.status, true
	}
	return "", false
}

// Open starts the execution record of an approved SKP. The employee or the
// evaluator opens it. Errors: Forbidden for anyone else; Invalid when the
// plan was never approved. A second Opened for the same SKP is refused by
// the store, since the record's stream is created with no-stream.
func Open(by domain.NIP, plan skp.Plan, at time.Time) ([]Event, error) {
	switch {
	case by != plan.Employee && by != plan.Evaluator:
		return nil, domain.Errorf(domain.Forbidden, "only the employee or the evaluator opens the execution record of an SKP").WithRule(RuleActor)
	case !plan.Approved:
		return nil, domain.Errorf(domain.Invalid, "SKP %s is not approved; work is recorded against an approved SKP", plan.ID).WithField("skp_id").WithRule(RulePlan)
	}
	return []Event{Opened{SKP: plan.ID, Employee: plan.Employee, Evaluator: plan.Evaluator, Start: plan.Start, End: plan.End, At: at}}, nil
}

func (r *Record) checkOpen() error {
	if r.skp == uuid.Nil {
		return domain.Errorf(domain.NotFound, "the SKP has no execution record yet; open it first")
	}
	return nil
}

// AttachEvidence records evidence owned by the employee, addressed by the
// SHA-256 of its content. Attaching the same content again changes nothing
// (no events). An address whose content hash differs from the one first
// attached there is refused: evidence is content-addressed, so changed
// content is new evidence. Errors: Forbidden for anyone but the employee;
// Invalid for a malformed hash, kind or URI, or a changed hash.
func (r *Record) AttachEvidence(by domain.NIP, ev Evidence, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	switch {
	case by != r.employee:
		return nil, domain.Errorf(domain.Forbidden, "only the employee attaches evidence to their own record").WithRule(RuleActor)
	case !validSHA256(ev.SHA256):
		return nil, domain.Errorf(domain.Invalid, "evidence is addressed by the 64 lower-case hex digits of its SHA-256; %q is not one", ev.SHA256).WithField("sha256").WithRule(RuleEvidence)
	case !ev.Kind.Valid():
		return nil, domain.Errorf(domain.Invalid, "evidence kind %q is not DOCUMENT, PHOTO, LINK or SYSTEM_METRIC", ev.Kind).WithField("kind").WithRule(RuleRequired)
	case strings.TrimSpace(ev.URI) == "":
		return nil, domain.Errorf(domain.Invalid, "evidence needs the address where it is kept").WithField("uri").WithRule(RuleRequired)
	}
	if old, ok := r.byURI[ev.URI]; ok && old != ev.SHA256 {
		return nil, domain.Errorf(domain.Invalid, "the evidence at %s was attached with hash %s and cannot change; attach the new content as new evidence", ev.URI, old).WithField("sha256").WithRule(RuleEvidence)
	}
	if _, ok := r.evidence[ev.SHA256]; ok {
		return nil, nil
	}
	return []Event{EvidenceAttached{SHA256: ev.SHA256, Kind: ev.Kind, URI: ev.URI, Owner: by, CapturedAt: ev.CapturedAt, At: at}}, nil
}

func (r *Record) checkEvidence(refs []string, field string) error {
	for k, ref := range refs {
		if _, ok := r.evidence[ref]; !ok {
			return domain.Errorf(domain.Invalid, "evidence %s has not been attached; attach it before citing it", ref).WithField(fmt.Sprintf("%s[%d]", field, k)).WithRule(RuleEvidenceUnknown)
		}
	}
	return nil
}

func (r *Record) checkPlan(plan skp.Plan) error {
	if plan.ID != r.skp {
		return domain.Errorf(domain.Invalid, "the plan given is SKP %s, not this record's SKP %s", plan.ID, r.skp).WithField("skp_id").WithRule(RulePlan)
	}
	return nil
}

func overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return !aStart.After(bEnd) && !bStart.After(aEnd)
}

// ReportRealisation records the value achieved for an IKI in a period, with
// evidence. plan is the SKP as it stands (with the IKI's validity window);
// the indicator version the IKI was planned with is stamped on the event and
// never changes. A second report for the same IKI and period must supersede
// the current one and give a reason. Errors: Forbidden for anyone but the
// employee; Invalid for a period outside the SKP, an IKI that was not part of
// the plan in that period, an impossible value, unattached evidence or a
// correction without a reason; Conflict for a second report that does not
// supersede the current one.
func (r *Record) ReportRealisation(by domain.NIP, plan skp.Plan, x Realisation, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if by != r.employee {
		return nil, domain.Errorf(domain.Forbidden, "only the employee reports their own realisations").WithRule(RuleActor)
	}
	if err := r.checkPlan(plan); err != nil {
		return nil, err
	}
	p := x.Period
	switch {
	case x.ID == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the realisation needs an id").WithField("realisation_id").WithRule(RuleRequired)
	case p.ID == "" || p.End.Before(p.Start):
		return nil, domain.Errorf(domain.Invalid, "the realisation needs a period with an id, a start and an end").WithField("period").WithRule(RuleRequired)
	case !overlaps(p.Start, p.End, r.start, r.end):
		return nil, domain.Errorf(domain.Invalid, "period %s (%s–%s) lies outside the SKP period %s–%s", p.ID, day(p.Start), day(p.End), day(r.start), day(r.end)).WithField("period").WithRule(RuleRealisationIKI)
	}
	iki, ok := plan.IKI(x.IKI)
	if !ok {
		return nil, domain.Errorf(domain.Invalid, "IKI %s is not in the SKP", x.IKI).WithField("iki_id").WithRule(RuleRealisationIKI)
	}
	if (iki.ValidTo != nil && !iki.ValidTo.After(p.Start)) || iki.ValidFrom.After(p.End) {
		return nil, domain.Errorf(domain.Invalid, "IKI %q was not part of the SKP during period %s", iki.Text, p.ID).WithField("iki_id").WithRule(RuleRealisationIKI)
	}
	if math.IsNaN(x.Value) || math.IsInf(x.Value, 0) || x.Value < 0 {
		return nil, domain.Errorf(domain.Invalid, "the realised value must be a number of zero or more").WithField("value").WithRule(RuleValue)
	}
	if iki.Direction.Valid() {
		if _, err := indicator.Achievement(iki.Direction, iki.Target, x.Value); err != nil {
			return nil, domain.Errorf(domain.Invalid, "the realised value cannot be measured against the target: %v", err).WithField("value").WithRule(RuleValue)
		}
	}
	if err := r.checkEvidence(x.Evidence, "evidence_refs"); err != nil {
		return nil, err
	}
	cur, reported := r.current[key(x.IKI, p.ID)]
	switch {
	case reported && (x.Supersedes == nil || *x.Supersedes != cur):
		return nil, domain.Errorf(domain.Conflict, "IKI %q already has a realisation for %s (%s); a correction must supersede it and say why", iki.Text, p.ID, cur).WithField("supersedes").WithRule(RuleCorrection)
	case !reported && x.Supersedes != nil:
		return nil, domain.Errorf(domain.Invalid, "there is no realisation for %s to correct", p.ID).WithField("supersedes").WithRule(RuleCorrection)
	case reported && strings.TrimSpace(x.Reason) == "":
		return nil, domain.Errorf(domain.Invalid, "a correction of a realisation needs a reason").WithField("reason").WithRule(RuleCorrection)
	}
	return []Event{RealisationReported{
		Realisation: x.ID, IKI: x.IKI, RHK: iki.RHK, Period: p, Value: x.Value, Narrative: x.Narrative,
		Evidence: slices.Clone(x.Evidence), Indicator: iki.Indicator, Version: iki.Version,
		Supersedes: x.Supersedes, Reason: x.Reason, By: by, At: at,
	}}, nil
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// Achievements returns the achievement in percent of each current
// realisation of a period against its IKI's target in plan, by IKI id. IKI
// without a direction (qualitative) are left out.
func (r *Record) Achievements(plan skp.Plan, periodID string) (map[uuid.UUID]float64, error) {
	out := map[uuid.UUID]float64{}
	for _, x := range r.Realisations(periodID) {
		iki, ok := plan.IKI(x.IKI)
		if !ok || !iki.Direction.Valid() {
			continue
		}
		a, err := indicator.Achievement(iki.Direction, iki.Target, x.Value)
		if err != nil {
			return nil, fmt.Errorf("achievement of iki %s: %w", x.IKI, err)
		}
		out[x.IKI] = a
	}
	return out, nil
}

// GiveFeedback records the evaluator's feedback on exactly one RHK of the
// plan or one BerAKHLAK value. Errors: Forbidden for anyone but the
// evaluator; Invalid for no or two targets, an unknown RHK or value, an
// empty text or unattached evidence.
func (r *Record) GiveFeedback(by domain.NIP, plan skp.Plan, f FeedbackGiven, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if by != r.evaluator {
		return nil, domain.Errorf(domain.Forbidden, "continuous feedback comes from the evaluator %s", r.evaluator).WithRule(RuleActor)
	}
	if err := r.checkPlan(plan); err != nil {
		return nil, err
	}
	switch {
	case f.Feedback == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the feedback needs an id").WithField("feedback_id").WithRule(RuleRequired)
	case (f.RHK == nil) == (f.CoreValue == ""):
		return nil, domain.Errorf(domain.Invalid, "feedback is about exactly one RHK or one BerAKHLAK value").WithField("rhk_id").WithRule(RuleRequired)
	case f.RHK != nil && !hasRHK(plan, *f.RHK):
		return nil, domain.Errorf(domain.Invalid, "RHK %s is not in the SKP", *f.RHK).WithField("rhk_id").WithRule(RuleRequired)
	case f.RHK == nil && !f.CoreValue.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not one of the seven BerAKHLAK values", f.CoreValue).WithField("core_value").WithRule(RuleRequired)
	case strings.TrimSpace(f.Text) == "":
		return nil, domain.Errorf(domain.Invalid, "the feedback needs a text").WithField("text").WithRule(RuleRequired)
	}
	if err := r.checkEvidence(f.Evidence, "evidence_refs"); err != nil {
		return nil, err
	}
	f.From, f.At, f.Evidence = by, at, slices.Clone(f.Evidence)
	return []Event{f}, nil
}

func hasRHK(plan skp.Plan, id uuid.UUID) bool {
	_, ok := plan.RHK(id)
	return ok
}

// GiveInput records a peer's, a subordinate's or a citizen's view of the
// employee's behaviour. by is the giver's NIP, and empty for a citizen input,
// which the application layer records from a survey or complaint (SourceRef).
// The relation is a fact from the organisation, loaded by the application
// layer. Errors: Forbidden when the employee or the evaluator gives it;
// Invalid for an unknown relation, value or assessment, a citizen input
// without a source, a period outside the SKP or an empty text.
func (r *Record) GiveInput(by domain.NIP, in PeerInputGiven, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	switch {
	case by == r.employee:
		return nil, domain.Errorf(domain.Forbidden, "an employee cannot give behaviour input on themself; use the self-assessment").WithRule(RuleActor)
	case by == r.evaluator:
		return nil, domain.Errorf(domain.Forbidden, "the evaluator rates behaviour and gives feedback, not peer input").WithRule(RuleActor)
	case in.Input == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the input needs an id").WithField("input_id").WithRule(RuleRequired)
	case !in.Relation.Valid():
		return nil, domain.Errorf(domain.Invalid, "relation %q is not PEER, SUBORDINATE or CITIZEN", in.Relation).WithField("relation").WithRule(RuleRequired)
	case in.Relation == Citizen && (by != "" || strings.TrimSpace(in.SourceRef) == ""):
		return nil, domain.Errorf(domain.Invalid, "a citizen input comes from a survey or complaint, named in source_ref, and not from an employee").WithField("source_ref").WithRule(RuleRequired)
	case in.Relation != Citizen && !validNIP(by):
		return nil, domain.Errorf(domain.Invalid, "a peer or subordinate input names who gave it by a valid NIP, not %q", by).WithField("from_nip").WithRule(RuleRequired)
	case !in.CoreValue.Valid():
		return nil, domain.Errorf(domain.Invalid, "%q is not one of the seven BerAKHLAK values", in.CoreValue).WithField("core_value").WithRule(RuleRequired)
	case !in.Assessment.Valid():
		return nil, domain.Errorf(domain.Invalid, "assessment %q is not DI_ATAS_EKSPEKTASI, SESUAI_EKSPEKTASI or DI_BAWAH_EKSPEKTASI", in.Assessment).WithField("assessment").WithRule(RuleRequired)
	case in.Period.ID == "" || !overlaps(in.Period.Start, in.Period.End, r.start, r.end):
		return nil, domain.Errorf(domain.Invalid, "the input's period must lie within the SKP period %s–%s", day(r.start), day(r.end)).WithField("period").WithRule(RuleRequired)
	case strings.TrimSpace(in.Text) == "":
		return nil, domain.Errorf(domain.Invalid, "the input needs a text").WithField("text").WithRule(RuleRequired)
	}
	in.From, in.At = by, at
	return []Event{in}, nil
}

// LogDailyProgress records a draft entry of the employee's daily progress
// log, for a day inside the SKP period. Errors: Forbidden for anyone but the
// employee; Invalid for a day outside the period, an RHK not in the plan on
// that day, minutes outside 1–1440, an empty description or unattached
// evidence; Conflict for a reused id.
func (r *Record) LogDailyProgress(by domain.NIP, plan skp.Plan, l DailyProgressLogged, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if by != r.employee {
		return nil, domain.Errorf(domain.Forbidden, "only the employee writes their daily progress log").WithRule(RuleActor)
	}
	if err := r.checkPlan(plan); err != nil {
		return nil, err
	}
	switch {
	case l.Log == uuid.Nil:
		return nil, domain.Errorf(domain.Invalid, "the log entry needs an id").WithField("log_id").WithRule(RuleRequired)
	case r.logs[l.Log] != nil:
		return nil, domain.Errorf(domain.Conflict, "log entry %s already exists", l.Log).WithField("log_id")
	case l.Date.Before(r.start) || l.Date.After(r.end):
		return nil, domain.Errorf(domain.Invalid, "%s is outside the SKP period %s–%s", day(l.Date), day(r.start), day(r.end)).WithField("date").WithRule(RuleRequired)
	case l.Minutes < 1 || l.Minutes > 24*60:
		return nil, domain.Errorf(domain.Invalid, "a day's entry takes from 1 to 1440 minutes, not %d", l.Minutes).WithField("minutes").WithRule(RuleValue)
	case strings.TrimSpace(l.Description) == "":
		return nil, domain.Errorf(domain.Invalid, "say what was done").WithField("description").WithRule(RuleRequired)
	}
	if l.RHK != nil {
		rhk, ok := plan.RHK(*l.RHK)
		if !ok || !rhk.ActiveOn(l.Date) {
			return nil, domain.Errorf(domain.Invalid, "RHK %s is not in the SKP on %s", *l.RHK, day(l.Date)).WithField("rhk_id").WithRule(RuleRequired)
		}
	}
	if err := r.checkEvidence(l.Evidence, "evidence_refs"); err != nil {
		return nil, err
	}
	l.At, l.Evidence = at, slices.Clone(l.Evidence)
	return []Event{l}, nil
}

func (r *Record) checkLog(id uuid.UUID, want LogStatus) error {
	l := r.logs[id]
	switch {
	case l == nil:
		return domain.Errorf(domain.NotFound, "no log entry %s", id).WithField("log_id")
	case l.status != want:
		return domain.Errorf(domain.Invalid, "the log entry is %s, not %s", l.status, want).WithField("log_id").WithRule(RuleStage)
	}
	return nil
}

// SubmitDailyProgress sends a draft log entry to the superior. Errors:
// Forbidden for anyone but the employee; NotFound; Invalid unless a draft.
func (r *Record) SubmitDailyProgress(by domain.NIP, id uuid.UUID, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if by != r.employee {
		return nil, domain.Errorf(domain.Forbidden, "only the employee submits their daily progress log").WithRule(RuleActor)
	}
	if err := r.checkLog(id, LogDraft); err != nil {
		return nil, err
	}
	return []Event{DailyProgressSubmitted{Log: id, At: at}}, nil
}

// ReviewDailyProgress approves or rejects a submitted entry; a rejection
// needs a comment. Errors: Forbidden for anyone but the evaluator (the
// direct superior); NotFound; Invalid unless submitted.
func (r *Record) ReviewDailyProgress(by domain.NIP, id uuid.UUID, approve bool, comment string, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if by != r.evaluator {
		return nil, domain.Errorf(domain.Forbidden, "only the direct superior %s reviews this daily progress log", r.evaluator).WithRule(RuleActor)
	}
	if err := r.checkLog(id, LogSubmitted); err != nil {
		return nil, err
	}
	if approve {
		return []Event{DailyProgressApproved{Log: id, By: by, Comment: comment, At: at}}, nil
	}
	if strings.TrimSpace(comment) == "" {
		return nil, domain.Errorf(domain.Invalid, "say why the entry is rejected").WithField("comment").WithRule(RuleRequired)
	}
	return []Event{DailyProgressRejected{Log: id, By: by, Comment: comment, At: at}}, nil
}

// Rederivation is a published replay's basis for one IKI in one period:
// the indicator it revises and the direction, formula and target that now
// measure the realisation.
type Rederivation struct {
	IKI       uuid.UUID
	Period    string
	Indicator uuid.UUID
	Direction indicator.Direction
	Formula   indicator.Formula
	Target    indicator.Target
}

// RederiveAchievement applies a published replay's indicator revision to
// the current realisation of an IKI in a period: the achievement is
// computed again on the new basis, and later corrections are measured on it
// too. A value the basis cannot measure is recorded with its problem, as
// the replay reported it. Re-deriving on the basis already in force decides
// nothing. Errors: NotFound for a record not opened; Invalid for a replay
// without id or digest, an IKI and period with no realisation, an unknown
// direction, or a formula that does not measure the direction.
func (r *Record) RederiveAchievement(by domain.NIP, ref replay.Ref, x Rederivation, at time.Time) ([]Event, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	cur, ok := r.current[key(x.IKI, x.Period)]
	switch {
	case !ok:
		return nil, domain.Errorf(domain.Invalid, "IKI %s has no realisation for %q to re-derive", x.IKI, x.Period).WithField("iki_id").WithRule(RuleRealisationIKI)
	case !x.Direction.Valid():
		return nil, domain.Errorf(domain.Invalid, "the direction must be HIGHER_IS_BETTER, LOWER_IS_BETTER or RANGE, not %q", x.Direction).
			WithField("direction").WithRule(indicator.RuleDirection)
	case x.Formula.Direction() != x.Direction:
		return nil, domain.Errorf(domain.Invalid, "formula %q does not measure %s", x.Formula, x.Direction).WithField("formula").WithRule(indicator.RuleFormula)
	}
	if b, ok := r.bases[key(x.IKI, x.Period)]; ok && b.Realisation == cur && b.Direction == x.Direction && b.Formula == x.Formula && b.Target == x.Target {
		return nil, nil
	}
	var value float64
	for _, rr := range r.realisations {
		if rr.Realisation != cur {
			continue
		}
		if rr.Indicator != nil && *rr.Indicator != x.Indicator {
			return nil, domain.Errorf(domain.Invalid, "the realisation of IKI %s for %q measures indicator %s, not %s", x.IKI, x.Period, *rr.Indicator, x.Indicator).
				WithField("indicator_id").WithRule(RuleRealisationIKI)
		}
		value = rr.Value
	}
	e := AchievementRederived{IKI: x.IKI, Period: x.Period, Realisation: cur, Indicator: x.Indicator, Direction: x.Direction,
		Formula: x.Formula, Target: x.Target, Replay: ref, By: by, At: at}
	if pct, err := indicator.Compute(x.Formula, x.Target, value); err != nil {
		e.Problem = err.Error()
	} else {
		e.Percent = pct
	}
	return []Event{e}, nil
}
