package segur

import (
	"strings"
	"time"
	"unicode/utf8"
)

// InfoAlerte is what the portal says of a type of alert: its name, why it
// is raised, what the agent should check before deciding, and whether it
// concerns the vendor itself rather than one request.
type InfoAlerte struct {
	Code        string
	Titre       string // short, as filters and badges say it
	Explication string // why the portal raises it
	AVerifier   string // what the agent checks before deciding
	// Fournisseur marks an alert on the vendor (its SIRET): seen once, it
	// is seen on all the vendor's requests.
	Fournisseur bool
}

// infosAlertes is the catalogue of alerts, in the order the filters list
// them.
var infosAlertes = []InfoAlerte{
	{Code: "cle_siret", Titre: "Clé SIRET", Fournisseur: true,
		Explication: "Le SIRET du fournisseur ne respecte pas sa clé de contrôle (algorithme de Luhn) : il peut s'agir d'une erreur de saisie à l'inscription, ou d'un établissement dont le SIRET fait exception (La Poste).",
		AVerifier:   "Rechercher le SIRET dans l'annuaire des entreprises (INSEE) et vérifier qu'il correspond bien au fournisseur inscrit\u202f; l'alerte vaut pour toutes ses demandes."},
	{Code: "cle_finess", Titre: "Clé FINESS",
		Explication: "Le FINESS PMSI d'un établissement bénéficiaire ne respecte pas sa clé de contrôle : le numéro est probablement mal saisi.",
		AVerifier:   "Comparer le FINESS au répertoire FINESS et au référentiel\u202f; demander un complément au fournisseur si le numéro est faux."},
	{Code: "hors_referentiel", Titre: "Hors référentiel",
		Explication: "Un établissement bénéficiaire est absent du référentiel des établissements éligibles : aucun plafond ne s'applique et le montant financé n'est pas limité.",
		AVerifier:   "Vérifier l'éligibilité de l'établissement et la version du référentiel importée\u202f; refuser ou faire compléter si l'établissement n'est pas éligible."},
	{Code: "au_dessus_plafonds", Titre: "Au-dessus des plafonds",
		Explication: "Le montant de la prestation dépasse la somme des plafonds des établissements pour ce logiciel : le montant financé est ramené au plafond.",
		AVerifier:   "Vérifier le montant HT et le régime de TVA déclarés, et que le fournisseur a connaissance du plafonnement."},
	{Code: "deja_finance", Titre: "Déjà financé",
		Explication: "Un établissement bénéficiaire est déjà financé pour ce logiciel par une autre demande validée.",
		AVerifier:   "Ouvrir l'autre demande et vérifier qu'il ne s'agit pas d'un doublon\u202f; un même établissement n'est financé qu'une fois par logiciel."},
}

// InfosAlertes returns the catalogue of alerts.
func InfosAlertes() []InfoAlerte { return append([]InfoAlerte(nil), infosAlertes...) }

// InfoAlerteDe returns what the catalogue says of alert code, and whether
// it knows it.
func InfoAlerteDe(code string) (InfoAlerte, bool) {
	for _, i := range infosAlertes {
		if i.Code == code {
			return i, true
		}
	}
	return InfoAlerte{Code: code, Titre: code}, false
}

// Info returns what the catalogue says of alert a.
func (a Alerte) Info() InfoAlerte {
	i, _ := InfoAlerteDe(a.Code)
	return i
}

// ActionAlerteVue is the history's line of an alert marked seen: not a
// transition, the status stays.
const ActionAlerteVue Action = "alerte_vue"

// AlerteVue is an alert an agent marked seen, with the reason: on one
// request (NumeroASP), or for an alert on the vendor, on all its requests
// (FournisseurID, NumeroASP empty). Demande is the request it was marked
// from, for the history; Le is stamped by the store's clock.
type AlerteVue struct {
	Code          string
	NumeroASP     string
	FournisseurID FournisseurID
	Demande       string
	Par           string
	Le            time.Time
	Raison        string
}

// maxRaisonAlerte bounds the reason of an alert marked seen, in bytes.
const maxRaisonAlerte = 2000

// NouvelleAlerteVue prepares the marking of alert code, seen on request d
// by par for reason (the store stamps it): vendor-wide for an alert on the vendor. The
// alert must be one the request carries (alertes), and the reason given.
func NouvelleAlerteVue(d *Demande, alertes []Alerte, code, par, raison string) (AlerteVue, error) {
	raison = strings.TrimSpace(raison)
	if raison == "" {
		return AlerteVue{}, Errorf(EINVALID, "raison obligatoire : dites pourquoi l'alerte peut être considérée comme vue")
	}
	if len(raison) > maxRaisonAlerte || !utf8.ValidString(raison) {
		return AlerteVue{}, Errorf(EINVALID, "raison trop longue : au plus %d caractères", maxRaisonAlerte)
	}
	porte := false
	for _, a := range alertes {
		porte = porte || a.Code == code
	}
	info, connue := InfoAlerteDe(code)
	if !connue || !porte {
		return AlerteVue{}, Errorf(EINVALID, "la demande %s ne porte pas d'alerte « %s »", d.NumeroASP, info.Titre)
	}
	v := AlerteVue{Code: code, Demande: d.NumeroASP, Par: par, Raison: raison}
	if info.Fournisseur {
		v.FournisseurID = d.FournisseurID
	} else {
		v.NumeroASP = d.NumeroASP
	}
	return v, nil
}

// VueSur returns the marking of vues that covers alert a on request d, or
// nil: the vendor's for an alert on the vendor, the request's otherwise.
func VueSur(a Alerte, d *Demande, vues []AlerteVue) *AlerteVue {
	fournisseur := a.Info().Fournisseur
	for i, v := range vues {
		if v.Code != a.Code {
			continue
		}
		if fournisseur && v.FournisseurID == d.FournisseurID && v.NumeroASP == "" || !fournisseur && v.NumeroASP == d.NumeroASP {
			return &vues[i]
		}
	}
	return nil
}

// NonVues returns the alerts of request d that no marking of vues covers.
func NonVues(d *Demande, alertes []Alerte, vues []AlerteVue) []Alerte {
	var out []Alerte
	for _, a := range alertes {
		if VueSur(a, d, vues) == nil {
			out = append(out, a)
		}
	}
	return out
}

// TitresAlertes lists the titles of alertes, each once: « clé SIRET,
// hors référentiel ».
func TitresAlertes(alertes []Alerte) string {
	var t []string
	for _, a := range alertes {
		ti := a.Info().Titre
		if len(t) == 0 {
			t = append(t, ti)
			continue
		}
		ti = strings.ToLower(ti[:1]) + ti[1:]
		if !containsString(t, ti) {
			t = append(t, ti)
		}
	}
	return strings.Join(t, ", ")
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if strings.EqualFold(y, x) {
			return true
		}
	}
	return false
}
