// The live dashboard: renders /dashboard/summary, then every `summary` pushed on /events/stream.
"use strict";

(() => {
  const { el, badge, words, time, ago, percent, poLink, replaceRows } = potrack;
  const STATUSES = [
    "distributing", "awaiting_acknowledgment", "distributed", "acknowledged",
    "changes_proposed", "rejected", "delivery_failed", "cancelled", "unknown",
  ];
  const $ = (id) => document.getElementById(id);

  function buildStatusGrid() {
    $("status-counts").replaceChildren(...STATUSES.map((status) =>
      el("div", { class: "status-tile tile-" + status, "data-testid": "status-" + status },
        el("div", { class: "tile-value", id: "count-" + status }, "–"),
        el("div", { class: "tile-label" }, words(status)))));
  }

  function renderCounts(summary) {
    $("count-total").textContent = summary.total;
    $("open-alerts").textContent = summary.open_alerts;
    $("count-needs-action").textContent = summary.needs_action_total;
    const acknowledged = summary.counts.acknowledged || 0;
    $("share-acknowledged").textContent = summary.total
      ? Math.round((100 * acknowledged) / summary.total) + " %" : "–";
    for (const status of STATUSES) {
      const cell = $("count-" + status);
      if (cell) cell.textContent = summary.counts[status] || 0;
    }
  }

  function renderNeedsAction(items) {
    const rows = items.map((item) => el("tr", { "data-testid": "action-row" },
      el("td", {}, poLink(item.po_number)),
      el("td", {}, badge(item.status)),
      el("td", {}, item.supplier_id || "—"),
      el("td", {}, item.reasons.map((r) => el("span", { class: "tag tag-" + r }, words(r)))),
      el("td", { title: time(item.updated_at) }, ago(item.updated_at))));
    replaceRows($("needs-action"), rows, "Nothing needs action.", 5);
  }

  function renderAlerts(alerts) {
    const rows = alerts.map((a) => el("tr", { "data-testid": "alert-row" },
      el("td", {}, poLink(a.po_number)),
      el("td", {}, words(a.kind)),
      el("td", {}, el("span", { class: "sev sev-" + a.severity }, a.severity)),
      el("td", {}, a.recipient || "—"),
      el("td", { title: time(a.raised_at) }, ago(a.raised_at)),
      el("td", {}, a.resolved_at ? el("span", { class: "muted" }, "resolved")
        : el("span", { class: "open" }, "open"))));
    replaceRows($("recent-alerts"), rows, "No alerts.", 6);
  }

  function renderSuppliers(suppliers, days) {
    $("supplier-window").textContent = `last ${days} days`;
    const rows = suppliers.map((s) => el("tr", { "data-testid": "supplier-row" },
      el("td", {}, s.supplier_id),
      el("td", { class: "num" }, s.acknowledgments_due),
      el("td", { class: "num" }, percent(s.acknowledgment_rate)),
      el("td", { class: "num" }, percent(s.on_time_acknowledgment_rate)),
      el("td", { class: "num" }, s.median_hours_to_acknowledge ?? "—"),
      el("td", { class: "num" }, s.p90_hours_to_acknowledge ?? "—"),
      el("td", { class: "num" }, `${s.delivery_failures} / ${s.deliveries_sent}`)));
    replaceRows($("suppliers"), rows, "No supplier activity in the window.", 7);
    drawChart(suppliers.slice(0, 12));
  }

  // Horizontal bars, one per supplier, drawn as plain SVG.
  function drawChart(suppliers) {
    const svg = $("supplier-chart");
    const NS = "http://www.w3.org/2000/svg";
    const rowHeight = 26, label = 96, width = 440, barWidth = width - label - 56;
    const height = Math.max(1, suppliers.length) * rowHeight + 8;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    const node = (tag, attrs, text) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      if (text !== undefined) n.textContent = text;
      return n;
    };
    const shapes = suppliers.length ? [] : [node("text", { x: 0, y: 18, class: "axis" }, "no data")];
    suppliers.forEach((s, i) => {
      const y = i * rowHeight + 4;
      const rate = s.on_time_acknowledgment_rate;
      const tone = rate === null ? "none" : rate >= 0.9 ? "good" : rate >= 0.7 ? "fair" : "poor";
      shapes.push(
        node("text", { x: 0, y: y + 15, class: "bar-label" }, s.supplier_id),
        node("rect", { x: label, y, width: barWidth, height: 18, rx: 3, class: "bar-track" }),
        node("rect", { x: label, y, width: Math.max(0, (rate || 0) * barWidth), height: 18,
          rx: 3, class: "bar bar-" + tone, "data-testid": "chart-bar" }),
        node("text", { x: label + barWidth + 6, y: y + 14, class: "bar-value" }, percent(rate)));
    });
    svg.replaceChildren(...shapes);
  }

  function renderProjections(projections) {
    $("projections").textContent = projections.length
      ? "Projections: " + projections.map((p) => `${p.name} lag ${p.lag}`).join(" · ")
      : "";
  }

  function render(summary) {
    renderCounts(summary);
    renderNeedsAction(summary.needs_action);
    renderAlerts(summary.recent_alerts);
    renderSuppliers(summary.suppliers, summary.performance_days);
    renderProjections(summary.projections);
    $("updated-at").textContent = "updated " + time(summary.generated_at);
  }

  function live(state, text) {
    $("live-status").dataset.state = state;
    $("live-text").textContent = text;
  }

  function connect() {
    const source = new EventSource(potrack.withToken("/events/stream"));
    source.addEventListener("summary", (event) => {
      live("live", "live");
      render(JSON.parse(event.data));
    });
    source.onopen = () => live("live", "live");
    source.onerror = () => live("down", "reconnecting…");  // EventSource retries by itself
  }

  buildStatusGrid();
  potrack.api("/dashboard/summary").then(render).catch((e) => live("down", e.message));
  connect();
})();
