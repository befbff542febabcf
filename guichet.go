package segur

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// DepotID identifies a deposit.
type DepotID int64

// StatutDepot is the outcome of a deposit.
type StatutDepot string

// A deposit is processed (control 1 passed: each request has its result) or
// rejected whole by control 1.
const (
	DepotTraite StatutDepot = "traite"
	DepotRejete StatutDepot = "rejete"
)

// Depot is a deposit as the portal records it: the files received, what
// was declared, and the outcome of the controls, request by request.
type Depot struct {
	ID            DepotID
	FournisseurID FournisseurID
	Type          TypeDemande
	NumeroAns     string
	Logiciel      hop.Logiciel
	NomFichier    string
	Recu          time.Time // when the first byte arrived, UTC
	Date          hop.Date  // Recu's date in Europe/Paris
	Ordinal       int       // the file name's ordinal; 0 for a rejected file, which uses none
	JSON          BlobRef
	Zip           BlobRef // zero without a zip
	Retour        BlobRef // the returned file; zero for a rejected file
	Statut        StatutDepot
	Motif         *hop.Erreur // the control-1 fault of a rejected file
	ImpID         string      // the deposit's reference, written into the returned file
	Lignes        []LigneDepot
	// CleIdempotence is the Idempotency-Key the deposit was sent with
	// through the API, "" without one.
	CleIdempotence string
}

// LigneDepot is the outcome of one request of a deposit, accepted or not.
type LigneDepot struct {
	NumLigne      int
	NumeroEditeur string
	Code          string
	Libelle       string
	NumeroASP     string // "" when rejected
}

// DemandeID identifies an accepted request.
type DemandeID int64

// Demande is an accepted request, as the agency instructs it.
type Demande struct {
	ID            DemandeID
	NumeroASP     string
	DepotID       DepotID
	FournisseurID FournisseurID
	NumeroAns     string
	Logiciel      hop.Logiciel
	Statut        StatutDemande
	CreeLe        time.Time
	hop.DonneesDemande
	// Agent is the login of the instructor who took the request, "" before.
	Agent string
	// MontantFinance is the amount financed a validation recorded (cents),
	// 0 before, with its Calcul in French.
	MontantFinance int64
	Calcul         string
	// SoldeAPayer and ARecouvrer are what the balance's validation found
	// (cents), 0 before.
	SoldeAPayer, ARecouvrer int64
}

// FormatNumeroASP writes an ASP number: ASP-<year of the deposit>-<a
// sequence on 7 digits or more, global, never reused>.
func FormatNumeroASP(annee int, seq int64) string {
	return fmt.Sprintf("ASP-%04d-%07d", annee, seq)
}

// FormatImpID writes a deposit's reference: DEP-<year of the deposit>-<a
// sequence on 7 digits or more, global, never reused>.
func FormatImpID(annee int, seq int64) string {
	return fmt.Sprintf("DEP-%04d-%07d", annee, seq)
}

