// PO detail: status view, a timeline per recipient and revision, and the audit trail.
"use strict";

(() => {
  const { el, badge, words, time, api } = potrack;
  const $ = (id) => document.getElementById(id);
  const poNumber = decodeURIComponent(location.pathname.replace(/^\/ui\/po\//, ""));
  const STEPS = [["sent", "Sent"], ["delivered", "Delivered"], ["received", "Received"],
    ["acknowledged", "Acknowledged"]];
  const DECIDED = { accepted: "acknowledged", accepted_with_changes: "changes_proposed",
    rejected: "rejected" };
  const short = (hash) => (hash ? hash.slice(0, 10) + "…" : "");
  const ms = (text) => Date.parse(text);

  // Older revisions are not in the view: rebuild their tracks from the audit entries.
  function tracksFromAudit(entries) {
    const plans = {}, tracks = {};
    for (const e of entries) {
      const d = e.data || {};
      if (e.type === "po.approved" || e.type === "po.revised") {
        const known = plans[d.revision];
        if (!known || ms(known.time) <= ms(e.time)) plans[d.revision] = { time: e.time, data: d };
        continue;
      }
      if (d.recipient === undefined) continue;
      const key = d.revision + "/" + d.recipient;
      const t = (tracks[key] ||= {});
      const earliest = (field) => { if (!t[field] || ms(e.time) < ms(t[field])) t[field] = e.time; };
      if (e.type === "po.sent") earliest("sent_at");
      if (e.type === "po.delivered") earliest("delivered_at");
      if (e.type === "po.received") earliest("received_at");
      if (e.type === "po.delivery_failed" && d.permanent) {
        earliest("failed_at");
        t.failure = { code: d.code, reason: d.reason, at: e.time };
      }
      if (e.type === "po.acknowledged" && (!t.acknowledged_at || ms(t.acknowledged_at) <= ms(e.time))) {
        t.acknowledged_at = e.time;
        t.decision = d.decision;
      }
    }
    return { plans, tracks };
  }

  function derivedStatus(t) {
    if (t.decision) return DECIDED[t.decision] || "acknowledged";
    if (t.received_at) return "received";
    if (t.delivered_at) return "delivered";
    if (t.failed_at) return "failed";
    return t.sent_at ? "sent" : "pending";
  }

  // What potrack notify delivered (GET /pos/{po}/notifications): alerts to buyers and
  // webhooks, reminders to suppliers, shown under the recipient and revision they concern.
  function noteText(n) {
    const supplier = n.target.startsWith("supplier ");
    const who = supplier ? `supplier ${n.recipient || ""} (${n.target.slice(9)})` : n.target;
    const what = n.message === "reminder" ? "reminder sent to "
      : n.transition === "resolved" ? "resolution sent to " : "alert sent to ";
    return what + who + ` · ${words(n.kind)}` + (n.level > 1 ? ` · level ${n.level}` : "")
      + (n.digest > 1 ? ` · in a digest of ${n.digest}` : "");
  }

  function notesBlock(notes) {
    if (!notes || !notes.length) return null;
    return el("ul", { class: "notes", "data-testid": "notifications" }, notes.map((n) =>
      el("li", { class: n.message === "reminder" ? "note note-reminder" : "note",
        "data-testid": "notification", title: n.alert_id },
      el("span", { class: "muted" }, time(n.sent_at) + " "), noteText(n))));
  }

  const notesOf = (notes, revision, recipient) => notes.filter(
    (n) => n.revision === revision && n.recipient === recipient);

  function recipientBlock(r) {
    const reached = Math.max(-1, ...STEPS.map(([name], i) => (r[name + "_at"] ? i : -1)));
    const steps = STEPS.map(([name, label], i) => {
      const at = r[name + "_at"];
      // A stronger fact implies the weaker ones, whose times stay unknown when never reported.
      let state = at ? "done" : i < reached ? "implied" : "todo";
      let note = at ? time(at) : i < reached ? "implied" : "—";
      if (name === "acknowledged" && r.kind === "internal") [state, note] = ["skip", "not required"];
      if (name === "acknowledged" && r.decision) {
        note += " · " + words(r.decision);
        state = { rejected: "bad", accepted_with_changes: "warn" }[r.decision] || state;
      }
      if (name === "delivered" && !at && r.status === "failed") [state, note] = ["bad", "failed"];
      return el("li", { class: "step step-" + state, "data-step": name },
        el("span", { class: "step-dot" }), el("span", { class: "step-label" }, label),
        el("span", { class: "step-time" }, note));
    });
    const failure = r.failure
      ? el("div", { class: "failure" }, `Delivery failure ${r.failure.code || ""} `
        + `${r.failure.reason || ""} (${r.failure.permanent === false ? "transient" : "permanent"})`)
      : null;
    return el("div", { class: "recipient", "data-testid": "timeline-recipient" },
      el("div", { class: "recipient-head" },
        el("strong", {}, r.id), el("span", { class: "muted" }, ` ${r.kind} · ${r.channel}`),
        badge(r.status)),
      el("ol", { class: "steps" }, steps), failure, notesBlock(r.notes));
  }

  function renderTimeline(view, entries, notes) {
    const { plans, tracks } = tracksFromAudit(entries);
    const current = view.recipients.map((r) => ({ ...r,
      notes: notesOf(notes, view.revision, r.id) }));
    const blocks = [el("h3", {}, `Revision ${view.revision ?? "—"} (current)`),
      ...(current.length ? current.map(recipientBlock)
        : [el("p", { class: "muted" }, "No distribution plan recorded yet.")])];
    const older = Object.keys(plans).map(Number).filter((n) => n !== view.revision)
      .sort((a, b) => b - a);
    for (const revision of older) {
      const rows = plans[revision].data.recipients.map((p) => {
        const t = tracks[revision + "/" + p.id] || {};
        return recipientBlock({ ...p, ...t, status: derivedStatus(t),
          notes: notesOf(notes, revision, p.id) });
      });
      blocks.push(el("details", { class: "older", "data-testid": "older-revision" },
        el("summary", {}, `Revision ${revision} (superseded)`), rows));
    }
    const shown = new Set([view.revision, ...older].flatMap((rev) =>
      (plans[rev] ? plans[rev].data.recipients : view.recipients).map((p) => rev + "/" + p.id)));
    const others = notes.filter((n) => !shown.has(n.revision + "/" + n.recipient));
    if (others.length) blocks.push(el("h3", {}, "Other notifications"), notesBlock(others));
    $("timeline").replaceChildren(...blocks);
  }

  function renderHead(view) {
    document.title = `potrack · ${view.po_number}`;
    $("po-number").textContent = view.po_number;
    $("po-status").replaceChildren(badge(view.status),
      view.overdue ? el("span", { class: "tag tag-overdue", id: "po-overdue" }, "overdue") : "");
    const facts = [
      ["Revision", view.revision ?? "—"],
      ["Supplier", [view.supplier_id, view.supplier_name].filter(Boolean).join(" · ") || "—"],
      ["Amount", view.total_amount ? `${view.total_amount} ${view.currency || ""}` : "—"],
      ["Approved", time(view.approved_at)],
      ["Last event", time(view.updated_at)],
      ["Version", view.version],
    ];
    for (const s of view.stale_acknowledgments || []) {
      facts.push(["Stale ack", `${s.recipient} acknowledged revision ${s.revision}`]);
    }
    for (const a of view.anomalies || []) {
      facts.push(["Anomaly", `⚠ ${a.type} ${time(a.time)}: ${a.note}`]);
    }
    $("po-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  function detail(e) {
    const d = e.data || {};
    const plan = d.recipients && `${d.total_amount} ${d.currency} · ${d.recipients.length} `
      + (d.recipients.length === 1 ? "recipient" : "recipients");
    const parts = [plan, d.decision && words(d.decision), d.evidence, d.channel,
      d.code && `code ${d.code}`, d.permanent === false && "transient", d.reason];
    return el("td", {}, parts.filter(Boolean).join(" · "),
      d.document ? document_(d.document) : [],
      (e.anomalies || []).map((a) => el("div", { class: "anomaly" }, "⚠ " + a)));
  }

  // The raw B2B document an event was translated from (contract §2b): its own control
  // numbers, where it sits on po.documents.v1, and its SHA-256 to find the original.
  function document_(doc) {
    const where = doc.topic !== undefined && doc.topic !== null
      ? ` · ${doc.topic} ${doc.partition}@${doc.offset}` : "";
    return el("div", { class: "document small", "data-testid": "document",
      title: "SHA-256 " + doc.sha256 },
    "from ", doc.format.toUpperCase(), " ", doc.reference || "", where);
  }

  function renderAudit(entries) {
    const rows = entries.map((e) => el("tr", {
      "data-testid": "audit-row", class: e.anomalies && e.anomalies.length ? "has-anomaly" : null },
    el("td", { class: "num" }, e.seq),
    el("td", { title: "recorded " + time(e.recorded_at) }, time(e.time)),
    el("td", {}, el("code", {}, e.type.replace(/^po\./, ""))),
    el("td", {}, e.data && e.data.revision !== undefined ? e.data.revision : "—"),
    el("td", {}, (e.data && e.data.recipient) || "—"),
    detail(e),
    el("td", { class: "small" }, e.source, el("br"), el("span", { class: "muted" }, e.id)),
    el("td", { class: "hash", title: `prev ${e.prev_hash}\nhash ${e.hash}` },
      el("code", {}, short(e.prev_hash)), " → ", el("code", {}, short(e.hash)))));
    potrack.replaceRows($("audit"), rows, "No audit entries yet.", 8);
  }

  async function downloadCsv() {
    const text = await api(`/pos/${encodeURIComponent(poNumber)}/audit?format=csv`, "text/csv");
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
      download: `${poNumber}-audit.csv` });
    link.click();
    URL.revokeObjectURL(link.href);
  }

  async function load() {
    $("back").href = potrack.withToken("/");
    $("download-csv").addEventListener("click", downloadCsv);
    const path = "/pos/" + encodeURIComponent(poNumber);
    try {
      const [view, entries, notes] = await Promise.all([api(path), api(path + "/audit"),
        api(path + "/notifications").catch(() => [])]);
      renderHead(view);
      renderTimeline(view, entries, notes);
      renderAudit(entries);
      $("loaded-at").textContent = "loaded " + time(new Date().toISOString());
    } catch (error) {
      $("po-number").textContent = poNumber;
      $("error").hidden = false;
      $("error").textContent = error.message;
    }
  }

  load();
})();
