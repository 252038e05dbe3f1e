// select2 (the admin's autocomplete) gives its box role="textbox" without a name; name it after the
// field's label so screen readers (and axe) know which field it is.
window.addEventListener("load", function () {
  "use strict";
  document.querySelectorAll(".select2-selection__rendered[role='textbox']").forEach(function (box) {
    if (box.hasAttribute("aria-label")) {
      return;
    }
    var id = (box.id || "").replace(/^select2-/, "").replace(/-container$/, "");
    var label = id && document.querySelector("label[for='" + id + "']");
    box.setAttribute("aria-label", label ? label.textContent.replace(/:$/, "").trim() : "Search");
  });
});
