/* An Excel upload job: poll it every second; reload once it has finished so the server renders the outcome.
   Loaded by templates/procedures/uploadjob_detail.html while the job runs (a file, not inline: the CSP). */
(function () {
  "use strict";
  var box = document.getElementById("upload-job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("upload-bar");
  var count = document.getElementById("upload-count");
  var status = document.getElementById("upload-status");
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.finished) { window.location.reload(); return; }
        status.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
        bar.max = job.rows_total || 1;
        bar.value = job.rows_done;
        count.textContent = job.rows_done + " of " + (job.rows_total === null ? "?" : job.rows_total) + " rows read.";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
