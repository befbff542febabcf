package web

import (
	"net/http"

	"github.com/segur-numerique/segur"
)

// PageTableau is the vendor's dashboard.
type PageTableau struct {
	Base
	Fournisseur   *segur.Fournisseur
	Produits      []segur.Produit
	Fenetres      []FenetreVue
	Depots        []DepotVue
	DemandesTotal int
	ParStatut     []CompteStatut
}

// CompteStatut counts the vendor's requests in one state.
type CompteStatut struct {
	Statut  string
	Libelle string
	Nombre  int
}

// FenetreVue is a campaign window as the dashboard shows it.
type FenetreVue struct {
	Logiciel, Type, Debut, Fin string
	Ouverte                    bool
}

// DepotVue is a deposit in a list.
type DepotVue struct {
	ID                       int64
	NomFichier, Recu, Statut string
}

const dateHeure = "02/01/2006 à 15:04"

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
				Debut: fe.Debut.In(s.Paris).Format(dateHeure), Fin: fe.Fin.In(s.Paris).Format(dateHeure),
				Ouverte: !now.Before(fe.Debut)})
		}
		ds, _, err := s.Store.FindDepots(ctx, f.ID, 10, 0)
		if err != nil {
			return err
		}
		for _, d := range ds {
			p.Depots = append(p.Depots, DepotVue{ID: int64(d.ID), NomFichier: d.NomFichier,
				Recu: d.Recu.In(s.Paris).Format(dateHeure), Statut: string(d.Statut)})
		}
		if _, p.DemandesTotal, err = s.Store.FindDemandes(ctx, segur.DemandeFilter{FournisseurID: f.ID, Limit: 1}); err != nil {
			return err
		}
		counts, err := s.Store.CountStatuts(ctx, segur.DemandeFilter{FournisseurID: f.ID})
		if err != nil {
			return err
		}
		for _, st := range segur.Statuts(nil) {
			if n := counts[st]; n > 0 {
				p.ParStatut = append(p.ParStatut, CompteStatut{Statut: string(st), Libelle: st.Libelle(), Nombre: n})
			}
		}
	}
	s.render(w, http.StatusOK, "tableau.html", p)
	return nil
}
