"use strict";
// The gateway form: show the notes of the kind picked in the Kind select (gateways/admin_kinds.py).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("id_kind");
  const panel = document.getElementById("kind-notes");
  if (!select || !panel) {
    return;
  }
  const show = () => {
    for (const card of panel.querySelectorAll("[data-kind]")) {
      card.hidden = card.dataset.kind !== select.value;
    }
  };
  select.addEventListener("change", show);
  show();
});
