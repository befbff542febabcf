package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/agence"
)

func init() {
	morePages = append(morePages, "confirmation.html")
}

// PageConfirmation is the confirmation step of an irreversible action: what
// will happen, then the same form again with confirmer=1. It works without
// JavaScript: the action's form posts here first.
type PageConfirmation struct {
	Base
	// Cible is where the form posts; Champs the fields it posts again.
	Cible  string
	Champs []ChampCache
	// Annuler leads back to the page the action was taken from.
	Annuler string
	// Points say what will happen, one sentence each; Raison is the
	// reason as typed (TitreRaison names it, « Raison, telle que saisie »
	// when empty), Calcul how an amount was computed.
	Points      []string
	Raison      string
	TitreRaison string
	Calcul      string
	// Lignes are a batch's requests or payments, Total their amount.
	Legende string
	Lignes  []LigneConfirmation
	Total   string
	// Possible is false when nothing would be done: no « Confirmer ».
	Possible bool
}

// ChampCache is a field the confirmation posts again as it was typed.
type ChampCache struct {
	Nom, Valeur string
}

// LigneConfirmation is one request of a batch to confirm: its status now,
// then what it becomes (or why it will not move) and its amount.
type LigneConfirmation struct {
	NumeroASP, Statut, Vers, Refus, Montant string
}

// confirme reports whether the form posted is the confirmed one.
func confirme(r *http.Request) bool { return r.PostFormValue("confirmer") == "1" }

// confirmationRequise reports whether action a goes through a confirmation
// step: every action that issues a document, mails the vendor or turns
// the request down; taking a request in only records its agent.
func confirmationRequise(a segur.Action) bool {
	return a != segur.ActionPrendre && a != segur.ActionPrendreSolde
}

// raisonRequise reports whether action a needs a reason in some status:
// a batch of it is refused whole without one.
func raisonRequise(a segur.Action) bool {
	for _, st := range segur.Statuts(nil) {
		if segur.RaisonRequise(st, a) {
			return true
		}
	}
	return false
}

// phraseDocument says what document t issued by a change means for the
// vendor, with the programme's threshold and signing period.
func (s *Server) phraseDocument(t segur.TypeDocument) string {
	seuil := segur.Euros(s.Instruction.Programme.SeuilConvention)
	switch t {
	case segur.DocumentRefus:
		return "Une notification de refus sera envoyée au fournisseur (PDF joint au courriel, et dans son espace)."
	case segur.DocumentDecision:
		return "Une décision attributive de financement sera émise et envoyée au fournisseur : le montant financé ne dépasse pas le seuil de " + seuil + "."
	case segur.DocumentConvention:
		return "Une convention d'attribution sera émise et envoyée au fournisseur pour signature : le montant financé dépasse le seuil de " +
			seuil + " ; il a " + strconv.Itoa(s.Instruction.DelaiSignature) + " jours pour la signer."
	case segur.DocumentReversement:
		return "Un ordre de reversement sera émis et envoyé au fournisseur."
	}
	return ""
}

// confirmerAction shows what action a on one request will do, as ap
// foresees it.
func (s *Server) confirmerAction(w http.ResponseWriter, r *http.Request, a agence.Acte, ap agence.Apercu) {
	d := ap.Demande
	retour := "/agence/demandes/" + url.PathEscape(d.NumeroASP)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : " + minuscule(a.Action.Libelle()) + " de la demande " + d.NumeroASP, Nav: "file",
		Utilisateur: utilisateur(r.Context())},
		Cible: retour + "/actions", Annuler: retour, Raison: ap.Changement.Raison, Possible: true,
		Champs: []ChampCache{{"action", string(a.Action)}, {"raison", a.Raison}}}
	if ap.MontantFinance > 0 {
		quand := "la décision notifiée"
		if ap.Document == segur.DocumentConvention {
			quand = "la convention signée"
		}
		p.Points = append(p.Points, "Montant financé : "+segur.Euros(ap.MontantFinance)+" ; avance de 30 % : "+segur.Euros(ap.Avance)+", payable une fois "+quand+".")
		p.Calcul = ap.Calcul
	}
	if ap.CalculSolde != "" {
		p.Calcul = ap.CalculSolde
	}
	if ph := s.phraseDocument(ap.Document); ph != "" {
		p.Points = append(p.Points, ph)
	} else if ap.Courriel {
		p.Points = append(p.Points, "Le fournisseur en sera informé par courriel.")
	}
	p.Points = append(p.Points, "Statut de la demande : «\u00a0"+ap.Changement.De.Libelle()+"\u00a0» deviendra «\u00a0"+ap.Changement.Vers.Libelle()+"\u00a0».")
	s.render(w, http.StatusOK, "confirmation.html", p)
}

