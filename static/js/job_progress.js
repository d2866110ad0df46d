// Poll a background job's status (components/job_progress.html) and reload when it has finished.
(function () {
  "use strict";
  document.querySelectorAll("[data-job-progress]").forEach(function (box) {
    var url = box.dataset.statusUrl;
    var bar = box.querySelector("[data-job-bar]");
    var stage = box.querySelector("[data-job-stage]");
    var count = box.querySelector("[data-job-count]");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (s) {
          if (s.finished) { window.location.reload(); return; }
          bar.style.width = s.percent + "%";
          bar.textContent = s.percent + "%";
          bar.parentElement.setAttribute("aria-valuenow", s.percent);
          if (s.stage) { stage.textContent = s.stage; }
          if (s.total) { count.textContent = "已处理 " + s.done + " / " + s.total; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(function () { window.location.reload(); }, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
