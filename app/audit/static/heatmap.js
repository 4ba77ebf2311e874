/* The heatmap: on the bpmn-js diagram, each element's case count, median and 90th percentile
   of working days, from the data the page carries (data-overlays on #heat-data). */
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  var source = document.getElementById("heat-data");
  if (!container || !source) {
    return;
  }
  container.addEventListener("diagram-ready", function (event) {
    var viewer = event.detail;
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    var items = JSON.parse(source.dataset.overlays || "[]");
    var unit = source.dataset.unit || "";
    items.forEach(function (item) {
      if (!registry.get(item.id)) {
        return;
      }
      var badge = document.createElement("div");
      badge.className = "heat-badge";
      badge.setAttribute("data-element", item.id);
      var text = "n=" + item.cases;
      if (item.median !== null) {
        text += " · " + item.median + "/" + item.p90 + " " + unit;
      }
      badge.textContent = text;
      overlays.add(item.id, "heat", { position: { bottom: -4, left: 0 }, html: badge });
    });
    container.dataset.heat = "true";
  });
})();
