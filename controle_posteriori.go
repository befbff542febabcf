package segur

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Controls a posteriori (process.md, step 5): the agency draws paid
// requests at random, or picks them, asks the vendor for documents and
// records the outcome; a request found not compliant gets an order of
// recovery (ordre de reversement) of what was paid.

// ControleID identifies a control a posteriori.
type ControleID int64

// TirageID identifies a random draw of requests to control.
type TirageID int64

// EtatControle is the state of a control a posteriori.
type EtatControle string

// A control is open until its outcome is recorded: compliant, or not
// (with its reason and the amount to recover).
const (
	ControleOuvert      EtatControle = "ouvert"
	ControleConforme    EtatControle = "conforme"
	ControleNonConforme EtatControle = "non_conforme"
)

// EtatsControle are the states of a control, in the order of its life.
var EtatsControle = []EtatControle{ControleOuvert, ControleConforme, ControleNonConforme}

// Libelle is the state as the pages say it.
func (e EtatControle) Libelle() string {
	switch e {
	case ControleOuvert:
		return "En cours"
	case ControleConforme:
		return "Conforme"
	case ControleNonConforme:
		return "Non conforme"
	}
	return string(e)
}

// DocumentReversement is the order of recovery a non-compliant control
// issues (or a balance lower than the advance).
const DocumentReversement TypeDocument = "reversement"

// MontantsVerses are what was paid on request d, as its status tells:
// the advance once paid, the balance once paid.
func MontantsVerses(d *Demande) (avance, solde int64) {
	i := d.Statut.Info()
	if i.AvancePayee {
		avance = Avance(d.MontantFinance)
	}
	if i.SoldePaye {
		solde = d.SoldeAPayer
	}
	return avance, solde
}

// Limits of a control.
const (
	MaxMessageControle = 5000     // characters of a message to the vendor
	MaxMotifControle   = 2000     // characters of an outcome's reason
	MaxPieceControle   = 10 << 20 // bytes of a file the vendor sends
	MaxPiecesControle  = 30       // files per control
	MaxNomPiece        = 200      // characters of a file's name, shown only
)

// DelaiReponseControle is the days a vendor is given to send the pieces a
// control a posteriori asks for, from its opening [interpretation: the
// document sets none; the same delay as a convention's signature]. The
// pages show the date; the agency concludes when it chooses.
const DelaiReponseControle = 30

// Echeance is the date by which the vendor is asked to answer an open
// control, zero for a closed one.
func (c *Controle) Echeance() time.Time {
	if c.Etat != ControleOuvert {
		return time.Time{}
	}
	return c.OuvertLe.AddDate(0, 0, DelaiReponseControle)
}

// Controle is a control a posteriori of one paid request.
type Controle struct {
	ID            ControleID
	TirageID      TirageID // 0 for a request picked by hand
	NumeroASP     string
	FournisseurID FournisseurID
	Etat          EtatControle
	OuvertLe      time.Time
	OuvertPar     string
	// The outcome: when, by whom, why (mandatory when not compliant).
	ConcluLe  time.Time
	ConcluPar string
	Motif     string
	// MontantReverse is the amount to recover (cents) of a non-compliant
	// control, Ordre the reference of its order of recovery.
	MontantReverse int64
	Ordre          string
	Messages       []MessageControle // oldest first
	Pieces         []PieceControle   // oldest first
}

// Reference is the control's reference, as pages and mails quote it:
// CTL-0000042.
func (c *Controle) Reference() string { return fmt.Sprintf("CTL-%07d", c.ID) }

// MessageControle is what the agency asks the vendor in a control.
type MessageControle struct {
	ID    int64
	Texte string
	Par   string
	Quand time.Time
}

// PieceControle is a file the vendor sent for a control: PDF, PNG or JPG
// (checked by its content), its name shown only.
type PieceControle struct {
	ID       int64
	Nom      string
	Format   string
	Fichier  BlobRef
	DeposeLe time.Time
	Par      string
}

