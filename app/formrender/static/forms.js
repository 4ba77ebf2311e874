/* Form comfort, all progressive enhancement (the server checks everything anyway):
   - after a refused submit, the error summary gets focus and scrolls into view (phones too);
   - a field with data-maxlength shows "n / max karakter" and warns when over: nothing is cut,
     the server refuses a text that is too long and keeps it for shortening;
   - a file input with data-max-bytes refuses a file that is too big at once, before sending,
     so nothing typed is lost;
   - a form marked data-unsaved-warning asks before the page is left with unsaved changes;
   - a one-time form token (input data-once-token) survives Back: when the browser reloads a
     form it had sent, the sent token is put back, so sending again shows the first result
     instead of creating a copy (the server replays a known token).
   Texts come from the page (data-* of .form-texts), so they follow the page's language. */
(function () {
  "use strict";

  var texts = document.querySelector(".form-texts");
  function text(name, values) {
    var template = (texts && texts.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) {
      template = template.split("{" + key + "}").join(values[key]);
    });
    return template;
  }

  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (!summary) {
      return;
    }
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  }

  function count(field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    var out = document.getElementById(field.id + "-count");
    if (!out) {
      out = document.createElement("p");
      out.id = field.id + "-count";
      out.className = "char-count";
      out.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", out);
    }
    var n = field.value.length;
    var over = n > max;
    // Short one-line fields show their count only when it starts to matter.
    out.hidden = field.tagName !== "TEXTAREA" && n <= max * 0.8;
    out.classList.toggle("is-over", over);
    out.textContent = over
      ? text("over", { n: n, max: max, extra: n - max })
      : text("count", { n: n, max: max });
    field.setCustomValidity(over ? text("over", { n: n, max: max, extra: n - max }) : "");
  }

  function checkFiles(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var note = document.getElementById(input.id + "-size");
    var big = Array.prototype.filter.call(input.files || [], function (f) {
      return f.size > max;
    });
    if (!big.length) {
      if (note) {
        note.remove();
      }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = input.id + "-size";
      note.className = "field-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = text("too-big", { name: big[0].name, limit: input.getAttribute("data-max-label") });
    input.value = "";
  }

  function guard(form) {
    var dirty = false;
    var sending = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { sending = true; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !sending) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    // Back to a page kept in memory after sending: it may be left freely again.
    window.addEventListener("pageshow", function () { sending = false; dirty = false; });
  }

  function keepOnceToken(input) {
    var form = input.form;
    if (!form) {
      return;
    }
    var key = "once-token:" + (form.getAttribute("action") || window.location.pathname);
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation") : [];
    var cameBack = entries.length > 0 && entries[0].type === "back_forward";
    try {
      var sent = window.sessionStorage.getItem(key);
      if (cameBack && sent) {
        input.value = sent;
      }
      form.addEventListener("submit", function () {
        window.sessionStorage.setItem(key, input.value);
      });
    } catch (e) {
      // No storage (private mode): the server still refuses a copy of the same token.
    }
  }

  document.querySelectorAll("input[data-once-token]").forEach(keepOnceToken);
  document.querySelectorAll("[data-maxlength]").forEach(function (field) {
    count(field);
    field.addEventListener("input", function () { count(field); });
  });
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { checkFiles(input); });
  });
  document.querySelectorAll("form[data-unsaved-warning]").forEach(guard);
  focusErrors();
})();
