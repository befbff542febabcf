// Package web is the portal's pages: the vendors' space, server-rendered
// with html/template in the French State design system (DSFR), whose files
// are served from a folder fetched at build time (scripts/dsfr.sh), never
// embedded: the binary vendors use carries neither the DSFR nor its fonts.
package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/proxies"
)

//go:embed templates
var templatesFS embed.FS

// staticFS holds the portal's own scripts (not the DSFR's).
//
//go:embed static
var staticFS embed.FS

// Store is what the pages need of the database: the domain's stores, what
// the agency's services read, and the pages' own reads, by area.
type Store interface {
	segur.Store
	segur.DepotStore
	segur.JetonAgentStore
	segur.SessionStore
	agence.Store
	agence.ControleStore
	agence.PaiementStore

	// The instruction's pages.
	FindHistorique(ctx context.Context, asp string) ([]segur.Changement, error)
	FindPiecesVersions(ctx context.Context, asp string) ([]segur.PieceVersion, error)
	FindFinancements(ctx context.Context, l hop.Logiciel, finess []string) (map[string]string, error)
	// CountAlertesACalculer counts the requests of a filter (its alert
	// criteria left out) whose alert codes are still being computed.
	CountAlertesACalculer(ctx context.Context, filter segur.DemandeFilter) (int, error)
	FindAlertesVues(ctx context.Context, asps []string) ([]segur.AlerteVue, error)
	CountStatuts(ctx context.Context, filter segur.DemandeFilter) (map[segur.StatutDemande]int, error)
	// CountFile counts the requests of filter (its statuses and followed
	// requests aside) by status, and those login follows or is assigned;
	// FindPageDemandes reads the page of filter, total counted already.
	CountFile(ctx context.Context, filter segur.DemandeFilter, login string) (tous, suivies map[segur.StatutDemande]int, err error)
	FindPageDemandes(ctx context.Context, filter segur.DemandeFilter, total int) ([]segur.Demande, error)
	// CountRecherche counts the requests a search matches, up to
	// plafond+1.
	CountRecherche(ctx context.Context, recherche string, plafond int) (int, error)
	// The queue's own: the requests an agent follows, assignments, when an
	// agent last opened a request and which changed since.
	SuivreDemande(ctx context.Context, login, asp string, suivre bool) error
	FindSuivies(ctx context.Context, login string, asps []string) (map[string]bool, error)
	AttribuerDemande(ctx context.Context, asp, agent, par string, check func(actuel string) error) error
	ConsulterDemande(ctx context.Context, login, asp string) error
	FindModifiees(ctx context.Context, login string, asps []string) (map[string]bool, error)
	// The vendor's dashboard and lists: what waits for it, its deposits'
	// outcomes.
	FindAFaire(ctx context.Context, f segur.FournisseurID, limit int) ([]segur.AFaire, error)
	FindResultatsDepots(ctx context.Context, ids []segur.DepotID) (map[segur.DepotID]segur.ResultatDepot, error)
	// FindDepotsAgence returns every vendor's deposits the filter selects,
	// newest first, with their outcomes, and how many there are in all.
	FindDepotsAgence(ctx context.Context, filter segur.DepotFilter) ([]segur.DepotResume, int, error)
	FindAvisDeDemande(ctx context.Context, asp string) ([]segur.Avis, error)
	// FindAnalyses returns the antivirus's verdicts on a stored file (its
	// own, Membre "", and its pieces' for a deposit's zip); none while it
	// waits.
	FindAnalyses(ctx context.Context, sum string) ([]segur.Analyse, error)
	// FindEtatsAntivirus returns, of the requests asps, those with an
	// antivirus alert and those whose pieces wait for their scan.
	FindEtatsAntivirus(ctx context.Context, asps []string) (map[string]segur.EtatAntivirus, error)
	// FindEvenements returns the audit events of an object ("demande:ASP"),
	// oldest first: the antivirus's alerts are among them.
	FindEvenements(ctx context.Context, objet string) ([]segur.Evenement, error)

	// The thread of messages of a request and the agents' private notes
	// (messages.go).
	CreateMessage(ctx context.Context, m *segur.Message, c *segur.Courriel) error
	FindMessages(ctx context.Context, asp string) ([]segur.Message, error)
	FindFichierMessage(ctx context.Context, asp string, id int64) (*segur.FichierMessage, error)
	FindMessagesLus(ctx context.Context, asp string, lecteur segur.Cote) (segur.MessageID, error)
	MarquerMessagesLus(ctx context.Context, asp string, lecteur segur.Cote, jusqua segur.MessageID) error
	FindMessagesNonLus(ctx context.Context, lecteur segur.Cote, asps []string) (map[string]int, error)
	CreateNote(ctx context.Context, n *segur.Note) error
	FindNotes(ctx context.Context, asp string) ([]segur.Note, error)

	// The administration.
	FindFournisseursResumes(ctx context.Context) ([]segur.FournisseurResume, error)
	FindUtilisateurs(ctx context.Context, limit, offset int) ([]segur.Utilisateur, int, error)
	FindUtilisateursDuFournisseur(ctx context.Context, id segur.FournisseurID) ([]segur.Utilisateur, error)
	CreateReference(ctx context.Context, ref segur.Reference) (int64, error)
	FindReferenceVersions(ctx context.Context) ([]segur.ReferenceVersion, error)
	FindEtablissements(ctx context.Context, version int64, finess string, limit, offset int) ([]segur.Etablissement, int, error)
	FindCourriels(ctx context.Context, etat segur.EtatCourriel, limit, offset int) ([]segur.Courriel, int, error)
	RetryCourriel(ctx context.Context, id segur.CourrielID) error

	// The administrator's corrections (admin_corrections.go), each one
	// transaction audited with its state before and after.
	FindUtilisateurByID(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error)
	DesactiverUtilisateur(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error)
	ReactiverUtilisateur(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error)
	ChangeRolesUtilisateur(ctx context.Context, id segur.UtilisateurID, roles []segur.Role) (*segur.Utilisateur, error)
	ReinitialiserMotDePasse(ctx context.Context, id segur.UtilisateurID, d segur.DemandeLien) (*segur.Utilisateur, error)
	SuspendreFournisseur(ctx context.Context, id segur.FournisseurID, suspendre bool) (*segur.Fournisseur, error)
	ChangeEmailFournisseur(ctx context.Context, id segur.FournisseurID, email string) (*segur.Fournisseur, error)
	// The changes of a vendor's bank details under four eyes
	// (sqlstore/banque.go); FindBanquesEnAttente tells the vendors with
	// one pending, for the batches' pages; FindChangementsBanqueEnAttente
	// lists every vendor's not yet decided, pending or expired.
	FindChangementBanqueEnAttente(ctx context.Context, f segur.FournisseurID) (*segur.ChangementBanque, error)
	FindBanquesEnAttente(ctx context.Context) (map[segur.FournisseurID]bool, error)
	FindChangementsBanqueEnAttente(ctx context.Context) ([]segur.ChangementBanqueFournisseur, error)
	ProposerChangementBanque(ctx context.Context, f segur.FournisseurID, iban, bic string, j segur.Justificatif) (*segur.ChangementBanque, error)
	ApprouverChangementBanque(ctx context.Context, f segur.FournisseurID, contact string, paris *time.Location) (*segur.ChangementBanque, error)
	RejeterChangementBanque(ctx context.Context, f segur.FournisseurID, motif string, paris *time.Location) (*segur.ChangementBanque, error)
	FindFenetreByID(ctx context.Context, id segur.FenetreID) (*segur.Fenetre, error)
	ChangeFinFenetre(ctx context.Context, id segur.FenetreID, fin time.Time, paris *time.Location) (avant, apres *segur.Fenetre, err error)
	AnnulerFenetre(ctx context.Context, id segur.FenetreID, paris *time.Location) (*segur.Fenetre, error)

	// The links mailed to choose a password (recuperation.go).
	CreateUtilisateurInvite(ctx context.Context, u *segur.Utilisateur, d segur.DemandeLien) error
	CreateInvitation(ctx context.Context, d segur.DemandeLien) (*segur.Utilisateur, error)
	CreateDemandeReinitialisation(ctx context.Context, d segur.DemandeLien, at time.Time) (time.Duration, error)
	FindLienCompte(ctx context.Context, empreinte []byte) (*segur.LienCompte, *segur.Utilisateur, error)
	UseLienCompte(ctx context.Context, empreinte []byte, hash string) (*segur.Utilisateur, error)

	// The controls a posteriori, the exports and the dashboard.
	FindControles(ctx context.Context, f segur.ControleFilter) ([]segur.Controle, int, error)
	FindTirages(ctx context.Context, limit, offset int) ([]segur.Tirage, int, error)
	FindTirage(ctx context.Context, id segur.TirageID) (*segur.Tirage, error)
	FindPilotage(ctx context.Context, f segur.PilotageFiltre) (*segur.Pilotage, error)
	// The exports read their rows by one query each, as they come.
	EachLignePaiement(ctx context.Context, fn func(*segur.LignePaiement) error) error
	EachDemande(ctx context.Context, filter segur.DemandeFilter, fn func(*segur.Demande) error) error
	EachControle(ctx context.Context, f segur.ControleFilter, fn func(*segur.Controle) error) error

	// The payments.
	FindPaiementsDus(ctx context.Context) ([]segur.Paiement, error)
	FindLots(ctx context.Context, limit, offset int) ([]segur.Lot, int, error)
	FindLot(ctx context.Context, id segur.LotID) (*segur.Lot, error)
	FindAvisDuLot(ctx context.Context, id segur.LotID) ([]segur.Avis, error)
	FindAvisFournisseur(ctx context.Context, f segur.FournisseurID, limit, offset int) ([]segur.Avis, int, error)
	FindAvis(ctx context.Context, ref string) (*segur.Avis, error)
	CreateEvenementVirement(ctx context.Context, id segur.LotID, nom string, contenu []byte) error
}