// ValiderMessage checks a message to the vendor and returns it trimmed.
func ValiderMessage(texte string) (string, error) {
	texte = strings.TrimSpace(strings.ReplaceAll(texte, "\r\n", "\n"))
	switch {
	case texte == "":
		return "", Errorf(EINVALID, "Message : écrivez les pièces demandées au fournisseur.")
	case !utf8.ValidString(texte) || strings.ContainsRune(texte, 0):
		return "", Errorf(EINVALID, "Message : texte illisible.")
	case utf8.RuneCountInString(texte) > MaxMessageControle:
		return "", Errorf(EINVALID, "Message : au plus %d caractères.", MaxMessageControle)
	}
	return texte, nil
}

// ValiderPiece checks a file sent for control c.
func (c *Controle) ValiderPiece(p *PieceControle) error {
	switch {
	case c.Etat != ControleOuvert:
		return Errorf(ECONFLICT, "Le contrôle %s est clos : il ne reçoit plus de pièce.", c.Reference())
	case len(c.Pieces) >= MaxPiecesControle:
		return Errorf(EINVALID, "Le contrôle %s a déjà reçu %d pièces : c'est le maximum.", c.Reference(), MaxPiecesControle)
	case p.Format != "PDF" && p.Format != "PNG" && p.Format != "JPG":
		return Errorf(EINVALID, "Format non reconnu : le fichier doit être un PDF, un PNG ou un JPG (vérifié sur son contenu).")
	case p.Fichier.Taille <= 0 || p.Fichier.Taille > MaxPieceControle:
		return Errorf(ETOOLARGE, "Fichier vide ou trop volumineux : au plus %d Mo.", MaxPieceControle>>20)
	case strings.TrimSpace(p.Nom) == "" || utf8.RuneCountInString(p.Nom) > MaxNomPiece || controle(p.Nom):
		return Errorf(EINVALID, "Nom de fichier vide, trop long ou illisible.")
	}
	return nil
}

// Conclusion is the outcome an agent records.
type Conclusion struct {
	Conforme bool
	Motif    string
	// Montant is the amount to recover of a non-compliant control, in
	// cents: 0 for everything paid so far.
	Montant int64
}

// Conclure records outcome cl on control c, open, by par at quand; verse is
// what was paid on the request (advance and balance). A non-compliant
// outcome needs its reason and recovers verse, or the lower amount the
// agent entered.
func (c *Controle) Conclure(cl Conclusion, verse int64, par string, quand time.Time) error {
	if c.Etat != ControleOuvert {
		return Errorf(ECONFLICT, "Le contrôle %s est déjà clos (%s).", c.Reference(), strings.ToLower(c.Etat.Libelle()))
	}
	motif := strings.TrimSpace(strings.ReplaceAll(cl.Motif, "\r\n", "\n"))
	if utf8.RuneCountInString(motif) > MaxMotifControle || !utf8.ValidString(motif) || strings.ContainsRune(motif, 0) {
		return Errorf(EINVALID, "Motif : au plus %d caractères lisibles.", MaxMotifControle)
	}
	c.Motif, c.ConcluPar, c.ConcluLe = motif, par, quand.UTC()
	if cl.Conforme {
		c.Etat, c.MontantReverse = ControleConforme, 0
		return nil
	}
	switch {
	case motif == "":
		return Errorf(EINVALID, "Motif : il est obligatoire quand la demande n'est pas conforme ; il figure sur l'ordre de reversement.")
	case verse <= 0:
		return Errorf(ECONFLICT, "Rien n'a été versé sur la demande %s : aucun reversement à ordonner.", c.NumeroASP)
	case cl.Montant < 0 || cl.Montant > verse:
		return Errorf(EINVALID, "Montant à reverser : au plus %s, ce qui a été versé.", Euros(verse))
	}
	c.Etat, c.MontantReverse = ControleNonConforme, cl.Montant
	if cl.Montant == 0 {
		c.MontantReverse = verse
	}
	return nil
}

