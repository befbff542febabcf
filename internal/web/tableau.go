package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/segur-numerique/segur"
)

// PageTableau is the vendor's dashboard.
type PageTableau struct {
	Base
	Fournisseur *segur.Fournisseur
	// AFaire is what waits for the vendor, the longest waiting first, at
	// most aFaireMax; Autres, per kind, what the panel leaves out.
	AFaire        []AFaireVue
	Autres        []AutresVue
	Produits      []segur.Produit
	Fenetres      []FenetreVue
	Depots        []DepotVue
	DemandesTotal int
	ParStatut     []CompteStatut
}

// AFaireVue is one thing the vendor has to do, as the dashboard lists it.
type AFaireVue struct {
	Titre, Lien string
	// Date says when it was asked and, for a convention, by when.
	Date string
	// Badge is the kind of the DSFR badge, Libelle its text.
	Badge, Libelle string
	genre          string // its status, or "controle"
	quand          time.Time
}

// AutresVue is a link to the list of the things of one kind the panel
// does not show.
type AutresVue struct {
	N           int
	Texte, Lien string
}

// aFaireMax bounds the « À faire » panel: a vendor may have thousands of
// requests; the rest is a link to the filtered list.
const aFaireMax = 10

// CompteStatut counts the vendor's requests in one state.
type CompteStatut struct {
	Statut  string
	Libelle string
	Badge   string
	Nombre  int
}

// FenetreVue is a campaign window as the dashboard shows it.
type FenetreVue struct {
	Logiciel, Type, Debut, Fin string
	Ouverte                    bool
}

// DepotVue is a deposit in a list, with its outcome's badge.
type DepotVue struct {
	ID                       int64
	NomFichier, Recu, Statut string
	Badge, Resultat          string
}

const dateHeure = "02/01/2006 à 15:04"

