package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
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

// suivant is the cursor of the page after one of list l whose last key
// is cle.
func suivant(l string, cle int64) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(l + ":" + strconv.FormatInt(cle, 10)))
	return &s
}

// liste is what one list of the agency's API says of itself; lister does
// the rest, the same for all: the cursor and the limit, the next cursor,
// the JSON page.
type liste[T, J any] struct {
	// nom is the list's path under /api/v1/agence/, the key of its rows
	// in the JSON page and the prefix of its cursors.
	nom string
	// lire reads the query's filters (after the cursor: a bad cursor is
	// the message a client sees first) and returns the rows of key above
	// c.Apres in the order of their keys, n of them at most.
	lire func(c curseur, n int) ([]T, error)
	// cle is a row's key, the one its cursor names.
	cle func(T) int64
	// sirets says whether json needs the vendors' SIRETs by ID: read
	// once a page, not once a row.
	sirets bool
	// json is a row as the list shows it; sirets is nil unless asked.
	json func(t T, sirets map[segur.FournisseurID]string) J
}

// lister answers a page of list l: its rows as l.json shows them, and the
// cursor of the next page, null on the last. A page of Limite rows is
// asked Limite+1, the one more saying that another page follows.
func lister[T, J any](a *API, w http.ResponseWriter, r *http.Request, l liste[T, J]) error {
	c, err := lireCurseur(r, l.nom)
	if err != nil {
		return err
	}
	rows, err := l.lire(c, c.Limite+1)
	if err != nil {
		return err
	}
	var sirets map[segur.FournisseurID]string
	if l.sirets && len(rows) > 0 {
		if sirets, err = a.siretsPar(r.Context()); err != nil {
			return err
		}
	}
	p := pageJSON[J]{nom: l.nom}
	if len(rows) > c.Limite {
		rows = rows[:c.Limite]
		p.suivant = suivant(l.nom, l.cle(rows[len(rows)-1]))
	}
	p.lignes = make([]J, 0, len(rows)) // [], not null, when empty
	for _, t := range rows {
		p.lignes = append(p.lignes, l.json(t, sirets))
	}
	return writeJSON(w, http.StatusOK, p)
}

// pageJSON is a page of a list of the agency's API:
// {"<nom>": [rows…], "suivant": the next page's cursor or null}.
type pageJSON[J any] struct {
	nom     string
	lignes  []J
	suivant *string
}

// MarshalJSON writes the rows under the list's name, then suivant: a
// struct's tag cannot vary with a type parameter.
func (p pageJSON[J]) MarshalJSON() ([]byte, error) {
	nom, err := json.Marshal(p.nom)
	if err != nil {
		return nil, err
	}
	lignes, err := json.Marshal(p.lignes)
	if err != nil {
		return nil, err
	}
	suivant, err := json.Marshal(p.suivant)
	if err != nil {
		return nil, err
	}
	b := append([]byte{'{'}, nom...)
	b = append(append(b, ':'), lignes...)
	b = append(append(b, `,"suivant":`...), suivant...)
	return append(b, '}'), nil
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
	return lister(a, w, r, liste[segur.DemandeAgence, DemandeAgenceJSON]{
		nom: "demandes",
		lire: func(c curseur, n int) ([]segur.DemandeAgence, error) {
			q := r.URL.Query()
			var filter segur.DemandeFilter
			if s := q.Get("statut"); s != "" {
				if !segur.StatutDemande(s).Connu() {
					return nil, segur.Errorf(segur.EINVALID, "statut « %s » inconnu", tronque(s))
				}
				filter.Statut = segur.StatutDemande(s)
			}
			siret := q.Get("fournisseur")
			if siret != "" && !siretRe.MatchString(siret) {
				return nil, segur.Errorf(segur.EINVALID, "fournisseur « %s » : attendu le SIRET du fournisseur, 14 chiffres", tronque(siret))
			}
			t, err := depuis(q)
			if err != nil {
				return nil, err
			}
			filter.DeposeApres = t
			return a.Store.FindDemandesAgence(r.Context(), filter, siret, segur.DemandeID(c.Apres), n)
		},
		cle: func(d segur.DemandeAgence) int64 { return int64(d.ID) },
		json: func(d segur.DemandeAgence, _ map[segur.FournisseurID]string) DemandeAgenceJSON {
			return DemandeAgenceJSON{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: string(d.Statut),
				SIRET: d.SIRET, NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel), Depot: int64(d.DepotID), DeposeLe: d.CreeLe.UTC(),
				DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA, MontantSegurHTCents: d.MontantHTCents,
				MontantFinanceCents: d.MontantFinance, SoldeAPayerCents: d.SoldeAPayer, ARecouvrerCents: d.ARecouvrer, Agent: d.Agent}
		},
	})
}

