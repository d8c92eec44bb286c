// The organisation field as GOV.UK's accessible-autocomplete: suggestions from the directory as the member
// types (name, ODS code or postcode), announced to screen readers, and one last choice, "not in the directory",
// which keeps what they typed. Without JavaScript the plain field and its checkbox do the same job.
(function () {
  const box = document.querySelector(".coi-organisation");
  const input = document.getElementById("organisation");
  const hidden = document.querySelector("[data-typeahead-target='organisation']");
  const notListed = document.getElementById("not_in_directory");
  if (!box || !input || !hidden || !window.accessibleAutocomplete) return;

  const NOT_LISTED = "Not in the directory: keep \u201c";
  const url = box.dataset.searchUrl;
  const byLabel = new Map();
  let lastQuery = "";

  function isNotListed(option) { return typeof option === "string" && option.startsWith(NOT_LISTED); }

  async function source(query, populate) {
    lastQuery = query;
    try {
      const response = await fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } });
      const found = response.ok ? await response.json() : [];
      if (query !== lastQuery) return;
      found.forEach((r) => byLabel.set(r.label, r.id));
      populate(found.map((r) => r.label).concat([NOT_LISTED + query + "\u201d as I typed it"]));
    } catch (e) {
      populate([NOT_LISTED + query + "\u201d as I typed it"]);
    }
  }

  function confirm(option) {
    if (option === undefined) return;  // left the field without choosing: the server asks them to choose
    if (isNotListed(option)) {
      hidden.value = "";
      notListed.checked = true;
    } else {
      hidden.value = String(byLabel.get(option) || "");
      notListed.checked = false;
    }
  }

  // The component renders its own input with the same id and name, so the label still names it.
  const describedBy = input.getAttribute("aria-describedby") || "";
  const container = document.createElement("div");
  input.replaceWith(container);
  window.accessibleAutocomplete({
    element: container,
    id: "organisation",
    name: "organisation",
    defaultValue: input.value,
    minLength: 2,
    showNoOptionsFound: false,
    confirmOnBlur: false,
    source: source,
    onConfirm: confirm,
    templates: {
      inputValue: (option) => (isNotListed(option) ? lastQuery : option || ""),
      suggestion: (option) => option,
    },
  });
  const created = document.getElementById("organisation");
  if (created && describedBy) {
    created.setAttribute("aria-describedby", (describedBy + " " + (created.getAttribute("aria-describedby") || "")).trim());
  }
  if (input.classList.contains("nhsuk-input--error") && created) created.classList.add("nhsuk-input--error");
  created && created.addEventListener("input", function () { hidden.value = ""; notListed.checked = false; });
  // With the list offering "not in the directory", the checkbox is for people without JavaScript.
  notListed.closest(".nhsuk-form-group").hidden = true;
})();
