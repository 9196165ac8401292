// Relais chat: progressive enhancement. Without this script every form still works (full page loads).
(function () {
  "use strict";
  var form = document.getElementById("formulaire-question");
  if (!form || !window.fetch) { return; }
  var thread = document.getElementById("fil");
  var status = document.getElementById("etat");
  var errors = document.getElementById("erreurs-question");
  var textarea = form.querySelector("textarea[name=question]");
  var conversationField = form.querySelector("input[name=conversation]");
  var sendButton = form.querySelector("button[type=submit]");

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, headers: { "X-Relais-Fragment": "1" }, credentials: "same-origin" });
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!textarea.value.trim()) {
      errors.innerHTML = "";
      setStatus("Écrivez votre question avant d'envoyer.", true);
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    sendButton.disabled = true;
    setStatus("Relais cherche dans la documentation…");
    post(form.action, new FormData(form)).then(function (response) {
      return response.text().then(function (html) {
        if (response.status === 400 || response.status === 429) {
          errors.innerHTML = html;
          setStatus("");
          textarea.setAttribute("aria-invalid", "true");
          textarea.focus();
          return;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        errors.innerHTML = "";
        textarea.removeAttribute("aria-invalid");
        thread.insertAdjacentHTML("beforeend", html);
        var url = response.headers.get("X-Relais-Conversation");
        if (url) {
          conversationField.value = url.replace(/\D+/g, " ").trim().split(" ").pop();
          window.history.replaceState(null, "", url);
        }
        textarea.value = "";
        setStatus("Réponse reçue.");
        thread.lastElementChild.scrollIntoView({ block: "start" });
        textarea.focus();
      });
    }).catch(function () {
      setStatus("Relais n'a pas pu répondre (problème de connexion ou du serveur). Réessayez dans un instant.", true);
    }).finally(function () {
      sendButton.disabled = false;
    });
  });

  // Feedback forms inside the thread: sent in place, the block replaced by the server's.
  thread.addEventListener("submit", function (event) {
    var feedback = event.target;
    if (!feedback.classList.contains("feedback-form")) { return; }
    event.preventDefault();
    var data = new FormData(feedback);
    if (event.submitter && event.submitter.name) { data.set(event.submitter.name, event.submitter.value); }
    var container = feedback.parentElement;
    post(feedback.action, data).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok && response.status !== 400) { throw new Error(String(response.status)); }
        container.innerHTML = html;
        var saved = container.querySelector(".feedback-saved");
        var rating = data.get("rating");
        var target = container.querySelector("button.rate[value=" + rating + "]");
        if (rating === "down" && !data.get("reason")) {
          var more = container.querySelector(".feedback-more");
          if (more) { more.open = true; target = more.querySelector("select") || target; }
        }
        if (target) { target.focus(); }
        if (!saved) { setStatus("Votre avis n'a pas pu être enregistré.", true); }
      });
    }).catch(function () {
      setStatus("Votre avis n'a pas pu être enregistré (problème de connexion). Réessayez.", true);
    });
  });
})();
