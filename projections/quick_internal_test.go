package projections

import (
	"reflect"
	"testing"
)

// quickCases are bodies in and out of the form json.Marshal writes, each
// with the type it is decoded as.
var quickCases = []struct {
	name, eventType, data string
	marshalled            bool // in json.Marshal's form: quickDecode must take it
}{
	{"realisation", "execution.realisation_reported",
		`{"realisation_id":"01000000-0000-4000-8000-0000000000bb","iki_id":"01000000-0000-4000-8000-000000000017","rhk_id":"01000000-0000-4000-8000-000000000016","period":{"period_id":"2026-Q2","start":"2026-04-01T00:00:00Z","end":"2026-06-30T00:00:00Z"},"value":23,"narrative":"laporan","evidence_refs":null,"by":"199001012023091296","at":"2026-01-03T03:32:32Z"}`, true},
	{"realisation with every field", "execution.realisation_reported",
		`{"realisation_id":"01000000-0000-4000-8000-0000000000bb","iki_id":"01000000-0000-4000-8000-000000000017","rhk_id":"01000000-0000-4000-8000-000000000016","period":{"period_id":"2026-Q2","start":"2026-04-01T00:00:00+07:00","end":"2026-06-30T00:00:00.5Z"},"value":-1.25e-3,"narrative":"laporan \u00e9","evidence_refs":["a","b"],"indicator_id":"01000000-0000-4000-8000-000000000001","indicator_version":3,"supersedes":"01000000-0000-4000-8000-0000000000aa","reason":"salah ketik","by":"199001012023091296","at":"2026-01-03T03:32:32.123456Z"}`, false}, // the \u escape
	{"realisation with every field, no escape", "execution.realisation_reported",
		`{"realisation_id":"01000000-0000-4000-8000-0000000000bb","iki_id":"01000000-0000-4000-8000-000000000017","rhk_id":"01000000-0000-4000-8000-000000000016","period":{"period_id":"2026-Q2","start":"2026-04-01T00:00:00+07:00","end":"2026-06-30T00:00:00.5Z"},"value":-1.25e-3,"narrative":"laporan é","evidence_refs":["a","b"],"indicator_id":"01000000-0000-4000-8000-000000000001","indicator_version":3,"supersedes":"01000000-0000-4000-8000-0000000000aa","reason":"salah ketik","by":"199001012023091296","at":"2026-01-03T03:32:32.123456Z"}`, true},
	{"empty evidence", "execution.realisation_reported", `{"value":0,"evidence_refs":[]}`, true},
	{"null pointers", "execution.realisation_reported", `{"indicator_id":null,"supersedes":null}`, true},
	{"empty object", "execution.daily_progress_logged", `{}`, true},
	{"logged", "execution.daily_progress_logged",
		`{"log_id":"01000000-0000-4000-8000-000000000154","date":"2026-07-07T00:00:00Z","rhk_id":"01000000-0000-4000-8000-00000000002a","description":"kegiatan","minutes":90,"at":"2026-01-04T03:27:09Z"}`, true},
	{"submitted", "execution.daily_progress_submitted", `{"log_id":"01000000-0000-4000-8000-000000000168","at":"2026-01-04T09:00:53Z"}`, true},
	{"approved", "execution.daily_progress_approved", `{"log_id":"01000000-0000-4000-8000-000000000154","by":"199001012017031075","at":"2026-01-05T07:44:34Z"}`, true},
	{"rejected", "execution.daily_progress_rejected", `{"log_id":"01000000-0000-4000-8000-000000000168","by":"199001012017031075","comment":"tanpa bukti","at":"2026-01-04T22:00:47Z"}`, true},
	{"whitespace", "execution.daily_progress_submitted", `{ "log_id":"01000000-0000-4000-8000-000000000168"}`, false},
	{"key in another case", "execution.daily_progress_submitted", `{"Log_ID":"01000000-0000-4000-8000-000000000168"}`, false},
	{"unknown key", "execution.daily_progress_submitted", `{"log_id":"01000000-0000-4000-8000-000000000168","extra":1}`, false},
	{"key twice", "execution.daily_progress_logged", `{"minutes":1,"minutes":2}`, false},
	{"trailing bytes", "execution.daily_progress_logged", `{"minutes":1} `, false},
	{"plus sign", "execution.daily_progress_logged", `{"minutes":+1}`, false},
	{"fraction into an int", "execution.daily_progress_logged", `{"minutes":1.5}`, false},
	{"leading zero", "execution.daily_progress_logged", `{"minutes":01}`, false},
	{"int overflow", "execution.daily_progress_logged", `{"minutes":99999999999999999999}`, false},
	{"float overflow", "execution.realisation_reported", `{"value":1e999}`, false},
	{"hex float", "execution.realisation_reported", `{"value":0x1p3}`, false},
	{"null string", "execution.daily_progress_logged", `{"description":null}`, false},
	{"null id", "execution.daily_progress_logged", `{"log_id":null}`, false},
	{"null time", "execution.daily_progress_logged", `{"at":null}`, false},
	{"null element", "execution.daily_progress_logged", `{"evidence_refs":[null]}`, false},
	{"bad uuid", "execution.daily_progress_logged", `{"log_id":"nope"}`, false},
	{"braced uuid", "execution.daily_progress_logged", `{"log_id":"{01000000-0000-4000-8000-000000000168}"}`, true},
	{"bad time", "execution.daily_progress_logged", `{"date":"7 July"}`, false},
	{"invalid utf-8", "execution.daily_progress_logged", "{\"description\":\"\xff\"}", false},
	{"control character", "execution.daily_progress_logged", "{\"description\":\"a\tb\"}", false},
	{"not an object", "execution.daily_progress_logged", `[]`, false},
	{"truncated", "execution.realisation_reported", `{"period":{"period_id":"2026-Q2"`, false},
	{"amendment", "skp.amendment_proposed",
		`{"by":"199001012023091296","reason":"perubahan target","effective_from":"2026-07-01T00:00:00Z","changes":{"add_rhks":[{"rhk_id":"01000000-0000-4000-8000-000000000016","type":"UTAMA","text":"RHK","parent":{"skp_id":"01000000-0000-4000-8000-000000000001","rhk_id":"01000000-0000-4000-8000-000000000002"},"valid_from":"2026-07-01T00:00:00Z","valid_to":"2026-12-31T00:00:00Z"}],"remove_rhks":["01000000-0000-4000-8000-000000000003"],"add_ikis":[{"iki_id":"01000000-0000-4000-8000-000000000017","rhk_id":"01000000-0000-4000-8000-000000000016","text":"IKI","aspect":"KUANTITAS","direction":"HIGHER_IS_BETTER","target":{"value":12,"min":0.5,"max":1e3},"unit":"dokumen","indicator_id":"01000000-0000-4000-8000-000000000001","indicator_version":2,"valid_from":"2026-07-01T00:00:00Z","valid_to":null}],"remove_ikis":["01000000-0000-4000-8000-000000000018"]},"at":"2026-06-20T03:32:32Z"}`, true},
	{"amendment without changes", "skp.amendment_proposed", `{"by":"199001012023091296","reason":"","effective_from":"2026-07-01T00:00:00Z","changes":{},"at":"2026-06-20T03:32:32Z"}`, true},
	{"amendment with empty lists", "skp.amendment_proposed", `{"changes":{"add_rhks":[],"add_ikis":[],"remove_ikis":null}}`, true},
	{"drafted (workload)", "skp.drafted",
		`{"skp_id":"01000000-0000-4000-8000-000000000015","nip":"199001012021071222","evaluator_nip":"196001012000011000","evaluator_superior_nip":"","jpt":false,"approach":"KUANTITATIF","period_start":"2026-01-01T00:00:00Z","period_end":"2026-12-31T00:00:00Z","at":"2026-01-02T10:51:39Z"}`, true},
	{"rhk added (workload)", "skp.rhk_added",
		`{"rhk":{"rhk_id":"01000000-0000-4000-8000-000000000016","type":"UTAMA","text":"Hasil kerja 199001012021071222","valid_from":"2026-01-01T00:00:00Z"},"at":"2026-01-02T10:57:59Z"}`, true},
	{"iki added (workload)", "skp.iki_added",
		`{"iki":{"iki_id":"01000000-0000-4000-8000-000000000017","rhk_id":"01000000-0000-4000-8000-000000000016","text":"Jumlah dokumen","aspect":"KUANTITAS","direction":"HIGHER_IS_BETTER","target":{"value":1},"unit":"dokumen","valid_from":"2026-01-01T00:00:00Z"},"at":"2026-01-02T11:07:40Z"}`, true},
	{"defined (workload)", "indicator.defined",
		`{"indicator_id":"01000000-0000-4000-8000-00000000001c","code":"01000000","definition":{"name":"Indikator","aspect":"KUANTITAS","unit_of_measure":"dokumen","direction":"HIGHER_IS_BETTER"},"valid_from":"2026-01-01T00:00:00Z","defined_by":"198505052010012001","at":"2026-01-02T11:34:47Z"}`, true},
	{"revised (workload)", "indicator.revised",
		`{"indicator_id":"01000000-0000-4000-8000-00000000001c","version":2,"definition":{"name":"Indikator","aspect":"KUANTITAS","unit_of_measure":"dokumen","direction":"HIGHER_IS_BETTER"},"changed":["direction"],"valid_from":"2026-07-01T00:00:00Z","reason":"revisi","approved_by":"198505052010012001","at":"2026-01-02T11:36:12Z"}`, true},
	{"opened (workload)", "evaluation.opened",
		`{"evaluation_id":"01000000-0000-4000-8000-00000000011b","nip":"199001012024101338","evaluator_nip":"199001012024101334","evaluator_superior_nip":"199001012024101333","skp_id":"01000000-0000-4000-8000-000000000091","unit_id":"01000000-0000-4000-8000-000000000013","period":{"period_id":"2026-Q2","start":"2026-04-01T00:00:00Z","end":"2026-06-30T00:00:00Z"},"unit_head":false,"policy_id":"permenpanrb-6-2022/se-3-2023","at":"2026-01-03T15:32:51Z"}`, true},
	{"amendment approved (workload)", "skp.amendment_approved",
		`{"approved_by":"199001012021071222","at":"2026-01-03T15:55:03Z"}`, true},
	{"amendment returned (workload)", "skp.amendment_returned",
		`{"by":"199001012024101334","comments":"tidak perlu","at":"2026-01-04T11:45:09Z"}`, true},
	{"other type", "execution.opened", `{}`, false},
}

