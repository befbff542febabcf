package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// FindFichiersAAnalyser returns at most limit stored files that no verdict
// judges yet: first the deposits whose pieces wait (oldest first), each
// with its zip and the pieces its requests and balances name; then the
// other files a row references (the pieces sent after a deposit, to a
// control, the signed documents…; the agency's own files too: scanning
// them costs little and keeps the rule simple: every stored file).
func (db *DB) FindFichiersAAnalyser(ctx context.Context, limit int) ([]segur.FichierAAnalyser, error) {
	if limit <= 0 {
		return nil, nil
	}
	type zip struct {
		depot int64
		sum   string
	}
	zips, err := queryAll(ctx, db.r, func(s scanner) (zip, error) {
		var z zip
		return z, s.Scan(&z.depot, &z.sum)
	}, "zips à analyser", `SELECT d.id, d.zip_sha256 FROM depots d
		WHERE d.zip_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM depots_analyses a WHERE a.depot_id = d.id)
		ORDER BY d.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	var out []segur.FichierAAnalyser
	for _, z := range zips {
		pieces, err := db.piecesDuDepot(ctx, z.depot)
		if err != nil {
			return nil, err
		}
		out = append(out, segur.FichierAAnalyser{SHA256: z.sum, DepotID: segur.DepotID(z.depot), Pieces: pieces})
	}
	if len(out) >= limit {
		return out, nil
	}
	cols, err := db.blobColumns(ctx)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, c := range cols {
		if c == [2]string{"depots", "zip_sha256"} {
			continue
		}
		t, col := quoteName(c[0]), quoteName(c[1])
		parts = append(parts, `SELECT `+col+` AS f FROM `+t+` WHERE `+col+` IS NOT NULL AND `+col+` <> ''`)
	}
	if len(parts) == 0 {
		return out, nil
	}
	autres, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var f string
		return f, s.Scan(&f)
	}, "fichiers à analyser", `SELECT DISTINCT r.f FROM (`+strings.Join(parts, ` UNION ALL `)+`) r
		WHERE NOT EXISTS (SELECT 1 FROM analyses_antivirus a WHERE a.fichier = r.f AND a.membre = '')
			AND NOT EXISTS (SELECT 1 FROM depots d WHERE d.zip_sha256 = r.f)
		ORDER BY r.f LIMIT $1`, limit-len(out))
	if err != nil {
		return nil, err
	}
	for _, f := range autres {
		out = append(out, segur.FichierAAnalyser{SHA256: f})
	}
	return out, nil
}

// piecesDuDepot returns the pieces the requests and the balances of
// deposit id name, each name once.
func (db *DB) piecesDuDepot(ctx context.Context, id int64) ([]hop.Piece, error) {
	donnees, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var d string
		return d, s.Scan(&d)
	}, "pièces du dépôt", `SELECT donnees FROM demandes WHERE depot_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	soldes, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var p string
		return p, s.Scan(&p)
	}, "pièces des soldes du dépôt", `SELECT pieces FROM soldes WHERE depot_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	pieces := []hop.Piece{}
	vues := map[string]bool{}
	ajouter := func(ps []hop.Piece) {
		for _, p := range ps {
			if p.NomFichier != "" && !vues[p.NomFichier] {
				vues[p.NomFichier] = true
				pieces = append(pieces, p)
			}
		}
	}
	for _, s := range donnees {
		var d hop.DonneesDemande
		if err := unmarshalDonnees(s, &d); err != nil {
			return nil, fmt.Errorf("sqlstore: pièces du dépôt %d: %w", id, err)
		}
		ajouter(d.Pieces)
	}
	for _, s := range soldes {
		ps, err := unmarshalPieces(s)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: pièces des soldes du dépôt %d: %w", id, err)
		}
		ajouter(ps)
	}
	return pieces, nil
}

// CreateAnalyses records the verdicts on one stored file (its row, and its
// pieces' for a deposit's zip: depot, 0 for another file, is then marked
// judged) in one transaction, with the alerts they raise on requests: an
// audit event « antivirus.infecte » (or « antivirus.impossible ») on each
// request, and the mail to its vendor. A verdict already recorded
// (another server scanned the same file) is kept, the first one stands;
// the alerts are written only with something new (a verdict, or the
// deposit marked): nothing is written twice.
func (db *DB) CreateAnalyses(ctx context.Context, depot segur.DepotID, analyses []segur.Analyse, alertes []segur.AlerteAntivirus) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		nouveaux := 0
		if depot != 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO depots_analyses (depot_id, analyse_le) VALUES ($1, $2) ON CONFLICT (depot_id) DO NOTHING`, int64(depot), now)
			if err != nil {
				return fmt.Errorf("sqlstore: analyse du dépôt %d: %w", depot, err)
			}
			if n, err := res.RowsAffected(); err == nil {
				nouveaux += int(n)
			}
		}
		for _, a := range analyses {
			res, err := tx.ExecContext(ctx, `INSERT INTO analyses_antivirus (fichier, membre, resultat, signature, moteur, analyse_le)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fichier, membre) DO NOTHING`,
				a.Fichier, a.Membre, string(a.Resultat), a.Signature, a.Moteur, stamp(a.Le))
			if err != nil {
				return fmt.Errorf("sqlstore: analyse de %s %q: %w", a.Fichier, a.Membre, err)
			}
			if n, err := res.RowsAffected(); err == nil {
				nouveaux += int(n)
			}
		}
		if nouveaux == 0 {
			return nil
		}
		for _, al := range alertes {
			action := "antivirus." + string(segur.AnalyseImpossible)
			type piece struct {
				Fichier   string `json:"fichier"`
				Membre    string `json:"membre,omitempty"`
				Resultat  string `json:"resultat"`
				Signature string `json:"signature"`
				Moteur    string `json:"moteur"`
			}
			var pieces []piece
			for _, a := range al.Analyses {
				if a.Resultat == segur.AnalyseInfectee {
					action = "antivirus." + string(segur.AnalyseInfectee)
				}
				pieces = append(pieces, piece{a.Fichier, a.Membre, string(a.Resultat), a.Signature, a.Moteur})
			}
			if err := db.audit(ctx, tx, now, action, "demande:"+al.NumeroASP, map[string]any{"pieces": pieces}); err != nil {
				return err
			}
			if al.Courriel != nil {
				c := *al.Courriel
				if err := db.enfilerCourriel(ctx, tx, now, &c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// FindDemandesDuFichier returns the requests stored file sum belongs to:
// those of the deposits whose zip it is, the request a piece sent after
// its deposit was sent for, and those whose thread holds it in a vendor's
// message (an agent's file alerts no vendor).
func (db *DB) FindDemandesDuFichier(ctx context.Context, sum string) ([]segur.Demande, error) {
	asps, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var a string
		return a, s.Scan(&a)
	}, "demandes du fichier", `SELECT d.numero_asp FROM demandes d JOIN depots p ON p.id = d.depot_id WHERE p.zip_sha256 = $1
		UNION SELECT d.numero_asp FROM demandes d JOIN pieces_versions v ON v.demande_id = d.id WHERE v.sha256 = $1
		UNION SELECT m.numero_asp FROM messages m JOIN messages_fichiers f ON f.message_id = m.id WHERE f.fichier_sha256 = $1 AND m.cote = 'fournisseur'
		ORDER BY 1`, sum)
	if err != nil {
		return nil, err
	}
	out := make([]segur.Demande, 0, len(asps))
	for _, a := range asps {
		d, err := db.FindDemandeByASP(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// FindAnalyses returns the verdicts on stored file sum: its own (Membre
// "") and, for a deposit's zip, its pieces'; none while it waits.
func (db *DB) FindAnalyses(ctx context.Context, sum string) ([]segur.Analyse, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Analyse, error) {
		var a segur.Analyse
		var r string
		err := s.Scan(&a.Fichier, &a.Membre, &r, &a.Signature, &a.Moteur, &a.Le)
		a.Resultat, a.Le = segur.ResultatAnalyse(r), a.Le.UTC()
		return a, err
	}, "analyses", `SELECT fichier, membre, resultat, signature, moteur, analyse_le FROM analyses_antivirus
		WHERE fichier = $1 ORDER BY membre`, sum)
}

// FindEtatsAntivirus returns where the requests of ASP numbers asps stand
// with the antivirus: AntivirusAlerte for one with an alert (an event
// antivirus.* on it), AntivirusAttente for one whose deposit's zip waits
// for its verdict; the others are left out.
func (db *DB) FindEtatsAntivirus(ctx context.Context, asps []string) (map[string]segur.EtatAntivirus, error) {
	out := map[string]segur.EtatAntivirus{}
	if len(asps) == 0 {
		return out, nil
	}
	var args []any
	in := placeholders(&args, asps...)
	type etat struct {
		asp             string
		alerte, attente bool
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (etat, error) {
		var e etat
		return e, s.Scan(&e.asp, &e.alerte, &e.attente)
	}, "états antivirus", `SELECT d.numero_asp,
		EXISTS (SELECT 1 FROM evenements e WHERE e.objet = 'demande:' || d.numero_asp AND e.action LIKE 'antivirus.%'),
		p.zip_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM depots_analyses a WHERE a.depot_id = p.id)
		FROM demandes d JOIN depots p ON p.id = d.depot_id WHERE d.numero_asp IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, e := range rows {
		switch {
		case e.alerte:
			out[e.asp] = segur.AntivirusAlerte
		case e.attente:
			out[e.asp] = segur.AntivirusAttente
		}
	}
	return out, nil
}

// CountDepotsAAnalyser returns the number of deposits whose zip waits for
// its verdict, and when the oldest of them was received (zero when none
// waits): the antivirus's backlog, for /metrics.
func (db *DB) CountDepotsAAnalyser(ctx context.Context) (int, time.Time, error) {
	const attente = ` FROM depots d WHERE d.zip_sha256 IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM depots_analyses a WHERE a.depot_id = d.id)`
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*)`+attente).Scan(&n); err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlstore: count zips à analyser: %w", err)
	}
	var oldest time.Time
	if n > 0 {
		// Deposits are numbered in their order of reception (see
		// CountCourrielsEnAttente for min on SQLite).
		if err := db.r.QueryRowContext(ctx, `SELECT d.recu`+attente+` ORDER BY d.id LIMIT 1`).Scan(&oldest); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, time.Time{}, fmt.Errorf("sqlstore: oldest zip à analyser: %w", err)
		}
	}
	return n, oldest.UTC(), nil
}
