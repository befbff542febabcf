-- The accessible HTML version of every document the agency issues (issue
-- 17): the same text as its PDF, stored beside it as a blob, referenced by
-- its SHA-256 in the row of its PDF, written in the same transaction.
-- NULL for a document issued before this migration, which has no HTML
-- version, and for the convention as the vendor signed it (a file of the
-- vendor's). Same columns and constraints as ../postgres/0016_documents_html.sql.
--
-- Adding a nullable column rewrites no row: the tables' append-only
-- triggers (on UPDATE and DELETE) are not fired and stay as they are.
ALTER TABLE documents ADD COLUMN html_sha256 TEXT CHECK (length(html_sha256) = 64);
ALTER TABLE avis_paiement ADD COLUMN html_sha256 TEXT CHECK (length(html_sha256) = 64);

-- The history records it beside the PDF's SHA-256 (document_sha256).
ALTER TABLE demande_historique ADD COLUMN document_html_sha256 TEXT CHECK (length(document_html_sha256) = 64);
