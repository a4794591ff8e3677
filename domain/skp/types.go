package skp

import (
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
)

// Status is the stage of an SKP in its life cycle (§6.1).
type Status string

// Statuses of an SKP. APPROVED is the active, approved plan.
const (
	StatusDraft             Status = "DRAFT"
	StatusSubmitted         Status = "SUBMITTED"
	StatusApproved          Status = "APPROVED"
	StatusAmendmentProposed Status = "AMENDMENT_PROPOSED"
	StatusClosed            Status = "CLOSED"
)

// Approach is the SKP approach chosen at drafting.
type Approach string

// Approaches of an SKP.
const (
	Quantitative Approach = "KUANTITATIF"
	Qualitative  Approach = "KUALITATIF"
)

// Valid reports whether a is one of the two approaches.
func (a Approach) Valid() bool { return a == Quantitative || a == Qualitative }

// RHKKind says whether an RHK is a main or an additional work result.
type RHKKind string

// Kinds of RHK.
const (
	Utama    RHKKind = "UTAMA"
	Tambahan RHKKind = "TAMBAHAN"
)

// Valid reports whether k is UTAMA or TAMBAHAN.
func (k RHKKind) Valid() bool { return k == Utama || k == Tambahan }

// SourceKind is where a JPT's RHK comes from, since a JPT does not cascade
// from a superior's RHK.
type SourceKind string

// Sources of a JPT's RHK.
const (
	SourcePK         SourceKind = "PK"        // perjanjian kinerja
	SourceRenstra    SourceKind = "RENSTRA"   // rencana strategis
	SourceRKT        SourceKind = "RKT"       // rencana kerja tahunan
	SourceAssignment SourceKind = "PENUGASAN" // penugasan dari pimpinan
)

// Valid reports whether k is one of the recognised sources.
func (k SourceKind) Valid() bool {
	switch k {
	case SourcePK, SourceRenstra, SourceRKT, SourceAssignment:
		return true
	}
	return false
}

// CoreValue is one of the seven BerAKHLAK core values (SE MenPANRB 20/2021).
type CoreValue string

// The seven BerAKHLAK core values.
const (
	BerorientasiPelayanan CoreValue = "BERORIENTASI_PELAYANAN"
	Akuntabel             CoreValue = "AKUNTABEL"
	Kompeten              CoreValue = "KOMPETEN"
	Harmonis              CoreValue = "HARMONIS"
	Loyal                 CoreValue = "LOYAL"
	Adaptif               CoreValue = "ADAPTIF"
	Kolaboratif           CoreValue = "KOLABORATIF"
)

// CoreValues returns the seven BerAKHLAK values in their official order.
func CoreValues() []CoreValue {
	return []CoreValue{BerorientasiPelayanan, Akuntabel, Kompeten, Harmonis, Loyal, Adaptif, Kolaboratif}
}

// Valid reports whether v is one of the seven BerAKHLAK values.
func (v CoreValue) Valid() bool {
	for _, c := range CoreValues() {
		if v == c {
			return true
		}
	}
	return false
}

// CloseReason says why an SKP was closed.
type CloseReason string

// Reasons to close an SKP.
const (
	CloseYearEnd        CloseReason = "YEAR_END"
	ClosePositionChange CloseReason = "POSITION_CHANGE"
	CloseSuperiorChange CloseReason = "SUPERIOR_CHANGE"
	CloseRetirement     CloseReason = "RETIREMENT"
	CloseTermination    CloseReason = "TERMINATION"
)

// Valid reports whether r is a recognised reason.
func (r CloseReason) Valid() bool {
	switch r {
	case CloseYearEnd, ClosePositionChange, CloseSuperiorChange, CloseRetirement, CloseTermination:
		return true
	}
	return false
}

// ParentRef names the superior's RHK that an RHK intervenes (cascades from).
type ParentRef struct {
	SKP uuid.UUID `json:"skp_id"`
	RHK uuid.UUID `json:"rhk_id"`
}

// Source names the PK, Renstra, RKT or assignment a JPT's RHK comes from.
type Source struct {
	Kind      SourceKind `json:"kind"`
	Reference string     `json:"reference"` // e.g. "PK 2026 sasaran 2" or "penugasan dari Menteri"
}

