package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

func init() {
	morePages = append(morePages, "admin.html", "admin-fournisseurs.html", "admin-fournisseur-nouveau.html",
		"admin-fournisseur.html", "admin-utilisateurs.html", "admin-utilisateur-nouveau.html", "admin-fenetres.html",
		"admin-referentiel.html", "admin-courriels.html")
}

// maxReference bounds the CSV of the reference of establishments.
const maxReference = 20 << 20

// routesAdmin registers the administration pages (role admin).
func (s *Server) routesAdmin(pages *http.ServeMux) {
	admin := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RoleAdmin)) }
	pages.Handle("GET /agence/admin", admin(s.getAdmin))
	pages.Handle("GET /agence/admin/fournisseurs", admin(s.getAdminFournisseurs))
	pages.Handle("GET /agence/admin/fournisseurs/nouveau", admin(s.getAdminFournisseurNouveau))
	pages.Handle("POST /agence/admin/fournisseurs", admin(s.postAdminFournisseur))
	pages.Handle("GET /agence/admin/fournisseurs/{id}", admin(s.getAdminFournisseur))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/produits", admin(s.postAdminProduit))
	pages.Handle("GET /agence/admin/utilisateurs", admin(s.getAdminUtilisateurs))
	pages.Handle("GET /agence/admin/utilisateurs/nouveau", admin(s.getAdminUtilisateurNouveau))
	pages.Handle("POST /agence/admin/utilisateurs", admin(s.postAdminUtilisateur))
	pages.Handle("POST /agence/admin/utilisateurs/debloquer", admin(s.postAdminDebloquer))
	pages.Handle("POST /agence/admin/utilisateurs/invitation", admin(s.postAdminInvitation))
	pages.Handle("GET /agence/admin/fenetres", admin(s.getAdminFenetres))
	pages.Handle("POST /agence/admin/fenetres", admin(s.postAdminFenetre))
	pages.Handle("GET /agence/admin/referentiel", admin(s.getAdminReferentiel))
	pages.Handle("POST /agence/admin/referentiel", admin(s.postAdminReferentiel))
	pages.Handle("GET /agence/admin/courriels", admin(s.getAdminCourriels))
	pages.Handle("POST /agence/admin/courriels/{id}/relancer", admin(s.postAdminRelancer))
	s.routesCorrections(pages, admin)
	s.routesBanque(pages, admin)
}

// BaseAdmin is what every administration page shows: the base page and
// the way back to the administration's overview.
type BaseAdmin struct {
	Base
	Fil []LienAdmin // the breadcrumb, before the page itself
}

// LienAdmin is a link of the breadcrumb.
type LienAdmin struct{ Titre, URL string }

// Erreur is the message of field champ, "" when it is valid: the templates
// read {{.Erreur "siret"}}.
func (b BaseAdmin) Erreur(champ string) string {
	for _, e := range b.Erreurs {
		if e.Champ == champ {
			return e.Message
		}
	}
	return ""
}

// refuser adds the error of a field, the first one only: one message per
// field.
func (b *BaseAdmin) refuser(champ, message string) {
	if champ != "" && b.Erreur(champ) != "" {
		return
	}
	b.Erreurs = append(b.Erreurs, ErreurChamp{Champ: champ, Message: phrase(message)})
}

// refus adds the refusals err holds: each segur.Faute beside its field;
// an *segur.Error whose code champs lists beside the field it gives ("" for
// the top of the page), an EINVALID it does not list at the top. It
// returns err when it is no refusal (nil for nil).
func (b *BaseAdmin) refus(err error, champs map[segur.ErrorCode]string) error {
	var fs segur.Fautes
	if errors.As(err, &fs) {
		for _, f := range fs {
			b.refuser(f.Champ, f.Err.Message)
		}
		return nil
	}
	var se *segur.Error
	if !errors.As(err, &se) {
		return err
	}
	champ, ok := champs[se.Code]
	if !ok && se.Code != segur.EINVALID {
		return err
	}
	b.refuser(champ, se.Message)
	return nil
}

// phrase writes a message as a sentence: a capital first, a full stop last.
func phrase(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "…") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// requis refuses field champ when its value is empty.
func (b *BaseAdmin) requis(champ, valeur, message string) {
	if strings.TrimSpace(valeur) == "" {
		b.refuser(champ, message)
	}
}

var filAdmin = []LienAdmin{{"Administration", "/agence/admin"}}

func (s *Server) baseAdmin(r *http.Request, titre string, fil ...LienAdmin) BaseAdmin {
	return BaseAdmin{Base: Base{Titre: titre, Nav: "admin", Utilisateur: utilisateur(r.Context())}, Fil: append(filAdmin[:1:1], fil...)}
}

// lireFormulaire reads a small urlencoded form.
func lireFormulaire(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	return nil
}

// idChemin reads the path's wildcard cle as a positive integer (an id or a
// rank from 1); anything else is not found: « quoi n'existe pas. », quoi
// naming the thing with its article (« Ce lot de paiement »).
func idChemin(r *http.Request, cle, quoi string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(cle), 10, 64)
	if err != nil || id <= 0 {
		return 0, introuvable(quoi)
	}
	return id, nil
}

// introuvable is the not-found error of idChemin, for a well-formed id that
// names nothing.
func introuvable(quoi string) error {
	return segur.Errorf(segur.ENOTFOUND, "%s n'existe pas.", quoi)
}

// OptionAdmin is an option of a select.
type OptionAdmin struct {
	Valeur, Libelle string
	Choisi          bool
}

