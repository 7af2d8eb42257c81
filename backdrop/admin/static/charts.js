/* Draw every chart on the page with Vega-Lite (vendored, see docs/admin.md).
 *
 * A chart is an element with a Vega-Lite spec in its data-vega-lite
 * attribute, built on the server from the read API's rows. Expressions are
 * run by vega-interpreter (no eval), so the pages keep their strict
 * Content-Security-Policy. Hovering a mark shows its value in a tooltip;
 * the chart can also take keyboard focus, and the arrow keys step through
 * its points, each read out in the chart's live region.
 */
(function () {
  "use strict";

  function describe(point, spec) {
    var parts = [];
    if (point.series && point.series !== point.label) { parts.push(point.series); }
    parts.push(point.label);
    var title = spec.encoding.y.title;
    var value = point.value === null || point.value === undefined
      ? "no value" : Number(point.value).toLocaleString("en-GB");
    return parts.join(", ") + ": " + value + " " + title.toLowerCase();
  }

  function keyboard(element, spec, readout) {
    var points = spec.data.values;
    var index = -1;
    function show(next) {
      if (!points.length) { return; }
      index = (next + points.length) % points.length;
      readout.textContent = describe(points[index], spec);
      element.setAttribute("data-focused-point", String(index));
    }
    element.addEventListener("focus", function () { show(index < 0 ? 0 : index); });
    element.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight" || event.key === "ArrowDown") { show(index + 1); }
      else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { show(index - 1); }
      else if (event.key === "Home") { show(0); }
      else if (event.key === "End") { show(points.length - 1); }
      else { return; }
      event.preventDefault();
    });
  }

  function draw(element) {
    var spec = JSON.parse(element.getAttribute("data-vega-lite"));
    var target = element.querySelector(".chart-canvas");
    var readout = element.querySelector(".chart-readout");
    window.vegaEmbed(target, spec, {
      renderer: "svg",
      actions: false,
      defaultStyle: false,
      ast: true,
      expr: window.vega.expressionInterpreter,
      tooltip: { disableDefaultStyle: true, theme: "custom" }
    }).then(function (result) {
      element.classList.add("chart-drawn");
      element.vegaView = result.view;
      if (readout) { keyboard(element, spec, readout); }
    }).catch(function (error) {
      element.classList.add("chart-failed");
      if (readout) { readout.textContent = "The chart could not be drawn: " + error.message; }
    });
  }

  document.querySelectorAll("[data-vega-lite]").forEach(draw);
}());
