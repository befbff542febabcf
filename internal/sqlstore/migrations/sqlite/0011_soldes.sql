-- Balance requests (issue 7). The balance a validation computed:
-- min(amount financed, invoice) − advance, to pay, or to recover when
-- negative (process.md, Amounts).
ALTER TABLE demandes ADD COLUMN solde_a_payer_cents INTEGER CHECK (solde_a_payer_cents >= 0);
ALTER TABLE demandes ADD COLUMN solde_a_recouvrer_cents INTEGER CHECK (solde_a_recouvrer_cents >= 0);
