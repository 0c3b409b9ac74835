/* DCC → Export: poll each running export every second; reload once one has finished so the server renders its files.
   Loaded by templates/dcc/overview.html while an export runs (a file, not inline: the Content-Security-Policy). */
(function () {
  "use strict";
  document.querySelectorAll(".dcc-status").forEach(function (label) {
    var bar = label.parentNode.querySelector(".dcc-bar");
    function poll() {
      fetch(label.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.finished) { window.location.reload(); return; }
          label.textContent = s.status_display;
          bar.value = s.progress;
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 1000); });
    }
    setTimeout(poll, 1000);
  });
})();
