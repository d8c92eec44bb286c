// Shows what the gifts and hospitality rules say as the member fills in the form. The server applies the
// same rules (registry/services/gifts.py) when the form is sent; this is only a preview.
(function () {
  const form = document.getElementById("gift-form");
  const out = document.getElementById("gift-consequence");
  if (!form || !out) return;
  const policy = JSON.parse(form.dataset.policy);
  const donorTotals = JSON.parse(form.dataset.donorTotals || "{}");
  const pounds = (p) => "£" + (p / 100).toFixed(2).replace(".00", "");

  function assess() {
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value;
    const value = parseFloat(form.querySelector("#value").value);
    if (!kind || isNaN(value)) return ["Enter the type and value to see what the rules say."];
    const pence = Math.round(value * 100);
    const supplier = form.querySelector("#donor_is_supplier").checked;
    const cash = form.querySelector("#cash_or_voucher").checked;
    const earlier = donorTotals[form.querySelector("#donor").value.trim().toLowerCase()] || 0;
    if (kind === "gift") {
      if (cash) return ["Cash and vouchers must always be declined. Record the declined offer."];
      if (supplier && pence > policy.supplier_gift_max) {
        return ["Gifts from suppliers or contractors must be declined unless worth " + pounds(policy.supplier_gift_max) + " or less. Record the declined offer."];
      }
      const total = pence + earlier;
      if (total > policy.gift_declare_over) {
        const first = earlier && pence <= policy.gift_declare_over
          ? "With earlier gifts from this donor the total is " + pounds(total) + ", over " + pounds(policy.gift_declare_over) + ": it must be declared."
          : "Gifts over " + pounds(policy.gift_declare_over) + " must be declared.";
        return [first, "It may be accepted only on behalf of the organisation, not personally."];
      }
      return ["Gifts under " + pounds(policy.gift_declare_over) + " need not be declared; you may still record it."];
    }
    if (pence < policy.hospitality_declare_from) {
      return ["Hospitality under " + pounds(policy.hospitality_declare_from) + " need not be declared; you may still record it."];
    }
    if (pence <= policy.hospitality_approval_over) {
      return ["Hospitality from " + pounds(policy.hospitality_declare_from) + " to " + pounds(policy.hospitality_approval_over) + " must be declared."];
    }
    return ["Hospitality over " + pounds(policy.hospitality_approval_over) + " must be refused unless a senior manager approves it. Name who approved it, or record it as declined."];
  }

  function render() {
    const messages = assess();
    const hidden = out.querySelector(".nhsuk-u-visually-hidden");
    out.replaceChildren(hidden);
    for (const m of messages) {
      const p = document.createElement("p");
      p.textContent = m;
      out.appendChild(p);
    }
  }
  form.addEventListener("input", render);
  form.addEventListener("change", render);
})();