func optionsLogiciel(choisi string) []OptionAdmin {
	var out []OptionAdmin
	for _, l := range []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI} {
		out = append(out, OptionAdmin{Valeur: string(l), Libelle: string(l), Choisi: string(l) == choisi})
	}
	return out
}

// --- Overview

// PageAdmin is the administration's overview.
type PageAdmin struct {
	BaseAdmin
	Fournisseurs, Produits, Utilisateurs int
	Fenetres, Ouvertes                   int
	Reference                            *VersionVue // nil before the first import
	Courriels                            []EtatCourrielVue
	// The changes of bank details not yet decided: pending, and expired
	// while no new proposal replaced them.
	BanquesEnAttente, BanquesExpirees int
}

// EtatCourrielVue counts the mails of the outbox in one state.
type EtatCourrielVue struct {
	Etat, Libelle string
	Nombre        int
}

func (s *Server) getAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := PageAdmin{BaseAdmin: BaseAdmin{Base: Base{Titre: "Administration", Nav: "admin", Utilisateur: utilisateur(ctx)}}}
	fs, err := s.Store.FindFournisseursResumes(ctx)
	if err != nil {
		return err
	}
	p.Fournisseurs = len(fs)
	for _, f := range fs {
		p.Produits += f.Produits
	}
	if _, p.Utilisateurs, err = s.Store.FindUtilisateurs(ctx, 1, 0); err != nil {
		return err
	}
	fen, err := s.Store.FindFenetres(ctx)
	if err != nil {
		return err
	}
	p.Fenetres = len(fen)
	now := s.Now()
	for _, f := range fen {
		if f.Ouverte(now) {
			p.Ouvertes++
		}
	}
	vs, err := s.Store.FindReferenceVersions(ctx)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		v := s.versionVue(vs[0])
		p.Reference = &v
	}
	for _, e := range segur.EtatsCourriel {
		_, n, err := s.Store.FindCourriels(ctx, e, 1, 0)
		if err != nil {
			return err
		}
		p.Courriels = append(p.Courriels, EtatCourrielVue{Etat: string(e), Libelle: e.Libelle(), Nombre: n})
	}
	cs, err := s.Store.FindChangementsBanqueEnAttente(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Etat == segur.BanqueExpire {
			p.BanquesExpirees++
		} else {
			p.BanquesEnAttente++
		}
	}
	s.render(w, http.StatusOK, "admin.html", p)
	return nil
}

// --- Vendors

// FournisseurAdmin is a vendor as the administration shows it: its IBAN
// masked but for its last 4 characters.
type FournisseurAdmin struct {
	ID                     int64
	Nom, SIRET, Email      string
	IBANFin, BIC, Cree     string
	Produits, Utilisateurs int
	// Suspendu: its deposits are refused since SuspenduLe.
	Suspendu   bool
	SuspenduLe string
}

func (s *Server) fournisseurAdmin(f segur.Fournisseur) FournisseurAdmin {
	v := FournisseurAdmin{ID: int64(f.ID), Nom: f.Nom, SIRET: f.SIRET, Email: f.Email, BIC: f.BIC, Cree: s.date(f.CreeLe), Suspendu: f.Suspendu()}
	if v.Suspendu {
		v.SuspenduLe = s.date(f.SuspenduLe)
	}
	if n := len(f.IBAN); n > 0 {
		v.IBANFin = f.IBAN[max(0, n-4):]
	}
	return v
}

// PageAdminFournisseurs lists the vendors.
type PageAdminFournisseurs struct {
	BaseAdmin
	Fournisseurs []FournisseurAdmin
}

func (s *Server) getAdminFournisseurs(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.Store.FindFournisseursResumes(r.Context())
	if err != nil {
		return err
	}
	// In the order of the French alphabet, whatever the case and accents.
	c := collate.New(language.French, collate.Loose)
	slices.SortStableFunc(fs, func(a, b segur.FournisseurResume) int { return c.CompareString(a.Nom, b.Nom) })
	p := PageAdminFournisseurs{BaseAdmin: s.baseAdmin(r, "Fournisseurs")}
	for _, f := range fs {
		v := s.fournisseurAdmin(f.Fournisseur)
		v.Produits, v.Utilisateurs = f.Produits, f.Utilisateurs
		p.Fournisseurs = append(p.Fournisseurs, v)
	}
	s.render(w, http.StatusOK, "admin-fournisseurs.html", p)
	return nil
}

// FormFournisseur is what the enrolment form holds.
type FormFournisseur struct {
	SIRET, Nom, Email, IBAN, BIC string
	Force                        bool
}

// PageAdminFournisseurNouveau is the enrolment form of a vendor.
type PageAdminFournisseurNouveau struct {
	BaseAdmin
	Form FormFournisseur
}

func (s *Server) pageFournisseurNouveau(r *http.Request) PageAdminFournisseurNouveau {
	return PageAdminFournisseurNouveau{BaseAdmin: s.baseAdmin(r, "Enrôler un fournisseur", LienAdmin{"Fournisseurs", "/agence/admin/fournisseurs"})}
}

func (s *Server) getAdminFournisseurNouveau(w http.ResponseWriter, r *http.Request) error {
	s.render(w, http.StatusOK, "admin-fournisseur-nouveau.html", s.pageFournisseurNouveau(r))
	return nil
}

