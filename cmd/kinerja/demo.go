package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/eventstore"
)

// The demo is one kecamatan's performance year 2026, told through the API:
// every event is a request of the person who would have made it, checked
// by the same validation and authorisation as any user's request.
const (
	demoInstansi = "kab-sindangsari"
	demoYear     = 2026
	demoPeriod   = "2026"
	// demoTokenTTL is how long the printed tokens stay valid.
	demoTokenTTL = 12 * time.Hour
	// demoBaseURL is the README's address of `kinerja serve`.
	demoBaseURL = "http://localhost:8080"
	// demoScanLimit bounds the search for the demo's evaluations in a ledger
	// that was not empty, so a large ledger that never held the demo is not
	// read whole at every start.
	demoScanLimit = 100_000
)

// demoUnit is a unit of the demo. predicate is the organisational predicate
// its parent unit's head sets for 2026; HR records the instansi's, which
// comes from the evaluation of its own performance.
type demoUnit struct {
	key, name, parent, head string
	predicate               policy.OrgPredicate
	basis                   string
}

// demoPerson is a person of the demo and the year they have. work and
// behaviour are the ratings their evaluator gives; empty leaves the
// evaluation open for a newcomer to rate. firstWork, when set, is the
// work-result rating given before the unit's distribution check failed.
type demoPerson struct {
	key, nip, name   string
	unit             string
	posID, posName   string
	posType, jfLevel string
	superior         string // key of the direct superior; empty above the ledger
	work, behaviour  policy.Rating
	firstWork        policy.Rating
}

// Short names for the ratings of the people table, after their official
// terms.
const (
	atas   = policy.AboveExpectation
	sesuai = policy.AsExpected
	bawah  = policy.BelowExpectation
)

