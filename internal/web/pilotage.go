package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// The agency's dashboard: the requests by status, by software type and by
// week of deposit, the amounts committed, paid and remaining, the result
// codes that trip vendors up. Each chart is an SVG drawn here, without
// script nor style attribute (the policy allows neither): bars and text
// with presentation attributes, a title and a description, and the same
// figures in a table beside it. On a small screen, where the SVG's text
// would shrink past reading, the chart is a list instead: each label with
// its value beside it and a <meter> for the bar (segur.css).

// Graphique is a horizontal bar chart.
type Graphique struct {
	ID, Titre, Description string
	Largeur, Hauteur       int
	XBarres, Epaisseur     int   // where the bars start, their thickness
	Maxi                   int64 // the longest bar's value (at least 1): the meters' max
	Barres                 []Barre
}

// Barre is one bar of a chart, placed: its label on the left, the bar,
// its value after it.
type Barre struct {
	Libelle, Valeur            string
	Nombre                     int64 // the value, for the small screen's meter
	Y, YTexte, Largeur, XTexte int
}

// Geometry of the charts, in SVG user units (pixels at 100 %).
const (
	grLibelle = 230 // the labels' column
	grBarres  = 420 // the longest bar
	grValeur  = 150 // room for the value after a bar
	grLigne   = 24  // one bar's row
	grEpais   = 16  // a bar's thickness
	grMarge   = 6
)

// graphique places bars of values v (their labels l, their values as
// written w) on a common scale.
//
// Rows at zero are left out: a bar of nothing says nothing.
func graphique(id, titre, desc string, l []string, v []int64, w []string) Graphique {
	var l2, w2 []string
	var v2 []int64
	for i := range l {
		if v[i] != 0 {
			l2, v2, w2 = append(l2, l[i]), append(v2, v[i]), append(w2, w[i])
		}
	}
	l, v, w = l2, v2, w2
	g := Graphique{ID: id, Titre: titre, Description: desc, Largeur: grLibelle + grBarres + grValeur,
		Hauteur: 2*grMarge + len(l)*grLigne, XBarres: grLibelle, Epaisseur: grEpais}
	var maxi int64
	for _, x := range v {
		maxi = max(maxi, x)
	}
	g.Maxi = max(1, maxi)
	for i := range l {
		b := Barre{Libelle: l[i], Valeur: w[i], Nombre: max(0, v[i]), Y: grMarge + i*grLigne + (grLigne-grEpais)/2}
		b.YTexte = b.Y + grEpais - 4
		if maxi > 0 && v[i] > 0 {
			b.Largeur = max(1, int(v[i]*grBarres/maxi))
		}
		b.XTexte = grLibelle + b.Largeur + 6
		g.Barres = append(g.Barres, b)
	}
	return g
}

// LignePilotage is a row of a dashboard's table.
type LignePilotage struct {
	Libelle                            string
	Nombre                             int
	MontantHT, Finance, Avance, Second string
}

// SemaineVue is a week of deposits.
type SemaineVue struct {
	Semaine, Lundi                  string
	Depots, DepotsRejetes, Demandes int
	MontantHT                       string
}

// CodeVue is a result code with its label.
type CodeVue struct {
	Code, Libelle string
	Controle      int
	Nombre        int
}

// DelaiVue is a week of delays, written.
type DelaiVue struct {
	Semaine, Lundi               string
	Decisions, Paiements         int
	DecisionMediane, DecisionP90 string
	PaiementMediane, PaiementP90 string
}

// AttenteVue is a status's waiting requests by age bucket.
type AttenteVue struct {
	Libelle string
	Nombres []int
	Total   int
}

// OptionVue is an option of a filter's select.
type OptionVue struct {
	Valeur, Libelle string
	Choisie         bool
}

// PagePilotage is the agency's dashboard.
type PagePilotage struct {
	Base
	// The filters, their options, and what they keep, in words.
	FiltreLogiciels, Fenetres []OptionVue
	Filtre                    string
	// Calcul says when the figures were computed (cachePilotage).
	Calcul                                            string
	Engage, Paye, Reste, Virements                    string
	ARecouvrer                                        string
	Rapprochement, RapprochementVirements             string
	Delais                                            []DelaiVue
	Tranches                                          []string
	Attente                                           []AttenteVue
	AttenteTotaux                                     []int
	Instructeurs                                      []segur.PilotageInstructeur
	GrDecision, GrPaiement, GrAttente, GrInstructeurs Graphique
	Demandes                                          int
	Statuts, Logiciels                                []LignePilotage
	Semaines                                          []SemaineVue
	Codes                                             []CodeVue
	DepotsRejetes, Depots                             int
	GrStatuts, GrLogiciels                            Graphique
	GrSemaines, GrCodes, GrMontants                   Graphique
}

// maxSemainesGraphique bounds the weeks the chart shows: the last ones;
// the table holds them all.
const maxSemainesGraphique = 26

