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

  // With an LLM, answers stream (server-sent events): the text appears as it is written, marked as not yet
  // verified, then the verified exchange replaces it (the extractive answer when the check failed).
  var fluxUrl = window.ReadableStream && window.TextDecoder ? form.getAttribute("data-flux") : null;

  function showErrors(response, html) {
    if (response.status !== 400 && response.status !== 429) { return false; }
    errors.innerHTML = html;
    setStatus("");
    textarea.setAttribute("aria-invalid", "true");
    textarea.focus();
    return true;
  }

  function showExchange(html, url, replaced) {
    errors.innerHTML = "";
    textarea.removeAttribute("aria-invalid");
    if (replaced) { replaced.remove(); }
    thread.insertAdjacentHTML("beforeend", html);
    enhance(thread.lastElementChild);
    var examples = document.querySelector(".examples");
    if (examples) { examples.remove(); }  // the chat is no longer empty
    if (url) {
      conversationField.value = url.replace(/\D+/g, " ").trim().split(" ").pop();
      window.history.replaceState(null, "", url);
    }
    textarea.value = "";
    setStatus("Réponse reçue.");
    thread.lastElementChild.scrollIntoView({ block: "start" });
    textarea.focus();
  }

  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(function (block) {
          var name = "message";
          var data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
            else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
          });
          if (data) { onEvent(name, JSON.parse(data)); }
        });
        return pump();
      });
    }
    return pump();
  }

  function streamAnswer() {
    var pending = document.createElement("article");
    pending.className = "exchange exchange-pending";
    pending.setAttribute("aria-busy", "true");
    var question = document.createElement("h2");
    question.className = "question";
    question.textContent = textarea.value.trim();
    var answer = document.createElement("div");
    answer.className = "answer";
    var label = document.createElement("p");
    label.className = "answer-label";
    label.textContent = "Rédaction en cours, pas encore vérifiée…";
    var text = document.createElement("div");
    text.className = "answer-text";
    answer.appendChild(label);
    answer.appendChild(text);
    pending.appendChild(question);
    pending.appendChild(answer);
    var received = false;
    fetch(fluxUrl, { method: "POST", body: new FormData(form), credentials: "same-origin",
                     headers: { "X-Relais-Fragment": "1", "Accept": "text/event-stream" } }).then(function (response) {
      if ((response.headers.get("Content-Type") || "").indexOf("text/event-stream") !== 0) {
        return response.text().then(function (html) {
          if (showErrors(response, html)) { return; }
          throw new Error(String(response.status));
        });
      }
      thread.appendChild(pending);
      return readEvents(response, function (name, data) {
        if (name === "delta") {
          setStatus("Relais rédige la réponse…");
          text.textContent += data.text;
        } else if (name === "final") {
          received = true;
          showExchange(data.html, data.conversation, pending);
        } else if (name === "error") {
          received = true;
          pending.remove();
          setStatus(data.message, true);
        }
      }).then(function () {
        if (!received) { throw new Error("stream ended early"); }
      });
    }).catch(function () {
      pending.remove();
      setStatus("Relais n'a pas pu répondre (problème de connexion ou du serveur). Réessayez dans un instant.", true);
    }).finally(function () {
      sendButton.disabled = false;
    });
  }

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      // Enter bypasses the disabled button: while a question is on its way, another Enter sends nothing.
      if (!sendButton.disabled) { form.requestSubmit(); }
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendButton.disabled) { return; }  // one question at a time, however it was submitted
    if (!textarea.value.trim()) {
      errors.innerHTML = "";
      setStatus("Écrivez votre question avant d'envoyer.", true);
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    sendButton.disabled = true;
    setStatus("Relais cherche dans la documentation…");
    if (fluxUrl) { streamAnswer(); return; }
    post(form.action, new FormData(form)).then(function (response) {
      return response.text().then(function (html) {
        if (showErrors(response, html)) { return; }
        if (!response.ok) { throw new Error(String(response.status)); }
        showExchange(html, response.headers.get("X-Relais-Conversation"));
      });
    }).catch(function () {
      setStatus("Relais n'a pas pu répondre (problème de connexion ou du serveur). Réessayez dans un instant.", true);
    }).finally(function () {
      sendButton.disabled = false;
    });
  });

  // Copy buttons work only with this script: shown by it.
  function enhance(root) {
    root.querySelectorAll("button.copy-answer[hidden]").forEach(function (button) { button.hidden = false; });
  }
  enhance(document);

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      area.remove();
      if (copied) { resolve(); } else { reject(new Error("copy")); }
    });
  }

  // Asking a question offered on the page (an example, a follow-up): through the question form, as if typed.
  function askOffered(question) {
    if (sendButton.disabled) { return; }
    textarea.value = question;
    form.requestSubmit();
  }

  document.addEventListener("submit", function (event) {
    var offered = event.target;
    if (!offered.classList || !offered.classList.contains("ask-suggestion")) { return; }
    event.preventDefault();
    askOffered(offered.querySelector("input[name=question]").value);
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) { return; }
    var copy = target.closest("button.copy-answer");
    if (copy) {
      // « Copié » on the button, and said by the form's polite status (one live region for the whole chat).
      copyText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = "Copié";
        copy.classList.add("copied");
        setStatus("Copié : la réponse et ses sources sont dans le presse-papiers.");
        window.setTimeout(function () {
          copy.textContent = "Copier la réponse";
          copy.classList.remove("copied");
        }, 4000);
      }, function () {
        setStatus("La copie a échoué : sélectionnez le texte de la réponse pour le copier.", true);
      });
      return;
    }
    var edit = target.closest("a.edit-question");
    if (edit) {
      // The question back in the field, to edit and send again (in the same conversation).
      event.preventDefault();
      textarea.value = new URL(edit.href).searchParams.get("question") || "";
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
      setStatus("Question remise dans le champ : modifiez-la, puis envoyez-la.");
      return;
    }
    var marker = target.closest("a.citation-ref");
    if (marker) {
      // « [1] » opens its source (a closed <details> would hide the passage it points to).
      var summary = document.getElementById(marker.getAttribute("href").slice(1));
      if (summary && summary.parentElement.tagName === "DETAILS") { summary.parentElement.open = true; }
    }
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
