// The console's one script of its own (beside htmx): a button with data-copy="ID" copies the
// text of element ID to the clipboard and says so in element ID-copied. Without script the
// buttons stay hidden and the text is there to select.
(function () {
  "use strict";
  function show() {
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-copy]");
    if (!b || !navigator.clipboard) return;
    var id = b.getAttribute("data-copy");
    var source = document.getElementById(id);
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var said = document.getElementById(id + "-copied");
      if (said) said.textContent = b.getAttribute("data-copied") || "";
    });
  });
})();
