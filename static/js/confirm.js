// Irreversible actions ask first. A submit button (or its form) with data-confirm="…" shows the
// message in the browser's own confirmation dialog, and the form is sent only on OK.
// With data-confirm-count="NAME", "{chosen}" and "{others}" in the message count the ticked and
// the unticked boxes named NAME in the form (the selection: how many become selected, how many
// not). Without JavaScript the button acts at once, as it always did.
(function () {
  function message(form, source) {
    let text = source.dataset.confirm;
    const name = source.dataset.confirmCount;
    if (name) {
      const boxes = form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
      let chosen = 0;
      boxes.forEach(function (box) {
        if (box.checked) chosen += 1;
      });
      text = text.split("{chosen}").join(chosen).split("{others}").join(boxes.length - chosen);
    }
    return text;
  }

  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      const button = event.submitter;
      let source = null;
      if (button && button.dataset.confirm) source = button;
      else if (form.dataset && form.dataset.confirm) source = form;
      if (!source) return;
      if (!window.confirm(message(form, source))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