// Tirage is a random draw of paid requests to control. Its seed, rate and
// population (the requests that could be drawn, sorted by ASP number)
// give its sample again: anyone can check it (Verifier).
type Tirage struct {
	ID TirageID
	// Graine is the seed of the generator (PCG, see Tirer).
	Graine int64
	// Taux is the share of the population drawn, in basis points (1 % = 100).
	Taux int
	// Population is how many requests could be drawn, Empreinte the
	// SHA-256 of their ASP numbers (EmpreintePopulation).
	Population int
	Empreinte  string
	// Candidats are those ASP numbers, sorted (read with one draw only).
	Candidats []string
	// Echantillon are the ASP numbers drawn, sorted (read with one draw
	// only), Tires how many.
	Echantillon []string
	Tires       int
	Par         string
	Quand       time.Time
}

// GraineMax is the largest seed: seeds are the integers 0 to GraineMax.
const GraineMax = math.MaxInt64

// pcgFlux is the second word of the generator's seed ("SegurCTL"): fixed,
// so that the recorded seed alone gives the draw.
const pcgFlux = 0x5365677572435446

// TailleEchantillon is how many of population requests a draw at rate
// taux (basis points) controls: rounded up, at least one when any.
func TailleEchantillon(population, taux int) int {
	if population <= 0 || taux <= 0 {
		return 0
	}
	n := (population*taux + 9999) / 10_000
	return min(max(n, 1), population)
}

