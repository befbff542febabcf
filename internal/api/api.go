// Package api is the portal's JSON API under /api/v1, for vendors'
// software: bearer tokens, deposits, their returned files and requests.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/proxies"
)

// Store is what the API needs of the database.
type Store interface {
	segur.Store
	segur.DepotStore
	AgenceStore
	FindDocuments(ctx context.Context, asp string) ([]segur.Document, error)
	// The payment notices.
	FindAvisFournisseur(ctx context.Context, f segur.FournisseurID, limit, offset int) ([]segur.Avis, int, error)
	FindAvis(ctx context.Context, ref string) (*segur.Avis, error)
	// The thread of messages of a request (messages.go).
	CreateMessage(ctx context.Context, m *segur.Message, c *segur.Courriel) error
	FindMessages(ctx context.Context, asp string) ([]segur.Message, error)
	FindMessagesLus(ctx context.Context, asp string, lecteur segur.Cote) (segur.MessageID, error)
}

// API serves /api/v1.
type API struct {
	Store   Store
	Blobs   segur.Blobs
	Guichet *segur.Guichet
	Log     *slog.Logger
	Now     func() time.Time
	// Metrics counts what /metrics reports; may be nil.
	Metrics *Metrics
	// AttenteBase bounds the wait for a connection of the database's pool
	// before an authenticated request (503 past it); 0: no bound.
	AttenteBase time.Duration
	// Proxies are the trusted reverse proxies (segur serve --proxies): the
	// client address of the audit log is read behind them.
	Proxies proxies.Liste
	// Injoignable reports whether an error that is no segur.Error says the
	// database is out of reach (503, not an internal error); may be nil.
	Injoignable func(error) bool
	// URL is the portal's public address, for the links of the mails a
	// message sends; Reveiller, if set, tells the postman a mail is due.
	URL       string
	Reveiller func()

	// plein is set once a full file store is logged, until a deposit
	// passes again: logged once, not at every refused deposit.
	plein atomic.Bool
}

// disponible is a store that says whether its pool gives a connection
// within a wait.
type disponible interface {
	Disponible(ctx context.Context, attente time.Duration) error
}

// handler is an HTTP handler that returns its error, written once by serve.
type handler func(w http.ResponseWriter, r *http.Request) error

// Routes registers the API's routes on mux.
func (a *API) Routes(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		mux.Handle(rt.pattern, a.serve(rt.h))
	}
}

type route struct {
	pattern string
	h       handler
}

// routes lists every route of the API; the OpenAPI description is checked
// against it.
func (a *API) routes() []route {
	return []route{
		{"POST /api/v1/depots", a.auth(a.postDepot)},
		{"GET /api/v1/depots", a.auth(a.getDepots)},
		{"GET /api/v1/depots/{id}", a.auth(a.getDepot)},
		{"GET /api/v1/depots/{id}/fichier-retour", a.auth(a.getFichierRetour)},
		{"GET /api/v1/demandes", a.auth(a.getDemandes)},
		{"GET /api/v1/demandes/{numeroASP}/documents/{reference}", a.auth(a.getDocument)},
		{"GET /api/v1/demandes/{numeroASP}/documents/{reference}/html", a.auth(a.getDocument)},
		{"GET /api/v1/avis", a.auth(a.getAvisListe)},
		{"GET /api/v1/avis/{reference}", a.auth(a.getAvis)},
		{"GET /api/v1/avis/{reference}/html", a.auth(a.getAvis)},
		{"GET /api/v1/demandes/{numeroASP}", a.auth(a.getDemande)},
		{"GET /api/v1/demandes/{numeroASP}/messages", a.auth(a.getMessages)},
		{"POST /api/v1/demandes/{numeroASP}/messages", a.auth(a.postMessage)},
		{"GET /api/v1/numeros-editeur", a.auth(a.getNumerosEditeur)},
		{"GET /api/v1/agence/demandes", a.agent(segur.ListeDemandes, a.getDemandesAgence)},
		{"GET /api/v1/agence/depots", a.agent(segur.ListeDepots, a.getDepotsAgence)},
		{"GET /api/v1/agence/lots", a.agent(segur.ListeLots, a.getLots)},
		{"GET /api/v1/agence/paiements", a.agent(segur.ListeLots, a.getPaiementsAgence)},
		{"GET /api/v1/agence/controles", a.agent(segur.ListeControles, a.getControlesAgence)},
		{"GET /api/v1/modele", a.getModele},
		{"GET /api/v1/openapi.json", a.getOpenAPI},
	}
}

// Problem is an error response (RFC 9457).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

var statuses = map[segur.ErrorCode]struct {
	status int
	title  string
}{
	segur.EINVALID:      {http.StatusBadRequest, "Requête invalide"},
	segur.ENOTFOUND:     {http.StatusNotFound, "Introuvable"},
	segur.ECONFLICT:     {http.StatusConflict, "Conflit"},
	segur.EFORBIDDEN:    {http.StatusForbidden, "Interdit"},
	segur.EUNAUTHORIZED: {http.StatusUnauthorized, "Authentification requise"},
	segur.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "Envoi trop volumineux"},
	segur.EMISMATCH:     {http.StatusUnprocessableEntity, "Clé d'idempotence déjà utilisée"},
	segur.ETOOMANY:      {http.StatusTooManyRequests, "Trop de requêtes"},
	segur.EUNAVAILABLE:  {http.StatusServiceUnavailable, "Service momentanément indisponible"},
	segur.ENOSPACE:      {http.StatusInsufficientStorage, "Stockage plein"},
}

