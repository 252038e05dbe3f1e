// The review screen's keys (listed on the page): an element with data-key="p" is clicked when p is
// pressed outside a text field; "d" jumps to the possible duplicates. No other behaviour.
(function () {
  "use strict";
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return target.isContentEditable || tag === "input" || tag === "textarea" || tag === "select";
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === "d") {
      var duplicates = document.getElementById("duplicates");
      if (duplicates) {
        event.preventDefault();
        duplicates.scrollIntoView();
        duplicates.focus();
      }
      return;
    }
    var control = document.querySelector('[data-key="' + event.key + '"]');
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
