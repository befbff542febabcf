package segur

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// The payments (process.md, steps 2 and 4): the agency pays a request's
// advance once it is decided (its convention signed, if any), and its
// balance once validated. The payment officers gather the payments due
// into a batch (lot de paiement), another officer than the one who prepared
// it and than those who decided any of its requests approves it (four
// eyes), the bank receives it as one SEPA credit transfer file, and once
// the transfer is done the batch is marked paid: each request moves on,
// each vendor receives a payment notice.

// NaturePaiement is what a payment pays: a request's advance or its balance.
type NaturePaiement string

// The two kinds of payment.
const (
	PaiementAvance NaturePaiement = "avance"
	PaiementSolde  NaturePaiement = "solde"
)

// Libelle is the kind as the pages and the notices say it.
func (n NaturePaiement) Libelle() string {
	switch n {
	case PaiementAvance:
		return "Avance (30 %)"
	case PaiementSolde:
		return "Solde"
	}
	return string(n)
}

// Action is the transition that paying moves a request by.
func (n NaturePaiement) Action() Action {
	if n == PaiementSolde {
		return ActionPayerSolde
	}
	return ActionPayerAvance
}

// LotID identifies a batch of payments.
type LotID int64

// Paiement is a payment of a request: due (ID 0, outside any batch), or in
// a batch. Money is in cents.
type Paiement struct {
	ID            int64
	LotID         LotID
	DemandeID     DemandeID
	NumeroASP     string
	NumeroEditeur string
	FournisseurID FournisseurID
	Nature        NaturePaiement
	Montant       int64
	// IBAN and BIC are the vendor's bank details in force when the batch
	// was prepared (CreerLot): its transfer and its notice use them,
	// whatever changes after. Empty for a payment due.
	IBAN, BIC string
}

// Coordonnees are a vendor's bank details, normalised; empty when unknown.
type Coordonnees struct {
	IBAN, BIC string
}

// Connues reports whether both the IBAN and the BIC are known.
func (c Coordonnees) Connues() bool { return c.IBAN != "" && c.BIC != "" }

// PaiementDu returns the payment due on request d, if any: the advance,
// 30 % of the amount financed, of a request decided or whose convention is
// signed; the balance the validation found, when above 0, of a request
// whose balance is validated. It does not know whether the payment is
// already in a batch: the store answers that.
func PaiementDu(d *Demande) (Paiement, bool) {
	p := Paiement{DemandeID: d.ID, NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, FournisseurID: d.FournisseurID,
		Nature: d.Statut.Info().Paiement}
	switch p.Nature {
	case PaiementAvance:
		p.Montant = Avance(d.MontantFinance)
	case PaiementSolde:
		p.Montant = d.SoldeAPayer
	default:
		return Paiement{}, false
	}
	return p, p.Montant > 0
}

// MaxLot bounds the payments of one batch.
const MaxLot = 1000

