package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// FindEtatsAvances returns what the store holds of the requests of the ASP
// numbers asps, seen from vendor f: another vendor's request says only that
// it is another's. A number of no request is absent from the map. One query
// per 100 numbers.
func (t *depotTx) FindEtatsAvances(ctx context.Context, f segur.FournisseurID, asps []string) (map[string]hop.EtatAvance, error) {
	out := make(map[string]hop.EtatAvance, len(asps))
	for start := 0; start < len(asps); start += 100 {
		chunk := asps[start:min(start+100, len(asps))]
		args := make([]any, len(chunk))
		ph := make([]string, len(chunk))
		for i, a := range chunk {
			args[i], ph[i] = a, "$"+strconv.Itoa(i+1)
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT numero_asp, fournisseur_id, statut, numero_editeur FROM demandes
			WHERE numero_asp IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: requests of a balance file: %w", err)
		}
		err = eachRow(rows, func(rows *sql.Rows) error {
			var (
				asp, statut, editeur string
				fid                  int64
			)
			if err := rows.Scan(&asp, &fid, &statut, &editeur); err != nil {
				return err
			}
			if segur.FournisseurID(fid) != f {
				out[asp] = hop.EtatAvance{Connue: true, AutreFournisseur: true}
			} else {
				out[asp] = segur.EtatAvance(segur.StatutDemande(statut), editeur)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: requests of a balance file: %w", err)
		}
	}
	return out, nil
}

// soldeDetails is the audit detail of a balance deposit.
type soldeDetails struct {
	Statut    string `json:"statut"`
	Type      string `json:"type"`
	Lignes    int    `json:"lignes"`
	Acceptees int    `json:"acceptees"`
}

// FinishSolde records the outcome of balance deposit d, inserted before:
// its reference and returned file, every line (an accepted one with the ASP
// number of the request it balances) and each balance, in the deposit's
// transaction (the desk moves their requests in it: segur.Guichet).
func (t *depotTx) FinishSolde(ctx context.Context, d *segur.Depot, soldes []segur.DemandeSolde) error {
	now := t.db.clock()
	retourSHA, retourTaille := blobRef(d.Retour)
	res, err := t.tx.ExecContext(ctx, `UPDATE depots SET imp_id = $1, retour_sha256 = $2, retour_taille = $3 WHERE id = $4`,
		d.ImpID, retourSHA, retourTaille, int64(d.ID))
	if err != nil {
		return fmt.Errorf("sqlstore: finish balance depot %d: %w", d.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: finish balance depot %d: %w", d.ID, err)
	} else if n == 0 {
		return segur.Errorf(segur.ENOTFOUND, "dépôt %d introuvable", d.ID)
	}
	// Every line is kept here: an accepted balance line has no request row
	// of its own.
	err = t.insertRows(ctx, len(d.Lignes), 6,
		`INSERT INTO depot_lignes (depot_id, num_ligne, numero_editeur, code, libelle, numero_asp) VALUES `, ``,
		func(i int) ([]any, error) {
			l := d.Lignes[i]
			return []any{int64(d.ID), l.NumLigne, l.NumeroEditeur, l.Code, l.Libelle, nullString(l.NumeroASP)}, nil
		}, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: insert lignes of balance depot %d: %w", d.ID, err)
	}
	for i := range soldes {
		s := &soldes[i]
		pieces, err := marshalPieces(s.Pieces)
		if err != nil {
			return fmt.Errorf("sqlstore: solde of %s: %w", s.NumeroASP, err)
		}
		err = t.tx.QueryRowContext(ctx, `INSERT INTO soldes (demande_id, depot_id, num_ligne, numero_editeur, numero_facture, date_facture,
			montant_facture_ht_cents, date_mise_en_service, pieces, cree_le)
			SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM demandes WHERE numero_asp = $1 RETURNING id`,
			s.NumeroASP, int64(d.ID), s.NumLigne, s.NumeroEditeur, s.NumeroFacture, jour(s.DateFacture),
			s.MontantFactureHTCents, jour(s.DateMiseEnService), pieces, now).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("sqlstore: insert solde of %s: %w", s.NumeroASP, err)
		}
		s.DepotID, s.CreeLe = d.ID, now
	}
	return t.db.audit(ctx, t.tx, now, "depot.deposer", "depot:"+strconv.FormatInt(int64(d.ID), 10), soldeDetails{
		Statut: string(d.Statut), Type: string(segur.TypeSolde), Lignes: len(d.Lignes), Acceptees: len(soldes),
	})
}

// marshalPieces writes the column pieces of a balance.
func marshalPieces(ps []hop.Piece) (string, error) {
	j := make([]pieceJSON, 0, len(ps))
	for _, p := range ps {
		j = append(j, pieceJSON{p.NomFichier, p.Format, p.Type})
	}
	b, err := json.Marshal(j)
	return string(b), err
}

// unmarshalPieces reads the column pieces of a balance.
func unmarshalPieces(s string) ([]hop.Piece, error) {
	var pj []pieceJSON
	if err := json.Unmarshal([]byte(s), &pj); err != nil {
		return nil, fmt.Errorf("pieces: %w", err)
	}
	var ps []hop.Piece
	for _, p := range pj {
		ps = append(ps, hop.Piece{NomFichier: p.NomFichier, Format: p.Format, Type: p.Type})
	}
	return ps, nil
}

// soldeColumns are the columns scanSolde reads.
const soldeColumns = `s.id, s.depot_id, s.cree_le, s.num_ligne, d.numero_asp, s.numero_editeur, s.numero_facture, s.date_facture,
	s.montant_facture_ht_cents, s.date_mise_en_service, s.pieces`

func scanSolde(sc scanner) (segur.DemandeSolde, error) {
	var (
		s               segur.DemandeSolde
		df, dms, pieces string
	)
	if err := sc.Scan(&s.ID, &s.DepotID, &s.CreeLe, &s.NumLigne, &s.NumeroASP, &s.NumeroEditeur, &s.NumeroFacture, &df,
		&s.MontantFactureHTCents, &dms, &pieces); err != nil {
		return s, err
	}
	s.CreeLe = s.CreeLe.UTC()
	var err error
	if s.DateFacture, err = parseJour(df); err != nil {
		return s, err
	}
	if s.DateMiseEnService, err = parseJour(dms); err != nil {
		return s, err
	}
	s.Pieces, err = unmarshalPieces(pieces)
	return s, err
}

// FindSoldes returns the balances deposited on the request of ASP number
// asp, oldest first; the last one is the one instructed. None is an empty
// slice.
func (db *DB) FindSoldes(ctx context.Context, asp string) ([]segur.DemandeSolde, error) {
	return queryAll(ctx, db.r, scanSolde, "soldes", `SELECT `+soldeColumns+` FROM soldes s
		JOIN demandes d ON d.id = s.demande_id WHERE d.numero_asp = $1 ORDER BY s.id`, asp)
}
