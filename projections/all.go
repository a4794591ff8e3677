package projections

// All returns a fresh, empty instance of every read model, in the order a
// server starts them.
func All() []Projection {
	return []Projection{NewAudit(), NewAppraisals(), NewCatalogue(), NewDailyProgress(), NewInboxes(), NewCascade(), NewDistributions()}
}
