package sqlite

// SetWordsDriveBelow changes the selectivity threshold of searchplan.go until the returned
// function restores it (tests force either plan with it; not safe with parallel searches).
func SetWordsDriveBelow(n int64) (restore func()) {
	old := wordsDriveBelow
	wordsDriveBelow = n
	return func() { wordsDriveBelow = old }
}
