-- The reference of eligible establishments, versioned: each import is a
-- new version, the latest one applies, the older ones stay for the record.
CREATE TABLE reference_versions (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	importe_le timestamptz NOT NULL,
	par        TEXT NOT NULL,
	nombre     INTEGER NOT NULL
);
CREATE TABLE reference_etablissements (
	version_id  bigint NOT NULL REFERENCES reference_versions (id),
	finess      TEXT NOT NULL,
	nom         TEXT NOT NULL,
	plafond_ri  bigint NOT NULL,
	plafond_dpi bigint NOT NULL,
	plafond_pfi bigint NOT NULL,
	PRIMARY KEY (version_id, finess)
);