// ChoisirPaiements selects the payments of a new batch among those due:
// all of them when asps is empty, else those of the ASP numbers given
// (each must be due). A vendor without bank details (banque false) cannot
// be paid by transfer: its payments are left out of « all », and refused
// when chosen. The result is in vendor order, then ASP number order.
func ChoisirPaiements(dus []Paiement, asps []string, banque map[FournisseurID]bool) ([]Paiement, error) {
	var out []Paiement
	if len(asps) == 0 {
		for _, p := range dus {
			if banque[p.FournisseurID] {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, Errorf(EINVALID, "aucun paiement à mettre en lot : aucune demande n'attend de paiement, ou leurs fournisseurs n'ont pas de coordonnées bancaires")
		}
	} else {
		par := make(map[string]Paiement, len(dus))
		for _, p := range dus {
			par[p.NumeroASP] = p
		}
		var absents, sansBanque []string
		vus := map[string]bool{}
		for _, a := range asps {
			a = strings.TrimSpace(a)
			if vus[a] {
				continue
			}
			vus[a] = true
			p, ok := par[a]
			switch {
			case !ok:
				absents = append(absents, couper(a, 20))
			case !banque[p.FournisseurID]:
				sansBanque = append(sansBanque, a)
			default:
				out = append(out, p)
			}
		}
		if len(absents) > 0 {
			return nil, Errorf(ECONFLICT, "aucun paiement n'est dû sur %s (déjà en lot, payée, ou pas encore décidée) : rien n'est fait ; rechargez la page", enumerer(absents))
		}
		if len(sansBanque) > 0 {
			return nil, Errorf(EINVALID, "le fournisseur de %s n'a pas de coordonnées bancaires : le paiement par virement est impossible", enumerer(sansBanque))
		}
	}
	if len(out) > MaxLot {
		return nil, Errorf(EINVALID, "%d paiements : au plus %d par lot ; choisissez-en moins", len(out), MaxLot)
	}
	slices.SortStableFunc(out, func(a, b Paiement) int {
		return cmp.Or(cmp.Compare(a.FournisseurID, b.FournisseurID), cmp.Compare(a.NumeroASP, b.NumeroASP))
	})
	return out, nil
}

// EtatLot is the state of a batch: brouillon → approuve → paye, or annule
// from brouillon.
type EtatLot string

// The states of a batch.
const (
	LotBrouillon EtatLot = "brouillon" // prepared, may still be cancelled
	LotApprouve  EtatLot = "approuve"  // approved: its transfer file may be sent to the bank
	LotPaye      EtatLot = "paye"      // the transfer done: requests moved, notices sent
	LotAnnule    EtatLot = "annule"    // cancelled before approval: its payments are due again
)

// Libelle is the state as the pages say it.
func (e EtatLot) Libelle() string {
	if l, ok := map[EtatLot]string{LotBrouillon: "Brouillon", LotApprouve: "Approuvé", LotPaye: "Payé", LotAnnule: "Annulé"}[e]; ok {
		return l
	}
	return string(e)
}

// Lot is a batch of payments. Its payments never change once it is
// created; it is paid by one SEPA credit transfer file, one transfer per
// vendor.
type Lot struct {
	ID          LotID
	Etat        EtatLot
	CreeLe      time.Time
	CreePar     string
	ApprouveLe  time.Time // zero before approval
	ApprouvePar string
	PayeLe      hop.Date  // the transfer's date (Europe/Paris), zero before
	MarqueLe    time.Time // when it was marked paid
	MarquePar   string
	AnnuleLe    time.Time
	AnnulePar   string
	Nombre      int        // how many payments
	Montant     int64      // their total, cents
	Paiements   []Paiement // in vendor order, then ASP number order; nil in lists
}

// FormatLot writes a batch's reference: LOT-000012.
func FormatLot(id LotID) string { return fmt.Sprintf("LOT-%06d", id) }

// Reference is the batch's reference: LOT-000012.
func (l *Lot) Reference() string { return FormatLot(l.ID) }

// ReferenceAvis is the reference of the payment notice of the n-th (from
// 1) vendor of batch id: AVIS-000012-1.
func ReferenceAvis(id LotID, n int) string { return fmt.Sprintf("AVIS-%06d-%d", id, n) }

// Versement is what one vendor receives from a batch: one transfer, one
// payment notice.
type Versement struct {
	Rang          int // from 1, in vendor order: the notice's number
	FournisseurID FournisseurID
	Paiements     []Paiement
	Montant       int64
	// IBAN and BIC are the account credited: the details copied on the
	// payments when the batch was prepared.
	IBAN, BIC string
}

// Versements groups the batch's payments by vendor, in vendor order.
func (l *Lot) Versements() []Versement {
	var out []Versement
	ps := slices.Clone(l.Paiements)
	slices.SortStableFunc(ps, func(a, b Paiement) int {
		return cmp.Or(cmp.Compare(a.FournisseurID, b.FournisseurID), cmp.Compare(a.NumeroASP, b.NumeroASP))
	})
	for _, p := range ps {
		if len(out) == 0 || out[len(out)-1].FournisseurID != p.FournisseurID {
			out = append(out, Versement{Rang: len(out) + 1, FournisseurID: p.FournisseurID, IBAN: p.IBAN, BIC: p.BIC})
		}
		v := &out[len(out)-1]
		v.Paiements = append(v.Paiements, p)
		v.Montant += p.Montant
	}
	return out
}

// Total is the sum of the batch's payments, cents.
func (l *Lot) Total() int64 {
	var t int64
	for _, p := range l.Paiements {
		t += p.Montant
	}
	return t
}

// NouveauLot is the draft batch of payments ps, created by login at quand.
func NouveauLot(ps []Paiement, login string, quand time.Time) (*Lot, error) {
	if len(ps) == 0 {
		return nil, Errorf(EINVALID, "un lot de paiement compte au moins un paiement")
	}
	vus := map[DemandeID]bool{}
	for _, p := range ps {
		switch {
		case p.Montant <= 0:
			return nil, Errorf(EINVALID, "paiement de %s : montant %s, attendu un montant supérieur à 0", p.NumeroASP, Euros(p.Montant))
		case p.Nature != PaiementAvance && p.Nature != PaiementSolde:
			return nil, Errorf(EINVALID, "paiement de %s : nature « %s » inconnue", p.NumeroASP, p.Nature)
		case vus[p.DemandeID]:
			return nil, Errorf(EINVALID, "la demande %s figure deux fois dans le lot", p.NumeroASP)
		}
		vus[p.DemandeID] = true
	}
	l := &Lot{Etat: LotBrouillon, CreeLe: quand.UTC(), CreePar: login, Paiements: slices.Clone(ps)}
	l.Nombre, l.Montant = len(ps), l.Total()
	return l, nil
}

// Approuver approves draft batch l by login, at quand. decideurs gives,
// for each request of the batch (by ASP number), the logins that decided
// it (the Par of its valider and valider_solde changes): the one who
// decided a request never approves its payment, and the one who prepared
// the batch never approves it (separation of duties: four eyes on every
// payment). Logins compare trimmed, regardless of case.
func (l *Lot) Approuver(login string, decideurs map[string][]string, quand time.Time) error {
	if l.Etat != LotBrouillon {
		return Errorf(EFORBIDDEN, "approbation impossible : le lot %s est « %s »", l.Reference(), strings.ToLower(l.Etat.Libelle()))
	}
	var siennes []string
	for _, p := range l.Paiements {
		for _, par := range decideurs[p.NumeroASP] {
			if memeLogin(par, login) {
				siennes = append(siennes, p.NumeroASP)
				break
			}
		}
	}
	if len(siennes) > 0 {
		slices.Sort(siennes)
		siennes = slices.Compact(siennes)
		return Errorf(EFORBIDDEN, "séparation des tâches : vous avez décidé %s %s de ce lot ; un autre payeur doit approuver le lot %s",
			accord(len(siennes), "la demande", "les demandes"), enumerer(siennes), l.Reference())
	}
	if l.PrepareePar(login) {
		return Errorf(EFORBIDDEN, "séparation des tâches : vous avez préparé le lot %s\u202f; un autre payeur doit l'approuver", l.Reference())
	}
	l.Etat, l.ApprouveLe, l.ApprouvePar = LotApprouve, quand.UTC(), login
	return nil
}

// memeLogin reports whether logins a and b name the same person: trimmed,
// regardless of case.
func memeLogin(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// PrepareePar reports whether login prepared batch l: then another payment
// officer approves it.
func (l *Lot) PrepareePar(login string) bool { return memeLogin(l.CreePar, login) }

// MarquerPaye records that approved batch l was paid by transfer on date
// le (Europe/Paris), by login at quand; aujourdhui is quand's date in
// Europe/Paris: a transfer is not paid in the future.
func (l *Lot) MarquerPaye(login string, le, aujourdhui hop.Date, quand time.Time) error {
	switch {
	case l.Etat != LotApprouve:
		return Errorf(EFORBIDDEN, "lot %s « %s » : seul un lot approuvé peut être marqué payé", l.Reference(), strings.ToLower(l.Etat.Libelle()))
	case !le.Valide():
		return Errorf(EINVALID, "date du virement : attendu une date AAAA-MM-JJ")
	case aujourdhui.Avant(le):
		return Errorf(EINVALID, "date du virement %s : postérieure à aujourd'hui (%s)", le, aujourdhui)
	}
	l.Etat, l.PayeLe, l.MarqueLe, l.MarquePar = LotPaye, le, quand.UTC(), login
	return nil
}

// Annuler cancels draft batch l, by login at quand: its payments are due
// again. An approved batch is not cancelled: its transfer file may
// already be at the bank.
func (l *Lot) Annuler(login string, quand time.Time) error {
	if l.Etat != LotBrouillon {
		return Errorf(EFORBIDDEN, "annulation impossible : le lot %s est « %s » ; seul un brouillon s'annule", l.Reference(), strings.ToLower(l.Etat.Libelle()))
	}
	l.Etat, l.AnnuleLe, l.AnnulePar = LotAnnule, quand.UTC(), login
	return nil
}

// Reglement is what marking a batch paid records: who, from where, the
// transfer's date, today's date (both Europe/Paris), and the payment
// notices prepared for the batch's vendors, one per Versement, each with
// its PDF stored and its mail composed.
type Reglement struct {
	Login, Adresse string
	Le, Aujourdhui hop.Date
	Avis           []Avis
}

// VerifierStatuts checks that each payment of ps is still due on its
// request, whose current status statuts gives by ASP number: a request
// that moved since the batch was prepared (a recovery ordered, say) stops
// the batch's approval.
func VerifierStatuts(ps []Paiement, statuts map[string]StatutDemande) error {
	var changees []string
	for _, p := range ps {
		d := Demande{Statut: statuts[p.NumeroASP], MontantFinance: 100, SoldeAPayer: 1}
		if du, ok := PaiementDu(&d); !ok || du.Nature != p.Nature {
			changees = append(changees, fmt.Sprintf("%s (« %s »)", p.NumeroASP, d.Statut.Libelle()))
		}
	}
	if len(changees) > 0 {
		return Errorf(ECONFLICT, "%s de statut depuis la préparation du lot : annulez le lot et préparez-en un autre",
			accord(len(changees), "la demande "+enumerer(changees)+" a changé", "les demandes "+enumerer(changees)+" ont changé"))
	}
	return nil
}

// AvisID identifies a payment notice.
type AvisID int64

// Avis is a payment notice (avis de paiement): what one vendor received
// from one batch, as the PDF sent to it.
type Avis struct {
	ID            AvisID
	Reference     string // ReferenceAvis
	LotID         LotID
	FournisseurID FournisseurID
	DatePaiement  hop.Date
	Montant       int64
	Fichier       BlobRef
	// HTML is the SHA-256 of the notice's accessible HTML version, "" for a
	// notice issued before HTML versions existed.
	HTML      string
	CreeLe    time.Time
	Par       string
	Paiements []Paiement
	// Courriel is the mail that sends it, queued with it; nil when the
	// vendor's address cannot be written to.
	Courriel *Courriel
}

// NomFichier is the name the notice is downloaded under.
func (a *Avis) NomFichier() string { return a.Reference + ".pdf" }

// NomFichierHTML is the name the notice's HTML version is downloaded
// under.
func (a *Avis) NomFichierHTML() string { return a.Reference + ".html" }

// MasquerIBAN hides an IBAN but its country and its last four characters,
// grouped by four: FR** **** **** **** **** ***0 189.
func MasquerIBAN(iban string) string {
	iban = hop.NormaliserIBAN(iban)
	if len(iban) <= 6 {
		return strings.Repeat("*", len(iban))
	}
	b := []byte(iban)
	for i := 2; i < len(b)-4; i++ {
		b[i] = '*'
	}
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte(' ')
		}
		out.WriteByte(c)
	}
	return out.String()
}

