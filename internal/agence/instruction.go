// Package agence holds the agency's services: the instruction of requests,
// the batches of payments, and the controls a posteriori. Each prepares
// what a step issues (the amount financed and its calculation, the
// documents as PDF: refusal, décision, convention, payment notice, order of
// recovery; the SEPA transfer file; the mail to the vendor) outside the
// database, then runs the domain's use case (segur.AppliquerDemarche,
// segur.MarquerLotPaye, segur.ConclureControle…) in one transaction of the
// store, which writes it all or nothing.
package agence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/document"
)

// Store is what the instruction needs of the database.
type Store interface {
	FindDemandeByASP(ctx context.Context, numeroASP string) (*segur.Demande, error)
	FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error)
	FindReference(ctx context.Context) (segur.Reference, int64, error)
	FindDocuments(ctx context.Context, asp string) ([]segur.Document, error)
	FindSoldes(ctx context.Context, asp string) ([]segur.DemandeSolde, error)
	FindFinancements(ctx context.Context, l hop.Logiciel, finess []string) (map[string]string, error)
	FindAlertesVues(ctx context.Context, asps []string) ([]segur.AlerteVue, error)
	CreateAlerteVue(ctx context.Context, v segur.AlerteVue) error
	// Write runs segur.AppliquerDemarche in one transaction.
	Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error
}

// Instruction applies the démarches of agents and vendors to requests.
type Instruction struct {
	Store     Store
	Blobs     segur.Blobs
	Log       *slog.Logger
	Now       func() time.Time
	Paris     *time.Location
	Programme segur.Programme
	// Lien is the address of a request in the vendor's space, for mails.
	Lien func(asp string) string
	// DelaiSignature is the days a vendor has to sign a convention.
	DelaiSignature int
}

// delaiReversement is the days a vendor has to pay back a recovery.
const delaiReversement = 30

// MaxDocument bounds a document the agency issues or a vendor uploads.
const MaxDocument = 10 << 20

// Acte is a démarche on one request, with where its actor was, and for a
// vendor's démarche, its vendor (a request of another vendor is not found).
type Acte struct {
	segur.Demarche
	Adresse     string
	Fournisseur segur.FournisseurID // 0 for an agent
	// Piece is the attachment a vendor sends with a completion, already
	// stored; SignePDF the signed convention a vendor uploads instead of
	// accepting online.
	Piece    *segur.PieceVersion
	SignePDF *segur.BlobRef
}

