package segur

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// The dashboard's answers to what management asks first: how long the
// agency takes to decide and to pay, what waits and since when, who
// instructs what, and why the amounts' totals differ. The store reads the
// rows (aggregated where SQL can); these pure functions make the figures.

// PilotageFiltre narrows every figure of the dashboard: the requests of
// one software type, deposited in a campaign window.
type PilotageFiltre struct {
	Logiciel hop.Logiciel // "" for every type
	// Depuis and Avant bound the requests' deposit (a campaign window's
	// Debut and Fin); zero for no bound.
	Depuis, Avant time.Time
	// Maintenant is the dashboard's instant (the waiting requests' ages),
	// Semaine the start of its ISO week in Europe/Paris (DebutSemaine):
	// the decisions « this week », and the last of the SemainesDelais
	// weeks the delays cover. The caller sets both.
	Maintenant, Semaine time.Time
}

// DebutDelais is the start of the weeks the delays cover.
func (f PilotageFiltre) DebutDelais() time.Time {
	return f.Semaine.AddDate(0, 0, -7*(SemainesDelais-1))
}

// SemainesDelais is how many weeks of decisions and payments the delays
// cover, the current one included.
const SemainesDelais = 26

// DelaiDemande is one request's way through instruction: its deposit, its
// first decision (validation or refusal) and the payment of its advance
// (its batch marked paid), zero when not yet.
type DelaiDemande struct {
	Depot, Decision, Paiement time.Time
}

// Delai sums the delays of one week: how many, their median and 90th
// percentile.
type Delai struct {
	Nombre       int
	Mediane, P90 time.Duration
}

// DelaiSemaine is the delays of one ISO week (Europe/Paris): from deposit to
// decision for the requests decided that week, from decision to payment
// for the advances paid that week.
type DelaiSemaine struct {
	Semaine
	Decision, Paiement Delai
}

// Quantile is the q-quantile (0 ≤ q ≤ 1) of ds by linear interpolation
// between the closest ranks, as PostgreSQL's percentile_cont computes it;
// 0 for no value. ds is left as it is.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + time.Duration(math.Round(f*float64(s[i+1]-s[i])))
}

func delai(ds []time.Duration) Delai {
	return Delai{Nombre: len(ds), Mediane: Quantile(ds, 0.5), P90: Quantile(ds, 0.9)}
}

// DelaisParSemaine folds the requests' ways into ISO weeks of paris: the
// delay to decide in the week of the decision, the delay to pay in the
// week of the payment. Only weeks with a decision or a payment, oldest
// first.
func DelaisParSemaine(ds []DelaiDemande, paris *time.Location) []DelaiSemaine {
	dec, pai := map[Semaine][]time.Duration{}, map[Semaine][]time.Duration{}
	for _, d := range ds {
		if d.Decision.IsZero() {
			continue
		}
		s := semaineA(d.Decision, paris)
		dec[s] = append(dec[s], d.Decision.Sub(d.Depot))
		if !d.Paiement.IsZero() {
			s := semaineA(d.Paiement, paris)
			pai[s] = append(pai[s], d.Paiement.Sub(d.Decision))
		}
	}
	var out []DelaiSemaine
	for s, v := range dec {
		out = append(out, DelaiSemaine{Semaine: s, Decision: delai(v)})
	}
	for s, v := range pai {
		if i := slices.IndexFunc(out, func(w DelaiSemaine) bool { return w.Semaine == s }); i >= 0 {
			out[i].Paiement = delai(v)
		} else {
			out = append(out, DelaiSemaine{Semaine: s, Paiement: delai(v)})
		}
	}
	slices.SortFunc(out, func(a, b DelaiSemaine) int {
		if avant(a.Semaine, b.Semaine) {
			return -1
		}
		if avant(b.Semaine, a.Semaine) {
			return 1
		}
		return 0
	})
	return out
}

func semaineA(t time.Time, paris *time.Location) Semaine {
	y, m, d := t.In(paris).Date()
	return SemaineDe(hop.Date{Annee: y, Mois: int(m), Jour: d})
}

// DebutSemaine is the instant the ISO week of t starts: Monday 0 h in
// paris.
func DebutSemaine(t time.Time, paris *time.Location) time.Time {
	t = t.In(paris)
	y, m, d := t.Date()
	return time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, paris)
}

