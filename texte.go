package segur

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// atoi reads ASCII digits (checked by the caller) as a number.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// alnum reports whether s is one or more ASCII letters or digits.
func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return len(s) > 0
}

// couper cuts s to at most n code points, marking the cut with "…": what a
// message quotes of a user's input.
func couper(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}

// typographie puts a narrow no-break space (U+202F), as French typography
// wants, where a text written with plain spaces has one before « ; », « ! »,
// « ? » or « € ».
var typographie = strings.NewReplacer(" ;", "\u202f;", " !", "\u202f!", " ?", "\u202f?", " €", "\u202f€")

// Typographie is s with a narrow no-break space (U+202F) instead of a
// plain one before « ; », « ! », « ? » and « € »: what the pages show of a
// French text written with plain spaces, such as a calculation recorded
// before the domain wrote them so.
func Typographie(s string) string { return typographie.Replace(s) }

// Pluriel writes a count with its noun agreeing: « 1 paiement »,
// « 2 paiements », « 0 paiement » (French puts zero in the singular).
func Pluriel(n int, singulier, pluriel string) string {
	if n > 1 || n < -1 {
		return strconv.Itoa(n) + " " + pluriel
	}
	return strconv.Itoa(n) + " " + singulier
}

// Milliers writes n with its thousands apart, as French does: « 5 000 »,
// « 48 000 » (a narrow no-break space, U+202F).
func Milliers(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}