// demoOrganisation returns the units and the people of the demo, each
// superior before their subordinates.
func demoOrganisation() ([]demoUnit, []demoPerson) {
	units := []demoUnit{
		{key: "pemkab", name: "Pemerintah Kabupaten Sindangsari", head: "sekda", predicate: policy.OrgBaik, basis: "hasil evaluasi SAKIP Kabupaten Sindangsari 2026 oleh Kementerian PANRB: BB"},
		{key: "kecamatan", name: "Kecamatan Sukamaju", parent: "pemkab", head: "camat", predicate: policy.OrgBaik, basis: "capaian perjanjian kinerja Kecamatan Sukamaju 2026: 97%"},
		{key: "sekretariat", name: "Sekretariat Kecamatan", parent: "kecamatan", head: "sekcam", predicate: policy.OrgBaik, basis: "capaian rencana aksi Sekretariat 2026: 95%"},
		{key: "pemerintahan", name: "Seksi Pemerintahan", parent: "kecamatan", head: "kasipem", predicate: policy.OrgBaik, basis: "capaian rencana aksi Seksi Pemerintahan 2026: 93%"},
		{key: "pelayanan", name: "Seksi Pelayanan Umum", parent: "kecamatan", head: "kasipu", predicate: policy.OrgIstimewa, basis: "capaian rencana aksi Seksi Pelayanan Umum 2026: 118%, IKM 91"},
		{key: "kesos", name: "Seksi Kesejahteraan Sosial", parent: "kecamatan", head: "kasikesos", predicate: policy.OrgBaik, basis: "capaian rencana aksi Seksi Kesejahteraan Sosial 2026: 96%"},
	}
	staff := func(key, nip, name, unit, superior, posName string, work, behaviour policy.Rating) demoPerson {
		return demoPerson{key: key, nip: nip, name: name, unit: unit, superior: superior, posID: key, posName: posName, posType: "PELAKSANA", work: work, behaviour: behaviour}
	}
	people := []demoPerson{
		{key: "pjbupati", nip: "196705201989031003", name: "Dr. Ir. Bambang Sutrisno, M.T.", unit: "pemkab", posID: "pj-bupati", posName: "Penjabat Bupati Sindangsari", posType: "JPT"},
		{key: "sekda", nip: "196903141994031005", name: "Drs. H. Asep Saepudin, M.Si.", unit: "pemkab", posID: "sekda", posName: "Sekretaris Daerah", posType: "JPT", superior: "pjbupati"},
		{key: "auditor", nip: "198207142008012004", name: "Rina Marlina, S.E., Ak.", unit: "pemkab", posID: "auditor-inspektorat", posName: "Auditor Ahli Muda (Inspektorat Daerah)", posType: "FUNGSIONAL", jfLevel: "AHLI_MUDA", superior: "sekda"},
		{key: "camat", nip: "197806222000121001", name: "Dedi Kurniawan, S.STP., M.Si.", unit: "kecamatan", posID: "camat", posName: "Camat Sukamaju", posType: "ADMINISTRATOR", superior: "sekda", work: sesuai, behaviour: atas},

		{key: "sekcam", nip: "197904152003122003", name: "Hj. Neneng Sumiati, S.Sos.", unit: "sekretariat", posID: "sekcam", posName: "Sekretaris Kecamatan", posType: "ADMINISTRATOR", superior: "camat", work: sesuai, behaviour: sesuai},
		{key: "kasipem", nip: "198006082005011006", name: "Ujang Suryana, S.IP.", unit: "pemerintahan", posID: "kasipem", posName: "Kepala Seksi Pemerintahan", posType: "PENGAWAS", superior: "camat", work: sesuai, behaviour: sesuai},
		{key: "kasipu", nip: "197712242003121003", name: "Tatang Sutisna, S.Sos.", unit: "pelayanan", posID: "kasipu", posName: "Kepala Seksi Pelayanan Umum", posType: "PENGAWAS", superior: "camat", work: atas, behaviour: atas},
		{key: "kasikesos", nip: "198107142006041004", name: "Yayan Sofyan, S.Sos.", unit: "kesos", posID: "kasikesos", posName: "Kepala Seksi Kesejahteraan Sosial", posType: "PENGAWAS", superior: "camat", work: sesuai, behaviour: sesuai},

		{key: "agus", nip: "199001142015031002", name: "Agus Setiawan, S.Kom.", unit: "sekretariat", superior: "sekcam", posID: "prakom", posName: "Pranata Komputer Ahli Pertama", posType: "FUNGSIONAL", jfLevel: "AHLI_PERTAMA", work: atas, behaviour: atas},
		staff("dewi", "198811232014032001", "Dewi Lestari, S.E.", "sekretariat", "sekcam", "Pengelola Kinerja", atas, atas),
		staff("bambang", "198203102009011003", "Bambang Hermawan", "sekretariat", "sekcam", "Pengadministrasi Umum", sesuai, sesuai),
		staff("yuni", "199206052019032002", "Yuni Astuti, A.Md.", "sekretariat", "sekcam", "Pengelola Keuangan", sesuai, sesuai),
		staff("rudi", "198505202010011004", "Rudi Hartono", "sekretariat", "sekcam", "Pengelola Barang Milik Daerah", sesuai, sesuai),
		staff("siti-n", "199303182020122001", "Siti Nurhaliza, S.AP.", "sekretariat", "sekcam", "Analis Perencanaan", atas, atas),
		staff("eko", "198709112011011002", "Eko Prasetyo", "sekretariat", "sekcam", "Pengadministrasi Kepegawaian", sesuai, sesuai),
		staff("lina", "199110302017082001", "Lina Marlina", "sekretariat", "sekcam", "Pengelola Surat", sesuai, sesuai),
		staff("hendra", "198412122010011005", "Hendra Gunawan", "sekretariat", "sekcam", "Pengemudi", bawah, sesuai),
		staff("fitri", "199402272022032001", "Fitri Handayani, S.Sos.", "sekretariat", "sekcam", "Penyusun Laporan", sesuai, sesuai),

		staff("iwan", "198302172008011003", "Iwan Ridwan", "pemerintahan", "kasipem", "Pengadministrasi Pemerintahan", sesuai, sesuai),
		staff("nur", "199108092016022001", "Nur Aisyah, S.H.", "pemerintahan", "kasipem", "Penyusun Bahan Pembinaan Desa", atas, atas),
		staff("dadang", "198110052007011002", "Dadang Supriatna", "pemerintahan", "kasipem", "Pengolah Data Kependudukan", sesuai, sesuai),
		{key: "rini", nip: "198904142013032003", name: "Rini Susanti", unit: "pemerintahan", superior: "kasipem", posID: "rini", posName: "Pengadministrasi Pertanahan", posType: "PELAKSANA", work: atas, behaviour: atas, firstWork: sesuai},
		staff("asep", "198612302011011003", "Asep Hidayat", "pemerintahan", "kasipem", "Pengelola Ketenteraman dan Ketertiban", sesuai, sesuai),
		staff("wulan", "199305252019032001", "Wulan Sari, S.Sos.", "pemerintahan", "kasipem", "Analis Pemerintahan", sesuai, sesuai),
		staff("teguh", "198808082014031001", "Teguh Santoso", "pemerintahan", "kasipem", "Pengadministrasi Umum", bawah, sesuai),
		staff("maya", "199512012021012001", "Maya Anggraini", "pemerintahan", "kasipem", "Pengolah Data", sesuai, sesuai),

		staff("siti", "199207172018012002", "Siti Rahmawati", "pelayanan", "kasipu", "Pengadministrasi Layanan", bawah, sesuai),
		staff("budi", "198601152010011007", "Budi Santoso", "pelayanan", "kasipu", "Pengelola Layanan Perizinan", atas, atas),
		staff("cucu", "198907072014032004", "Cucu Cahyati", "pelayanan", "kasipu", "Pengelola Layanan Administrasi Kependudukan", atas, atas),
		staff("dian", "199111112017081001", "Dian Permana", "pelayanan", "kasipu", "Pengelola Pengaduan", atas, sesuai),
		staff("endang", "198304042009011008", "Endang Kusnadi", "pelayanan", "kasipu", "Pengadministrasi Umum", sesuai, sesuai),
		{key: "fajar", nip: "199409092019031003", name: "Fajar Nugraha, S.Kom.", unit: "pelayanan", superior: "kasipu", posID: "fajar", posName: "Pranata Komputer Ahli Pertama", posType: "FUNGSIONAL", jfLevel: "AHLI_PERTAMA", work: atas, behaviour: atas},
		staff("gina", "199602142022032002", "Gina Sonia", "pelayanan", "kasipu", "Pengadministrasi Layanan", sesuai, sesuai),
		staff("hadi", "198512252010011009", "Hadi Wijaya", "pelayanan", "kasipu", "Pengelola Layanan Non-Perizinan", sesuai, atas),
		staff("intan", "199308182020122003", "Intan Permatasari", "pelayanan", "kasipu", "Pengadministrasi Layanan", sesuai, sesuai),

		staff("ratna", "198702022012032001", "Ratna Dewi", "kesos", "kasikesos", "Pengelola Bantuan Sosial", atas, sesuai),
		staff("joko", "198409192009011006", "Joko Susilo", "kesos", "kasikesos", "Pengadministrasi Kesejahteraan", sesuai, sesuai),
		staff("komariah", "198011232006042005", "Komariah", "kesos", "kasikesos", "Pengelola Data Kemiskinan", sesuai, sesuai),
		staff("lukman", "199004042015031004", "Lukman Hakim", "kesos", "kasikesos", "Pengelola Pemberdayaan Masyarakat", sesuai, atas),
		staff("mega", "199206262019032003", "Mega Wati", "kesos", "kasikesos", "Pengadministrasi Umum", sesuai, sesuai),
		staff("nandang", "198803032013011005", "Nandang Kosasih", "kesos", "kasikesos", "Pengelola Kegiatan Keagamaan", "", ""),
		staff("oktaviani", "199410102020122004", "Oktaviani", "kesos", "kasikesos", "Pengelola Data Sosial", "", ""),
		staff("pepen", "198506062010011010", "Pepen Supendi", "kesos", "kasikesos", "Pengadministrasi Umum", "", ""),
	}
	return units, people
}