// Server serves the pages.
type Server struct {
	Store   Store
	Blobs   segur.Blobs
	Guichet *segur.Guichet
	// Instruction applies the démarches of agents and vendors.
	Instruction *agence.Instruction
	Log         *slog.Logger
	Now         func() time.Time
	Paris       *time.Location
	// Paiements writes the transfer files and the payment notices.
	Paiements *agence.Paiements
	// DSFR is the folder of the design system's files (dsfr.min.css…),
	// served under /dsfr/; empty serves none.
	DSFR string
	// Secure marks cookies Secure even on plain HTTP requests: the portal
	// is behind an HTTPS proxy. Requests over TLS always get Secure cookies.
	Secure bool
	// AttenteBase bounds the wait for a connection of the database's pool
	// before a signed-in page is served (segur serve --db-attente): past
	// it, 503 with Retry-After. Zero: no bound.
	AttenteBase time.Duration
	// Injoignable reports whether an error that is no segur.Error says the
	// database is away (sqlstore.Injoignable): the page then says so, 503,
	// rather than an internal error. Nil: never.
	Injoignable func(error) bool
	// Proxies are the trusted reverse proxies (segur serve --proxies):
	// only from them is the client's address taken from X-Forwarded-For
	// or Forwarded, for the login throttling and the audit trail.
	Proxies proxies.Liste
	// Antivirus says that segur serve scans the stored files (--clamav): a
	// piece without a verdict waits for it before it is served. Without
	// it, pieces are served unscanned, and the agents' pages say so; a
	// verdict recorded (infected, impossible) is obeyed either way.
	Antivirus bool
	// Connexions counts the logins refused, for /metrics; nil: none.
	Connexions CompteurConnexions
	// ProConnect lets agents sign in through ProConnect; nil: passwords
	// only.
	ProConnect *ProConnect
	// AgentsProConnectSeulement refuses agents' passwords: they sign in
	// through ProConnect; vendors keep their passwords.
	AgentsProConnectSeulement bool
	// Contact is the address the mandatory pages give for accessibility,
	// personal data and help (segur serve --contact); "" gives the
	// agency's postal address only.
	Contact string
	// Hebergeur names the host on the legal notice (segur serve
	// --hebergeur).
	Hebergeur string
	// OpenAPI is the vendors' API description, rendered as the page /api;
	// nil: no such page.
	OpenAPI []byte
	// URL is the portal's public address (segur serve --url), for the
	// links of the mails it sends: never the request's Host, which a
	// client chooses.
	URL string
	// Reveiller, if set, tells the postman that a mail is due now (a link
	// to choose a password is awaited).
	Reveiller func()
	// MaxExports is how many exports of the agency run at once, and of
	// vendors (zero: 1); the others wait their turn.
	MaxExports int
	// AttenteExport is how long an export waits for its place before
	// 503 (zero: attenteExport).
	AttenteExport time.Duration
	// MaxRecherche is the most requests a search of the queue may match
	// (zero: segur.MaxResultatsRecherche).
	MaxRecherche int

	pages    map[string]*template.Template
	exports  exports
	pilotage *cachePilotage
	docAPI   *PageAPI // the API's page, read from OpenAPI by Routes
}

