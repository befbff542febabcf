package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
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
		ctx := r.Context()
		j, now, err := a.jeton(r, auth.AgentTokenPrefix, "jeton d'agent attendu : en-tête « Authorization: Bearer sga_… », jeton créé dans votre espace agent, page « Mon compte »", a.Store.FindJetonAgentByEmpreinte)
		if err != nil {
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
func lireCurseur(r *http.Request, l string) (curseur, error) {
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
		cle, ok := strings.CutPrefix(string(b), l+":")
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
func (c curseur) suivant(l string, n int, cle int64) *string {
	if n <= c.Limite {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(l + ":" + strconv.FormatInt(cle, 10)))
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
	c, err := lireCurseur(r, "demandes")
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
			out.Suivant = c.suivant("demandes", len(ds), int64(ds[i-1].ID))
			break
		}
		out.Demandes = append(out.Demandes, DemandeAgenceJSON{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: string(d.Statut),
			SIRET: d.SIRET, NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel), Depot: int64(d.DepotID), DeposeLe: d.CreeLe.UTC(),
			DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA, MontantSegurHTCents: d.MontantHTCents,
			MontantFinanceCents: d.MontantFinance, SoldeAPayerCents: d.SoldeAPayer, ARecouvrerCents: d.ARecouvrer, Agent: d.Agent})
	}
	return writeJSON(w, http.StatusOK, out)
}

// siretsPar returns the vendors' SIRETs by ID: one query per page, not
// one per row.
func (a *API) siretsPar(ctx context.Context) (map[segur.FournisseurID]string, error) {
	fs, err := a.Store.FindFournisseurs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[segur.FournisseurID]string, len(fs))
	for _, f := range fs {
		out[f.ID] = f.SIRET
	}
	return out, nil
}

// instant is t in RFC 3339, nil when zero.
func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// DepotAgenceJSON is a deposit as the agency's API lists it: its outcome
// in numbers and, for a file rejected whole, control 1's reason.
type DepotAgenceJSON struct {
	ID          segur.DepotID `json:"id"`
	ImpID       string        `json:"impId"`
	SIRET       string        `json:"siret"`
	Fournisseur string        `json:"fournisseur"`
	TypeDemande string        `json:"typeDemande"`
	NumeroAns   string        `json:"numeroAns"`
	Logiciel    string        `json:"logiciel"`
	NomFichier  string        `json:"nomFichier"`
	RecuLe      time.Time     `json:"recuLe"`
	Statut      string        `json:"statut"`
	Resultat    string        `json:"resultat"`
	Lignes      int           `json:"lignes"`
	Acceptees   int           `json:"acceptees"`
	Rejetees    int           `json:"rejetees"`
	Motif       *MotifJSON    `json:"motif"`
}