// postAdminFournisseur enrols a vendor, with the checks of segur admin
// vendor add (Fournisseur.Valider).
func (s *Server) postAdminFournisseur(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p := s.pageFournisseurNouveau(r)
	p.Form = FormFournisseur{SIRET: r.PostFormValue("siret"), Nom: r.PostFormValue("nom"), Email: r.PostFormValue("email"),
		IBAN: r.PostFormValue("iban"), BIC: r.PostFormValue("bic"), Force: r.PostFormValue("force") == "1"}
	p.requis("siret", p.Form.SIRET, "Saisissez le SIRET du fournisseur : 14 chiffres.")
	p.requis("nom", p.Form.Nom, "Saisissez la raison sociale.")
	p.requis("email", p.Form.Email, "Saisissez le courriel de contact.")
	f := segur.Fournisseur{SIRET: p.Form.SIRET, Nom: p.Form.Nom, Email: p.Form.Email, IBAN: p.Form.IBAN, BIC: p.Form.BIC}
	if len(p.Erreurs) == 0 {
		err := f.Valider(p.Form.Force)
		if err != nil && hop.SIRETValide(f.SIRET) && !hop.SIRETCleValide(f.SIRET) && !p.Form.Force {
			// The domain's message names the CLI's flag: the form has its box.
			p.refuser("siret", fmt.Sprintf("SIRET « %s » : la clé de contrôle est fausse ; cochez « SIRET de test » pour l'enrôler quand même", f.SIRET))
		}
		if err := p.refus(err, nil); err != nil {
			return err
		}
	}
	if len(p.Erreurs) == 0 {
		err := s.Store.CreateFournisseur(r.Context(), &f)
		if err == nil {
			s.rediriger(w, r, fmt.Sprintf("/agence/admin/fournisseurs/%d", f.ID), "Fournisseur enrôlé : "+f.Nom+".")
			return nil
		}
		if err := p.refus(err, map[segur.ErrorCode]string{segur.ECONFLICT: "siret"}); err != nil {
			return err
		}
	}
	s.render(w, http.StatusUnprocessableEntity, "admin-fournisseur-nouveau.html", p)
	return nil
}

// UtilisateurAdmin is a user in the administration's lists.
type UtilisateurAdmin struct {
	ID                      int64
	Login, Nom, Roles, Cree string
	// Desactive: the account is disabled since DesactiveLe.
	Desactive     bool
	DesactiveLe   string
	Fournisseur   string // the vendor's name, "" for an agent
	FournisseurID int64
	// Invite: the account has no password yet; its activation link was
	// mailed, and can be sent again. Not for an agent when agents sign in
	// through ProConnect only: none has a password.
	Invite bool
	// Reinitialise: when an administrator reset the account's password,
	// until the person chooses a new one ("" otherwise); the link to send
	// again is a reset link, not an invitation.
	Reinitialise string
}

func (s *Server) utilisateurAdmin(u segur.Utilisateur, noms map[segur.FournisseurID]string) UtilisateurAdmin {
	v := UtilisateurAdmin{ID: int64(u.ID), Login: u.Login, Nom: u.Nom, Roles: u.RolesTexte(), Cree: s.date(u.CreeLe),
		Fournisseur: noms[u.FournisseurID], FournisseurID: int64(u.FournisseurID),
		Desactive: !u.Actif()}
	if u.MotDePasse == "" && u.Actif() && !(s.AgentsProConnectSeulement && u.Agent()) {
		v.Invite = u.ReinitialiseLe.IsZero()
		if !v.Invite {
			v.Reinitialise = s.date(u.ReinitialiseLe)
		}
	}
	if v.Desactive {
		v.DesactiveLe = s.date(u.DesactiveLe)
	}
	return v
}

// ProduitAdmin is an ANS number of a vendor.
type ProduitAdmin struct {
	NumeroAns, Logiciel, Nom, Cree string
}

// FormProduit is what the form of an ANS number holds.
type FormProduit struct {
	NumeroAns, Nom string
}

// PageAdminFournisseur is a vendor's page: its ANS numbers, the form to
// register one, its users.
type PageAdminFournisseur struct {
	BaseAdmin
	Fournisseur  FournisseurAdmin
	Produits     []ProduitAdmin
	Utilisateurs []UtilisateurAdmin
	Form         FormProduit
	Logiciels    []OptionAdmin
	// Email is the contact address typed in its form; Historique the
	// vendor's enrolment and corrections.
	Email      string
	Historique []EvenementAdmin
	// Banque: the bank details in force, a pending change, their forms.
	Banque BanqueAdmin
}

func (s *Server) pageFournisseur(r *http.Request) (PageAdminFournisseur, error) {
	ctx := r.Context()
	var p PageAdminFournisseur
	id, err := idChemin(r, "id", "Ce fournisseur")
	if err != nil {
		return p, err
	}
	f, err := s.Store.FindFournisseurByID(ctx, segur.FournisseurID(id))
	if segur.IsCode(err, segur.ENOTFOUND) {
		return p, segur.Errorf(segur.ENOTFOUND, "Ce fournisseur n'existe pas.")
	}
	if err != nil {
		return p, err
	}
	p.BaseAdmin = s.baseAdmin(r, f.Nom, LienAdmin{"Fournisseurs", "/agence/admin/fournisseurs"})
	p.Fournisseur = s.fournisseurAdmin(*f)
	p.Logiciels = optionsLogiciel("")
	ps, err := s.Store.FindProduits(ctx, f.ID)
	if err != nil {
		return p, err
	}
	for _, pr := range ps {
		p.Produits = append(p.Produits, ProduitAdmin{NumeroAns: pr.NumeroAns, Logiciel: string(pr.Logiciel), Nom: pr.Nom, Cree: s.date(pr.CreeLe)})
	}
	us, err := s.Store.FindUtilisateursDuFournisseur(ctx, f.ID)
	if err != nil {
		return p, err
	}
	for _, u := range us {
		p.Utilisateurs = append(p.Utilisateurs, s.utilisateurAdmin(u, map[segur.FournisseurID]string{f.ID: f.Nom}))
	}
	p.Fournisseur.Produits, p.Fournisseur.Utilisateurs = len(p.Produits), len(us)
	p.Email = f.Email
	if p.Historique, err = s.historique(ctx, "fournisseur:"+f.SIRET); err != nil {
		return p, err
	}
	if p.Banque, err = s.banqueAdmin(ctx, f, utilisateur(ctx).Login); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) getAdminFournisseur(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-fournisseur.html", p)
	return nil
}

