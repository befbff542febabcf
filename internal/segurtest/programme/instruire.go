package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// groupe is how far a request went: a programme a year in has about
// 10 % of its requests deposited and waiting, 10 % in instruction, 5 %
// waiting for the vendor, 10 % refused, 40 % granted (décision or
// convention, signed or not), 20 % with their advance paid and 5 % at the
// balance.
type groupe uint8

const (
	groupeDeposee groupe = iota
	groupeEnInstruction
	groupeACompleter
	groupeRefusee
	groupeValidee
	groupeAvancePayee
	groupeSolde
)

// parts are the groups' shares, newest requests first: the older a
// request, the further it went.
var parts = []struct {
	g     groupe
	jusqu float64 // cumulative share, from the newest
}{
	{groupeDeposee, 0.10}, {groupeEnInstruction, 0.20}, {groupeACompleter, 0.25}, {groupeRefusee, 0.35},
	{groupeValidee, 0.75}, {groupeAvancePayee, 0.95}, {groupeSolde, 1},
}

// groupe draws the group of the request of rank k in time order: by its
// age, with some noise, so that the shares hold and old requests went
// further than recent ones.
func (g *generateur) groupe(k int) groupe {
	x := float64(g.o.Demandes-1-k)/float64(g.o.Demandes) + (g.rng.Float64()-0.5)*0.1
	for _, p := range parts {
		if x < p.jusqu {
			return p.g
		}
	}
	return groupeSolde
}

// finance reports whether a request of the group holds a financing.
func (gr groupe) finance() bool { return gr >= groupeValidee }

// etape is a démarche of a request's path, with who takes it.
type etape struct {
	action segur.Action
	par    string
	roles  []segur.Role
	raison string
}

const (
	raisonComplement = "Le bon de commande n'est pas signé par l'établissement : merci de déposer la version signée et datée."
	raisonRefus      = "L'établissement n'est pas éligible au couloir hôpital de la vague 1 (activité MCO absente du référentiel)."
)

