package segur

import (
	"strings"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

func TestReference(t *testing.T) {
	ref := ReferenceDemo()
	for _, f := range []string{"999999999", "999999991", "999999992"} {
		if _, ok := ref[f]; !ok {
			t.Errorf("demo reference lacks %s", f)
		}
	}
	if got := ref["999999999"].Plafonds[hop.LogicielRI]; got != 3000000 {
		t.Errorf("got ceiling %d, want 3000000", got)
	}
	for _, bad := range []string{"1;a;1;2", "12345;A;1;2;3", "999999999;A;x;2;3", "999999999;A;1;2;3\n999999999;B;1;2;3"} {
		if _, err := LireReference(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "ligne") {
			t.Errorf("%q: got %v, want an error naming the line", bad, err)
		}
	}
}

func TestAlertes(t *testing.T) {
	res := controler(t, exemple(t), depotExemple(), hop.Options{})
	d := &Demande{NumeroASP: "ASP-1", Logiciel: hop.LogicielRI, DonneesDemande: res.Donnees(0)}
	codes := func(as []Alerte) string {
		var c []string
		for _, a := range as {
			c = append(c, a.Code)
		}
		return strings.Join(c, ",")
	}
	// The document's example: SIRET and FINESS 999999999 fail their key;
	// 13 750 € is below the RI ceilings (50 000 €).
	got := codes(Alertes(d, "88558855858745", ReferenceDemo(), nil, ProgrammeParDefaut))
	if got != "cle_siret,cle_finess,cle_finess,cle_finess" {
		t.Errorf("got %s", got)
	}
	// 60 000 € HT for an RI is above its establishments' ceilings (50 000 €).
	d.MontantHTCents = 6_000_000
	if got := codes(Alertes(d, "35600000000048", ReferenceDemo(), map[string]string{"999999991": "ASP-0"}, ProgrammeParDefaut)); !strings.Contains(got, "deja_finance") || !strings.Contains(got, "au_dessus_plafonds") {
		t.Errorf("got %s, want already financed and above the ceilings", got)
	}
	if got := codes(Alertes(d, "35600000000048", Reference{}, nil, ProgrammeParDefaut)); strings.Count(got, "hors_referentiel") != 3 {
		t.Errorf("got %s, want three establishments outside the reference", got)
	}
	for s, want := range map[string]int64{"10 000,00": 1000000, "10000.5": 1000050, "10\u00a0000": 1000000} {
		if got, ok := LireEuros(s); !ok || got != want {
			t.Errorf("LireEuros(%q): got %d %v, want %d", s, got, ok, want)
		}
	}
}
