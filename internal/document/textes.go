package document

import "fmt"

// The texts of the three documents. The clauses are the project's reading
// of the process (process.md, steps 2 to 5).

// refus writes the refusal notice.
func (p *page) refus() {
	d := p.d
	p.blocTitre()
	p.parties()
	p.para("Madame, Monsieur,")
	p.para(fmt.Sprintf("Votre demande de financement n° ASP %s (numéro éditeur %s), déposée au titre du programme Ségur numérique, couloir Hôpital, pour le logiciel %s (référencement ANS n° %s), a été instruite par l'%s. Elle est refusée pour le motif suivant :",
		d.NumeroASP, d.NumeroEditeur, p.logiciel(), d.NumeroAns, agence))
	p.encadre(d.Raison)
	p.beneficiaires("Établissements concernés")
	p.montants("Montants de la demande")
	p.section("Suites")
	p.para("Aucun financement n'est attribué au titre de cette demande : ni avance ni solde ne seront versés. Si le motif du refus peut être levé, vous pouvez déposer une nouvelle demande sur le portail Ségur numérique, avec un nouveau numéro éditeur.")
	p.recours()
	p.signatureAgence()
}

// decision writes the décision attributive de financement.
func (p *page) decision() {
	d := p.d
	p.blocTitre()
	p.parties()
	p.para(fmt.Sprintf("L'%s,", agence))
	p.para(fmt.Sprintf("Vu la demande de financement n° ASP %s (numéro éditeur %s) déposée par %s (SIRET %s) au titre du programme Ségur numérique, couloir Hôpital, pour le logiciel %s référencé par l'Agence du numérique en santé (ANS) sous le n° %s ;",
		d.NumeroASP, d.NumeroEditeur, d.Fournisseur, d.SIRET, p.logiciel(), d.NumeroAns))
	p.para("Vu l'instruction de cette demande ;")
	p.pdf.SetFont("Helvetica", "B", 10)
	p.pdf.CellFormat(largeur, interl, p.txt("Décide :"), "", 1, "L", false, 0, "")
	p.pdf.Ln(1)

	p.section("Article 1 — Objet")
	p.para(fmt.Sprintf("Un financement de %s (%s) est attribué à %s (SIRET %s) pour la mise à niveau du logiciel %s (référencement ANS n° %s) chez les établissements bénéficiaires de l'article 2, au titre du programme Ségur numérique, couloir Hôpital.",
		euros(d.MontantFinance), EnLettres(d.MontantFinance), d.Fournisseur, d.SIRET, p.logiciel(), d.NumeroAns))
	p.beneficiaires("Article 2 — Établissements bénéficiaires")
	p.montants("Article 3 — Montant du financement")
	p.para(fmt.Sprintf("Le montant financé est un maximum : %s (%s), %s.", euros(d.MontantFinance), EnLettres(d.MontantFinance), d.RegimeTVA))

	p.section("Article 4 — Modalités de paiement")
	p.paiement("à la notification de la présente décision")
	p.section("Article 5 — Obligations du fournisseur")
	p.obligations()
	p.section("Article 6 — Contrôles a posteriori et reversement")
	p.controles()
	p.reversement()
	p.recours()
	p.signatureAgence()
}

// convention writes the convention d'attribution, to be signed by the
// vendor before any payment.
func (p *page) convention() {
	d := p.d
	p.blocTitre()
	p.parties()
	p.para("Entre")
	p.para(fmt.Sprintf("l'%s (ASP), établissement public administratif de l'État, agissant pour le programme Ségur numérique, couloir Hôpital, ci-après « l'Agence », d'une part,", agence))
	p.para("et")
	p.para(fmt.Sprintf("%s, SIRET %s, éditeur du logiciel %s référencé par l'Agence du numérique en santé (ANS) sous le n° %s, ci-après « le fournisseur », d'autre part,",
		d.Fournisseur, d.SIRET, p.logiciel(), d.NumeroAns))
	p.para(fmt.Sprintf("vu le décret n° 2001-495 du 6 juin 2001 relatif à la transparence financière des aides octroyées par les personnes publiques, et la demande de financement n° ASP %s (numéro éditeur %s) du fournisseur, il est convenu ce qui suit.",
		d.NumeroASP, d.NumeroEditeur))

	p.section("Article 1 — Objet")
	p.para(fmt.Sprintf("La présente convention a pour objet l'attribution au fournisseur d'un financement de %s (%s), au titre du programme Ségur numérique, couloir Hôpital, pour la mise à niveau du logiciel %s (référencement ANS n° %s) chez les établissements bénéficiaires de l'article 2, et les conditions de son versement.",
		euros(d.MontantFinance), EnLettres(d.MontantFinance), p.logiciel(), d.NumeroAns))
	p.beneficiaires("Article 2 — Établissements bénéficiaires")
	p.montants("Article 3 — Montant du financement")
	p.para(fmt.Sprintf("Le montant financé est fixé à %s (%s), %s. C'est un maximum.", euros(d.MontantFinance), EnLettres(d.MontantFinance), d.RegimeTVA))

	p.section("Article 4 — Modalités de paiement")
	p.paiement("après la signature de la présente convention par le fournisseur (article 8)")
	p.section("Article 5 — Obligations du fournisseur")
	p.obligations()
	p.section("Article 6 — Contrôles a posteriori")
	p.controles()
	p.section("Article 7 — Reversement des sommes indûment perçues")
	p.reversement()

	p.section("Article 8 — Signature et entrée en vigueur")
	limite := d.Date.AddDate(0, 0, d.DelaiSignature)
	p.para(fmt.Sprintf("Le fournisseur signe la présente convention dans un délai de %d %s à compter du %s, soit au plus tard le %s, de l'une des deux manières suivantes :",
		d.DelaiSignature, pluriel("jour", uint64(d.DelaiSignature)), dateLongue(d.Date), dateLongue(limite)))
	p.liste(
		"électroniquement, dans son espace sur le portail Ségur numérique : l'acceptation est enregistrée avec l'identité de la personne qui signe pour le fournisseur, la date et l'heure, l'adresse (IP) depuis laquelle elle signe, et l'empreinte SHA-256 du présent document tel que le portail le met à disposition ;",
		"ou en déposant sur le portail le présent document signé, au format PDF.",
	)
	p.para("La convention entre en vigueur à la date de sa signature par le fournisseur ; aucun paiement n'est fait avant. Sans signature dans ce délai, l'offre de financement est retirée et la demande est close.")
	p.signatures()
}

