/* The send-notice form (notices/notice_form.html): show only the fields that apply — the
 * township for "all villages of a township", the unit list for "choose one by one", the task's
 * completion rule and its linked-records criterion for a task. Without JavaScript every field
 * shows and the server ignores the ones that do not apply. */
(function () {
  "use strict";
  var form = document.getElementById("notice-form");
  if (!form) return;
  function val(name) {
    var checked = form.querySelector("input[name=" + name + "]:checked");
    if (checked) return checked.value;
    var el = form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }
  function show(id, on) {
    var el = document.getElementById("div_id_" + id);
    if (el) el.hidden = !on;
  }
  function update() {
    var task = val("kind") === "task", target = val("target"), records = task && val("done_by") === "records";
    show("township", target === "township_villages");
    show("units", target === "chosen");
    show("done_by", task);
    ["criterion_category", "criterion_min", "criterion_from", "criterion_to"].forEach(function (f) { show(f, records); });
  }
  form.addEventListener("change", update);
  update();
})();
