package segur

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// FournisseurID identifies a vendor in the portal.
type FournisseurID int64

// Fournisseur is a software vendor enrolled on the portal (process.md, step 1).
type Fournisseur struct {
	ID     FournisseurID
	SIRET  string
	Nom    string // company name
	Email  string // contact e-mail
	IBAN   string // bank details for payments, normalised; may be empty at enrolment
	BIC    string
	CreeLe time.Time
	// SuspenduLe is when an administrator suspended the vendor (zero:
	// active): its deposits are refused, its data stays readable.
	SuspenduLe time.Time
}

// Valider checks a vendor before enrolment; its error is a Fautes of one,
// naming the field (siret, nom, email, iban or bic). force accepts a SIRET whose
// check key fails (a test SIRET such as the document's 88558855858745).
func (f *Fournisseur) Valider(force bool) error {
	f.SIRET = strings.TrimSpace(f.SIRET)
	f.Nom = strings.TrimSpace(f.Nom)
	f.Email = strings.TrimSpace(f.Email)
	f.IBAN = hop.NormaliserIBAN(f.IBAN)
	f.BIC = strings.ToUpper(strings.TrimSpace(f.BIC))
	switch {
	case !hop.SIRETValide(f.SIRET):
		return faute("siret", "SIRET « %s » : attendu 14 chiffres", f.SIRET)
	case !force && !hop.SIRETCleValide(f.SIRET):
		return faute("siret", "SIRET « %s » : la clé de contrôle est fausse (--force pour un SIRET de test)", f.SIRET)
	case f.Nom == "" || utf8.RuneCountInString(f.Nom) > 200:
		return faute("nom", "raison sociale : attendu un nom de 1 à 200 caractères")
	case !AdresseCourrielValide(f.Email):
		return faute("email", "e-mail « %s » : attendu une adresse nom@domaine.fr (sans accent ni espace : l'agence y écrit)", f.Email)
	case f.IBAN == "" && f.BIC != "":
		return faute("iban", "coordonnées bancaires : attendu l'IBAN et le BIC ensemble")
	case f.IBAN != "" && f.BIC == "":
		return faute("bic", "coordonnées bancaires : attendu l'IBAN et le BIC ensemble")
	case f.IBAN != "" && !hop.IBANValide(f.IBAN):
		return faute("iban", "IBAN « %s » : invalide (longueur ou clé)", f.IBAN)
	case f.BIC != "" && !hop.BICValide(f.BIC):
		return faute("bic", "BIC « %s » : attendu 8 ou 11 caractères (banque, pays, lieu, agence)", f.BIC)
	}
	return nil
}

// Produit is one of a vendor's software products referenced by the ANS,
// with its 10-character ANS number and its software type.
type Produit struct {
	NumeroAns     string
	FournisseurID FournisseurID
	Logiciel      hop.Logiciel
	Nom           string
	CreeLe        time.Time
}

// Valider checks a product before it is registered; its error is a
// Fautes of one, naming the field (numeroAns, logiciel or nom).
func (p *Produit) Valider() error {
	p.NumeroAns = strings.TrimSpace(p.NumeroAns)
	p.Nom = strings.TrimSpace(p.Nom)
	if len(p.NumeroAns) != 10 || !alnum(p.NumeroAns) {
		return faute("numeroAns", "numéro ANS « %s » : attendu 10 lettres ou chiffres", p.NumeroAns)
	}
	if _, err := hop.ParseLogiciel(string(p.Logiciel)); err != nil {
		return faute("logiciel", "%v", err)
	}
	if p.Nom == "" || utf8.RuneCountInString(p.Nom) > 200 {
		return faute("nom", "nom du produit : attendu 1 à 200 caractères")
	}
	return nil
}

// Role is what a portal user may do.
type Role string

// The portal's roles.
const (
	RoleFournisseur Role = "fournisseur" // acts for one vendor
	RoleInstructeur Role = "instructeur" // instructs requests
	RolePayeur      Role = "payeur"      // releases payments
	RoleAdmin       Role = "admin"       // enrols vendors, registers ANS numbers
)

