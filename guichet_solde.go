package segur

import (
	"bytes"
	"context"

	"github.com/segur-numerique/segur/hop"
)

// deposerSolde runs controls 1 and 2 on a received balance file
// (docs/solde.md) and records it in one transaction: the returned file (each
// line keeps its numeroASP; no ASP number is given), the accepted balances,
// and each balance's request moved to solde_deposee by the state machine.
//
// As for an advance, the controls run first outside the transaction: the
// zip is read there, without the portal. Under the vendor's lock one query
// asks for the ordinal, one for the requests the lines quote, and the
// portal's rules, which come last in a line's order, are applied to the
// lines that passed the others (hop.Resultat.ControlerAvances): the same result
// as running every rule under the lock.
func (g *Guichet) deposerSolde(ctx context.Context, e Envoi, p *Produit) (*Depot, error) {
	d, data, opt, decl, fermer, err := g.ouvrir(ctx, e, p)
	if err != nil {
		return nil, err
	}
	defer fermer()
	res, err := hop.ControlerSolde(data, decl, opt)
	if err != nil {
		return nil, err
	}
	ordinal := 0
	if res.Rejet == nil || res.Rejet.Code > hop.CodeNomFichierOrdre {
		ordinal = ordinalDuNom(e.NomFichier)
	}
	// A reference; a balance gives no ASP number.
	imp, _, err := g.Store.ReserveNumeros(ctx, 0)
	if err != nil {
		return nil, err
	}
	d.ImpID = FormatImpID(d.Date.Annee, imp)
	if err := garder(ctx, e); err != nil {
		return nil, err
	}
	acteur := ActeurFrom(ctx)
	deposer := Demarche{Action: ActionDeposerSolde, Roles: []Role{RoleFournisseur}, Login: acteur.Login}
	if deposer.Login == "" {
		deposer.Login = "portail"
	}

	var rejoue DepotID
	err = g.Store.WithDepotTx(ctx, e.Fournisseur.ID, func(ctx context.Context, tx DepotTx) error {
		var err error
		if rejoue, err = g.dejaRecu(ctx, tx, e); err != nil || rejoue != 0 {
			return err
		}
		h := historique{numeroAns: p.NumeroAns}
		if ordinal > 0 {
			var err error
			if h.pris, h.libre, err = tx.OrdinalPris(ctx, p.NumeroAns, d.Date, ordinal); err != nil {
				return err
			}
		}
		final := res
		if h.pris {
			o := opt
			o.Portail = h
			var err error
			if final, err = hop.ControlerSolde(data, decl, o); err != nil {
				return err
			}
		}
		if final.Rejet != nil {
			d.Statut, d.Motif = DepotRejete, final.Rejet
			if err := tx.CreateDepot(ctx, d); err != nil {
				return err
			}
			return tx.FinishDepot(ctx, d, nil, nil)
		}
		etats, err := tx.FindEtatsAvances(ctx, e.Fournisseur.ID, final.NumerosASP())
		if err != nil {
			return err
		}
		if err := final.ControlerAvances(etatsAvances(etats)); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := final.EcrireRetour(&buf, d.ImpID, nil); err != nil {
			return err
		}
		if d.Retour, err = g.Blobs.Put(ctx, &buf, int64(buf.Len())); err != nil {
			return err
		}
		d.Statut, d.Ordinal = DepotTraite, ordinalDuNom(d.NomFichier)
		if err := tx.CreateDepot(ctx, d); err != nil {
			return err
		}
		var soldes []DemandeSolde
		for i, r := range final.Demandes {
			l := LigneDepot{NumLigne: r.Position, NumeroEditeur: r.NumeroEditeur, Code: r.Code(), Libelle: r.Libelle()}
			if r.Acceptee() {
				l.NumeroASP = final.NumeroASP(i)
				soldes = append(soldes, DemandeSolde{DepotID: d.ID, DonneesSolde: final.DonneesSolde(i)})
			}
			d.Lignes = append(d.Lignes, l)
		}
		if err := DeposerSoldes(ctx, tx, soldes, deposer, g.programme(), acteur.Adresse); err != nil {
			return err
		}
		return tx.FinishSolde(ctx, d, soldes)
	})
	if err != nil {
		return nil, err
	}
	if rejoue != 0 {
		return &Depot{ID: rejoue}, ErrRejoue
	}
	return d, nil
}

// DeposerSoldes moves the request of each balance by démarche m
// (ActionDeposerSolde) in the deposit's transaction tx: a request that can
// no longer take a balance (it moved since the controls read it) stops
// the deposit, an ECONFLICT.
func DeposerSoldes(ctx context.Context, tx DemarcheTx, soldes []DemandeSolde, m Demarche, prog Programme, adresse string) error {
	for _, s := range soldes {
		if _, err := AppliquerDemarche(ctx, tx, s.NumeroASP, m, prog, Suites{Adresse: adresse}); err != nil {
			if IsCode(err, EFORBIDDEN) || IsCode(err, ENOTFOUND) {
				return Errorf(ECONFLICT, "dépôt non enregistré : la demande %s a changé pendant le dépôt (%v) ; déposez à nouveau", s.NumeroASP, err)
			}
			return err
		}
	}
	return nil
}

// etatsAvances answers the balance's portal rules from what the
// transaction read: a number absent from the map is of no request.
type etatsAvances map[string]hop.EtatAvance

func (e etatsAvances) EtatAvance(asp string) (hop.EtatAvance, error) { return e[asp], nil }
