package web

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// The agents' exports: the requests (with the queue's filters), the
// payments, the controls, their columns named in words (« Numéro ASP »,
// not the file's numeroASP), as CSV (semicolons, UTF-8 with a byte-order
// mark, amounts with a decimal comma, as /demandes.csv) or XLSX. A cell
// a spreadsheet would run as a formula is made inert: in CSV a leading
// apostrophe, in XLSX a string cell (never a formula).

// Dates and times: one format per export. In CSV, ISO 8601: a date
// « 2021-10-15 » (the file's dates too, like dateCommande, that it writes
// « 15/10/2021 »), a time with its offset in Paris time
// « 2026-12-03T12:28:00+01:00 » (RFC 3339). In XLSX, real dates: serial
// numbers in a date or date-time format, in Paris time.

// montant is an amount in cents, written in euros: a number in XLSX,
// « 13750,00 » in CSV.
type montant int64

// jour is a calendar date: « 2021-10-15 » in CSV, a date cell in XLSX.
type jour hop.Date

// String writes d as ISO 8601, « 2021-10-15 ».
func (d jour) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Annee, d.Mois, d.Jour) }

// serie is d as a spreadsheet's serial number: days since 1899-12-30.
func (d jour) serie() int64 {
	t := time.Date(d.Annee, time.Month(d.Mois), d.Jour, 0, 0, 0, 0, time.UTC)
	return int64(t.Sub(origineTableur) / (24 * time.Hour))
}

// instant is a moment, in the time zone it is to be read in (Paris):
// « 2026-12-03T12:28:00+01:00 » in CSV, a date-time cell in XLSX.
type instant time.Time

// formatInstant is the layout of an instant in CSV: RFC 3339.
const formatInstant = time.RFC3339

// serie is i as a spreadsheet's serial number: days since 1899-12-30 and
// the fraction of its day, on its zone's clock (spreadsheets know no zone).
func (i instant) serie() float64 {
	t := time.Time(i)
	y, m, d := t.Date()
	jours := jour(hop.Date{Annee: y, Mois: int(m), Jour: d}).serie()
	h, mi, s := t.Clock()
	// Rounded to the second, so that the cell reads back the same.
	return float64(jours) + math.Round(float64(h*3600+mi*60+s)/86400*1e9)/1e9
}

// origineTableur is day 0 of the spreadsheets' dates (after 1900-02-28,
// where Lotus's false leap day is made up for).
var origineTableur = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// jourOuVide is d as a date cell, or an empty one when d is not set.
func jourOuVide(d hop.Date) any {
	if d == (hop.Date{}) {
		return nil
	}
	return jour(d)
}

// instantOuVide is t in loc as a time cell, or an empty one when zero.
func instantOuVide(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return instant(t.In(loc))
}

// feuille is one export's table.
type feuille struct {
	nom      string // the sheet's name, and the file's without extension and date
	entetes  []string
	largeurs []float64 // the XLSX columns' widths, in characters
	fichier  string    // the file's name without extension, set by nouveauTableur
}

// tableur writes the rows of a feuille; a cell is a string, a montant, a
// jour, an instant, an int, or nil (empty).
type tableur interface {
	ligne(cells ...any) error
	fin() error
}

// neutraliser makes a text inert in a spreadsheet: a value starting with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func neutraliser(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// eurosCSV writes cents as « 13750,00 », for CSV.
func eurosCSV(c int64) string {
	signe := ""
	if c < 0 {
		signe, c = "-", -c
	}
	return fmt.Sprintf("%s%d,%02d", signe, c/100, c%100)
}

// tableurCSV writes an export's rows as CSV; rec is the row being
// written, its cells reused from one row to the next.
type tableurCSV struct {
	w   *csv.Writer
	rec []string
}

func nouveauCSV(w http.ResponseWriter, f feuille) (tableur, error) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, f.fichier))
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	t := &tableurCSV{w: cw}
	cells := make([]any, len(f.entetes))
	for i, e := range f.entetes {
		cells[i] = e
	}
	return t, t.ligne(cells...)
}

func (t *tableurCSV) ligne(cells ...any) error {
	rec := slices.Grow(t.rec[:0], len(cells))[:len(cells)]
	t.rec = rec
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
			rec[i] = ""
		case string:
			rec[i] = neutraliser(v)
		case montant:
			rec[i] = eurosCSV(int64(v))
		case jour:
			rec[i] = v.String()
		case instant:
			rec[i] = time.Time(v).Format(formatInstant)
		case int:
			rec[i] = strconv.Itoa(v)
		default:
			rec[i] = neutraliser(fmt.Sprint(v))
		}
	}
	return t.w.Write(rec)
}

func (t *tableurCSV) fin() error {
	t.w.Flush()
	return t.w.Error()
}

// The XLSX writer, tableurXLSX, is in xlsx.go.

