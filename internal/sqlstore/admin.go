package sqlstore

import (
	"context"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// suffixed is a scanner that hands its caller's destinations, then tail,
// to s: it lets a query add columns after those of a table's scan function.
type suffixed struct {
	s    scanner
	tail []any
}

func (p suffixed) Scan(dest ...any) error {
	return p.s.Scan(append(dest[:len(dest):len(dest)], p.tail...)...)
}

// FindFournisseursResumes returns every vendor with the number of its ANS
// numbers and of its users, in enrolment order.
func (db *DB) FindFournisseursResumes(ctx context.Context) ([]segur.FournisseurResume, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.FournisseurResume, error) {
		var r segur.FournisseurResume
		f, err := scanFournisseur(suffixed{s, []any{&r.Produits, &r.Utilisateurs}})
		r.Fournisseur = f
		return r, err
	}, "fournisseurs",
		`SELECT f.id, f.siret, f.nom, f.email, f.iban, f.bic, f.cree_le, f.suspendu_le,
			(SELECT count(*) FROM produits p WHERE p.fournisseur_id = f.id),
			(SELECT count(*) FROM utilisateurs u WHERE u.fournisseur_id = f.id)
		FROM fournisseurs f ORDER BY f.id`)
}

// scanUtilisateurPlus reads utilisateurColumns, then the columns of more.
func scanUtilisateurPlus(s scanner, more ...any) (segur.Utilisateur, error) {
	return scanUtilisateur(suffixed{s, more})
}

// FindUtilisateurs returns the users, by login, and how many there are in
// all. limit <= 0 means no limit.
func (db *DB) FindUtilisateurs(ctx context.Context, limit, offset int) ([]segur.Utilisateur, int, error) {
	return queryPage(ctx, db, scanUtilisateurPlus, "utilisateurs",
		`SELECT `+utilisateurColumns+`, count(*) OVER () FROM utilisateurs ORDER BY login`,
		`SELECT count(*) FROM utilisateurs`, limit, offset)
}

// FindUtilisateursDuFournisseur returns the users of vendor id, by login;
// none for an unknown vendor.
func (db *DB) FindUtilisateursDuFournisseur(ctx context.Context, id segur.FournisseurID) ([]segur.Utilisateur, error) {
	return queryAll(ctx, db.r, scanUtilisateur, "utilisateurs",
		`SELECT `+utilisateurColumns+` FROM utilisateurs WHERE fournisseur_id = $1 ORDER BY login`, int64(id))
}

// FindReferenceVersions returns the imports of the reference of
// establishments, the latest first: the one that applies.
func (db *DB) FindReferenceVersions(ctx context.Context) ([]segur.ReferenceVersion, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.ReferenceVersion, error) {
		var v segur.ReferenceVersion
		err := s.Scan(&v.ID, &v.ImporteLe, &v.Par, &v.Nombre)
		v.ImporteLe = v.ImporteLe.UTC()
		return v, err
	}, "reference_versions", `SELECT id, importe_le, par, nombre FROM reference_versions ORDER BY id DESC`)
}

// FindEtablissements returns the establishments of version of the
// reference whose FINESS starts with finess (every one when empty), by
// FINESS, and how many there are in all. limit <= 0 means no limit.
func (db *DB) FindEtablissements(ctx context.Context, version int64, finess string, limit, offset int) ([]segur.Etablissement, int, error) {
	// LIKE with an escape character: the prefix is matched as written.
	motif := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(finess) + "%"
	return queryPage(ctx, db, func(s scanner, more ...any) (segur.Etablissement, error) {
		var (
			e            segur.Etablissement
			ri, dpi, pfi int64
		)
		err := s.Scan(append([]any{&e.FINESSPMSI, &e.Nom, &ri, &dpi, &pfi}, more...)...)
		e.Plafonds = map[hop.Logiciel]int64{hop.LogicielRI: ri, hop.LogicielDPI: dpi, hop.LogicielPFI: pfi}
		return e, err
	}, "reference_etablissements",
		`SELECT finess, nom, plafond_ri, plafond_dpi, plafond_pfi, count(*) OVER () FROM reference_etablissements
		WHERE version_id = $1 AND finess LIKE $2 ESCAPE '\' ORDER BY finess`,
		`SELECT count(*) FROM reference_etablissements WHERE version_id = $1 AND finess LIKE $2 ESCAPE '\'`,
		limit, offset, version, motif)
}