// postAdminProduit registers an ANS number of the vendor, with the checks
// of segur admin ans add (Produit.Valider).
func (s *Server) postAdminProduit(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	p.Form = FormProduit{NumeroAns: r.PostFormValue("numeroAns"), Nom: r.PostFormValue("nom")}
	logiciel := r.PostFormValue("logiciel")
	p.Logiciels = optionsLogiciel(logiciel)
	p.requis("numeroAns", p.Form.NumeroAns, "Saisissez le numéro ANS : 10 lettres ou chiffres.")
	p.requis("logiciel", logiciel, "Choisissez le type de logiciel : RI, DPI ou PFI.")
	p.requis("nom", p.Form.Nom, "Saisissez le nom du produit.")
	pr := segur.Produit{NumeroAns: p.Form.NumeroAns, FournisseurID: segur.FournisseurID(p.Fournisseur.ID),
		Logiciel: hop.Logiciel(strings.ToUpper(strings.TrimSpace(logiciel))), Nom: p.Form.Nom}
	if len(p.Erreurs) == 0 {
		if err := p.refus(pr.Valider(), nil); err != nil {
			return err
		}
	}
	if len(p.Erreurs) == 0 {
		err := s.Store.CreateProduit(r.Context(), &pr)
		if err == nil {
			s.rediriger(w, r, fmt.Sprintf("/agence/admin/fournisseurs/%d#produits", p.Fournisseur.ID),
				fmt.Sprintf("Numéro ANS %s enregistré : %s, logiciel %s.", pr.NumeroAns, pr.Nom, pr.Logiciel))
			return nil
		}
		if err := p.refus(err, map[segur.ErrorCode]string{segur.ECONFLICT: "numeroAns"}); err != nil {
			return err
		}
	}
	s.render(w, http.StatusUnprocessableEntity, "admin-fournisseur.html", p)
	return nil
}

// --- Users

// PageAdminUtilisateurs lists the users.
type PageAdminUtilisateurs struct {
	BaseAdmin
	Utilisateurs []UtilisateurAdmin
	Total        int
	Pagination   Pagination
}

func (s *Server) pageUtilisateurs(r *http.Request, page int) (PageAdminUtilisateurs, error) {
	ctx := r.Context()
	p := PageAdminUtilisateurs{BaseAdmin: s.baseAdmin(r, "Utilisateurs")}
	us, total, err := s.Store.FindUtilisateurs(ctx, parPage, (page-1)*parPage)
	if err != nil {
		return p, err
	}
	noms, err := s.nomsFournisseurs(ctx)
	if err != nil {
		return p, err
	}
	p.Total, p.Pagination = total, pagination(r, page, total)
	for _, u := range us {
		p.Utilisateurs = append(p.Utilisateurs, s.utilisateurAdmin(u, noms))
	}
	return p, nil
}

func (s *Server) nomsFournisseurs(ctx context.Context) (map[segur.FournisseurID]string, error) {
	fs, err := s.Store.FindFournisseurs(ctx)
	if err != nil {
		return nil, err
	}
	noms := make(map[segur.FournisseurID]string, len(fs))
	for _, f := range fs {
		noms[f.ID] = f.Nom
	}
	return noms, nil
}

func (s *Server) getAdminUtilisateurs(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageUtilisateurs(r, numeroPage(r))
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-utilisateurs.html", p)
	return nil
}

// postAdminDebloquer forgets the failed logins of a login from every
// address, as segur admin user unlock does: its owner, slowed down by
// someone else's failures, logs in again at once.
func (s *Server) postAdminDebloquer(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	login := strings.TrimSpace(r.PostFormValue("login"))
	n, err := s.Store.DeleteEchecsConnexion(r.Context(), login)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Aucun échec de connexion en cours pour %s : rien à débloquer.", login)
	switch {
	case n == 1:
		msg = fmt.Sprintf("Connexions de %s débloquées (échecs d'une adresse effacés).", login)
	case n > 1:
		msg = fmt.Sprintf("Connexions de %s débloquées (échecs de %d adresses effacés).", login, n)
	}
	cible := "/agence/admin/utilisateurs"
	if page := r.PostFormValue("page"); page != "" && page != "1" {
		if n, err := strconv.Atoi(page); err == nil && n > 1 {
			cible += "?page=" + strconv.Itoa(n)
		}
	}
	s.rediriger(w, r, cible, msg)
	return nil
}

// FormUtilisateur is what the form of a new user holds.
type FormUtilisateur struct {
	Login, Nom string
}

// CaseRole is a role's checkbox.
type CaseRole struct {
	Valeur, Libelle, Aide string
	Coche                 bool
}