// CourrielAvis composes the mail that sends vendor f the payment notice a,
// attached (PieceNom set; the caller sets PieceSHA256 to the notice's
// blob). lien is the address of the notices in the vendor's space ("" to
// leave it out).
func CourrielAvis(a *Avis, f *Fournisseur, lien string) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	fmt.Fprintf(&b, "L'Agence de services et de paiement a versé %s par virement sur votre compte bancaire, le %s, au titre du programme Ségur numérique.\n\n",
		Euros(a.Montant), a.DatePaiement)
	fmt.Fprintf(&b, "  Fournisseur : %s (SIRET %s)\n", uneLigne(f.Nom), f.SIRET)
	fmt.Fprintf(&b, "  Avis de paiement : %s\n", a.Reference)
	if f.IBAN != "" {
		fmt.Fprintf(&b, "  Compte crédité : IBAN %s\n", MasquerIBAN(f.IBAN))
	}
	fmt.Fprintf(&b, "  Montant versé : %s\n", Euros(a.Montant))
	b.WriteString("\nDemandes payées :\n")
	for _, p := range a.Paiements {
		fmt.Fprintf(&b, "  - %s (numeroEditeur %s) : %s, %s\n", p.NumeroASP, uneLigne(p.NumeroEditeur), strings.ToLower(p.Nature.Libelle()), Euros(p.Montant))
	}
	suite := "L'avis de paiement est joint à ce message (" + a.NomFichier() + ") ; il reste disponible dans votre espace fournisseur"
	lienVers(&b, suite, lien)
	signer(&b)
	return Courriel{
		A:        destinataires([]string{f.Email}),
		Sujet:    "[Ségur numérique] Avis de paiement " + a.Reference + " : " + Euros(a.Montant),
		Corps:    b.String(),
		Objet:    "avis:" + a.Reference,
		PieceNom: a.NomFichier(),
	}
}

