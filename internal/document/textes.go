package document

import "fmt"

// The texts of the three documents. The clauses are the project's reading
// of the process (process.md, steps 2 to 5).

// refus writes the refusal notice.
func (l *lettre) refus() {
	d := l.d
	l.blocTitre()
	l.parties()
	l.para("Madame, Monsieur,")
	l.para(fmt.Sprintf("Votre demande de financement n° ASP %s (numéro éditeur %s), déposée au titre du programme Ségur numérique, couloir Hôpital, pour le logiciel %s (référencement ANS n° %s), a été instruite par l'%s. Elle est refusée pour le motif suivant :",
		d.NumeroASP, d.NumeroEditeur, l.logiciel(), d.NumeroAns, agence))
	l.encadre(d.Raison)
	l.beneficiaires("Établissements concernés")
	l.montants("Montants de la demande")
	l.section("Suites")
	l.para("Aucun financement n'est attribué au titre de cette demande : ni avance ni solde ne seront versés. Si le motif du refus peut être levé, vous pouvez déposer une nouvelle demande sur le portail Ségur numérique, avec un nouveau numéro éditeur.")
	l.recours()
	l.signature(serviceInstructeur)
}

// decision writes the décision attributive de financement.
func (l *lettre) decision() {
	d := l.d
	l.blocTitre()
	l.parties()
	l.para(fmt.Sprintf("L'%s,", agence))
	l.para(fmt.Sprintf("Vu la demande de financement n° ASP %s (numéro éditeur %s) déposée par %s (SIRET %s) au titre du programme Ségur numérique, couloir Hôpital, pour le logiciel %s référencé par l'Agence du numérique en santé (ANS) sous le n° %s ;",
		d.NumeroASP, d.NumeroEditeur, d.Fournisseur, d.SIRET, l.logiciel(), d.NumeroAns))
	l.para("Vu l'instruction de cette demande ;")
	l.fort("Décide :")

	l.section("Article 1 — Objet")
	l.para(fmt.Sprintf("Un financement de %s (%s) est attribué à %s (SIRET %s) pour la mise à niveau du logiciel %s (référencement ANS n° %s) chez les établissements bénéficiaires de l'article 2, au titre du programme Ségur numérique, couloir Hôpital.",
		euros(d.MontantFinance), EnLettres(d.MontantFinance), d.Fournisseur, d.SIRET, l.logiciel(), d.NumeroAns))
	l.beneficiaires("Article 2 — Établissements bénéficiaires")
	l.montants("Article 3 — Montant du financement")
	l.para(fmt.Sprintf("Le montant financé est un maximum : %s (%s), %s.", euros(d.MontantFinance), EnLettres(d.MontantFinance), d.RegimeTVA))

	l.section("Article 4 — Modalités de paiement")
	l.paiement("à la notification de la présente décision")
	l.section("Article 5 — Obligations du fournisseur")
	l.obligations()
	l.section("Article 6 — Contrôles a posteriori et reversement")
	l.controles()
	l.reversement()
	l.recours()
	l.signature(serviceInstructeur)
}

// convention writes the convention d'attribution, to be signed by the
// vendor before any payment.
func (l *lettre) convention() {
	d := l.d
	l.blocTitre()
	l.parties()
	l.para("Entre")
	l.para(fmt.Sprintf("l'%s (ASP), établissement public administratif de l'État, agissant pour le programme Ségur numérique, couloir Hôpital, ci-après « l'Agence », d'une part,", agence))
	l.para("et")
	l.para(fmt.Sprintf("%s, SIRET %s, éditeur du logiciel %s référencé par l'Agence du numérique en santé (ANS) sous le n° %s, ci-après « le fournisseur », d'autre part,",
		d.Fournisseur, d.SIRET, l.logiciel(), d.NumeroAns))
	l.para(fmt.Sprintf("vu le décret n° 2001-495 du 6 juin 2001 relatif à la transparence financière des aides octroyées par les personnes publiques, et la demande de financement n° ASP %s (numéro éditeur %s) du fournisseur, il est convenu ce qui suit.",
		d.NumeroASP, d.NumeroEditeur))

	l.section("Article 1 — Objet")
	l.para(fmt.Sprintf("La présente convention a pour objet l'attribution au fournisseur d'un financement de %s (%s), au titre du programme Ségur numérique, couloir Hôpital, pour la mise à niveau du logiciel %s (référencement ANS n° %s) chez les établissements bénéficiaires de l'article 2, et les conditions de son versement.",
		euros(d.MontantFinance), EnLettres(d.MontantFinance), l.logiciel(), d.NumeroAns))
	l.beneficiaires("Article 2 — Établissements bénéficiaires")
	l.montants("Article 3 — Montant du financement")
	l.para(fmt.Sprintf("Le montant financé est fixé à %s (%s), %s. C'est un maximum.", euros(d.MontantFinance), EnLettres(d.MontantFinance), d.RegimeTVA))

	l.section("Article 4 — Modalités de paiement")
	l.paiement("après la signature de la présente convention par le fournisseur (article 8)")
	l.section("Article 5 — Obligations du fournisseur")
	l.obligations()
	l.section("Article 6 — Contrôles a posteriori")
	l.controles()
	l.section("Article 7 — Reversement des sommes indûment perçues")
	l.reversement()

	l.section("Article 8 — Signature et entrée en vigueur")
	limite := d.Date.AddDate(0, 0, d.DelaiSignature)
	l.para(fmt.Sprintf("Le fournisseur signe la présente convention dans un délai de %d %s à compter du %s, soit au plus tard le %s, de l'une des deux manières suivantes :",
		d.DelaiSignature, pluriel("jour", uint64(d.DelaiSignature)), dateLongue(d.Date), dateLongue(limite)))
	l.liste(
		"électroniquement, dans son espace sur le portail Ségur numérique : l'acceptation est enregistrée avec l'identité de la personne qui signe pour le fournisseur, la date et l'heure, l'adresse (IP) depuis laquelle elle signe, et l'empreinte SHA-256 du présent document tel que le portail le met à disposition ;",
		"ou en déposant sur le portail le présent document signé, au format PDF.",
	)
	l.para("La convention entre en vigueur à la date de sa signature par le fournisseur ; aucun paiement n'est fait avant. Sans signature dans ce délai, l'offre de financement est retirée et la demande est close.")
	l.signatures()
}