// demoPjGubernur is the Pj Bupati's superior, outside the kabupaten.
const demoPjGubernur = "196603101987031004"

// The people the printed tokens are for, and the evaluations the printed
// curl commands open and rate.
const (
	demoEmployee  = "siti"      // filed the keberatan
	demoEvaluator = "kasikesos" // still rating his seksi
	demoHR        = "dewi"
	demoAuditor   = "auditor"
	demoAdmin     = "agus"
	demoRatee     = "oktaviani" // the open evaluation the curl rates
)

// demoClock is the demo's clock: each step sets the day, and every reading
// moves it on by a second, so events of one step keep their order.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(time.Second)
	return t
}

func (c *demoClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// demoTime is 09:00 WIB, the kecamatan's working morning, on a day.
func demoTime(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600))
}

func demoDay(m time.Month, d int) time.Time { return demoTime(demoYear, m, d) }

// demo sends the demo's requests to an in-process API handler.
type demo struct {
	h      http.Handler
	tokens *api.Tokens
	clock  *demoClock
	issued map[string]string // nip + role → token

	units     map[string]demoUnit
	unitOrder []demoUnit
	people    map[string]demoPerson
	order     []demoPerson
	unitID    map[string]string
	indicator string // the service-response-time indicator's id
	plans     map[string]demoPlan
	evals     map[string]string // person key → evaluation id
}

type demoPlan struct{ id, rhk, iki string }

// loadDemo loads the demo kecamatan into store when the ledger is empty
// and prints, always, a token for one person of each role and curl
// commands to try the API with. The demo is built by requests to an
// in-process API handler over store with its own clock, so it passes the
// same checks as users' requests; on a ledger that is not empty it loads
// nothing. It fails when a request of the demo is refused or the ledger
// cannot be read.
func loadDemo(ctx context.Context, store eventstore.Store, tokens *api.Tokens, out io.Writer) error {
	d, err := newDemo(store, tokens)
	if err != nil {
		return err
	}
	head, err := store.Head(ctx)
	if err != nil {
		return fmt.Errorf("demo: read ledger head: %w", err)
	}
	loaded := head.IsZero()
	if loaded {
		if err := d.load(ctx); err != nil {
			return err
		}
	} else if err := d.find(ctx, store); err != nil {
		return err
	}
	return d.print(out, loaded)
}

func newDemo(store eventstore.Store, tokens *api.Tokens) (*demo, error) {
	if tokens == nil {
		return nil, errors.New("demo: no token signer")
	}
	units, people := demoOrganisation()
	d := &demo{
		tokens:    tokens,
		clock:     &demoClock{t: demoDay(time.January, 2)},
		issued:    map[string]string{},
		units:     map[string]demoUnit{},
		unitOrder: units,
		people:    map[string]demoPerson{},
		order:     people,
		unitID:    map[string]string{},
		plans:     map[string]demoPlan{},
		evals:     map[string]string{},
	}
	d.h = api.New(api.Config{Logger: slog.New(slog.DiscardHandler), Version: "demo", Tokens: tokens, Store: store, Now: d.clock.now})
	for _, u := range units {
		d.units[u.key] = u
	}
	for _, p := range people {
		if _, _, err := domain.ParseNIP(p.nip); err != nil {
			return nil, fmt.Errorf("demo: person %s: %w", p.name, err)
		}
		d.people[p.key] = p
	}
	return d, nil
}

// demoReply is the JSON object the API answered.
type demoReply map[string]any

// id returns the id the API answered under key, failing when there is none.
func (r demoReply) id(key, what string) (string, error) {
	s, _ := r[key].(string)
	if s == "" {
		return "", fmt.Errorf("demo: %s: the answer has no %q", what, key)
	}
	return s, nil
}

// token returns a token for nip acting under role.
func (d *demo) token(nip string, role api.Role) (string, error) {
	k := nip + " " + string(role)
	if t, ok := d.issued[k]; ok {
		return t, nil
	}
	t, err := d.tokens.Issue(api.Caller{NIP: domain.NIP(nip), Roles: []api.Role{role}}, demoTokenTTL)
	if err != nil {
		return "", fmt.Errorf("demo: issue token: %s: %w", nip, err)
	}
	d.issued[k] = t
	return t, nil
}