func (a *API) getDepotsAgence(w http.ResponseWriter, r *http.Request) error {
	c, err := lireCurseur(r, "depots")
	if err != nil {
		return err
	}
	filter := segur.DepotFilter{Resultat: segur.ResultatTous}
	q := r.URL.Query()
	if siret := q.Get("fournisseur"); siret != "" {
		if !siretRe.MatchString(siret) {
			return segur.Errorf(segur.EINVALID, "fournisseur « %s » : attendu le SIRET du fournisseur, 14 chiffres", tronque(siret))
		}
		f, err := a.Store.FindFournisseurBySIRET(r.Context(), siret)
		if segur.IsCode(err, segur.ENOTFOUND) {
			return writeJSON(w, http.StatusOK, struct {
				Depots  []DepotAgenceJSON `json:"depots"`
				Suivant *string           `json:"suivant"`
			}{Depots: []DepotAgenceJSON{}})
		}
		if err != nil {
			return err
		}
		filter.FournisseurID = f.ID
	}
	if s := q.Get("depuis"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return segur.Errorf(segur.EINVALID, "depuis « %s » : attendu un instant RFC 3339, par exemple 2026-01-31T00:00:00+01:00", tronque(s))
		}
		filter.RecuApres = t
	}
	ds, err := a.Store.FindDepotsAgenceApres(r.Context(), filter, segur.DepotID(c.Apres), c.Limite+1)
	if err != nil {
		return err
	}
	sirets, err := a.siretsPar(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Depots  []DepotAgenceJSON `json:"depots"`
		Suivant *string           `json:"suivant"`
	}{Depots: []DepotAgenceJSON{}}
	for i, d := range ds {
		if i == c.Limite {
			out.Suivant = c.suivant("depots", len(ds), int64(ds[i-1].ID))
			break
		}
		j := DepotAgenceJSON{ID: d.ID, ImpID: d.ImpID, SIRET: sirets[d.FournisseurID], Fournisseur: d.Fournisseur, TypeDemande: string(d.Type),
			NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel), NomFichier: d.NomFichier, RecuLe: d.Recu.UTC(), Statut: string(d.Statut),
			Resultat: d.Resultat.Libelle(), Lignes: d.Resultat.Lignes, Acceptees: d.Resultat.Acceptees, Rejetees: d.Resultat.Lignes - d.Resultat.Acceptees}
		if d.Motif != nil {
			j.Motif = &MotifJSON{Code: d.Motif.Code, Libelle: d.Motif.Libelle(), Ligne: d.Motif.Ligne, Colonne: d.Motif.Colonne}
		}
		out.Depots = append(out.Depots, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// LotJSON is a payment batch as the agency's API lists it.
type LotJSON struct {
	ID           segur.LotID `json:"id"`
	Reference    string      `json:"reference"`
	Etat         string      `json:"etat"`
	CreeLe       time.Time   `json:"creeLe"`
	CreePar      string      `json:"creePar"`
	ApprouveLe   *time.Time  `json:"approuveLe"`
	ApprouvePar  string      `json:"approuvePar"`
	DateVirement string      `json:"dateVirement,omitempty"`
	MarqueLe     *time.Time  `json:"marquePayeLe"`
	MarquePar    string      `json:"marquePayePar"`
	AnnuleLe     *time.Time  `json:"annuleLe"`
	AnnulePar    string      `json:"annulePar"`
	Nombre       int         `json:"nombrePaiements"`
	MontantCents int64       `json:"montantCents"`
}

func (a *API) getLots(w http.ResponseWriter, r *http.Request) error {
	c, err := lireCurseur(r, "lots")
	if err != nil {
		return err
	}
	ls, err := a.Store.FindLotsApres(r.Context(), segur.LotID(c.Apres), c.Limite+1)
	if err != nil {
		return err
	}
	out := struct {
		Lots    []LotJSON `json:"lots"`
		Suivant *string   `json:"suivant"`
	}{Lots: []LotJSON{}}
	for i, l := range ls {
		if i == c.Limite {
			out.Suivant = c.suivant("lots", len(ls), int64(ls[i-1].ID))
			break
		}
		j := LotJSON{ID: l.ID, Reference: l.Reference(), Etat: string(l.Etat), CreeLe: l.CreeLe.UTC(), CreePar: l.CreePar,
			ApprouveLe: instant(l.ApprouveLe), ApprouvePar: l.ApprouvePar, MarqueLe: instant(l.MarqueLe), MarquePar: l.MarquePar,
			AnnuleLe: instant(l.AnnuleLe), AnnulePar: l.AnnulePar, Nombre: l.Nombre, MontantCents: l.Montant}
		if l.PayeLe != (hop.Date{}) {
			j.DateVirement = l.PayeLe.String()
		}
		out.Lots = append(out.Lots, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// PaiementJSON is a payment of a batch as the agency's API lists it.
type PaiementJSON struct {
	ID            int64       `json:"id"`
	Lot           segur.LotID `json:"lot"`
	EtatLot       string      `json:"etatLot"`
	DateVirement  string      `json:"dateVirement,omitempty"`
	NumeroASP     string      `json:"numeroASP"`
	NumeroEditeur string      `json:"numeroEditeur"`
	SIRET         string      `json:"siret"`
	Nature        string      `json:"nature"`
	MontantCents  int64       `json:"montantCents"`
	Annule        bool        `json:"annule"`
	Avis          string      `json:"avis,omitempty"`
}

func (a *API) getPaiementsAgence(w http.ResponseWriter, r *http.Request) error {
	c, err := lireCurseur(r, "paiements")
	if err != nil {
		return err
	}
	var lot int64
	if s := r.URL.Query().Get("lot"); s != "" {
		if lot, err = strconv.ParseInt(s, 10, 64); err != nil || lot < 1 {
			return segur.Errorf(segur.EINVALID, "lot « %s » : attendu l'identifiant du lot, un entier à partir de 1", tronque(s))
		}
	}
	ps, err := a.Store.FindPaiementsApres(r.Context(), segur.LotID(lot), c.Apres, c.Limite+1)
	if err != nil {
		return err
	}
	sirets, err := a.siretsPar(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Paiements []PaiementJSON `json:"paiements"`
		Suivant   *string        `json:"suivant"`
	}{Paiements: []PaiementJSON{}}
	for i, p := range ps {
		if i == c.Limite {
			out.Suivant = c.suivant("paiements", len(ps), ps[i-1].ID)
			break
		}
		j := PaiementJSON{ID: p.ID, Lot: p.Lot, EtatLot: string(p.EtatLot), NumeroASP: p.NumeroASP, NumeroEditeur: p.NumeroEditeur,
			SIRET: sirets[p.FournisseurID], Nature: string(p.Nature), MontantCents: p.Montant, Annule: p.Annule, Avis: p.Avis}
		if p.PayeLe != (hop.Date{}) {
			j.DateVirement = p.PayeLe.String()
		}
		out.Paiements = append(out.Paiements, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// ControleJSON is a control a posteriori as the agency's API lists it.
type ControleJSON struct {
	ID                  segur.ControleID `json:"id"`
	Reference           string           `json:"reference"`
	NumeroASP           string           `json:"numeroASP"`
	SIRET               string           `json:"siret"`
	Etat                string           `json:"etat"`
	Tirage              int64            `json:"tirage,omitempty"`
	OuvertLe            time.Time        `json:"ouvertLe"`
	OuvertPar           string           `json:"ouvertPar"`
	ConcluLe            *time.Time       `json:"concluLe"`
	ConcluPar           string           `json:"concluPar"`
	Motif               string           `json:"motif"`
	MontantReverseCents int64            `json:"montantReverseCents"`
	OrdreDeReversement  string           `json:"ordreReversement,omitempty"`
}

func (a *API) getControlesAgence(w http.ResponseWriter, r *http.Request) error {
	c, err := lireCurseur(r, "controles")
	if err != nil {
		return err
	}
	var f segur.ControleFilter
	if s := r.URL.Query().Get("etat"); s != "" {
		f.Etat = segur.EtatControle(s)
		if !slices.Contains(segur.EtatsControle, f.Etat) {
			return segur.Errorf(segur.EINVALID, "etat « %s » : attendu ouvert, conforme ou non_conforme", tronque(s))
		}
	}
	cs, err := a.Store.FindControlesApres(r.Context(), f, segur.ControleID(c.Apres), c.Limite+1)
	if err != nil {
		return err
	}
	sirets, err := a.siretsPar(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Controles []ControleJSON `json:"controles"`
		Suivant   *string        `json:"suivant"`
	}{Controles: []ControleJSON{}}
	for i, k := range cs {
		if i == c.Limite {
			out.Suivant = c.suivant("controles", len(cs), int64(cs[i-1].ID))
			break
		}
		out.Controles = append(out.Controles, ControleJSON{ID: k.ID, Reference: k.Reference(), NumeroASP: k.NumeroASP, SIRET: sirets[k.FournisseurID],
			Etat: string(k.Etat), Tirage: int64(k.TirageID), OuvertLe: k.OuvertLe.UTC(), OuvertPar: k.OuvertPar, ConcluLe: instant(k.ConcluLe),
			ConcluPar: k.ConcluPar, Motif: k.Motif, MontantReverseCents: k.MontantReverse, OrdreDeReversement: k.Ordre})
	}
	return writeJSON(w, http.StatusOK, out)
}
