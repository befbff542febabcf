package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// PageCompte is the user's account: the password form and, for a vendor,
// its API tokens.
type PageCompte struct {
	Base
	// Agent: the tokens are the agent's own, for the agency's read-only
	// API; otherwise the vendor's.
	Agent  bool
	Jetons []JetonVue
	// NouveauJeton is a token just created, shown on this page only.
	NouveauJeton                                    string
	ErreurActuel, ErreurNouveau, ErreurConfirmation string
	// Banque is the bank details of a vendor's user's company; nil for
	// an agent.
	Banque *BanqueVendeur
}

// BanqueVendeur is a vendor's bank details as its users see them, every
// IBAN masked but its last four characters, as the administration's
// pages show it: the account its payments go to, and the change awaiting
// the agency's approval, if any (an expired one is no longer awaited).
type BanqueVendeur struct {
	IBANFin, BIC string // the IBAN's last four characters; "" when the agency has none
	EnAttente    *ChangementVendeur
	Contact      string // whom to tell of a change the vendor did not ask for; "" for the agency
}

// ChangementVendeur is a change of bank details awaiting the agency's
// approval, as the vendor sees it.
type ChangementVendeur struct {
	IBANFin, BIC, ProposeLe string
}

// banqueVendeur reads the bank details of vendor f for its users.
func (s *Server) banqueVendeur(ctx context.Context, f segur.FournisseurID) (*BanqueVendeur, error) {
	v, err := s.Store.FindFournisseurByID(ctx, f)
	if err != nil {
		return nil, err
	}
	b := &BanqueVendeur{IBANFin: finIBAN(v.IBAN), BIC: v.BIC}
	if s.Guichet != nil {
		b.Contact = s.Guichet.Contact
	}
	c, err := s.Store.FindChangementBanqueEnAttente(ctx, f)
	switch {
	case segur.IsCode(err, segur.ENOTFOUND):
	case err != nil:
		return nil, err
	case c.Etat == segur.BanqueEnAttente:
		b.EnAttente = &ChangementVendeur{IBANFin: finIBAN(c.IBAN), BIC: c.BIC, ProposeLe: c.ProposeLe.In(s.Paris).Format("02/01/2006")}
	}
	return b, nil
}

// JetonVue is an API token as the account page lists it, its dates in
// Europe/Paris.
type JetonVue struct {
	ID                          int64
	Prefixe, Cree, DernierUsage string
	Expire                      string // when it expires, or expired
	Expiree                     bool   // expired: the API refuses it until renewed
	Revoque                     string // the revocation date, "" if active
}

// Fields of the password form.
const (
	champActuel       = "actuel"
	champNouveau      = "nouveau"
	champConfirmation = "confirmation"
)

// pageCompte is the account page of the logged-in user, with the tokens of
// a vendor.
func (s *Server) pageCompte(r *http.Request) (PageCompte, error) {
	u := utilisateur(r.Context())
	p := PageCompte{Base: Base{Titre: "Mon compte", Nav: "compte", Utilisateur: u}}
	pj, ok := s.porteJetons(r)
	if !ok {
		return p, nil
	}
	p.Agent = pj.agent
	if u.A(segur.RoleFournisseur) {
		b, err := s.banqueVendeur(r.Context(), u.FournisseurID)
		if err != nil {
			return p, err
		}
		p.Banque = b
	}
	js, err := pj.lister(r.Context())
	if err != nil {
		return p, err
	}
	now := s.Now()
	for _, j := range js {
		v := JetonVue{ID: int64(j.ID), Prefixe: j.Prefixe, Cree: s.date(j.CreeLe), DernierUsage: "jamais", Expire: s.date(j.ExpireLe), Expiree: j.Expire(now)}
		if !j.DernierUsage.IsZero() {
			v.DernierUsage = s.date(j.DernierUsage)
		}
		if !j.RevoqueLe.IsZero() {
			v.Revoque = s.date(j.RevoqueLe)
		}
		p.Jetons = append(p.Jetons, v)
	}
	return p, nil
}

// date is t in Europe/Paris, as the pages show it.
func (s *Server) date(t time.Time) string { return t.In(s.Paris).Format(dateHeure) }

func (s *Server) getCompte(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageCompte(r)
	if err != nil {
		return err
	}
	// The flash names the token by its prefix, read from the list rather
	// than from the URL: a link cannot make the page say anything else.
	p.Flash = s.flash(w, r)
	if id, err := strconv.ParseInt(r.URL.Query().Get("revoque"), 10, 64); err == nil {
		for _, j := range p.Jetons {
			if j.ID == id && j.Revoque != "" {
				p.Flash = "Jeton " + j.Prefixe + "… révoqué : il n'ouvre plus l'API."
			}
		}
	}
	s.render(w, http.StatusOK, "compte.html", p)
	return nil
}