// An export reads its rows from one query as it writes them, at tens of
// thousands per second: one at a time is what the machine gives without
// slowing every page (exports). A client that stops reading is cut after
// delaiEcritureExport without progress, which ends the query and frees the
// place.
const (
	attenteExport       = 20 * time.Second
	delaiEcritureExport = 20 * time.Second
)

// exports are the places of exports running at once: the agency's, and
// the vendors', so that no vendor delays the agency's.
type exports struct {
	agence, fournisseurs chan struct{}
}

func exportsAgence(e exports) chan struct{}       { return e.agence }
func exportsFournisseurs(e exports) chan struct{} { return e.fournisseurs }

func nouveauxExports(n int) exports {
	return exports{agence: make(chan struct{}, n), fournisseurs: make(chan struct{}, n)}
}

// exporter runs export h once a place of places is free, waiting
// attenteExport at most (Server.AttenteExport), its response's writes
// bounded.
func (s *Server) exporter(places func(exports) chan struct{}, h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := places(s.exports)
		t := time.NewTimer(cmp.Or(s.AttenteExport, attenteExport))
		defer t.Stop()
		select {
		case p <- struct{}{}:
			defer func() { <-p }()
		case <-t.C:
			return segur.Errorf(segur.EUNAVAILABLE, "D'autres exports sont en cours : réessayez dans une minute.")
		case <-r.Context().Done():
			return segur.Errorf(segur.EUNAVAILABLE, "Export abandonné : la connexion est fermée.")
		}
		return h(ecritureBornee{w, http.NewResponseController(w)}, r)
	}
}

// ecritureBornee is an export's response: each write ends within
// delaiEcritureExport, or fails.
type ecritureBornee struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (e ecritureBornee) Write(p []byte) (int, error) {
	e.rc.SetWriteDeadline(time.Now().Add(delaiEcritureExport)) // where the connection has none (tests), unbounded
	return e.ResponseWriter.Write(p)
}

func (e ecritureBornee) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// getExport sends /agence/exports/{nom}.{csv,xlsx}.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) error {
	nom, format, _ := strings.Cut(r.PathValue("fichier"), ".")
	exports := map[string]func(http.ResponseWriter, *http.Request, string) error{
		"demandes": s.exportDemandes, "financements": s.exportFinancements, "paiements": s.exportPaiements, "controles": s.exportControles}
	export, ok := exports[nom]
	if !ok || format != "csv" && format != "xlsx" {
		return segur.Errorf(segur.ENOTFOUND, "Cet export n'existe pas : demandes, financements, paiements ou controles, en .csv ou .xlsx.")
	}
	return export(w, r, format)
}

// nouveauTableur starts an export of f in format, its file named with
// today's date.
func (s *Server) nouveauTableur(w http.ResponseWriter, f feuille, format string) (tableur, error) {
	f.fichier = f.nom + "-" + s.Now().In(s.Paris).Format("2006-01-02")
	if format == "xlsx" {
		return nouveauXLSX(w, f)
	}
	return nouveauCSV(w, f)
}

// optionnel is an amount, or an empty cell when 0.
func optionnel(c int64) any {
	if c == 0 {
		return nil
	}
	return montant(c)
}

// exportDemandes exports the requests the queue's filters select (the
// same query as /agence/demandes: status, vendor, ANS number, software,
// amounts, dates, agent, alerts).
func (s *Server) exportDemandes(w http.ResponseWriter, r *http.Request, format string) error {
	ctx := r.Context()
	_, filter, errs, err := s.filtreFile(r)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return segur.Errorf(segur.EINVALID, "%s", errs[0].Message)
	}
	four, err := s.fournisseursParID(ctx)
	if err != nil {
		return err
	}
	t, err := s.nouveauTableur(w, feuille{nom: "demandes",
		entetes: []string{"Numéro ASP", "Numéro éditeur", "Fournisseur", "SIRET", "Numéro ANS", "Logiciel", "Statut", "Déposée le (heure de Paris)",
			"Date de commande", "Régime TVA", "Montant Ségur HT (€)", "Montant financé (€)", "Avance (€)", "Agent", "Bénéficiaires"},
		largeurs: []float64{18, 14, 30, 16, 13, 9, 20, 17, 13, 10, 16, 16, 14, 22, 60}}, format)
	if err != nil {
		return err
	}
	if err := s.Store.EachDemande(ctx, filter, func(d *segur.Demande) error {
		f := four[d.FournisseurID]
		if f == nil {
			f = &segur.Fournisseur{}
		}
		var avance int64
		if d.MontantFinance > 0 {
			avance = segur.Avance(d.MontantFinance)
		}
		return t.ligne(d.NumeroASP, d.NumeroEditeur, f.Nom, f.SIRET, d.NumeroAns, string(d.Logiciel), d.Statut.Libelle(),
			instantOuVide(d.CreeLe, s.Paris), jourOuVide(d.DateCommande), d.RegimeTVA, montant(d.MontantHTCents),
			optionnel(d.MontantFinance), optionnel(avance), d.Agent, beneficiaires(d))
	}); err != nil {
		return err
	}
	return t.fin()
}