// TestQuickDecodeMatchesDomain checks that quickDecode takes the bodies in
// json.Marshal's form, and decodes whatever it takes to exactly what the
// domain's Decode gives: it never takes a body the domain refuses.
func TestQuickDecodeMatchesDomain(t *testing.T) {
	for _, tt := range quickCases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := quickDecode(tt.eventType, []byte(tt.data))
			if tt.marshalled && !ok {
				t.Fatalf("quickDecode did not take %s, which json.Marshal writes", tt.data)
			}
			if ok {
				checkSameAsDomain(t, tt.eventType, []byte(tt.data), got)
			}
		})
	}
}

// FuzzQuickDecode checks that whatever quickDecode takes, the domain's
// Decode decodes to the same event.
func FuzzQuickDecode(f *testing.F) {
	for _, tt := range quickCases {
		f.Add(tt.eventType, []byte(tt.data))
	}
	f.Fuzz(func(t *testing.T, eventType string, data []byte) {
		if got, ok := quickDecode(eventType, data); ok {
			checkSameAsDomain(t, eventType, data, got)
		}
	})
}

func checkSameAsDomain(t *testing.T, eventType string, data []byte, got any) {
	t.Helper()
	want, err := decodeBody(eventType, data)
	if err != nil {
		t.Fatalf("quickDecode took %s, which the domain's Decode refuses: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("quickDecode(%s) = %#v, the domain's Decode %#v", data, got, want)
	}
}
