package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// AgenceStore is what the agency's read-only API (/api/v1/agence/…) needs
// of the database: the agents' tokens and the readers by key.
type AgenceStore interface {
	segur.JetonAgentStore
	FindDemandesAgence(ctx context.Context, filter segur.DemandeFilter, siret string, apres segur.DemandeID, limite int) ([]segur.DemandeAgence, error)
	FindDepotsAgenceApres(ctx context.Context, filter segur.DepotFilter, apres segur.DepotID, limite int) ([]segur.DepotResume, error)
	FindLotsApres(ctx context.Context, apres segur.LotID, limite int) ([]segur.Lot, error)
	FindPaiementsApres(ctx context.Context, lot segur.LotID, apres int64, limite int) ([]segur.LignePaiement, error)
	FindControlesApres(ctx context.Context, f segur.ControleFilter, apres segur.ControleID, limite int) ([]segur.Controle, error)
}

// agent requires a valid agent's token whose agent, now, may read list l
// (segur.Utilisateur.Lire: the roles of the pages that show it): a
// missing, unknown, revoked or expired token, or a disabled agent, is a
// 401; a role that may not read the list a 403.
func (a *API) agent(l segur.ListeAgence, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(tok, auth.AgentTokenPrefix) || len(tok) > 200 {
			return segur.Errorf(segur.EUNAUTHORIZED, "jeton d'agent attendu : en-tête « Authorization: Bearer sga_… », jeton créé dans votre espace agent, page « Mes jetons d'API »")
		}
		ctx := r.Context()
		if d, ok := a.Store.(disponible); ok && a.AttenteBase > 0 {
			if err := d.Disponible(ctx, a.AttenteBase); err != nil {
				return err
			}
		}
		j, err := a.Store.FindJetonAgentByEmpreinte(ctx, auth.TokenDigest(tok))
		if segur.IsCode(err, segur.ENOTFOUND) {
			return segur.Errorf(segur.EUNAUTHORIZED, "jeton d'API inconnu ou révoqué")
		}
		if err != nil {
			return err
		}
		now := a.Now()
		if err := j.Autoriser(now, a.paris()); err != nil {
			return err
		}
		u, err := a.Store.FindUtilisateurByID(ctx, j.UtilisateurID)
		if err != nil {
			return err
		}
		if err := u.Lire(l); err != nil {
			return err
		}
		if j.UsageANoter(now) {
			if err := a.Store.TouchJetonAgent(ctx, j.ID, now); err != nil {
				return err
			}
		}
		ctx = segur.WithActeur(ctx, segur.Acteur{Login: u.Login, Adresse: a.Proxies.Client(r)})
		return h(w, r.WithContext(ctx))
	}
}

// curseur is a page of a list of the agency's API: the rows of key above
// Apres, Limite of them at most.
type curseur struct {
	Apres  int64
	Limite int
}

// lireCurseur reads the query's apres (the cursor « suivant » of the page
// before, opaque: base64url of the list's name and the last key) and
// limite (100 by default, 1 to 1000).
func lireCurseur(r *http.Request, l segur.ListeAgence) (curseur, error) {
	c := curseur{Limite: segur.LimiteAgenceDefaut}
	q := r.URL.Query()
	if s := q.Get("limite"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > segur.LimiteAgenceMax {
			return c, segur.Errorf(segur.EINVALID, "limite « %s » : attendu un entier de 1 à %d", tronque(s), segur.LimiteAgenceMax)
		}
		c.Limite = n
	}
	if s := q.Get("apres"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		cle, ok := strings.CutPrefix(string(b), string(l)+":")
		n, err2 := strconv.ParseInt(cle, 10, 64)
		if err != nil || !ok || err2 != nil || n < 1 || len(s) > 100 {
			return c, segur.Errorf(segur.EINVALID, "curseur « apres » invalide : reprenez tel quel le champ « suivant » de la page précédente de /api/v1/agence/%s", l)
		}
		c.Apres = n
	}
	return c, nil
}

// tronque shortens a value quoted back in a message.
func tronque(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// suivant is the cursor of the page after one whose last key is cle, nil
// when that page was the last: a page of Limite rows is asked Limite+1,
// the one more saying that another page follows.
func (c curseur) suivant(l segur.ListeAgence, n int, cle int64) *string {
	if n <= c.Limite {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(string(l) + ":" + strconv.FormatInt(cle, 10)))
	return &s
}

// DemandeAgenceJSON is an accepted request as the agency's API lists it:
// amounts in cents, instants in RFC 3339.
type DemandeAgenceJSON struct {
	NumeroASP           string    `json:"numeroASP"`
	NumeroEditeur       string    `json:"numeroEditeur"`
	Statut              string    `json:"statut"`
	SIRET               string    `json:"siret"`
	NumeroAns           string    `json:"numeroAns"`
	Logiciel            string    `json:"logiciel"`
	Depot               int64     `json:"depot"`
	DeposeLe            time.Time `json:"deposeLe"`
	DateCommande        string    `json:"dateCommande"`
	RegimeTVA           string    `json:"regimeTVA"`
	MontantSegurHTCents int64     `json:"montantSegurHTCents"`
	MontantFinanceCents int64     `json:"montantFinanceCents"`
	SoldeAPayerCents    int64     `json:"soldeAPayerCents"`
	ARecouvrerCents     int64     `json:"aRecouvrerCents"`
	Agent               string    `json:"agent"`
}

var siretRe = regexp.MustCompile(`^[0-9]{14}$`)

func (a *API) getDemandesAgence(w http.ResponseWriter, r *http.Request) error {
	c, err := lireCurseur(r, segur.ListeDemandes)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var filter segur.DemandeFilter
	if s := q.Get("statut"); s != "" {
		if !segur.StatutDemande(s).Connu() {
			return segur.Errorf(segur.EINVALID, "statut « %s » inconnu", tronque(s))
		}
		filter.Statut = segur.StatutDemande(s)
	}
	siret := q.Get("fournisseur")
	if siret != "" && !siretRe.MatchString(siret) {
		return segur.Errorf(segur.EINVALID, "fournisseur « %s » : attendu le SIRET du fournisseur, 14 chiffres", tronque(siret))
	}
	if s := q.Get("depuis"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return segur.Errorf(segur.EINVALID, "depuis « %s » : attendu un instant RFC 3339, par exemple 2026-01-31T00:00:00+01:00", tronque(s))
		}
		filter.DeposeApres = t
	}
	ds, err := a.Store.FindDemandesAgence(r.Context(), filter, siret, segur.DemandeID(c.Apres), c.Limite+1)
	if err != nil {
		return err
	}
	out := struct {
		Demandes []DemandeAgenceJSON `json:"demandes"`
		Suivant  *string             `json:"suivant"`
	}{Demandes: []DemandeAgenceJSON{}}
	for i, d := range ds {
		if i == c.Limite {
			out.Suivant = c.suivant(segur.ListeDemandes, len(ds), int64(ds[i-1].ID))
			break
		}
		out.Demandes = append(out.Demandes, DemandeAgenceJSON{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: string(d.Statut),
			SIRET: d.SIRET, NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel), Depot: int64(d.DepotID), DeposeLe: d.CreeLe.UTC(),
			DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA, MontantSegurHTCents: d.MontantHTCents,
			MontantFinanceCents: d.MontantFinance, SoldeAPayerCents: d.SoldeAPayer, ARecouvrerCents: d.ARecouvrer, Agent: d.Agent})
	}
	return writeJSON(w, http.StatusOK, out)
}