// send makes one request as nip under role. key is the Idempotency-Key:
// unique per caller and path, it makes the ids the API derives from the
// command the same in every load.
func (d *demo) send(ctx context.Context, nip string, role api.Role, method, path, key string, body any) (demoReply, error) {
	tok, err := d.token(nip, role)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("demo: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return nil, fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", "demo-"+key)
	}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	if rec.Code < 200 || rec.Code > 299 {
		return nil, fmt.Errorf("demo: %s %s as %s (%s): status %d: %s", method, path, nip, role, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	var r demoReply
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("demo: %s %s: answer is not a JSON object: %w", method, path, err)
		}
	}
	return r, nil
}

// as sends a request as person key under role.
func (d *demo) as(ctx context.Context, key string, role api.Role, method, path, idem string, body any) (demoReply, error) {
	p, ok := d.people[key]
	if !ok {
		return nil, fmt.Errorf("demo: no person %q", key)
	}
	return d.send(ctx, p.nip, role, method, path, idem, body)
}

// hr sends a request as the demo's pengelola kinerja.
func (d *demo) hr(ctx context.Context, method, path, idem string, body any) (demoReply, error) {
	return d.as(ctx, demoHR, api.RoleHR, method, path, idem, body)
}

// load tells the year, step by step.
func (d *demo) load(ctx context.Context) error {
	steps := []func(context.Context) error{d.organise, d.plan, d.execute, d.closePlans, d.evaluate}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// organise opens the year and registers the units, heads and people, and
// the service-response-time indicator, on 2 January.
func (d *demo) organise(ctx context.Context) error {
	d.clock.set(demoDay(time.January, 2))
	if _, err := d.hr(ctx, "POST", "/v1/years", "year", map[string]any{"instansi_id": demoInstansi, "year": demoYear, "periodic_cadence": "QUARTERLY"}); err != nil {
		return err
	}
	r, err := d.hr(ctx, "POST", "/v1/indicators", "indicator-service-response-time", map[string]any{"code": "service-response-time", "valid_from": "2026-01-01",
		"definition": map[string]any{"name": "Waktu tanggap layanan", "aspect": "WAKTU", "unit_of_measure": "jam", "direction": "LOWER_IS_BETTER"}})
	if err != nil {
		return err
	}
	if d.indicator, err = r.id("id", "indicator service-response-time"); err != nil {
		return err
	}
	for _, u := range d.unitOrder {
		body := map[string]any{"name": u.name, "effective_from": "2020-01-01"}
		if u.parent != "" {
			body["parent_unit_id"] = d.unitID[u.parent]
		}
		r, err := d.hr(ctx, "POST", "/v1/units", "unit-"+u.key, body)
		if err != nil {
			return err
		}
		if d.unitID[u.key], err = r.id("id", "unit "+u.name); err != nil {
			return err
		}
	}
	for _, u := range d.unitOrder {
		head := d.people[u.head]
		if _, err := d.hr(ctx, "POST", "/v1/units/"+d.unitID[u.key]+"/heads", "head", map[string]any{"head_nip": head.nip, "effective_from": "2024-01-01", "decision_ref": "SK Bupati Sindangsari 821/" + head.nip[14:]}); err != nil {
			return err
		}
	}
	for _, p := range d.order {
		if _, err := d.hr(ctx, "POST", "/v1/employees", "employee-"+p.nip, map[string]any{"nip": p.nip, "employee_type": "PNS", "name": p.name, "tmt": p.nip[8:12] + "-" + p.nip[12:14] + "-01"}); err != nil {
			return err
		}
		// The Pj Bupati answers to the Pj Gubernur, an ASN of the province
		// who is named by NIP but kept in another instansi's ledger.
		superior := demoPjGubernur
		if s, ok := d.people[p.superior]; ok {
			superior = s.nip
		}
		if _, err := d.hr(ctx, "POST", "/v1/employees/"+p.nip+"/placements", "placement-2025", map[string]any{"unit_id": d.unitID[p.unit], "position_id": p.posID, "position_name": p.posName,
			"position_type": p.posType, "jf_level": p.jfLevel, "direct_superior_nip": superior, "effective_from": "2025-01-01"}); err != nil {
			return err
		}
	}
	return nil
}

// demoIKI is the indicator of a person's SKP: what they deliver in the year.
type demoIKI struct {
	rhk, text, aspect, direction, unit string
	target                             float64
	catalogue                          bool // the service-response-time indicator
}

func (d *demo) ikiOf(p demoPerson) demoIKI {
	switch {
	case p.key == "sekda":
		return demoIKI{rhk: "Penyelenggaraan pemerintahan daerah yang akuntabel", text: "Nilai SAKIP Kabupaten", aspect: "KUALITAS", direction: "HIGHER_IS_BETTER", unit: "nilai", target: 80}
	case p.key == "camat":
		return demoIKI{rhk: "Pelayanan publik kecamatan yang prima", text: "Indeks kepuasan masyarakat Kecamatan Sukamaju", aspect: "KUALITAS", direction: "HIGHER_IS_BETTER", unit: "nilai IKM", target: 85}
	case p.unit == "pelayanan":
		return demoIKI{rhk: "Layanan administrasi kecamatan yang cepat", text: "Waktu tanggap layanan", aspect: "WAKTU", direction: "LOWER_IS_BETTER", unit: "jam", target: 8, catalogue: true}
	case p.unit == "sekretariat":
		return demoIKI{rhk: "Dukungan administrasi dan keuangan kecamatan yang tertib", text: "Dokumen administrasi selesai tepat waktu", aspect: "KUANTITAS", direction: "HIGHER_IS_BETTER", unit: "dokumen", target: 400}
	case p.unit == "pemerintahan":
		return demoIKI{rhk: "Pembinaan pemerintahan desa yang efektif", text: "Desa yang dibina dan dievaluasi", aspect: "KUANTITAS", direction: "HIGHER_IS_BETTER", unit: "desa", target: 48}
	}
	return demoIKI{rhk: "Penyaluran bantuan sosial yang tepat sasaran", text: "Keluarga penerima manfaat terverifikasi", aspect: "KUANTITAS", direction: "HIGHER_IS_BETTER", unit: "KPM", target: 1200}
}

// plan drafts, fills, submits and approves every SKP on 5–9 January, from
// the Sekda's (citing the PK) down through the Camat to the staff.
func (d *demo) plan(ctx context.Context) error {
	d.clock.set(demoDay(time.January, 5))
	berAKHLAK := []string{"BERORIENTASI_PELAYANAN", "AKUNTABEL", "KOMPETEN", "HARMONIS", "LOYAL", "ADAPTIF", "KOLABORATIF"}
	for _, p := range d.order {
		if p.key == "auditor" || p.superior == "" {
			continue
		}
		evaluator := p.superior
		iki := d.ikiOf(p)
		r, err := d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps", "skp-2026", map[string]any{"approach": "KUANTITATIF", "period_start": "2026-01-01", "period_end": "2026-12-31"})
		if err != nil {
			return err
		}
		var pl demoPlan
		if pl.id, err = r.id("id", "SKP of "+p.name); err != nil {
			return err
		}
		rhk := map[string]any{"type": "UTAMA", "text": iki.rhk}
		if parent, ok := d.plans[p.superior]; ok {
			rhk["parent"] = map[string]any{"skp_id": parent.id, "rhk_id": parent.rhk}
		} else {
			rhk["source"] = map[string]any{"kind": "PK", "reference": "Perjanjian Kinerja Sekretaris Daerah 2026, sasaran 1"}
		}
		if r, err = d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps/"+pl.id+"/rhks", "rhk-1", rhk); err != nil {
			return err
		}
		if pl.rhk, err = r.id("item_id", "RHK of "+p.name); err != nil {
			return err
		}
		body := map[string]any{"rhk_id": pl.rhk, "text": iki.text, "aspect": iki.aspect, "direction": iki.direction, "target": map[string]any{"value": iki.target}, "unit": iki.unit}
		if iki.catalogue {
			body["indicator_id"] = d.indicator
		}
		if r, err = d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps/"+pl.id+"/ikis", "iki-1", body); err != nil {
			return err
		}
		if pl.iki, err = r.id("item_id", "IKI of "+p.name); err != nil {
			return err
		}
		for _, v := range berAKHLAK {
			if _, err := d.as(ctx, evaluator, api.RoleEvaluator, "POST", "/v1/skps/"+pl.id+"/behaviour-expectations", "expectation-"+v, map[string]any{"core_value": v, "expectation": "menunjukkan perilaku " + v + " sesuai pedoman BerAKHLAK"}); err != nil {
				return err
			}
		}
		if _, err := d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps/"+pl.id+"/submit", "submit", nil); err != nil {
			return err
		}
		if _, err := d.as(ctx, evaluator, api.RoleEvaluator, "POST", "/v1/skps/"+pl.id+"/approve", "approve", map[string]any{"signature_ref": "ttd-el-skp-2026-" + p.nip}); err != nil {
			return err
		}
		d.plans[p.key] = pl
	}
	return nil
}

