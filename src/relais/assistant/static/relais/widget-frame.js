/* The embedded chat /citoyens/integre/ inside the widget's frame (assistant/widget.py). Without this script the
   page works as a plain form; with it, a question is asked without reloading, its answer appended to the log
   (role="log", aria-live="polite": announced once), and Escape closes the widget. */
(() => {
  const allowed = (document.documentElement.dataset.hotes || "").split(" ");
  const claimed = new URLSearchParams(location.search).get("hote");
  // Messages go to the host page only if its origin is one the town allowed (RELAIS_WIDGET_ORIGINS).
  const host = window.parent !== window && allowed.includes(claimed) ? claimed : null;
  const log = document.getElementById("journal");
  const form = document.getElementById("formulaire-question");
  const field = document.getElementById("id_question");

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && host) window.parent.postMessage({ relais: "close" }, host);
  });
  window.addEventListener("message", (event) => {
    if (!host || event.origin !== host || event.source !== window.parent) return;
    if (event.data && event.data.relais === "focus") (field || document.body).focus();
  });
  if (!form) return; // paused: the town's message, no form
  let count = log.querySelectorAll("article").length;

  // Each appended answer gets ids of its own: the page's template numbers one answer only.
  function renumber(article) {
    count += 1;
    const suffix = `-${count}`;
    for (const node of [article, ...article.querySelectorAll("*")]) {
      if (node.id) node.id += suffix;
      for (const name of ["aria-labelledby", "aria-describedby", "for"]) {
        const ids = node.getAttribute(name);
        if (ids) node.setAttribute(name, ids.split(" ").map((id) => id + suffix).join(" "));
      }
      const href = node.getAttribute("href");
      if (href && href.startsWith("#")) node.setAttribute("href", href + suffix);
    }
  }

  function showErrors(page) {
    const old = form.querySelector(".error-summary");
    if (old) old.remove();
    const errors = page.querySelector(".error-summary");
    if (errors) form.prepend(document.adoptNode(errors));
  }

  // Every question form of the page (the question, the example and follow-up questions) asks through this page.
  document.addEventListener("submit", async (event) => {
    const sent = event.target;
    if ("direct" in sent.dataset) return; // the contact form: a page of its own, in this frame
    event.preventDefault();
    const buttons = sent.querySelectorAll("button");
    buttons.forEach((button) => (button.disabled = true));
    try {
      const response = await fetch(form.action, { method: "POST", body: new FormData(sent), credentials: "omit" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      showErrors(page);
      const article = page.querySelector("#journal article");
      if (article) {
        renumber(article);
        log.append(document.adoptNode(article));
        field.value = "";
        const examples = document.querySelector(".examples");
        if (examples) examples.remove();
        if (sent !== form) field.focus();  // the button pressed may be gone with the examples
      }
    } catch {
      sent.submit();  // the network failed: let the browser post the form itself
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
})();
