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
  // Keep the address bar in step with live search, so results can be shared or bookmarked.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-push-query") && event.detail.verb === "get") {
      var params = new URLSearchParams(event.detail.parameters);
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    }
  });
})();
