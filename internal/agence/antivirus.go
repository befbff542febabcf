package agence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// AnalyseStore is what the antivirus's rounds need of the store.
type AnalyseStore interface {
	FindFichiersAAnalyser(ctx context.Context, limit int) ([]segur.FichierAAnalyser, error)
	// CreateAnalyses records the verdicts on one file and the alerts they
	// raise in one transaction.
	// depot, when not 0, is the deposit whose pieces they judge.
	CreateAnalyses(ctx context.Context, depot segur.DepotID, analyses []segur.Analyse, alertes []segur.AlerteAntivirus) error
	// FindDemandesDuFichier returns the requests a stored file belongs to.
	FindDemandesDuFichier(ctx context.Context, sum string) ([]segur.Demande, error)
	FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error)
}

// Analyses scans the stored files that no verdict judges yet: every file
// whole, a deposit's zip piece by piece (as the portal serves them). A
// file is never refused because the scanner is down: it waits, and the
// next round scans it.
type Analyses struct {
	Store     AnalyseStore
	Blobs     segur.Blobs
	Antivirus segur.Antivirus
	Now       func() time.Time
	Log       *slog.Logger
	// Lot is the number of files a round takes, 20 when zero.
	Lot int
	// Lien is the address of a request in the vendor's space, for the
	// mails; nil leaves it out.
	Lien func(asp string) string
	// Paralleles is the number of a zip's pieces scanned at once, 2 when
	// zero.
	Paralleles int
}

func (a *Analyses) paralleles() int {
	if a.Paralleles > 0 {
		return a.Paralleles
	}
	return 2
}

func (a *Analyses) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Analyses) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run scans, every interval, until ctx ends; a round that finds a full lot
// is followed at once by another. The scanner's unavailability is logged
// once, and its return.
func (a *Analyses) Run(ctx context.Context, every time.Duration) {
	panne := false
	for {
		n, err := a.Tourner(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !panne:
			a.log().Warn("antivirus: scan interrupted, files wait", "err", err)
			panne = true
		case err == nil && panne:
			a.log().Info("antivirus: scanning again")
			panne = false
		}
		if err == nil && n == a.lot() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func (a *Analyses) lot() int {
	if a.Lot > 0 {
		return a.Lot
	}
	return 20
}

// Tourner runs one round: at most a lot of files, each judged and its
// verdicts recorded in one transaction. It stops at the first file the
// scanner could not judge for want of answering (an EUNAVAILABLE error):
// that file and the next wait for the next round. A file the scanner
// answered with an error is left for the next round, and the others are
// scanned. n is the number of files judged.
func (a *Analyses) Tourner(ctx context.Context) (n int, err error) {
	// The audit events of the alerts are the scanner's.
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: "antivirus", Adresse: "segur serve"})
	fichiers, err := a.Store.FindFichiersAAnalyser(ctx, a.lot())
	if err != nil {
		return 0, err
	}
	if len(fichiers) == 0 {
		return 0, nil
	}
	moteur, err := a.Antivirus.Moteur(ctx)
	if err != nil {
		return 0, err
	}
	var sautes []error
	for _, f := range fichiers {
		verdicts, err := a.analyser(ctx, f, moteur)
		var se *segur.Error
		switch {
		case err != nil && (ctx.Err() != nil || errors.As(err, &se) && se.Code == segur.EUNAVAILABLE):
			return n, err
		case err != nil:
			// This file only: the next ones are scanned, it is tried
			// again at the next round.
			a.log().Warn("antivirus: file not scanned, tried again later", "fichier", f.SHA256, "err", err)
			sautes = append(sautes, err)
			continue
		}
		alertes, err := a.alertes(ctx, f, verdicts)
		if err != nil {
			return n, err
		}
		if err := a.Store.CreateAnalyses(ctx, f.DepotID, verdicts, alertes); err != nil {
			return n, err
		}
		for _, v := range verdicts {
			if v.Resultat != segur.AnalyseSaine {
				a.log().Warn("antivirus: file not healthy", "fichier", v.Fichier, "membre", v.Membre, "resultat", string(v.Resultat), "signature", v.Signature)
			}
		}
		n++
	}
	return n, errors.Join(sautes...)
}

