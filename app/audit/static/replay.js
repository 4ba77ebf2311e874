/* Step-through of an audit case: buttons, arrow keys and a slider move between the frames the
   server rebuilt by re-executing the case's events; the diagram's markers follow the frame. */
(function () {
  "use strict";
  var section = document.getElementById("putar-ulang");
  if (!section || !section.dataset.frames) {
    return;
  }
  var frames = JSON.parse(section.dataset.frames);
  if (!frames.length) {
    return;
  }
  var slider = document.getElementById("player-slider");
  var words = {};
  var template = document.getElementById("player-words");
  if (template) {
    template.content.querySelectorAll("[data-word]").forEach(function (node) {
      words[node.dataset.word] = node.textContent;
    });
  }
  var viewer = null;
  var shownMarkers = {};
  var index = frames.length - 1;

  function field(name) {
    return section.querySelector('[data-field="' + name + '"]');
  }

  function list(node, items) {
    node.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = node.dataset.empty || "—";
      node.appendChild(empty);
      return;
    }
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      node.appendChild(li);
    });
  }

  function redrawMarkers(frame) {
    if (!viewer) {
      return;
    }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    Object.keys(shownMarkers).forEach(function (cls) {
      shownMarkers[cls].forEach(function (id) {
        if (registry.get(id)) {
          canvas.removeMarker(id, cls);
        }
      });
    });
    // The page's own markers (the case now) give way to the frame's.
    ["lp-done", "lp-current"].forEach(function (cls) {
      registry.getAll().forEach(function (element) {
        canvas.removeMarker(element.id, cls);
      });
    });
    Object.keys(frame.markers).forEach(function (cls) {
      frame.markers[cls].forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, cls);
        }
      });
    });
    shownMarkers = frame.markers;
  }

  function show(i) {
    index = Math.max(0, Math.min(frames.length - 1, i));
    var frame = frames[index];
    slider.value = String(index);
    slider.setAttribute("aria-valuetext", "#" + frame.seq + " " + frame.label);
    field("seq").textContent = "#" + frame.seq;
    field("label").textContent = frame.label;
    field("step").textContent = frame.step && frame.step !== frame.label ? frame.step : "";
    field("time").textContent = frame.time;
    field("actor").textContent = frame.actor;
    var days = frame.days + " " + (words.days || "");
    if (frame.standard) {
      days += " (" + (words.of || "") + " " + frame.standard + ")";
    }
    field("days").textContent = days;
    field("days").classList.toggle("over-standard", !!frame.standard && frame.days > frame.standard);
    var waiting = frame.waiting.map(function (t) {
      return t.name + " — " + t.lane + (t.division ? " · " + t.division.toUpperCase() : "");
    });
    if (frame.completed && !waiting.length) {
      waiting = [words.closed || ""];
    }
    list(field("waiting"), waiting);
    list(field("timers"), frame.timers.map(function (t) {
      return t.name + " — " + (words.due || "") + " " + t.due;
    }));
    var data = field("data");
    data.textContent = "";
    frame.data.forEach(function (pair) {
      var wrap = document.createElement("div");
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = pair[0];
      dd.textContent = pair[1];
      wrap.appendChild(dt);
      wrap.appendChild(dd);
      data.appendChild(wrap);
    });
    section.dataset.seq = String(frame.seq);
    redrawMarkers(frame);
  }

  section.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      var step = button.dataset.step;
      show(step === "first" ? 0 : step === "last" ? frames.length - 1 :
        index + (step === "next" ? 1 : -1));
    });
  });
  slider.addEventListener("input", function () {
    show(parseInt(slider.value, 10));
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (typing && target !== slider) {
      return;
    }
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (target === slider) {
        return; // the slider moves itself and fires "input"
      }
      event.preventDefault();
      show(index + (event.key === "ArrowRight" ? 1 : -1));
    }
  });
  var diagram = document.getElementById("diagram");
  if (diagram) {
    diagram.addEventListener("diagram-ready", function (event) {
      viewer = event.detail;
      show(index);
    });
  }
  show(index);
})();
