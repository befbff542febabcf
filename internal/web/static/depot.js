// Deposit form: sends the files with a progress bar, then shows the result
// page, or the server's refusal in place of the form. Without JavaScript the
// form is posted as usual.
"use strict";

function lierFormulaireDepot() {
  const form = document.querySelector("form[data-envoi]");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const bloc = document.getElementById("progression");
    const barre = document.getElementById("barre");
    const pourcent = document.getElementById("pourcent");
    const bouton = form.querySelector("button[type=submit]");
    bouton.disabled = true;
    bloc.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        const p = Math.floor((100 * e.loaded) / e.total);
        barre.value = p;
        pourcent.textContent = String(p);
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
        return;
      }
      // A refusal: the server's page, with its message, replaces the form.
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const main = doc.querySelector("main");
      if (!main) {
        echec();
        return;
      }
      document.querySelector("main").replaceWith(document.adoptNode(main));
      const alerte = document.querySelector("main [role=alert]");
      if (alerte) {
        alerte.tabIndex = -1;
        alerte.focus();
      }
      lierFormulaireDepot();
    });
    xhr.addEventListener("error", echec);
    function echec() {
      bloc.hidden = true;
      bouton.disabled = false;
      const msg = document.getElementById("echec-envoi");
      msg.hidden = false;
      msg.focus();
    }
    xhr.send(new FormData(form));
  });
}

lierFormulaireDepot();
