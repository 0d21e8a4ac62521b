// Chorus dashboard: background drafts show their progress as they go; the page reloads once
// they are done, so the language bars show the drafts. Without this file the page still works.
(function () {
  "use strict";
  var script = document.currentScript;
  var t = window.chorusText || function (text) { return text; };  // ui.js: the page's language
  var url = script && script.dataset.jobs;
  function active() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-job]")).filter(function (node) {
      return node.dataset.state === "queued" || node.dataset.state === "running";
    });
  }
  if (!url || !active().length) return;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        var finished = false;
        body.jobs.forEach(function (job) {
          var node = document.querySelector('[data-job="' + job.id + '"]');
          if (!node) return;
          if (job.state === "done" || job.state === "failed") { finished = true; return; }
          node.dataset.state = job.state;
          var bar = node.querySelector('[data-role="progress"]');
          var count = node.querySelector('[data-role="count"]');
          var label = node.querySelector('[data-role="label"]');
          if (bar) { bar.max = job.total || 1; bar.value = job.done; }
          if (count) count.textContent = t("%s of %s segments", job.done, job.total || "…");
          if (label) label.textContent = t(job.state === "running" ? "Drafting in the background" : "Drafts queued");
        });
        if (finished) { location.reload(); return; }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
