/* Activity pages (plain JS, no dependencies).
 *
 * - The activity form keeps a draft of its fields in localStorage while the user types, and
 *   restores it on the next visit with a note "已恢复未提交的草稿" and a button to discard it;
 *   the page shown after a successful submit carries data-clear-draft, which removes it.
 * - Organiser rows can be added (Django formset empty_form in a <template>).
 * - Photos chosen from the camera and the gallery, in several goes, are collected into one
 *   file input, previewed, and checked for type and size before upload (the server checks again).
 * - Changing the unit reloads the form with that unit's pairings and organisers (draft kept).
 * - Review forms: returning a record needs a comment.
 */
(function () {
  "use strict";

  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem("cobuild:probe", "1");
    storage.removeItem("cobuild:probe");
  } catch (e) {
    storage = null;
  }

  // --- after a successful submit -------------------------------------------------------------
  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    if (storage) storage.removeItem(el.getAttribute("data-clear-draft"));
  });

  // --- review forms: a comment is required to return --------------------------------------------
  document.querySelectorAll("form.review-form").forEach(function (form) {
    form.querySelectorAll("[data-needs-comment]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var comment = form.querySelector("textarea[name=comment]");
        if (comment && !comment.value.trim()) {
          event.preventDefault();
          comment.classList.add("is-invalid");
          comment.setAttribute("placeholder", "退回时请写明需要修改的地方");
          comment.focus();
        }
      });
    });
  });

  var form = document.getElementById("activity-form");
  if (!form) return;

  var draftKey = form.getAttribute("data-draft-key");
  var bound = form.getAttribute("data-bound") === "1";
  var note = document.getElementById("draft-note");

  // --- organiser rows ----------------------------------------------------------------------------
  var rows = document.getElementById("organizer-rows");
  var template = document.getElementById("organizer-template");
  var total = form.querySelector("input[name=org-TOTAL_FORMS]");
  var maxForms = form.querySelector("input[name=org-MAX_NUM_FORMS]");
  var addButton = document.getElementById("organizer-add");

  function addOrganizerRow() {
    var n = parseInt(total.value, 10) || 0;
    if (maxForms && n >= parseInt(maxForms.value, 10)) return null;
    var html = template.innerHTML.replace(/__prefix__/g, String(n));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(n + 1);
    return row;
  }

  if (addButton && template && total) {
    addButton.addEventListener("click", function () {
      var row = addOrganizerRow();
      if (row) {
        var select = row.querySelector("select");
        if (select) select.focus();
        saveDraft();
      }
    });
  }

  // --- draft ------------------------------------------------------------------------------------
  function draftFields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.name !== "csrfmiddlewaretoken" &&
        el.type !== "submit" && el.type !== "button";
    });
  }

  function saveDraft() {
    if (!storage || !draftKey) return;
    var values = {};
    draftFields().forEach(function (el) {
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try {
      storage.setItem(draftKey, JSON.stringify({ savedAt: Date.now(), values: values }));
    } catch (e) { /* storage full: nothing more to do */ }
  }

  var timer = null;
  function saveSoon() {
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 300);
  }

  function setValue(el, value) {
    if (el.type === "checkbox") {
      el.checked = value === true;
    } else if (el.tagName === "SELECT") {
      var exists = Array.prototype.some.call(el.options, function (o) { return o.value === value; });
      if (exists) el.value = value;
    } else if (el.type !== "hidden" || el.name.indexOf("FORMS") === -1) {
      el.value = value;
    }
  }

  function restoreDraft() {
    if (!storage || !draftKey) return false;
    var raw = storage.getItem(draftKey);
    if (!raw) return false;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return false; }
    if (!draft || !draft.values) return false;
    var values = draft.values;
    var wanted = parseInt(values["org-TOTAL_FORMS"], 10) || 0;
    while (total && template && (parseInt(total.value, 10) || 0) < wanted) {
      if (!addOrganizerRow()) break;
    }
    draftFields().forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(values, el.name)) setValue(el, values[el.name]);
    });
    if (note) {
      var when = new Date(draft.savedAt || Date.now());
      var pad = function (x) { return (x < 10 ? "0" : "") + x; };
      var time = document.getElementById("draft-time");
      if (time) time.textContent = "(" + (when.getMonth() + 1) + "月" + when.getDate() + "日 " +
        pad(when.getHours()) + ":" + pad(when.getMinutes()) + ")";
      note.classList.remove("d-none");
      note.classList.add("d-flex");
    }
    return true;
  }

  if (bound) {
    saveDraft(); // the re-shown form (with errors) is the draft now
  } else {
    restoreDraft();
  }
  form.addEventListener("input", saveSoon);
  form.addEventListener("change", saveSoon);

  var discard = document.getElementById("draft-discard");
  if (discard) {
    discard.addEventListener("click", function () {
      if (storage) storage.removeItem(draftKey);
      window.location.replace(window.location.pathname);
    });
  }

  // --- changing the unit reloads its pairings and organisers -------------------------------------
  var unitSelect = form.querySelector("select[name=unit]");
  if (unitSelect) {
    unitSelect.addEventListener("change", function () {
      saveDraft();
      window.location.search = "?unit=" + encodeURIComponent(unitSelect.value);
    });
  }

  // --- outcome count in the section's summary ----------------------------------------------------
  var outcomeCount = document.getElementById("outcome-count");
  function countOutcomes() {
    if (!outcomeCount) return;
    var n = Array.prototype.filter.call(form.querySelectorAll(".outcome-input"), function (el) {
      return el.value.trim() !== "";
    }).length;
    outcomeCount.textContent = n ? "已填 " + n + " 项" : "";
  }
  form.addEventListener("input", countOutcomes);
  countOutcomes();

  // --- photos: collect several picks into one input, preview, check ------------------------------
  var maxBytes = parseInt(form.getAttribute("data-max-photo-bytes") || "0", 10);
  var pickers = form.querySelectorAll(".photo-input");
  var previews = document.getElementById("photo-previews");
  var warning = document.getElementById("photo-warning");
  var canCollect = typeof DataTransfer === "function" && pickers.length > 0;
  var collector = null;
  var chosen = [];
  if (canCollect) {
    try { new DataTransfer(); } catch (e) { canCollect = false; }
  }
  if (canCollect) {
    collector = document.createElement("input");
    collector.type = "file";
    collector.name = "photos";
    collector.multiple = true;
    collector.hidden = true;
    collector.id = "photo-collector";
    form.appendChild(collector);
    pickers.forEach(function (p) { p.removeAttribute("name"); });
  }

  function sizeText(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function problemOf(file) {
    if (file.type && file.type.indexOf("image/") !== 0) return "“" + file.name + "”不是图片";
    if (maxBytes && file.size > maxBytes) return "“" + file.name + "”有 " + sizeText(file.size) + ",超过 " + sizeText(maxBytes);
    return "";
  }

  function renderPhotos() {
    var dt = new DataTransfer();
    chosen.forEach(function (f) { dt.items.add(f); });
    collector.files = dt.files;
    previews.innerHTML = "";
    var problems = [];
    chosen.forEach(function (file, i) {
      var cell = document.createElement("div");
      cell.className = "photo-cell";
      var problem = problemOf(file);
      if (problem) { cell.classList.add("photo-bad"); problems.push(problem); }
      if (!problem || file.type.indexOf("image/") === 0) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        cell.appendChild(img);
      }
      var size = document.createElement("span");
      size.className = "photo-size";
      size.textContent = sizeText(file.size);
      cell.appendChild(size);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-light photo-remove";
      remove.setAttribute("aria-label", "不上传这张");
      remove.innerHTML = '<i class="bi bi-x-lg"></i>';
      remove.addEventListener("click", function () { chosen.splice(i, 1); renderPhotos(); });
      cell.appendChild(remove);
      previews.appendChild(cell);
    });
    if (warning) {
      warning.hidden = problems.length === 0;
      warning.textContent = problems.length ? problems.join(";") + "。请点照片右上角的 × 去掉它,或换一张。" : "";
    }
  }

  if (canCollect) {
    pickers.forEach(function (picker) {
      picker.addEventListener("change", function () {
        Array.prototype.forEach.call(picker.files, function (f) { chosen.push(f); });
        picker.value = "";
        renderPhotos();
      });
    });
  }

  // --- submit: no double submission -----------------------------------------------------------
  var submitButton = document.getElementById("activity-submit");
  var submitLabel = submitButton ? submitButton.innerHTML : "";
  form.addEventListener("submit", function () {
    saveDraft();
    if (submitButton) {
      setTimeout(function () {
        submitButton.disabled = true;
        submitButton.textContent = "正在提交…";
      }, 0);
    }
  });
  window.addEventListener("pageshow", function () { // back from a failed submission
    if (submitButton) {
      submitButton.disabled = false;
      submitButton.innerHTML = submitLabel;
    }
  });
})();
