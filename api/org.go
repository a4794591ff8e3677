package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/org"
	"github.com/kinerja/kinerja/eventstore"
)

// employeeNIP reads the {nip} path parameter.
func employeeNIP(r *http.Request) (domain.NIP, error) {
	return parseNIP("nip", r.PathValue("nip"), false)
}

func employeeTarget(n domain.NIP) target[org.Event] {
	return target[org.Event]{stream: org.EmployeeStream(n), decode: org.Decode, id: string(n)}
}

type registerEmployeeRequest struct {
	NIP          string              `json:"nip"`
	EmployeeType domain.EmployeeType `json:"employee_type"`
	Name         string              `json:"name"`
	BirthDate    string              `json:"birth_date,omitempty"` // from the HR master record; empty takes the NIP's
	Sex          domain.Sex          `json:"sex,omitempty"`
	TMT          string              `json:"tmt"`
	LegacyNIP    string              `json:"legacy_nip,omitempty"`
}

// registerEmployee registers an employee under their NIP (HR).
func (s *server) registerEmployee(w http.ResponseWriter, r *http.Request, c command, req registerEmployeeRequest) {
	n, err := parseNIP("nip", req.NIP, false)
	birth, errB := parseDate("birth_date", req.BirthDate, true)
	tmt, errT := parseDate("tmt", req.TMT, false)
	if err := errOr(err, errB, errT); err != nil {
		s.writeError(w, r, err)
		return
	}
	t := employeeTarget(n)
	t.location = "/v1/employees/" + string(n)
	execute(s, w, r, c, t, func(h eventstore.History[org.Event]) ([]org.Event, error) {
		return org.ReplayEmployee(h.Events).Register(req.NIP, req.EmployeeType, req.Name, birth, req.Sex, tmt, req.LegacyNIP, c.by, c.at)
	})
}

type placeEmployeeRequest struct {
	UnitID            uuid.UUID        `json:"unit_id"`
	PositionID        string           `json:"position_id"`
	PositionName      string           `json:"position_name"`
	PositionType      org.PositionType `json:"position_type"`
	JFLevel           string           `json:"jf_level,omitempty"`
	DirectSuperiorNIP string           `json:"direct_superior_nip,omitempty"`
	SuperiorTitle     string           `json:"superior_title,omitempty"`
	EffectiveFrom     string           `json:"effective_from"`
}

// placeEmployee places an employee in a unit and position (HR). The unit
// must exist on the effective date.
func (s *server) placeEmployee(w http.ResponseWriter, r *http.Request, c command, req placeEmployeeRequest) {
	n, err := employeeNIP(r)
	from, errF := parseDate("effective_from", req.EffectiveFrom, false)
	sup, errS := parseNIP("direct_superior_nip", req.DirectSuperiorNIP, true)
	if err := errOr(err, errF, errS); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := org.Placement{Unit: req.UnitID, Position: req.PositionID, PositionName: req.PositionName, PositionType: req.PositionType,
		JFLevel: req.JFLevel, DirectSuperior: sup, SuperiorTitle: req.SuperiorTitle, EffectiveFrom: from}
	execute(s, w, r, c, employeeTarget(n), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		if req.UnitID != uuid.Nil {
			u, err := loadFact(r.Context(), s, org.UnitStream(req.UnitID), org.Decode, "unit_id", "unit")
			if err != nil {
				return nil, err
			}
			if !org.ReplayUnit(u.Events).ExistsOn(from) {
				return nil, domain.Errorf(domain.Invalid, "unit %s does not exist on %s", req.UnitID, from.Format(time.DateOnly)).WithField("unit_id").WithRule(org.RuleUnit)
			}
		}
		return org.ReplayEmployee(h.Events).Place(p, c.by, c.at)
	})
}

type appointPNSRequest struct {
	TMTPNS      string `json:"tmt_pns"`
	DecisionRef string `json:"decision_ref"`
}