// DepotTx is the transaction that records one deposit. The store holds the
// vendor's deposit lock for its whole length, so that history checks and
// writes cannot interleave with another deposit of the same vendor.
type DepotTx interface {
	// What the vendor's history holds, asked under the lock.

	// OrdinalPris reports whether a deposit of numeroAns that passed control
	// 1 on date d already has this ordinal, and if so the next free one.
	OrdinalPris(ctx context.Context, numeroAns string, d hop.Date, ordinal int) (pris bool, libre int, err error)
	// NumeroEditeurUtilise reports whether the vendor used numero (compared
	// case-insensitively) in a deposit that passed control 1.
	NumeroEditeurUtilise(ctx context.Context, f FournisseurID, numero string) (bool, error)
	// FindNumerosEditeurUtilises returns, among numeros, those the vendor
	// already used, upper-cased.
	FindNumerosEditeurUtilises(ctx context.Context, f FournisseurID, numeros []string) (map[string]bool, error)
	// FindDepotIdentique returns the first deposit of the vendor that passed
	// control 1 with these same files.
	FindDepotIdentique(ctx context.Context, f FournisseurID, json, zip string) (DepotID, bool, error)
	// SuspenduLe returns when vendor f was suspended, zero if it is not.
	SuspenduLe(ctx context.Context, f FournisseurID) (time.Time, error)
	// FindDepotByCle returns the vendor's deposit sent with this
	// Idempotency-Key: its ID, ImpID, JSON and Zip only.
	FindDepotByCle(ctx context.Context, f FournisseurID, cle string) (Depot, bool, error)
	// FindEtatsAvances returns, for each of the ASP numbers a balance file
	// quotes, what the portal holds of its request, seen from vendor f;
	// a number of no request is absent from the map.
	FindEtatsAvances(ctx context.Context, f FournisseurID, numerosASP []string) (map[string]hop.EtatAvance, error)
	// CreateDepot inserts d and sets d.ID.
	CreateDepot(ctx context.Context, d *Depot) error
	// NextASP returns a new value of the ASP sequence, never given before.
	NextASP(ctx context.Context) (int64, error)
	// FinishDepot records the deposit's outcome: its lines, its returned
	// file, its accepted requests (setting their IDs) and the numeroEditeur
	// it used.
	FinishDepot(ctx context.Context, d *Depot, demandes []Demande, numerosEditeur []string) error
	// FinishSolde records the outcome of a balance deposit that passed
	// control 1: its lines (the accepted ones with their request's ASP
	// number), its returned file and its balances.
	FinishSolde(ctx context.Context, d *Depot, soldes []DemandeSolde) error
	// A balance deposit moves the requests it balances.
	DemarcheTx
}

// GuichetStore is what the deposit desk needs of the store.
type GuichetStore interface {
	WithDepotTx(ctx context.Context, f FournisseurID, fn func(ctx context.Context, tx DepotTx) error) error
	FindFenetres(ctx context.Context) ([]Fenetre, error)
	FindProduit(ctx context.Context, numeroAns string) (*Produit, error)
	// ReserveNumeros reserves a deposit reference and n ASP numbers before
	// the deposit's transaction; unused, they are lost, never reused.
	ReserveNumeros(ctx context.Context, n int) (imp int64, asp []int64, err error)
}

// Guichet is the deposit desk of the portal: it receives a deposit, runs
// the controls with the vendor's history and records the outcome.
type Guichet struct {
	Store      GuichetStore
	Blobs      Blobs
	Paris      *time.Location
	Operateurs *hop.Operateurs // nil: the default list
	// Programme is the programme's rules the démarches of a deposit apply
	// (zero: ProgrammeParDefaut).
	Programme Programme
	// Stager stages the files of a deposit until it is accepted for
	// control; nil: they go straight to Blobs.
	Stager Stager
	// Limite bounds the uploads in progress; nil: no bound.
	Limite *LimiteDepots
	// Quotas bound each vendor's deposits (zero: none); Store must then
	// be an ActiviteStore.
	Quotas Quotas
	// Contact is whom a suspended vendor writes to (segur serve
	// --contact); "" names the administrator of the portal.
	Contact string
}

// Commencer counts an upload of vendor f that begins at now, or refuses it
// (ETOOMANY) past the bound of uploads in progress or a quota; rendre ends
// it.
func (g *Guichet) Commencer(ctx context.Context, f FournisseurID, now time.Time) (rendre func(), err error) {
	if s, ok := g.Store.(ActiviteStore); ok {
		if err := VerifierQuotas(ctx, s, g.Quotas, f, now, 0); err != nil {
			return nil, err
		}
	}
	return g.Limite.Prendre(f)
}

// VerifierTaille refuses (ETOOMANY) a deposit whose files, read, would
// pass the vendor's quota of bytes.
func (g *Guichet) VerifierTaille(ctx context.Context, e Envoi) error {
	s, ok := g.Store.(ActiviteStore)
	if !ok || g.Quotas.OctetsParJour == 0 {
		return nil
	}
	return VerifierQuotas(ctx, s, Quotas{OctetsParJour: g.Quotas.OctetsParJour}, e.Fournisseur.ID, e.Recu, e.JSON.Taille+e.Zip.Taille)
}

