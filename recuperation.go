package segur

import (
	"fmt"
	"strings"
	"time"
)

// ObjetLien is what a link mailed to a user is for: choosing a password,
// after « mot de passe oublié » or to activate an account an administrator
// created.
type ObjetLien string

// The purposes of a link.
const (
	LienReinitialisation ObjetLien = "reinitialisation" // « mot de passe oublié »
	LienActivation       ObjetLien = "activation"       // a new account, created by an administrator
)

// How long a link stays valid.
const (
	DureeLienReinitialisation = time.Hour
	DureeLienActivation       = 7 * 24 * time.Hour
)

// Duree is how long a link for o stays valid.
func (o ObjetLien) Duree() time.Duration {
	if o == LienActivation {
		return DureeLienActivation
	}
	return DureeLienReinitialisation
}

// dureeTexte says o's validity in a mail: « une heure », « 7 jours ».
func (o ObjetLien) dureeTexte() string {
	if o == LienActivation {
		return "7 jours"
	}
	return "une heure"
}

// CheminMotDePasse is the page a link opens, with its token as the query's
// jeton: the form of a new password.
const CheminMotDePasse = "/motdepasse/nouveau"

// LienMotDePasse is the address of the link of token on the portal at base
// (its public address, segur serve --url).
func LienMotDePasse(base, token string) string {
	return strings.TrimRight(base, "/") + CheminMotDePasse + "?jeton=" + token
}

// SansJeton is the body of a mail with the tokens of its links to choose a
// password blanked: once the mail is sent, the outbox keeps no live link.
func SansJeton(corps string) string {
	const marque = CheminMotDePasse + "?jeton="
	var b strings.Builder
	for {
		i := strings.Index(corps, marque)
		if i < 0 {
			b.WriteString(corps)
			return b.String()
		}
		b.WriteString(corps[:i+len(marque)])
		corps = corps[i+len(marque):]
		n := 0
		for n < len(corps) && jetonOctet(corps[n]) {
			n++
		}
		b.WriteString("(effacé après l'envoi)")
		corps = corps[n:]
	}
}