// depotsVues shows deposits ds with their outcomes, counted in one query.
func (s *Server) depotsVues(ctx context.Context, ds []segur.Depot) ([]DepotVue, error) {
	ids := make([]segur.DepotID, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	res, err := s.Store.FindResultatsDepots(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DepotVue, len(ds))
	for i, d := range ds {
		r := res[d.ID]
		r.Statut = d.Statut
		out[i] = DepotVue{ID: int64(d.ID), NomFichier: d.NomFichier, Recu: s.date(d.Recu), Statut: string(d.Statut),
			Badge: string(r.Badge()), Resultat: r.Libelle()}
	}
	return out, nil
}

// aFaire fills the « À faire » panel of vendor f: the requests that wait
// for it (counts, by status, from the dashboard's) and its open controls,
// each query bounded by aFaireMax.
func (s *Server) aFaire(ctx context.Context, p *PageTableau, f segur.FournisseurID, counts map[segur.StatutDemande]int) error {
	as, err := s.Store.FindAFaire(ctx, f, aFaireMax)
	if err != nil {
		return err
	}
	delai := s.delaiSignature()
	for _, a := range as {
		v := AFaireVue{genre: string(a.Statut), Lien: "/demandes/" + a.NumeroASP, Badge: string(a.Statut.Info().Badge), Libelle: a.Statut.Libelle(), quand: a.Depuis}
		switch a.Statut {
		case segur.DemandeConventionASigner:
			v.Titre = "Signer la convention de la demande " + a.NumeroASP
			v.Date = fmt.Sprintf("Proposée le %s, à signer au plus tard le %s", s.jour(a.Depuis), s.date(a.Echeance(delai)))
		case segur.DemandeACompleter:
			v.Titre = "Compléter la demande " + a.NumeroASP
			v.Date = "Complément demandé le " + s.date(a.Depuis)
		default:
			v.Titre = a.Statut.Libelle() + " : demande " + a.NumeroASP
			v.Date = "Depuis le " + s.date(a.Depuis)
		}
		p.AFaire = append(p.AFaire, v)
	}
	cs, nControles, err := s.Store.FindControles(ctx, segur.ControleFilter{FournisseurID: f, Etat: segur.ControleOuvert, Limit: aFaireMax})
	if err != nil {
		return err
	}
	for _, c := range cs {
		p.AFaire = append(p.AFaire, AFaireVue{Titre: "Répondre au contrôle " + c.Reference() + " de la demande " + c.NumeroASP,
			Lien: fmt.Sprintf("/controles/%d", c.ID), Date: fmt.Sprintf("Contrôle ouvert le %s, pièces à déposer au plus tard le %s", s.jour(c.OuvertLe), s.jour(c.Echeance())),
			Badge: string(segur.BadgeAttente), Libelle: "Pièces à déposer", genre: "controle", quand: c.OuvertLe})
	}
	// The longest waiting first: a convention's deadline follows its
	// offer by the same delay, so this is also the order of deadlines.
	slices.SortStableFunc(p.AFaire, func(a, b AFaireVue) int { return a.quand.Compare(b.quand) })
	p.AFaire = p.AFaire[:min(len(p.AFaire), aFaireMax)]
	montres := map[string]int{}
	for _, v := range p.AFaire {
		montres[v.genre]++
	}
	autres := func(n int, un, plusieurs, lien string) {
		switch {
		case n == 1:
			p.Autres = append(p.Autres, AutresVue{N: n, Texte: un, Lien: lien})
		case n > 1:
			p.Autres = append(p.Autres, AutresVue{N: n, Texte: fmt.Sprintf(plusieurs, n), Lien: lien})
		}
	}
	for _, st := range segur.StatutsAFaire() {
		n, lien := counts[st]-montres[string(st)], "/demandes?statut="+string(st)
		switch st {
		case segur.DemandeConventionASigner:
			autres(n, "Voir l'autre convention à signer", "Voir les %d autres conventions à signer", lien)
		case segur.DemandeACompleter:
			autres(n, "Voir l'autre demande à compléter", "Voir les %d autres demandes à compléter", lien)
		default:
			autres(n, "Voir l'autre demande « "+st.Libelle()+" »", "Voir les %d autres demandes « "+st.Libelle()+" »", lien)
		}
	}
	autres(nControles-montres["controle"], "Voir l'autre contrôle ouvert", "Voir les %d autres contrôles ouverts", "/controles")
	return nil
}

func (s *Server) getTableau(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := utilisateur(ctx)
	if u.Agent() {
		http.Redirect(w, r, "/agence", http.StatusSeeOther)
		return nil
	}
	p := PageTableau{Base: Base{Titre: "Tableau de bord", Nav: "tableau", Utilisateur: u}}
	if u.A(segur.RoleFournisseur) {
		f, err := s.Store.FindFournisseurByID(ctx, u.FournisseurID)
		if err != nil {
			return err
		}
		p.Fournisseur = f
		counts, err := s.Store.CountStatuts(ctx, segur.DemandeFilter{FournisseurID: f.ID})
		if err != nil {
			return err
		}
		if err := s.aFaire(ctx, &p, f.ID, counts); err != nil {
			return err
		}
		if p.Produits, err = s.Store.FindProduits(ctx, f.ID); err != nil {
			return err
		}
		fen, err := s.Store.FindFenetres(ctx)
		if err != nil {
			return err
		}
		now := s.Now()
		for _, fe := range fen {
			if fe.Fin.Before(now) {
				continue
			}
			p.Fenetres = append(p.Fenetres, FenetreVue{Logiciel: string(fe.Logiciel), Type: string(fe.Type),
				Debut: s.date(fe.Debut), Fin: s.date(fe.Fin), Ouverte: !now.Before(fe.Debut)})
		}
		ds, _, err := s.Store.FindDepots(ctx, f.ID, 10, 0)
		if err != nil {
			return err
		}
		if p.Depots, err = s.depotsVues(ctx, ds); err != nil {
			return err
		}
		for _, n := range counts {
			p.DemandesTotal += n
		}
		for _, st := range segur.Statuts(nil) {
			if n := counts[st]; n > 0 {
				p.ParStatut = append(p.ParStatut, CompteStatut{Statut: string(st), Libelle: st.Libelle(), Badge: string(st.Info().Badge), Nombre: n})
			}
		}
	}
	s.render(w, http.StatusOK, "tableau.html", p)
	return nil
}

// jour is t's date in Europe/Paris, as the pages show it.
func (s *Server) jour(t time.Time) string { return t.In(s.Paris).Format("02/01/2006") }

// delaiSignature is the days a vendor has to sign a convention, as the
// instruction applies it.
func (s *Server) delaiSignature() int {
	if s.Instruction != nil && s.Instruction.DelaiSignature > 0 {
		return s.Instruction.DelaiSignature
	}
	return segur.DelaiSignature
}
