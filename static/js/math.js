/*
 * Typeset the math that questions/markdown.py writes, using KaTeX
 * (static/vendor/katex/katex.min.js must load first). The Markdown renderer
 * (pymdownx.arithmatex, generic mode) outputs
 *   <span class="arithmatex">\( ... \)</span>   inline
 *   <div class="arithmatex">\[ ... \]</div>     display
 * If this script or KaTeX doesn't run, the raw TeX stays on the page and is
 * still readable.
 *
 * The file is external because the CSP forbids inline scripts. katex.render
 * builds DOM nodes and sets their styles through CSSOM. Pouring
 * renderToString output into innerHTML would put style="" attributes in
 * markup, which the CSP's style-src blocks.
 *
 * Most math comes from the server as MathML (questions/mathml.py), which the
 * browser draws itself: KaTeX is only for the formulas MathML falls short on,
 * which stay as TeX in .arithmatex elements. So KaTeX's script and style sheet
 * are loaded only when a page (or an htmx swap, such as the answer preview)
 * has such an element; their fingerprinted addresses come from this script's
 * data attributes. base.html includes it with:
 *   <script src="{% static 'js/math.js' %}" data-katex-js="..." data-katex-css="..." defer></script>
 */
(function () {
  "use strict";

  // User-written TeX is untrusted. trust:false refuses \href, \url,
  // \includegraphics, \htmlClass and the like. maxExpand and maxSize limit
  // macro bombs and huge boxes that could cover the page.
  var OPTIONS = {
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxExpand: 1000,
    maxSize: 20
  };
  var INLINE = /^\\\(([\s\S]*)\\\)$/;
  var DISPLAY = /^\\\[([\s\S]*)\\\]$/;
  var DONE = "data-math-rendered";

  function renderMath(root) {
    if (typeof window.katex === "undefined") {
      return; // leave the readable TeX as it is
    }
    var elements = (root || document).querySelectorAll(".arithmatex:not([" + DONE + "])");
    Array.prototype.forEach.call(elements, function (el) {
      if (!el.isConnected || el.hasAttribute(DONE)) {
        return; // e.g. nested inside an element typeset earlier in this loop
      }
      var tex = el.textContent.trim();
      var display = false;
      var match = INLINE.exec(tex);
      if (!match) {
        match = DISPLAY.exec(tex);
        display = true;
      }
      if (!match) {
        return; // not arithmatex output; leave it untouched
      }
      var options = { displayMode: display };
      for (var key in OPTIONS) {
        options[key] = OPTIONS[key];
      }
      try {
        window.katex.render(match[1], el, options);
        el.setAttribute(DONE, "");
        if (display) {
          // A wide formula scrolls sideways in its own box: let the keyboard reach it.
          var box = el.querySelector(".katex-display");
          if (box) {
            box.setAttribute("tabindex", "0");
          }
        }
      } catch (err) {
        // throwOnError:false already turns TeX errors into red source text;
        // anything else (e.g. maxExpand) leaves the raw TeX in place.
      }
    });
  }

  var script = document.currentScript;
  var loading = false;

  function pending() {
    return document.querySelector(".arithmatex:not([" + DONE + "])");
  }

  // KaTeX's files, once, when the first formula needs them; then typeset.
  function typeset() {
    if (!pending()) {
      return;
    }
    if (typeof window.katex !== "undefined") {
      renderMath(document);
      return;
    }
    if (loading || !script) {
      return;
    }
    loading = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.getAttribute("data-katex-css");
    document.head.appendChild(css);
    var js = document.createElement("script");
    js.src = script.getAttribute("data-katex-js");
    js.onload = function () {
      renderMath(document);
    };
    document.head.appendChild(js);
  }

  function start() {
    typeset();
    // htmx may not be on the page; the listener just never fires then. The
    // whole document is scanned again because with an outerHTML swap,
    // event.target is the element that was replaced.
    document.body.addEventListener("htmx:afterSwap", typeset);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  window.mlqaRenderMath = renderMath;
})();