// instruire moves the requests along their paths, in batches of requests,
// one transaction each, through the domain's state machine and the
// store's CreateChangement.
func (g *generateur) instruire(ctx context.Context, ds []*demande) error {
	var pdf bytes.Buffer
	pdf.WriteString("%PDF-1.4\n% document du programme généré\n%%EOF\n")
	var err error
	if g.piece, err = g.blobs.Put(ctx, &pdf, int64(pdf.Len())); err != nil {
		return err
	}
	instructeurs := g.instructeurs()
	var payeur agent
	for _, a := range g.agents {
		if a.roles[0] == segur.RolePayeur {
			payeur = a
			break
		}
	}
	g.e.Statuts = map[segur.StatutDemande]int{}
	const lot = 500
	for debut := 0; debut < len(ds); debut += lot {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := ds[debut:min(len(ds), debut+lot)]
		err := g.db.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
			for _, dm := range batch {
				st, err := g.parcourir(ctx, tx, dm, instructeurs[g.rng.IntN(len(instructeurs))], payeur)
				if err != nil {
					return fmt.Errorf("demande %s : %w", dm.asp, err)
				}
				g.e.Statuts[st]++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if (debut/lot+1)%20 == 0 {
			fmt.Fprintf(g.log, "programme : %d demandes instruites sur %d\n", debut+len(batch), len(ds))
		}
	}
	return nil
}

// chemin returns the démarches of a request of group gr, financed
// finance (the amount a validation would record).
func (g *generateur) chemin(dm *demande, finance int64, inst, payeur agent) []etape {
	i := func(a segur.Action, raison string) etape { return etape{a, inst.login, inst.roles, raison} }
	f := func(a segur.Action) etape { return etape{a, dm.vendeur, []segur.Role{segur.RoleFournisseur}, ""} }
	var out []etape
	if dm.groupe == groupeDeposee {
		return nil
	}
	out = append(out, i(segur.ActionPrendre, ""))
	if dm.groupe == groupeEnInstruction {
		return out
	}
	if dm.groupe == groupeACompleter {
		return append(out, i(segur.ActionCompleter, raisonComplement))
	}
	if dm.detour {
		out = append(out, i(segur.ActionCompleter, raisonComplement), f(segur.ActionComplete))
	}
	if dm.groupe == groupeRefusee {
		return append(out, i(segur.ActionRefuser, raisonRefus))
	}
	out = append(out, i(segur.ActionValider, ""))
	convention := finance > g.prog.SeuilConvention
	if convention && (dm.groupe > groupeValidee || g.rng.IntN(10) < 7) {
		out = append(out, f(segur.ActionSigner))
	}
	if dm.groupe == groupeValidee {
		return out
	}
	out = append(out, etape{segur.ActionPayerAvance, payeur.login, payeur.roles, ""})
	if dm.groupe == groupeAvancePayee {
		return out
	}
	// The balance: deposited (2 in 5), taken (1 in 5), or paid (2 in 5).
	out = append(out, f(segur.ActionDeposerSolde))
	switch x := g.rng.IntN(5); {
	case x < 2:
		return out
	case x < 3:
		return append(out, i(segur.ActionPrendreSolde, ""))
	}
	return append(out, i(segur.ActionPrendreSolde, ""), i(segur.ActionValiderSolde, ""), etape{segur.ActionPayerSolde, payeur.login, payeur.roles, ""})
}

// parcourir applies the path of request dm in tx, and returns its status.
func (g *generateur) parcourir(ctx context.Context, tx segur.Tx, dm *demande, inst, payeur agent) (segur.StatutDemande, error) {
	if dm.groupe == groupeDeposee {
		return segur.DemandeDeposee, nil
	}
	d, err := tx.LockDemande(ctx, dm.asp)
	if err != nil {
		return "", err
	}
	finance, calcul := segur.CalculFinancement(d, g.ref, g.prog)
	etapes := g.chemin(dm, finance, inst, payeur)
	// The steps' times: spread after the deposit, before the programme's
	// end, a step every few days at most.
	reste := g.fin.Sub(dm.t)
	pas := min(reste/time.Duration(len(etapes)+1), time.Duration(1+g.rng.IntN(30))*24*time.Hour)
	quand := dm.t
	docs := map[segur.TypeDocument]int{}
	for _, e := range etapes {
		quand = quand.Add(pas/2 + time.Duration(g.rng.Int64N(int64(pas/2)+1)))
		g.h.t = quand
		m := segur.Demarche{Action: e.action, Roles: e.roles, Login: e.par, Raison: e.raison}
		var w segur.Ecriture
		switch e.action {
		case segur.ActionPrendre:
			w.Agent = e.par
		case segur.ActionValider:
			m.MontantFinance = finance
			w.Financement, w.MontantFinance, w.Calcul = true, finance, calcul
			for _, c := range d.Clients {
				w.Finances = append(w.Finances, c.FINESSPMSI)
			}
		case segur.ActionComplete:
			w.Piece = &segur.PieceVersion{Type: hop.TypeBonCommande, Nom: "bon-de-commande-signe.pdf", Format: "PDF", Fichier: g.piece}
		case segur.ActionValiderSolde:
			payer, recouvrer := segur.Solde(finance, d.MontantHTCents, segur.Avance(finance))
			m.SoldeAPayer, m.ARecouvrer = payer, recouvrer
			w.Solde, w.SoldeAPayer, w.ARecouvrer = true, payer, recouvrer
		}
		c, err := d.Appliquer(m, quand, g.prog)
		if err != nil {
			return "", err
		}
		c.Adresse = "10.20.0.1"
		typ := c.Vers.Info().Document
		if e.action == segur.ActionSigner {
			typ = segur.DocumentConventionSignee
		}
		if typ != "" {
			docs[typ]++
			w.Document = &segur.Document{Type: typ, Reference: segur.ReferenceDocument(d.NumeroASP, typ, docs[typ]), Fichier: g.piece, Par: e.par}
			c.Document = g.piece.SHA256
		}
		actx := segur.WithActeur(ctx, segur.Acteur{Login: e.par, Adresse: c.Adresse})
		if err := tx.CreateChangement(actx, d, c, w); err != nil {
			return "", err
		}
	}
	// The sample: a request whose history holds a completion asked and
	// answered, and its advance paid; failing one (a small programme),
	// one with a completion, or any with a history.
	switch {
	case dm.detour && d.Statut == segur.DemandeAvancePayee:
		if g.aspRang < 3 {
			g.e.ASP, g.aspRang = d.NumeroASP, 3
		}
	case dm.detour && g.aspRang < 2:
		g.e.ASP, g.aspRang = d.NumeroASP, 2
	case g.aspRang < 1:
		g.e.ASP, g.aspRang = d.NumeroASP, 1
	}
	return d.Statut, nil
}
