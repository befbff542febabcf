package segurtest

import (
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zoneinfo
)

// Paris is Europe/Paris, the time zone of the deposits' dates.
func Paris() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // embedded by time/tzdata: cannot fail
	}
	return loc
}

// Midi returns a clock for a test's portal that runs at the real pace from
// noon today in Europe/Paris. A test gives it to the server (the store, the
// API, the pages) and names its files from it: the portal dates a deposit
// by its own clock, and a file named at 23:59:59 for today but received
// at 00:00:01 would be rejected (code 1004, the date of the file name is
// not the deposit's). From noon, the day stays the same for twelve hours,
// whatever the hour the test runs.
func Midi() func() time.Time {
	paris := Paris()
	now := time.Now()
	y, m, d := now.In(paris).Date()
	decalage := time.Date(y, m, d, 12, 0, 0, 0, paris).Sub(now)
	return func() time.Time { return time.Now().Add(decalage) }
}
