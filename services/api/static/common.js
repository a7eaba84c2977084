// potrack dashboard helpers: token handling, fetch, DOM building and formatting.
"use strict";

const potrack = (() => {
  // A token given as ?token= is kept for this tab and sent as a bearer header.
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) sessionStorage.setItem("potrack-token", fromUrl);
  const token = fromUrl || sessionStorage.getItem("potrack-token") || "";

  function withToken(url) {
    if (!token) return url;
    return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
  }

  async function api(path, accept) {
    const headers = { Accept: accept || "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(path, { headers });
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const problem = await response.json();
        detail = problem.title + ": " + problem.detail;
      } catch (_) { /* not a problem document */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return accept && accept !== "application/json" ? response.text() : response.json();
  }

  // el("td", {class: "x", "data-testid": "y"}, "text", childNode, ...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function words(text) {
    return text ? String(text).replaceAll("_", " ") : "";
  }

  function badge(status) {
    return el("span", { class: "badge badge-" + status, "data-status": status }, words(status));
  }

  function time(text) {
    if (!text) return "—";
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text;
    return date.toISOString().replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
  }

  function ago(text) {
    if (!text) return "";
    const seconds = Math.round((Date.now() - new Date(text).getTime()) / 1000);
    if (Number.isNaN(seconds)) return "";
    const abs = Math.abs(seconds);
    const [n, unit] = abs < 90 ? [abs, "s"] : abs < 5400 ? [Math.round(abs / 60), "min"]
      : abs < 129600 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86400), "d"];
    return seconds >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
  }

  // Calendar days ("2026-12-07", no time zone) as "7 Dec 2026"; never through Date's local time.
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function parts(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return m ? { year: +m[1], month: +m[2], day: +m[3] } : null;
  }
  function day(text, withYear = true) {
    const p = parts(text);
    if (!p) return text || "—";
    return `${p.day} ${MONTHS[p.month - 1]}` + (withYear ? ` ${p.year}` : "");
  }

  // Fetch `path` as `accept` with the token and save it as `filename`.
  async function download(path, accept, filename) {
    const text = await api(path, accept);
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: accept })),
      download: filename });
    link.click();
    URL.revokeObjectURL(link.href);
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + " %";
  }

  function poLink(poNumber) {
    const href = withToken("/ui/po/" + encodeURIComponent(poNumber));
    return el("a", { href, class: "po-link", "data-testid": "po-link" }, poNumber);
  }

  // A supplier by name, its id on hover (by id alone when no PO names it); one line, cut
  // with an ellipsis when long (style.css .supplier).
  function supplier(id, name) {
    if (!id && !name) return el("span", { class: "muted" }, "—");
    return el("span", { class: "supplier", "data-testid": "supplier", "data-supplier": id,
      title: name ? `${name} · ${id}` : id }, name || id);
  }

  function replaceRows(tbody, rows, emptyText, columns) {
    tbody.replaceChildren(...(rows.length ? rows
      : [el("tr", { class: "empty" }, el("td", { colspan: columns }, emptyText))]));
  }

  return { token, withToken, api, el, words, badge, time, ago, percent, poLink, replaceRows,
    MONTHS, parts, day, download, supplier };
})();
