/* Shows each .bpmn-diff-canvas with bpmn-js's NavigatedViewer and colours its elements.
   Each container carries data-src (the XML's URL) and data-markers ({"css-class": [bpmn ids]}). */
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") {
    return;
  }

  function show(container) {
    var viewer = new window.BpmnJS({ container: container });

    function fit() {
      var canvas = viewer.get("canvas");
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
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
      })
      .catch(function () {
        container.textContent = container.dataset.error || "Diagram tidak dapat ditampilkan.";
      });
    window.addEventListener("resize", fit);
  }

  document.querySelectorAll(".bpmn-diff-canvas").forEach(show);
})();
