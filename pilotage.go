package segur

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// Pilotage is what the agency's dashboard shows: the requests by status,
// by software type and by week of deposit, the amounts committed, paid
// and remaining, and the result codes that reject files and requests
// most often.
type Pilotage struct {
	ParStatut   []PilotageStatut
	ParLogiciel []PilotageLogiciel
	ParJour     []PilotageJour // by deposit date, oldest first
	Codes       []PilotageCode // every result code found, but 0000
	// Virements is what the payments of the batches marked paid (not
	// cancelled) transferred, in cents: advances and balances.
	Virements int64

	// ARecouvrer is what the requests under an order of recovery owe: the
	// balance's excess, or the non-compliant control's amount.
	ARecouvrer int64
	// Ecarts: the requests that make « Engagé − Payé » differ from
	// « Reste à payer », by status (see Rapprochement).
	Ecarts []PilotageEcart
	// Delais: the requests decided or paid in the weeks the delays cover.
	Delais []DelaiDemande
	// Attente: the requests awaiting the agency by status and age bucket.
	Attente []PilotageAttente
	// Instructeurs: each instructor's work, by login.
	Instructeurs []PilotageInstructeur
}

// LignePaiement is a payment of a batch, as the exports list it.
type LignePaiement struct {
	ID            int64 // the payment's (Paiement.ID)
	Lot           LotID
	EtatLot       EtatLot
	PayeLe        hop.Date // the transfer's date, zero before
	NumeroASP     string
	NumeroEditeur string
	FournisseurID FournisseurID
	Nature        NaturePaiement
	Montant       int64
	Annule        bool
	Avis          string // the reference of the vendor's payment notice, "" before
}

// PilotageStatut sums the requests of one status, in cents.
type PilotageStatut struct {
	Statut StatutDemande
	Nombre int
	// MontantHT is the sum of montantSegurHT, Finance of the amounts
	// financed, Avance of their advances (each rounded as Avance does),
	// SoldeAPayer of the balances validated.
	MontantHT, Finance, Avance, SoldeAPayer int64
}

// PilotageLogiciel sums the requests of one software type.
type PilotageLogiciel struct {
	Logiciel  hop.Logiciel
	Nombre    int
	MontantHT int64
	Finance   int64
}

// PilotageJour counts the deposits of one day (Europe/Paris) and the
// requests they brought.
type PilotageJour struct {
	Jour                  hop.Date
	Depots, DepotsRejetes int // every deposit, and those control 1 rejected
	Demandes              int // the requests accepted
	MontantHT             int64
}

// PilotageCode counts one result code: control-1 faults of rejected
// deposits, control-2 faults of rejected requests.
type PilotageCode struct {
	Code   string
	Nombre int
}

// Semaine is an ISO week (ISO 8601: from Monday, the week of the year's
// first Thursday is week 1).
type Semaine struct {
	Annee, Numero int
}

// String writes the week as « 2026-S09 ».
func (s Semaine) String() string { return fmt.Sprintf("%04d-S%02d", s.Annee, s.Numero) }

// SemaineDe is the ISO week of date d.
func SemaineDe(d hop.Date) Semaine {
	a, n := time.Date(d.Annee, time.Month(d.Mois), d.Jour, 12, 0, 0, 0, time.UTC).ISOWeek()
	return Semaine{a, n}
}

// Lundi is the Monday that starts week s.
func (s Semaine) Lundi() hop.Date {
	// January 4th is always in week 1.
	j4 := time.Date(s.Annee, 1, 4, 12, 0, 0, 0, time.UTC)
	decalage := (int(j4.Weekday()) + 6) % 7 // days since Monday
	t := j4.AddDate(0, 0, -decalage+7*(s.Numero-1))
	return hop.Date{Annee: t.Year(), Mois: int(t.Month()), Jour: t.Day()}
}

// PilotageSemaine sums the days of one ISO week.
type PilotageSemaine struct {
	Semaine
	Depots, DepotsRejetes, Demandes int
	MontantHT                       int64
}

// Semaines folds the days of p into ISO weeks, oldest first, every week
// between the first and the last one present (an empty week shows as 0).
func (p *Pilotage) Semaines() []PilotageSemaine {
	if len(p.ParJour) == 0 {
		return nil
	}
	par := map[Semaine]*PilotageSemaine{}
	premier, dernier := SemaineDe(p.ParJour[0].Jour), SemaineDe(p.ParJour[0].Jour)
	for _, j := range p.ParJour {
		s := SemaineDe(j.Jour)
		w := par[s]
		if w == nil {
			w = &PilotageSemaine{Semaine: s}
			par[s] = w
		}
		w.Depots += j.Depots
		w.DepotsRejetes += j.DepotsRejetes
		w.Demandes += j.Demandes
		w.MontantHT += j.MontantHT
		if avant(s, premier) {
			premier = s
		}
		if avant(dernier, s) {
			dernier = s
		}
	}
	var out []PilotageSemaine
	l := premier.Lundi()
	for t := time.Date(l.Annee, time.Month(l.Mois), l.Jour, 12, 0, 0, 0, time.UTC); ; t = t.AddDate(0, 0, 7) {
		s := SemaineDe(hop.Date{Annee: t.Year(), Mois: int(t.Month()), Jour: t.Day()})
		if w := par[s]; w != nil {
			out = append(out, *w)
		} else {
			out = append(out, PilotageSemaine{Semaine: s})
		}
		if s == dernier {
			return out
		}
	}
}

func avant(a, b Semaine) bool { return a.Annee < b.Annee || a.Annee == b.Annee && a.Numero < b.Numero }

// Montants are the amounts of the requests holding a financing, in cents:
// committed (the amounts financed), paid (the advances from avance_payee
// on, and the balances of the soldee requests, as the statuses tell) and
// remaining to pay on the requests not closed (the amount financed less
// what was paid; the balance validated once it is; nothing on a request
// soldee or whose recovery is ordered).
func (p *Pilotage) Montants() (engage, paye, reste int64) {
	for _, l := range p.ParStatut {
		e, pa, r := montantsStatut(l)
		engage, paye, reste = engage+e, paye+pa, reste+r
	}
	return engage, paye, reste
}

// CodesFrequents are the n codes found most often, the most frequent
// first (by code on a tie).
func (p *Pilotage) CodesFrequents(n int) []PilotageCode {
	c := slices.Clone(p.Codes)
	slices.SortFunc(c, func(a, b PilotageCode) int {
		return cmp.Or(cmp.Compare(b.Nombre, a.Nombre), cmp.Compare(a.Code, b.Code))
	})
	return c[:min(n, len(c))]
}