// Agir applies a démarche to the request of ASP number asp.
func (in *Instruction) Agir(ctx context.Context, asp string, a Acte) (segur.Changement, error) {
	d, err := in.Store.FindDemandeByASP(ctx, asp)
	if err != nil {
		return segur.Changement{}, err
	}
	if a.Fournisseur != 0 && a.Fournisseur != d.FournisseurID {
		return segur.Changement{}, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	s := segur.Suites{Attendu: d.Statut, Adresse: a.Adresse, Piece: a.Piece}
	m := a.Demarche
	// What the transition records, prepared before the state machine
	// judges it (0 when it refuses the action in this status).
	rec := segur.EnregistrementDe(d.Statut, m.Action)
	if rec&segur.EnregistreFinancement != 0 {
		ref, _, err := in.Store.FindReference(ctx)
		if err != nil {
			return segur.Changement{}, err
		}
		m.MontantFinance, s.Calcul = segur.CalculFinancement(d, ref, in.Programme)
	}
	if rec&segur.EnregistreSolde != 0 {
		// The balance computed from the last balance deposited.
		soldes, err := in.Store.FindSoldes(ctx, asp)
		if err != nil {
			return segur.Changement{}, err
		}
		if len(soldes) == 0 {
			return segur.Changement{}, segur.Errorf(segur.ECONFLICT, "demande %s : aucun solde déposé", asp)
		}
		r := segur.CalculerSolde(d, &soldes[len(soldes)-1], in.Programme)
		m.SoldeAPayer, m.ARecouvrer = r.APayer, r.ARecouvrer
		d.SoldeAPayer, d.ARecouvrer = r.APayer, r.ARecouvrer // for the mail
	}
	if rec&segur.EnregistrePiece != 0 && a.Piece == nil {
		return segur.Changement{}, segur.Errorf(segur.EINVALID, "pièce manquante : joignez la pièce demandée (PDF, PNG ou JPG)")
	}
	// The change as it will be: refused here with the state machine's
	// message before anything is written or generated.
	c, t, err := d.Prevoir(m, in.Now(), in.Programme)
	if err != nil {
		return segur.Changement{}, err
	}
	f, err := in.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return segur.Changement{}, err
	}
	docs, err := in.Store.FindDocuments(ctx, asp)
	if err != nil {
		return segur.Changement{}, err
	}
	if m.Action == segur.ActionRetirer {
		if fin := finSignature(docs, in.DelaiSignature); in.Now().Before(fin) {
			return segur.Changement{}, segur.Errorf(segur.EFORBIDDEN, "retrait impossible : le fournisseur peut signer la convention jusqu'au %s",
				fin.In(in.Paris).Format("02/01/2006 à 15:04"))
		}
	}
	if t.Enregistre(segur.EnregistreVisa) {
		conv := dernier(docs, segur.DocumentConvention)
		if conv == nil {
			return segur.Changement{}, segur.Errorf(segur.ECONFLICT, "demande %s : aucune convention à signer", asp)
		}
		s.Vise = conv.Fichier.SHA256
		if a.SignePDF != nil {
			s.Document = &segur.Document{Type: segur.DocumentConventionSignee, Fichier: *a.SignePDF,
				Reference: segur.ReferenceDocument(asp, segur.DocumentConventionSignee, compter(docs, segur.DocumentConventionSignee)+1)}
		}
	}
	switch typ := c.Vers.Info().Document; typ {
	case segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention:
		finance := m.MontantFinance
		if typ == segur.DocumentRefus {
			finance = 0
		}
		doc := &segur.Document{Type: typ, Reference: segur.ReferenceDocument(asp, typ, compter(docs, typ)+1)}
		if err = in.ecrire(ctx, doc, d, f, c, finance, s.Calcul); err != nil {
			return segur.Changement{}, err
		}
		s.Document = doc
	case segur.DocumentReversement:
		if m.ARecouvrer <= 0 {
			// A recovery after a control: its conclusion orders it, with
			// the control's findings (Controles.Conclure).
			return segur.Changement{}, segur.Errorf(segur.EINVALID, "reversement : il s'ordonne en concluant un contrôle de la demande %s", asp)
		}
		// A negative balance: the advance exceeded what the invoice
		// justifies; the difference is ordered back.
		r := document.Reversement{Date: c.Quand.In(in.Paris), Fournisseur: f.Nom, SIRET: f.SIRET,
			NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, NumeroAns: d.NumeroAns, Logiciel: d.Logiciel,
			MontantFinance: d.MontantFinance, AvanceVersee: segur.Avance(d.MontantFinance), MontantReverse: m.ARecouvrer,
			Motif:         "solde négatif : la facture justifie moins que l'avance versée (" + segur.Euros(m.ARecouvrer) + " à reverser)",
			DelaiPaiement: delaiReversement}
		if s.Document, err = ordreReversement(ctx, in.Blobs, docs, r); err != nil {
			return segur.Changement{}, err
		}
	}
	if mail, ok := segur.CourrielDemarche(c, d, f.Nom, []string{f.Email}, in.Lien(asp)); ok {
		if s.Document != nil && s.Document.Type != segur.DocumentConventionSignee {
			mail.PieceNom, mail.PieceSHA256 = s.Document.NomFichier(), s.Document.Fichier.SHA256
		}
		s.Courriel = aEnvoyer(in.Log, mail, f)
	}
	return segur.Ecrire(ctx, in.Store, func(ctx context.Context, tx segur.Tx) (segur.Changement, error) {
		return segur.AppliquerDemarche(ctx, tx, asp, m, in.Programme, s)
	})
}

// ecrire writes document doc as PDF and as accessible HTML, stores both and
// sets their references in doc.
func (in *Instruction) ecrire(ctx context.Context, doc *segur.Document, d *segur.Demande, f *segur.Fournisseur, c segur.Changement, finance int64, calcul string) error {
	dd := document.Donnees{
		Type: doc.Type, Reference: doc.Reference, Date: c.Quand.In(in.Paris),
		Fournisseur: f.Nom, SIRET: f.SIRET, NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur,
		NumeroAns: d.NumeroAns, Logiciel: d.Logiciel, RegimeTVA: d.RegimeTVA, MontantHT: d.MontantHTCents,
		MontantPrestation: segur.MontantPrestation(d.RegimeTVA, d.MontantHTCents, in.Programme),
		MontantFinance:    finance, Calcul: calcul, Raison: c.Raison, DelaiSignature: in.DelaiSignature,
	}
	if finance > 0 {
		dd.Avance = segur.Avance(finance)
		dd.SoldeMax = finance - dd.Avance
	}
	for _, cl := range d.Clients {
		dd.Beneficiaires = append(dd.Beneficiaires, document.Beneficiaire{FINESS: cl.FINESSPMSI, Nom: cl.Nom})
	}
	return stocker(ctx, in.Blobs, doc, func(w io.Writer) error { return document.Ecrire(w, dd) },
		func(w io.Writer) error { return document.EcrireHTML(w, dd) })
}

// stocker writes a document's PDF and HTML versions with pdf and html,
// stores both, and sets their references in doc.
func stocker(ctx context.Context, blobs segur.Blobs, doc *segur.Document, pdf, html func(io.Writer) error) error {
	var p, h bytes.Buffer
	if err := pdf(&p); err != nil {
		return fmt.Errorf("document %s: %w", doc.Reference, err)
	}
	if err := html(&h); err != nil {
		return fmt.Errorf("document %s (HTML): %w", doc.Reference, err)
	}
	var err error
	if doc.Fichier, err = blobs.Put(ctx, &p, MaxDocument); err != nil {
		return err
	}
	ref, err := blobs.Put(ctx, &h, MaxDocument)
	if err != nil {
		return err
	}
	doc.HTML = ref.SHA256
	return nil
}