// CompteurConnexions counts the logins refused (api.Metrics does).
type CompteurConnexions interface {
	// ConnexionEchouee counts a wrong login or password.
	ConnexionEchouee()
	// ConnexionFreinee counts an attempt refused with 429: by the
	// throttle, or every password check busy (occupe).
	ConnexionFreinee(occupe bool)
}

// pageFiles are the pages, each executed inside the layout.
var pageFiles = []string{"connexion.html", "tableau.html", "erreur.html", "depot-nouveau.html", "depot.html",
	"depots.html", "demandes.html", "compte.html"}

// morePages are the pages of the other files (agents' back-office,
// administration), registered by their init.
var morePages []string

// partials are the files of templates/ that are no page: the layout and
// the blocks pages share, parsed with every page.
var partials = []string{"layout.html", "partiels.html", "dossier.html", "solde.html", "messages.html"}

// parse reads the templates once.
func (s *Server) parse() error {
	s.pages = map[string]*template.Template{}
	for _, f := range append(pageFiles, morePages...) {
		var files []string
		for _, p := range partials {
			files = append(files, "templates/"+p)
		}
		files = append(files, "templates/"+f)
		t, err := template.New(f).Funcs(s.fonctions()).ParseFS(templatesFS, files...)
		if err != nil {
			return err
		}
		s.pages[f] = t
	}
	return nil
}