func (s *Server) getPilotage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := PagePilotage{Base: Base{Titre: "Pilotage", Nav: "pilotage", Utilisateur: utilisateur(ctx)}}
	now := s.Now()
	f := segur.PilotageFiltre{Maintenant: now, Semaine: segur.DebutSemaine(now, s.Paris)}
	q := r.URL.Query()
	var filtres []string
	for _, l := range []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI} {
		o := OptionVue{Valeur: string(l), Libelle: string(l), Choisie: q.Get("logiciel") == string(l)}
		if o.Choisie {
			f.Logiciel = l
			filtres = append(filtres, "logiciel "+string(l))
		}
		p.FiltreLogiciels = append(p.FiltreLogiciels, o)
	}
	fen, err := s.Store.FindFenetres(ctx)
	if err != nil {
		return err
	}
	for _, w := range fen {
		id := strconv.FormatInt(int64(w.ID), 10)
		lib := fmt.Sprintf("%s, %s, du %s au %s", w.Logiciel, w.Type, w.Debut.In(s.Paris).Format("02/01/2006"), w.Fin.In(s.Paris).Format("02/01/2006"))
		o := OptionVue{Valeur: id, Libelle: lib, Choisie: q.Get("fenetre") == id}
		if o.Choisie {
			// The window's requests: deposited while it was open, of its
			// software type unless another is chosen.
			f.Depuis, f.Avant = w.Debut, w.Fin
			if f.Logiciel == "" {
				f.Logiciel = w.Logiciel
			}
			filtres = append(filtres, "déposées pendant la fenêtre "+lib)
		}
		p.Fenetres = append(p.Fenetres, o)
	}
	p.Filtre = strings.Join(filtres, "\u202f; ")
	pil, quand, err := s.pilotage.figures(ctx, f, now)
	if err != nil {
		return err
	}
	p.Calcul = "Chiffres arrêtés le " + quand.In(s.Paris).Format("02/01/2006 à 15:04:05") + " (heure de Paris), recalculés au plus une fois par minute."
	rap := pil.Rapprochement()
	engage, paye, reste := rap.Engage, rap.Paye, rap.Reste
	p.Engage, p.Paye, p.Reste, p.Virements = segur.Euros(engage), segur.Euros(paye), segur.Euros(reste), segur.Euros(pil.Virements)
	p.ARecouvrer = segur.Euros(pil.ARecouvrer)
	p.Rapprochement, p.RapprochementVirements = rap.Phrase(), rap.PhraseVirements()
	p.GrMontants = graphique("gr-montants", "Montants engagés, payés, restant à payer et à recouvrer", "Montants en euros des demandes financées.",
		[]string{"Engagé (montant financé)", "Payé", "Reste à payer", "À recouvrer"}, []int64{engage, paye, reste, pil.ARecouvrer},
		[]string{p.Engage, p.Paye, p.Reste, p.ARecouvrer})

	// Delays, the last weeks first in the table, oldest first in the charts.
	var (
		ld, lp []string
		vd, vp []int64
		wd, wp []string
	)
	for _, w := range segur.DelaisParSemaine(pil.Delais, s.Paris) {
		v := DelaiVue{Semaine: w.Semaine.String(), Lundi: w.Lundi().String(), Decisions: w.Decision.Nombre, Paiements: w.Paiement.Nombre}
		lib := w.Semaine.String()
		if w.Decision.Nombre > 0 {
			v.DecisionMediane, v.DecisionP90 = segur.Jours(w.Decision.Mediane), segur.Jours(w.Decision.P90)
			ld, vd, wd = append(ld, lib), append(vd, max(1, int64(w.Decision.Mediane/time.Minute))), append(wd, v.DecisionMediane)
		}
		if w.Paiement.Nombre > 0 {
			v.PaiementMediane, v.PaiementP90 = segur.Jours(w.Paiement.Mediane), segur.Jours(w.Paiement.P90)
			lp, vp, wp = append(lp, lib), append(vp, max(1, int64(w.Paiement.Mediane/time.Minute))), append(wp, v.PaiementMediane)
		}
		p.Delais = append([]DelaiVue{v}, p.Delais...)
	}
	p.GrDecision = graphique("gr-decision", "Délai médian du dépôt à la décision, par semaine de décision",
		"Médiane en jours du délai entre le dépôt et la première validation ou le refus, par semaine ISO de la décision (heure de Paris).", ld, vd, wd)
	p.GrPaiement = graphique("gr-paiement", "Délai médian de la décision au paiement de l'avance, par semaine de paiement",
		"Médiane en jours du délai entre la décision et le paiement de l'avance (lot marqué payé), par semaine ISO du paiement (heure de Paris).", lp, vp, wp)

	// The backlog by age.
	p.AttenteTotaux = pil.AttenteParTranche()
	var vals0 []int64
	var ecr0 []string
	for i, t := range segur.TranchesAttente {
		p.Tranches = append(p.Tranches, t.Libelle)
		vals0, ecr0 = append(vals0, int64(p.AttenteTotaux[i])), append(ecr0, strconv.Itoa(p.AttenteTotaux[i]))
	}
	p.GrAttente = graphique("gr-attente", "Demandes à traiter par ancienneté du dépôt",
		"Demandes qui attendent l'agence (onglet « À traiter » : déposées, en instruction, solde déposé ou en instruction), par ancienneté depuis leur dépôt.",
		p.Tranches, vals0, ecr0)
	for _, st := range segur.StatutsAttente() {
		a := AttenteVue{Libelle: st.Libelle(), Nombres: make([]int, len(segur.TranchesAttente))}
		for _, l := range pil.Attente {
			if l.Statut == st {
				a.Nombres[l.Tranche] += l.Nombre
				a.Total += l.Nombre
			}
		}
		if a.Total > 0 {
			p.Attente = append(p.Attente, a)
		}
	}

	// Per instructor.
	p.Instructeurs = pil.Instructeurs
	var li []string
	var vi []int64
	var wi []string
	for _, l := range pil.Instructeurs {
		li, vi, wi = append(li, l.Agent), append(vi, int64(l.EnInstruction)), append(wi, strconv.Itoa(l.EnInstruction))
	}
	p.GrInstructeurs = graphique("gr-instructeurs", "Demandes en instruction par instructeur",
		"Demandes en instruction (avance ou solde) attribuées à chaque instructeur.", li, vi, wi)

	par := map[segur.StatutDemande]segur.PilotageStatut{}
	for _, l := range pil.ParStatut {
		par[l.Statut] = l
		p.Demandes += l.Nombre
	}
	var (
		libs []string
		vals []int64
		ecr  []string
	)
	statuts := segur.Statuts(nil)
	for _, l := range pil.ParStatut {
		if !slices.Contains(statuts, l.Statut) {
			statuts = append(statuts, l.Statut)
		}
	}
	for _, st := range statuts {
		l := par[st]
		if l.Nombre == 0 {
			continue
		}
		p.Statuts = append(p.Statuts, LignePilotage{Libelle: st.Libelle(), Nombre: l.Nombre, MontantHT: segur.Euros(l.MontantHT),
			Finance: segur.Euros(l.Finance)})
		libs, vals, ecr = append(libs, st.Libelle()), append(vals, int64(l.Nombre)), append(ecr, strconv.Itoa(l.Nombre))
	}
	p.GrStatuts = graphique("gr-statuts", "Demandes par statut", "Nombre de demandes acceptées au contrôle 2, par statut d'instruction.", libs, vals, ecr)

	libs, vals, ecr = nil, nil, nil
	for _, l := range pil.ParLogiciel {
		p.Logiciels = append(p.Logiciels, LignePilotage{Libelle: string(l.Logiciel), Nombre: l.Nombre, MontantHT: segur.Euros(l.MontantHT),
			Finance: segur.Euros(l.Finance)})
		libs, vals, ecr = append(libs, string(l.Logiciel)), append(vals, l.Finance), append(ecr, segur.Euros(l.Finance))
	}
	p.GrLogiciels = graphique("gr-logiciels", "Montant financé par type de logiciel", "Somme des montants financés, par type de logiciel du couloir HOP.", libs, vals, ecr)

	libs, vals, ecr = nil, nil, nil
	sem := pil.Semaines()
	for i, w := range sem {
		lundi := w.Lundi()
		if w.Depots == 0 {
			continue
		}
		p.Semaines = append(p.Semaines, SemaineVue{Semaine: w.String(), Lundi: lundi.String(), Depots: w.Depots,
			DepotsRejetes: w.DepotsRejetes, Demandes: w.Demandes, MontantHT: segur.Euros(w.MontantHT)})
		p.Depots += w.Depots
		p.DepotsRejetes += w.DepotsRejetes
		if i >= len(sem)-maxSemainesGraphique {
			libs, vals, ecr = append(libs, w.String()+" (lundi "+lundi.String()+")"), append(vals, int64(w.Demandes)), append(ecr, strconv.Itoa(w.Demandes))
		}
	}
	p.GrSemaines = graphique("gr-semaines", "Demandes acceptées par semaine de dépôt",
		"Nombre de demandes acceptées, par semaine ISO de leur dépôt (heure de Paris) ; au plus les 26 dernières semaines.", libs, vals, ecr)

	libs, vals, ecr = nil, nil, nil
	for _, c := range pil.CodesFrequents(10) {
		v := CodeVue{Code: c.Code, Nombre: c.Nombre, Libelle: "Code " + c.Code}
		if info, ok := hop.InfoCode(c.Code); ok {
			v.Libelle, v.Controle = info.Titre, info.Controle
		}
		p.Codes = append(p.Codes, v)
		libs, vals, ecr = append(libs, c.Code+" (contrôle "+strconv.Itoa(v.Controle)+")"), append(vals, int64(c.Nombre)), append(ecr, strconv.Itoa(c.Nombre))
	}
	p.GrCodes = graphique("gr-codes", "Codes de rejet les plus fréquents",
		"Les 10 codes de résultat les plus fréquents : fautes du contrôle 1 (fichier rejeté) et du contrôle 2 (demande rejetée).", libs, vals, ecr)
	s.render(w, http.StatusOK, "pilotage.html", p)
	return nil
}
