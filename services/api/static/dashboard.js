// The live dashboard: renders /dashboard/summary, then every `summary` pushed on /events/stream.
"use strict";

(() => {
  const { el, badge, words, time, ago, percent, poLink, replaceRows, day, parts, MONTHS,
    supplier } = potrack;
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

  // --- Needs action: counts per reason, a filter, and more rows on request ------------
  // The first page comes with every summary; a filter or more rows ask
  // GET /dashboard/needs-action (same order, same rules) again whenever the summary changes.
  const REASONS = [[null, "All"], ["overdue", "Overdue"], ["delivery_failed", "Delivery failed"],
    ["rejected", "Rejected"], ["changes_proposed", "Changes proposed"]];
  const PAGE = 20;
  const action = { reason: null, shown: PAGE, counts: {}, total: 0, request: 0 };

  function buildActionFilters() {
    $("action-filters").replaceChildren(...REASONS.map(([reason, label]) => {
      const button = el("button", { type: "button", class: "chip" + (reason ? " chip-" + reason : ""),
        "data-reason": reason || "all", "data-testid": "action-filter",
        "aria-pressed": String(reason === action.reason) },
      label, " ", el("span", { class: "chip-count" }, "–"));
      button.addEventListener("click", () => {
        action.reason = reason;
        action.shown = PAGE;
        for (const b of $("action-filters").children) {
          b.setAttribute("aria-pressed", String(b === button));
        }
        refreshAction();
      });
      return button;
    }));
    $("action-more").addEventListener("click", () => {
      action.shown += PAGE;
      refreshAction();
    });
  }

  const matching = () => (action.reason ? action.counts[action.reason] || 0 : action.total);

  function renderActionCounts(summary) {
    action.counts = summary.needs_action_counts || {};
    action.total = summary.needs_action_total;
    for (const button of $("action-filters").children) {
      const reason = button.dataset.reason;
      const n = reason === "all" ? action.total : action.counts[reason] || 0;
      button.querySelector(".chip-count").textContent = n;
      button.classList.toggle("chip-none", n === 0);
    }
  }

  const NONE = { overdue: "No PO is overdue.", delivery_failed: "No delivery failed.",
    rejected: "No PO is rejected.", changes_proposed: "No supplier proposed changes." };

  function renderNeedsAction(items, more) {
    const rows = items.map((item) => el("tr", { "data-testid": "action-row",
      "data-po": item.po_number },
    el("td", {}, poLink(item.po_number)),
    // Its reasons: the status (when it is one) and whether it is overdue.
    el("td", {}, el("span", { class: "reasons", "data-reasons": item.reasons.join(" ") },
      badge(item.status), item.overdue ? el("span", { class: "tag tag-overdue" }, "overdue")
        : null)),
    el("td", {}, supplier(item.supplier_id, item.supplier_name)),
    el("td", { title: time(item.updated_at), class: "nowrap" }, ago(item.updated_at))));
    replaceRows($("needs-action"), rows,
      action.reason ? NONE[action.reason] : "Nothing needs action.", 4);
    const all = matching();
    $("action-shown").textContent = !items.length ? ""
      : items.length >= all && !more ? `all ${all} shown` : `${items.length} of ${all} shown`;
    const button = $("action-more");
    button.hidden = !more;
    button.textContent = `Show ${Math.min(PAGE, Math.max(0, all - items.length)) || PAGE} more`;
  }

  function actionFromSummary(summary) {
    renderActionCounts(summary);
    if (action.reason === null && action.shown <= PAGE) {
      action.request += 1;  // a request under way is now stale
      renderNeedsAction(summary.needs_action, Boolean(summary.needs_action_next_cursor));
      $("action").dataset.state = "loaded";
    } else {
      refreshAction();
    }
  }

  // Pages of up to 500 until `shown` rows; a newer request makes an older one stale.
  async function refreshAction() {
    const request = ++action.request;
    $("action").dataset.state = "loading";
    const items = [];
    let cursor = null;
    try {
      do {
        const limit = Math.min(500, action.shown - items.length);
        const query = new URLSearchParams({ limit });
        if (action.reason) query.set("reason", action.reason);
        if (cursor) query.set("cursor", cursor);
        const page = await potrack.api("/dashboard/needs-action?" + query);
        if (request !== action.request) return;
        items.push(...page.items);
        cursor = page.next_cursor;
        action.counts = page.counts;
        action.total = page.total;
      } while (cursor && items.length < action.shown);
      renderActionCounts({ needs_action_counts: action.counts, needs_action_total: action.total });
      renderNeedsAction(items, Boolean(cursor));
      $("action").dataset.state = "loaded";
    } catch (error) {
      if (request !== action.request) return;
      replaceRows($("needs-action"), [], "Needs action unavailable: " + error.message, 4);
      $("action").dataset.state = "error";
    }
  }

  function renderAlerts(alerts) {
    const rows = alerts.map((a) => el("tr", { "data-testid": "alert-row" },
      el("td", {}, poLink(a.po_number)),
      el("td", {}, words(a.kind)),
      el("td", {}, el("span", { class: "sev sev-" + a.severity }, a.severity)),
      el("td", {}, a.recipient || "—"),
      el("td", { title: time(a.raised_at), class: "nowrap" }, ago(a.raised_at)),
      el("td", {}, a.resolved_at ? el("span", { class: "muted" }, "resolved")
        : el("span", { class: "open" }, "open"))));
    replaceRows($("recent-alerts"), rows, "No alerts.", 6);
  }

  // --- Suppliers: worst on-time rate first, the worst few unless the user asks for all ---
  const FEW = 10;
  const suppliers = { all: [], expanded: false };
  const rank = (rate) => (rate === null || rate === undefined ? Infinity : rate);
  // Lowest on-time rate first, then lowest acknowledgment rate, then most due, then by id;
  // suppliers with nothing due in the window (no rate) last.
  function worstFirst(a, b) {
    return rank(a.on_time_acknowledgment_rate) - rank(b.on_time_acknowledgment_rate)
      || rank(a.acknowledgment_rate) - rank(b.acknowledgment_rate)
      || b.acknowledgments_due - a.acknowledgments_due
      || String(a.supplier_id).localeCompare(String(b.supplier_id));
  }

  function renderSuppliers(list, days) {
    $("supplier-window").textContent = `last ${days} days · worst on-time rate first`;
    suppliers.all = [...list].sort(worstFirst);
    showSuppliers();
  }

  function showSuppliers() {
    const all = suppliers.all;
    const shown = suppliers.expanded ? all : all.slice(0, FEW);
    const rows = shown.map((s) => el("tr", { "data-testid": "supplier-row",
      "data-supplier": s.supplier_id },
    el("td", {}, supplier(s.supplier_id, s.supplier_name)),
    el("td", { class: "num" }, s.acknowledgments_due),
    el("td", { class: "num" }, percent(s.acknowledgment_rate)),
    el("td", { class: "num" }, percent(s.on_time_acknowledgment_rate)),
    el("td", { class: "num" }, s.median_hours_to_acknowledge ?? "—"),
    el("td", { class: "num" }, s.p90_hours_to_acknowledge ?? "—"),
    el("td", { class: "num" }, `${s.delivery_failures} / ${s.deliveries_sent}`)));
    replaceRows($("suppliers"), rows, "No supplier activity in the window.", 7);
    const noun = (n) => `${n} ${n === 1 ? "supplier" : "suppliers"}`;
    $("supplier-chart-note").textContent = !all.length ? ""
      : shown.length < all.length ? `· the worst ${shown.length} of ${all.length}`
        : `· all ${noun(all.length)}`;
    const toggle = $("supplier-toggle");
    toggle.hidden = all.length <= FEW;
    toggle.setAttribute("aria-expanded", String(suppliers.expanded));
    toggle.textContent = suppliers.expanded ? `Show the worst ${FEW}` : `Show all (${all.length})`;
    shownSuppliers = shown;
    drawChart(shown);  // the suppliers the table lists, in the same order
  }
  let shownSuppliers = null;

  // Horizontal bars, one per supplier, drawn as plain SVG.
  function drawChart(list) {
    const svg = $("supplier-chart");
    const NS = "http://www.w3.org/2000/svg";
    // At most 440 wide, less when its column is narrower, so its text is never scaled down.
    const room = Math.floor(svg.parentNode.clientWidth || 440);
    const rowHeight = 26, width = Math.max(260, Math.min(480, room));
    const label = Math.round(width * 0.34), barWidth = width - label - 62;
    const height = Math.max(1, list.length) * rowHeight + 8;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    const node = (tag, attrs, text) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      if (text !== undefined) n.textContent = text;
      return n;
    };
    const shapes = list.length ? [] : [node("text", { x: 0, y: 18, class: "axis" }, "no data")];
    list.forEach((s, i) => {
      const y = i * rowHeight + 4;
      const rate = s.on_time_acknowledgment_rate;
      const tone = rate === null ? "none" : rate >= 0.9 ? "good" : rate >= 0.7 ? "fair" : "poor";
      const id = String(s.supplier_id);
      const name = s.supplier_name || id;
      const row = node("g", { "data-testid": "chart-row", "data-supplier": id });
      row.append(node("title", {}, `${s.supplier_name ? name + " · " : ""}${id}: `
        + (rate === null ? "nothing due in the window" : `${percent(rate)} on time`)));
      row.append(
        node("text", { x: 0, y: y + 15, class: "bar-label", "data-testid": "chart-label" }, name),
        node("rect", { x: label, y, width: barWidth, height: 18, rx: 3, class: "bar-track" }),
        node("rect", { x: label, y, width: Math.max(0, (rate || 0) * barWidth), height: 18,
          rx: 3, class: "bar bar-" + tone, "data-testid": "chart-bar" }),
        node("text", { x: label + barWidth + 6, y: y + 14, class: "bar-value" },
          rate === null ? "none due" : percent(rate)));
      shapes.push(row);
    });
    svg.replaceChildren(...shapes);
    // A long name is cut to fit before its bar (measured once drawn); the tooltip has it whole.
    for (const text of svg.querySelectorAll("[data-testid=chart-label]")) {
      const whole = text.textContent;
      let keep = whole.length;
      while (keep > 1 && text.getComputedTextLength() > label - 8) {
        keep -= 1;
        text.textContent = whole.slice(0, keep).trimEnd() + "…";
      }
    }
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
    actionFromSummary(summary);
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
  buildActionFilters();
  $("supplier-toggle").addEventListener("click", () => {
    suppliers.expanded = !suppliers.expanded;
    showSuppliers();
  });
  setupForecast();
  potrack.api("/dashboard/summary").then(render).catch((e) => live("down", e.message));
  connect();
})();
