// Reads the quorum rule back in plain words as it is typed (the server parses it; the form's own check still runs).
(function () {
  var box = document.getElementById("quorum-rule-reading");
  var field = document.getElementById("quorum_rule");
  if (!box || !field) { return; }
  var reading = box.querySelector("[data-reading]");
  var timer = null;
  function check() {
    var url = box.getAttribute("data-check-url") + "?rule=" + encodeURIComponent(field.value);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        reading.textContent = (answer.ok ? "Reads as: " : "Not understood: ") + answer.message;
      })
      .catch(function () { reading.textContent = ""; });
  }
  field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
  if (field.value) { check(); }
})();