// Jours writes a duration in days with one decimal, the French way:
// « 3,5 j ».
func Jours(d time.Duration) string {
	dixiemes := int64(math.Round(d.Hours() / 24 * 10))
	signe := ""
	if dixiemes < 0 {
		signe, dixiemes = "-", -dixiemes
	}
	return signe + strconv.FormatInt(dixiemes/10, 10) + "," + strconv.FormatInt(dixiemes%10, 10) + "\u202fj"
}

// TrancheAttente is an age bucket of the requests awaiting the agency.
type TrancheAttente struct {
	Libelle string
	// Jusqua is the bucket's upper bound in days since deposit
	// (excluded); 0 for none.
	Jusqua int
}

// TranchesAttente are the age buckets, youngest first.
var TranchesAttente = []TrancheAttente{
	{Libelle: "Moins de 7 jours", Jusqua: 7},
	{Libelle: "De 7 à 30 jours", Jusqua: 30},
	{Libelle: "Plus de 30 jours"},
}

// TrancheDe is the index in TranchesAttente of a request deposited at
// depot, at now.
func TrancheDe(depot, now time.Time) int {
	age := now.Sub(depot)
	for i, t := range TranchesAttente {
		if t.Jusqua > 0 && age < time.Duration(t.Jusqua)*24*time.Hour {
			return i
		}
	}
	return len(TranchesAttente) - 1
}

// BornesAttente are the deposit instants that separate the buckets at
// now, youngest first: a request deposited after BornesAttente(now)[0] is
// in the first bucket, and so on (what TrancheDe says, for a query).
func BornesAttente(now time.Time) []time.Time {
	var out []time.Time
	for _, t := range TranchesAttente {
		if t.Jusqua > 0 {
			out = append(out, now.Add(-time.Duration(t.Jusqua)*24*time.Hour))
		}
	}
	return out
}

// StatutsAttente are the statuses of the requests awaiting the agency: the
// queue's « À traiter » tab.
func StatutsAttente() []StatutDemande {
	o, _ := OngletFileDe(OngletATraiter)
	return slices.Clone(o.Statuts)
}

// StatutsEnInstruction are the statuses of a request an instructor holds:
// the request's or its balance's instruction.
func StatutsEnInstruction() []StatutDemande {
	return Statuts(func(i InfoStatut) bool { return i.Badge == BadgeInfo })
}

// ActionsDecision are the actions that decide a request or its balance,
// counted as an instructor's decisions.
func ActionsDecision() []Action {
	return []Action{ActionValider, ActionRefuser, ActionValiderSolde, ActionRefuserSolde}
}

// PilotageAttente counts the requests of one status awaiting the agency in
// one age bucket (an index of TranchesAttente).
type PilotageAttente struct {
	Statut  StatutDemande
	Tranche int
	Nombre  int
}

// AttenteParTranche sums the waiting requests by bucket.
func (p *Pilotage) AttenteParTranche() []int {
	out := make([]int, len(TranchesAttente))
	for _, a := range p.Attente {
		if a.Tranche >= 0 && a.Tranche < len(out) {
			out[a.Tranche] += a.Nombre
		}
	}
	return out
}

// PilotageInstructeur is one instructor's work: the requests in
// instruction assigned to him, and those he decided this week.
type PilotageInstructeur struct {
	Agent                   string
	EnInstruction, Decidees int
}

// montantsStatut is what Montants sums for one status's row.
func montantsStatut(l PilotageStatut) (engage, paye, reste int64) {
	if !l.Statut.Finance() {
		return 0, 0, 0
	}
	i := l.Statut.Info()
	engage = l.Finance
	avance := int64(0)
	if i.AvancePayee {
		avance = l.Avance
	}
	paye = avance
	if i.SoldePaye {
		paye += l.SoldeAPayer
	}
	switch i.Reste {
	case ResteSolde:
		reste = l.SoldeAPayer
	case ResteFinancement:
		reste = l.Finance - avance
	}
	return engage, paye, reste
}

// CoefficientsEcart says how a request of status s opens a gap between
// « Engagé − Payé » and « Reste à payer »: the gap is finance×Finance +
// avance×Avance + solde×SoldeAPayer (the gap is linear in them, as
// Montants is). All zero: no gap in this status.
func CoefficientsEcart(s StatutDemande) (finance, avance, solde int64) {
	ecart := func(f, a, so int64) int64 {
		e, p, r := montantsStatut(PilotageStatut{Statut: s, Finance: f, Avance: a, SoldeAPayer: so})
		return e - p - r
	}
	return ecart(1, 0, 0), ecart(0, 1, 0), ecart(0, 0, 1)
}

