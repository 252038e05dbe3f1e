/* The organisation type-ahead of the timeline's filter form.
 *
 * Progressive enhancement: without this file the plain <select name="org" multiple> works. With it, the
 * select is disabled (so no org value is sent twice) and chosen organisations become chips, each
 * carrying a hidden <input name="org">; suggestions come from /organisations/suggest through htmx.
 * Listeners sit on the document, so they survive htmx swapping or restoring the page. No inline
 * script or style anywhere: the Content-Security-Policy forbids both.
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function enhance() {
    var form = document.querySelector("form.filters");
    if (!form || !$("org-chosen")) return;
    var select = form.querySelector("select[name=org]");
    if (select) select.disabled = true;
    form.querySelectorAll(".org-select-wrap").forEach(function (el) { el.hidden = true; });
    form.querySelectorAll(".org-typeahead").forEach(function (el) { el.hidden = false; });
    $("org-search").disabled = false;
    $("org-chosen").querySelectorAll("input[name=org]").forEach(function (input) { input.disabled = false; });
  }

  function chip(slug) {
    return Array.prototype.find.call($("org-chosen").querySelectorAll(".org-chosen-chip"),
      function (el) { return el.dataset.slug === slug; });
  }

  function addChip(slug, name) {
    if (chip(slug)) return;
    var span = document.createElement("span");
    span.className = "chip org-chosen-chip";
    span.dataset.slug = slug;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.setAttribute("aria-label", "Remove " + name);
    remove.textContent = "×";
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "org";
    input.value = slug;
    span.append(name + " ", remove, input);
    $("org-chosen").append(span);
  }

  function refilter() {
    document.querySelector("form.filters").dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(button) {
    addChip(button.dataset.slug, button.textContent.trim());
    $("org-search").value = "";
    $("org-suggestions").replaceChildren();
    $("org-search").focus();
    refilter();
  }

  document.addEventListener("click", function (event) {
    var suggestion = event.target.closest("#org-suggestions .suggestion");
    if (suggestion) { choose(suggestion); return; }
    var remove = event.target.closest("#org-chosen .remove");
    if (remove) {
      remove.closest(".org-chosen-chip").remove();
      $("org-search").focus();
      refilter();
    }
  });

  // Enter in the search box picks the first suggestion instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.id !== "org-search") return;
    event.preventDefault();
    var first = document.querySelector("#org-suggestions .suggestion");
    if (first) choose(first);
  });

  // The search box is not a filter: its own change event must not refilter the timeline.
  document.addEventListener("change", function (event) {
    if (event.target.id === "org-search") event.stopPropagation();
  }, true);

  // Back and forward: htmx restores the page as it was when left, chips included; match the URL.
  document.addEventListener("htmx:historyRestore", function () {
    if (!$("org-chosen")) return;
    enhance();
    var wanted = new URLSearchParams(window.location.search).getAll("org");
    $("org-chosen").querySelectorAll(".org-chosen-chip").forEach(function (el) {
      if (wanted.indexOf(el.dataset.slug) < 0) el.remove();
    });
    var names = {};
    document.querySelectorAll("form.filters select[name=org] option").forEach(function (option) {
      names[option.value] = option.textContent;
    });
    wanted.forEach(function (slug) { addChip(slug, names[slug] || slug); });
  });

  enhance();
})();
