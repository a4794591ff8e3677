package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/year"
	"github.com/kinerja/kinerja/eventstore"
)

type openYearRequest struct {
	InstansiID      string       `json:"instansi_id"`
	Year            int          `json:"year"`
	PeriodicCadence year.Cadence `json:"periodic_cadence"`
}

// openYear opens an instansi's performance year (HR).
func (s *server) openYear(w http.ResponseWriter, r *http.Request, c command, req openYearRequest) {
	// The stream is named after the instansi: check the input on an empty
	// year first, so a bad code is refused in the words of the field.
	if _, err := new(year.Year).Open(req.InstansiID, req.Year, req.PeriodicCadence, c.by, c.at); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := fmt.Sprintf("%s/%d", req.InstansiID, req.Year)
	t := target[year.Event]{stream: year.Stream(req.InstansiID, req.Year), decode: year.Decode, id: id, location: "/v1/years/" + id}
	execute(s, w, r, c, t, func(h eventstore.History[year.Event]) ([]year.Event, error) {
		return year.Replay(h.Events).Open(req.InstansiID, req.Year, req.PeriodicCadence, c.by, c.at)
	})
}

// yearPath reads {instansi} and {year}.
func yearPath(r *http.Request) (string, int, error) {
	inst := r.PathValue("instansi")
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 1 {
		return "", 0, domain.Errorf(domain.Invalid, "year %q in the path is not a year", r.PathValue("year")).WithField("year")
	}
	if err := eventstore.ValidateStream(year.Stream(inst, y)); err != nil {
		return "", 0, domain.Errorf(domain.Invalid, "%q is not an instansi code; use lower-case letters, digits and hyphens", inst).WithField("instansi")
	}
	return inst, y, nil
}

// closeYear closes a performance year after it ends (HR).
func (s *server) closeYear(w http.ResponseWriter, r *http.Request, c command, _ empty) {
	inst, y, err := yearPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := target[year.Event]{stream: year.Stream(inst, y), decode: year.Decode, id: fmt.Sprintf("%s/%d", inst, y)}
	execute(s, w, r, c, t, func(h eventstore.History[year.Event]) ([]year.Event, error) {
		return year.Replay(h.Events).Close(c.by, c.at)
	})
}

type yearView struct {
	InstansiID      string        `json:"instansi_id"`
	Year            int           `json:"year"`
	PeriodicCadence year.Cadence  `json:"periodic_cadence"`
	Periods         []year.Period `json:"periods"`
	Closed          bool          `json:"closed"`
}

// getYear reads a performance year; every role may.
func (s *server) getYear(w http.ResponseWriter, r *http.Request) {
	inst, y, err := yearPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, fmt.Sprintf("%s/%d", inst, y), year.Stream(inst, y), year.Decode,
		func(Caller, eventstore.History[year.Event]) error { return nil },
		func(h eventstore.History[year.Event]) any {
			x := year.Replay(h.Events)
			return yearView{InstansiID: x.Instansi(), Year: x.Number(), PeriodicCadence: x.Cadence(), Periods: x.Periods(), Closed: x.Closed()}
		})
}

func indicatorTarget(id uuid.UUID) target[indicator.Event] {
	return target[indicator.Event]{stream: indicator.Stream(id), decode: indicator.Decode, id: id.String()}
}

type defineIndicatorRequest struct {
	// Code is an optional stable short name; an indicator with a code gets
	// the id every installation gives that code (see indicator.PresetID).
	Code       string               `json:"code,omitempty"`
	Definition indicator.Definition `json:"definition"`
	ValidFrom  string               `json:"valid_from"`
}