// Stage starts the staging of a deposit's files: the caller passes it to
// LireFormulaireDepot and in Envoi.Fichiers, and calls Discard once the
// deposit is answered, whatever the outcome.
func (g *Guichet) Stage() (Staging, error) {
	if g.Stager == nil {
		return directStaging{g.Blobs}, nil
	}
	return g.Stager.Stage()
}

// programme is the desk's programme, ProgrammeParDefaut if unset.
func (g *Guichet) programme() Programme {
	if g.Programme == (Programme{}) {
		return ProgrammeParDefaut
	}
	return g.Programme
}

// Envoi is a deposit as received: what the vendor declares and its files,
// already stored.
type Envoi struct {
	Fournisseur *Fournisseur
	Type        TypeDemande
	NumeroAns   string
	NomFichier  string
	Recu        time.Time
	JSON        BlobRef
	Zip         BlobRef // zero without a zip
	// Cle is the Idempotency-Key of an API deposit, "" without one.
	Cle string
	// Fichiers holds JSON and Zip when they are staged (Guichet.Stage);
	// nil when they are already in the store.
	Fichiers Staging
}

// fichiers is where the deposit's files are read from and its returned
// file is written to before the transaction.
func (g *Guichet) fichiers(e Envoi) Blobs {
	if e.Fichiers == nil {
		return g.Blobs
	}
	return e.Fichiers
}

// garder stores the staged files of e, before the transaction that
// references them.
func garder(ctx context.Context, e Envoi) error {
	if e.Fichiers == nil {
		return nil
	}
	return e.Fichiers.Keep(ctx)
}

// ErrRejoue is returned by Deposer, with the first deposit, when an
// Idempotency-Key was already used: nothing new is recorded.
var ErrRejoue = errors.New("segur: deposit replayed")

// Recevoir checks what a deposit declares before its files are read: the
// vendor not suspended, the request type (avance or solde), the ANS number
// (this vendor's) and the campaign windows.
func (g *Guichet) Recevoir(ctx context.Context, f *Fournisseur, typ TypeDemande, numeroAns string, at time.Time) (*Produit, error) {
	if err := f.PeutDeposer(g.Contact); err != nil {
		return nil, err
	}
	switch typ {
	case TypeAvance, TypeSolde:
	default:
		return nil, Errorf(EINVALID, "typeDemande « %s » : attendu « avance » ou « solde »", typ)
	}
	p, err := g.Store.FindProduit(ctx, numeroAns)
	if err != nil || p.FournisseurID != f.ID {
		if err != nil && !IsCode(err, ENOTFOUND) {
			return nil, err
		}
		return nil, Errorf(EINVALID, "numeroAns « %s » : ce n'est pas un numéro ANS enregistré pour %s", numeroAns, f.Nom)
	}
	fen, err := g.Store.FindFenetres(ctx)
	if err != nil {
		return nil, err
	}
	if err := DepotOuvert(fen, p.Logiciel, typ, at, g.Paris); err != nil {
		return nil, err
	}
	return p, nil
}