// EmpreintePopulation is the hex SHA-256 of the ASP numbers asps, sorted,
// each followed by a line feed: what a draw records of its population.
func EmpreintePopulation(asps []string) string {
	s := slices.Clone(asps)
	slices.Sort(s)
	h := sha256.New()
	for _, a := range s {
		h.Write([]byte(a + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Tirer draws TailleEchantillon requests among population (ASP numbers) at
// rate taux (basis points, 1 to 10 000) with seed graine. The population is
// sorted by ASP number first, then shuffled in part (Fisher–Yates) by a
// PCG generator (math/rand/v2, seeded with graine and a fixed word) whose
// outputs are reduced to a range by Lemire's method written here: the same
// seed and population give the same sample, whatever the Go version. The
// result has no ID, author nor time.
func Tirer(population []string, taux int, graine int64) (*Tirage, error) {
	if taux < 1 || taux > 10_000 {
		return nil, Errorf(EINVALID, "Pourcentage : entre 0,01 et 100.")
	}
	if graine < 0 {
		return nil, Errorf(EINVALID, "Graine : un entier de 0 à %d.", int64(GraineMax))
	}
	pop := slices.Clone(population)
	slices.Sort(pop)
	pop = slices.Compact(pop)
	t := &Tirage{Graine: graine, Taux: taux, Population: len(pop), Empreinte: EmpreintePopulation(pop), Candidats: pop}
	n := TailleEchantillon(len(pop), taux)
	src := rand.NewPCG(uint64(graine), pcgFlux)
	tas := slices.Clone(pop)
	for i := range n {
		j := i + int(borne(src, uint64(len(tas)-i)))
		tas[i], tas[j] = tas[j], tas[i]
	}
	t.Echantillon, t.Tires = tas[:n:n], n
	slices.Sort(t.Echantillon)
	return t, nil
}

// Verifier draws t again from its candidates and reports whether the
// sample and the population's digest are the recorded ones.
func (t *Tirage) Verifier() bool {
	u, err := Tirer(t.Candidats, t.Taux, t.Graine)
	return err == nil && u.Empreinte == t.Empreinte && u.Population == t.Population && u.Tires == t.Tires &&
		slices.Equal(u.Echantillon, t.Echantillon)
}

// borne returns a uniform integer in [0, n), n > 0, from src: Lemire's
// multiply-and-reject method ("Fast random integer generation in an
// interval", 2019).
func borne(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		seuil := -n % n
		for lo < seuil {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// ParseTaux reads a percentage (« 5 », « 2,5 », « 0.25 % ») in basis
// points, 1 to 10 000.
func ParseTaux(s string) (int, error) {
	v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v = strings.Replace(v, ",", ".", 1)
	ent, dec, virgule := strings.Cut(v, ".")
	invalide := Errorf(EINVALID, "Pourcentage : « %s » ; attendu un nombre de 0,01 à 100 (ex. 5 ou 2,5).", couper(s, 20))
	if ent == "" || len(ent) > 3 || !digits(ent) || len(dec) > 2 || virgule && !digits(dec) {
		return 0, invalide
	}
	for len(dec) < 2 {
		dec += "0"
	}
	t := atoi(ent)*100 + atoi(dec)
	if t < 1 || t > 10_000 {
		return 0, invalide
	}
	return t, nil
}

// FormatTaux writes basis points as a percentage: « 2,5 % ».
func FormatTaux(taux int) string {
	s := strconv.Itoa(taux / 100)
	if d := taux % 100; d != 0 {
		s += strings.TrimRight(fmt.Sprintf(",%02d", d), "0")
	}
	return s + "\u00a0%"
}

// ParseGraine reads a seed: an integer of 0 to GraineMax.
func ParseGraine(s string) (int64, error) {
	s = strings.TrimSpace(s)
	g, err := strconv.ParseInt(s, 10, 64)
	if err != nil || g < 0 || !digits(s) {
		return 0, Errorf(EINVALID, "Graine : « %s » ; attendu un entier de 0 à %d, ou rien pour une graine au hasard.", couper(s, 25), int64(GraineMax))
	}
	return g, nil
}

// ControleFilter selects controls.
type ControleFilter struct {
	FournisseurID FournisseurID // 0: every vendor
	Etat          EtatControle  // "": every state
	TirageID      TirageID      // 0: every control
	NumeroASP     string
	Limit, Offset int
}

// CourrielPiecesControle composes the mail that tells the vendor of the
// agency's request for documents in control c of its request d: the
// message, and where to send them (lien, "" to leave it out).
func CourrielPiecesControle(c *Controle, d *Demande, fournisseur string, a []string, message, lien string) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	b.WriteString("L'Agence de services et de paiement contrôle votre demande de financement, après son paiement (contrôle a posteriori). Elle vous demande les pièces suivantes.\n\n")
	entete(&b, c, d, fournisseur)
	b.WriteString("\nPièces demandées :\n")
	indenter(&b, message)
	suite := "Déposez les pièces (PDF, PNG ou JPG) dans votre espace fournisseur, rubrique « Contrôles »"
	if lien = uneLigne(lien); lien != "" {
		fmt.Fprintf(&b, "\n%s :\n%s\n", suite, lien)
	} else {
		fmt.Fprintf(&b, "\n%s.\n", suite)
	}
	signer(&b)
	return Courriel{A: destinataires(a), Sujet: "[Ségur numérique] " + d.NumeroASP + " : contrôle a posteriori, pièces demandées",
		Corps: b.String(), Objet: fmt.Sprintf("controle:%d", c.ID)}
}

// CourrielConclusionControle composes the mail that tells the vendor of
// the outcome of control c, concluded, of its request d. A non-compliant
// outcome announces the order of recovery attached: PieceNom is set and
// the caller sets PieceSHA256 (Valider refuses the mail without it).
func CourrielConclusionControle(c *Controle, d *Demande, fournisseur string, a []string, lien string) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	m := Courriel{A: destinataires(a), Objet: fmt.Sprintf("controle:%d", c.ID)}
	if c.Etat == ControleConforme {
		m.Sujet = "[Ségur numérique] " + d.NumeroASP + " : contrôle a posteriori conforme"
		b.WriteString("Le contrôle a posteriori de votre demande de financement est clos : la demande est conforme. Aucune suite n'est donnée.\n\n")
		entete(&b, c, d, fournisseur)
	} else {
		m.Sujet = "[Ségur numérique] " + d.NumeroASP + " : ordre de reversement"
		m.Objet, m.PieceNom = "demande:"+d.NumeroASP, "reversement-"+d.NumeroASP+".pdf"
		b.WriteString("Le contrôle a posteriori de votre demande de financement a conclu qu'elle n'est pas conforme. L'Agence de services et de paiement ordonne le reversement des sommes indûment perçues.\n\n")
		entete(&b, c, d, fournisseur)
		fmt.Fprintf(&b, "  Montant à reverser : %s\n", Euros(c.MontantReverse))
		b.WriteString("\nMotif :\n")
		indenter(&b, c.Motif)
		fmt.Fprintf(&b, "\nL'ordre de reversement est joint à ce message (%s) ; il reste disponible dans votre espace fournisseur, sur la page de la demande.\n", m.PieceNom)
	}
	if lien = uneLigne(lien); lien != "" {
		fmt.Fprintf(&b, "\nLe contrôle dans votre espace fournisseur :\n%s\n", lien)
	}
	signer(&b)
	m.Corps = b.String()
	return m
}

func entete(b *strings.Builder, c *Controle, d *Demande, fournisseur string) {
	fmt.Fprintf(b, "  Fournisseur : %s\n", uneLigne(fournisseur))
	fmt.Fprintf(b, "  Demande : %s\n", d.NumeroASP)
	fmt.Fprintf(b, "  Votre numéro de demande (numeroEditeur) : %s\n", uneLigne(d.NumeroEditeur))
	fmt.Fprintf(b, "  Contrôle : %s\n", c.Reference())
}

// ControleTx is what the controls' steps need of a write transaction,
// beside applying démarches (a non-compliant control orders a recovery).
type ControleTx interface {
	DemarcheTx
	// FindPopulation returns the ASP numbers, sorted, of the requests in
	// one of statuts with no open control.
	FindPopulation(ctx context.Context, statuts []StatutDemande) ([]string, error)
	// CreateTirage records draw t and opens a control of each request of
	// its sample (ECONFLICT if one got a control meanwhile); it sets t.ID.
	CreateTirage(ctx context.Context, t *Tirage) error
	// CreateControle opens control c of request d (ECONFLICT when one is
	// open already); it sets c.ID.
	CreateControle(ctx context.Context, c *Controle, d *Demande) error
	// LockControle reads control id with its files, locked until the
	// transaction ends; ENOTFOUND.
	LockControle(ctx context.Context, id ControleID) (*Controle, error)
	// CreateMessageControle records message m of control id, with the
	// store's time, and queues mail (nil: none); it sets m.ID and m.Quand.
	CreateMessageControle(ctx context.Context, id ControleID, m *MessageControle, mail *Courriel) error
	// CreatePieceControle records file p of control id; it sets p.ID and
	// p.DeposeLe.
	CreatePieceControle(ctx context.Context, id ControleID, p *PieceControle) error
	// UpdateControle records the outcome of control c if it is still open
	// (ECONFLICT otherwise) and queues mail (nil: none).
	UpdateControle(ctx context.Context, c *Controle, mail *Courriel) error
}

// TirerEchantillon draws, in transaction tx, rate taux (basis points) of
// the requests that may be controlled and have no open control, with seed
// graine (Tirer), by par: the draw is recorded with its population, and a
// control opened per request drawn. An empty population is an EINVALID.
func TirerEchantillon(ctx context.Context, tx ControleTx, taux int, graine int64, par string) (*Tirage, error) {
	pop, err := tx.FindPopulation(ctx, Statuts(func(i InfoStatut) bool { return i.Controlable }))
	if err != nil {
		return nil, err
	}
	if len(pop) == 0 {
		return nil, Errorf(EINVALID, "Aucune demande à tirer : aucune demande payée sans contrôle en cours.")
	}
	t, err := Tirer(pop, taux, graine)
	if err != nil {
		return nil, err
	}
	t.Par, t.Quand = par, tx.Maintenant()
	return t, tx.CreateTirage(ctx, t)
}

// OuvrirControle opens, in transaction tx, a control of the request of ASP
// number asp, picked by hand by par. A request that cannot be controlled,
// or is already, is an ECONFLICT.
func OuvrirControle(ctx context.Context, tx ControleTx, asp, par string) (*Controle, error) {
	d, err := tx.LockDemande(ctx, asp)
	if err != nil {
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "Demande %s introuvable.", asp)
		}
		return nil, err
	}
	if !d.Statut.Controlable() {
		return nil, Errorf(ECONFLICT, "La demande %s est au statut « %s » : seules les demandes dont l'avance est payée, sans reversement ordonné, se contrôlent.", asp, d.Statut.Libelle())
	}
	c := &Controle{NumeroASP: asp, FournisseurID: d.FournisseurID, Etat: ControleOuvert, OuvertLe: tx.Maintenant(), OuvertPar: par}
	return c, tx.CreateControle(ctx, c, d)
}

// controleOuvert reads control id in tx and refuses one that is closed:
// quoi says what can no longer be done.
func controleOuvert(ctx context.Context, tx ControleTx, id ControleID, quoi string) (*Controle, error) {
	c, err := tx.LockControle(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Etat != ControleOuvert {
		return nil, Errorf(ECONFLICT, "Le contrôle %s est clos : %s.", c.Reference(), quoi)
	}
	return c, nil
}

// AjouterMessageControle records, in transaction tx, message m of open
// control id and queues mail (nil: none); it sets m's ID and Quand.
func AjouterMessageControle(ctx context.Context, tx ControleTx, id ControleID, m *MessageControle, mail *Courriel) error {
	if _, err := controleOuvert(ctx, tx, id, "il n'est plus possible d'écrire au fournisseur"); err != nil {
		return err
	}
	return tx.CreateMessageControle(ctx, id, m, mail)
}

// AjouterPieceControle records, in transaction tx, file p of open control
// id, checked with the files it holds (Controle.ValiderPiece); it sets p's
// ID and DeposeLe.
func AjouterPieceControle(ctx context.Context, tx ControleTx, id ControleID, p *PieceControle) error {
	c, err := controleOuvert(ctx, tx, id, "il ne reçoit plus de pièce")
	if err != nil {
		return err
	}
	if err := c.ValiderPiece(p); err != nil {
		return err
	}
	return tx.CreatePieceControle(ctx, id, p)
}

// ConclureControle records, in transaction tx, the outcome of control c,
// concluded by the domain (Controle.Conclure), if it is still open: for a
// non-compliant control, démarche m (ActionReverser) applied to its request
// with s (the order of recovery, the mail), as AppliquerDemarche does; for a
// compliant one, the mail of s only. It sets c.ConcluLe to the store's
// time.
func ConclureControle(ctx context.Context, tx ControleTx, c *Controle, m Demarche, prog Programme, s Suites) error {
	if _, err := controleOuvert(ctx, tx, c.ID, "son résultat est déjà enregistré"); err != nil {
		return err
	}
	mail := s.Courriel
	switch c.Etat {
	case ControleConforme:
	case ControleNonConforme:
		if m.Action != ActionReverser || s.Document == nil || c.Ordre != s.Document.Reference {
			return fmt.Errorf("segur: contrôle %d non conforme sans ordre de reversement", c.ID)
		}
		if _, err := AppliquerDemarche(ctx, tx, c.NumeroASP, m, prog, s); err != nil {
			return err
		}
		mail = nil // queued with the change
	default:
		return fmt.Errorf("segur: contrôle %d: résultat %q", c.ID, c.Etat)
	}
	c.ConcluLe = tx.Maintenant()
	return tx.UpdateControle(ctx, c, mail)
}
