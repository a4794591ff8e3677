package projections

// QuickDecode exposes quickDecode to the external tests, which can use the
// workload generator.
func QuickDecode(eventType string, data []byte) (any, bool) { return quickDecode(eventType, data) }

// IsQuickType reports whether quickDecode decodes bodies of eventType.
func IsQuickType(eventType string) bool {
	_, ok := quickTypes[eventType]
	return ok
}