// Deposer runs controls 1 and 2 on a received deposit and records it, in
// one transaction: ASP numbers for the accepted requests, the returned
// file, the requests. A deposit whose files are those of an earlier one
// that passed control 1 is refused (ECONFLICT) and recorded nowhere.
//
// The controls run first outside the transaction, without the vendor's
// history; inside it, under the vendor's lock, one query each asks for the
// ordinal and the numeroEditeur of the file, and only when the history
// holds one of them do the controls run again with it. The result is the
// same as running them under the lock, and the lock is held briefly.
//
// A deposit of type solde is a balance file (docs/solde.md): see
// deposerSolde.
func (g *Guichet) Deposer(ctx context.Context, e Envoi, p *Produit) (*Depot, error) {
	// A replay, a conflict or a key reused with other files is answered
	// before any number is reserved or file written; the transaction asks
	// again, for deposits racing this one.
	var rejoue DepotID
	err := g.Store.WithDepotTx(ctx, e.Fournisseur.ID, func(ctx context.Context, tx DepotTx) (err error) {
		rejoue, err = g.dejaRecu(ctx, tx, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rejoue != 0 {
		return &Depot{ID: rejoue}, ErrRejoue
	}
	if err := g.VerifierTaille(ctx, e); err != nil {
		return nil, err
	}
	if e.Type == TypeSolde {
		return g.deposerSolde(ctx, e, p)
	}
	d, data, opt, decl, fermer, err := g.ouvrir(ctx, e, p)
	if err != nil {
		return nil, err
	}
	defer fermer()
	res, err := hop.Controler(data, decl, opt)
	if err != nil {
		return nil, err
	}
	// The ordinal rule comes after the other rules of the file name only.
	ordinal := 0
	if res.Rejet == nil || res.Rejet.Code > hop.CodeNomFichierOrdre {
		ordinal = ordinalDuNom(e.NomFichier)
	}
	numeros := numerosEditeur(res)

	// The reference, the ASP numbers and the returned file are made before
	// the vendor's lock, for the result without history; the transaction
	// makes them again only when the history changes that result.
	n := 0
	if res.Rejet == nil {
		n = res.Acceptees()
	}
	imp, seqs, err := g.Store.ReserveNumeros(ctx, n)
	if err != nil {
		return nil, err
	}
	d.ImpID = FormatImpID(d.Date.Annee, imp)
	var pret *retourPret
	if res.Rejet == nil {
		if pret, err = g.ecrireRetour(ctx, g.fichiers(e), d, res, seqs); err != nil {
			return nil, err
		}
	}
	if err := garder(ctx, e); err != nil {
		return nil, err
	}

	err = g.Store.WithDepotTx(ctx, e.Fournisseur.ID, func(ctx context.Context, tx DepotTx) error {
		if rejoue, err = g.dejaRecu(ctx, tx, e); err != nil || rejoue != 0 {
			return err
		}
		h := historique{numeroAns: p.NumeroAns}
		if ordinal > 0 {
			if h.pris, h.libre, err = tx.OrdinalPris(ctx, p.NumeroAns, d.Date, ordinal); err != nil {
				return err
			}
		}
		if h.utilises, err = tx.FindNumerosEditeurUtilises(ctx, e.Fournisseur.ID, numeros); err != nil {
			return err
		}
		if !h.pris && len(h.utilises) == 0 {
			return g.enregistrer(ctx, tx, d, res, pret)
		}
		o := opt
		o.Portail = h
		final, err := hop.Controler(data, decl, o)
		if err != nil {
			return err
		}
		// The history only adds faults: the reserved numbers suffice.
		pret = nil
		if final.Rejet == nil {
			if pret, err = g.ecrireRetour(ctx, g.Blobs, d, final, seqs); err != nil {
				return err
			}
		}
		return g.enregistrer(ctx, tx, d, final, pret)
	})
	if err != nil {
		return nil, err
	}
	if rejoue != 0 {
		return &Depot{ID: rejoue}, ErrRejoue
	}
	return d, nil
}

// ouvrir makes the deposit of e, not yet recorded, and reads what its
// controls need: the JSON file, the options with the zip opened (fermer
// closes it), the declaration.
func (g *Guichet) ouvrir(ctx context.Context, e Envoi, p *Produit) (d *Depot, data []byte, opt hop.Options, decl hop.Declaration, fermer func(), err error) {
	y, m, j := e.Recu.In(g.Paris).Date()
	d = &Depot{
		FournisseurID: e.Fournisseur.ID, Type: e.Type, NumeroAns: p.NumeroAns, Logiciel: p.Logiciel,
		NomFichier: e.NomFichier, Recu: e.Recu.UTC(), Date: hop.Date{Annee: y, Mois: int(m), Jour: j}, JSON: e.JSON, Zip: e.Zip,
		CleIdempotence: e.Cle,
	}
	if data, err = lire(ctx, g.fichiers(e), e.JSON.SHA256); err != nil {
		return nil, nil, opt, decl, nil, err
	}
	if opt, fermer, err = g.options(ctx, e); err != nil {
		return nil, nil, opt, decl, nil, err
	}
	decl = hop.Declaration{NomFichier: e.NomFichier, NumeroAns: p.NumeroAns, SIRET: e.Fournisseur.SIRET, Logiciel: p.Logiciel, Date: d.Date}
	return d, data, opt, decl, fermer, nil
}

// dejaRecu tells, in the deposit's transaction, whether e was recorded
// before. It first refuses every deposit of a vendor suspended now, read
// under its lock: a suspension is obeyed by the deposits under way too.
// Then: a retry with the Idempotency-Key of a deposit and its files gets
// that deposit (a replay, not an error), the key with other files is
// refused (EMISMATCH, as the IETF draft on Idempotency-Key answers 422);
// the same files as a processed deposit are a conflict naming it.
func (g *Guichet) dejaRecu(ctx context.Context, tx DepotTx, e Envoi) (DepotID, error) {
	suspendu, err := tx.SuspenduLe(ctx, e.Fournisseur.ID)
	if err != nil {
		return 0, err
	}
	if !suspendu.IsZero() {
		f := *e.Fournisseur
		f.SuspenduLe = suspendu
		return 0, f.PeutDeposer(g.Contact)
	}
	if e.Cle != "" {
		first, ok, err := tx.FindDepotByCle(ctx, e.Fournisseur.ID, e.Cle)
		if err != nil {
			return 0, err
		}
		if ok && (first.JSON.SHA256 != e.JSON.SHA256 || first.Zip.SHA256 != e.Zip.SHA256) {
			return 0, Errorf(EMISMATCH, "la clé d'idempotence « %s » a déjà servi au dépôt %s (n° %d) avec d'autres fichiers : "+
				"rien n'est enregistré ; pour un nouveau dépôt, envoyez une nouvelle clé", e.Cle, first.ImpID, first.ID)
		}
		if ok {
			return first.ID, nil
		}
	}
	if first, ok, err := tx.FindDepotIdentique(ctx, e.Fournisseur.ID, e.JSON.SHA256, e.Zip.SHA256); err != nil {
		return 0, err
	} else if ok {
		return 0, Errorf(ECONFLICT, "ce fichier et ce .zip ont déjà été déposés (dépôt %d) : rien n'est enregistré", first)
	}
	return 0, nil
}

// options are the controls' options of a deposit: its zip opened (fermer
// closes it), or SansZip.
func (g *Guichet) options(ctx context.Context, e Envoi) (opt hop.Options, fermer func(), err error) {
	opt = hop.Options{Operateurs: g.Operateurs}
	if e.Zip.SHA256 == "" {
		opt.SansZip = true
		return opt, func() {}, nil
	}
	z, err := g.fichiers(e).Open(ctx, e.Zip.SHA256)
	if err != nil {
		return opt, nil, err
	}
	opt.Archive, opt.ArchiveErreur = hop.OpenArchive(z, z.Taille())
	if opt.ArchiveErreur != nil && !isArchiveError(opt.ArchiveErreur) {
		z.Close()
		return opt, nil, opt.ArchiveErreur
	}
	return opt, func() { z.Close() }, nil
}

// retourPret is a returned file written, with the ASP numbers it gives.
type retourPret struct {
	asp []string // per request, "" when rejected
	ref BlobRef
}

// ecrireRetour gives the accepted requests of res the numbers seqs, in
// order, and stores the returned file.
func (g *Guichet) ecrireRetour(ctx context.Context, blobs Blobs, d *Depot, res *hop.Resultat, seqs []int64) (*retourPret, error) {
	asp := make([]string, len(res.Demandes))
	for i, r := range res.Demandes {
		if r.Acceptee() {
			asp[i] = FormatNumeroASP(d.Date.Annee, seqs[0])
			seqs = seqs[1:]
		}
	}
	var buf bytes.Buffer
	if err := res.EcrireRetour(&buf, d.ImpID, asp); err != nil {
		return nil, err
	}
	ref, err := blobs.Put(ctx, &buf, int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	return &retourPret{asp: asp, ref: ref}, nil
}

// enregistrer records the outcome of the controls inside the transaction;
// pret is the returned file of a file that passed control 1.
func (g *Guichet) enregistrer(ctx context.Context, tx DepotTx, d *Depot, res *hop.Resultat, pret *retourPret) error {
	if res.Rejet != nil {
		d.Statut, d.Motif = DepotRejete, res.Rejet
		if err := tx.CreateDepot(ctx, d); err != nil {
			return err
		}
		return tx.FinishDepot(ctx, d, nil, nil)
	}
	d.Statut, d.Ordinal, d.Retour = DepotTraite, ordinalDuNom(d.NomFichier), pret.ref
	if err := tx.CreateDepot(ctx, d); err != nil {
		return err
	}
	var demandes []Demande
	for i, r := range res.Demandes {
		if r.Acceptee() {
			demandes = append(demandes, Demande{NumeroASP: pret.asp[i], DepotID: d.ID, FournisseurID: d.FournisseurID,
				NumeroAns: d.NumeroAns, Logiciel: d.Logiciel, Statut: DemandeDeposee, DonneesDemande: res.Donnees(i)})
		}
		d.Lignes = append(d.Lignes, LigneDepot{NumLigne: r.Position, NumeroEditeur: r.NumeroEditeur, Code: r.Code(), Libelle: r.Libelle(), NumeroASP: pret.asp[i]})
	}
	return tx.FinishDepot(ctx, d, demandes, numerosEditeur(res))
}

// numerosEditeur returns the well-formed numeroEditeur of a file's
// requests, each once (compared case-insensitively), in file order: the
// numbers the deposit uses once it passes control 1.
func numerosEditeur(res *hop.Resultat) []string {
	var numeros []string
	seen := map[string]bool{}
	for _, r := range res.Demandes {
		if n := strings.ToUpper(r.NumeroEditeur); len(n) == 5 && alnum(n) && !seen[n] {
			seen[n] = true
			numeros = append(numeros, r.NumeroEditeur)
		}
	}
	return numeros
}

func lire(ctx context.Context, blobs Blobs, sum string) ([]byte, error) {
	b, err := blobs.Open(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return io.ReadAll(io.LimitReader(b, hop.MaxFichier+1))
}

func isArchiveError(err error) bool {
	_, ok := err.(*hop.ArchiveError)
	return ok
}

// ordinalDuNom reads NNN of JSON-<ans>-<date>-NNN.json (checked by control 1).
func ordinalDuNom(nom string) int {
	if len(nom) < 8 {
		return 0
	}
	return atoi(nom[len(nom)-8 : len(nom)-5])
}

// historique answers the controls' portal questions from what the
// transaction read of the vendor's history.
type historique struct {
	numeroAns string
	pris      bool
	libre     int
	utilises  map[string]bool // upper-cased
}

func (h historique) NumeroAnsEnregistre(numeroAns string) (bool, error) {
	// Recevoir checked the declared number is the vendor's; control 1
	// compares the file's number with it.
	return numeroAns == h.numeroAns, nil
}

func (h historique) OrdinalPris(int) (bool, int, error) { return h.pris, h.libre, nil }

func (h historique) NumeroEditeurUtilise(numero string) (bool, error) {
	return h.utilises[strings.ToUpper(numero)], nil
}

// IsCode reports whether err is, or wraps, an *Error with code c (the
// first one errors.As finds).
func IsCode(err error, c ErrorCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == c
}

// DemandeFilter selects accepted requests.
type DemandeFilter struct {
	FournisseurID FournisseurID // 0: every vendor (agents)
	NumeroASP     string
	NumeroEditeur string // compared case-insensitively
	Statut        StatutDemande
	// The agents' filters: ANS number, software type, amount HT in cents
	// (0: no bound), deposit time [DeposeApres, DeposeAvant), assigned agent.
	NumeroAns                string
	Logiciel                 hop.Logiciel
	MontantMin, MontantMax   int64
	DeposeApres, DeposeAvant time.Time
	Agent                    string
	// Statuts keeps the requests of any of these statuses (a tab of the
	// queue), beside Statut.
	Statuts []StatutDemande
	// SuiviesPar keeps the requests the agent of this login follows or
	// that are assigned to him.
	SuiviesPar string
	// Recherche keeps the requests whose ASP number, numeroEditeur,
	// vendor's SIRET or name, establishments' FINESS or names hold every
	// word of MotsRecherche(Recherche), each as a word's beginning.
	Recherche string
	// Alerte keeps the requests carrying an alert of this code (the stored
	// codes: see AlerteACalculer), or of any code with "*"; NonVues counts
	// only the alerts no agent marked seen, on the request or, for an
	// alert on the vendor, on the vendor. AntivirusAlerte also keeps the
	// requests with an antivirus alert (with Alerte "*").
	Alerte          string
	NonVues         bool
	AntivirusAlerte bool
	// Tri orders the requests: one of the TriDemandes keys, numeroASP by
	// default.
	Tri           string
	Limit, Offset int
}

// TriDemandes are the orders a list of requests can take: by ASP number,
// numeroEditeur, amount or deposit date, each ascending or, with a leading
// "-", descending.
var TriDemandes = []string{"numeroASP", "-numeroASP", "numeroEditeur", "-numeroEditeur", "montant", "-montant", "date", "-date"}

// DepotStore is the persistence of deposits and requests, implemented by
// internal/sqlstore beside Store.
type DepotStore interface {
	// WithDepotTx runs fn in one transaction holding the vendor's deposit
	// lock, and commits when fn returns nil. fn runs with the transaction's
	// context, and must write only through tx: another write begun with
	// that context is refused (an EINTERNAL).
	WithDepotTx(ctx context.Context, f FournisseurID, fn func(ctx context.Context, tx DepotTx) error) error
	// FindDepotByID returns a deposit with its lines.
	FindDepotByID(ctx context.Context, id DepotID) (*Depot, error)
	// FindDepots returns a vendor's deposits, newest first, without their
	// lines, and how many there are in all.
	FindDepots(ctx context.Context, f FournisseurID, limit, offset int) ([]Depot, int, error)
	// FindDemandes returns the accepted requests the filter selects, in
	// ASP number order, and how many there are in all.
	FindDemandes(ctx context.Context, filter DemandeFilter) ([]Demande, int, error)
	// FindDemandeByASP returns one accepted request.
	FindDemandeByASP(ctx context.Context, numeroASP string) (*Demande, error)
	// FindNumerosEditeur returns every numeroEditeur the vendor used, in
	// the order of use.
	FindNumerosEditeur(ctx context.Context, f FournisseurID) ([]string, error)
}

// DepotDuFournisseur returns deposit id (as written in a URL) if it belongs
// to vendor f: another vendor's deposit is not found, as if it did not
// exist.
func DepotDuFournisseur(ctx context.Context, s interface {
	FindDepotByID(ctx context.Context, id DepotID) (*Depot, error)
}, f FournisseurID, id string) (*Depot, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	notFound := Errorf(ENOTFOUND, "dépôt %s introuvable", couper(id, 20))
	if err != nil || n <= 0 {
		return nil, notFound
	}
	d, err := s.FindDepotByID(ctx, DepotID(n))
	if IsCode(err, ENOTFOUND) || err == nil && d.FournisseurID != f {
		return nil, notFound
	}
	return d, err
}
