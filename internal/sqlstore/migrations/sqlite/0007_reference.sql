-- The reference of eligible establishments, versioned: each import is a
-- new version, the latest one applies, the older ones stay for the record.
CREATE TABLE reference_versions (
	id         INTEGER PRIMARY KEY,
	importe_le TIMESTAMP NOT NULL,
	par        TEXT NOT NULL,
	nombre     INTEGER NOT NULL
);
CREATE TABLE reference_etablissements (
	version_id  INTEGER NOT NULL REFERENCES reference_versions (id),
	finess      TEXT NOT NULL,
	nom         TEXT NOT NULL,
	plafond_ri  INTEGER NOT NULL,
	plafond_dpi INTEGER NOT NULL,
	plafond_pfi INTEGER NOT NULL,
	PRIMARY KEY (version_id, finess)
);