// logiciel writes the software type with its label: « DPI (Dossier
// patient informatisé) ».
func (p *page) logiciel() string {
	return fmt.Sprintf("%s (%s)", p.d.Logiciel, LibelleLogiciel(p.d.Logiciel))
}

// paiement writes the payment terms: the advance when, the balance on
// proof of delivery.
func (p *page) paiement(quand string) {
	d := p.d
	p.para("Le financement est versé en deux fois :")
	p.liste(
		fmt.Sprintf("une avance de 30 %% du montant financé, soit %s (%s), versée %s ;", euros(d.Avance), EnLettres(d.Avance), quand),
		fmt.Sprintf("le solde, au plus %s (%s), versé sur justification de la livraison de la prestation : la facture adressée à l'établissement client, et le procès-verbal de vérification de service régulier (PV de VSR) signé par le client, déposés sur le portail avec la demande de solde.", euros(d.SoldeMax), EnLettres(d.SoldeMax)),
	)
	p.para("Le solde est égal au plus petit du montant financé et du montant facturé, sur la même base (HT ou TTC), diminué de l'avance. Un solde négatif n'est pas versé : la différence est reversée à l'Agence. Une facture de 0 € est refusée. Les paiements sont faits par virement sur le compte bancaire que le fournisseur a déclaré sur le portail ; chacun fait l'objet d'un avis de paiement.")
}

// obligations writes the vendor's obligations.
func (p *page) obligations() {
	p.para("Le fournisseur s'engage à :")
	p.liste(
		fmt.Sprintf("livrer la prestation Ségur à chaque établissement bénéficiaire, conformément aux exigences du référencement ANS n° %s ;", p.d.NumeroAns),
		"déposer sur le portail, avec la demande de solde, la facture et le PV de VSR signé par chaque établissement client ;",
		"conserver les pièces justificatives de la prestation et de sa facturation, et les tenir à la disposition de l'Agence pour ses contrôles ;",
		"informer sans délai l'Agence de tout changement de sa situation (raison sociale, SIRET, coordonnées bancaires) et de toute difficulté à livrer la prestation ;",
		"ne pas demander un second financement pour un même établissement et un même type de logiciel ;",
		"faire des déclarations sincères et exactes.",
	)
}

// controles writes the controls a posteriori.
func (p *page) controles() {
	p.para("Après paiement, l'Agence peut contrôler toute demande financée, tirée au hasard ou choisie. Elle demande alors au fournisseur les pièces utiles (bon de commande, facture, PV de VSR, tout justificatif de la livraison), qu'il transmet dans le délai qu'elle fixe ; elle peut aussi interroger les établissements bénéficiaires. Le résultat du contrôle est notifié au fournisseur.")
}

// reversement writes the recovery of sums unduly paid.
func (p *page) reversement() {
	p.para("Toute somme versée sans être due est reversée à l'Agence : prestation non livrée ou non conforme, pièces inexactes ou non transmises lors d'un contrôle, double financement d'un établissement, ou avance supérieure au solde calculé. L'Agence émet un ordre de reversement qui indique le montant et le délai de paiement ; à défaut de paiement dans ce délai, elle en poursuit le recouvrement par toute voie de droit.")
}

// signatures writes the convention's two signing blocks.
func (p *page) signatures() {
	pdf, d := p.pdf, p.d
	p.garder(50)
	pdf.Ln(4)
	y := pdf.GetY()
	w := largeur/2 - 5
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(w, interl, p.txt(fmt.Sprintf("Pour l'%s", agence)), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(w, interl, p.txt(fmt.Sprintf("Le %s,\n%s", dateLongue(d.Date), d.Agent)), "", "L", false)
	yGauche := pdf.GetY()

	pdf.SetXY(marge+largeur/2+5, y)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(w, interl, p.txt("Pour le fournisseur, "+d.Fournisseur), "", "L", false)
	pdf.SetX(marge + largeur/2 + 5)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(w, interl, p.txt("Nom, qualité, date et signature :"), "", "L", false)
	pdf.Rect(marge+largeur/2+5, pdf.GetY()+1, w, 25, "D")
	pdf.SetY(max(yGauche, pdf.GetY()+27))
}
