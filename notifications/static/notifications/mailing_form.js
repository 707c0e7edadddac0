// The mailing form: a live recipient count and a preview of the text.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function post(url, form, extra) {
    var data = new FormData(form);
    data.delete("photo");
    Object.keys(extra || {}).forEach(function (key) { data.set(key, extra[key]); });
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) { return response.json(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("mailing-live");
    if (!live) return;
    var form = live.closest("form");
    var count = document.getElementById("mailing-count");
    var preview = document.getElementById("mailing-preview");
    var note = document.getElementById("mailing-preview-note");
    var problems = document.getElementById("mailing-problems");
    var text = form.querySelector("[name=text]");
    var photo = form.querySelector("[name=photo]");
    var editable = Boolean(text);

    var recount = debounce(function () {
      post(live.dataset.countUrl, form).then(function (answer) {
        count.textContent = answer.error || answer.text;
      });
    }, 400);

    var render = debounce(function () {
      var hasPhoto = photo && (photo.files.length || live.dataset.hasPhoto) ? "1" : "";
      post(live.dataset.previewUrl, form, { has_photo: hasPhoto }).then(function (answer) {
        note.textContent = answer.note;  // whose text it is, or that nobody gets it
        preview.innerHTML = answer.html;  // built server-side from checked Telegram HTML
        problems.replaceChildren.apply(problems, answer.problems.map(function (problem) {
          var item = document.createElement("li");
          item.textContent = problem;
          return item;
        }));
      });
    }, 400);

    if (!editable) return;
    form.addEventListener("change", function () { recount(); render(); });
    text.addEventListener("input", render);
    recount();
    render();
  });
})();