// evaluated reports whether p works in the kecamatan, whose year the demo
// evaluates; the people above it and the auditor are not.
func evaluated(p demoPerson) bool { return p.unit != "pemkab" }

// factor is how far a person's realisations land from target: it is what
// their evaluator's work-result rating rests on.
func factor(p demoPerson) float64 {
	switch p.work {
	case policy.AboveExpectation:
		return 1.15
	case policy.BelowExpectation:
		return 0.78
	}
	return 1.0
}

// execute reports each quarter's realisations with their evidence, the
// evaluators' feedback, and the mid-year revision of the service-response
// indicator.
func (d *demo) execute(ctx context.Context) error {
	reported := []time.Time{demoDay(time.April, 6), demoDay(time.July, 6), demoDay(time.October, 5), demoDay(time.December, 28)}
	for i, at := range reported {
		q := fmt.Sprintf("%s-Q%d", demoPeriod, i+1)
		if i == 1 {
			if err := d.reviseIndicator(ctx); err != nil {
				return err
			}
		}
		d.clock.set(at)
		for _, p := range d.order {
			if !evaluated(p) {
				continue
			}
			pl, iki := d.plans[p.key], d.ikiOf(p)
			value := iki.target / 4 * factor(p)
			if iki.direction == "LOWER_IS_BETTER" {
				value = iki.target / factor(p)
			}
			value = float64(int(value*10+0.5)) / 10
			doc := []byte(fmt.Sprintf("laporan %s %s %s: %g %s", q, p.nip, iki.text, value, iki.unit))
			sum := execution.EvidenceID(doc)
			if _, err := d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps/"+pl.id+"/evidence", "evidence-"+q, map[string]any{"sha256": sum, "kind": "DOCUMENT", "uri": "arsip://kecamatan-sukamaju/" + p.nip + "/laporan-" + q + ".pdf"}); err != nil {
				return err
			}
			if _, err := d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/skps/"+pl.id+"/realisations", "realisation-"+q, map[string]any{"iki_id": pl.iki, "period_id": q, "value": value,
				"narrative": fmt.Sprintf("realisasi %s: %g %s", q, value, iki.unit), "evidence_refs": []string{sum}}); err != nil {
				return err
			}
			if i == 1 || (i == 2 && p.work == policy.BelowExpectation) {
				text := "capaian semester I sesuai rencana; pertahankan"
				switch {
				case i == 2:
					text = "capaian triwulan III di bawah target; mari susun langkah perbaikan"
				case p.work == policy.AboveExpectation:
					text = "capaian semester I melampaui target; bagikan caranya ke rekan"
				}
				if _, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/skps/"+pl.id+"/feedback", "feedback-"+q, map[string]any{"rhk_id": pl.rhk, "text": text}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reviseIndicator revises the service-response-time indicator on 15 June,
// valid from 1 July: a new standard of service measures from the request's
// registration.
func (d *demo) reviseIndicator(ctx context.Context) error {
	d.clock.set(demoDay(time.June, 15))
	_, err := d.hr(ctx, "POST", "/v1/indicators/"+d.indicator+"/revisions", "revision-2026-07", map[string]any{"valid_from": "2026-07-01", "reason": "Standar Pelayanan Kecamatan 2026: waktu dihitung sejak permohonan teregistrasi",
		"definition": map[string]any{"name": "Waktu tanggap layanan", "aspect": "WAKTU", "unit_of_measure": "jam", "direction": "LOWER_IS_BETTER", "measurement": "rata-rata jam sejak permohonan teregistrasi"}})
	return err
}

// closePlans closes every SKP at the year's end.
func (d *demo) closePlans(ctx context.Context) error {
	d.clock.set(demoDay(time.December, 31).Add(8 * time.Hour))
	for _, p := range d.order {
		pl, ok := d.plans[p.key]
		if !ok {
			continue
		}
		if _, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/skps/"+pl.id+"/close", "close", map[string]any{"reason": "YEAR_END"}); err != nil {
			return err
		}
	}
	return nil
}