// enumerer joins items as French does: « a », « a et b », « a, b et c ».
func enumerer(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

func accord(n int, un, plusieurs string) string {
	if n > 1 {
		return plusieurs
	}
	return un
}

// LotTx is what the batches' steps need of a write transaction, beside
// applying démarches (marking a batch paid moves its requests).
type LotTx interface {
	DemarcheTx
	// FindPaiementsDus returns the payments due (PaiementDu) that no batch
	// holds, not cancelled: by vendor, then ASP number.
	FindPaiementsDus(ctx context.Context) ([]Paiement, error)
	// FindCoordonnees returns, by vendor, its bank details in force, read
	// at once.
	FindCoordonnees(ctx context.Context) (map[FournisseurID]Coordonnees, error)
	// CreateLot records new batch l and its payments, setting their IDs; a
	// payment of l another batch holds meanwhile is an ECONFLICT.
	CreateLot(ctx context.Context, l *Lot) error
	// LockLot reads batch id with its payments, locked until the
	// transaction ends; ENOTFOUND.
	LockLot(ctx context.Context, id LotID) (*Lot, error)
	// FindDecideurs returns, for the requests of batch id by ASP number,
	// their current status and the logins that took one of actions on them.
	FindDecideurs(ctx context.Context, id LotID, actions []Action) (statuts map[string]StatutDemande, decideurs map[string][]string, err error)
	// UpdateLot records batch l's new state and who moved it, if it is
	// still in state de (else ECONFLICT); a cancelled batch's payments are
	// cancelled with it. adresse is where its actor was.
	UpdateLot(ctx context.Context, l *Lot, de EtatLot, adresse string) error
	// CreateAvis records payment notice a of batch l (ECONFLICT if its
	// reference exists) and queues its mail.
	CreateAvis(ctx context.Context, l *Lot, a *Avis) error
}

// actionsDecisives are the actions whose author decided a payment: the
// transitions that record a financing or a balance.
func actionsDecisives() []Action {
	var out []Action
	for _, t := range transitions {
		if (t.Enregistre(EnregistreFinancement) || t.Enregistre(EnregistreSolde)) && !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}

// CreerLot prepares, in transaction tx, a draft batch of the payments due:
// all of them (asps empty) or those of the ASP numbers given (see
// ChoisirPaiements), by login. Each payment carries its vendor's bank
// details in force now: the batch is paid to them, even if a change of
// bank details is approved before it is paid (ChangementBanque).
func CreerLot(ctx context.Context, tx LotTx, asps []string, login string) (*Lot, error) {
	dus, err := tx.FindPaiementsDus(ctx)
	if err != nil {
		return nil, err
	}
	coords, err := tx.FindCoordonnees(ctx)
	if err != nil {
		return nil, err
	}
	banques := make(map[FournisseurID]bool, len(coords))
	for id, c := range coords {
		banques[id] = c.Connues()
	}
	ps, err := ChoisirPaiements(dus, asps, banques)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		c := coords[ps[i].FournisseurID]
		ps[i].IBAN, ps[i].BIC = c.IBAN, c.BIC
	}
	l, err := NouveauLot(ps, login, tx.Maintenant())
	if err != nil {
		return nil, err
	}
	return l, tx.CreateLot(ctx, l)
}

// ApprouverLot approves draft batch id by login, in transaction tx: each
// request must still be due its payment (VerifierStatuts), and the
// approver must have decided none of them nor prepared the batch
// (Lot.Approuver).
func ApprouverLot(ctx context.Context, tx LotTx, id LotID, login string) (*Lot, error) {
	l, err := tx.LockLot(ctx, id)
	if err != nil {
		return nil, err
	}
	statuts, decideurs, err := tx.FindDecideurs(ctx, id, actionsDecisives())
	if err != nil {
		return nil, err
	}
	if l.Etat == LotBrouillon {
		if err := VerifierStatuts(l.Paiements, statuts); err != nil {
			return nil, err
		}
	}
	if err := l.Approuver(login, decideurs, tx.Maintenant()); err != nil {
		return nil, err
	}
	return l, tx.UpdateLot(ctx, l, LotBrouillon, "")
}

// AnnulerLot cancels draft batch id by login, in transaction tx: its
// payments are due again.
func AnnulerLot(ctx context.Context, tx LotTx, id LotID, login string) (*Lot, error) {
	l, err := tx.LockLot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := l.Annuler(login, tx.Maintenant()); err != nil {
		return nil, err
	}
	return l, tx.UpdateLot(ctx, l, LotBrouillon, "")
}

// MarquerLotPaye records in transaction tx that approved batch id was
// paid, as r says: each request moves by its payment's transition (role
// payeur), its history naming its vendor's notice; each vendor's notice of
// r, one per Versement, checked against the batch, is recorded and its
// mail queued.
func MarquerLotPaye(ctx context.Context, tx LotTx, id LotID, r Reglement, prog Programme) (*Lot, error) {
	l, err := tx.LockLot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := l.MarquerPaye(r.Login, r.Le, r.Aujourdhui, tx.Maintenant()); err != nil {
		return nil, err
	}
	vs := l.Versements()
	if len(vs) != len(r.Avis) {
		return nil, fmt.Errorf("segur: batch %s: %d notices for %d vendors", l.Reference(), len(r.Avis), len(vs))
	}
	for i, v := range vs {
		a := &r.Avis[i]
		if a.Reference != ReferenceAvis(l.ID, v.Rang) || a.FournisseurID != v.FournisseurID || a.Montant != v.Montant || a.DatePaiement != r.Le {
			return nil, fmt.Errorf("segur: batch %s: notice %s does not match the batch", l.Reference(), a.Reference)
		}
		for _, p := range v.Paiements {
			m := Demarche{Action: p.Nature.Action(), Roles: []Role{RolePayeur}, Login: r.Login}
			if _, err := AppliquerDemarche(ctx, tx, p.NumeroASP, m, prog, Suites{Adresse: r.Adresse, Vise: a.Fichier.SHA256}); err != nil {
				var se *Error
				if errors.As(err, &se) {
					return nil, Errorf(se.Code, "demande %s : %s", p.NumeroASP, se.Message)
				}
				return nil, err
			}
		}
		if err := tx.CreateAvis(ctx, l, a); err != nil {
			return nil, err
		}
	}
	return l, tx.UpdateLot(ctx, l, LotApprouve, r.Adresse)
}