// PageAdminUtilisateurNouveau is the form of a new user.
type PageAdminUtilisateurNouveau struct {
	BaseAdmin
	Form         FormUtilisateur
	Roles        []CaseRole
	Fournisseurs []OptionAdmin
}

var casesRoles = []CaseRole{
	{Valeur: string(segur.RoleFournisseur), Libelle: "Fournisseur", Aide: "salarié d'un fournisseur : dépose les demandes de son entreprise ; ne se cumule pas avec les rôles de l'agence"},
	{Valeur: string(segur.RoleInstructeur), Libelle: "Instructeur", Aide: "agent de l'agence : instruit les demandes"},
	{Valeur: string(segur.RolePayeur), Libelle: "Payeur", Aide: "agent de l'agence : met les paiements en œuvre"},
	{Valeur: string(segur.RoleAdmin), Libelle: "Administrateur", Aide: "agent de l'agence : fournisseurs, utilisateurs, campagnes, référentiel"},
}

func (s *Server) pageUtilisateurNouveau(r *http.Request, roles []string, fournisseur string) (PageAdminUtilisateurNouveau, error) {
	p := PageAdminUtilisateurNouveau{BaseAdmin: s.baseAdmin(r, "Créer un utilisateur", LienAdmin{"Utilisateurs", "/agence/admin/utilisateurs"})}
	for _, c := range casesRoles {
		c.Coche = slices.Contains(roles, c.Valeur)
		p.Roles = append(p.Roles, c)
	}
	fs, err := s.Store.FindFournisseurs(r.Context())
	if err != nil {
		return p, err
	}
	coll := collate.New(language.French, collate.Loose)
	slices.SortStableFunc(fs, func(a, b segur.Fournisseur) int { return coll.CompareString(a.Nom, b.Nom) })
	for _, f := range fs {
		id := strconv.FormatInt(int64(f.ID), 10)
		p.Fournisseurs = append(p.Fournisseurs, OptionAdmin{Valeur: id, Libelle: f.Nom + " — SIRET " + f.SIRET, Choisi: id == fournisseur})
	}
	return p, nil
}

func (s *Server) getAdminUtilisateurNouveau(w http.ResponseWriter, r *http.Request) error {
	// From a vendor's page, ?fournisseur=ID: its employee.
	var roles []string
	f := r.URL.Query().Get("fournisseur")
	if f != "" {
		roles = []string{string(segur.RoleFournisseur)}
	}
	p, err := s.pageUtilisateurNouveau(r, roles, f)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "admin-utilisateur-nouveau.html", p)
	return nil
}

// postAdminUtilisateur creates a user without a password, with the checks
// of segur admin user add (Utilisateur.Valider), and mails it an
// activation link, in the same transaction: the administrator never sees
// a password.
func (s *Server) postAdminUtilisateur(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	roles, fournisseur := r.PostForm["roles"], strings.TrimSpace(r.PostFormValue("fournisseur"))
	p, err := s.pageUtilisateurNouveau(r, roles, fournisseur)
	if err != nil {
		return err
	}
	p.Form = FormUtilisateur{Login: r.PostFormValue("login"), Nom: r.PostFormValue("nom")}
	p.requis("login", p.Form.Login, "Saisissez l'adresse électronique de la personne : elle lui sert d'identifiant.")
	p.requis("nom", p.Form.Nom, "Saisissez le nom de la personne.")
	u := segur.Utilisateur{Login: p.Form.Login, Nom: p.Form.Nom}
	for _, v := range roles {
		role, err := segur.ParseRole(v)
		if err != nil {
			p.refuser("roles", err.Error())
			continue
		}
		if !slices.Contains(u.Roles, role) {
			u.Roles = append(u.Roles, role)
		}
	}
	if len(roles) == 0 {
		p.refuser("roles", "Cochez le rôle fournisseur, ou un ou plusieurs rôles de l'agence.")
	}
	if fournisseur != "" {
		id, err := strconv.ParseInt(fournisseur, 10, 64)
		if err != nil || id <= 0 {
			err = segur.Errorf(segur.ENOTFOUND, "fournisseur « %s » introuvable", fournisseur)
		} else {
			_, err = s.Store.FindFournisseurByID(ctx, segur.FournisseurID(id))
		}
		switch {
		case err == nil:
			u.FournisseurID = segur.FournisseurID(id)
		case segur.IsCode(err, segur.ENOTFOUND):
			p.refuser("fournisseur", "Ce fournisseur n'existe pas : choisissez-le dans la liste.")
		default:
			return err
		}
	}
	if err := p.refus(u.Valider(), nil); err != nil {
		return err
	}
	if len(p.Erreurs) > 0 {
		s.render(w, http.StatusUnprocessableEntity, "admin-utilisateur-nouveau.html", p)
		return nil
	}
	d, err := s.lienDemande(u.Login, segur.LienActivation)
	if err != nil {
		return err
	}
	if err := s.Store.CreateUtilisateurInvite(ctx, &u, d); err != nil {
		if err := p.refus(err, map[segur.ErrorCode]string{segur.ECONFLICT: "login", segur.ENOTFOUND: "fournisseur"}); err != nil {
			return err
		}
		s.render(w, http.StatusUnprocessableEntity, "admin-utilisateur-nouveau.html", p)
		return nil
	}
	s.reveiller()
	s.rediriger(w, r, "/agence/admin/utilisateurs", fmt.Sprintf("Compte de %s créé (%s) : %s", u.Nom, u.RolesTexte(), s.invitationTexte(d, &u)))
	return nil
}