// jetonOctet reports whether c may be in a token: base64url.
func jetonOctet(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// LienCompte is a link mailed to a user to choose a password. Its token,
// 32 random bytes, travels in the mail only: the store keeps its SHA-256.
// A link is used once (setting the password consumes it and every other
// link of the user), and a newer link of the same purpose replaces it.
type LienCompte struct {
	Empreinte     []byte // SHA-256 of the token
	UtilisateurID UtilisateurID
	Objet         ObjetLien
	CreeLe        time.Time
	ExpireLe      time.Time
}

// DemandeLien asks for a link to be mailed to the user of Login: a
// « mot de passe oublié » from the client Adresse, or an administrator's
// invitation (Adresse empty).
type DemandeLien struct {
	Login   string
	Adresse string // the client's, for the throttling of reset requests
	Objet   ObjetLien
	// Empreinte is the SHA-256 of the token URL carries; URL is the link
	// for the mail (LienMotDePasse), Connexion the login page's address.
	Empreinte      []byte
	URL, Connexion string
	// AgentsProConnect says that agents sign in through ProConnect only:
	// an agent then gets a mail that says so, and no link.
	AgentsProConnect bool
	// Administrateur says that an administrator reset the password (a
	// reinitialisation): the password in use is gone, and the mail says so.
	Administrateur bool
}

// Valider checks a request before it is stored.
func (d DemandeLien) Valider() error {
	switch {
	case d.Objet != LienReinitialisation && d.Objet != LienActivation:
		return Errorf(EINVALID, "lien de mot de passe : objet « %s » inconnu", d.Objet)
	case len(d.Empreinte) != 32:
		return Errorf(EINVALID, "lien de mot de passe : attendu l'empreinte SHA-256 du jeton, de 32 octets")
	case strings.TrimSpace(d.URL) == "" || strings.TrimSpace(d.Connexion) == "":
		return Errorf(EINVALID, "lien de mot de passe : attendu l'adresse du lien et celle de la page de connexion")
	case d.Objet == LienReinitialisation:
		return EssaiConnexion{Login: d.Login, Adresse: d.Adresse}.Valider()
	}
	return nil
}

// AvecLien reports whether u gets a link: not an agent when agents sign in
// through ProConnect only.
func (d DemandeLien) AvecLien(u *Utilisateur) bool {
	return !(d.AgentsProConnect && u.Agent())
}

// Throttling of reset requests. Every request is counted, on two counters
// (DemandeLien.Cles), whether its address is a user's or not, before
// anything else: the answer is the same either way, and an outsider can
// neither flood a user's mailbox (a few mails per login per FenetreEchecs)
// nor spray addresses from one client. A request never touches the
// password in use: it only mails a link.
var (
	LimiteReinitialisationLogin   = LimiteEchecs{Max: 3, Base: 5 * time.Minute, Plafond: FenetreEchecs}
	LimiteReinitialisationAdresse = LimiteEchecs{Max: 10, Base: time.Minute, Plafond: FenetreEchecs}
)

// Cles returns the counters a reset request counts in, in the order of
// their keys: its client address, its login. They share the login
// attempts' table and window, under keys of their own.
func (d DemandeLien) Cles() []CleEchecs {
	login := strings.ToLower(strings.TrimSpace(d.Login))
	adresse := strings.ToLower(strings.TrimSpace(d.Adresse))
	return []CleEchecs{
		{Cle: "reinitialisation-adresse:" + adresse, Limite: LimiteReinitialisationAdresse},
		{Cle: "reinitialisation-login:" + login, Limite: LimiteReinitialisationLogin},
	}
}

// Courriel composes the mail of request d to user u: the link (with its
// validity) or, for an agent who signs in through ProConnect only, how to
// sign in.
func (d DemandeLien) Courriel(u *Utilisateur) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	var sujet string
	avecLien := d.AvecLien(u)
	switch d.Objet {
	case LienActivation:
		sujet = "Activez votre compte"
		fmt.Fprintf(&b, "Un compte vous est ouvert sur le portail Ségur numérique de l'Agence de services et de paiement.\n\n")
		fmt.Fprintf(&b, "  Identifiant : %s\n  Nom : %s\n  Rôles : %s\n\n", u.Login, uneLigne(u.Nom), u.RolesTexte())
		if avecLien {
			fmt.Fprintf(&b, "Pour l'activer, choisissez votre mot de passe en ouvrant ce lien, valable %s et une seule fois :\n%s\n\n", d.Objet.dureeTexte(), d.URL)
			b.WriteString("Passé ce délai, demandez une nouvelle invitation à l'administrateur du portail, ou utilisez « Mot de passe oublié ? » sur la page de connexion.\n")
		}
	case LienReinitialisation:
		if !d.Administrateur {
			sujet = d.courrielOubli(&b, u, avecLien)
			break
		}
		sujet = "Votre mot de passe a été réinitialisé"
		fmt.Fprintf(&b, "L'administrateur du portail Ségur numérique a réinitialisé le mot de passe de votre compte (identifiant : %s) : l'ancien ne fonctionne plus, et vos sessions ouvertes sont fermées.\n\n", u.Login)
		if avecLien {
			fmt.Fprintf(&b, "Pour choisir un nouveau mot de passe, ouvrez ce lien, valable %s et une seule fois :\n%s\n\n", d.Objet.dureeTexte(), d.URL)
			b.WriteString("Passé ce délai, utilisez « Mot de passe oublié\u202f? » sur la page de connexion.\n")
		}
	}
	if !avecLien {
		fmt.Fprintf(&b, "\nLes agents de l'agence se connectent au portail avec ProConnect, sans mot de passe du portail : utilisez le bouton « S'identifier avec ProConnect » de la page de connexion :\n%s\n", d.Connexion)
	}
	signer(&b)
	return Courriel{
		A:     []string{u.Login},
		Sujet: "[Ségur numérique] " + sujet,
		Corps: b.String(),
		Objet: "utilisateur:" + u.Login,
	}
}

// courrielOubli writes the mail of a « mot de passe oublié » into b and
// returns its subject.
func (d DemandeLien) courrielOubli(b *strings.Builder, u *Utilisateur, avecLien bool) string {
	fmt.Fprintf(b, "Une réinitialisation du mot de passe de votre compte du portail Ségur numérique (identifiant : %s) a été demandée.\n\n", u.Login)
	if avecLien {
		fmt.Fprintf(b, "Pour choisir un nouveau mot de passe, ouvrez ce lien, valable %s et une seule fois :\n%s\n\n", d.Objet.dureeTexte(), d.URL)
	}
	b.WriteString("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.\n")
	return "Réinitialisation de votre mot de passe"
}