// alertes are what the unhealthy verdicts on file f raise: for each
// request the file belongs to, the verdicts on its own pieces (a deposit's
// zip: the pieces the request names; another file: the file itself), and
// the mail to its vendor.
func (a *Analyses) alertes(ctx context.Context, f segur.FichierAAnalyser, verdicts []segur.Analyse) ([]segur.AlerteAntivirus, error) {
	mauvais := map[string]segur.Analyse{}
	for _, v := range verdicts {
		if v.Resultat != segur.AnalyseSaine && (v.Membre != "" || len(f.Pieces) == 0) {
			mauvais[v.Membre] = v
		}
	}
	if len(mauvais) == 0 {
		return nil, nil
	}
	demandes, err := a.Store.FindDemandesDuFichier(ctx, f.SHA256)
	if err != nil {
		return nil, err
	}
	var out []segur.AlerteAntivirus
	for i := range demandes {
		d := &demandes[i]
		var siennes []segur.Analyse
		if len(f.Pieces) == 0 {
			siennes = append(siennes, mauvais[""])
		} else {
			for _, p := range d.Pieces {
				if v, ok := mauvais[p.NomFichier]; ok {
					siennes = append(siennes, v)
				}
			}
		}
		if len(siennes) == 0 {
			continue
		}
		fo, err := a.Store.FindFournisseurByID(ctx, d.FournisseurID)
		if err != nil {
			return nil, err
		}
		lien := ""
		if a.Lien != nil {
			lien = a.Lien(d.NumeroASP)
		}
		mail := segur.CourrielAntivirus(d, siennes, fo.Nom, []string{fo.Email}, lien)
		out = append(out, segur.AlerteAntivirus{NumeroASP: d.NumeroASP, Analyses: siennes, Courriel: &mail})
	}
	return out, nil
}

// analyser judges file f: whole, or a deposit's zip piece by piece, its
// own verdict the worst of its pieces'.
func (a *Analyses) analyser(ctx context.Context, f segur.FichierAAnalyser, moteur string) ([]segur.Analyse, error) {
	b, err := a.Blobs.Open(ctx, f.SHA256)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	verdict := func(membre string, v segur.Verdict) segur.Analyse {
		r := segur.Analyse{Fichier: f.SHA256, Membre: membre, Resultat: segur.AnalyseSaine, Moteur: moteur, Le: a.now()}
		switch {
		case v.Infecte:
			r.Resultat, r.Signature = segur.AnalyseInfectee, v.Signature
		case v.Impossible != "":
			r.Resultat, r.Signature = segur.AnalyseImpossible, v.Impossible
		}
		return r
	}
	if len(f.Pieces) == 0 {
		v, err := a.Antivirus.Analyser(ctx, b)
		if err != nil {
			return nil, err
		}
		return []segur.Analyse{verdict("", v)}, nil
	}
	archive, err := hop.OpenArchive(b, b.Taille())
	if err != nil {
		// Accepted for control, it was readable: what changed is a fault
		// of the stored file, that verify reports.
		return []segur.Analyse{verdict("", segur.Verdict{Impossible: "archive zip illisible"})}, nil
	}
	// A few pieces at a time, each worker with its own reading of the
	// archive (its decompression state is not shared); the verdicts in
	// the pieces' order.
	out := make([]segur.Analyse, len(f.Pieces))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	suivante := make(chan int)
	erreurs := make(chan error, a.paralleles())
	var wg sync.WaitGroup
	for w := range min(a.paralleles(), len(f.Pieces)) {
		lecture := archive
		if w > 0 {
			if lecture, err = hop.OpenArchive(b, b.Taille()); err != nil {
				break // read once already: only an I/O error; fewer workers then
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range suivante {
				v, err := a.piece(ctx, lecture, f.Pieces[i])
				if err != nil {
					erreurs <- err
					cancel()
					return
				}
				out[i] = verdict(f.Pieces[i].NomFichier, v)
			}
		}()
	}
	for i := range f.Pieces {
		select {
		case suivante <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(suivante)
	wg.Wait()
	select {
	case err := <-erreurs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, sig := segur.PireAnalyse(out)
	zip := verdict("", segur.Verdict{})
	zip.Resultat, zip.Signature = res, sig
	return append(out, zip), nil
}

// piece scans one piece of a deposit's zip, streamed from the archive as
// the portal extracts it to serve it. A piece the extraction finds
// unreadable (missing, corrupt, not of its format) cannot be judged.
func (a *Analyses) piece(ctx context.Context, archive *hop.Archive, p hop.Piece) (segur.Verdict, error) {
	pr, pw := io.Pipe()
	done := make(chan hop.PieceStatus, 1)
	go func() {
		st := archive.ExtrairePiece(p.NomFichier, p.Format, pw)
		if st != hop.PieceOK {
			pw.CloseWithError(errPieceIllisible)
		} else {
			pw.Close()
		}
		done <- st
	}()
	v, err := a.Antivirus.Analyser(ctx, pr)
	pr.CloseWithError(errScanFini) // the extraction stops if the scan did first
	st := <-done
	switch {
	case err != nil && errors.Is(err, errPieceIllisible):
		return segur.Verdict{Impossible: "pièce illisible dans l'archive : " + st.Libelle()}, nil
	case err != nil:
		return segur.Verdict{}, fmt.Errorf("pièce %s : %w", p.NomFichier, err)
	}
	return v, nil
}

var (
	errPieceIllisible = errors.New("agence: piece unreadable in its zip")
	errScanFini       = errors.New("agence: scan over")
)