// invitationTexte says what the activation mail of d to u holds.
func (s *Server) invitationTexte(d segur.DemandeLien, u *segur.Utilisateur) string {
	if !d.AvecLien(u) {
		return fmt.Sprintf("invitation envoyée à %s ; les agents se connectent avec ProConnect, sans mot de passe du portail.", u.Login)
	}
	return fmt.Sprintf("invitation envoyée à %s, avec un lien valable 7 jours pour choisir son mot de passe.", u.Login)
}

// postAdminInvitation mails a new activation link to a user who has not
// chosen a password yet; the older link no longer works.
func (s *Server) postAdminInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	d, err := s.lienDemande(login, segur.LienActivation)
	if err != nil {
		return err
	}
	u, err := s.Store.CreateInvitation(r.Context(), d)
	if err != nil {
		return err
	}
	s.reveiller()
	cible := "/agence/admin/utilisateurs"
	if page := r.PostFormValue("page"); page != "" && page != "1" {
		if n, err := strconv.Atoi(page); err == nil && n > 1 {
			cible += "?page=" + strconv.Itoa(n)
		}
	}
	s.rediriger(w, r, cible, "Nouvelle "+s.invitationTexte(d, u)+" L'ancien lien ne sert plus.")
	return nil
}

// --- Campaign windows

// FenetreAdmin is a campaign window in the administration's list.
type FenetreAdmin struct {
	ID                         int64
	Logiciel, Type, Debut, Fin string
	Etat                       string // ouverte, à venir, close
}

// FormFenetre is what the form of a campaign window holds: the dates as
// datetime-local inputs write them, in Europe/Paris.
type FormFenetre struct {
	Type, Debut, Fin string
}

// PageAdminFenetres lists the campaign windows, with the form that opens one.
type PageAdminFenetres struct {
	BaseAdmin
	Fenetres  []FenetreAdmin
	Form      FormFenetre
	Logiciels []OptionAdmin
	Types     []OptionAdmin
}

func (s *Server) pageFenetres(r *http.Request, f FormFenetre, logiciel string) (PageAdminFenetres, error) {
	p := PageAdminFenetres{BaseAdmin: s.baseAdmin(r, "Campagnes de dépôt"), Form: f, Logiciels: optionsLogiciel(logiciel)}
	p.Types = []OptionAdmin{
		{Valeur: string(segur.TypeAvance), Libelle: "Demandes d'avance", Choisi: f.Type == string(segur.TypeAvance)},
		{Valeur: string(segur.TypeSolde), Libelle: "Demandes de solde", Choisi: f.Type == string(segur.TypeSolde)},
	}
	fen, err := s.Store.FindFenetres(r.Context())
	if err != nil {
		return p, err
	}
	for _, fe := range fen {
		p.Fenetres = append(p.Fenetres, s.fenetreAdmin(fe))
	}
	return p, nil
}

func (s *Server) getAdminFenetres(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageFenetres(r, FormFenetre{Type: string(segur.TypeAvance)}, "")
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-fenetres.html", p)
	return nil
}

// heureLocale reads the value of a datetime-local input in loc.
func heureLocale(v string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(v), loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// postAdminFenetre opens a campaign window, with the checks of segur admin
// window add (Fenetre.Valider).
func (s *Server) postAdminFenetre(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	logiciel := r.PostFormValue("logiciel")
	p, err := s.pageFenetres(r, FormFenetre{Type: r.PostFormValue("type"), Debut: r.PostFormValue("debut"), Fin: r.PostFormValue("fin")}, logiciel)
	if err != nil {
		return err
	}
	p.requis("logiciel", logiciel, "Choisissez le type de logiciel : RI, DPI ou PFI.")
	f := segur.Fenetre{Logiciel: hop.Logiciel(logiciel), Type: segur.TypeDemande(p.Form.Type)}
	for _, d := range []struct {
		champ, valeur, quoi string
		t                   *time.Time
	}{{"debut", p.Form.Debut, "d'ouverture", &f.Debut}, {"fin", p.Form.Fin, "de fermeture", &f.Fin}} {
		t, ok := heureLocale(d.valeur, s.Paris)
		switch {
		case strings.TrimSpace(d.valeur) == "":
			p.refuser(d.champ, "Saisissez la date et l'heure "+d.quoi+" (heure de Paris).")
		case !ok:
			p.refuser(d.champ, "Date et heure "+d.quoi+" illisibles : attendu jj/mm/aaaa et hh:mm.")
		default:
			*d.t = t.UTC()
		}
	}
	if err := p.refus(f.Valider(), nil); err != nil {
		return err
	}
	if len(p.Erreurs) == 0 && !confirme(r) {
		return s.confirmerFenetre(w, r, f, logiciel, p.Form)
	}
	if len(p.Erreurs) == 0 {
		err := s.Store.CreateFenetre(r.Context(), &f)
		if err == nil {
			s.rediriger(w, r, "/agence/admin/fenetres", fmt.Sprintf("Campagne ouverte aux demandes de type %s du logiciel %s, du %s au %s (heure de Paris).",
				f.Type, f.Logiciel, s.date(f.Debut), s.date(f.Fin)))
			return nil
		}
		if err := p.refus(err, nil); err != nil {
			return err
		}
	}
	s.render(w, http.StatusUnprocessableEntity, "admin-fenetres.html", p)
	return nil
}

// --- Reference of establishments

// VersionVue is an import of the reference.
type VersionVue struct {
	ID        int64
	Date, Par string
	Nombre    int
	Courante  bool
	Compte    string // "1 établissement", "12 établissements"
}

func (s *Server) versionVue(v segur.ReferenceVersion) VersionVue {
	par := v.Par
	if par == "" {
		par = "—"
	}
	n := fmt.Sprintf("%d établissement", v.Nombre)
	if v.Nombre > 1 {
		n += "s"
	}
	return VersionVue{ID: v.ID, Date: s.date(v.ImporteLe), Par: par, Nombre: v.Nombre, Compte: n}
}

// EtablissementAdmin is an establishment of the reference, its ceilings
// in euros HT.
type EtablissementAdmin struct {
	FINESS, Nom, RI, DPI, PFI string
}

// PageAdminReferentiel is the reference of establishments: its versions,
// the import form, the current version's establishments.
type PageAdminReferentiel struct {
	BaseAdmin
	Versions       []VersionVue
	Courante       *VersionVue
	Etablissements []EtablissementAdmin
	Total          int
	FINESS         string // the search
	Pagination     Pagination
	MaxMo          int
}

func (s *Server) pageReferentiel(r *http.Request) (PageAdminReferentiel, error) {
	ctx := r.Context()
	p := PageAdminReferentiel{BaseAdmin: s.baseAdmin(r, "Référentiel des établissements"), MaxMo: maxReference >> 20}
	vs, err := s.Store.FindReferenceVersions(ctx)
	if err != nil {
		return p, err
	}
	for i, v := range vs {
		vv := s.versionVue(v)
		vv.Courante = i == 0
		p.Versions = append(p.Versions, vv)
	}
	if len(vs) == 0 {
		return p, nil
	}
	p.Courante = &p.Versions[0]
	p.FINESS = strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("finess")))
	if !finessCherche(p.FINESS) {
		p.refuser("finess", "FINESS : saisissez ses premiers chiffres, 9 au plus (2A ou 2B en tête pour la Corse)")
		return p, nil
	}
	page := numeroPage(r)
	es, total, err := s.Store.FindEtablissements(ctx, vs[0].ID, p.FINESS, parPage, (page-1)*parPage)
	if err != nil {
		return p, err
	}
	p.Total, p.Pagination = total, pagination(r, page, total)
	for _, e := range es {
		p.Etablissements = append(p.Etablissements, EtablissementAdmin{FINESS: e.FINESSPMSI, Nom: e.Nom,
			RI: segur.Euros(e.Plafonds[hop.LogicielRI]), DPI: segur.Euros(e.Plafonds[hop.LogicielDPI]), PFI: segur.Euros(e.Plafonds[hop.LogicielPFI])})
	}
	return p, nil
}

