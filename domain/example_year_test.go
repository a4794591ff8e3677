package domain_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kinerja/kinerja/domain"
	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/domain/execution"
	"github.com/kinerja/kinerja/domain/followup"
	"github.com/kinerja/kinerja/domain/indicator"
	"github.com/kinerja/kinerja/domain/policy"
	"github.com/kinerja/kinerja/domain/skp"
)

// accepted applies the events of an accepted command to its aggregate, or prints
// the unexpected refusal (which then breaks the example's output).
func accepted[E any](apply func(E)) func([]E, error) {
	return func(events []E, err error) {
		if err != nil {
			fmt.Println("UNEXPECTED:", err)
			return
		}
		for _, e := range events {
			apply(e)
		}
	}
}

// refusedBecause prints the rule and message of a command the ledger rejects.
func refusedBecause[E any](_ []E, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		fmt.Println("UNEXPECTED: accepted, or not a domain error:", err)
		return
	}
	fmt.Printf("  refused [%s]: %s\n", de.Rule, de.Message)
}

// Example_performanceYear follows one unit, Bidang Pelayanan Perizinan of a
// regency's Dinas Penanaman Modal dan PTSP, through performance year 2026
// under PermenPANRB 6/2022 and SE MenPANRB 3/2023: SKPs cascade from the
// head of the dinas down to the staff, realisations arrive with evidence,
// the head of the dinas sets the unit's organisational predicate, ratings
// give predicates by the matrix, the distribution check names a violation and
// then passes, results are delivered, an objection within 14 days changes a
// rating, one after the window is refused, and credit points follow.
func Example_performanceYear() {
	wib := time.FixedZone("WIB", 7*3600)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, wib) }
	jan1, dec31 := day(2026, 1, 1), day(2026, 12, 31)
	p, err := policy.Lookup(policy.DefaultID)
	if err != nil {
		fmt.Println(err)
		return
	}

	const (
		pjBupati = domain.NIP("196805121990031002") // Pj. Bupati, atasan of the Sekda
		sekda    = domain.NIP("196902141992031003") // Sekretaris Daerah, evaluator of the Kadis
		kadis    = domain.NIP("197203151998031004") // Kepala Dinas (JPT Pratama)
		kabid    = domain.NIP("198004102005011002") // Kepala Bidang Pelayanan Perizinan (administrator)
		ani      = domain.NIP("199003252015032001") // Pranata Komputer Ahli Pertama
		budi     = domain.NIP("199107072019031001") // Penata Perizinan (pelaksana)
		citra    = domain.NIP("199202292020122001") // Penata Perizinan (pelaksana)
	)
	var seq int
	newID := func() uuid.UUID { // deterministic ids keep the output stable
		seq++
		return uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", seq))
	}
	names := map[domain.NIP]string{kadis: "Kadis", kabid: "Kabid", ani: "Ani", budi: "Budi", citra: "Citra"}

	// Planning: the SKP of each person cascades from the approved SKP above.
	fmt.Println("January 2026: planning")
	kadisRHK, kabidRHK := newID(), newID()
	plans := map[domain.NIP]*skp.SKP{}
	ikis := map[domain.NIP]uuid.UUID{}
	draft := func(who, evaluator, evalSup domain.NIP, jpt bool, rhk skp.RHK, superior *skp.Plan, target float64, unit string) {
		s := &skp.SKP{}
		accepted(s.Apply)(skp.Draft(who, skp.DraftCommand{ID: newID(), Employee: who, Approach: skp.Quantitative, Start: jan1, End: dec31,
			Placement: skp.Placement{Active: true, JPT: jpt, DirectSuperior: evaluator, SuperiorOfSuperior: evalSup}}, at(2026, 1, 2, 8)))
		accepted(s.Apply)(s.AddRHK(who, rhk, superior, at(2026, 1, 2, 9)))
		iki := skp.IKI{ID: newID(), RHK: rhk.ID, Text: "Izin terbit tepat waktu", Aspect: indicator.Quantity,
			Direction: indicator.HigherIsBetter, Target: indicator.Target{Value: target}, Unit: unit}
		accepted(s.Apply)(s.AddIKI(who, iki, at(2026, 1, 2, 9)))
		for _, v := range skp.CoreValues() {
			accepted(s.Apply)(s.SetBehaviourExpectation(evaluator, v, "sesuai pedoman perilaku BerAKHLAK", at(2026, 1, 3, 8)))
		}
		accepted(s.Apply)(s.Submit(who, at(2026, 1, 5, 8)))
		accepted(s.Apply)(s.Approve(evaluator, "ttd-el-"+string(who), at(2026, 1, 6, 8)))
		plans[who], ikis[who] = s, iki.ID
		parent := "cites the PK"
		if superior != nil {
			parent = "intervenes an RHK of " + names[superior.Employee]
		}
		fmt.Printf("  SKP of %s approved by its evaluator; its RHK %s\n", names[who], parent)
	}
	draft(kadis, sekda, pjBupati, true, skp.RHK{ID: kadisRHK, Kind: skp.Utama, Text: "Meningkatnya kualitas layanan perizinan",
		Source: &skp.Source{Kind: skp.SourcePK, Reference: "PK 2026 sasaran 1"}}, nil, 4000, "izin")
	kadisPlan := plans[kadis].Plan()
	draft(kabid, kadis, sekda, false, skp.RHK{ID: kabidRHK, Kind: skp.Utama, Text: "Layanan perizinan tepat waktu",
		Parent: &skp.ParentRef{SKP: kadisPlan.ID, RHK: kadisRHK}}, &kadisPlan, 4000, "izin")
	kabidPlan := plans[kabid].Plan()
	staff := []domain.NIP{ani, budi, citra}
	for _, who := range staff {
		draft(who, kabid, kadis, false, skp.RHK{ID: newID(), Kind: skp.Utama, Text: "Verifikasi berkas izin",
			Parent: &skp.ParentRef{SKP: kabidPlan.ID, RHK: kabidRHK}}, &kabidPlan, 1200, "berkas")
	}
	fmt.Println("  an RHK that intervenes nothing in the superior's approved SKP:")
	stray := &skp.SKP{}
	accepted(stray.Apply)(skp.Draft(budi, skp.DraftCommand{ID: newID(), Employee: budi, Approach: skp.Quantitative, Start: jan1, End: dec31,
		Placement: skp.Placement{Active: true, DirectSuperior: kabid, SuperiorOfSuperior: kadis}}, at(2026, 1, 2, 8)))
	refusedBecause(stray.AddRHK(budi, skp.RHK{ID: newID(), Kind: skp.Utama, Text: "Tugas lain",
		Parent: &skp.ParentRef{SKP: kabidPlan.ID, RHK: newID()}}, &kabidPlan, at(2026, 1, 2, 9)))

	// Execution: realisations with content-addressed evidence.
	fmt.Println("December 2026: realisations")
	year := execution.PeriodRef{ID: "2026", Start: jan1, End: dec31}
	realised := map[domain.NIP]float64{ani: 1380, budi: 1150, citra: 840}
	for _, who := range staff {
		plan := plans[who].Plan()
		rec := &execution.Record{}
		accepted(rec.Apply)(execution.Open(who, plan, at(2026, 12, 28, 8)))
		report := []byte(fmt.Sprintf("rekap verifikasi 2026 %s", who))
		accepted(rec.Apply)(rec.AttachEvidence(who, execution.Evidence{SHA256: execution.EvidenceID(report), Kind: execution.Document,
			URI: "arsip://bukti/" + string(who) + "/rekap-2026.pdf", CapturedAt: at(2026, 12, 28, 8)}, at(2026, 12, 28, 9)))
		accepted(rec.Apply)(rec.ReportRealisation(who, plan, execution.Realisation{ID: newID(), IKI: ikis[who], Period: year,
			Value: realised[who], Evidence: []string{execution.EvidenceID(report)}}, at(2026, 12, 29, 9)))
		achievements, err := rec.Achievements(plan, year.ID)
		if err != nil {
			fmt.Println("UNEXPECTED:", err)
		}
		a := achievements[ikis[who]]
		fmt.Printf("  %s realised %.0f of 1200 berkas: achievement %.1f%%, recommended work rating %s\n", names[who], realised[who], a, p.RecommendRating(a).Label())
	}
	for _, who := range append([]domain.NIP{kabid}, staff...) {
		accepted(plans[who].Apply)(plans[who].Close(plans[who].Plan().Evaluator, skp.CloseYearEnd, at(2026, 12, 31, 16)))
	}
	fmt.Println("  SKPs closed at year end")

	// Evaluation, stage 1: the organisational predicate comes first.
	fmt.Println("January 2027: evaluation")
	unitID, dinasID := newID(), newID()
	annual := evaluation.Period{ID: "2026", Start: jan1, End: dec31}
	evals := map[domain.NIP]*evaluation.Evaluation{}
	for _, who := range append([]domain.NIP{kabid}, staff...) {
		ev := &evaluation.Evaluation{}
		accepted(ev.Apply)(evaluation.Open(plans[who].Plan().Evaluator, evaluation.OpenCommand{Evaluation: newID(), Plan: plans[who].Plan(),
			Unit: unitID, Period: annual, UnitHead: who == kabid}, p, at(2027, 1, 4, 8)))
		evals[who] = ev
	}
	unit := &evaluation.Unit{}
	fmt.Println("  Kabid rates Ani before the unit's organisational predicate is set:")
	refusedBecause(evals[ani].RateWorkResult(kabid, policy.AboveExpectation, "capaian 115%", unit.Facts(), p, at(2027, 1, 5, 8)))
	accepted(unit.Apply)(unit.SetOrgPredicate(kadis, evaluation.SetOrgPredicateCommand{Assessment: newID(), Unit: unitID, Period: annual,
		Predicate: policy.OrgBaik, Basis: "capaian perjanjian kinerja bidang 2026: 96%", ParentLeader: kadis}, p, at(2027, 1, 6, 8)))
	fmt.Printf("  Kadis sets the organisational predicate of the bidang: %s\n", unit.Facts().Predicate.Label())

	// Stage 3: ratings by the designated evaluator give the predicate by the matrix.
	rate := func(who domain.NIP, work, behaviour policy.Rating) {
		ev, by := evals[who], plans[who].Plan().Evaluator
		accepted(ev.Apply)(ev.RateWorkResult(by, work, "berdasarkan capaian IKI dan bukti dukung", unit.Facts(), p, at(2027, 1, 7, 8)))
		accepted(ev.Apply)(ev.RateBehaviour(by, behaviour, "berdasarkan umpan balik dan masukan rekan", unit.Facts(), p, at(2027, 1, 7, 9)))
		fmt.Printf("  %s: work %s, behaviour %s -> %s\n", names[who], work.Label(), behaviour.Label(), ev.Predicate().Label())
	}
	fmt.Println("  Kadis rates the Kabid above expectation although the bidang is only Baik:")
	refusedBecause(evals[kabid].RateWorkResult(kadis, policy.AboveExpectation, "x", unit.Facts(), p, at(2027, 1, 7, 8)))
	rate(kabid, policy.AsExpected, policy.AsExpected)
	rate(ani, policy.AboveExpectation, policy.AboveExpectation)
	rate(budi, policy.AsExpected, policy.AsExpected)
	rate(citra, policy.AsExpected, policy.AsExpected)

	// Stage 2: the distribution pattern of an org predicate of Baik. The
	// default policy counts the head in the curve of the unit above (the
	// reference leaves it open; HeadInOwnCurve is false), so the bidang's
	// curve is its staff's.
	check := func() {
		predicates := map[uuid.UUID]policy.Predicate{}
		for _, ev := range evals {
			if ev.CurveUnit(dinasID, p) == unitID {
				predicates[ev.ID()] = ev.Predicate()
			}
		}
		accepted(unit.Apply)(unit.CheckDistribution(kadis, kabid, predicates, p, at(2027, 1, 8, 8)))
		if v := unit.Facts().Violations; len(v) > 0 {
			for _, x := range v {
				fmt.Printf("  distribution FAIL [%s]: %d counted, limit %d\n", x.Rule, x.Count, x.Limit)
			}
			return
		}
		fmt.Println("  distribution PASS")
	}
	check()
	fmt.Println("  Kabid tries to finalise Budi's evaluation anyway:")
	refusedBecause(evals[budi].Finalize(kabid, evaluation.FinalizeCommand{SignatureRef: "ttd-el-kabid", DocumentRef: "dok-budi", Curve: unit.Facts()}, p, at(2027, 1, 8, 9)))
	fmt.Println("  Kabid reviews Citra's 70% achievement and re-rates her work result:")
	accepted(evals[citra].Apply)(evals[citra].RateWorkResult(kabid, policy.BelowExpectation, "capaian 70% di bawah ambang 90%", unit.Facts(), p, at(2027, 1, 9, 8)))
	fmt.Printf("  Citra: work %s, behaviour %s -> %s\n", policy.BelowExpectation.Label(), policy.AsExpected.Label(), evals[citra].Predicate().Label())
	check()

	// The Kabid's predicate counts in the dinas's curve: the Sekda sets the
	// dinas's predicate and the Kadis checks its distribution.
	dinas := &evaluation.Unit{}
	accepted(dinas.Apply)(dinas.SetOrgPredicate(sekda, evaluation.SetOrgPredicateCommand{Assessment: newID(), Unit: dinasID, Period: annual,
		Predicate: policy.OrgIstimewa, Basis: "capaian perjanjian kinerja dinas 2026: 104%", ParentLeader: sekda}, p, at(2027, 1, 6, 9)))
	fmt.Println("  Kabid's evaluation is finalised against the bidang's check:")
	refusedBecause(evals[kabid].Finalize(kadis, evaluation.FinalizeCommand{SignatureRef: "ttd-el-kadis", ParentUnit: dinasID, Curve: unit.Facts(), Unit: unit.Facts()}, p, at(2027, 1, 10, 8)))
	accepted(dinas.Apply)(dinas.CheckDistribution(kadis, kadis, map[uuid.UUID]policy.Predicate{evals[kabid].ID(): evals[kabid].Predicate()}, p, at(2027, 1, 10, 9)))
	fmt.Printf("  the dinas (%s) counts the Kabid: distribution %d violations\n", dinas.Facts().Predicate.Label(), len(dinas.Facts().Violations))

	// Finalisation and delivery start the 14-day objection clock.
	delivered := at(2027, 1, 15, 10)
	for _, who := range append([]domain.NIP{kabid}, staff...) {
		ev, by := evals[who], plans[who].Plan().Evaluator
		curve := unit.Facts()
		if who == kabid {
			curve = dinas.Facts()
		}
		accepted(ev.Apply)(ev.Finalize(by, evaluation.FinalizeCommand{SignatureRef: "ttd-el-" + string(by), DocumentRef: "dok-" + string(who), ParentUnit: dinasID, Curve: curve, Unit: unit.Facts()}, p, at(2027, 1, 12, 8)))
		accepted(ev.Apply)(ev.Deliver(by, delivered))
	}
	fmt.Printf("  all four evaluations finalised and delivered on %s\n", delivered.Format("2006-01-02 15:04 MST"))

	// Objections (keberatan), decided by the evaluator's superior.
	fmt.Println("January 2027: objections (keberatan)")
	citraEv := evals[citra]
	accepted(citraEv.Apply)(citraEv.FileObjection(citra, newID(), "berkas Desember tertunda karena gangguan sistem OSS, bukan kinerja saya", p, at(2027, 1, 20, 9)))
	fmt.Println("  Citra objects on day 5")
	fmt.Println("  Kabid, her evaluator, tries to decide it:")
	refusedBecause(citraEv.Decide(kabid, evaluation.Upheld, "", "", "x", p, at(2027, 1, 21, 9)))
	accepted(citraEv.Apply)(citraEv.RequestExplanation(kadis, evaluation.PartyEvaluator, "apakah gangguan OSS dipertimbangkan?", at(2027, 1, 21, 9)))
	accepted(citraEv.Apply)(citraEv.ProvideExplanation(kabid, "belum; gangguan OSS 3 minggu tercatat di log sistem", at(2027, 1, 22, 9)))
	accepted(citraEv.Apply)(citraEv.Decide(kadis, evaluation.Changed, policy.AsExpected, policy.AsExpected, "gangguan sistem di luar kendali pegawai", p, at(2027, 1, 25, 9)))
	work, behaviour := citraEv.Ratings()
	fmt.Printf("  Kadis decides: work %s, behaviour %s -> %s (final, %s)\n", work.Label(), behaviour.Label(), citraEv.Predicate().Label(), citraEv.Stage())
	fmt.Println("  Budi objects on day 15:")
	refusedBecause(evals[budi].FileObjection(budi, newID(), "rating terlalu rendah", p, at(2027, 1, 30, 9)))
	for _, who := range []domain.NIP{kabid, ani, budi} {
		accepted(evals[who].Apply)(evals[who].Lock(p, at(2027, 1, 30, 9)))
	}
	fmt.Println("  the other evaluations lock when the window lapses")

	// Follow-up: credit points for the functional official (Peraturan BKN 3/2023).
	fmt.Println("February 2027: follow-up")
	rec := &followup.Record{}
	accepted(rec.Apply)(followup.Open(newID(), ani, at(2027, 2, 1, 8)))
	accepted(rec.Apply)(rec.ConvertCreditPoints(kadis, evals[ani].Facts(), followup.Conversion{JFLevel: "AHLI_PERTAMA", Coefficient: 12.5, Months: 12}, p, at(2027, 2, 1, 9)))
	fmt.Printf("  Ani, %s: %d%% of coefficient 12.5 for 12 months = %.3f angka kredit\n", evals[ani].Predicate().Label(), p.CreditPercent(evals[ani].Predicate()), rec.CreditTotal())

	// Output:
	// January 2026: planning
	//   SKP of Kadis approved by its evaluator; its RHK cites the PK
	//   SKP of Kabid approved by its evaluator; its RHK intervenes an RHK of Kadis
	//   SKP of Ani approved by its evaluator; its RHK intervenes an RHK of Kabid
	//   SKP of Budi approved by its evaluator; its RHK intervenes an RHK of Kabid
	//   SKP of Citra approved by its evaluator; its RHK intervenes an RHK of Kabid
	//   an RHK that intervenes nothing in the superior's approved SKP:
	//   refused [rhk-cascade]: RHK 00000000-0000-4000-8000-000000000018 is not in the superior's approved SKP
	// December 2026: realisations
	//   Ani realised 1380 of 1200 berkas: achievement 115.0%, recommended work rating Di Atas Ekspektasi
	//   Budi realised 1150 of 1200 berkas: achievement 95.8%, recommended work rating Sesuai Ekspektasi
	//   Citra realised 840 of 1200 berkas: achievement 70.0%, recommended work rating Di Bawah Ekspektasi
	//   SKPs closed at year end
	// January 2027: evaluation
	//   Kabid rates Ani before the unit's organisational predicate is set:
	//   refused [org-predicate-first]: the unit's organisational predicate for 2026 is not set yet; employees are rated after it (SE MenPANRB 3/2023)
	//   Kadis sets the organisational predicate of the bidang: Baik
	//   Kadis rates the Kabid above expectation although the bidang is only Baik:
	//   refused [unit-head-rating]: the employee heads the unit, whose organisational predicate is Baik, so the work-result rating is Sesuai Ekspektasi, not Di Atas Ekspektasi
	//   Kabid: work Sesuai Ekspektasi, behaviour Sesuai Ekspektasi -> Baik
	//   Ani: work Di Atas Ekspektasi, behaviour Di Atas Ekspektasi -> Sangat Baik
	//   Budi: work Sesuai Ekspektasi, behaviour Sesuai Ekspektasi -> Baik
	//   Citra: work Sesuai Ekspektasi, behaviour Sesuai Ekspektasi -> Baik
	//   distribution FAIL [quota-butuh-perbaikan-or-kurang-required]: 0 counted, limit 1
	//   Kabid tries to finalise Budi's evaluation anyway:
	//   refused [distribution-quota]: the unit's predicates break the distribution pattern for an organisational predicate of Baik: under organisational predicate Baik at least 1 of the 3 employees (there must be some) must be Butuh Perbaikan or Kurang/Misconduct; 0 are
	//   Kabid reviews Citra's 70% achievement and re-rates her work result:
	//   Citra: work Di Bawah Ekspektasi, behaviour Sesuai Ekspektasi -> Butuh Perbaikan
	//   distribution PASS
	//   Kabid's evaluation is finalised against the bidang's check:
	//   refused [distribution-quota]: the employee heads the unit, and under policy permenpanrb-6-2022/se-3-2023 a head's predicate counts in the distribution of the unit above (00000000-0000-4000-8000-000000000023); finalising needs that unit's check for period "2026", not unit 00000000-0000-4000-8000-000000000022's
	//   the dinas (Istimewa) counts the Kabid: distribution 0 violations
	//   all four evaluations finalised and delivered on 2027-01-15 10:00 WIB
	// January 2027: objections (keberatan)
	//   Citra objects on day 5
	//   Kabid, her evaluator, tries to decide it:
	//   refused [objection-decider]: an objection is decided by the evaluator's superior 197203151998031004 only
	//   Kadis decides: work Sesuai Ekspektasi, behaviour Sesuai Ekspektasi -> Baik (final, LOCKED)
	//   Budi objects on day 15:
	//   refused [objection-window]: the objection window closed on 2027-01-29 10:00 WIB, 14 calendar days after the result was delivered on 2027-01-15 10:00 WIB
	//   the other evaluations lock when the window lapses
	// February 2027: follow-up
	//   Ani, Sangat Baik: 150% of coefficient 12.5 for 12 months = 18.750 angka kredit
}
