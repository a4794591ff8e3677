package api

import "net/http"

// resourceRoutes is the route table of the resources under /v1: every
// command and every aggregate read, with who may call it. routes() registers
// it and the OpenAPI document is generated from it.
func (s *server) resourceRoutes() []route {
	var (
		all       = []Role{RoleEmployee, RoleEvaluator, RoleHR, RoleAuditor, RoleAdmin}
		hr        = []Role{RoleHR}
		employee  = []Role{RoleEmployee}
		evaluator = []Role{RoleEvaluator}
		// the employee acts on their own plan, the evaluator on their
		// subordinates'; the domain checks which of them the caller is
		parties = []Role{RoleEmployee, RoleEvaluator}
		// follow-up decisions are HR's or the evaluator's, never the employee's
		officials = []Role{RoleHR, RoleEvaluator}
	)
	post, get := http.MethodPost, http.MethodGet
	routes := []route{
		// The organisation (HR).
		{method: post, path: "/employees", summary: "Register an employee", roles: hr, body: registerEmployeeRequest{}, created: true, handler: handle(s, s.registerEmployee)},
		{method: get, path: "/employees/{nip}", summary: "An employee, from their stream", roles: all, handler: s.getEmployee},
		{method: post, path: "/employees/{nip}/placements", summary: "Place an employee in a unit and position", roles: hr, body: placeEmployeeRequest{}, handler: handle(s, s.placeEmployee)},
		{method: post, path: "/employees/{nip}/pns-appointment", summary: "Appoint a CPNS as PNS", roles: hr, body: appointPNSRequest{}, handler: handle(s, s.appointPNS)},
		{method: post, path: "/employees/{nip}/departure", summary: "End an employee's service", roles: hr, body: leaveRequest{}, handler: handle(s, s.leave)},
		{method: post, path: "/units", summary: "Define an organisational unit", roles: hr, body: defineUnitRequest{}, created: true, handler: handle(s, s.defineUnit)},
		{method: get, path: "/units/{id}", summary: "A unit, from its stream", roles: all, handler: s.getUnit},
		{method: post, path: "/units/{id}/restructurings", summary: "Rename or move a unit", roles: hr, body: restructureUnitRequest{}, handler: handle(s, s.restructureUnit)},
		{method: post, path: "/units/{id}/heads", summary: "Appoint a unit's head", roles: hr, body: appointHeadRequest{}, handler: handle(s, s.appointHead)},
		{method: post, path: "/units/{id}/dissolution", summary: "Dissolve a unit", roles: hr, body: dissolveUnitRequest{}, handler: handle(s, s.dissolveUnit)},

		// The performance year and the indicator catalogue (HR).
		{method: post, path: "/years", summary: "Open an instansi's performance year", roles: hr, body: openYearRequest{}, created: true, handler: handle(s, s.openYear)},
		{method: get, path: "/years/{instansi}/{year}", summary: "A performance year with its periods", roles: all, handler: s.getYear},
		{method: post, path: "/years/{instansi}/{year}/close", summary: "Close a performance year after it ends", roles: hr, body: empty{}, handler: handle(s, s.closeYear)},
		{method: post, path: "/indicators", summary: "Add an indicator to the catalogue", roles: hr, body: defineIndicatorRequest{}, created: true, handler: handle(s, s.defineIndicator)},
		{method: get, path: "/indicators/{id}", summary: "An indicator with all its versions", roles: all, handler: s.getIndicator},
		{method: post, path: "/indicators/{id}/revisions", summary: "Revise an indicator: a new version from a date", roles: hr, body: reviseIndicatorRequest{}, handler: handle(s, s.reviseIndicator)},
		{method: post, path: "/indicators/{id}/retirement", summary: "Retire an indicator", roles: hr, body: retireIndicatorRequest{}, handler: handle(s, s.retireIndicator)},

		// Planning: the SKP.
		{method: post, path: "/skps", summary: "Draft your own SKP for a period", roles: employee, body: draftSKPRequest{}, created: true, handler: handle(s, s.draftSKP)},
		{method: get, path: "/skps/{id}", summary: "An SKP, from its stream", roles: all, handler: s.getSKP},
		{method: post, path: "/skps/{id}/rhks", summary: "Add an RHK to your draft SKP", roles: employee, body: rhkRequest{}, handler: handle(s, s.addRHK)},
		{method: post, path: "/skps/{id}/rhks/{rhk_id}/removal", summary: "Remove an RHK from your draft SKP", roles: employee, body: removalRequest{}, handler: handle(s, s.removeRHK)},
		{method: post, path: "/skps/{id}/ikis", summary: "Add an IKI to an RHK of your draft SKP", roles: employee, body: ikiRequest{}, handler: handle(s, s.addIKI)},
		{method: post, path: "/skps/{id}/ikis/{iki_id}/removal", summary: "Remove an IKI from your draft SKP", roles: employee, body: removalRequest{}, handler: handle(s, s.removeIKI)},
		{method: post, path: "/skps/{id}/behaviour-expectations", summary: "Set the expectation for a BerAKHLAK value (evaluator)", roles: evaluator, body: behaviourExpectationRequest{}, handler: handle(s, s.setBehaviourExpectation)},
		{method: post, path: "/skps/{id}/submit", summary: "Submit your draft SKP to your evaluator", roles: employee, body: empty{}, handler: handle(s, s.submitSKP)},
		{method: post, path: "/skps/{id}/approve", summary: "Approve a submitted SKP (its evaluator)", roles: evaluator, body: approveRequest{}, handler: handle(s, s.approveSKP)},
		{method: post, path: "/skps/{id}/return", summary: "Return a submitted SKP for revision (its evaluator)", roles: evaluator, body: commentsRequest{}, handler: handle(s, s.returnSKP)},
		{method: post, path: "/skps/{id}/amendments", summary: "Propose an amendment to your approved SKP", roles: employee, body: amendmentRequest{}, handler: handle(s, s.proposeAmendment)},
		{method: post, path: "/skps/{id}/amendments/approve", summary: "Approve the pending amendment (its evaluator)", roles: evaluator, body: empty{}, handler: handle(s, s.approveAmendment)},
		{method: post, path: "/skps/{id}/amendments/return", summary: "Return the pending amendment (its evaluator)", roles: evaluator, body: commentsRequest{}, handler: handle(s, s.returnAmendment)},
		{method: post, path: "/skps/{id}/dialogues", summary: "Record a performance dialogue (the employee or the evaluator)", roles: parties, body: dialogueRequest{}, handler: handle(s, s.holdDialogue)},
		{method: post, path: "/skps/{id}/close", summary: "Close an SKP (its evaluator)", roles: evaluator, body: closeSKPRequest{}, handler: handle(s, s.closeSKP)},

		// Execution: evidence, realisations, feedback, behaviour input, the daily log.
		{method: get, path: "/skps/{id}/execution", summary: "The execution record of an SKP", roles: all, handler: s.getExecution},
		{method: post, path: "/skps/{id}/evidence", summary: "Attach content-addressed evidence to your SKP", roles: employee, body: evidenceRequest{}, handler: handle(s, s.attachEvidence)},
		{method: post, path: "/skps/{id}/realisations", summary: "Report a realisation of an IKI for a period", roles: employee, body: realisationRequest{}, handler: handle(s, s.reportRealisation)},
		{method: post, path: "/skps/{id}/feedback", summary: "Give continuous feedback (the evaluator)", roles: evaluator, body: feedbackRequest{}, handler: handle(s, s.giveFeedback)},
		{method: post, path: "/skps/{id}/behaviour-inputs", summary: "Give a peer's or subordinate's behaviour input, or record a citizen's (HR)", roles: []Role{RoleEmployee, RoleEvaluator, RoleHR}, body: behaviourInputRequest{}, handler: handle(s, s.giveBehaviourInput)},
		{method: post, path: "/skps/{id}/daily-logs", summary: "Write a draft entry of your daily log", roles: employee, body: dailyLogRequest{}, handler: handle(s, s.logDailyProgress)},
		{method: post, path: "/skps/{id}/daily-logs/{log_id}/submit", summary: "Submit a daily log entry to your superior", roles: employee, body: empty{}, handler: handle(s, s.submitDailyProgress)},
		{method: post, path: "/skps/{id}/daily-logs/{log_id}/review", summary: "Approve or reject a submitted daily log entry (the evaluator)", roles: evaluator, body: reviewRequest{}, handler: handle(s, s.reviewDailyProgress)},
		{method: post, path: "/coaching-sessions", summary: "Record a coaching session with an employee (the evaluator)", roles: evaluator, body: coachingRequest{}, created: true, handler: handle(s, s.holdCoaching)},
		{method: get, path: "/coaching-sessions/{id}", summary: "A coaching session", roles: all, handler: s.getCoaching},
		{method: post, path: "/coaching-sessions/{id}/feedback", summary: "Answer the session's feedback questions (the coached employee)", roles: employee, body: coachingFeedbackRequest{}, handler: handle(s, s.submitCoachingFeedback)},
		{method: post, path: "/coaching-sessions/{id}/competencies", summary: "Evaluate competencies after the session (the coach)", roles: evaluator, body: competenciesRequest{}, handler: handle(s, s.evaluateCompetencies)},
		{method: post, path: "/metric-series", summary: "Open a series of objective observations of an indicator", roles: hr, body: openSeriesRequest{}, created: true, handler: handle(s, s.openSeries)},
		{method: get, path: "/metric-series/{id}", summary: "A metric series with its observations", roles: all, handler: s.getSeries},
		{method: post, path: "/metric-series/{id}/observations", summary: "Record an observation of a metric series", roles: hr, body: observationRequest{}, handler: handle(s, s.observeMetric)},

		// Evaluation: the unit's organisational predicate, then the ratings.
		{method: post, path: "/units/{id}/assessments", summary: "Set a unit's organisational predicate for a period (the leader one level above; HR records the instansi's)", roles: []Role{RoleEvaluator, RoleHR}, body: orgPredicateRequest{}, created: true, handler: handle(s, s.setOrgPredicate)},
		{method: get, path: "/units/{id}/assessments/{period_id}", summary: "A unit's organisational assessment for a period", roles: all, handler: s.getAssessment},
		{method: post, path: "/units/{id}/assessments/{period_id}/revision", summary: "Revise the organisational predicate before any finalisation (whoever set it)", roles: []Role{RoleEvaluator, RoleHR}, body: revisePredicateRequest{}, handler: handle(s, s.reviseOrgPredicate)},
		{method: post, path: "/units/{id}/assessments/{period_id}/distribution-check", summary: "Check the unit's predicates against the distribution pattern", roles: evaluator, body: empty{}, handler: handle(s, s.checkDistribution)},
		{method: post, path: "/units/{id}/assessments/{period_id}/override", summary: "Accept a failing distribution with a justification (whoever set the predicate)", roles: []Role{RoleEvaluator, RoleHR}, body: overrideRequest{}, handler: handle(s, s.recordOverride)},
		{method: post, path: "/evaluations", summary: "Open the evaluation of an approved SKP for a period (its evaluator)", roles: evaluator, body: openEvaluationRequest{}, created: true, handler: handle(s, s.openEvaluation)},
		{method: get, path: "/evaluations/{id}", summary: "An evaluation, from its stream", roles: all, handler: s.getEvaluation},
		{method: post, path: "/evaluations/{id}/self-assessment", summary: "Record your self-assessment", roles: employee, body: selfAssessmentRequest{}, handler: handle(s, s.selfAssess)},
		{method: post, path: "/evaluations/{id}/work-result-rating", summary: "Rate the work result (the designated evaluator)", roles: evaluator, body: ratingRequest{}, handler: handle(s, s.rateWorkResult)},
		{method: post, path: "/evaluations/{id}/behaviour-rating", summary: "Rate the behaviour (the designated evaluator)", roles: evaluator, body: ratingRequest{}, handler: handle(s, s.rateBehaviour)},
		{method: post, path: "/evaluations/{id}/finalize", summary: "Sign the evaluation (the designated evaluator)", roles: evaluator, body: finalizeRequest{}, handler: handle(s, s.finalizeEvaluation)},
		{method: post, path: "/evaluations/{id}/deliver", summary: "Record delivery to the employee; the objection window opens", roles: evaluator, body: empty{}, handler: handle(s, s.deliverEvaluation)},
		{method: post, path: "/evaluations/{id}/objection", summary: "File a keberatan on your evaluation within the window", roles: employee, body: objectionRequest{}, handler: handle(s, s.fileObjection)},
		{method: post, path: "/evaluations/{id}/objection/explanation-requests", summary: "Ask a party of the keberatan to explain (the evaluator's superior)", roles: evaluator, body: explanationRequestRequest{}, handler: handle(s, s.requestExplanation)},
		{method: post, path: "/evaluations/{id}/objection/explanations", summary: "Give the explanation you were asked for", roles: parties, body: explanationRequest{}, handler: handle(s, s.provideExplanation)},
		{method: post, path: "/evaluations/{id}/objection/decision", summary: "Decide the keberatan (the evaluator's superior)", roles: evaluator, body: decisionRequest{}, handler: handle(s, s.decideObjection)},
		{method: post, path: "/evaluations/{id}/lock", summary: "Lock a delivered evaluation once the objection window has lapsed", roles: []Role{RoleHR, RoleEvaluator}, body: empty{}, handler: handle(s, s.lockEvaluation)},

		// Follow-up decisions on locked evaluations.
		{method: get, path: "/employees/{nip}/follow-up", summary: "An employee's follow-up record", roles: all, handler: s.getFollowUp},
		{method: post, path: "/employees/{nip}/follow-up/credit-points", summary: "Convert a predicate into credit points", roles: officials, body: creditPointsRequest{}, handler: handle(s, s.convertCreditPoints)},
		{method: post, path: "/employees/{nip}/follow-up/improvement-periods", summary: "Start an improvement period after a predicate below Baik", roles: officials, body: improvementRequest{}, handler: handle(s, s.startImprovementPeriod)},
		{method: post, path: "/employees/{nip}/follow-up/rewards", summary: "Record a reward", roles: officials, body: decisionBody{}, handler: handle(s, s.grantReward)},
		{method: post, path: "/employees/{nip}/follow-up/sanctions", summary: "Record a sanction", roles: officials, body: decisionBody{}, handler: handle(s, s.imposeSanction)},
		{method: post, path: "/employees/{nip}/follow-up/trainings", summary: "Recommend training", roles: officials, body: decisionBody{}, handler: handle(s, s.recommendTraining)},
	}
	return append(append(routes, s.ledgerRoutes()...), s.replayRoutes()...)
}