// rationale is the evaluator's reason for a work-result rating.
func rationale(r policy.Rating) string {
	switch r {
	case policy.AboveExpectation:
		return "realisasi IKI melampaui target di keempat triwulan, dengan bukti"
	case policy.BelowExpectation:
		return "realisasi IKI di bawah target sejak triwulan III"
	}
	return "realisasi IKI sesuai target, dengan bukti tiap triwulan"
}

// evaluate runs the evaluation in January 2027: evaluations open, the
// organisational predicates are set, ratings given and the distributions
// checked (Seksi Pemerintahan fails first and a rating is revised; the
// Camat's unit of one is accepted with an override), evaluations finalised
// and delivered, one keberatan filed and decided, and the rest locked when
// the window lapses. Seksi Kesejahteraan Sosial is still being rated.
func (d *demo) evaluate(ctx context.Context) error {
	d.clock.set(demoTime(demoYear+1, time.January, 4))
	for _, p := range d.order {
		if !evaluated(p) {
			continue
		}
		r, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/evaluations", "evaluation-2026-"+p.nip, map[string]any{"skp_id": d.plans[p.key].id, "unit_id": d.unitID[p.unit], "period_id": demoPeriod})
		if err != nil {
			return err
		}
		if d.evals[p.key], err = r.id("id", "evaluation of "+p.name); err != nil {
			return err
		}
	}
	d.clock.set(demoTime(demoYear+1, time.January, 6))
	for _, u := range d.unitOrder {
		body := map[string]any{"period_id": demoPeriod, "predicate": u.predicate, "basis": u.basis}
		path := "/v1/units/" + d.unitID[u.key] + "/assessments"
		var err error
		if u.parent == "" {
			_, err = d.hr(ctx, "POST", path, "assessment-2026", body)
		} else {
			_, err = d.as(ctx, d.units[u.parent].head, api.RoleEvaluator, "POST", path, "assessment-2026", body)
		}
		if err != nil {
			return err
		}
	}

	d.clock.set(demoTime(demoYear+1, time.January, 7))
	for _, p := range d.order {
		id, ok := d.evals[p.key]
		if !ok || p.work == "" {
			continue
		}
		if p.unit != "kesos" {
			if _, err := d.as(ctx, p.key, api.RoleEmployee, "POST", "/v1/evaluations/"+id+"/self-assessment", "self-assessment", map[string]any{"notes": "realisasi keempat triwulan terlampir dengan bukti"}); err != nil {
				return err
			}
		}
		work := p.work
		if p.firstWork != "" {
			work = p.firstWork
		}
		if err := d.rate(ctx, p, work, p.behaviour, "rating-1"); err != nil {
			return err
		}
	}

	d.clock.set(demoTime(demoYear+1, time.January, 8))
	for _, u := range []string{"pemkab", "kecamatan", "sekretariat", "pemerintahan", "pelayanan"} {
		if err := d.checkDistribution(ctx, u, "check-1"); err != nil {
			return err
		}
	}
	// Seksi Pemerintahan rated seven of nine Baik, above the 70% of a Baik
	// unit: its head reviews the evidence and raises one rating.
	rini := d.people["rini"]
	if _, err := d.as(ctx, rini.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+d.evals["rini"]+"/work-result-rating", "rating-2",
		map[string]any{"rating": rini.work, "rationale": "setelah pemeriksaan distribusi: bukti triwulan IV menunjukkan realisasi 115% dari target"}); err != nil {
		return err
	}
	if err := d.checkDistribution(ctx, "pemerintahan", "check-2"); err != nil {
		return err
	}
	// A unit head counts in the curve of the unit above (the default
	// policy). The Camat alone is in the kabupaten's curve here, so HR, who
	// recorded its predicate, accepts it; the kecamatan's curve holds its
	// four seksi heads, too few for the pattern, and the Sekda accepts it.
	if _, err := d.hr(ctx, "POST", "/v1/units/"+d.unitID["pemkab"]+"/assessments/"+demoPeriod+"/override", "override",
		map[string]any{"justification": "demo: di kabupaten ini hanya Camat Sukamaju yang dinilai; pola distribusi tidak dapat dipenuhi"}); err != nil {
		return err
	}
	if _, err := d.as(ctx, "sekda", api.RoleEvaluator, "POST", "/v1/units/"+d.unitID["kecamatan"]+"/assessments/"+demoPeriod+"/override", "override",
		map[string]any{"justification": "kurva kecamatan berisi empat kepala sub-unit; pola distribusi tidak dapat dipenuhi"}); err != nil {
		return err
	}

	done := func(p demoPerson) bool { _, ok := d.evals[p.key]; return ok && p.unit != "kesos" }
	d.clock.set(demoTime(demoYear+1, time.January, 12))
	for _, p := range d.order {
		if !done(p) {
			continue
		}
		if _, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+d.evals[p.key]+"/finalize", "finalize", map[string]any{"signature_ref": "ttd-el-" + d.people[p.superior].nip, "document_ref": "dokumen-evaluasi-2026-" + p.nip}); err != nil {
			return err
		}
	}
	delivered := demoTime(demoYear+1, time.January, 15).Add(time.Hour)
	d.clock.set(delivered)
	for _, p := range d.order {
		if !done(p) {
			continue
		}
		if _, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+d.evals[p.key]+"/deliver", "deliver", nil); err != nil {
			return err
		}
	}
	if err := d.objection(ctx, delivered); err != nil {
		return err
	}

	d.clock.set(delivered.AddDate(0, 0, 15))
	for _, p := range d.order {
		if !done(p) || p.key == demoEmployee {
			continue
		}
		if _, err := d.hr(ctx, "POST", "/v1/evaluations/"+d.evals[p.key]+"/lock", "lock", nil); err != nil {
			return err
		}
	}

	// Seksi Kesejahteraan Sosial: the Camat has rated its head, who has
	// rated five of his eight staff; three evaluations wait.
	d.clock.set(demoTime(demoYear+1, time.January, 20))
	for _, p := range d.order {
		if p.unit != "kesos" || p.work == "" {
			continue
		}
		if err := d.rate(ctx, p, p.work, p.behaviour, "rating-1"); err != nil {
			return err
		}
	}
	return nil
}