// postMotDePasse changes the user's password, then closes all their
// sessions, this one included: they log in again with the new password.
func (s *Server) postMotDePasse(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	ctx := r.Context()
	u := utilisateur(ctx)
	actuel, nouveau, confirmation := r.PostFormValue(champActuel), r.PostFormValue(champNouveau), r.PostFormValue(champConfirmation)
	p, err := s.pageCompte(r)
	if err != nil {
		return err
	}
	refuser := func(champ, msg string) {
		switch champ {
		case champActuel:
			p.ErreurActuel = msg
		case champNouveau:
			p.ErreurNouveau = msg
		case champConfirmation:
			p.ErreurConfirmation = msg
		}
		p.Erreurs = append(p.Erreurs, ErreurChamp{Champ: champ, Message: msg})
	}
	switch {
	case u.MotDePasse == "":
		// Signed in through ProConnect, never activated: no password to check.
		refuser(champActuel, "Votre compte n'a pas encore de mot de passe : choisissez-le avec « Mot de passe oublié\u202f? » sur la page de connexion.")
	case actuel == "":
		refuser(champActuel, "Saisissez votre mot de passe actuel.")
	}
	errNouveau, errConfirmation := reglesMotDePasse(nouveau, confirmation)
	switch {
	case errNouveau != "":
		refuser(champNouveau, errNouveau)
	case nouveau == actuel:
		refuser(champNouveau, "Le nouveau mot de passe doit être différent de l'actuel.")
	}
	if errConfirmation != "" {
		refuser(champConfirmation, errConfirmation)
	}
	// The current password is checked last, once the rest is valid: one
	// argon2id computation per real attempt. Attempts count with the
	// login form's (the login from this address), so that a stolen
	// session cannot guess the password.
	status := http.StatusUnprocessableEntity
	if len(p.Erreurs) == 0 {
		essai := essaiConnexion(u.Login, adresse(r))
		attente, err := s.Store.CreateEssaiConnexion(ctx, essai, s.Now())
		if err != nil {
			return err
		}
		if attente > 0 {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(secondes(attente)))
			refuser(champActuel, "Trop d'essais : réessayez dans "+dureeTexte(attente)+".")
		} else if ok, err := auth.CheckPasswordContext(ctx, u.MotDePasse, actuel); err == auth.ErrOccupe {
			// Not checked: not a failure. The request may be over.
			if err := s.Store.DeleteEssaiConnexion(context.WithoutCancel(ctx), essai, false); err != nil {
				return err
			}
			return auth.ErrOccupe
		} else if err != nil {
			return err
		} else if !ok {
			refuser(champActuel, "Mot de passe actuel incorrect.")
		} else if err := s.Store.DeleteEssaiConnexion(ctx, essai, true); err != nil {
			return err
		}
	}
	if len(p.Erreurs) > 0 {
		s.render(w, status, "compte.html", p)
		return nil
	}
	h, err := auth.HashPasswordContext(ctx, nouveau)
	if err != nil {
		return err
	}
	if err := s.Store.SetMotDePasse(ctx, u.ID, h); err != nil {
		return err
	}
	if err := s.Store.DeleteSessionsOf(ctx, u.ID); err != nil {
		return err
	}
	s.effacerCookie(w, r)
	http.Redirect(w, r, "/connexion?motdepasse=change", http.StatusSeeOther)
	return nil
}

// postJeton creates an API token for the vendor, or for the agent his own
// (porteJetons), and shows it on the page it answers, once: only its
// digest is stored, and it never travels in a URL.
func (s *Server) postJeton(w http.ResponseWriter, r *http.Request) error {
	pj, err := s.porteJetonsRequis(r)
	if err != nil {
		return err
	}
	tok, err := pj.creer(r.Context())
	if err != nil {
		return err
	}
	p, err := s.pageCompte(r)
	if err != nil {
		return err
	}
	p.NouveauJeton = tok
	s.render(w, http.StatusOK, "compte.html", p)
	return nil
}