// defineIndicator adds an indicator to the catalogue (HR).
func (s *server) defineIndicator(w http.ResponseWriter, r *http.Request, c command, req defineIndicatorRequest) {
	from, err := parseDate("valid_from", req.ValidFrom, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := c.newID("indicator")
	if req.Code != "" {
		id = indicator.PresetID(req.Code)
	}
	t := indicatorTarget(id)
	t.location = "/v1/indicators/" + id.String()
	execute(s, w, r, c, t, func(h eventstore.History[indicator.Event]) ([]indicator.Event, error) {
		return indicator.Replay(h.Events).Define(id, req.Code, req.Definition, from, c.by, c.at)
	})
}

type reviseIndicatorRequest struct {
	Definition indicator.Definition `json:"definition"`
	ValidFrom  string               `json:"valid_from"`
	Reason     string               `json:"reason"`
}

// reviseIndicator adds a version to an indicator, approved by the caller (HR).
func (s *server) reviseIndicator(w http.ResponseWriter, r *http.Request, c command, req reviseIndicatorRequest) {
	id, err := pathUUID(r, "id")
	from, errF := parseDate("valid_from", req.ValidFrom, false)
	if err := errOr(err, errF); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, indicatorTarget(id), func(h eventstore.History[indicator.Event]) ([]indicator.Event, error) {
		return indicator.Replay(h.Events).Revise(req.Definition, from, req.Reason, c.by, c.at)
	})
}

type retireIndicatorRequest struct {
	ValidTo       string     `json:"valid_to"`
	ReplacementID *uuid.UUID `json:"replacement_id,omitempty"`
	Reason        string     `json:"reason"`
}

// retireIndicator ends an indicator (HR).
func (s *server) retireIndicator(w http.ResponseWriter, r *http.Request, c command, req retireIndicatorRequest) {
	id, err := pathUUID(r, "id")
	to, errT := parseDate("valid_to", req.ValidTo, false)
	if err := errOr(err, errT); err != nil {
		s.writeError(w, r, err)
		return
	}
	var repl uuid.UUID
	if req.ReplacementID != nil {
		repl = *req.ReplacementID
	}
	c.cmd.Metadata.Reason = req.Reason
	execute(s, w, r, c, indicatorTarget(id), func(h eventstore.History[indicator.Event]) ([]indicator.Event, error) {
		if repl != uuid.Nil {
			if _, err := loadFact(r.Context(), s, indicator.Stream(repl), indicator.Decode, "replacement_id", "replacement indicator"); err != nil {
				return nil, err
			}
		}
		return indicator.Replay(h.Events).Retire(to, repl, req.Reason, c.by, c.at)
	})
}

type indicatorView struct {
	ID            uuid.UUID          `json:"indicator_id"`
	Code          string             `json:"code,omitempty"`
	Versions      []indicatorVersion `json:"versions"`
	Retired       bool               `json:"retired"`
	ValidTo       *time.Time         `json:"valid_to,omitempty"`
	ReplacementID *uuid.UUID         `json:"replacement_id,omitempty"`
}

type indicatorVersion struct {
	Number     int                  `json:"version"`
	Definition indicator.Definition `json:"definition"`
	ValidFrom  time.Time            `json:"valid_from"`
	Reason     string               `json:"reason,omitempty"`
	ApprovedBy domain.NIP           `json:"approved_by"`
}

// getIndicator reads an indicator with all its versions; every role may.
func (s *server) getIndicator(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	readAggregate(s, w, r, id.String(), indicator.Stream(id), indicator.Decode,
		func(Caller, eventstore.History[indicator.Event]) error { return nil },
		func(h eventstore.History[indicator.Event]) any {
			x := indicator.Replay(h.Events)
			v := indicatorView{ID: x.ID(), Code: x.Code()}
			for _, ver := range x.Versions() {
				v.Versions = append(v.Versions, indicatorVersion{Number: ver.Number, Definition: ver.Definition, ValidFrom: ver.ValidFrom, Reason: ver.Reason, ApprovedBy: ver.ApprovedBy})
			}
			if to, repl, ok := x.Retired(); ok {
				v.Retired, v.ValidTo = true, &to
				if repl != uuid.Nil {
					v.ReplacementID = &repl
				}
			}
			return v
		})
}