// rate gives p's evaluator's two ratings.
func (d *demo) rate(ctx context.Context, p demoPerson, work, behaviour policy.Rating, key string) error {
	id := d.evals[p.key]
	if _, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+id+"/work-result-rating", "work-"+key, map[string]any{"rating": work, "rationale": rationale(work)}); err != nil {
		return err
	}
	_, err := d.as(ctx, p.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+id+"/behaviour-rating", "behaviour-"+key, map[string]any{"rating": behaviour, "rationale": "berdasarkan umpan balik dan catatan perilaku BerAKHLAK"})
	return err
}

// checkDistribution has the unit's head check it (the Sekda, who set the
// kecamatan's predicate, checks the kecamatan's).
func (d *demo) checkDistribution(ctx context.Context, unit, key string) error {
	by := d.units[unit].head
	if unit == "kecamatan" {
		by = "sekda"
	}
	_, err := d.as(ctx, by, api.RoleEvaluator, "POST", "/v1/units/"+d.unitID[unit]+"/assessments/"+demoPeriod+"/distribution-check", key, nil)
	return err
}

// objection is Siti Rahmawati's keberatan: rated Butuh Perbaikan, she
// shows that the new service standard of July counted the waiting time
// of requests that reached her incomplete; the Camat asks her evaluator,
// and changes the rating.
func (d *demo) objection(ctx context.Context, delivered time.Time) error {
	siti := d.people[demoEmployee]
	id := d.evals[siti.key]
	d.clock.set(delivered.AddDate(0, 0, 5))
	if _, err := d.as(ctx, siti.key, api.RoleEmployee, "POST", "/v1/evaluations/"+id+"/objection", "objection", map[string]any{"reasons": "sejak standar pelayanan Juli, waktu tanggap dihitung sejak registrasi termasuk berkas yang belum lengkap dari desa"}); err != nil {
		return err
	}
	if _, err := d.as(ctx, "camat", api.RoleEvaluator, "POST", "/v1/evaluations/"+id+"/objection/explanation-requests", "explanation-request", map[string]any{"from": "EVALUATOR", "question": "apakah berkas yang belum lengkap dikeluarkan dari perhitungan waktu tanggap?"}); err != nil {
		return err
	}
	if _, err := d.as(ctx, siti.superior, api.RoleEvaluator, "POST", "/v1/evaluations/"+id+"/objection/explanations", "explanation", map[string]any{"text": "belum; 38 berkas menunggu kelengkapan dari desa tercatat di aplikasi antrean"}); err != nil {
		return err
	}
	d.clock.set(delivered.AddDate(0, 0, 10))
	_, err := d.as(ctx, "camat", api.RoleEvaluator, "POST", "/v1/evaluations/"+id+"/objection/decision", "decision", map[string]any{"outcome": "CHANGED", "work_result": policy.AsExpected, "behaviour": siti.behaviour,
		"reason": "waktu tunggu kelengkapan berkas di luar kendali pegawai; tanpa itu realisasi sesuai target"})
	return err
}