// minuscule lowers the first letter of a label, to use it within a
// sentence.
func minuscule(libelle string) string {
	if libelle == "" {
		return ""
	}
	return strings.ToLower(libelle[:1]) + libelle[1:]
}

// refusLotSansRaison shows the queue retour again, the batch's choices
// kept, with the missing reason of action a beside its field (422).
func (s *Server) refusLotSansRaison(w http.ResponseWriter, r *http.Request, retour string, asps []string, a segur.Action) error {
	u, err := url.Parse(retour)
	if err != nil {
		u = &url.URL{Path: "/agence/demandes"}
	}
	r2 := r.Clone(r.Context())
	r2.URL = u
	p := PageFile{Choisies: map[string]bool{}, LotAction: string(a)}
	for _, asp := range asps {
		p.Choisies[asp] = true
	}
	msg := "Raison : obligatoire pour « " + a.Info().Bouton + " » ; rien n'a été fait, aucune des " + strconv.Itoa(len(asps)) + " demandes choisies n'a changé."
	if len(asps) == 1 {
		msg = "Raison : obligatoire pour « " + a.Info().Bouton + " » ; rien n'a été fait, la demande choisie n'a pas changé."
	}
	return s.renderFile(w, r2, http.StatusUnprocessableEntity, []ErreurChamp{{Champ: "lot-raison", Message: msg}}, p)
}

