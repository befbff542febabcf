package hop

import (
	"fmt"
	"strings"
)

// Logiciel is the software type of the HOP couloir a file is deposited for.
type Logiciel string

// The three software types of the HOP couloir.
const (
	LogicielRI  Logiciel = "RI"
	LogicielDPI Logiciel = "DPI"
	LogicielPFI Logiciel = "PFI"
)

// ParseLogiciel reads a software type, case-insensitively.
func ParseLogiciel(s string) (Logiciel, error) {
	switch l := Logiciel(strings.ToUpper(strings.TrimSpace(s))); l {
	case LogicielRI, LogicielDPI, LogicielPFI:
		return l, nil
	}
	return "", fmt.Errorf("logiciel « %s » inconnu ; attendu : RI, DPI ou PFI", s)
}

// Date is a civil date (a business date, in Europe/Paris).
type Date struct {
	Annee, Mois, Jour int
}

// ParseDateAAAAMMJJ reads a date written AAAAMMJJ, as in file names.
func ParseDateAAAAMMJJ(s string) (Date, error) {
	if len(s) != 8 || !digits(s) {
		return Date{}, fmt.Errorf("date « %s » : attendu AAAAMMJJ (8 chiffres)", s)
	}
	d := Date{atoi(s[0:4]), atoi(s[4:6]), atoi(s[6:8])}
	if !d.Valide() {
		return Date{}, fmt.Errorf("date « %s » : cette date n'existe pas", s)
	}
	return d, nil
}

// Valide reports whether d is a real calendar date.
func (d Date) Valide() bool {
	if d.Annee < 1 || d.Mois < 1 || d.Mois > 12 || d.Jour < 1 {
		return false
	}
	return d.Jour <= joursDuMois(d.Annee, d.Mois)
}

func joursDuMois(annee, mois int) int {
	switch mois {
	case 2:
		if annee%4 == 0 && (annee%100 != 0 || annee%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Avant reports whether d is strictly before e.
func (d Date) Avant(e Date) bool {
	if d.Annee != e.Annee {
		return d.Annee < e.Annee
	}
	if d.Mois != e.Mois {
		return d.Mois < e.Mois
	}
	return d.Jour < e.Jour
}

// AAAAMMJJ writes d as in file names.
func (d Date) AAAAMMJJ() string { return fmt.Sprintf("%04d%02d%02d", d.Annee, d.Mois, d.Jour) }

// String writes d as JJ/MM/AAAA.
func (d Date) String() string {
	if d.Jour < 0 || d.Jour > 99 || d.Mois < 0 || d.Mois > 99 || d.Annee < 0 || d.Annee > 9999 {
		return fmt.Sprintf("%02d/%02d/%04d", d.Jour, d.Mois, d.Annee)
	}
	b := [10]byte{'0' + byte(d.Jour/10), '0' + byte(d.Jour%10), '/', '0' + byte(d.Mois/10), '0' + byte(d.Mois%10), '/',
		'0' + byte(d.Annee/1000), '0' + byte(d.Annee/100%10), '0' + byte(d.Annee/10%10), '0' + byte(d.Annee%10)}
	return string(b[:])
}

// Declaration is what a deposit declares besides its files: the values the
// controls compare the file with.
type Declaration struct {
	// NomFichier is the JSON file's name as deposited; empty skips the
	// file-name rule.
	NomFichier string
	// NumeroAns and SIRET are declared by the deposit; empty means "take the
	// file's own value" (offline checks).
	NumeroAns string
	SIRET     string
	// Logiciel is the software type of the deposit's ANS number.
	Logiciel Logiciel
	// Date is the deposit date, in Europe/Paris.
	Date Date
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
