/* The crontab's meaning in words under the field, on django-celery-beat's admin form. */
"use strict";
(function () {
  var script = document.getElementById("periodic-task-overrides");
  var data = document.getElementById("readable-crontabs");
  var $ = window.django && window.django.jQuery;
  if (!script || !data || !$) return;
  var readable = JSON.parse(data.textContent);
  var original = script.dataset.helpText || "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var help = $(".field-crontab .help");
    help.text(original);
    var words = readable[$("#id_crontab").val()];
    if (words) help.append($("<br>"), document.createTextNode("Translation: " + words));
  });
})();
