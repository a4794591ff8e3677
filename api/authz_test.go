package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestRoleGate sends every command and read of the route table with a token
// of every role: a role the route is not for is refused before anything is
// read or decided, and appends nothing; a role it is for gets past the gate.
func TestRoleGate(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	fill := strings.NewReplacer("{id}", uuid.NewString(), "{nip}", string(ani.NIP), "{rhk_id}", uuid.NewString(), "{iki_id}", uuid.NewString(),
		"{log_id}", uuid.NewString(), "{period_id}", "2026", "{instansi}", "kab-contoh", "{year}", "2026")
	s := &server{}
	for _, rt := range s.resourceRoutes() {
		path := "/v1" + fill.Replace(rt.path)
		for _, role := range Roles {
			allowed := slices.Contains(rt.roles, role)
			t.Run(rt.method+" "+rt.path+" as "+string(role), func(t *testing.T) {
				head := f.head(t)
				var body any
				if rt.method == http.MethodPost {
					body = map[string]any{}
				}
				r := f.call(t, Caller{NIP: budi.NIP, Roles: []Role{role}}, rt.method, path, body)
				var p problem
				_ = json.Unmarshal(r.body, &p) // a success is not a problem; p stays empty
				switch {
				case !allowed:
					refused(t, r, http.StatusForbidden, "", "role")
				case r.status == http.StatusForbidden && p.Rule == "role":
					t.Errorf("%s is for %v, but %s was refused at the gate", rt.path, rt.roles, role)
				}
				if h := f.head(t); h != head && !allowed {
					t.Errorf("a refused command moved the log head from %v to %v", head, h)
				}
			})
		}
	}
}

// TestOwnRecords checks the relations the ledger itself decides: employees
// read and act on their own records, evaluators on those that name them,
// HR, auditors and administrators read everything; a refusal appends
// nothing.
func TestOwnRecords(t *testing.T) {
	f := newAPIFixture(t, day(2026, 1, 2))
	o := seedOrg(t, f)
	plans := seedPlans(t, f)
	aniSKP, budiSKP := plans[ani.NIP].id, plans[budi.NIP].id
	ev := f.must(t, http.StatusCreated, kabid, "POST", "/v1/evaluations", map[string]any{"skp_id": aniSKP, "unit_id": o.bidang, "period_id": "2026-Q1"}).str(t, "id")
	evidence := map[string]any{"sha256": strings.Repeat("ab", 32), "kind": "LINK", "uri": "https://arsip.example/1"}

	tests := []struct {
		name   string
		who    Caller
		method string
		path   string
		body   any
		status int
	}{
		{"employee reads own SKP", ani, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"employee reads another's SKP", budi, "GET", "/v1/skps/" + aniSKP, nil, 403},
		{"evaluator reads a subordinate's SKP", kabid, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"evaluator's superior reads the SKP", kadis, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"evaluator not named reads the SKP", sekda, "GET", "/v1/skps/" + aniSKP, nil, 403},
		{"HR reads any SKP", hrStaff, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"auditor reads any SKP", auditor, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"admin reads any SKP", admin, "GET", "/v1/skps/" + aniSKP, nil, 200},
		{"employee reads own record", ani, "GET", "/v1/employees/" + string(ani.NIP), nil, 200},
		{"employee reads another's record", budi, "GET", "/v1/employees/" + string(ani.NIP), nil, 403},
		{"evaluator reads a subordinate's record", kabid, "GET", "/v1/employees/" + string(ani.NIP), nil, 200},
		{"evaluator reads a stranger's record", sekda, "GET", "/v1/employees/" + string(ani.NIP), nil, 403},
		{"employee reads own evaluation", ani, "GET", "/v1/evaluations/" + ev, nil, 200},
		{"employee reads another's evaluation", citra, "GET", "/v1/evaluations/" + ev, nil, 403},
		{"designated evaluator reads the evaluation", kabid, "GET", "/v1/evaluations/" + ev, nil, 200},
		{"evaluator not named reads the evaluation", sekda, "GET", "/v1/evaluations/" + ev, nil, 403},
		{"auditor reads the evaluation", auditor, "GET", "/v1/evaluations/" + ev, nil, 200},
		{"employee reads another's follow-up", budi, "GET", "/v1/employees/" + string(ani.NIP) + "/follow-up", nil, 403},
		{"employee submits another's SKP", budi, "POST", "/v1/skps/" + aniSKP + "/submit", nil, 403},
		{"evaluator not designated approves", kadis, "POST", "/v1/skps/" + aniSKP + "/approve", map[string]any{}, 403},
		{"employee attaches evidence to another's SKP", budi, "POST", "/v1/skps/" + aniSKP + "/evidence", evidence, 403},
		{"employee attaches evidence to own SKP", budi, "POST", "/v1/skps/" + budiSKP + "/evidence", evidence, 200},
		{"evaluator gives feedback to a stranger's SKP", sekda, "POST", "/v1/skps/" + aniSKP + "/feedback", map[string]any{"core_value": "LOYAL", "text": "x"}, 403},
		{"employee self-assesses another's evaluation", budi, "POST", "/v1/evaluations/" + ev + "/self-assessment", map[string]any{"notes": "x"}, 403},
		{"employee self-assesses own evaluation", ani, "POST", "/v1/evaluations/" + ev + "/self-assessment", map[string]any{"notes": "target tercapai"}, 200},
		{"auditor writes", auditor, "POST", "/v1/evaluations/" + ev + "/self-assessment", map[string]any{"notes": "x"}, 403},
		{"evaluator not named decides follow-up", sekda, "POST", "/v1/employees/" + string(ani.NIP) + "/follow-up/rewards", map[string]any{"evaluation_id": ev, "type": "TALENT_POOL", "legal_basis": "PP 30/2019", "decision_ref": "SK-9"}, 403},
		{"employee decides own follow-up", Caller{NIP: ani.NIP, Roles: []Role{RoleHR}}, "POST", "/v1/employees/" + string(ani.NIP) + "/follow-up/rewards", map[string]any{"evaluation_id": ev, "type": "TALENT_POOL", "legal_basis": "PP 30/2019", "decision_ref": "SK-9"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := f.head(t)
			r := f.call(t, tt.who, tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == http.StatusForbidden {
				refused(t, r, http.StatusForbidden, "", "")
				if h := f.head(t); h != head {
					t.Errorf("a refused command moved the log head from %v to %v", head, h)
				}
			}
		})
	}
}