// fonctions are the templates' functions: sansAntivirus says that the
// stored files are not scanned (the agents' pages warn of it).
func (s *Server) fonctions() template.FuncMap {
	return template.FuncMap{"sansAntivirus": func() bool { return !s.Antivirus }, "typo": segur.Typographie, "libellePiece": libellePiece,
		"nonVues": nonVues}
}

// Routes registers the pages on mux; forms are protected against
// cross-origin requests.
func (s *Server) Routes(mux *http.ServeMux) error {
	if err := s.parse(); err != nil {
		return err
	}
	s.exports = nouveauxExports(cmp.Or(s.MaxExports, 1))
	s.pilotage = &cachePilotage{calculer: func(ctx context.Context, f segur.PilotageFiltre) (*segur.Pilotage, error) {
		return s.Store.FindPilotage(ctx, f)
	}}
	pages := http.NewServeMux()
	pages.Handle("GET /{$}", s.handle(s.accueil))
	pages.Handle("GET /connexion", s.handle(s.getConnexion))
	pages.Handle("POST /connexion", s.handle(s.postConnexion))
	pages.Handle("POST /deconnexion", s.handle(s.postDeconnexion))
	pages.Handle("GET "+cheminProConnect, s.handle(s.getProConnect))
	pages.Handle("GET "+cheminProConnect+"/retour", s.handle(s.getProConnectRetour))
	pages.Handle("GET /tableau", s.handle(s.authentifie(s.getTableau)))
	pages.Handle("GET /modele", s.handle(s.getModele))
	pages.Handle("GET /depots/nouveau", s.handle(s.authentifie(s.getNouveauDepot)))
	pages.Handle("POST /depots", s.handle(s.authentifie(s.postDepot)))
	pages.Handle("GET /depots/{id}", s.handle(s.authentifie(s.getDepot)))
	pages.Handle("GET /depots/{id}/fichier-retour", s.handle(s.authentifie(s.getFichierRetour)))
	pages.Handle("GET /depots/{id}/fichier", s.handle(s.authentifie(s.getFichierDepose)))
	pages.Handle("GET /depots", s.handle(s.authentifie(s.getDepots)))
	pages.Handle("GET /demandes", s.handle(s.authentifie(s.getDemandes)))
	pages.Handle("GET /demandes.csv", s.handle(s.authentifie(s.exporter(exportsFournisseurs, s.getDemandesCSV))))
	pages.Handle("GET /compte", s.handle(s.authentifie(s.getCompte)))
	pages.Handle("POST /compte/mot-de-passe", s.handle(s.authentifie(s.postMotDePasse)))
	pages.Handle("POST /compte/jetons", s.handle(s.authentifie(s.postJeton)))
	pages.Handle("POST /compte/jetons/{id}/revoquer", s.handle(s.authentifie(s.postRevoquerJeton)))
	pages.Handle("POST /compte/jetons/{id}/renouveler", s.handle(s.authentifie(s.postRenouvelerJeton)))
	s.routesAgence(pages)
	s.routesDepotsAgence(pages)
	s.routesDemande(pages)
	s.routesMessages(pages)
	s.routesPaiements(pages)
	s.routesSoldes(pages)
	s.routesControles(pages)
	s.routesAdmin(pages)
	if err := s.routesInfos(pages); err != nil {
		return err
	}
	s.routesRecuperation(pages)
	pages.Handle("/", s.handle(s.facultatif(func(w http.ResponseWriter, r *http.Request) error {
		return segur.Errorf(segur.ENOTFOUND, "Cette page n'existe pas.")
	})))
	csrf := http.NewCrossOriginProtection()
	politique := csp
	if s.ProConnect != nil {
		if len(s.ProConnect.Cle) == 0 {
			s.ProConnect.Cle = make([]byte, 32)
			rand.Read(s.ProConnect.Cle) // never fails (crypto/rand, Go 1.24)
		}
		// The logout form of a session opened by ProConnect is redirected
		// to the provider: Chromium applies form-action to the redirect.
		if o := origine(s.ProConnect.Config.Issuer); o != "" {
			politique = strings.Replace(csp, "form-action 'self'", "form-action 'self' "+o, 1)
		}
	}
	mux.Handle("/", securiteAvec(politique, prive(csrf.Handler(pages))))
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return err
	}
	mux.Handle("GET /static/", securite(http.StripPrefix("/static/", http.FileServerFS(static))))
	if s.DSFR != "" {
		mux.Handle("GET /dsfr/", http.StripPrefix("/dsfr/", http.FileServer(http.Dir(s.DSFR))))
	}
	return nil
}

