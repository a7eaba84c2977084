// The live dashboard: renders /dashboard/summary, then every `summary` pushed on /events/stream.
"use strict";

(() => {
  const { el, badge, words, time, ago, percent, poLink, replaceRows, day, parts, MONTHS } = potrack;
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
    $("supplier-chart-note").textContent = suppliers.length
      ? `· all ${suppliers.length} ${suppliers.length === 1 ? "supplier" : "suppliers"}` : "";
    shownSuppliers = suppliers;
    drawChart(suppliers);  // every supplier the table lists, in the same order
  }
  let shownSuppliers = null;

  // Horizontal bars, one per supplier, drawn as plain SVG.
  function drawChart(suppliers) {
    const svg = $("supplier-chart");
    const NS = "http://www.w3.org/2000/svg";
    // At most 440 wide, less when its column is narrower, so its text is never scaled down.
    const room = Math.floor(svg.parentNode.clientWidth || 440);
    const rowHeight = 26, label = 96, width = Math.max(260, Math.min(440, room));
    const barWidth = width - label - 56;
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
      // A long id is cut to fit before its bar; the tooltip gives it whole.
      const id = String(s.supplier_id);
      const shown = id.length > 14 ? id.slice(0, 13) + "…" : id;
      const row = node("g", { "data-testid": "chart-row", "data-supplier": id });
      row.append(node("title", {}, `${id}: ${percent(rate)} on time`));
      row.append(
        node("text", { x: 0, y: y + 15, class: "bar-label" }, shown),
        node("rect", { x: label, y, width: barWidth, height: 18, rx: 3, class: "bar-track" }),
        node("rect", { x: label, y, width: Math.max(0, (rate || 0) * barWidth), height: 18,
          rx: 3, class: "bar bar-" + tone, "data-testid": "chart-bar" }),
        node("text", { x: label + barWidth + 6, y: y + 14, class: "bar-value" }, percent(rate)));
      shapes.push(row);
    });
    svg.replaceChildren(...shapes);
  }

  // --- Cash forecast (GET /finance/cash-forecast) --------------------------------------
  // Amounts stay the API's exact decimal strings in every text; only bar heights and the
  // axis scale use Numbers, and axis labels are built digit by digit (no float artefacts).
  const FORECAST_STATES = [["confirmed", "Confirmed"], ["open", "Open"], ["disputed", "Disputed"]];
  const SPAN = { week: 13, month: 12 };  // buckets shown from the current week or month
  const forecast = { bucket: "week", currency: null, data: null, request: 0, busy: false,
    again: false };

  const iso = (d) => d.toISOString().slice(0, 10);
  function forecastRange(bucket) {
    const now = new Date();
    const [y, m, d] = [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()];
    const from = new Date(Date.UTC(y, m, d));
    const to = bucket === "week" ? new Date(Date.UTC(y, m, d + 7 * (SPAN.week - 1)))
      : new Date(Date.UTC(y, m + SPAN.month, 0));  // the last day of the 12th month
    return { from: iso(from), to: iso(to) };
  }

  // "7 – 13 Dec 2026", "28 Dec 2026 – 3 Jan 2027", or "Dec 2026" for a month.
  function bucketLabel(b) {
    const [s, e] = [parts(b.start), parts(b.end)];
    if (forecast.data.bucket !== "week") return `${MONTHS[s.month - 1]} ${s.year}`;
    if (s.year !== e.year) return `${day(b.start)} – ${day(b.end)}`;
    if (s.month !== e.month) return `${day(b.start, false)} – ${day(b.end)}`;
    return `${s.day} – ${day(b.end)}`;
  }

  const isZero = (amount) => !/[1-9]/.test(amount);
  const amountCell = (amount, testid, extra) => el("td", { "data-testid": testid,
    class: ["num", isZero(amount) ? "muted" : "", extra || ""].join(" ").replace(/ +/g, " ").trim() },
  amount);

  // value = digits × 10^exp as a decimal string: (15, 5) -> "1500000", (25, -1) -> "2.5".
  function scaled(digits, exp) {
    if (digits === 0) return "0";
    if (exp >= 0) return String(digits) + "0".repeat(exp);
    const s = String(digits).padStart(1 - exp, "0");
    return (s.slice(0, s.length + exp) + "." + s.slice(s.length + exp)).replace(/\.?0+$/, "");
  }

  // For the axis only: "20000000" -> "20 000 000" with thin spaces (U+2009) between groups
  // of three digits of the whole part; the table keeps the API's exact strings.
  const THIN = "\u2009";
  function grouped(text) {
    const [whole, fraction] = text.split(".");
    const digits = whole.length > 3 ? whole.replace(/\B(?=(\d{3})+$)/g, THIN) : whole;
    return fraction === undefined ? digits : digits + "." + fraction;
  }

  // A 1-2-5 step giving about four gridlines up to `max`, as [step digits, exponent, count].
  function ticks(max) {
    if (!(max > 0)) return [1, 0, 1];
    let exp = Math.floor(Math.log10(max / 4));
    const f = max / 4 / 10 ** exp;
    let m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    if (m === 10) [m, exp] = [1, exp + 1];
    return [m, exp, Math.max(1, Math.ceil(max / (m * 10 ** exp) - 1e-9))];
  }

  function drawForecast(cur) {
    const svg = $("forecast-chart");
    const NS = "http://www.w3.org/2000/svg";
    const node = (tag, attrs, ...kids) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      for (const kid of kids) n.append(kid);
      return n;
    };
    const buckets = cur.buckets;
    const max = Math.max(0, ...buckets.map((b) => Number(b.total)));
    const [m, exp, count] = ticks(max);
    const labels = Array.from({ length: max > 0 ? count + 1 : 1 }, (_, i) => scaled(i * m, exp));
    const top = count * m * 10 ** exp;
    const left = 14 + 7 * Math.max(...labels.map((t) => grouped(t).length));
    // Drawn at the width it is shown at, so its text is never scaled down.
    const width = Math.max(240, Math.floor(svg.parentNode.clientWidth || 720));
    const height = 280, right = 8, plotTop = 22, plotBottom = height - 42;
    const plotHeight = plotBottom - plotTop;
    const slot = (width - left - right) / Math.max(1, buckets.length);
    const barWidth = Math.min(44, slot * 0.64);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    const weekly = forecast.data.bucket === "week";
    const shapes = [node("text", { x: 0, y: 12, class: "axis axis-title" }, cur.currency)];
    labels.forEach((text, i) => {
      const y = plotBottom - (plotHeight * i) / count;
      shapes.push(
        node("line", { x1: left, x2: width - right, y1: y, y2: y,
          class: i ? "gridline" : "baseline" }),
        node("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "axis",
          "data-testid": "forecast-tick", "data-value": text }, grouped(text)));
    });
    // Narrow charts label every n-th bucket only, so the labels never overlap.
    const every = Math.max(1, Math.ceil((weekly ? 44 : 30) / slot));
    let labelledYear = null;
    buckets.forEach((b, i) => {
      const x = left + slot * i + (slot - barWidth) / 2;
      const p = parts(b.start);
      const first = weekly ? `${p.day} ${MONTHS[p.month - 1]}` : MONTHS[p.month - 1];
      const labelled = i % every === 0;
      const newYear = labelled && labelledYear !== p.year;
      if (labelled) labelledYear = p.year;
      const summary = `${bucketLabel(b)}: ` + FORECAST_STATES.map(([s, label]) =>
        `${label.toLowerCase()} ${b[s]}`).join(", ") + `; total ${b.total} ${cur.currency}`
        + ` from ${b.commitments} ${b.commitments === 1 ? "commitment" : "commitments"}`;
      const group = node("g", { "data-testid": "forecast-bucket", "data-start": b.start,
        "data-total": b.total }, node("title", {}, summary));
      // An invisible full-height target, so the tooltip shows over empty buckets too.
      group.append(node("rect", { x: left + slot * i, y: plotTop, width: slot,
        height: plotHeight, class: "hover-target" }));
      let y = plotBottom;
      for (const [state] of FORECAST_STATES) {
        if (isZero(b[state])) continue;
        const h = Math.max(1.5, (Number(b[state]) / top) * plotHeight);
        y -= h;
        group.append(node("rect", { x, y, width: barWidth, height: h,
          class: "fbar fbar-" + state, "data-testid": "forecast-bar", "data-state": state,
          "data-amount": b[state] }));
      }
      if (labelled) {
        group.append(node("text", { x: left + slot * (i + 0.5), y: plotBottom + 16,
          "text-anchor": "middle", class: "axis" }, first));
      }
      if (newYear) {
        group.append(node("text", { x: left + slot * (i + 0.5), y: plotBottom + 30,
          "text-anchor": "middle", class: "axis muted-axis" }, p.year));
      }
      shapes.push(group);
    });
    if (max === 0) {
      shapes.push(node("text", { x: left + (width - left - right) / 2, y: plotTop + plotHeight / 2,
        "text-anchor": "middle", class: "axis", "data-testid": "forecast-none" },
      `No dated payments expected in these ${weekly ? "weeks" : "months"}`));
    }
    svg.replaceChildren(...shapes);
  }

  // The table lists these buckets only; the header says how many of all they are.
  const hasPayments = (b) => b.commitments > 0;

  function renderForecastTable(cur) {
    const f = forecast.data;
    const weekly = f.bucket === "week";
    $("forecast-bucket-head").textContent = weekly ? "Week" : "Month";
    const rows = cur.buckets.filter(hasPayments).map((b) =>
      el("tr", { "data-testid": "forecast-row", "data-start": b.start },
        el("td", { title: `${b.start} to ${b.end}` }, bucketLabel(b)),
        FORECAST_STATES.map(([s]) => amountCell(b[s], s)),
        amountCell(b.total, "total", "strong")));
    const none = weekly ? "No payments expected in these weeks." : "No payments expected in these months.";
    replaceRows($("forecast-rows"), rows, none, 5);
    const other = [
      ["earlier", "Past due", `expected before ${day(f.start)}`],
      ["later", "Later", `after ${day(f.end)}`],
      ["undated", "Undated", "no promised or need-by date"],
      ["totals", "All commitments", "not cancelled"],
    ];
    $("forecast-other").replaceChildren(...other.map(([key, label, note]) => {
      const a = cur[key];
      const warn = key === "earlier" && !isZero(a.total);
      return el("tr", { "data-testid": "forecast-" + key,
        class: [key === "totals" ? "total-row" : "", warn ? "past-due" : ""].join(" ").trim() || null },
      el("th", { scope: "row" }, label, el("span", { class: "row-note muted small" }, note)),
      FORECAST_STATES.map(([s]) => amountCell(a[s], s)),
      amountCell(a.total, "total", "strong"));
    }));
    const units = cur.minor_units === null ? "no ISO minor units" : `${cur.minor_units} minor units`;
    $("forecast-table-caption").textContent = `${cur.currency} · exact amounts (${units})`
      + ` · ${weekly ? "weeks" : "months"} without payments not listed`;
  }

  function renderForecast() {
    const f = forecast.data;
    const message = $("forecast-message");
    const select = $("forecast-currency");
    const codes = f.currencies.map((c) => c.currency);
    if (!codes.includes(forecast.currency)) forecast.currency = codes[0] || null;
    select.replaceChildren(...codes.map((code) => el("option",
      { value: code, selected: code === forecast.currency }, code)));
    select.disabled = !codes.length;
    const csv = $("forecast-csv");
    csv.disabled = !forecast.currency;
    csv.title = forecast.currency ? `${forecast.currency} by ${f.bucket} as CSV: `
      + csvName() : "nothing to download";
    const cur = f.currencies.find((c) => c.currency === forecast.currency);
    $("forecast-body").hidden = !cur;
    message.hidden = Boolean(cur);
    if (!cur) {
      message.textContent = "No commitments: no approved purchase order expects a payment.";
      $("forecast-range").textContent = "";
      return;
    }
    const weekly = f.bucket === "week";
    const listed = cur.buckets.filter(hasPayments).length;
    $("forecast-range").textContent = `${day(f.start)} – ${day(f.end)} · `
      + `${cur.buckets.length} ${weekly ? "weeks" : "months"}, ${listed} with payments`;
    $("forecast-caption").textContent = `Expected payments per ${weekly ? "week (from Monday)"
      : "month"} in ${cur.currency}, by commitment state`;
    $("forecast-chart").setAttribute("aria-label", `Stacked bars of expected payments in `
      + `${cur.currency} per ${f.bucket}; the table beside it lists the exact amounts`);
    drawForecast(cur);
    renderForecastTable(cur);
  }

  // One request at a time; a change while one runs asks for another when it ends.
  async function refreshForecast() {
    if (forecast.busy) { forecast.again = true; return; }
    forecast.busy = true;
    try {
      do {
        forecast.again = false;
        const { from, to } = forecastRange(forecast.bucket);
        const found = await potrack.api(`/finance/cash-forecast?bucket=${forecast.bucket}`
          + `&from=${from}&to=${to}`);
        if (!forecast.again) {
          forecast.data = found;
          renderForecast();
        }
      } while (forecast.again);
      $("forecast").dataset.state = "loaded";
    } catch (error) {
      $("forecast-body").hidden = true;
      $("forecast-message").hidden = false;
      $("forecast-message").textContent = "Cash forecast unavailable: " + error.message;
      $("forecast").dataset.state = "error";
    } finally {
      forecast.busy = false;
    }
  }

  const csvName = () => `cash-forecast-${forecast.currency}-${forecast.bucket}.csv`;

  function setupForecast() {
    const buttons = document.querySelectorAll("#forecast [data-bucket]");
    for (const button of buttons) {
      button.addEventListener("click", () => {
        forecast.bucket = button.dataset.bucket;
        for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
        $("forecast").dataset.state = "loading";
        refreshForecast();
      });
    }
    $("forecast-currency").addEventListener("change", (event) => {
      forecast.currency = event.target.value;
      renderForecast();
    });
    let resized = null;
    window.addEventListener("resize", () => {
      clearTimeout(resized);
      resized = setTimeout(() => {
        if (forecast.data) renderForecast();
        if (shownSuppliers) drawChart(shownSuppliers);
      }, 150);
    });
    // The CSV holds the currency shown (the API's `currency=`), in the buckets shown.
    $("forecast-csv").addEventListener("click", () => {
      if (!forecast.currency) return;
      const { from, to } = forecastRange(forecast.bucket);
      potrack.download(`/finance/cash-forecast?format=csv&bucket=${forecast.bucket}`
        + `&from=${from}&to=${to}&currency=${forecast.currency}`, "text/csv", csvName());
    });
    refreshForecast();
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
    let first = true;
    source.addEventListener("summary", (event) => {
      live("live", "live");
      render(JSON.parse(event.data));
      if (!first) refreshForecast();  // something changed: commitments may have too
      first = false;
    });
    source.onopen = () => live("live", "live");
    source.onerror = () => live("down", "reconnecting…");  // EventSource retries by itself
  }

  buildStatusGrid();
  setupForecast();
  potrack.api("/dashboard/summary").then(render).catch((e) => live("down", e.message));
  connect();
})();
