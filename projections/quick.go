package projections

import (
	gojson "github.com/goccy/go-json"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/skp"
)

// quickTypes are the event types of a performance year that the read models
// read and that cost the most to decode, by count times size (realisations
// and daily progress: two thirds of a year's events and most of its bytes;
// then amendments, indicator revisions and definitions, which carry whole
// RHK, IKI and formula documents), with a decoder for the replay pipeline.
var quickTypes = map[string]func([]byte) (any, error){
	skp.AmendmentProposed{}.EventType():            quickInto[skp.AmendmentProposed],
	skp.AmendmentApproved{}.EventType():            quickInto[skp.AmendmentApproved],
	skp.AmendmentReturned{}.EventType():            quickInto[skp.AmendmentReturned],
	skp.Drafted{}.EventType():                      quickInto[skp.Drafted],
	skp.RHKAdded{}.EventType():                     quickInto[skp.RHKAdded],
	skp.IKIAdded{}.EventType():                     quickInto[skp.IKIAdded],
	indicator.Defined{}.EventType():                quickInto[indicator.Defined],
	indicator.Revised{}.EventType():                quickInto[indicator.Revised],
	evaluation.Opened{}.EventType():                quickInto[evaluation.Opened],
	execution.RealisationReported{}.EventType():    quickInto[execution.RealisationReported],
	execution.DailyProgressLogged{}.EventType():    quickInto[execution.DailyProgressLogged],
	execution.DailyProgressSubmitted{}.EventType(): quickInto[execution.DailyProgressSubmitted],
	execution.DailyProgressApproved{}.EventType():  quickInto[execution.DailyProgressApproved],
	execution.DailyProgressRejected{}.EventType():  quickInto[execution.DailyProgressRejected],
}

// quickDecode decodes the bodies of quickTypes for the replay pipeline with
// github.com/goccy/go-json, a decoder compatible with encoding/json and
// faster than it, into the same domain structs the domain's Decode fills.
// For any other type, or a body it refuses, it returns false, and the
// caller decodes with the domain's Decode as usual (which then gives the
// error Body gives). Where it returns true, the body equals what the
// domain's Decode returns for the same bytes (TestQuickDecodeMatchesDomain,
// TestQuickDecodeWorkload, FuzzQuickDecode).
func quickDecode(eventType string, data []byte) (any, bool) {
	decode, ok := quickTypes[eventType]
	if !ok {
		return nil, false
	}
	body, err := decode(data)
	return body, err == nil
}

func quickInto[E any](data []byte) (any, error) {
	var e E
	if err := gojson.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return e, nil
}
