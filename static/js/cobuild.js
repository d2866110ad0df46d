// Behaviour every page may use, declared by data attributes instead of inline handlers (the
// Content-Security-Policy allows no inline script):
//   <button data-print>            prints the page
//   <form data-confirm="问题?">     asks before submitting
//   <a data-back href="/">          goes back in the browser's history (the href is the fallback)
(function () {
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-print], [data-back]") : null;
    if (!t) return;
    if (t.hasAttribute("data-print")) { e.preventDefault(); window.print(); }
    else if (t.hasAttribute("data-back") && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target, q = f.getAttribute && f.getAttribute("data-confirm");
    if (q && !window.confirm(q)) { e.preventDefault(); }
  });
})();