// RHK is a planned work result (rencana hasil kerja).
type RHK struct {
	ID     uuid.UUID  `json:"rhk_id"`
	Kind   RHKKind    `json:"type"`
	Text   string     `json:"text"`
	Parent *ParentRef `json:"parent,omitempty"` // required below JPT
	Source *Source    `json:"source,omitempty"` // required for JPT
	// ValidFrom and ValidTo bound when the RHK is part of the plan: from the
	// SKP's start (or an amendment's effective date) until, exclusive, the
	// effective date of the amendment that removed it.
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
}

// IKI is an individual performance indicator of one RHK with its target.
type IKI struct {
	ID        uuid.UUID           `json:"iki_id"`
	RHK       uuid.UUID           `json:"rhk_id"`
	Text      string              `json:"text"`
	Aspect    indicator.Aspect    `json:"aspect"`
	Direction indicator.Direction `json:"direction"`
	Target    indicator.Target    `json:"target"`
	Unit      string              `json:"unit"`
	// Indicator and Version name the catalogue indicator the IKI measures,
	// when it uses one. The version is fixed at planning: a later revision
	// of the catalogue never rewrites this IKI.
	Indicator *uuid.UUID `json:"indicator_id,omitempty"`
	Version   int        `json:"indicator_version,omitempty"`
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
}

// ActiveOn reports whether the IKI is part of the plan on day d.
func (i IKI) ActiveOn(d time.Time) bool {
	return !d.Before(i.ValidFrom) && (i.ValidTo == nil || d.Before(*i.ValidTo))
}

// ActiveOn reports whether the RHK is part of the plan on day d.
func (r RHK) ActiveOn(d time.Time) bool {
	return !d.Before(r.ValidFrom) && (r.ValidTo == nil || d.Before(*r.ValidTo))
}

// Amendment is the set of changes an approved SKP amendment makes.
type Amendment struct {
	AddRHKs    []RHK       `json:"add_rhks,omitempty"`
	RemoveRHKs []uuid.UUID `json:"remove_rhks,omitempty"`
	AddIKIs    []IKI       `json:"add_ikis,omitempty"`
	RemoveIKIs []uuid.UUID `json:"remove_ikis,omitempty"`
}

// Period is a span of days of one SKP, used to check for overlaps.
type Period struct {
	SKP   uuid.UUID
	Start time.Time
	End   time.Time
}

// Placement is what the organisation says about the employee for the SKP's
// period, loaded by the application layer from the org aggregates.
type Placement struct {
	Active             bool       // registered and active for the whole period
	JPT                bool       // holds a Jabatan Pimpinan Tinggi
	DirectSuperior     domain.NIP // the designated evaluator (pejabat penilai kinerja)
	SuperiorOfSuperior domain.NIP // atasan pejabat penilai, who decides objections
}

// Plan is a read-only snapshot of an SKP that other aggregates take as a
// fact: the cascade check of a subordinate's RHK, realisations, evaluation.
type Plan struct {
	ID                uuid.UUID
	Employee          domain.NIP
	Evaluator         domain.NIP
	EvaluatorSuperior domain.NIP
	JPT               bool
	Status            Status
	Start, End        time.Time
	Approved          bool  // has been approved at least once (it may since be closed; see Status)
	RHKs              []RHK // in the approved (or draft) plan, including removed ones with ValidTo
	IKIs              []IKI // likewise
}

// RHK returns the RHK with the given id, and whether it exists.
func (p Plan) RHK(id uuid.UUID) (RHK, bool) {
	for _, r := range p.RHKs {
		if r.ID == id {
			return r, true
		}
	}
	return RHK{}, false
}

// IKI returns the IKI with the given id, and whether it exists.
func (p Plan) IKI(id uuid.UUID) (IKI, bool) {
	for _, i := range p.IKIs {
		if i.ID == id {
			return i, true
		}
	}
	return IKI{}, false
}

// Overlaps reports whether the plan's period shares a day with start..end.
func (p Plan) Overlaps(start, end time.Time) bool {
	return !start.After(p.End) && !p.Start.After(end)
}