// exportFinancements exports, per request holding a financing, what is
// due and what was paid, as the statuses tell (segur.MontantsVerses).
func (s *Server) exportFinancements(w http.ResponseWriter, r *http.Request, format string) error {
	ctx := r.Context()
	four, err := s.fournisseursParID(ctx)
	if err != nil {
		return err
	}
	t, err := s.nouveauTableur(w, feuille{nom: "financements",
		entetes: []string{"Numéro ASP", "Numéro éditeur", "Fournisseur", "SIRET", "Logiciel", "Statut", "Montant financé (€)",
			"Avance (€)", "Avance versée (€)", "Solde validé (€)", "Solde versé (€)", "Total versé (€)", "Solde à recouvrer (€)"},
		largeurs: []float64{18, 14, 30, 16, 9, 20, 16, 14, 16, 16, 16, 16, 18}}, format)
	if err != nil {
		return err
	}
	if err := s.Store.EachDemande(ctx, segur.DemandeFilter{Statuts: segur.Statuts(func(i segur.InfoStatut) bool { return i.Finance })}, func(d *segur.Demande) error {
		if !d.Statut.Finance() {
			return nil
		}
		f := four[d.FournisseurID]
		if f == nil {
			f = &segur.Fournisseur{}
		}
		avance, solde := segur.MontantsVerses(d)
		return t.ligne(d.NumeroASP, d.NumeroEditeur, f.Nom, f.SIRET, string(d.Logiciel), d.Statut.Libelle(), montant(d.MontantFinance),
			montant(segur.Avance(d.MontantFinance)), montant(avance), optionnel(d.SoldeAPayer), montant(solde), montant(avance+solde),
			optionnel(d.ARecouvrer))
	}); err != nil {
		return err
	}
	return t.fin()
}

// exportPaiements exports the payments of every batch, with their
// batch's state and transfer date, and the vendor's payment notice.
func (s *Server) exportPaiements(w http.ResponseWriter, r *http.Request, format string) error {
	ctx := r.Context()
	four, err := s.fournisseursParID(ctx)
	if err != nil {
		return err
	}
	t, err := s.nouveauTableur(w, feuille{nom: "paiements",
		entetes: []string{"Lot", "État du lot", "Virement du", "Numéro ASP", "Numéro éditeur", "Fournisseur", "SIRET", "Nature",
			"Montant (€)", "Annulé", "Avis de paiement"},
		largeurs: []float64{13, 12, 12, 18, 14, 30, 16, 14, 14, 8, 18}}, format)
	if err != nil {
		return err
	}
	if err := s.Store.EachLignePaiement(ctx, func(p *segur.LignePaiement) error {
		f := four[p.FournisseurID]
		if f == nil {
			f = &segur.Fournisseur{}
		}
		annule := "non"
		if p.Annule {
			annule = "oui"
		}
		return t.ligne(segur.FormatLot(p.Lot), p.EtatLot.Libelle(), jourOuVide(p.PayeLe), p.NumeroASP, p.NumeroEditeur, f.Nom, f.SIRET,
			p.Nature.Libelle(), montant(p.Montant), annule, p.Avis)
	}); err != nil {
		return err
	}
	return t.fin()
}

// exportControles exports every control, newest first.
func (s *Server) exportControles(w http.ResponseWriter, r *http.Request, format string) error {
	ctx := r.Context()
	noms, err := s.nomsFournisseurs(ctx)
	if err != nil {
		return err
	}
	t, err := s.nouveauTableur(w, feuille{nom: "controles",
		entetes: []string{"Contrôle", "Numéro ASP", "Fournisseur", "Origine", "État", "Ouvert le (heure de Paris)", "Ouvert par", "Clos le (heure de Paris)", "Clos par",
			"Motif", "Montant à reverser (€)", "Ordre de reversement"},
		largeurs: []float64{13, 18, 30, 14, 13, 17, 22, 17, 22, 50, 18, 24}}, format)
	if err != nil {
		return err
	}
	if err := s.Store.EachControle(ctx, segur.ControleFilter{}, func(c *segur.Controle) error {
		origine := "choisie"
		if c.TirageID != 0 {
			origine = fmt.Sprintf("tirage n° %d", c.TirageID)
		}
		return t.ligne(c.Reference(), c.NumeroASP, noms[c.FournisseurID], origine, c.Etat.Libelle(),
			instantOuVide(c.OuvertLe, s.Paris), c.OuvertPar, instantOuVide(c.ConcluLe, s.Paris), c.ConcluPar, c.Motif,
			optionnel(c.MontantReverse), c.Ordre)
	}); err != nil {
		return err
	}
	return t.fin()
}