// retryAfter is the Retry-After, in seconds, of the statuses that say to
// come back later.
var retryAfter = map[int]string{
	http.StatusTooManyRequests:    "10",
	http.StatusServiceUnavailable: "30",
}

// serve turns a handler's error into a problem+json response; an internal
// error is logged in full and shown with a reference only.
func (a *API) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				a.problem(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		rw := &suivi{ResponseWriter: w}
		if err := h(rw, r); err != nil {
			if rw.ecrit {
				// The answer has begun (a deposit recorded, a file being
				// sent) when the client went away: nothing more to say.
				a.Log.Info("client gone", "method", r.Method, "path", r.URL.Path, "err", err)
				return
			}
			a.problem(rw, r, err)
		}
	})
}

// suivi records whether the answer has begun.
type suivi struct {
	http.ResponseWriter
	ecrit bool
}

func (s *suivi) WriteHeader(code int) {
	s.ecrit = true
	s.ResponseWriter.WriteHeader(code)
}

func (s *suivi) Write(p []byte) (int, error) {
	s.ecrit = true
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *suivi) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (a *API) problem(w http.ResponseWriter, r *http.Request, err error) {
	var se *segur.Error
	p := Problem{Type: "about:blank", Status: http.StatusInternalServerError, Title: "Erreur interne"}
	if errors.As(err, &se) {
		if s, ok := statuses[se.Code]; ok {
			p.Status, p.Title, p.Detail = s.status, s.title, se.Message
		}
	}
	if p.Status == http.StatusInternalServerError && a.Injoignable != nil && a.Injoignable(err) {
		s := statuses[segur.EUNAVAILABLE]
		p.Status, p.Title, p.Detail = s.status, s.title, "la base de données ne répond pas : réessayez dans quelques instants"
	}
	if p.Status == http.StatusInsufficientStorage && !a.plein.Swap(true) {
		a.Log.Error("file store full", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusServiceUnavailable {
		a.Log.Warn("unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if s, ok := retryAfter[p.Status]; ok {
		w.Header().Set("Retry-After", s)
	}
	if se != nil && se.Apres > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(se.Apres.Round(time.Second)/time.Second)))
	}
	if p.Status == http.StatusInternalServerError {
		ref := strconv.FormatInt(time.Now().UnixNano(), 36)
		a.Log.Error("internal error", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "référence " + ref + " : l'incident est enregistré."
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="segur"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type ctxKey struct{}

// paris is the zone of the dates the API's messages give: the desk's.
func (a *API) paris() *time.Location {
	if a.Guichet != nil && a.Guichet.Paris != nil {
		return a.Guichet.Paris
	}
	return time.UTC
}

// fournisseur returns the vendor the request's token acts for.
func fournisseur(ctx context.Context) *segur.Fournisseur {
	f, _ := ctx.Value(ctxKey{}).(*segur.Fournisseur)
	return f
}

// jeton reads the bearer token of r, of prefix prefixe (attendu says
// what is expected when it is missing or of another kind), finds it by its
// digest with find and checks that it is in force at now: the part the
// vendors' and the agents' tokens share.
func (a *API) jeton(r *http.Request, prefixe, attendu string, find func(context.Context, []byte) (*segur.Jeton, error)) (*segur.Jeton, time.Time, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !strings.HasPrefix(tok, prefixe) || len(tok) > 200 {
		return nil, time.Time{}, segur.Errorf(segur.EUNAUTHORIZED, "%s", attendu)
	}
	ctx := r.Context()
	if d, ok := a.Store.(disponible); ok && a.AttenteBase > 0 {
		if err := d.Disponible(ctx, a.AttenteBase); err != nil {
			return nil, time.Time{}, err
		}
	}
	j, err := find(ctx, auth.TokenDigest(tok))
	if segur.IsCode(err, segur.ENOTFOUND) {
		return nil, time.Time{}, segur.Errorf(segur.EUNAUTHORIZED, "jeton d'API inconnu ou révoqué")
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	now := a.Now()
	if err := j.Autoriser(now, a.paris()); err != nil {
		return nil, time.Time{}, err
	}
	return j, now, nil
}

// auth requires a valid bearer token and puts its vendor and actor in the
// request's context. Its answers, refusals included, are private: no
// browser or proxy stores them (the model and the OpenAPI description,
// public, keep their caching).
func (a *API) auth(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		ctx := r.Context()
		j, now, err := a.jeton(r, auth.TokenPrefix, "jeton d'API attendu : en-tête « Authorization: Bearer sgr_… »", a.Store.FindJetonByEmpreinte)
		if err != nil {
			return err
		}
		f, err := a.Store.FindFournisseurByID(ctx, j.FournisseurID)
		if err != nil {
			return err
		}
		// The last use is kept to the minute, compared with the one read:
		// no write for every request.
		if j.UsageANoter(now) {
			if err := a.Store.TouchJeton(ctx, j.ID, now); err != nil {
				return err
			}
		}
		ctx = context.WithValue(ctx, ctxKey{}, f)
		ctx = segur.WithActeur(ctx, segur.Acteur{Login: "jeton:" + j.Prefixe, Adresse: a.Proxies.Client(r)})
		return h(w, r.WithContext(ctx))
	}
}
