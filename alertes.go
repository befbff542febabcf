package segur

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur/hop"
)

//go:embed donnees/reference-demo.csv
var referenceDemo []byte

// Etablissement is an eligible establishment of the agency's reference, with
// its ceiling per software type, in cents HT.
type Etablissement struct {
	FINESSPMSI string
	Nom        string
	Plafonds   map[hop.Logiciel]int64
}

// Reference is the reference of establishments, by FINESS PMSI.
type Reference map[string]Etablissement

// ReferenceDemo is the fictitious reference shipped for the demo and tests.
func ReferenceDemo() Reference {
	r, err := LireReference(bytes.NewReader(referenceDemo))
	if err != nil {
		panic("segur: demo reference: " + err.Error()) // a build fault, caught by the tests
	}
	return r
}

// LireReference reads a reference: lines « FINESS;nom;plafond RI;plafond DPI;
// plafond PFI », amounts in euros HT as spreadsheets write them; lines
// starting with # are comments. Every mistake names its line.
func LireReference(r io.Reader) (Reference, error) {
	ref := Reference{}
	sc := bufio.NewScanner(io.LimitReader(r, 64<<20))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ";")
		if len(f) != 5 {
			return nil, fmt.Errorf("référentiel, ligne %d : %d colonnes, 5 attendues (FINESS;nom;plafond RI;plafond DPI;plafond PFI)", n, len(f))
		}
		finess := strings.TrimSpace(f[0])
		if !hop.FINESSValide(finess) {
			return nil, fmt.Errorf("référentiel, ligne %d : FINESS « %s » : 9 chiffres, ou 2A/2B et 7 chiffres, attendus", n, finess)
		}
		e := Etablissement{FINESSPMSI: finess, Nom: strings.TrimSpace(f[1]), Plafonds: map[hop.Logiciel]int64{}}
		for i, l := range []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI} {
			c, ok := LireEuros(f[2+i])
			if !ok {
				return nil, fmt.Errorf("référentiel, ligne %d : plafond %s « %s » : un montant en euros attendu (ex. 10000,00)", n, l, f[2+i])
			}
			e.Plafonds[l] = c
		}
		if _, dup := ref[finess]; dup {
			return nil, fmt.Errorf("référentiel, ligne %d : FINESS %s déjà présent", n, finess)
		}
		ref[finess] = e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("référentiel, ligne %d : %w", n+1, err)
	}
	return ref, nil
}

// LireEuros reads « 10 000,00 », « 10000.00 », « 10000 » or « 10 000 € »
// in cents.
func LireEuros(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(strings.TrimSpace(s))
	s = strings.Replace(s, ",", ".", 1)
	ent, dec, _ := strings.Cut(s, ".")
	if len(dec) > 2 || ent == "" || !digits(ent) || dec != "" && !digits(dec) {
		return 0, false
	}
	for len(dec) < 2 {
		dec += "0"
	}
	e, err := strconv.ParseInt(ent, 10, 64)
	if err != nil || e > 1_000_000_000 {
		return 0, false
	}
	return e*100 + int64(atoi(dec)), true
}

// Alerte is what an agent is warned of on a request.
type Alerte struct {
	Code    string // stable: cle_finess, cle_siret, hors_referentiel, au_dessus_plafonds, deja_finance
	Message string // French
}

// Plafonds returns the ceilings of a request's establishments for its
// software type, or nil when one of them is not in the reference.
func (ref Reference) Plafonds(d hop.DonneesDemande, l hop.Logiciel) []int64 {
	if ref == nil {
		return nil
	}
	var out []int64
	for _, c := range d.Clients {
		e, ok := ref[c.FINESSPMSI]
		if !ok {
			return nil
		}
		out = append(out, e.Plafonds[l])
	}
	return out
}

// Alertes computes what the agent must see on a request: identifier keys
// that fail, establishments outside the reference, an amount above the
// ceilings, establishments already financed for this software type by
// another validated request (dejaFinances: FINESS → its ASP number).
func Alertes(d *Demande, siret string, ref Reference, dejaFinances map[string]string, prog Programme) []Alerte {
	var out []Alerte
	if !hop.SIRETCleValide(siret) {
		out = append(out, Alerte{"cle_siret", fmt.Sprintf("SIRET %s : la clé de contrôle est fausse", siret)})
	}
	for _, c := range d.Clients {
		if !hop.FINESSCleValide(c.FINESSPMSI) {
			out = append(out, Alerte{"cle_finess", fmt.Sprintf("FINESS %s (%s) : la clé de contrôle est fausse", c.FINESSPMSI, c.Nom)})
		}
		if ref != nil {
			if _, ok := ref[c.FINESSPMSI]; !ok {
				out = append(out, Alerte{"hors_referentiel", fmt.Sprintf("FINESS %s (%s) : absent du référentiel : aucun plafond ne s'applique", c.FINESSPMSI, c.Nom)})
			}
		}
		if asp, ok := dejaFinances[c.FINESSPMSI]; ok && asp != d.NumeroASP {
			out = append(out, Alerte{"deja_finance", fmt.Sprintf("FINESS %s (%s) : déjà financé pour le logiciel %s (demande %s)", c.FINESSPMSI, c.Nom, d.Logiciel, asp)})
		}
	}
	if p := ref.Plafonds(d.DonneesDemande, d.Logiciel); p != nil {
		prestation := MontantPrestation(d.RegimeTVA, d.MontantHTCents, prog)
		if plafond := MontantFinance(d.RegimeTVA, d.MontantHTCents, p, prog); plafond < prestation {
			out = append(out, Alerte{"au_dessus_plafonds", fmt.Sprintf("montant %s au-dessus des plafonds des établissements (%s) : le montant financé est ramené à ce plafond",
				Euros(prestation), Euros(plafond))})
		}
	}
	return out
}

// AlerteACalculer is a request whose stored alert codes must be computed
// again (the store marks it when what its alerts depend on changes), with
// its vendor's SIRET and the mark it was claimed under: the codes are
// written only while the mark is still that one.
type AlerteACalculer struct {
	Demande Demande
	SIRET   string
	Seq     int64
}

// AlertesCalculees are the alert codes computed for a request claimed under
// mark Seq: those of Alertes, each once.
type AlertesCalculees struct {
	DemandeID DemandeID
	Seq       int64
	Codes     []string
}

// CodesAlertes returns the codes of alertes, each once, in their order.
func CodesAlertes(alertes []Alerte) []string {
	out := []string{}
	for _, a := range alertes {
		if !slices.Contains(out, a.Code) {
			out = append(out, a.Code)
		}
	}
	return out
}
