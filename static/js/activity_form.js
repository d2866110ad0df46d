/* Activity pages (plain JS, no dependencies).
 *
 * - The activity form keeps a draft of its fields in localStorage while the user types, and
 *   restores it on the next visit with a note "已恢复未提交的草稿" and a button to discard it;
 *   the page shown after a successful submit carries data-clear-draft, which removes it.
 * - Organiser rows can be added (Django formset empty_form in a <template>).
 * - Photos chosen from the camera and the gallery, in several goes, are collected into one
 *   file input, shrunk in the browser (canvas, EXIF orientation kept, longest side as the server
 *   keeps it, JPEG 0.8: a 3 MB phone photo goes up as ~0.3 MB), previewed, and checked for type
 *   and size before upload (the server checks and resizes again: it never trusts the client).
 * - Before anything is sent, required fields and the outcome values' plausible ranges (data-max,
 *   the same bound the service enforces) are checked, with a Chinese summary above the button.
 * - The form is sent with XMLHttpRequest and an upload progress bar; without JS (or without
 *   FormData) it is a plain form post, which works the same.
 * - The outcome fields are re-ordered when the category changes: what this unit fills most for
 *   that category first (data-uses from the server), the rest behind "更多".
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

  // Shrink one photo in the browser; any failure keeps the original (the server resizes it).
  var photoSide = parseInt(form.getAttribute("data-photo-side") || "1600", 10);
  var JPEG_QUALITY = 0.8;

  function decode(file) {
    if (typeof window.createImageBitmap === "function") {
      return window.createImageBitmap(file, { imageOrientation: "from-image" })
        .catch(function () { return window.createImageBitmap(file); });
    }
    return new Promise(function (resolve, reject) { // browsers orient <img> by EXIF themselves
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  function shrink(file) {
    var canvas = document.createElement("canvas");
    if (!file.type || file.type.indexOf("image/") !== 0 || file.type === "image/gif" ||
        typeof canvas.toBlob !== "function" || typeof File !== "function") {
      return Promise.resolve(file);
    }
    return decode(file).then(function (image) {
      var w = image.width, h = image.height;
      var scale = Math.min(1, photoSide / Math.max(w, h));
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified || Date.now() }));
        }, "image/jpeg", JPEG_QUALITY);
      });
    }).catch(function () { return file; });
  }

  var shrinking = [];
  if (canCollect) {
    pickers.forEach(function (picker) {
      picker.addEventListener("change", function () {
        var files = Array.prototype.slice.call(picker.files);
        picker.value = "";
        var job = Promise.all(files.map(shrink)).then(function (small) {
          small.forEach(function (f) { chosen.push(f); });
          renderPhotos();
        });
        shrinking.push(job);
        job.then(function () { shrinking.splice(shrinking.indexOf(job), 1); });
        if (warning) { warning.hidden = false; warning.textContent = "正在压缩照片…"; }
      });
    });
  }

  // --- outcome order follows the category --------------------------------------------------------
  var shownRow = document.getElementById("outcome-shown");
  var restRow = document.getElementById("outcome-rest");
  var categorySelect = form.querySelector("select[name=category]");
  function uses(cell, category) {
    var input = cell.querySelector(".outcome-input");
    var out = { cat: 0, all: 0, pos: parseInt(input.getAttribute("data-pos") || "0", 10) };
    (input.getAttribute("data-uses") || "").split(",").forEach(function (pair) {
      var kv = pair.split(":");
      if (kv[0] === category) out.cat = parseInt(kv[1], 10) || 0;
      if (kv[0] === "*") out.all = parseInt(kv[1], 10) || 0;
    });
    return out;
  }
  function reorderOutcomes() {
    if (!shownRow || !restRow || !categorySelect) return;
    var category = categorySelect.value;
    var shownCount = shownRow.querySelectorAll(".outcome-cell").length;
    var cells = Array.prototype.slice.call(form.querySelectorAll(".outcome-cell"));
    cells.sort(function (a, b) {
      var x = uses(a, category), y = uses(b, category);
      return (y.cat - x.cat) || (y.all - x.all) || (x.pos - y.pos);
    });
    cells.forEach(function (cell, i) { (i < shownCount ? shownRow : restRow).appendChild(cell); });
  }
  if (categorySelect) categorySelect.addEventListener("change", reorderOutcomes);

  // --- checks before anything is sent ------------------------------------------------------------
  var checkBox = document.getElementById("form-check");

  function labelOf(el) {
    var label = el.id ? form.querySelector("label[for='" + el.id + "']") : null;
    return label ? label.textContent.replace(/\*/g, "").trim() : el.name;
  }

  function rangeProblem(el) {
    if (!el.classList.contains("outcome-input")) return "";
    var raw = el.value.trim().replace(/[,,]/g, "");
    if (!raw) return "";
    var name = el.getAttribute("data-name") || labelOf(el);
    var value = Number(raw);
    if (!isFinite(value) || !/^-?\d*\.?\d+$/.test(raw)) return name + ":请填写数字";
    if (value < 0) return name + ":不能为负数";
    var max = el.getAttribute("data-max");
    if (max !== null && value > Number(max)) {
      return name + ":" + raw + (el.getAttribute("data-unit") || "") + "超过单次活动的合理上限" + max +
        (el.getAttribute("data-unit") || "") + ",请核对";
    }
    return "";
  }

  function markField(el, message) {
    el.classList.toggle("is-invalid", !!message);
    var feedback = el.parentNode.querySelector(".client-feedback");
    if (message) {
      if (!feedback) {
        feedback = document.createElement("div");
        feedback.className = "invalid-feedback client-feedback";
        el.parentNode.appendChild(feedback);
      }
      feedback.textContent = message;
    } else if (feedback) {
      feedback.remove();
    }
  }

  function checkForm() {
    var problems = [], first = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.disabled) return;
      var message = "";
      if (el.willValidate && el.validity && el.validity.valueMissing) {
        message = el.getAttribute("data-required-message") || labelOf(el) + ":必填";
      } else if (el.willValidate && el.validity && !el.validity.valid && el.type !== "text") {
        message = labelOf(el) + ":" + (el.validationMessage || "格式不对");
      } else {
        message = rangeProblem(el);
      }
      markField(el, message);
      if (message) { problems.push(message); if (!first) first = el; }
    });
    if (warning && !warning.hidden && form.querySelector(".photo-bad")) {
      problems.push("有照片不能上传(见照片下方的提示)");
    }
    if (checkBox) {
      checkBox.hidden = problems.length === 0;
      checkBox.innerHTML = "";
      if (problems.length) {
        var head = document.createElement("div");
        head.innerHTML = '<i class="bi bi-exclamation-triangle"></i> 还有 ' + problems.length +
          " 处需要修改,改好后再提交(还没有上传任何内容):";
        var list = document.createElement("ul");
        list.className = "mb-0 small";
        problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; list.appendChild(li); });
        checkBox.appendChild(head);
        checkBox.appendChild(list);
      }
    }
    if (first) {
      var more = first.closest("details");
      while (more) { more.open = true; more = more.parentNode.closest("details"); }
      first.focus();
    }
    return problems.length === 0;
  }

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("outcome-input")) markField(el, rangeProblem(el));
    else if (el.classList && el.classList.contains("is-invalid") && el.validity && el.validity.valid) markField(el, "");
  });

  // --- submit: checked first, sent once, with a progress bar --------------------------------------
  var submitButton = document.getElementById("activity-submit");
  var submitLabel = submitButton ? submitButton.innerHTML : "";
  var progress = document.getElementById("upload-progress");
  var progressBar = document.getElementById("upload-progress-bar");
  var progressText = document.getElementById("upload-progress-text");
  var sending = false;

  function showProgress(loaded, totalBytes) {
    if (!progress) return;
    progress.hidden = false;
    var pct = totalBytes ? Math.min(100, Math.round(loaded * 100 / totalBytes)) : 0;
    progressBar.style.width = pct + "%";
    progressBar.parentNode.setAttribute("aria-valuenow", String(pct));
    progressText.textContent = pct < 100 ? "正在上传 " + sizeText(loaded) + " / " + sizeText(totalBytes) + "(" + pct + "%)"
      : "已上传,正在保存…";
  }

  function resetButton() {
    sending = false;
    if (submitButton) { submitButton.disabled = false; submitButton.innerHTML = submitLabel; }
  }

  // Photos go up first, one by one, to the user's own staging area: a form the server refuses
  // then comes back with them kept (hidden "staged" ids), and nothing is uploaded twice.
  var stageUrl = form.getAttribute("data-stage-url");
  var stagedBox = document.getElementById("photo-staged");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  if (stagedBox) {
    stagedBox.addEventListener("click", function (event) {
      var button = event.target.closest(".staged-remove");
      if (button) button.closest(".staged-cell").remove();
    });
  }

  function stageOne(file, done, totalBytes) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
      data.append("photo", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", stageUrl);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) { showProgress(done + e.loaded, totalBytes); });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 200 && answer && answer.id) resolve(answer);
        else reject(new Error((answer && answer.error) || "照片上传失败(" + xhr.status + ")"));
      });
      xhr.addEventListener("error", function () { reject(new Error("network")); });
      xhr.send(data);
    });
  }

  function stagePhotos() {
    if (!stageUrl || !stagedBox || !chosen.length) return Promise.resolve();
    var totalBytes = chosen.reduce(function (sum, f) { return sum + f.size; }, 0);
    var done = 0;
    var chain = Promise.resolve();
    chosen.slice().forEach(function (file) {
      chain = chain.then(function () {
        return stageOne(file, done, totalBytes).then(function (answer) {
          done += file.size;
          var cell = document.createElement("div");
          cell.className = "photo-cell staged-cell";
          cell.innerHTML = '<img alt="已上传的照片"><input type="hidden" name="staged">' +
            '<button type="button" class="btn btn-sm btn-light photo-remove staged-remove" aria-label="不要这张">' +
            '<i class="bi bi-x-lg"></i></button>';
          cell.querySelector("img").src = answer.thumb;
          cell.querySelector("input").value = String(answer.id);
          stagedBox.appendChild(cell);
          chosen.splice(chosen.indexOf(file), 1);
          renderPhotos();
        });
      });
    });
    return chain;
  }

  function send() {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) showProgress(e.loaded, e.total); });
    xhr.addEventListener("load", function () {
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") === 0) {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (answer && answer.redirect) { window.location.assign(answer.redirect); return; } // saved
      }
      document.open(); // the form again, with the server's messages next to the fields
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      resetButton();
      if (progress) progress.hidden = true;
      if (checkBox) {
        checkBox.hidden = false;
        checkBox.textContent = "网络中断,没有提交成功。已填的内容保存在本机草稿里,请稍后再点“提交”。";
      }
    });
    xhr.send(new FormData(form));
  }

  form.addEventListener("submit", function (event) {
    saveDraft();
    if (sending) { event.preventDefault(); return; }
    if (!checkForm()) { event.preventDefault(); if (checkBox) checkBox.scrollIntoView({ block: "center" }); return; }
    sending = true;
    if (submitButton) {
      setTimeout(function () {
        submitButton.disabled = true;
        submitButton.textContent = "正在提交…";
      }, 0);
    }
    if (typeof FormData !== "function" || typeof XMLHttpRequest !== "function") return; // plain post
    event.preventDefault();
    Promise.all(shrinking.slice()).then(stagePhotos).then(send, function (err) {
      if (err && err.message !== "network") { // a photo the server refuses: say which, keep the rest
        resetButton();
        if (progress) progress.hidden = true;
        if (warning) { warning.hidden = false; warning.textContent = err.message; }
        return;
      }
      send(); // staging unreachable: the photos still go up with the form itself
    });
  });
  window.addEventListener("pageshow", function () { // back from a failed submission
    resetButton();
  });
})();