// find looks up, in a ledger that already holds the demo, the evaluations
// the printed commands name, from the events that opened them. It stops
// when it has them, at the end of the log, or after demoScanLimit events.
func (d *demo) find(ctx context.Context, store eventstore.Store) error {
	wanted := map[domain.NIP]string{}
	for _, key := range []string{demoEmployee, demoRatee} {
		wanted[domain.NIP(d.people[key].nip)] = key
	}
	opened := evaluation.Opened{}.EventType()
	for after, read := eventstore.Start, 0; read < demoScanLimit && len(wanted) > 0; {
		recs, err := store.ReadAll(ctx, after, eventstore.DefaultPageSize)
		if err != nil {
			return fmt.Errorf("demo: read ledger after %s: %w", after, err)
		}
		for _, rec := range recs {
			if rec.Type != opened {
				continue
			}
			e, err := evaluation.Decode(rec.Type, rec.Data)
			if err != nil {
				return fmt.Errorf("demo: decode %s@%d: %w", rec.Stream, rec.Revision, err)
			}
			o, ok := e.(evaluation.Opened)
			if key, want := wanted[o.Employee]; ok && want && o.Period.ID == demoPeriod {
				d.evals[key] = strings.TrimPrefix(rec.Stream, "evaluation-")
				delete(wanted, o.Employee)
			}
		}
		if len(recs) < eventstore.DefaultPageSize {
			break
		}
		read += len(recs)
		after = recs[len(recs)-1].Position
	}
	return nil
}

// demoCurl is a command the newcomer can paste.
type demoCurl struct {
	what               string
	role, method, path string
	body               string
	needsEval          bool   // it names an evaluation
	eval               string // that evaluation's id, empty if not found
}

func (d *demo) curls() []demoCurl {
	employeeEval, rateeEval := d.evals[demoEmployee], d.evals[demoRatee]
	ratee := d.people[demoRatee]
	out := []demoCurl{
		{what: "the evaluations the evaluator may read (his seksi's, still being rated)", role: "EVALUATOR", method: "GET", path: "/v1/evaluations"},
		{what: "open " + d.people[demoEmployee].name + "'s evaluation: ratings, keberatan, decision and every event with its actor", role: "EMPLOYEE", method: "GET", path: "/v1/evaluations/" + employeeEval, needsEval: true, eval: employeeEval},
		{what: "its audit trail: who changed which score, when and why", role: "AUDITOR", method: "GET", path: "/v1/evaluations/" + employeeEval + "/audit", needsEval: true, eval: employeeEval},
		{what: "rate " + ratee.name + "'s work result (the evaluator; her evaluation is still open)", role: "EVALUATOR", method: "POST", path: "/v1/evaluations/" + rateeEval + "/work-result-rating", needsEval: true, eval: rateeEval,
			body: `{"rating":"SESUAI_EKSPEKTASI","rationale":"realisasi IKI sesuai target di keempat triwulan"}`},
	}
	return out
}

// print writes the tokens and the curl commands, as lines a shell runs:
// comments, exports and commands.
func (d *demo) print(out io.Writer, loaded bool) error {
	var b strings.Builder
	if loaded {
		fmt.Fprintf(&b, "# Demo loaded: Kecamatan Sukamaju (Kabupaten Sindangsari), performance year %d, %d people in %d units.\n", demoYear, len(d.order), len(d.units))
	} else {
		fmt.Fprintf(&b, "# Demo: the ledger is not empty, so nothing was loaded; these are the demo's people and commands.\n")
	}
	fmt.Fprintf(&b, "#\n# Tokens, valid for %s. Every line below can be pasted into a shell as it is.\n", demoTokenTTL)
	roles := []struct {
		role api.Role
		key  string
	}{{api.RoleEmployee, demoEmployee}, {api.RoleEvaluator, demoEvaluator}, {api.RoleHR, demoHR}, {api.RoleAuditor, demoAuditor}, {api.RoleAdmin, demoAdmin}}
	for _, r := range roles {
		p := d.people[r.key]
		tok, err := d.token(p.nip, r.role)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "# %s: %s, NIP %s, %s, %s\n", r.role, p.name, p.nip, p.posName, d.units[p.unit].name)
		fmt.Fprintf(&b, "export KINERJA_%s=%s\n", strings.ToUpper(string(r.role)), tok)
	}
	fmt.Fprintf(&b, "#\n# Try it (the server listens on %s unless you gave another --addr):\n", demoBaseURL)
	for _, c := range d.curls() {
		if c.needsEval && c.eval == "" {
			continue
		}
		fmt.Fprintf(&b, "# %s\n", c.what)
		fmt.Fprintf(&b, "curl -s -X %s -H \"Authorization: Bearer $KINERJA_%s\"", c.method, c.role)
		if c.body != "" {
			fmt.Fprintf(&b, " -H 'Content-Type: application/json' -d '%s'", c.body)
		}
		fmt.Fprintf(&b, " %s%s\n", demoBaseURL, c.path)
	}
	if d.evals[demoEmployee] == "" {
		fmt.Fprintf(&b, "# this ledger holds no evaluation of the demo's people, so the commands that open one are left out\n")
	}
	_, err := io.WriteString(out, b.String())
	if err != nil {
		return fmt.Errorf("demo: print: %w", err)
	}
	return nil
}