// logiciel writes the software type with its label: « DPI (Dossier
// patient informatisé) ».
func (l *lettre) logiciel() string {
	return fmt.Sprintf("%s (%s)", l.d.Logiciel, LibelleLogiciel(l.d.Logiciel))
}

// paiement writes the payment terms: the advance when, the balance on
// proof of delivery.
func (l *lettre) paiement(quand string) {
	d := l.d
	l.para("Le financement est versé en deux fois :")
	l.liste(
		fmt.Sprintf("une avance de 30 %% du montant financé, soit %s (%s), versée %s ;", euros(d.Avance), EnLettres(d.Avance), quand),
		fmt.Sprintf("le solde, au plus %s (%s), versé sur justification de la livraison de la prestation : la facture adressée à l'établissement client, et le procès-verbal de vérification de service régulier (PV de VSR) signé par le client, déposés sur le portail avec la demande de solde.", euros(d.SoldeMax), EnLettres(d.SoldeMax)),
	)
	l.para("Le solde est égal au plus petit du montant financé et du montant facturé, sur la même base (HT ou TTC), diminué de l'avance. Un solde négatif n'est pas versé : la différence est reversée à l'Agence. Une facture de 0 € est refusée. Les paiements sont faits par virement sur le compte bancaire que le fournisseur a déclaré sur le portail ; chacun fait l'objet d'un avis de paiement.")
}

// obligations writes the vendor's obligations.
func (l *lettre) obligations() {
	l.para("Le fournisseur s'engage à :")
	l.liste(
		fmt.Sprintf("livrer la prestation Ségur à chaque établissement bénéficiaire, conformément aux exigences du référencement ANS n° %s ;", l.d.NumeroAns),
		"déposer sur le portail, avec la demande de solde, la facture et le PV de VSR signé par chaque établissement client ;",
		"conserver les pièces justificatives de la prestation et de sa facturation, et les tenir à la disposition de l'Agence pour ses contrôles ;",
		"informer sans délai l'Agence de tout changement de sa situation (raison sociale, SIRET, coordonnées bancaires) et de toute difficulté à livrer la prestation ;",
		"ne pas demander un second financement pour un même établissement et un même type de logiciel ;",
		"faire des déclarations sincères et exactes.",
	)
}

// controles writes the controls a posteriori.
func (l *lettre) controles() {
	l.para("Après paiement, l'Agence peut contrôler toute demande financée, tirée au hasard ou choisie. Elle demande alors au fournisseur les pièces utiles (bon de commande, facture, PV de VSR, tout justificatif de la livraison), qu'il transmet dans le délai qu'elle fixe ; elle peut aussi interroger les établissements bénéficiaires. Le résultat du contrôle est notifié au fournisseur.")
}

// reversement writes the recovery of sums unduly paid.
func (l *lettre) reversement() {
	l.para("Toute somme versée sans être due est reversée à l'Agence : prestation non livrée ou non conforme, pièces inexactes ou non transmises lors d'un contrôle, double financement d'un établissement, ou avance supérieure au solde calculé. L'Agence émet un ordre de reversement qui indique le montant et le délai de paiement ; à défaut de paiement dans ce délai, elle en poursuit le recouvrement par toute voie de droit.")
}

// signatures writes the convention's two signing blocks.
func (l *lettre) signatures() {
	l.ajouter(bloc{genre: blocSignatures, items: []string{fmt.Sprintf("Pour l'%s, %s", agence, serviceInstructeur), "Le " + dateLongue(l.d.Date) + "."},
		autre: l.d.Fournisseur})
}
