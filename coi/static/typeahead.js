// Type-ahead for the organisation field: fills a <datalist> from the directory as the person types,
// and records the chosen directory entry in the hidden organisation_id field. Without JavaScript the
// person types the name or ODS code and the server resolves it.
(function () {
  const script = document.currentScript;
  const url = script && script.dataset.url;
  const input = document.getElementById("organisation");
  const hidden = document.querySelector("[data-typeahead-target='organisation']");
  const list = document.getElementById("organisation-options");
  if (!url || !input || !hidden || !list) return;
  input.setAttribute("list", list.id);
  let results = [];
  let timer = null;
  input.addEventListener("input", function () {
    const chosen = results.find((r) => r.label === input.value);
    hidden.value = chosen ? String(chosen.id) : "";
    if (chosen) return;
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const q = input.value.trim();
      if (q.length < 2) return;
      try {
        const response = await fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } });
        if (!response.ok) return;
        results = await response.json();
        list.replaceChildren(...results.map(function (r) {
          const option = document.createElement("option");
          option.value = r.label;
          return option;
        }));
      } catch (e) { /* the field still works as free text */ }
    }, 200);
  });
})();
