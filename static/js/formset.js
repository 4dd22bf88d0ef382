// Rows of a Django formset added and removed in the page without losing what was typed.
// <table data-formset="PREFIX"> holds rows marked data-row; <template data-empty-row="PREFIX">
// holds the empty form (with __prefix__); a button data-add-row="PREFIX" appends a row.
// Removing a row ticks its DELETE box and hides it, so the server drops it on save.
(function () {
  function refreshNumbers(table) {
    let n = 0;
    table.querySelectorAll("tr[data-row]").forEach(function (row) {
      if (row.hidden) return;
      n += 1;
      const cell = row.querySelector("[data-row-number]");
      if (cell) cell.textContent = n;
    });
  }
  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const prefix = add.dataset.addRow;
      const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      const template = document.querySelector('template[data-empty-row="' + prefix + '"]');
      const table = document.querySelector('[data-formset="' + prefix + '"] tbody');
      const index = parseInt(total.value, 10);
      const max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      const visible = table.querySelectorAll("tr[data-row]:not([hidden])").length;
      if (max && visible >= parseInt(max.value, 10)) {
        add.setAttribute("aria-disabled", "true");
        return;
      }
      table.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, index));
      total.value = index + 1;
      refreshNumbers(table.closest("table"));
      const first = table.lastElementChild.querySelector("input, select");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const row = remove.closest("tr[data-row]");
      const box = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
      if (box) box.checked = true;
      row.hidden = true;
      refreshNumbers(row.closest("table"));
      const prefix = row.closest("[data-formset]").dataset.formset;
      const add = document.querySelector('[data-add-row="' + prefix + '"]');
      if (add) add.removeAttribute("aria-disabled");
    }
  });
  // A live count of the plan's length, as the policy counts it (server is the judge).
  document.addEventListener("input", function (event) {
    const area = event.target.closest("textarea[data-limit]");
    if (!area) return;
    const out = document.querySelector('[data-counter-for="' + area.id + '"]');
    if (!out) return;
    const text = area.value;
    const cjk = (text.match(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/g) || []).length;
    const rest = text.replace(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/g, " ");
    const words = (rest.match(/[A-Za-z0-9]+(?:[-'.][A-Za-z0-9]+)*/g) || []).length;
    const marks = rest.replace(/[A-Za-z0-9]+(?:[-'.][A-Za-z0-9]+)*/g, " ").replace(/\s/g, "").length;
    const count = cjk + words + marks;
    out.textContent = count + " / " + area.dataset.limit;
    out.classList.toggle("over", count > parseInt(area.dataset.limit, 10));
  });
})();