// finessCherche reports whether s is the start of a FINESS: up to 9
// digits, or 2A/2B then digits.
func finessCherche(s string) bool {
	if len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || i == 1 && (c == 'A' || c == 'B') && s[0] == '2') {
			return false
		}
	}
	return true
}

func (s *Server) getAdminReferentiel(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageReferentiel(r)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	status := http.StatusOK
	if len(p.Erreurs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, status, "admin-referentiel.html", p)
	return nil
}

// postAdminReferentiel imports a new version of the reference from a CSV
// (segur.LireReference, as segur admin reference import); a mistake names
// its line. The file sent is stored and checked, then confirmed: the
// confirmation posts its SHA-256 back, and only then is it imported.
func (s *Server) postAdminReferentiel(w http.ResponseWriter, r *http.Request) error {
	refuser := func(status int, message string) error {
		p, err := s.pageReferentiel(r)
		if err != nil {
			return err
		}
		p.refuser("fichier", message)
		s.render(w, status, "admin-referentiel.html", p)
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return s.importerReferentiel(w, r, refuser)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReference+64<<10)
	ref, blob, err := s.lireReferenceEnvoyee(r)
	var mbe *http.MaxBytesError
	var se *segur.Error
	switch {
	case errors.As(err, &mbe) || segur.IsCode(err, segur.ETOOLARGE):
		return refuser(http.StatusRequestEntityTooLarge, fmt.Sprintf("Le fichier dépasse %d Mo.", maxReference>>20))
	case errors.As(err, &se) && se.Code == segur.EINVALID:
		return refuser(http.StatusUnprocessableEntity, se.Message)
	case err != nil:
		return err
	case len(ref) == 0:
		return refuser(http.StatusUnprocessableEntity, "Le fichier ne contient aucun établissement : le référentiel en vigueur est gardé.")
	}
	return s.confirmerReferentiel(w, r, ref, blob)
}

// importerReferentiel imports the reference file confirmed, stored when it
// was sent: the form names it by its SHA-256.
func (s *Server) importerReferentiel(w http.ResponseWriter, r *http.Request, refuser func(int, string) error) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	sum := r.PostFormValue("empreinte")
	if !confirme(r) || !empreinteValide(sum) {
		return refuser(http.StatusUnprocessableEntity, "Choisissez le fichier CSV du référentiel.")
	}
	b, err := s.Blobs.Open(r.Context(), sum)
	if segur.IsCode(err, segur.ENOTFOUND) {
		return refuser(http.StatusUnprocessableEntity, "Le fichier confirmé est introuvable : envoyez-le de nouveau.")
	}
	if err != nil {
		return err
	}
	defer b.Close()
	ref, err := segur.LireReference(b)
	switch {
	case err != nil:
		return refuser(http.StatusUnprocessableEntity, err.Error())
	case len(ref) == 0:
		return refuser(http.StatusUnprocessableEntity, "Le fichier ne contient aucun établissement : le référentiel en vigueur est gardé.")
	}
	v, err := s.Store.CreateReference(r.Context(), ref)
	if err != nil {
		return err
	}
	s.rediriger(w, r, "/agence/admin/referentiel", fmt.Sprintf("Référentiel importé : version %d, %s. Il s'applique dès maintenant aux alertes et aux plafonds.",
		v, s.versionVue(segur.ReferenceVersion{ID: v, Nombre: len(ref)}).Compte))
	return nil
}