// StatutsEcart are the statuses whose requests may open that gap.
func StatutsEcart() []StatutDemande {
	return Statuts(func(i InfoStatut) bool {
		f, a, s := CoefficientsEcart(i.Statut)
		return f != 0 || a != 0 || s != 0
	})
}

// PilotageEcart is what the store finds of the requests of one status
// that open a gap: how many, and the first ASP numbers.
type PilotageEcart struct {
	Statut   StatutDemande
	Nombre   int
	Exemples []string
}

// MaxExemplesEcart bounds the ASP numbers named for one status.
const MaxExemplesEcart = 3

// CauseEcart is one status's share of the gap.
type CauseEcart struct {
	Statut   StatutDemande
	Nombre   int
	Montant  int64
	Exemples []string
}

// Rapprochement reconciles the amounts: Engage − Paye against Reste, the
// gap (Ecart) and the statuses that make it; Paye against Virements.
type Rapprochement struct {
	Engage, Paye, Reste, Ecart int64
	Causes                     []CauseEcart
	Virements                  int64
}

// Rapprochement reconciles p's amounts.
func (p *Pilotage) Rapprochement() Rapprochement {
	r := Rapprochement{Virements: p.Virements}
	r.Engage, r.Paye, r.Reste = p.Montants()
	r.Ecart = r.Engage - r.Paye - r.Reste
	for _, l := range p.ParStatut {
		e, pa, re := montantsStatut(l)
		if m := e - pa - re; m != 0 {
			c := CauseEcart{Statut: l.Statut, Montant: m, Nombre: l.Nombre}
			for _, x := range p.Ecarts {
				if x.Statut == l.Statut {
					c.Nombre, c.Exemples = x.Nombre, x.Exemples
				}
			}
			r.Causes = append(r.Causes, c)
		}
	}
	return r
}

// Phrase says why « Engagé − Payé » and « Reste à payer » differ, in
// French; "" when they do not.
func (r Rapprochement) Phrase() string {
	if r.Ecart == 0 {
		return ""
	}
	var parts []string
	for _, c := range r.Causes {
		var b strings.Builder
		if c.Nombre == 1 && len(c.Exemples) == 1 {
			fmt.Fprintf(&b, "la demande %s", c.Exemples[0])
		} else {
			fmt.Fprintf(&b, "%s demande%s", Milliers(int64(c.Nombre)), pluriel(c.Nombre))
			if len(c.Exemples) > 0 {
				b.WriteString(" (" + strings.Join(c.Exemples, ", "))
				if c.Nombre > len(c.Exemples) {
					b.WriteString("…")
				}
				b.WriteString(")")
			}
		}
		fmt.Fprintf(&b, " au statut « %s » (%s)", c.Statut.Libelle(), raisonEcart(c.Statut))
		if len(r.Causes) > 1 {
			fmt.Fprintf(&b, " pour %s", Euros(c.Montant))
		}
		parts = append(parts, b.String())
	}
	verbe := "est"
	if len(r.Causes) > 1 || len(r.Causes) == 1 && r.Causes[0].Nombre > 1 {
		verbe = "vient de"
	}
	return fmt.Sprintf("Engagé − Payé = %s\u202f; Reste à payer = %s\u202f: l'écart de %s %s %s.",
		Euros(r.Engage-r.Paye), Euros(r.Reste), Euros(r.Ecart), verbe, strings.Join(parts, "\u202f; "))
}

// raisonEcart says why a status opens the gap.
func raisonEcart(s StatutDemande) string {
	i := s.Info()
	switch {
	case i.Reste == ResteRien && !i.SoldePaye:
		return "sous ordre de reversement, plus rien n'y est à payer"
	case i.Reste == ResteRien:
		return "soldée pour moins que le montant financé"
	case i.Reste == ResteSolde:
		return "solde validé inférieur au reste du montant financé"
	}
	return "reste à payer calculé autrement que l'engagé moins le payé"
}

// PhraseVirements says why « Payé » and « Virements » differ, in French;
// "" when they do not.
func (r Rapprochement) PhraseVirements() string {
	if r.Paye == r.Virements {
		return ""
	}
	return fmt.Sprintf("Payé (lu sur le statut des demandes) = %s\u202f; Virements (lus sur les lots marqués payés) = %s\u202f: écart de %s.", Euros(r.Paye), Euros(r.Virements), Euros(abs(r.Paye-r.Virements)))
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