// csp allows only the portal's own files: no inline script or style.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// securite sets the headers every page carries.
func securite(h http.Handler) http.Handler { return securiteAvec(csp, h) }

// securiteAvec is securite with the Content-Security-Policy politique.
func securiteAvec(politique string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", politique)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// prive marks every answer of the pages as not to be stored by the browser
// nor by any proxy: pages behind login, downloads, exports, documents and
// error pages alike. The portal's scripts and the DSFR's files, served
// beside, keep their caching.
func prive(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// handler is a page handler that returns its error, rendered once by handle.
type handler func(w http.ResponseWriter, r *http.Request) error

// handle renders a handler's error as a page: never a stack trace nor an
// internal error's text. The page keeps the header of the user signed in
// (authentifie leaves it in the request's slot).
func (s *Server) handle(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), slotKey{}, new(*segur.Utilisateur)))
		defer func() {
			if v := recover(); v != nil {
				s.erreur(w, r, errors.New("panic"), v)
			}
		}()
		if err := h(w, r); err != nil {
			s.erreur(w, r, err, nil)
		}
	})
}

// Base is what every page shows: its title, the user, messages.
type Base struct {
	Titre       string
	Nav         string
	Flash       string
	Utilisateur *segur.Utilisateur
	Erreurs     []ErreurChamp
}

