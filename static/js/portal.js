// Small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";
  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // An outerHTML swap replaces the target: read the new element that took its id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target) return;
    var summary = target.querySelector(".error-summary");
    var focusable = summary || target.querySelector("[data-focus-after-swap]");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) focusable.setAttribute("tabindex", "-1");
      focusable.focus();
    }
    var said = target.querySelector("[data-announce]");
    if (said) announce(said.getAttribute("data-announce"));
  });
  // A page sent back with errors starts at the error summary, so it is read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
  // An error summary link puts focus in its field and scrolls the field's label into view too.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    (field.closest(".field") || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
  // A table wider than the screen scrolls inside its box; let keyboard users focus the box to
  // scroll it, and name it after the table's caption. Only boxes that really scroll get a tab stop.
  function markScrollingTables() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        if (caption) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", caption.textContent.trim());
        }
        wrap.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && wrap.hasAttribute("data-scroll-focus")) {
        ["tabindex", "role", "aria-label", "data-scroll-focus"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    }
  }
  var resizeTimer;
  document.addEventListener("DOMContentLoaded", markScrollingTables);
  document.addEventListener("htmx:afterSettle", markScrollingTables);
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(markScrollingTables, 150);
  });
  // Keep the address bar in step with live search, so results can be shared or bookmarked.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-push-query") && event.detail.verb === "get") {
      var params = new URLSearchParams(event.detail.parameters);
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    }
  });
})();
// Customers: warn two minutes before the session times out, and let them stay signed in.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("session-warning");
    if (!box) { return; }
    var timeout = parseInt(box.getAttribute("data-timeout-seconds"), 10) * 1000;
    if (!(timeout > 0)) { return; }
    var warnAfter = Math.max(timeout - 120000, 0);
    var timer;
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        box.hidden = false;
        var button = box.querySelector("[data-keep-alive]");
        if (button) { button.focus(); }
      }, warnAfter);
    }
    box.querySelector("[data-keep-alive]").addEventListener("click", function () {
      var body = new URLSearchParams();
      body.set("csrf_token", box.getAttribute("data-csrf-token"));
      fetch(box.getAttribute("data-keep-alive-url"), {
        method: "POST", body: body, credentials: "same-origin"
      }).then(function (response) {
        if (response.status === 204) {
          box.hidden = true;
          schedule();
        } else {
          window.location.reload();
        }
      });
    });
    document.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
