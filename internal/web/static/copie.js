// The copy button of a text shown once (a new API token, compte.html):
// progressive enhancement. The button is hidden in the page and shown here
// only when the browser offers a clipboard; the text stays selectable
// either way. The outcome is read out by an aria-live region.
(function () {
  'use strict';
  if (!navigator.clipboard || !navigator.clipboard.writeText) {
    return;
  }
  document.querySelectorAll('button[data-copie]').forEach(function (bouton) {
    var texte = document.getElementById(bouton.getAttribute('data-copie'));
    var message = document.getElementById(bouton.getAttribute('data-copie-message'));
    if (!texte || !message) {
      return;
    }
    bouton.hidden = false;
    bouton.addEventListener('click', function () {
      message.textContent = '';
      navigator.clipboard.writeText(texte.textContent.trim()).then(function () {
        message.textContent = bouton.getAttribute('data-copie-fait') || 'Copié';
      }, function () {
        message.textContent = 'Copie impossible : sélectionnez le texte et copiez-le.';
      });
    });
  });
})();
