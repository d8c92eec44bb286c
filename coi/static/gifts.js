// Shows what the gifts and hospitality rules say as the member fills in the form. The rules live only on the
// server (registry/services/gifts.py, numbers in registry/policy.py): this asks it, so the words never differ.
(function () {
  const form = document.getElementById("gift-form");
  const out = document.getElementById("gift-consequence");
  if (!form || !out) return;
  const url = form.dataset.assessUrl;
  let timer = null;
  let asked = 0;

  function field(id) { return form.querySelector("#" + id); }

  async function ask() {
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value || "";
    const query = new URLSearchParams({
      kind: kind, value: field("value").value, donor: field("donor").value,
      donor_is_supplier: field("donor_is_supplier").checked ? "y" : "",
      cash_or_voucher: field("cash_or_voucher").checked ? "y" : "",
    });
    const mine = ++asked;
    try {
      const response = await fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      render((await response.json()).messages || []);
    } catch (e) { /* the server still applies the rules when the form is sent */ }
  }

  function render(messages) {
    const hidden = out.querySelector(".nhsuk-u-visually-hidden");
    out.replaceChildren(hidden);
    for (const m of messages) {
      const p = document.createElement("p");
      p.textContent = m;
      out.appendChild(p);
    }
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 250); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
