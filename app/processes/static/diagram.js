/* Shows BPMN diagrams with bpmn-js's NavigatedViewer and adds each page's markers: the one
   #diagram of a version, case or heatmap page, and both .bpmn-diff-canvas of the diff page.
   Each container carries data-src (the XML's URL) and data-markers ({"css-class": [bpmn ids]}). */
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") {
    return;
  }
  var fits = [];

  function show(container) {
    var viewer = new window.BpmnJS({ container: container });

    // The canvas takes the diagram's proportions (within the CSS min and max heights), so a
    // wide diagram on a phone does not float in empty space.
    function sizeToDiagram() {
      var inner = viewer.get("canvas").viewbox().inner;
      if (inner.width > 0) {
        var height = (container.clientWidth * inner.height) / inner.width + 24;
        container.style.height = Math.round(height) + "px";
      }
    }

    function fit() {
      var canvas = viewer.get("canvas");
      sizeToDiagram();
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
      canvas.zoom(canvas.zoom() * 0.96, "auto"); // a small margin inside the frame
    }

    function addMarkers() {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var markers = JSON.parse(container.dataset.markers || "{}");
      Object.keys(markers).forEach(function (cls) {
        markers[cls].forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, cls);
          }
        });
      });
    }

    function fail() {
      container.textContent = container.dataset.error || "Diagram tidak dapat ditampilkan.";
      container.classList.add("diagram-failed");
    }

    fetch(container.dataset.src, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        var loading = container.querySelector(".diagram-loading");
        if (loading) {
          loading.remove();
        }
        return viewer.importXML(xml);
      })
      .then(function () {
        addMarkers();
        fit();
        container.dataset.ready = "true";
        // Pages that redraw markers or overlays (the audit's step-through and heatmap) listen.
        container.dispatchEvent(new CustomEvent("diagram-ready", { detail: viewer }));
      })
      .catch(fail);

    fits.push(fit);
  }

  document.querySelectorAll("#diagram, .bpmn-diff-canvas").forEach(show);
  function fitAll() {
    fits.forEach(function (fit) { fit(); });
  }
  document.querySelectorAll("[data-diagram-fit]").forEach(function (button) {
    button.addEventListener("click", fitAll);
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(fitAll, 150);
  });
})();
