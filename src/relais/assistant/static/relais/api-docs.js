/* The API's documentation page (assistant/api_docs.html): the accessible names Swagger UI leaves out (axe:
   button-name, label), added as it renders, since its components cannot be given them through its settings. */
(function () {
  "use strict";
  const NAMES = [
    [".close-modal", "Fermer"],
    [".copy-to-clipboard > button", "Copier"],
    ["textarea.body-param__text", "Corps de la requête (JSON)"],
  ];

  function name(root) {
    for (const [selector, label] of NAMES) {
      for (const element of root.querySelectorAll(selector)) {
        if (!element.hasAttribute("aria-label")) element.setAttribute("aria-label", label);
      }
    }
  }

  const root = document.getElementById("swagger-ui");
  if (root) {
    new MutationObserver(() => name(root)).observe(root, { childList: true, subtree: true });
    name(root);
  }
})();
