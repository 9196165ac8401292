/* Relais: the citizens' assistant on a town's website (docs/public.md, « Le widget »). Served by /widget.js?v=N.
   Kept under 5 kB gzipped (tests/assistant/test_widget.py): a launcher in a shadow DOM, the chat in an iframe
   created on first open. Changing this file changes its SRI hash: bump WIDGET_VERSION (assistant/widget.py). */
(() => {
  const script = document.currentScript;
  if (!script || window.relaisWidget) return;
  window.relaisWidget = true;
  const relais = new URL(script.src).origin;
  const title = "Assistant de la mairie";
  const host = document.createElement("div");
  // Open shadow root: the host page's styles cannot reach in, and assistive tools and tests still can.
  const root = host.attachShadow({ mode: "open" });
  // A constructed style sheet: the host page's CSP (style-src) does not apply to it, as it would to a <style>.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:host{all:initial}
*{box-sizing:border-box;font:16px/1.4 system-ui,sans-serif}
button{min-height:44px;min-width:44px;border-radius:6px;cursor:pointer;font-weight:600}
button:focus-visible,iframe:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px;box-shadow:0 0 0 5px #fff}
.l{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;padding:.6rem 1rem;color:#fff;background:#1f5f5b;border:2px solid #fff;box-shadow:0 2px 6px #0006}
.p{position:fixed;right:1rem;bottom:4.5rem;z-index:2147483000;display:flex;flex-direction:column;width:min(26rem,calc(100vw - 2rem));height:min(38rem,calc(100vh - 6rem));background:#fff;color:#1a1a1a;border:1px solid #5a5f5d;border-radius:8px;box-shadow:0 4px 16px #0005}
.p[hidden]{display:none}
.b{display:flex;align-items:center;justify-content:space-between;gap:.5rem;padding:.25rem .5rem;border-bottom:1px solid #5a5f5d}
.b h2{margin:0;font-weight:700}
.c{padding:.3rem .8rem;color:#1f5f5b;background:#fff;border:1px solid #1f5f5b}
iframe{flex:1;width:100%;border:0;border-radius:0 0 8px 8px}
@media (prefers-reduced-motion:no-preference){.p{animation:r .15s ease-out}@keyframes r{from{opacity:0;transform:translateY(.5rem)}}}
@media (max-width:30rem){.p{right:.5rem;left:.5rem;width:auto;bottom:4rem;height:calc(100vh - 5rem)}}`);
  root.adoptedStyleSheets = [sheet];
  root.innerHTML = `<button type="button" class="l" aria-expanded="false" aria-controls="relais-panneau">Poser une question à la mairie</button>
<div class="p" id="relais-panneau" role="dialog" aria-labelledby="relais-titre" hidden><div class="b"><h2 id="relais-titre">${title}</h2>
<button type="button" class="c" aria-label="Fermer l'assistant">Fermer</button></div></div>`;
  const launcher = root.querySelector(".l");
  const panel = root.querySelector(".p");
  let frame = null;
  let ready = false;

  // Messages go to Relais's origin only (a foreign page in the frame gets nothing).
  const tell = (action) => ready && frame.contentWindow.postMessage({ relais: action }, relais);

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = `${title} : posez votre question`;
      // allow-scripts: the framed page's script asks without reloading and announces each answer.
      // allow-forms: the question form, which also works with the script off.
      // allow-same-origin: the framed page keeps Relais's origin, so that its messages carry it (the check below)
      // and its script can post the question to Relais. Safe to pair with allow-scripts here: the frame's origin
      // is not the host page's, so the framed page cannot lift its own sandbox through the host.
      // Left out: allow-top-navigation, allow-popups, allow-modals: the chat never needs them.
      frame.setAttribute("sandbox", "allow-scripts allow-forms allow-same-origin");
      frame.src = `${relais}/citoyens/integre/?hote=${encodeURIComponent(location.origin)}`;
      frame.addEventListener("load", () => {
        ready = true;
        if (!panel.hidden) tell("focus");
      });
      panel.append(frame);
    }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
    tell("focus");
  }

  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  root.querySelector(".c").addEventListener("click", close);
  // Escape in the panel's bar; inside the frame, the framed page sends « close ».
  root.addEventListener("keydown", (event) => event.key === "Escape" && close());
  window.addEventListener("message", (event) => {
    if (!frame || event.origin !== relais || event.source !== frame.contentWindow) return;
    if (event.data && event.data.relais === "close") close();
  });
  document.body.append(host);
})();
