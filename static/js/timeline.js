/* The timeline's filter form: the type-ahead of organisations and people, chips, and what a reader is
 * told after a change.
 *
 * Progressive enhancement: without this file the plain <select name="org" multiple> works, and the
 * person, lawsuit and agreement chips are links that remove their filter. With it, the select is
 * disabled (so no org value is sent twice) and chosen organisations become chips, each carrying a hidden
 * <input name="org">; #org-search is an ARIA 1.2 combobox whose listbox /organisations/suggest fills
 * through htmx (arrow keys move, Enter chooses, Escape or a click elsewhere closes).
 * Listeners sit on the document, so they survive htmx swapping or restoring the page. No inline
 * script or style anywhere: the Content-Security-Policy forbids both.
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  function form() { return $("filters"); }
  var focusResults = false;

  function enhance() {
    var filters = form();
    if (!filters || !$("org-chosen")) return;
    var select = filters.querySelector("select[name=org]");
    if (select) select.disabled = true;
    filters.querySelectorAll(".org-select-wrap").forEach(function (el) { el.hidden = true; });
    filters.querySelectorAll(".org-typeahead").forEach(function (el) { el.hidden = false; });
    $("org-search").disabled = false;
    $("org-chosen").querySelectorAll("input[name=org]").forEach(function (input) { input.disabled = false; });
  }

  function options() { return Array.prototype.slice.call(document.querySelectorAll("#org-suggestions .suggestion")); }

  function close() {
    var list = $("org-suggestions");
    if (list) list.replaceChildren();
    var box = $("org-search");
    if (box) { box.setAttribute("aria-expanded", "false"); box.removeAttribute("aria-activedescendant"); }
  }

  function activate(option) {
    options().forEach(function (el) { el.setAttribute("aria-selected", el === option ? "true" : "false"); });
    if (option) {
      $("org-search").setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function active() {
    return options().find(function (el) { return el.getAttribute("aria-selected") === "true"; });
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function removeButton(label) {
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.setAttribute("aria-label", label);
    remove.textContent = "×";
    return remove;
  }

  function addOrganisation(slug, name) {
    var exists = Array.prototype.some.call($("org-chosen").querySelectorAll(".org-chosen-chip"),
      function (el) { return el.dataset.slug === slug; });
    if (exists) return;
    var span = document.createElement("span");
    span.className = "chip org-chosen-chip";
    span.dataset.slug = slug;
    span.append(name + " ", removeButton("Remove " + name), hidden("org", slug));
    $("org-chosen").append(span);
  }

  // One person at a time: choosing another replaces the chip.
  function choosePerson(slug, name) {
    var also = $("also-chosen");
    if (!also) {
      also = document.createElement("p");
      also.id = "also-chosen";
      also.className = "field wide also";
      also.append("Also filtered by: ");
      form().querySelector(".actions").before(also);
    }
    also.querySelectorAll(".person-chosen-chip").forEach(function (el) { el.remove(); });
    var span = document.createElement("span");
    span.className = "chip person-chosen-chip";
    span.dataset.param = "person";
    span.dataset.slug = slug;
    span.append("Person: " + name + " ", removeButton("Remove the person filter (" + name + ")"), hidden("person", slug));
    also.append(span);
  }

  function refilter() {
    form().dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(option) {
    if (option.dataset.param === "person") choosePerson(option.dataset.slug, option.dataset.name);
    else addOrganisation(option.dataset.slug, option.dataset.name);
    $("org-search").value = "";
    close();
    $("org-search").focus();
    refilter();
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest("#org-suggestions .suggestion");
    if (option) { choose(option); return; }
    var remove = event.target.closest("#filters .chip .remove");
    if (remove) {
      event.preventDefault();  // the no-JavaScript link; here the chip goes and the results follow
      var chip = remove.closest(".chip");
      var also = chip.closest("#also-chosen");
      chip.remove();
      if (also && !also.querySelector(".chip")) also.remove();
      if ($("org-search")) $("org-search").focus();
      refilter();
      return;
    }
    if (!event.target.closest(".org-typeahead")) close();  // a click elsewhere closes the list
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "org-search") return;
    var all = options(), current = active(), index = all.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!all.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(all[(index + step + all.length) % all.length]);
    } else if (event.key === "Enter") {
      event.preventDefault();  // Enter in the search box chooses; it never submits the form
      var pick = current || all[0];
      if (pick) choose(pick);
    } else if (event.key === "Escape") {
      close();
    }
  });

  // The search box is not a filter: its own change event must not refilter the timeline.
  document.addEventListener("change", function (event) {
    if (event.target.id === "org-search") event.stopPropagation();
  }, true);

  document.addEventListener("submit", function (event) {
    if (event.target.id === "filters") focusResults = true;
  }, true);

  // Requests of the filter form not answered yet. Typing then pressing Filter sends two (the blur's
  // `change`, then the submit), queued one after the other (hx-sync="this:queue last": aborting one would
  // be a console error); focus moves to the results once the last has settled.
  var pending = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "filters") pending += 1;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "filters") pending = Math.max(pending - 1, 0);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "org-suggestions") {
      var open = options().length > 0 || target.children.length > 0;
      $("org-search").setAttribute("aria-expanded", open ? "true" : "false");
      $("org-search").removeAttribute("aria-activedescendant");
    }
  });

  // After new results: say what changed in one short sentence, and after "Filter" move to the results.
  document.addEventListener("htmx:afterSettle", function (event) {
    enhance();  // the form itself is swapped in when a filter was left out
    if (!$("results") || !event.detail.target || event.detail.target.id !== "results") return;
    var errors = document.querySelector("#results .errors");
    var count = $("result-count");
    var message = (errors ? "Some filters were left out. " : "") + (count ? count.textContent.trim() : "");
    if ($("announce")) $("announce").textContent = message;
    if (pending > 0) return;  // another request of the form is on its way: its results are the ones to show
    if (focusResults && (count || errors)) {
      (count || errors).focus({ preventScroll: true });
      (errors || count).scrollIntoView({ block: "start" });
    }
    focusResults = false;
  });

  // Back and forward: htmx asks the server for the page (historyCacheSize is 0), so the form, chips and
  // results come from the URL; only the enhancement must run again.
  document.addEventListener("htmx:historyRestore", enhance);

  enhance();
})();
