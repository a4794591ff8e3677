package bolt

// SetSaveBatch sets how many bytes of rows one transaction of Save holds,
// for tests, and returns a function that restores it.
func SetSaveBatch(n int) (restore func()) {
	old := saveBatch
	saveBatch = n
	return func() { saveBatch = old }
}