// confirmerLot shows what action a will do to each request of asps, the
// amounts financed and their total.
func (s *Server) confirmerLot(w http.ResponseWriter, r *http.Request, retour string, asps []string, a agence.Acte) error {
	ctx := r.Context()
	p := PageConfirmation{Base: Base{Titre: "Confirmer : " + minuscule(a.Action.Libelle()) + " de " + nDemandes(len(asps)), Nav: "file",
		Utilisateur: utilisateur(ctx)},
		Cible: "/agence/demandes/lot", Annuler: retour, Raison: strings.TrimSpace(a.Raison), Legende: "Demandes choisies",
		Champs: []ChampCache{{"action", string(a.Action)}, {"raison", a.Raison}, {"retour", retour}}}
	var total int64
	var ok int
	docs := map[segur.TypeDocument]int{}
	for _, asp := range asps {
		l := LigneConfirmation{NumeroASP: asp}
		ap, err := s.Instruction.PrevoirLot(ctx, asp, a)
		var se *segur.Error
		switch {
		case err == nil:
			ok++
			p.Champs = append(p.Champs, ChampCache{"asp", asp})
			l.Statut, l.Vers = ap.Changement.De.Libelle(), ap.Changement.Vers.Libelle()
			if ap.MontantFinance > 0 {
				l.Montant = segur.Euros(ap.MontantFinance)
				total += ap.MontantFinance
			}
			docs[ap.Document]++
		case errors.As(err, &se) && se.Code != segur.EINTERNAL:
			l.Refus = phraseFR(se.Message)
			if ap.Demande != nil {
				l.Statut = ap.Demande.Statut.Libelle()
			}
		default:
			return err
		}
		p.Lignes = append(p.Lignes, l)
	}
	p.Possible = ok > 0
	switch {
	case ok == 0:
		p.Points = append(p.Points, "Aucune des demandes choisies ne peut recevoir cette action : rien ne sera fait.")
	case ok < len(asps):
		p.Points = append(p.Points, nDemandes(ok)+" sur "+strconv.Itoa(len(asps))+" changer"+ont(ok)+" de statut ; les autres ne changeront pas, pour la raison donnée.")
	case ok == 1:
		p.Points = append(p.Points, "La demande changera de statut.")
	default:
		p.Points = append(p.Points, "Les "+nDemandes(ok)+" changeront de statut.")
	}
	if total > 0 {
		p.Total = segur.Euros(total)
		p.Points = append(p.Points, "Montant financé en tout : "+p.Total+".")
	}
	var emis []string
	for _, t := range []struct {
		typ           segur.TypeDocument
		un, plusieurs string
	}{
		{segur.DocumentDecision, "décision attributive de financement", "décisions attributives de financement"},
		{segur.DocumentConvention, "convention d'attribution (au-delà du seuil de " + segur.Euros(s.Instruction.Programme.SeuilConvention) +
			", à signer sous " + strconv.Itoa(s.Instruction.DelaiSignature) + " jours)", "conventions d'attribution (au-delà du seuil de " +
			segur.Euros(s.Instruction.Programme.SeuilConvention) + ", à signer sous " + strconv.Itoa(s.Instruction.DelaiSignature) + " jours)"},
		{segur.DocumentRefus, "notification de refus", "notifications de refus"},
	} {
		switch n := docs[t.typ]; {
		case n == 1:
			emis = append(emis, "1 "+t.un)
		case n > 1:
			emis = append(emis, strconv.Itoa(n)+" "+t.plusieurs)
		}
	}
	if len(emis) > 0 {
		p.Points = append(p.Points, "Envoyées aux fournisseurs, par courriel et dans leur espace : "+strings.Join(emis, ", ")+".")
	}
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// nDemandes counts requests: « 1 demande », « 3 demandes ».
func nDemandes(n int) string { return segur.Pluriel(n, "demande", "demandes") }

// ont is the plural ending of a verb in the future: « changera »,
// « changeront ».
func ont(n int) string {
	if n > 1 {
		return "ont"
	}
	return "a"
}

// confirmerLotPaiement shows what action (approuver, annuler, payer on
// day le, AAAA-MM-JJ) will do to payment batch id: its count and total.
// An action its state no longer allows is refused on the batch's page.
func (s *Server) confirmerLotPaiement(w http.ResponseWriter, r *http.Request, id segur.LotID, action, le string) error {
	l, err := s.Store.FindLot(r.Context(), id)
	if err != nil {
		return err
	}
	retour := "/agence/paiements/lots/" + strconv.FormatInt(int64(id), 10)
	attendu := segur.LotBrouillon
	if action == "payer" {
		attendu = segur.LotApprouve
	}
	if l.Etat != attendu {
		return s.refusLot(w, r, segur.Errorf(segur.ECONFLICT, "lot %s « %s » : cette action n'est plus possible", l.Reference(), l.Etat.Libelle()), "", "")
	}
	if action == "approuver" {
		// Its preparer is refused at once, with the domain's message,
		// rather than after confirming; the deciders are checked on
		// confirmation, in the approval's transaction.
		apercu := *l
		if err := apercu.Approuver(utilisateur(r.Context()).Login, nil, s.Now()); err != nil {
			return s.refusLot(w, r, err, "", "")
		}
	}
	fournisseurs := map[segur.FournisseurID]bool{}
	for _, p := range l.Paiements {
		fournisseurs[p.FournisseurID] = true
	}
	paiements := segur.Pluriel(l.Nombre, "paiement", "paiements") + ", " + segur.Euros(l.Montant) + " en tout"
	p := PageConfirmation{Base: Base{Nav: "paiements", Utilisateur: utilisateur(r.Context())}, Cible: retour + "/" + action, Annuler: retour,
		Possible: true, Total: segur.Euros(l.Montant)}
	switch action {
	case "approuver":
		p.Titre = "Confirmer : approbation du lot " + l.Reference()
		p.Points = []string{"Le lot " + l.Reference() + " sera approuvé : " + paiements + ", " + segur.Pluriel(len(fournisseurs), "virement", "virements") + " (un par fournisseur).",
			"Une fois approuvé, le lot ne s'annule plus : son virement SEPA devient téléchargeable, à remettre à la banque.",
			"Séparation des tâches : vous ne devez avoir décidé aucune des demandes du lot, sinon l'approbation sera refusée ; " + l.CreePar + ", qui l'a préparé, ne peut pas l'approuver."}
	case "annuler":
		p.Titre = "Confirmer : annulation du lot " + l.Reference()
		p.Points = []string{"Le lot " + l.Reference() + " sera annulé : ses " + paiements + " redeviennent dus, à mettre dans un autre lot.",
			"Les demandes gardent leur statut ; leurs paiements reparaissent parmi les « Paiements dus ».",
			"Un lot annulé ne se rétablit pas."}
	case "payer":
		t, _ := time.ParseInLocation("2006-01-02", le, s.Paris)
		p.Titre = "Confirmer : paiement du lot " + l.Reference()
		p.Champs = []ChampCache{{"le", le}}
		p.Points = []string{"Le lot " + l.Reference() + " sera marqué payé, virement du " + t.Format("02/01/2006") + " : " + paiements + ".",
			"Chaque demande passe à « Avance payée » ou « Soldée », et chaque fournisseur reçoit son avis de paiement par courriel : ce marquage ne se défait pas."}
	}
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// confirmerRevocation shows what revoking API token j will do: programs
// using it are refused at once, and it cannot be restored.
func (s *Server) confirmerRevocation(w http.ResponseWriter, r *http.Request, j segur.Jeton) {
	nom := j.Prefixe + "…"
	p := PageConfirmation{Base: Base{Titre: "Confirmer : révocation du jeton " + nom, Nav: "compte", Utilisateur: utilisateur(r.Context())},
		Cible: "/compte/jetons/" + strconv.FormatInt(int64(j.ID), 10) + "/revoquer", Annuler: "/compte", Possible: j.RevoqueLe.IsZero()}
	usage := "jamais utilisé"
	if !j.DernierUsage.IsZero() {
		usage = "dernier usage le " + s.date(j.DernierUsage)
	}
	if !p.Possible {
		p.Points = []string{"Le jeton " + nom + ", créé le " + s.date(j.CreeLe) + ", est déjà révoqué depuis le " + s.date(j.RevoqueLe) + " : rien ne sera fait."}
		s.render(w, http.StatusOK, "confirmation.html", p)
		return
	}
	echec := "leurs dépôts et leurs consultations échoueront."
	if j.FournisseurID == 0 {
		echec = "leurs lectures échoueront." // an agent's token reads only
	}
	p.Points = []string{"Le jeton " + nom + ", créé le " + s.date(j.CreeLe) + " (" + usage + "), sera révoqué.",
		"Les logiciels qui l'utilisent seront refusés aussitôt par l'API (réponse 401) : " + echec,
		"Un jeton révoqué ne se rétablit pas : créez-en un autre et mettez-le dans vos logiciels."}
	s.render(w, http.StatusOK, "confirmation.html", p)
}

// confirmerConclusion shows what outcome form (its result, reason and
// amount as typed) will do to a control, as ap foresees it: the request,
// what was paid on it and, when not compliant, the order of recovery and
// its amount.
func (s *Server) confirmerConclusion(w http.ResponseWriter, r *http.Request, ap agence.ApercuConclusion, form PageControle) error {
	ctx := r.Context()
	c, d := ap.Controle, ap.Demande
	f, err := s.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return err
	}
	retour := "/agence/controles/" + strconv.FormatInt(int64(c.ID), 10)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : contrôle " + c.Reference() + " " + minuscule(c.Etat.Libelle()), Nav: "controles", Utilisateur: utilisateur(ctx)},
		Cible: retour + "/conclusion", Annuler: retour, Raison: c.Motif, TitreRaison: "Motif, tel que saisi", Possible: true,
		Champs: []ChampCache{{"resultat", form.Resultat}, {"motif", form.Motif}, {"montant", form.Montant}}}
	quoi := "Le contrôle " + c.Reference() + " de la demande " + d.NumeroASP + " (" + f.Nom + ", SIRET " + f.SIRET + ") sera clos : "
	verse := "Versé sur la demande : " + segur.Euros(ap.Avance+ap.Solde) + " (avance " + segur.Euros(ap.Avance) + ", solde " + segur.Euros(ap.Solde) + ")."
	if c.Etat == segur.ControleConforme {
		p.Points = []string{quoi + "demande conforme, sans suite.", verse + " Rien ne sera à reverser.",
			"Le fournisseur en sera informé par courriel ; la demande garde son statut «\u00a0" + d.Statut.Libelle() + "\u00a0».",
			"Le résultat enregistré ne se modifie plus."}
		s.render(w, http.StatusOK, "confirmation.html", p)
		return nil
	}
	part := "tout ce qui a été versé"
	if c.MontantReverse < ap.Avance+ap.Solde {
		part = "le montant saisi, moins que ce qui a été versé"
	}
	p.Total = segur.Euros(c.MontantReverse)
	p.Points = []string{quoi + "demande non conforme.", verse,
		"Un ordre de reversement de " + p.Total + " (" + part + ") sera émis et envoyé au fournisseur (PDF joint au courriel, et dans son espace) : il aura " +
			segur.Pluriel(ap.DelaiReversement, "jour", "jours") + " pour le payer.",
		"Statut de la demande : «\u00a0" + ap.Changement.De.Libelle() + "\u00a0» deviendra «\u00a0" + ap.Changement.Vers.Libelle() + "\u00a0».",
		"Le résultat enregistré ne se modifie plus, l'ordre émis ne se retire pas."}
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// confirmerTirage shows the draw t that confirming will record: its rate
// (as typed), seed (hasard: drawn at random for this confirmation),
// population and sample, a control opened for each request drawn.
func (s *Server) confirmerTirage(w http.ResponseWriter, r *http.Request, t *segur.Tirage, taux string, hasard bool) {
	graine := strconv.FormatInt(t.Graine, 10)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : tirage de " + segur.FormatTaux(t.Taux) + " des demandes payées", Nav: "controles", Utilisateur: utilisateur(r.Context())},
		Cible: "/agence/tirages", Annuler: "/agence/controles", Possible: true,
		Champs: []ChampCache{{"taux", taux}, {"graine", graine}}}
	tirees := segur.Pluriel(t.Tires, "demande sera tirée", "demandes seront tirées")
	p.Points = []string{tirees + " sur " + segur.Pluriel(t.Population, "demande payée", "demandes payées") + " sans contrôle en cours (" +
		segur.FormatTaux(t.Taux) + ", arrondi au-dessus).", "Graine : " + graine + map[bool]string{true: ", tirée au hasard pour ce tirage.", false: "."}[hasard] +
		" Elle est enregistrée avec la population : la même graine et la même population redonnent le même échantillon."}
	if len(t.Echantillon) <= 20 {
		p.Points = append(p.Points, "Demandes tirées : "+strings.Join(t.Echantillon, ", ")+".")
	}
	p.Points = append(p.Points, "Un contrôle sera ouvert pour chacune : son fournisseur le verra dans son espace, avec "+
		strconv.Itoa(segur.DelaiReponseControle)+" jours pour déposer les pièces que l'agence lui demandera.",
		"Un tirage ne s'annule pas : chaque contrôle ouvert se clôt par son résultat.")
	s.render(w, http.StatusOK, "confirmation.html", p)
}

