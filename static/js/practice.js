/*
 * Practice cards (templates/practice/session.html): keyboard shortcuts, the time spent on the
 * card and the mock interview countdown. External because the CSP forbids inline scripts.
 * Everything works without it: the buttons are ordinary form submits, and the server measures
 * time spent itself (the timer here is only for the reader).
 *
 *   Space        reveal the answers (when not typing)
 *   Ctrl+Enter   reveal, from inside the attempt box
 *   1 2 3 4      grade Again, Hard, Good, Easy
 *   U, Ctrl+Z    undo the last grade (the session goes back to that card)
 */
(function () {
  "use strict";

  // Keys typed into these are text, never shortcuts.
  var TEXT_FIELDS = /^(INPUT|TEXTAREA|SELECT)$/;
  // Space already means "press" on these: leave it to the browser.
  var PRESSABLE = /^(BUTTON|A|SUMMARY)$/;
  var started = new WeakMap();

  function card() {
    return document.getElementById("practice-card");
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function shortcut(name) {
    var root = card();
    return root ? root.querySelector('[data-shortcut="' + name + '"]') : null;
  }

  function onKey(event) {
    if (event.altKey || event.defaultPrevented) {
      return;
    }
    var target = event.target || document.body;
    var typing = TEXT_FIELDS.test(target.tagName) || target.isContentEditable;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
      var reveal = shortcut("reveal");
      if (reveal) {
        event.preventDefault();
        reveal.click();
      }
      return;
    }
    if (typing) {
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (key === "z" && (event.ctrlKey || event.metaKey) && !event.shiftKey) {
      var undo = shortcut("undo");
      if (undo) {
        event.preventDefault();
        undo.click();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      return;
    }
    var button = null;
    if (key === "u") {
      button = shortcut("undo");
    } else if (event.key === " " || event.key === "Spacebar") {
      button = PRESSABLE.test(target.tagName) ? null : shortcut("reveal");
    } else if (/^[1-4]$/.test(event.key)) {
      button = shortcut(event.key);
    }
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  }

  function tick() {
    var root = card();
    if (!root) {
      return;
    }
    var now = Date.now();
    root.querySelectorAll("[data-elapsed], [data-seconds-left]").forEach(function (el) {
      var base = started.get(el);
      if (base === undefined) {
        return;
      }
      var passed = (now - base) / 1000;
      if (el.hasAttribute("data-elapsed")) {
        var value = el.querySelector(".timer-value");
        if (value) {
          value.textContent = clock(Number(el.getAttribute("data-elapsed")) + passed);
        }
        return;
      }
      var left = Number(el.getAttribute("data-seconds-left")) - passed;
      if (left <= 0) {
        if (!el.classList.contains("countdown-over")) {
          el.classList.add("countdown-over");
          el.textContent = "Time is up: grade this card to see your summary.";
        }
        return;
      }
      var remaining = el.querySelector(".countdown-value");
      if (remaining) {
        remaining.textContent = clock(left);
      }
    });
  }

  function init(root, moveFocus) {
    if (!root) {
      return;
    }
    var now = Date.now();
    root.querySelectorAll("[data-elapsed], [data-seconds-left]").forEach(function (el) {
      started.set(el, now);
      el.hidden = false;
    });
    root.querySelectorAll(".shortcuts-help").forEach(function (el) {
      el.hidden = false;
    });
    if (moveFocus) {
      // The card was replaced in place: take keyboard and screen-reader users to its start.
      var focus = root.querySelector("[data-autofocus]");
      if (focus) {
        focus.focus({ preventScroll: true });
        root.scrollIntoView({ block: "start" });
      }
    }
    tick();
  }

  function start() {
    init(card(), false);
    document.addEventListener("keydown", onKey);
    window.setInterval(tick, 1000);
    document.body.addEventListener("htmx:afterSettle", function () {
      init(card(), true);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
