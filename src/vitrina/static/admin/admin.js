// Vitrina admin: actions are POSTs carrying the CSRF token (never GET links), and so is
// sqladmin's delete request. Loaded after sqladmin's main.js.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";

  function selectedPks() {
    var pks = [];
    document.querySelectorAll("input.select-box:checked").forEach(function (box) {
      var hidden = box.parentElement.querySelector('input[type="hidden"]');
      if (hidden) { pks.push(hidden.value); }
    });
    return pks;
  }

  function postTo(url) {
    var target = new URL(url, window.location.href);
    if (!target.searchParams.get("pks")) {
      target.searchParams.set("pks", selectedPks().join(","));
    }
    var form = document.createElement("form");
    form.method = "POST";
    form.action = target.pathname + target.search;
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrf_token";
    field.value = token;
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
  }

  if (window.jQuery) {
    window.jQuery("[id^='action-custom-']").off("click");
    window.jQuery.ajaxSetup({ headers: { "X-CSRF-Token": token } });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href*="/action/"], [data-url*="/action/"]');
    if (!link) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    postTo(link.getAttribute("data-url") || link.getAttribute("href"));
  }, true);
})();
