package projections

// QuickDecode exposes quickDecode to the external tests, which can use the
// workload generator.
func QuickDecode(eventType string, data []byte) (any, bool) { return quickDecode(eventType, data) }
