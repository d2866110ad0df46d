/* Search-as-you-type for big choice lists (plain JS, no dependencies; cobuild/pickers.py).
 *
 * A <select data-picker-url> holds only the empty option and the selected value (rendered on
 * the server). This script puts a combobox in front of it: typing asks the URL (?q=) for at
 * most ~20 matches by code or name, the arrow keys move through them, Enter or a tap chooses
 * one, Escape closes the list. The choice is written into the select (which the form submits,
 * and whose "change" event other scripts listen to); clearing the text of an optional field
 * chooses the empty option. Without JavaScript the select still submits the current value.
 */
(function () {
  "use strict";

  var DELAY = 200;
  var seq = 0;

  function enhance(select) {
    var url = select.getAttribute("data-picker-url");
    var n = ++seq;
    var inputId = select.id || "picker-" + n;
    var listId = inputId + "-list";
    var size = select.classList.contains("form-select-sm") ? " form-control-sm"
      : select.classList.contains("form-select-lg") ? " form-control-lg" : "";

    var wrap = document.createElement("div");
    wrap.className = "picker";
    var input = document.createElement("input");
    input.type = "text";
    input.className = "form-control" + size +
      (select.classList.contains("is-invalid") ? " is-invalid" : "");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("enterkeyhint", "search");
    input.placeholder = select.getAttribute("data-picker-placeholder") || "输入名称或编码查找";
    var label = select.getAttribute("aria-label");
    if (label) input.setAttribute("aria-label", label);
    if (select.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list list-group shadow-sm";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    // The select keeps its id (other scripts read it) and holds the value; its label now
    // points at the text box.
    input.id = inputId + "-search";
    if (select.id) {
      document.querySelectorAll("label[for='" + select.id + "']").forEach(function (l) { l.htmlFor = input.id; });
    }
    select.hidden = true;
    select.tabIndex = -1;
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(select);

    var optional = Array.prototype.some.call(select.options, function (o) { return o.value === ""; });
    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var asked = null;

    function currentText() {
      var o = select.options[select.selectedIndex];
      return o && o.value ? o.text : "";
    }
    input.value = currentText();

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var lis = list.querySelectorAll("[role=option]");
      if (!lis.length) return;
      active = (i + lis.length) % lis.length;
      lis.forEach(function (li, k) {
        var on = k === active;
        li.classList.toggle("active", on);
        li.setAttribute("aria-selected", on ? "true" : "false");
        if (on) {
          input.setAttribute("aria-activedescendant", li.id);
          if (li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
        }
      });
    }

    function choose(item) {
      var opt = null;
      Array.prototype.forEach.call(select.options, function (o) { if (o.value === String(item.id)) opt = o; });
      if (!opt) {
        opt = document.createElement("option");
        opt.value = String(item.id);
        select.appendChild(opt);
      }
      opt.text = item.text;
      var changed = select.value !== opt.value;
      select.value = opt.value;
      input.value = item.text;
      close();
      if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function clear() {
      if (!optional) { input.value = currentText(); return; }
      var changed = select.value !== "";
      select.value = "";
      input.value = "";
      if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(data) {
      list.innerHTML = "";
      items = data.results || [];
      items.forEach(function (item, k) {
        var li = document.createElement("li");
        li.id = listId + "-" + k;
        li.className = "list-group-item list-group-item-action";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var main = document.createElement("div");
        main.textContent = item.text;
        li.appendChild(main);
        if (item.detail) {
          var sub = document.createElement("div");
          sub.className = "small text-muted";
          sub.textContent = item.detail;
          li.appendChild(sub);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(item); });
        list.appendChild(li);
      });
      var note = null;
      if (!items.length) note = "没有匹配的结果";
      else if (data.more) note = "只显示前 " + items.length + " 项,请输入更多字缩小范围";
      if (note) {
        var li2 = document.createElement("li");
        li2.className = "list-group-item small text-muted";
        li2.setAttribute("aria-disabled", "true");
        li2.textContent = note;
        list.appendChild(li2);
      }
      status.textContent = items.length ? "找到 " + items.length + (data.more ? " 项以上" : " 项") : "没有匹配的结果";
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      var term = input.value.trim();
      if (term === currentText()) term = "";   // focus on a chosen value: show the first ones
      if (asked === term && !list.hidden) return;
      asked = term;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(term), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (data) {
        if (document.activeElement === input) render(data);
      }).catch(function (e) {
        if (e && e.name === "AbortError") return;
        status.textContent = "查找失败,请稍后再试";
      });
    }

    function searchSoon() {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    }

    input.addEventListener("input", function () { asked = null; searchSoon(); });
    input.addEventListener("focus", function () { asked = null; searchSoon(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { asked = null; search(); return; }
        highlight(active + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0 && items[active]) {
          e.preventDefault();
          choose(items[active]);
        } else if (!list.hidden) {
          e.preventDefault();   // Enter in the search box never submits a half-chosen form
          if (items.length === 1) choose(items[0]);
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
          input.value = currentText();
        }
      }
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      setTimeout(function () {
        close();
        if (input.value.trim() === "") clear();
        else input.value = currentText();
      }, 150);
    });
  }

  document.querySelectorAll("select[data-picker-url]").forEach(enhance);
})();