// appointPNS appoints a CPNS as PNS (HR).
func (s *server) appointPNS(w http.ResponseWriter, r *http.Request, c command, req appointPNSRequest) {
	n, err := employeeNIP(r)
	tmt, errT := parseDate("tmt_pns", req.TMTPNS, false)
	if err := errOr(err, errT); err != nil {
		s.writeError(w, r, err)
		return
	}
	execute(s, w, r, c, employeeTarget(n), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		return org.ReplayEmployee(h.Events).AppointPNS(tmt, req.DecisionRef, c.by, c.at)
	})
}

type leaveRequest struct {
	Reason      org.LeaveReason `json:"reason"`
	LastDay     string          `json:"last_day"`
	DecisionRef string          `json:"decision_ref"`
}

// leave ends an employee's service (HR).
func (s *server) leave(w http.ResponseWriter, r *http.Request, c command, req leaveRequest) {
	n, err := employeeNIP(r)
	last, errL := parseDate("last_day", req.LastDay, false)
	if err := errOr(err, errL); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = string(req.Reason)
	execute(s, w, r, c, employeeTarget(n), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		return org.ReplayEmployee(h.Events).Leave(req.Reason, last, req.DecisionRef, c.by, c.at)
	})
}

type employeeView struct {
	NIP        domain.NIP              `json:"nip"`
	Type       domain.EmployeeType     `json:"employee_type"`
	Name       string                  `json:"name"`
	Registered *org.EmployeeRegistered `json:"registered"`
	Placements []org.Placement         `json:"placements"`
	Left       *org.EmployeeLeft       `json:"left,omitempty"`
}

// getEmployee reads an employee from their stream. Employees read their own
// record; an evaluator also reads the records of those placed under them.
func (s *server) getEmployee(w http.ResponseWriter, r *http.Request) {
	n, err := employeeNIP(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, string(n), org.EmployeeStream(n), org.Decode,
		func(c Caller, h eventstore.History[org.Event]) error {
			x := org.ReplayEmployee(h.Events)
			if c.NIP == n {
				return nil
			}
			if p := x.Placements(); c.Has(RoleEvaluator) && len(p) > 0 && p[len(p)-1].DirectSuperior == c.NIP {
				return nil
			}
			return forbidRead("employee record")
		},
		func(h eventstore.History[org.Event]) any {
			x := org.ReplayEmployee(h.Events)
			v := employeeView{NIP: x.NIP(), Type: x.Type(), Name: x.Name(), Placements: x.Placements()}
			for _, e := range h.Events {
				switch e := e.(type) {
				case org.EmployeeRegistered:
					v.Registered = &e
				case org.EmployeeLeft:
					v.Left = &e
				}
			}
			return v
		})
}

func unitTarget(id uuid.UUID) target[org.Event] {
	return target[org.Event]{stream: org.UnitStream(id), decode: org.Decode, id: id.String()}
}

type defineUnitRequest struct {
	Name          string     `json:"name"`
	ParentUnitID  *uuid.UUID `json:"parent_unit_id,omitempty"` // absent for the instansi itself
	EffectiveFrom string     `json:"effective_from"`
}

// defineUnit defines a new organisational unit (HR); its id derives from
// the command.
func (s *server) defineUnit(w http.ResponseWriter, r *http.Request, c command, req defineUnitRequest) {
	from, err := parseDate("effective_from", req.EffectiveFrom, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("unit")
	var parent uuid.UUID
	if req.ParentUnitID != nil {
		parent = *req.ParentUnitID
	}
	t := unitTarget(id)
	t.location = "/v1/units/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[org.Event]) ([]org.Event, error) {
		if err := s.checkParentUnit(r, parent, from); err != nil {
			return nil, err
		}
		return org.ReplayUnit(h.Events).Define(id, req.Name, parent, from, c.by, c.at)
	})
}

// checkParentUnit checks that parent (uuid.Nil for none) exists on day.
func (s *server) checkParentUnit(r *http.Request, parent uuid.UUID, day time.Time) error {
	if parent == uuid.Nil {
		return nil
	}
	h, err := loadFact(r.Context(), s, org.UnitStream(parent), org.Decode, "parent_unit_id", "parent unit")
	if err != nil {
		return err
	}
	if !org.ReplayUnit(h.Events).ExistsOn(day) {
		return domain.Errorf(domain.Invalid, "the parent unit %s does not exist on %s", parent, day.Format(time.DateOnly)).WithField("parent_unit_id").WithRule(org.RuleUnitParent)
	}
	return nil
}

