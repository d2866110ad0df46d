// Help pair form: show only the chosen village's pairings (the server checks the match as well).
(function () {
  var village = document.getElementById("id_village"), pairing = document.getElementById("id_pairing");
  if (!village || !pairing) return;
  function sync() {
    Array.prototype.forEach.call(pairing.options, function (o) {
      var v = o.getAttribute("data-village");
      var hide = v !== null && village.value !== "" && v !== village.value;
      o.hidden = hide; o.disabled = hide;
      if (hide && o.selected) { pairing.value = ""; }
    });
  }
  village.addEventListener("change", sync);
  sync();
})();