// ErreurChamp is an error of a form, beside its field and summarised at
// the top of the page.
type ErreurChamp struct {
	Champ   string // the field's id, "" for the whole form
	Message string
}

// PageErreur is the page of a refusal or an incident.
type PageErreur struct {
	Base
	Message   string
	Reference string
}

// secondesIndisponible is the Retry-After of a page when the database or
// the file store is away (the API's is the same).
const secondesIndisponible = 30

func (s *Server) erreur(w http.ResponseWriter, r *http.Request, err error, panicValue any) {
	p := PageErreur{Base: Base{Titre: "Erreur interne"}, Message: "Une erreur interne est survenue ; elle est enregistrée."}
	status := http.StatusInternalServerError
	var se *segur.Error
	var attente *attenteAntivirus
	if errors.As(err, &attente) && panicValue == nil {
		// A piece waiting for its scan: it will be served once judged.
		status, p.Titre, p.Message = http.StatusConflict, "Analyse antivirus en attente", attente.Error()
		w.Header().Set("Retry-After", strconv.Itoa(secondesAntivirus))
	} else if errors.As(err, &se) && panicValue == nil {
		switch se.Code {
		case segur.ENOTFOUND:
			status, p.Titre = http.StatusNotFound, "Page introuvable"
		case segur.EFORBIDDEN:
			status, p.Titre = http.StatusForbidden, "Accès refusé"
		case segur.EUNAUTHORIZED:
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return
		case segur.EINVALID, segur.ECONFLICT, segur.ETOOLARGE:
			status, p.Titre = http.StatusBadRequest, "Demande refusée"
		case segur.EMISMATCH:
			status, p.Titre = http.StatusUnprocessableEntity, "Demande refusée"
		case segur.ETOOMANY:
			status, p.Titre = http.StatusTooManyRequests, "Réessayez dans quelques secondes"
			w.Header().Set("Retry-After", strconv.Itoa(secondesOccupe))
		case segur.EUNAVAILABLE:
			status, p.Titre = http.StatusServiceUnavailable, "Service momentanément indisponible"
			w.Header().Set("Retry-After", strconv.Itoa(secondesIndisponible))
		case segur.ENOSPACE:
			status, p.Titre = http.StatusInsufficientStorage, "Stockage plein"
		}
		if status != http.StatusInternalServerError {
			p.Message = se.Message
		}
	} else if err != nil && panicValue == nil && s.Injoignable != nil && s.Injoignable(err) {
		status, p.Titre = http.StatusServiceUnavailable, "Service momentanément indisponible"
		p.Message = "La base de données ne répond pas : réessayez dans quelques instants."
		w.Header().Set("Retry-After", strconv.Itoa(secondesIndisponible))
	}
	if status == http.StatusServiceUnavailable || status == http.StatusInsufficientStorage {
		s.Log.Warn("page unavailable", "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusInternalServerError {
		p.Reference = strconv.FormatInt(time.Now().UnixNano(), 36)
		s.Log.Error("page error", "ref", p.Reference, "path", r.URL.Path, "err", err, "panic", panicValue)
	}
	if slot, ok := r.Context().Value(slotKey{}).(**segur.Utilisateur); ok {
		p.Utilisateur = *slot
	}
	s.render(w, status, "erreur.html", p)
}

// render executes a page into a buffer first: a failed template never
// sends half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "Erreur interne", http.StatusInternalServerError)
		return
	}
	var buf bufferWriter
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Log.Error("template", "page", page, "err", err)
		http.Error(w, "Erreur interne", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.b)
}

type bufferWriter struct{ b []byte }

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

// getModele sends the empty model, of a balance file with ?type=solde.
func (s *Server) getModele(w http.ResponseWriter, r *http.Request) error {
	m, nom := hop.Modele(), "modele-JSON-HOP.json"
	if r.URL.Query().Get("type") == string(segur.TypeSolde) {
		m, nom = hop.ModeleSolde(), "modele-JSON-HOP-solde.json"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+nom+`"`)
	_, err := w.Write(m)
	return err
}

func jeton() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return encode(b), nil
}