// confirmerOuverture shows the control that confirming will open on
// request d, picked by hand.
func (s *Server) confirmerOuverture(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	ctx := r.Context()
	f, err := s.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return err
	}
	avance, solde, err := agence.Verse(ctx, s.Store, d)
	if err != nil {
		return err
	}
	p := PageConfirmation{Base: Base{Titre: "Confirmer : contrôle de la demande " + d.NumeroASP, Nav: "controles", Utilisateur: utilisateur(ctx)},
		Cible: "/agence/controles", Annuler: "/agence/controles", Possible: true, Champs: []ChampCache{{"asp", d.NumeroASP}}}
	p.Points = []string{"Un contrôle sera ouvert sur la demande " + d.NumeroASP + " (" + f.Nom + ", SIRET " + f.SIRET + "), au statut «\u00a0" + d.Statut.Libelle() +
		"\u00a0» : montant financé " + segur.Euros(d.MontantFinance) + ", versé " + segur.Euros(avance+solde) + ".",
		"Le fournisseur le verra dans son espace, avec " + strconv.Itoa(segur.DelaiReponseControle) + " jours pour déposer les pièces que l'agence lui demandera.",
		"Un contrôle ouvert ne s'annule pas : il se clôt par son résultat."}
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// confirmerMessage shows the message ap, checked, that confirming will
// mail to the vendor of its control.
func (s *Server) confirmerMessage(w http.ResponseWriter, r *http.Request, ap agence.ApercuMessage) {
	c, f := ap.Controle, ap.Fournisseur
	retour := "/agence/controles/" + strconv.FormatInt(int64(c.ID), 10)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : message au fournisseur, contrôle " + c.Reference(), Nav: "controles", Utilisateur: utilisateur(r.Context())},
		Cible: retour + "/messages", Annuler: retour, Raison: ap.Texte, TitreRaison: "Message, tel que saisi", Possible: true,
		Champs: []ChampCache{{"message", ap.Texte}}}
	p.Points = []string{"Le message sera envoyé par courriel à " + f.Nom + " (" + f.Email + ") et affiché dans son espace, sur la page du contrôle " + c.Reference() +
		" de la demande " + c.NumeroASP + ", où il déposera les pièces.", "Un message envoyé ne se retire pas."}
	s.render(w, http.StatusOK, "confirmation.html", p)
}