// aEnvoyer is mail to queue, or nil when it cannot be sent: a vendor
// enrolled before addresses were checked as strictly must not block a
// decision, a payment or a control; the change goes on, the document stays
// in the vendor's space, the log says why no mail left.
func aEnvoyer(log *slog.Logger, mail segur.Courriel, f *segur.Fournisseur) *segur.Courriel {
	if err := mail.Valider(); err != nil {
		log.Warn("courriel non envoyé", "objet", mail.Objet, "fournisseur", f.SIRET, "err", err)
		return nil
	}
	return &mail
}

// ordreReversement writes order of recovery r as PDF, numbered after the
// request's documents docs, and stores it.
func ordreReversement(ctx context.Context, blobs segur.Blobs, docs []segur.Document, r document.Reversement) (*segur.Document, error) {
	doc := &segur.Document{Type: segur.DocumentReversement,
		Reference: segur.ReferenceDocument(r.NumeroASP, segur.DocumentReversement, compter(docs, segur.DocumentReversement)+1)}
	r.Reference = doc.Reference
	if err := stocker(ctx, blobs, doc, func(w io.Writer) error { return document.EcrireReversement(w, r) },
		func(w io.Writer) error { return document.EcrireReversementHTML(w, r) }); err != nil {
		return nil, err
	}
	return doc, nil
}

func compter(docs []segur.Document, t segur.TypeDocument) int {
	n := 0
	for _, d := range docs {
		if d.Type == t {
			n++
		}
	}
	return n
}

func dernier(docs []segur.Document, t segur.TypeDocument) *segur.Document {
	for i := len(docs) - 1; i >= 0; i-- {
		if docs[i].Type == t {
			return &docs[i]
		}
	}
	return nil
}

// Resultat is the outcome of a démarche on one request of a batch.
type Resultat struct {
	NumeroASP  string
	Changement segur.Changement
	Err        error
}

// Lot applies one démarche to many requests, each in its own transaction:
// one that cannot move does not hold the others back. A batch validation
// leaves out the requests that carry an alert no agent marked seen: they
// are validated one by one, from their page, where the alert shows.
func (in *Instruction) Lot(ctx context.Context, asps []string, a Acte) []Resultat {
	out := make([]Resultat, 0, len(asps))
	for _, asp := range asps {
		if a.Action == segur.ActionValider {
			if err := in.sansAlerteNonVue(ctx, asp); err != nil {
				out = append(out, Resultat{NumeroASP: asp, Err: err})
				continue
			}
		}
		c, err := in.Agir(ctx, asp, a)
		out = append(out, Resultat{asp, c, err})
	}
	return out
}

// sansAlerteNonVue returns ECONFLICT naming the alerts of request asp
// that no agent marked seen, nil when there are none.
func (in *Instruction) sansAlerteNonVue(ctx context.Context, asp string) error {
	d, al, vues, err := in.alertes(ctx, asp)
	if err != nil {
		return err
	}
	if nv := segur.NonVues(d, al, vues); len(nv) > 0 {
		s := ""
		if len(nv) > 1 {
			s = "s"
		}
		return segur.Errorf(segur.ECONFLICT, "non validée : alerte%s non vue%s (%s)\u202f; à valider depuis la page de la demande", s, s, segur.TitresAlertes(nv))
	}
	return nil
}

// alertes reads request asp, computes its alerts and reads the markings
// that may cover them.
func (in *Instruction) alertes(ctx context.Context, asp string) (*segur.Demande, []segur.Alerte, []segur.AlerteVue, error) {
	d, err := in.Store.FindDemandeByASP(ctx, asp)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := in.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return nil, nil, nil, err
	}
	ref, _, err := in.Store.FindReference(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	finess := []string{}
	for _, c := range d.Clients {
		finess = append(finess, c.FINESSPMSI)
	}
	fin, err := in.Store.FindFinancements(ctx, d.Logiciel, finess)
	if err != nil {
		return nil, nil, nil, err
	}
	vues, err := in.Store.FindAlertesVues(ctx, []string{asp})
	if err != nil {
		return nil, nil, nil, err
	}
	return d, segur.Alertes(d, f.SIRET, ref, fin, in.Programme), vues, nil
}

// MarquerAlerteVue records that agent login saw alert code of request asp,
// for reason: for all the vendor's requests when the alert is on the
// vendor (its SIRET key).
func (in *Instruction) MarquerAlerteVue(ctx context.Context, asp, code, login, raison string) (segur.AlerteVue, error) {
	d, al, _, err := in.alertes(ctx, asp)
	if err != nil {
		return segur.AlerteVue{}, err
	}
	v, err := segur.NouvelleAlerteVue(d, al, code, login, raison)
	if err != nil {
		return segur.AlerteVue{}, err
	}
	return v, in.Store.CreateAlerteVue(ctx, v)
}