// postRenouvelerJeton pushes the expiry of one of the vendor's tokens (an
// agent's: his own) a year from now, expired or not: the same token goes
// on opening the API, nothing to change in the software. Another vendor's
// (another agent's) is not found; a revoked one is refused on the page. Not irreversible, it needs
// no confirmation.
func (s *Server) postRenouvelerJeton(w http.ResponseWriter, r *http.Request) error {
	pj, err := s.porteJetonsRequis(r)
	if err != nil {
		return err
	}
	id, err := idChemin(r, "id", "Ce jeton")
	if err != nil {
		return err
	}
	js, err := pj.lister(r.Context())
	if err != nil {
		return err
	}
	for _, j := range js {
		if int64(j.ID) != id {
			continue
		}
		nouveau, err := pj.renouveler(r.Context(), j.ID)
		if se, ok := refusable(err); ok {
			p, err := s.pageCompte(r)
			if err != nil {
				return err
			}
			p.Erreurs = []ErreurChamp{{Message: phraseFR(se.Message)}}
			s.render(w, http.StatusConflict, "compte.html", p)
			return nil
		}
		if err != nil {
			return err
		}
		quoi, ou := "l'API", "vos logiciels"
		if utilisateur(r.Context()).Agent() {
			quoi, ou = "l'API de l'agence", "vos outils ni vos scripts"
		}
		s.rediriger(w, r, "/compte", "Jeton "+nouveau.Prefixe+"… renouvelé : il ouvre "+quoi+" jusqu'au "+s.date(nouveau.ExpireLe)+
			" (heure de Paris), sans rien changer dans "+ou+".")
		return nil
	}
	return introuvable("Ce jeton")
}

// postRevoquerJeton revokes one of the vendor's tokens (an agent's: his
// own); another vendor's (another agent's) is not found.
func (s *Server) postRevoquerJeton(w http.ResponseWriter, r *http.Request) error {
	pj, err := s.porteJetonsRequis(r)
	if err != nil {
		return err
	}
	id, err := idChemin(r, "id", "Ce jeton")
	if err != nil {
		return err
	}
	js, err := pj.lister(r.Context())
	if err != nil {
		return err
	}
	for _, j := range js {
		if int64(j.ID) != id {
			continue
		}
		if !confirme(r) {
			s.confirmerRevocation(w, r, j)
			return nil
		}
		if err := pj.revoquer(r.Context(), j.ID); err != nil {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/compte?revoque=%d", id), http.StatusSeeOther)
		return nil
	}
	return introuvable("Ce jeton")
}

// porteJetons are the API tokens a user manages on his account page: his
// vendor's (the vendors' API), or, for an agent, his own (the agency's
// read-only API, /api/v1/agence/…, read with his roles at each request).
type porteJetons struct {
	agent      bool
	lister     func(ctx context.Context) ([]segur.Jeton, error)
	creer      func(ctx context.Context) (string, error)
	renouveler func(ctx context.Context, id segur.JetonID) (*segur.Jeton, error)
	revoquer   func(ctx context.Context, id segur.JetonID) error
}

// porteJetons returns the tokens the signed-in user manages, false for a
// user who has none to manage.
func (s *Server) porteJetons(r *http.Request) (porteJetons, bool) {
	u := utilisateur(r.Context())
	switch {
	case u.A(segur.RoleFournisseur):
		return porteJetons{
			lister: func(ctx context.Context) ([]segur.Jeton, error) { return s.Store.FindJetons(ctx, u.FournisseurID) },
			creer: func(ctx context.Context) (string, error) {
				tok, digest, prefix, err := auth.NewToken()
				if err != nil {
					return "", err
				}
				return tok, s.Store.CreateJeton(ctx, &segur.Jeton{FournisseurID: u.FournisseurID, UtilisateurID: u.ID, Empreinte: digest, Prefixe: prefix})
			},
			renouveler: s.Store.RenewJeton,
			revoquer:   s.Store.RevokeJeton,
		}, true
	case u.Agent():
		return porteJetons{
			agent:  true,
			lister: func(ctx context.Context) ([]segur.Jeton, error) { return s.Store.FindJetonsAgent(ctx, u.ID) },
			creer: func(ctx context.Context) (string, error) {
				tok, digest, prefix, err := auth.NewAgentToken()
				if err != nil {
					return "", err
				}
				return tok, s.Store.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: u.ID, Empreinte: digest, Prefixe: prefix})
			},
			renouveler: s.Store.RenewJetonAgent,
			revoquer:   s.Store.RevokeJetonAgent,
		}, true
	}
	return porteJetons{}, false
}

// porteJetonsRequis is porteJetons, an EFORBIDDEN for a user without.
func (s *Server) porteJetonsRequis(r *http.Request) (porteJetons, error) {
	pj, ok := s.porteJetons(r)
	if !ok {
		return pj, segur.Errorf(segur.EFORBIDDEN, "Cette page est réservée aux fournisseurs et aux agents de l'agence.")
	}
	return pj, nil
}
