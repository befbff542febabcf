package hop

import (
	"strings"
	"unicode"
)

// The identifiers the agency checks: SIRET and SIREN (INSEE), FINESS
// (ministry of health), IBAN (ISO 13616) and BIC (ISO 9362). Each has a
// format check and, where the number carries one, a check-key check: the
// JSON-HOP controls reject a bad format but only flag a bad key (the agency's
// own example fails it).

// laPosteSIREN is La Poste's SIREN: its establishments were numbered before
// the Luhn key was enforced, and their SIRETs have a digit sum divisible by 5
// instead (the head office, 35600000000048, also satisfies Luhn).
const laPosteSIREN = "356000000"

// SIRETValide reports whether s is 14 ASCII digits (the format only).
func SIRETValide(s string) bool {
	return len(s) == 14 && chiffresASCII(s)
}

// SIRETCleValide reports whether the SIRET's check key holds: Luhn over the
// 14 digits, except La Poste (SIREN 356000000), whose SIRETs have a digit
// sum divisible by 5. It is false when s is not a well-formed SIRET.
func SIRETCleValide(s string) bool {
	if !SIRETValide(s) {
		return false
	}
	if luhn(s) {
		return true
	}
	if s[:9] == laPosteSIREN {
		somme := 0
		for i := 0; i < len(s); i++ {
			somme += int(s[i] - '0')
		}
		return somme%5 == 0
	}
	return false
}

// SIRENCleValide reports whether s is 9 ASCII digits whose Luhn key holds.
func SIRENCleValide(s string) bool {
	return len(s) == 9 && chiffresASCII(s) && luhn(s)
}

// FINESSValide reports whether s is a FINESS number's format: 9 digits, or
// "2A"/"2B" followed by 7 digits (Corsica).
func FINESSValide(s string) bool {
	if len(s) != 9 {
		return false
	}
	if s[0] == '2' && (s[1] == 'A' || s[1] == 'B') {
		return chiffresASCII(s[2:])
	}
	return chiffresASCII(s)
}

// FINESSCleValide reports whether the Luhn key of a 9-digit FINESS holds (the
// 9th digit is the key over the first 8). A Corsican number (2A/2B) has no
// checked key: it is true for any well-formed one. It is false when s is not
// a well-formed FINESS.
func FINESSCleValide(s string) bool {
	if !FINESSValide(s) {
		return false
	}
	if s[1] == 'A' || s[1] == 'B' {
		return true
	}
	return luhn(s)
}

// luhn reports whether the ASCII digits of s satisfy the Luhn formula: from
// the right, every second digit is doubled (less 9 above 9) and the sum is a
// multiple of 10.
func luhn(s string) bool {
	somme := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		somme += d
		double = !double
	}
	return somme%10 == 0
}

// chiffresASCII reports whether s is non-empty and made of ASCII digits only.
func chiffresASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// longueursIBAN is the IBAN length of each country of the SEPA area, from the
// SWIFT IBAN registry. An IBAN of another country is not accepted: the
// financing is paid by SEPA credit transfer.
var longueursIBAN = map[string]int{
	"AD": 24, // Andorra
	"AL": 28, // Albania
	"AT": 20, // Austria
	"BE": 16, // Belgium
	"BG": 22, // Bulgaria
	"CH": 21, // Switzerland
	"CY": 28, // Cyprus
	"CZ": 24, // Czechia
	"DE": 22, // Germany
	"DK": 18, // Denmark
	"EE": 20, // Estonia
	"ES": 24, // Spain
	"FI": 18, // Finland
	"FR": 27, // France, overseas departments and collectivities included
	"GB": 22, // United Kingdom
	"GI": 23, // Gibraltar
	"GR": 27, // Greece
	"HR": 21, // Croatia
	"HU": 28, // Hungary
	"IE": 22, // Ireland
	"IS": 26, // Iceland
	"IT": 27, // Italy
	"LI": 21, // Liechtenstein
	"LT": 20, // Lithuania
	"LU": 20, // Luxembourg
	"LV": 21, // Latvia
	"MC": 27, // Monaco
	"MD": 24, // Moldova
	"ME": 22, // Montenegro
	"MK": 19, // North Macedonia
	"MT": 31, // Malta
	"NL": 18, // Netherlands
	"NO": 15, // Norway
	"PL": 28, // Poland
	"PT": 25, // Portugal
	"RO": 24, // Romania
	"SE": 24, // Sweden
	"SI": 19, // Slovenia
	"SK": 24, // Slovakia
	"SM": 27, // San Marino
	"VA": 22, // Vatican City
}

// NormaliserIBAN returns s in the IBAN's electronic form: without any blank
// (the paper form groups it by four) and in upper case.
func NormaliserIBAN(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
}

// IBANValide reports whether s is an IBAN in electronic form (see
// NormaliserIBAN) of a SEPA country: the country code, the length for that
// country, two check digits, upper-case ASCII letters and digits, and the ISO
// 13616 key (the number read in base 36 after moving its first four
// characters to the end, modulo 97, is 1).
func IBANValide(s string) bool {
	if len(s) < 4 || longueursIBAN[s[:2]] != len(s) {
		return false
	}
	if !chiffresASCII(s[2:4]) {
		return false
	}
	// Check digits 00, 01 and 99 satisfy the modulus but are never issued:
	// the key is computed as 98 - (n mod 97), between 02 and 98.
	if k := s[2:4]; k == "00" || k == "01" || k == "99" {
		return false
	}
	reste := 0
	for i := range len(s) {
		c := s[(i+4)%len(s)]
		switch {
		case c >= '0' && c <= '9':
			reste = (reste*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			reste = (reste*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return reste == 1
}

// BICValide reports whether s is a BIC (ISO 9362) in upper case: 4 letters
// (the bank), 2 letters (the country), 2 letters or digits (the location),
// then optionally 3 letters or digits (the branch): 8 or 11 characters.
func BICValide(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		lettre := c >= 'A' && c <= 'Z'
		if i < 6 && !lettre {
			return false
		}
		if i >= 6 && !lettre && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// EmailValide reports whether s is one plain e-mail address, as the
// format's e-mail rule reads it (result code CodeEmail of control 2): the
// agency's rule for the addresses of a file, the only one a file is
// checked with. It accepts addresses a mail server may not deliver (with
// accents, commas…): a program that sends mail to them needs a stricter
// check of what SMTP can carry.
func EmailValide(s string) bool {
	return len(s) <= 254 && emailValide([]byte(s))
}