// confirmerFenetre shows what campaign window f, checked, will do to the
// deposits of its software and request type: the first restricts them to
// its dates. form and logiciel are the fields as typed.
func (s *Server) confirmerFenetre(w http.ResponseWriter, r *http.Request, f segur.Fenetre, logiciel string, form FormFenetre) error {
	ctx := r.Context()
	fen, err := s.Store.FindFenetres(ctx)
	if err != nil {
		return err
	}
	var autres int
	for _, fe := range fen {
		if fe.Logiciel == f.Logiciel && fe.Type == f.Type {
			autres++
		}
	}
	quels := "Les dépôts de demandes de type " + string(f.Type) + " du logiciel " + string(f.Logiciel)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : campagne de dépôt " + string(f.Logiciel) + ", demandes de type " + string(f.Type), Nav: "admin",
		Utilisateur: utilisateur(ctx)},
		Cible: "/agence/admin/fenetres", Annuler: "/agence/admin/fenetres", Possible: true,
		Champs: []ChampCache{{"logiciel", logiciel}, {"type", form.Type}, {"debut", form.Debut}, {"fin", form.Fin}}}
	p.Points = []string{"La campagne sera ouverte du " + s.date(f.Debut) + " au " + s.date(f.Fin) + " (heure de Paris)."}
	if autres == 0 {
		p.Points = append(p.Points, quels+" sont reçus à tout moment aujourd'hui : ils ne le seront plus que pendant cette campagne, et celles qui s'y ajouteront ; hors campagne, le portail et l'API les refuseront en donnant les dates.")
	} else {
		p.Points = append(p.Points, quels+" sont déjà limités à "+segur.Pluriel(autres, "campagne", "campagnes")+" : celle-ci s'y ajoute ; hors campagne, ils restent refusés.")
	}
	p.Points = append(p.Points, "Une campagne ne se supprime pas ; avant sa fin, sa page permet d'avancer ou de reculer sa fermeture.")
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// confirmerReferentiel shows what importing reference ref, stored as
// blob, will change: its establishments against the version in force.
func (s *Server) confirmerReferentiel(w http.ResponseWriter, r *http.Request, ref segur.Reference, blob segur.BlobRef) error {
	ctx := r.Context()
	courant, v, err := s.Store.FindReference(ctx)
	if err != nil && !segur.IsCode(err, segur.ENOTFOUND) {
		return err
	}
	var ajoutes, retires, changes int
	for finess, e := range ref {
		avant, ok := courant[finess]
		switch {
		case !ok:
			ajoutes++
		case avant.Nom != e.Nom || !maps.Equal(avant.Plafonds, e.Plafonds):
			changes++
		}
	}
	for finess := range courant {
		if _, ok := ref[finess]; !ok {
			retires++
		}
	}
	p := PageConfirmation{Base: Base{Titre: "Confirmer : import du référentiel des établissements", Nav: "admin", Utilisateur: utilisateur(ctx)},
		Cible: "/agence/admin/referentiel", Annuler: "/agence/admin/referentiel", Possible: true, Champs: []ChampCache{{"empreinte", blob.SHA256}}}
	p.Points = []string{"Le fichier (" + taille(blob.Taille) + ", SHA-256 " + blob.SHA256[:12] + "…) deviendra une nouvelle version du référentiel : " +
		segur.Pluriel(len(ref), "établissement", "établissements") + "."}
	if len(courant) == 0 {
		p.Points = append(p.Points, "Aucun référentiel n'est en vigueur aujourd'hui.")
	} else {
		p.Points = append(p.Points, "Par rapport à la version en vigueur (n° "+strconv.FormatInt(v, 10)+", "+segur.Pluriel(len(courant), "établissement", "établissements")+") : "+
			segur.Pluriel(ajoutes, "ajouté", "ajoutés")+", "+segur.Pluriel(retires, "retiré", "retirés")+", "+
			segur.Pluriel(changes, "changé", "changés")+" (nom ou plafonds).")
	}
	p.Points = append(p.Points, "Elle s'appliquera dès la confirmation aux alertes et au calcul des montants financés des demandes validées ensuite ; les décisions déjà rendues ne changent pas.",
		"Une version importée ne se retire pas : pour revenir en arrière, importez de nouveau l'ancien fichier.")
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}

