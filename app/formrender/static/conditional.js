/* Shows a form field only when the choice it depends on is made (progressive enhancement).
   A field's wrapper carries data-show-when: [{"controlling_field": ["token", ...]}, ...]; the
   field is shown when any alternative holds, i.e. every field it names has one of its tokens
   chosen ("true"/"false" for yes/no, "" for nothing chosen). Hidden fields are disabled, so
   they are not sent.
   Without this script every field stays visible and the server checks everything anyway. */
(function () {
  "use strict";

  function chosen(form, name) {
    var values = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    inputs.forEach(function (el) {
      if (el.disabled) {
        return;
      }
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) {
          values.push(el.value);
        } else if (el.type === "checkbox" && inputs.length === 1) {
          values.push("false"); // a lone yes/no checkbox that is not ticked
        }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (option) {
          values.push(option.value);
        });
      } else if (el.value !== "") {
        values.push(el.value);
      }
    });
    return values;
  }

  function holds(form, alternatives) {
    return alternatives.some(function (rule) {
      return Object.keys(rule).every(function (name) {
        // A choice this form does not ask for (e.g. left out of the page): cannot tell, so show.
        if (!form.querySelector('[name="' + name + '"]')) {
          return true;
        }
        var values = chosen(form, name);
        if (!values.length) {
          values = [""]; // nothing chosen: matches a rule that allows the field to be empty
        }
        return values.some(function (value) {
          return rule[name].indexOf(value) >= 0;
        });
      });
    });
  }

  function filled(wrapper) {
    return Array.prototype.some.call(
      wrapper.querySelectorAll("input, select, textarea"),
      function (el) {
        return (el.type === "radio" || el.type === "checkbox") ? el.checked : el.value !== "";
      }
    );
  }

  // One pass; whether anything changed. Hiding a field that another one depends on hides that
  // one too (its inputs are disabled, so its choice no longer counts) on the next pass.
  function pass(form, firstTime) {
    var changed = false;
    form.querySelectorAll("[data-show-when]").forEach(function (wrapper) {
      var show = holds(form, JSON.parse(wrapper.dataset.showWhen));
      // On arrival, never hide what the user typed or what the server says is wrong.
      if (firstTime && (wrapper.classList.contains("has-error") || filled(wrapper))) {
        show = true;
      }
      if (wrapper.hidden === show) {
        changed = true;
      }
      wrapper.hidden = !show;
      wrapper.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !show;
      });
    });
    return changed;
  }

  function update(form, firstTime) {
    var rounds = form.querySelectorAll("[data-show-when]").length + 1;
    while (pass(form, firstTime) && rounds-- > 0) {
      // until nothing changes
    }
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.dataset.conditionalReady || !form.querySelector("[data-show-when]")) {
      return;
    }
    form.dataset.conditionalReady = "1";
    update(form, true);
    form.addEventListener("change", function () {
      update(form, false);
    });
  });
})();
