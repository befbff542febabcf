// The confirmation of an irreversible action in a dialog: progressive
// enhancement of the confirmation page (confirmation.html). A form marked
// data-confirmation is posted without confirmer=1, which changes nothing
// and returns the confirmation page; its content is shown in a DSFR modal,
// whose « Confirmer » posts the same form with confirmer=1. Without
// JavaScript, or when the answer is not a confirmation (a field error),
// the form is posted as it would be and the page shown.
(function () {
  'use strict';
  if (!window.fetch || !window.DOMParser || typeof HTMLDialogElement !== 'function') {
    return;
  }
  var dialogue = null;

  function fermer() {
    if (dialogue) {
      dialogue.close();
      dialogue.remove();
      dialogue = null;
    }
  }

  function montrer(doc, origine) {
    var titre = doc.querySelector('main h1');
    var contenu = doc.querySelector('#confirmation');
    if (!titre || !contenu) {
      return false;
    }
    fermer();
    dialogue = document.createElement('dialog');
    // Not DSFR's .fr-modal: its script manages those it discloses itself.
    dialogue.className = 'segur-modale';
    dialogue.setAttribute('aria-labelledby', 'confirmation-titre');
    dialogue.innerHTML = '<div class="segur-modale__entete"><button type="button" class="fr-btn--close fr-btn">Fermer</button></div>' +
      '<div class="segur-modale__contenu"><h1 id="confirmation-titre" class="fr-h3"></h1></div>';
    dialogue.querySelector('h1').textContent = titre.textContent;
    dialogue.querySelector('.segur-modale__contenu').appendChild(document.importNode(contenu, true));
    dialogue.querySelector('.fr-btn--close').addEventListener('click', fermer);
    var annuler = dialogue.querySelector('#confirmation-annuler');
    if (annuler) {
      annuler.addEventListener('click', function (e) {
        e.preventDefault();
        fermer();
        origine.focus();
      });
    }
    dialogue.addEventListener('close', function () { fermer(); });
    document.body.appendChild(dialogue);
    dialogue.showModal();
    // Focus on « Confirmer », unless the dialog is taller than the screen
    // (a long one, on a phone): focusing the button would scroll its title
    // and first points out of view, so its title takes the focus and it
    // reads from its start (WAI-ARIA Authoring Practices, dialog).
    var confirmer = dialogue.querySelector('#confirmer');
    if (confirmer && dialogue.scrollHeight <= dialogue.clientHeight) {
      confirmer.focus();
    } else {
      var h1 = dialogue.querySelector('h1');
      h1.setAttribute('tabindex', '-1');
      h1.focus();
      dialogue.scrollTop = 0;
    }
    return true;
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.hasAttribute('data-confirmation') || form.querySelector('input[name="confirmer"]')) {
      return;
    }
    var sauf = form.getAttribute('data-sans-confirmation');
    if (sauf && form.elements.action && form.elements.action.value === sauf) {
      return; // acts at once: nothing to confirm
    }
    e.preventDefault();
    var bouton = e.submitter || form.querySelector('button[type="submit"]');
    // Posted as the browser would post it: urlencoded unless the form
    // sends a file (handlers that read a small form parse only that).
    var corps = new FormData(form);
    if (form.enctype !== 'multipart/form-data') {
      corps = new URLSearchParams(corps);
    }
    // form.action would be its field named « action »: the attribute is read.
    fetch(form.getAttribute('action'), { method: 'POST', body: corps, credentials: 'same-origin' }).then(function (r) {
      return r.text().then(function (html) { return { ok: r.status === 200, html: html }; });
    }).then(function (r) {
      if (!r.ok || !montrer(new DOMParser().parseFromString(r.html, 'text/html'), bouton)) {
        form.submit(); // posted without confirmer=1 again: still nothing done
      }
    }, function () {
      form.submit();
    });
  });
})();