// depuis reads the query's depuis, an instant in RFC 3339; zero when
// absent.
func depuis(q url.Values) (time.Time, error) {
	s := q.Get("depuis")
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, segur.Errorf(segur.EINVALID, "depuis « %s » : attendu un instant RFC 3339, par exemple 2026-01-31T00:00:00+01:00", tronque(s))
	}
	return t, nil
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
	return lister(a, w, r, liste[segur.DepotResume, DepotAgenceJSON]{
		nom: "depots",
		lire: func(c curseur, n int) ([]segur.DepotResume, error) {
			filter := segur.DepotFilter{Resultat: segur.ResultatTous}
			q := r.URL.Query()
			if siret := q.Get("fournisseur"); siret != "" {
				if !siretRe.MatchString(siret) {
					return nil, segur.Errorf(segur.EINVALID, "fournisseur « %s » : attendu le SIRET du fournisseur, 14 chiffres", tronque(siret))
				}
				f, err := a.Store.FindFournisseurBySIRET(r.Context(), siret)
				if segur.IsCode(err, segur.ENOTFOUND) {
					return nil, nil // no deposits: an empty page
				}
				if err != nil {
					return nil, err
				}
				filter.FournisseurID = f.ID
			}
			t, err := depuis(q)
			if err != nil {
				return nil, err
			}
			filter.RecuApres = t
			return a.Store.FindDepotsAgenceApres(r.Context(), filter, segur.DepotID(c.Apres), n)
		},
		cle:    func(d segur.DepotResume) int64 { return int64(d.ID) },
		sirets: true,
		json: func(d segur.DepotResume, sirets map[segur.FournisseurID]string) DepotAgenceJSON {
			j := DepotAgenceJSON{ID: d.ID, ImpID: d.ImpID, SIRET: sirets[d.FournisseurID], Fournisseur: d.Fournisseur, TypeDemande: string(d.Type),
				NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel), NomFichier: d.NomFichier, RecuLe: d.Recu.UTC(), Statut: string(d.Statut),
				Resultat: d.Resultat.Libelle(), Lignes: d.Resultat.Lignes, Acceptees: d.Resultat.Acceptees, Rejetees: d.Resultat.Lignes - d.Resultat.Acceptees}
			if d.Motif != nil {
				j.Motif = &MotifJSON{Code: d.Motif.Code, Libelle: d.Motif.Libelle(), Ligne: d.Motif.Ligne, Colonne: d.Motif.Colonne}
			}
			return j
		},
	})
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
	return lister(a, w, r, liste[segur.Lot, LotJSON]{
		nom: "lots",
		lire: func(c curseur, n int) ([]segur.Lot, error) {
			return a.Store.FindLotsApres(r.Context(), segur.LotID(c.Apres), n)
		},
		cle: func(l segur.Lot) int64 { return int64(l.ID) },
		json: func(l segur.Lot, _ map[segur.FournisseurID]string) LotJSON {
			j := LotJSON{ID: l.ID, Reference: l.Reference(), Etat: string(l.Etat), CreeLe: l.CreeLe.UTC(), CreePar: l.CreePar,
				ApprouveLe: instant(l.ApprouveLe), ApprouvePar: l.ApprouvePar, MarqueLe: instant(l.MarqueLe), MarquePar: l.MarquePar,
				AnnuleLe: instant(l.AnnuleLe), AnnulePar: l.AnnulePar, Nombre: l.Nombre, MontantCents: l.Montant}
			if l.PayeLe != (hop.Date{}) {
				j.DateVirement = l.PayeLe.String()
			}
			return j
		},
	})
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
	return lister(a, w, r, liste[segur.LignePaiement, PaiementJSON]{
		nom: "paiements",
		lire: func(c curseur, n int) ([]segur.LignePaiement, error) {
			var lot int64
			if s := r.URL.Query().Get("lot"); s != "" {
				var err error
				if lot, err = strconv.ParseInt(s, 10, 64); err != nil || lot < 1 {
					return nil, segur.Errorf(segur.EINVALID, "lot « %s » : attendu l'identifiant du lot, un entier à partir de 1", tronque(s))
				}
			}
			return a.Store.FindPaiementsApres(r.Context(), segur.LotID(lot), c.Apres, n)
		},
		cle:    func(p segur.LignePaiement) int64 { return p.ID },
		sirets: true,
		json: func(p segur.LignePaiement, sirets map[segur.FournisseurID]string) PaiementJSON {
			j := PaiementJSON{ID: p.ID, Lot: p.Lot, EtatLot: string(p.EtatLot), NumeroASP: p.NumeroASP, NumeroEditeur: p.NumeroEditeur,
				SIRET: sirets[p.FournisseurID], Nature: string(p.Nature), MontantCents: p.Montant, Annule: p.Annule, Avis: p.Avis}
			if p.PayeLe != (hop.Date{}) {
				j.DateVirement = p.PayeLe.String()
			}
			return j
		},
	})
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
	return lister(a, w, r, liste[segur.Controle, ControleJSON]{
		nom: "controles",
		lire: func(c curseur, n int) ([]segur.Controle, error) {
			var f segur.ControleFilter
			if s := r.URL.Query().Get("etat"); s != "" {
				f.Etat = segur.EtatControle(s)
				if !slices.Contains(segur.EtatsControle, f.Etat) {
					return nil, segur.Errorf(segur.EINVALID, "etat « %s » : attendu ouvert, conforme ou non_conforme", tronque(s))
				}
			}
			return a.Store.FindControlesApres(r.Context(), f, segur.ControleID(c.Apres), n)
		},
		cle:    func(k segur.Controle) int64 { return int64(k.ID) },
		sirets: true,
		json: func(k segur.Controle, sirets map[segur.FournisseurID]string) ControleJSON {
			return ControleJSON{ID: k.ID, Reference: k.Reference(), NumeroASP: k.NumeroASP, SIRET: sirets[k.FournisseurID],
				Etat: string(k.Etat), Tirage: int64(k.TirageID), OuvertLe: k.OuvertLe.UTC(), OuvertPar: k.OuvertPar, ConcluLe: instant(k.ConcluLe),
				ConcluPar: k.ConcluPar, Motif: k.Motif, MontantReverseCents: k.MontantReverse, OrdreDeReversement: k.Ordre}
		},
	})
}
