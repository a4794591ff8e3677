package postgres

// WithBeforeCommit makes every append transaction call f after it has
// locked the log head and inserted its events, and before it commits.
// Tests use it to hold a transaction open at that point.
func WithBeforeCommit(f func()) Option { return func(c *config) { c.beforeCommit = f } }

// Queued returns the number of appends waiting for a group transaction.
func (s *Store) Queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
