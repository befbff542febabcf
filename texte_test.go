package segur

import "testing"

// TestTypographie: a plain space before « ; », « ! », « ? », « € » becomes a
// narrow no-break space; other spaces, and the colon's, stay.
func TestTypographie(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HT ; régime HT : prestation 10,00 €", "HT\u202f; régime HT : prestation 10,00\u202f€"},
		{"Conforme ? Oui !", "Conforme\u202f? Oui\u202f!"},
		{"déjà\u202f; rien", "déjà\u202f; rien"},
		{"", ""},
	} {
		if got := Typographie(tc.in); got != tc.want {
			t.Errorf("Typographie(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPluriel: the noun agrees with the count, zero and one in the singular.
func TestPluriel(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 paiement"}, {1, "1 paiement"}, {2, "2 paiements"}, {1000, "1000 paiements"}} {
		if got := Pluriel(tc.n, "paiement", "paiements"); got != tc.want {
			t.Errorf("Pluriel(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestMilliers(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 5000: "5\u202f000", 100000: "100\u202f000", 1234567: "1\u202f234\u202f567", -5000: "-5\u202f000"} {
		if got := Milliers(n); got != want {
			t.Errorf("Milliers(%d): got %q, want %q", n, got, want)
		}
	}
}