// empreinteValide reports whether sum is a SHA-256 in lower-case hex.
func empreinteValide(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	for _, c := range sum {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// lireReferenceEnvoyee stores the part "fichier" of the form, streamed,
// then reads it: a mistake of the form or the file is an EINVALID.
func (s *Server) lireReferenceEnvoyee(r *http.Request) (segur.Reference, segur.BlobRef, error) {
	choisir := segur.Errorf(segur.EINVALID, "choisissez le fichier CSV du référentiel")
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, segur.BlobRef{}, segur.Errorf(segur.EINVALID, "formulaire illisible : choisissez le fichier CSV du référentiel")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, segur.BlobRef{}, choisir
		}
		if err != nil {
			return nil, segur.BlobRef{}, err
		}
		if part.FormName() != "fichier" {
			part.Close()
			continue
		}
		if part.FileName() == "" {
			return nil, segur.BlobRef{}, choisir
		}
		blob, err := s.Blobs.Put(r.Context(), part, maxReference)
		if err != nil {
			return nil, blob, err
		}
		b, err := s.Blobs.Open(r.Context(), blob.SHA256)
		if err != nil {
			return nil, blob, err
		}
		defer b.Close()
		ref, err := segur.LireReference(b)
		if err != nil {
			return nil, blob, segur.Errorf(segur.EINVALID, "%s", err.Error())
		}
		return ref, blob, nil
	}
}

// --- Outbox

// CourrielAdmin is a mail of the outbox.
type CourrielAdmin struct {
	ID                           int64
	A, Sujet, Objet              string
	Etat, EtatCode, Cree         string
	Tentatives                   int
	DerniereErreur, DernierEssai string
	ProchainEssai, Envoye        string
	Relancable                   bool
}

// PageAdminCourriels is the outbox, filtered by state.
type PageAdminCourriels struct {
	BaseAdmin
	Courriels  []CourrielAdmin
	Total      int
	Etat       string
	Etats      []OptionAdmin
	Pagination Pagination
}

func (s *Server) pageCourriels(r *http.Request, etat string) (PageAdminCourriels, error) {
	p := PageAdminCourriels{BaseAdmin: s.baseAdmin(r, "Courriels envoyés par le portail")}
	e, err := segur.ParseEtatCourriel(etat)
	if err != nil {
		e = ""
	}
	p.Etat = string(e)
	p.Etats = []OptionAdmin{{Valeur: "", Libelle: "Tous", Choisi: e == ""}}
	for _, x := range segur.EtatsCourriel {
		p.Etats = append(p.Etats, OptionAdmin{Valeur: string(x), Libelle: x.Libelle(), Choisi: x == e})
	}
	page := numeroPage(r)
	cs, total, err := s.Store.FindCourriels(r.Context(), e, parPage, (page-1)*parPage)
	if err != nil {
		return p, err
	}
	p.Total, p.Pagination = total, pagination(r, page, total)
	for _, c := range cs {
		v := CourrielAdmin{ID: int64(c.ID), A: strings.Join(c.A, ", "), Sujet: c.Sujet, Objet: c.Objet, Etat: c.Etat.Libelle(),
			EtatCode: string(c.Etat), Cree: s.date(c.CreeLe), Tentatives: c.Tentatives, DerniereErreur: c.DerniereErreur,
			Relancable: c.Etat != segur.CourrielEnvoye}
		if !c.DernierEssai.IsZero() {
			v.DernierEssai = s.date(c.DernierEssai)
		}
		if c.Etat == segur.CourrielEnvoye {
			v.Envoye = s.date(c.EnvoyeLe)
		} else {
			v.ProchainEssai = s.date(c.ProchainEssai)
		}
		p.Courriels = append(p.Courriels, v)
	}
	return p, nil
}

func (s *Server) getAdminCourriels(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageCourriels(r, r.URL.Query().Get("etat"))
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-courriels.html", p)
	return nil
}

// postAdminRelancer makes a mail due now; the list comes back with the
// filter it had.
func (s *Server) postAdminRelancer(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	id, err := idChemin(r, "id", "Ce courriel")
	if err != nil {
		return err
	}
	etat := ""
	if e, err := segur.ParseEtatCourriel(r.PostFormValue("etat")); err == nil {
		etat = string(e)
	}
	if err := s.Store.RetryCourriel(r.Context(), segur.CourrielID(id)); err != nil {
		if segur.IsCode(err, segur.ENOTFOUND) {
			return segur.Errorf(segur.ENOTFOUND, "Ce courriel n'existe pas.")
		}
		p, perr := s.pageCourriels(r, etat)
		if perr != nil {
			return perr
		}
		if err := p.refus(err, map[segur.ErrorCode]string{segur.ECONFLICT: ""}); err != nil {
			return err
		}
		s.render(w, http.StatusConflict, "admin-courriels.html", p)
		return nil
	}
	cible := "/agence/admin/courriels"
	if etat != "" {
		cible += "?" + url.Values{"etat": {etat}}.Encode()
	}
	s.rediriger(w, r, cible, fmt.Sprintf("Courriel n° %d relancé : il part au prochain passage de l'envoi.", id))
	return nil
}