// confirmerSignature shows what accepting online the convention of the
// request ap foresees will record, for vendor f.
func (s *Server) confirmerSignature(w http.ResponseWriter, r *http.Request, f *segur.Fournisseur, ap agence.Apercu) error {
	ctx := r.Context()
	d := ap.Demande
	docs, err := s.Store.FindDocuments(ctx, d.NumeroASP)
	if err != nil {
		return err
	}
	convention := "la convention d'attribution"
	for _, doc := range docs {
		if doc.Type == segur.DocumentConvention {
			convention = "la convention d'attribution " + doc.Reference + " (empreinte SHA-256 " + doc.Fichier.SHA256[:12] + "…)"
		}
	}
	retour := "/demandes/" + url.PathEscape(d.NumeroASP)
	p := PageConfirmation{Base: Base{Titre: "Confirmer : acceptation de la convention de la demande " + d.NumeroASP, Nav: "demandes", Utilisateur: utilisateur(ctx)},
		Cible: retour + "/signer", Annuler: retour, Possible: true, Champs: []ChampCache{{"accepte", "1"}}}
	p.Points = []string{"Vous acceptez " + convention + " au nom de " + f.Nom + " : montant financé " + segur.Euros(d.MontantFinance) + ".",
		"Votre acceptation sera enregistrée avec votre identifiant, la date, votre adresse et l'empreinte du document ; elle vaut signature et ne se retire pas.",
		"Statut de la demande : «\u00a0" + ap.Changement.De.Libelle() + "\u00a0» deviendra «\u00a0" + ap.Changement.Vers.Libelle() + "\u00a0» ; l'avance de 30\u202f% (" +
			segur.Euros(segur.Avance(d.MontantFinance)) + ") pourra alors être payée."}
	s.render(w, http.StatusOK, "confirmation.html", p)
	return nil
}