// ParseRole reads a role.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleFournisseur, RoleInstructeur, RolePayeur, RoleAdmin:
		return r, nil
	}
	return "", Errorf(EINVALID, "rôle « %s » inconnu ; attendu : fournisseur, instructeur, payeur ou admin", s)
}

// ParseRoles reads roles separated by commas (« instructeur,admin »): a
// person may hold several of the agency's roles; fournisseur stands alone.
func ParseRoles(s string) ([]Role, error) {
	var roles []Role
	for _, f := range strings.Split(s, ",") {
		r, err := ParseRole(f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, ValiderRoles(roles)
}

// ValiderRoles checks a user's roles: at least one, no repeat, and the
// role fournisseur alone (a vendor's employee is never an agent).
func ValiderRoles(roles []Role) error {
	if len(roles) == 0 {
		return Errorf(EINVALID, "rôle manquant : attendu fournisseur, instructeur, payeur ou admin")
	}
	for i, r := range roles {
		if _, err := ParseRole(string(r)); err != nil {
			return err
		}
		if slices.Contains(roles[:i], r) {
			return Errorf(EINVALID, "rôle « %s » donné deux fois", r)
		}
	}
	if len(roles) > 1 && slices.Contains(roles, RoleFournisseur) {
		return Errorf(EINVALID, "le rôle fournisseur ne se cumule pas avec les rôles de l'agence")
	}
	return nil
}

// UtilisateurID identifies a portal user.
type UtilisateurID int64

// Utilisateur is a person who logs in to the portal.
type Utilisateur struct {
	ID            UtilisateurID
	Login         string // an e-mail address
	Nom           string
	Roles         []Role        // one or more; fournisseur stands alone
	FournisseurID FournisseurID // the vendor of a "fournisseur" user, 0 otherwise
	MotDePasse    string        // its hash (argon2id or bcrypt), never the password
	CreeLe        time.Time
	// DesactiveLe is when an administrator disabled the account (zero:
	// active): it cannot sign in, its sessions and tokens are gone.
	DesactiveLe time.Time
	// ReinitialiseLe is when an administrator reset its password (zero:
	// never, or a new one chosen since): it has no password, as an account
	// never activated, but its link is a reset link, not an invitation.
	ReinitialiseLe time.Time
}

// A reports whether the user holds role r.
func (u *Utilisateur) A(r Role) bool { return u != nil && slices.Contains(u.Roles, r) }

// Agent reports whether the user works for the agency (instructs,
// pays or administers).
func (u *Utilisateur) Agent() bool {
	return u.A(RoleInstructeur) || u.A(RolePayeur) || u.A(RoleAdmin)
}

// RolesTexte writes the roles as « instructeur, admin ».
func (u *Utilisateur) RolesTexte() string {
	s := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// JetonID identifies an API token.
type JetonID int64

// Jeton is an API token of a vendor, stored as a SHA-256 digest: the token
// itself is shown once, at creation. It opens the API until ExpireLe, a
// year after its creation or its last renewal, unless revoked.
type Jeton struct {
	ID            JetonID
	FournisseurID FournisseurID
	// UtilisateurID is the vendor's user who created the token on the
	// portal (0: created by segur admin): disabling that user revokes it.
	UtilisateurID UtilisateurID
	Empreinte     []byte // SHA-256 of the token
	Prefixe       string // its first characters, to tell tokens apart
	CreeLe        time.Time
	ExpireLe      time.Time // from then on the API refuses it
	DernierUsage  time.Time // zero if never used
	RevoqueLe     time.Time // zero if active
}

// ExpirationJeton is when a token created or renewed at t expires: a year
// later.
func ExpirationJeton(t time.Time) time.Time { return t.AddDate(1, 0, 0) }

// UsageJeton is how often, at most, a token's last use is written: the
// API reads the token at each request, but writes its use once a minute.
const UsageJeton = time.Minute

// Expire reports whether token j has expired at now.
func (j *Jeton) Expire(now time.Time) bool { return !now.Before(j.ExpireLe) }

// UsageANoter reports whether a use of token j at now is worth writing:
// its last use recorded is at least UsageJeton old, or none is.
func (j *Jeton) UsageANoter(now time.Time) bool {
	return j.DernierUsage.IsZero() || now.Sub(j.DernierUsage) >= UsageJeton
}

// Autoriser tells whether token j opens the API at now: an EUNAUTHORIZED
// if it is revoked, or expired (saying when, in Europe/Paris, and how to
// renew it).
func (j *Jeton) Autoriser(now time.Time, paris *time.Location) error {
	switch {
	case !j.RevoqueLe.IsZero():
		return Errorf(EUNAUTHORIZED, "jeton d'API inconnu ou révoqué")
	case j.Expire(now):
		ou := "votre espace fournisseur, page « Mon compte »"
		if j.FournisseurID == 0 && j.UtilisateurID != 0 {
			ou = "votre espace agent, page « Mon compte »"
		}
		return Errorf(EUNAUTHORIZED, "jeton d'API %s… expiré le %s (heure de Paris) : renouvelez-le pour un an dans %s, bouton « Renouveler », puis réessayez",
			j.Prefixe, j.ExpireLe.In(paris).Format("02/01/2006 à 15:04"), ou)
	}
	return nil
}

// Renouveler pushes token j's expiry a year after now. A revoked token is
// not renewed: it never opens the API again.
func (j *Jeton) Renouveler(now time.Time) error {
	if !j.RevoqueLe.IsZero() {
		return Errorf(ECONFLICT, "le jeton %s… est révoqué : il ne se renouvelle pas\u202f; créez-en un autre", j.Prefixe)
	}
	j.ExpireLe = ExpirationJeton(now).UTC()
	return nil
}

// TypeDemande is the type of a deposit: advance requests, or balance
// requests (not yet open).
type TypeDemande string

// The two request types of process.md.
const (
	TypeAvance TypeDemande = "avance"
	TypeSolde  TypeDemande = "solde"
)

// FenetreID identifies a campaign window.
type FenetreID int64

// Fenetre is a campaign window: deposits of one software type and request
// type are open from Debut to Fin (process.md, [extension]).
type Fenetre struct {
	ID       FenetreID
	Logiciel hop.Logiciel
	Type     TypeDemande
	Debut    time.Time
	Fin      time.Time
}

// DepotOuvert applies the campaign rule: a deposit is refused only when
// windows exist for its software type and request type and none is open at
// t. The refusal gives the dates, in Europe/Paris.
func DepotOuvert(fenetres []Fenetre, l hop.Logiciel, typ TypeDemande, t time.Time, paris *time.Location) error {
	var concernees []Fenetre
	for _, f := range fenetres {
		if f.Logiciel != l || f.Type != typ {
			continue
		}
		if !t.Before(f.Debut) && t.Before(f.Fin) {
			return nil
		}
		concernees = append(concernees, f)
	}
	if len(concernees) == 0 {
		return nil
	}
	const layout = "02/01/2006 à 15:04"
	var prochaine *Fenetre
	for i := range concernees {
		if f := &concernees[i]; f.Debut.After(t) && (prochaine == nil || f.Debut.Before(prochaine.Debut)) {
			prochaine = f
		}
	}
	if prochaine != nil {
		return Errorf(EFORBIDDEN, "dépôts de type %s pour le logiciel %s fermés : la prochaine campagne ouvre le %s et ferme le %s (heure de Paris)",
			typ, l, prochaine.Debut.In(paris).Format(layout), prochaine.Fin.In(paris).Format(layout))
	}
	derniere := concernees[0]
	for _, f := range concernees[1:] {
		if f.Fin.After(derniere.Fin) {
			derniere = f
		}
	}
	return Errorf(EFORBIDDEN, "dépôts de type %s pour le logiciel %s fermés : la campagne a fermé le %s (heure de Paris)",
		typ, l, derniere.Fin.In(paris).Format(layout))
}

// Acteur is who makes a change, and from where, for the audit log.
type Acteur struct {
	Login   string // a user's login, "token:<prefix>" for an API token, "cli" for segur admin
	Adresse string // remote address, or the host for segur admin
}

type acteurKey struct{}

// WithActeur returns a context carrying the actor of the changes made with it.
func WithActeur(ctx context.Context, a Acteur) context.Context {
	return context.WithValue(ctx, acteurKey{}, a)
}

// ActeurFrom returns the actor a context carries (zero if none).
func ActeurFrom(ctx context.Context) Acteur {
	a, _ := ctx.Value(acteurKey{}).(Acteur)
	return a
}

// Evenement is one line of the append-only audit log.
type Evenement struct {
	ID      int64
	Quand   time.Time
	Acteur  Acteur
	Action  string // e.g. "fournisseur.creer", "jeton.revoquer"
	Objet   string // e.g. "fournisseur:88558855858745"
	Details string // JSON of what changed
}

// Store is the portal's persistence, implemented on SQLite and PostgreSQL
// by internal/sqlstore. Each method is one transaction; each change writes
// its audit event, with the context's Acteur, in the same transaction.
// Not found is an *Error with ENOTFOUND, a duplicate one with ECONFLICT.
type Store interface {
	CreateFournisseur(ctx context.Context, f *Fournisseur) error
	FindFournisseurByID(ctx context.Context, id FournisseurID) (*Fournisseur, error)
	FindFournisseurBySIRET(ctx context.Context, siret string) (*Fournisseur, error)
	FindFournisseurs(ctx context.Context) ([]Fournisseur, error)

	CreateProduit(ctx context.Context, p *Produit) error
	FindProduit(ctx context.Context, numeroAns string) (*Produit, error)
	FindProduits(ctx context.Context, id FournisseurID) ([]Produit, error)

	CreateUtilisateur(ctx context.Context, u *Utilisateur) error
	FindUtilisateurByLogin(ctx context.Context, login string) (*Utilisateur, error)
	SetMotDePasse(ctx context.Context, id UtilisateurID, hash string) error

	CreateJeton(ctx context.Context, j *Jeton) error
	FindJetonByEmpreinte(ctx context.Context, empreinte []byte) (*Jeton, error)
	FindJetons(ctx context.Context, id FournisseurID) ([]Jeton, error)
	TouchJeton(ctx context.Context, id JetonID, at time.Time) error
	RenewJeton(ctx context.Context, id JetonID) (*Jeton, error)
	RevokeJeton(ctx context.Context, id JetonID) error

	CreateFenetre(ctx context.Context, f *Fenetre) error
	FindFenetres(ctx context.Context) ([]Fenetre, error)

	FindEvenements(ctx context.Context, objet string) ([]Evenement, error)
	Close() error
}

// ErrorCode is the kind of an application error.
type ErrorCode string

// The application error codes, mapped once to HTTP statuses and exit codes.
const (
	EINVALID      ErrorCode = "invalid"
	ENOTFOUND     ErrorCode = "not_found"
	ECONFLICT     ErrorCode = "conflict"
	EFORBIDDEN    ErrorCode = "forbidden"
	EUNAUTHORIZED ErrorCode = "unauthorized"
	ETOOLARGE     ErrorCode = "too_large"
	EINTERNAL     ErrorCode = "internal"
	// EMISMATCH: a request that reuses an Idempotency-Key with other content.
	EMISMATCH ErrorCode = "mismatch"
	// ETOOMANY: a limit of concurrency or a quota is reached; retry later.
	ETOOMANY ErrorCode = "too_many"
	// EUNAVAILABLE: a service the portal needs (database, file store) does
	// not answer now; retry later.
	EUNAVAILABLE ErrorCode = "unavailable"
	// ENOSPACE: the file store is full.
	ENOSPACE ErrorCode = "no_space"
)

// Error is an application error whose Message is French and safe to show.
type Error struct {
	Code    ErrorCode
	Message string
	// Apres is, for an ETOOMANY that knows it, how long to wait before
	// trying again (0: a few seconds).
	Apres time.Duration
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BlobRef names a stored file by its content.
type BlobRef struct {
	SHA256 string // hex
	Taille int64
}

// Blob is a stored file, open for reading.
type Blob interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Taille() int64
}

// Blobs stores the raw deposits, zips, returned files and documents,
// content-addressed by SHA-256: on disk by default, in S3 at scale.
type Blobs interface {
	// Put stores r, of at most max bytes (ETOOLARGE past it), and returns
	// once the content is durable.
	Put(ctx context.Context, r io.Reader, max int64) (BlobRef, error)
	// Open opens a stored file (ENOTFOUND if absent).
	Open(ctx context.Context, sha256 string) (Blob, error)
}