type restructureUnitRequest struct {
	Name          string     `json:"name"`
	ParentUnitID  *uuid.UUID `json:"parent_unit_id,omitempty"`
	EffectiveFrom string     `json:"effective_from"`
	Reason        string     `json:"reason"`
}

// restructureUnit renames a unit or moves it (HR).
func (s *server) restructureUnit(w http.ResponseWriter, r *http.Request, c command, req restructureUnitRequest) {
	id, err := pathUUID(r, "id")
	from, errF := parseDate("effective_from", req.EffectiveFrom, false)
	if err := errOr(err, errF); err != nil {
		s.writeError(w, r, err)
		return
	}
	var parent uuid.UUID
	if req.ParentUnitID != nil {
		parent = *req.ParentUnitID
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, unitTarget(id), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		if err := s.checkParentUnit(r, parent, from); err != nil {
			return nil, err
		}
		return org.ReplayUnit(h.Events).Restructure(req.Name, parent, from, req.Reason, c.by, c.at)
	})
}

type appointHeadRequest struct {
	HeadNIP       string `json:"head_nip"`
	EffectiveFrom string `json:"effective_from"`
	DecisionRef   string `json:"decision_ref"`
}

// appointHead appoints a unit's head (HR).
func (s *server) appointHead(w http.ResponseWriter, r *http.Request, c command, req appointHeadRequest) {
	id, err := pathUUID(r, "id")
	head, errH := parseNIP("head_nip", req.HeadNIP, false)
	from, errF := parseDate("effective_from", req.EffectiveFrom, false)
	if err := errOr(err, errH, errF); err != nil {
		s.writeError(w, r, err)
		return
	}
	execute(s, w, r, c, unitTarget(id), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		return org.ReplayUnit(h.Events).AppointHead(head, from, req.DecisionRef, c.by, c.at)
	})
}

type dissolveUnitRequest struct {
	LastDay string `json:"last_day"`
	Reason  string `json:"reason"`
}

// dissolveUnit ends a unit (HR).
func (s *server) dissolveUnit(w http.ResponseWriter, r *http.Request, c command, req dissolveUnitRequest) {
	id, err := pathUUID(r, "id")
	last, errL := parseDate("last_day", req.LastDay, false)
	if err := errOr(err, errL); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, unitTarget(id), func(h eventstore.History[org.Event]) ([]org.Event, error) {
		return org.ReplayUnit(h.Events).Dissolve(last, req.Reason, c.by, c.at)
	})
}

type unitView struct {
	ID        uuid.UUID          `json:"unit_id"`
	Shapes    []unitShapeView    `json:"shapes"`
	Heads     []org.Head         `json:"heads"`
	Dissolved *org.UnitDissolved `json:"dissolved,omitempty"`
}

type unitShapeView struct {
	Name          string     `json:"name"`
	ParentUnitID  *uuid.UUID `json:"parent_unit_id,omitempty"`
	EffectiveFrom time.Time  `json:"effective_from"`
}

// getUnit reads a unit from its stream. The organisation chart is not
// personal data: every role reads it.
func (s *server) getUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), org.UnitStream(id), org.Decode,
		func(Caller, eventstore.History[org.Event]) error { return nil },
		func(h eventstore.History[org.Event]) any {
			u := org.ReplayUnit(h.Events)
			v := unitView{ID: u.ID(), Heads: u.Heads()}
			shape := func(name string, parent uuid.UUID, from time.Time) {
				sv := unitShapeView{Name: name, EffectiveFrom: from}
				if parent != uuid.Nil {
					sv.ParentUnitID = &parent
				}
				v.Shapes = append(v.Shapes, sv)
			}
			for _, e := range h.Events {
				switch e := e.(type) {
				case org.UnitDefined:
					shape(e.Name, e.Parent, e.EffectiveFrom)
				case org.UnitRestructured:
					shape(e.Name, e.Parent, e.EffectiveFrom)
				case org.UnitDissolved:
					v.Dissolved = &e
				}
			}
			return v
		})
}
