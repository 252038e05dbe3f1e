// select2 (the admin's autocomplete) gives its box role="textbox" without a name; name it after the
// field's label so screen readers (and axe) know which field it is. select2 may build its boxes after
// this script runs, so boxes are named as they appear.
(function () {
  "use strict";
  function name(root) {
    root.querySelectorAll(".select2-selection__rendered[role='textbox']:not([aria-label])").forEach(function (box) {
      var id = (box.id || "").replace(/^select2-/, "").replace(/-container$/, "");
      var label = id && document.querySelector("label[for='" + id + "']");
      box.setAttribute("aria-label", label ? label.textContent.replace(/:$/, "").trim() : "Search");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    name(document);
    new MutationObserver(function () { name(document); }).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", function () { name(document); });
})();
