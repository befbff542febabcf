package segur

import (
	"slices"
	"strings"
	"testing"
)

func TestMotsRecherche(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"ASP-2026-0000123", []string{"asp", "2026", "0000123"}},
		{"Hôpital Saint-Éloi", []string{"hopital", "saint", "eloi"}},
		{"He\u0301le\u0300ne", []string{"helene"}}, // combining accents
		{"750000001 750000001", []string{"750000001"}},
		{`"x"* OR y:* & z`, []string{"x", "or", "y", "z"}},
		{"a b c d e f g h i j", []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{strings.Repeat("é", 50), []string{strings.Repeat("e", MaxLongueurMotCherche)}},
	} {
		if got := MotsRecherche(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("MotsRecherche(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestPrefixeRecherche(t *testing.T) {
	for mot, want := range map[string]bool{"a": false, "7": false, "é": false, "as": true, "hopital": true} {
		if got := PrefixeRecherche(mot); got != want {
			t.Errorf("PrefixeRecherche(%q) = %v, want %v", mot, got, want)
		}
	}
}

func TestOngletsFile(t *testing.T) {
	// Every status is in exactly one of the tabs by status, so that « À
	// traiter », « En attente du fournisseur » and « Traitées » add up to
	// « Toutes ».
	vus := map[StatutDemande]string{}
	for _, o := range OngletsFile() {
		for _, s := range o.Statuts {
			if autre, ok := vus[s]; ok {
				t.Errorf("status %s in tabs %s and %s", s, autre, o.Cle)
			}
			vus[s] = o.Cle
		}
	}
	for _, s := range Statuts(nil) {
		if _, ok := vus[s]; !ok {
			t.Errorf("status %s in no tab", s)
		}
	}
	if o, ok := OngletFileDe(OngletSuivies); !ok || !o.Suivies {
		t.Errorf("OngletFileDe(suivies) = %+v, %v", o, ok)
	}
	if _, ok := OngletFileDe("x"); ok {
		t.Error("OngletFileDe(x): found")
	}
}

func TestPeutAttribuer(t *testing.T) {
	inst, admin, payeur := []Role{RoleInstructeur}, []Role{RoleAdmin}, []Role{RolePayeur}
	for _, tc := range []struct {
		login     string
		roles     []Role
		actuel, a string
		want      bool
	}{
		{"marie", inst, "", "marie", true},
		{"marie", inst, "paul", "marie", true},
		{"marie", inst, "marie", "", true},
		{"marie", inst, "", "paul", false},
		{"marie", inst, "paul", "", false},
		{"admin", admin, "paul", "marie", true},
		{"admin", admin, "paul", "", true},
		{"pierre", payeur, "", "pierre", false},
	} {
		err := PeutAttribuer(tc.login, tc.roles, tc.actuel, tc.a)
		if (err == nil) != tc.want || err != nil && !IsCode(err, EFORBIDDEN) {
			t.Errorf("PeutAttribuer(%s, %v, %q, %q) = %v, want allowed %v", tc.login, tc.roles, tc.actuel, tc.a, err, tc.want)
		}
	}
}
