package web

import (
	"net/http"
	"slices"
	"strconv"

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
	grLigne   = 28  // one bar's row
	grEpais   = 18  // a bar's thickness
	grMarge   = 6
)

// graphique places bars of values v (their labels l, their values as
// written w) on a common scale.
func graphique(id, titre, desc string, l []string, v []int64, w []string) Graphique {
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

// PagePilotage is the agency's dashboard.
type PagePilotage struct {
	Base
	Engage, Paye, Reste, Virements  string
	Demandes                        int
	Statuts, Logiciels              []LignePilotage
	Semaines                        []SemaineVue
	Codes                           []CodeVue
	DepotsRejetes, Depots           int
	GrStatuts, GrLogiciels          Graphique
	GrSemaines, GrCodes, GrMontants Graphique
}

// maxSemainesGraphique bounds the weeks the chart shows: the last ones;
// the table holds them all.
const maxSemainesGraphique = 26

func (s *Server) getPilotage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pil, err := s.Store.FindPilotage(ctx)
	if err != nil {
		return err
	}
	p := PagePilotage{Base: Base{Titre: "Pilotage", Nav: "pilotage", Utilisateur: utilisateur(ctx)}}
	engage, paye, reste := pil.Montants()
	p.Engage, p.Paye, p.Reste, p.Virements = segur.Euros(engage), segur.Euros(paye), segur.Euros(reste), segur.Euros(pil.Virements)
	p.GrMontants = graphique("gr-montants", "Montants engagés, payés et restant à payer", "Montants en euros des demandes financées.",
		[]string{"Engagé (montant financé)", "Payé", "Reste à payer"}, []int64{engage, paye, reste},
		[]string{p.Engage, p.Paye, p.Reste})

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
