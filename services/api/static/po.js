// PO detail: status view, lines with each supplier's answer, the finance commitment, a
// timeline per recipient and revision, and the audit trail.
"use strict";

(() => {
  const { el, badge, words, time, api, day, supplier } = potrack;
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
      if (name === "acknowledged" && !at && (r.kind === "internal" || r.ackOptional)) {
        [state, note] = ["skip", "not required"];
      }
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
    // The current revision's view judges the acknowledgment against the supplier's tolerance.
    const off = (r.deviations || []).filter((d) => !d.within_tolerance).length;
    const judged = r.within_tolerance === true || r.within_tolerance === false
      ? el("span", { class: "tol " + (r.within_tolerance ? "tol-within" : "tol-outside"),
        "data-testid": "recipient-tolerance" }, r.within_tolerance ? "✓ within tolerance"
        : "✗ outside tolerance " + (off ? `(${off} ${off === 1 ? "line" : "lines"})`
          : "(changes without line detail)")) : null;
    return el("div", { class: "recipient", "data-testid": "timeline-recipient" },
      el("div", { class: "recipient-head" },
        el("strong", {}, r.id), el("span", { class: "muted" }, ` ${r.kind} · ${r.channel}`),
        judged, badge(r.status)),
      el("ol", { class: "steps" }, steps), failure, notesBlock(r.notes));
  }

  function renderTimeline(view, entries, notes) {
    const { plans, tracks } = tracksFromAudit(entries);
    const current = view.recipients.map((r) => ({ ...r,
      ackOptional: view.acknowledgment_required === false,
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
          ackOptional: plans[revision].data.acknowledgment_required === false,
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

  // --- Lines (GET /pos/{po}/lines) and the commitment (GET /pos/{po}/commitment) --------
  // Quantities, prices and amounts are the API's exact decimal strings, shown as they come.
  const OUTSIDE = { quantity: "quantity", unit_price: "unit price", date: "date",
    rejected: "rejected", missing: "not answered", unknown: "not on the PO",
    no_date: "no promised date" };
  const UNANSWERED = new Set(["rejected", "missing", "unknown"]);
  const isZero = (text) => !/[1-9]/.test(text || "0");
  const signed = (text) => (String(text).startsWith("-") ? "−" + String(text).slice(1)
    : "+" + text);
  const given = (value) => value !== null && value !== undefined;

  function delta(amount, pct) {
    if (!given(amount) || isZero(amount)) return null;
    return el("div", { class: "delta small" },
      signed(amount) + (given(pct) ? ` · ${signed(pct)} %` : ""));
  }

  function ordered(orderedValue, confirmed, change) {
    if (!given(confirmed)) return `${orderedValue ?? "—"} → —`;
    if (!given(orderedValue) || (given(change) && !isZero(change))) {
      return `${orderedValue ?? "—"} → ${confirmed}`;
    }
    return String(confirmed);
  }

  function datesCell(need, promised, days, off) {
    const text = promised ? `${day(need)} → ${day(promised)}` : day(need);
    const note = !promised ? (off ? "no date promised" : null)
      : days > 0 ? `${days} ${days === 1 ? "day" : "days"} late`
        : days < 0 ? `${-days} ${days === -1 ? "day" : "days"} early` : days === 0 ? "on time" : null;
    return el("td", { class: off ? "off" : null, "data-testid": "dates" }, text,
      note ? el("div", { class: "delta small" }, note) : null);
  }

  function toleranceMark(d) {
    if (d.within_tolerance) {
      return el("span", { class: "tol tol-within", "data-testid": "tolerance",
        "data-within": "true" }, "✓ within");
    }
    return el("span", { class: "tol tol-outside", "data-testid": "tolerance",
      "data-within": "false", "data-outside": d.outside.join(" ") },
    "✗ outside: " + d.outside.map((c) => OUTSIDE[c] || words(c)).join(", "));
  }

  function answerCells(answer) {
    const d = answer.deviation;
    const off = new Set(d.outside);
    return [
      el("td", { title: "acknowledged " + time(answer.acknowledged_at) },
        el("strong", {}, answer.recipient),
        el("div", { class: "muted small" }, words(answer.decision))),
      el("td", {}, el("span", { class: "outcome outcome-" + d.decision,
        "data-testid": "line-decision" }, d.decision === "missing" ? "not answered"
        : words(d.decision))),
      el("td", { class: "num" + (off.has("quantity") || off.has("rejected") ? " off" : ""),
        "data-testid": "quantity" },
      ordered(d.ordered_quantity, d.confirmed_quantity, d.quantity_change),
      delta(d.quantity_change, d.quantity_change_pct),
      given(d.backordered_quantity)
        ? el("div", { class: "delta small" }, `${d.backordered_quantity} backordered`) : null),
      el("td", { class: "num" + (off.has("unit_price") ? " off" : ""), "data-testid": "unit-price" },
        ordered(d.ordered_unit_price, d.confirmed_unit_price, d.unit_price_change),
        delta(d.unit_price_change, d.unit_price_change_pct)),
      datesCell(d.need_by, d.promised_date, d.days, off.has("date") || off.has("no_date")),
      el("td", {}, toleranceMark(d)),
    ];
  }

  function answerRow(answer, lead) {
    const d = answer.deviation;
    const tone = UNANSWERED.has(d.decision) ? "line-bad" : d.within_tolerance ? "" : "line-outside";
    return el("tr", { class: [tone, lead ? "line-first" : ""].join(" ").trim() || null,
      "data-testid": "line-answer", "data-line": d.line, "data-recipient": answer.recipient,
      "data-decision": d.decision }, lead || [], answerCells(answer));
  }

  const itemParts = (sku, description) => [
    sku ? el("strong", {}, sku) : el("span", { class: "muted" }, "—"),
    description ? el("div", { class: "muted small" }, description) : null];

  function renderLines(found) {
    if (!found) return;
    const rows = [];
    for (const line of found.lines) {
      const span = Math.max(1, line.answers.length);
      const lead = [el("td", { class: "num", rowspan: span, "data-testid": "line-number" }, line.line),
        el("td", { rowspan: span }, itemParts(line.sku, line.description))];
      if (!line.answers.length) {
        rows.push(el("tr", { class: "line-first", "data-testid": "line-unanswered",
          "data-line": line.line }, lead,
        el("td", { class: "muted" }, "—"),
        el("td", {}, el("span", { class: "outcome outcome-awaiting" }, "awaiting answer")),
        el("td", { class: "num" }, line.quantity), el("td", { class: "num" }, line.unit_price),
        el("td", {}, day(line.need_by)), el("td", { class: "muted" }, "—")));
        continue;
      }
      line.answers.forEach((answer, i) => rows.push(answerRow(answer, i === 0 ? lead : null)));
    }
    for (const answer of found.unknown_lines) {
      rows.push(answerRow(answer, [
        el("td", { class: "num", "data-testid": "line-number" }, answer.deviation.line),
        el("td", { class: "muted" }, "not on the PO")]));
    }
    const outside = [...found.lines.flatMap((l) => l.answers), ...found.unknown_lines]
      .filter((a) => !a.deviation.within_tolerance).length;
    $("lines-note").textContent = `revision ${found.revision ?? "—"}`
      + (found.currency ? ` · ${found.currency}` : "")
      + ` · ${found.lines.length} ${found.lines.length === 1 ? "line" : "lines"}`
      + (outside ? ` · ${outside} ${outside === 1 ? "answer" : "answers"} outside tolerance` : "");
    potrack.replaceRows($("lines"), rows, found.revision === null
      ? "No revision approved yet." : "This revision has no lines.", 8);
    const first = $("lines").querySelector("tr.empty");
    if (first) first.dataset.testid = "no-lines";
  }

  // `ackOptional`: the PO's view says acknowledgment_required: false. Its commitment is
  // then never confirmed by an acknowledgment, but a rejection or proposed changes still
  // dispute it (projections.commitments).
  function renderCommitment(c, problem, ackOptional) {
    const box = $("commitment");
    if (!c) {
      $("commitment-state").replaceChildren();
      box.replaceChildren(el("p", { class: "muted", "data-testid": "no-commitment" },
        problem || "No commitment: the PO is not approved yet."));
      return;
    }
    $("commitment-state").replaceChildren(badge(c.state), ackOptional ? noAckTag() : "");
    const money = (amount) => el("span", { class: "money" }, amount, " ",
      el("span", { class: "muted" }, c.currency));
    const facts = [
      ["Amount", money(c.amount), "amount"],
      given(c.proposed_amount) ? ["Proposed", money(c.proposed_amount), "proposed"] : null,
      ["Expected payment", day(c.expected_payment_date), "expected"],
      c.confirmed_at ? ["Confirmed", time(c.confirmed_at), "confirmed"] : null,
      ["Supplier", el("span", {}, supplier(c.supplier_id, c.supplierName), ` · revision ${c.revision}`),
        "supplier"],
      ackOptional ? ["Acknowledgment", el("span", {}, "not required",
        el("span", { class: "muted small" }, { open: " · stays open: no acknowledgment confirms it",
          disputed: " · a supplier still rejected or proposed changes" }[c.state] || "")),
      "acknowledgment"] : null,
    ].filter(Boolean);
    const payments = c.payments.map((pay) => el("tr", { "data-testid": "payment" },
      el("td", {}, pay.expected_payment_date ? day(pay.expected_payment_date)
        : el("span", { class: "muted" }, "undated")),
      el("td", { class: "num" }, pay.amount),
      pay.lines.length ? el("td", { class: "muted small" }, pay.lines.join(", "))
        : el("td", { class: "muted small", title: "not tied to a PO line: the rest of the amount" },
          "—")));
    box.replaceChildren(el("div", { class: "commitment-body" },
      el("dl", { class: "money-facts" }, facts.flatMap(([k, v, id]) =>
        [el("dt", {}, k), el("dd", { "data-testid": "commitment-" + id }, v)])),
      c.payments.length ? el("table", { class: "grid payments" },
        el("thead", {}, el("tr", {}, el("th", {}, "Payment"),
          el("th", { class: "num" }, `Amount ${c.currency}`), el("th", {}, "Lines"))),
        el("tbody", {}, payments))
        : el("p", { class: "muted small" }, c.state === "cancelled"
          ? "Cancelled: no payment expected." : "No payment scheduled.")));
  }

  const noAckTag = () => el("span", { class: "tag tag-noack", "data-testid": "ack-not-required",
    title: "acknowledgment_required: false — suppliers need not acknowledge this PO" },
  "acknowledgment not required");

  // --- What changed: each current-revision acknowledgment "accepted with changes", the
  // lines it changed (the view's `deviations`, the same as GET /pos/{po}/lines) ---------
  function changeText(d) {
    const parts = [];
    if (d.decision === "rejected") parts.push("rejected");
    if (d.decision === "missing") parts.push("not answered");
    if (d.decision === "unknown") parts.push("not on the PO");
    if (d.decision === "backordered") {
      parts.push(`${d.backordered_quantity ?? d.ordered_quantity} backordered`);
    }
    if (d.decision !== "rejected" && given(d.quantity_change) && !isZero(d.quantity_change)) {
      parts.push(`quantity ${d.ordered_quantity ?? "—"} → ${d.confirmed_quantity}`
        + (given(d.quantity_change_pct) ? ` (${signed(d.quantity_change_pct)} %)` : ""));
    }
    if (given(d.unit_price_change) && !isZero(d.unit_price_change)) {
      parts.push(`unit price ${d.ordered_unit_price ?? "—"} → ${d.confirmed_unit_price}`
        + (given(d.unit_price_change_pct) ? ` (${signed(d.unit_price_change_pct)} %)` : ""));
    }
    if (d.promised_date && d.days) {
      parts.push(`promised ${day(d.promised_date)}, ${Math.abs(d.days)} `
        + `${Math.abs(d.days) === 1 ? "day" : "days"} ${d.days > 0 ? "late" : "early"}`);
    } else if (d.decision === "backordered" && !d.promised_date) {
      parts.push("no date promised");
    }
    return parts.join(" · ") || words(d.decision);
  }

  function renderChanges(view) {
    const proposing = view.recipients.filter((r) => r.decision === "accepted_with_changes");
    $("changes").hidden = !proposing.length;
    $("changes-list").replaceChildren(...proposing.map((r) => {
      const changed = r.deviations || [];
      return el("div", { class: "change", "data-testid": "change-recipient", "data-recipient": r.id },
        el("div", { class: "change-head" }, el("strong", {}, r.id),
          el("span", { class: "muted" }, ` accepted revision ${view.revision} with changes`
            + (r.acknowledged_at ? ` on ${time(r.acknowledged_at)}` : ""))),
        changed.length ? el("ul", { class: "change-lines" }, changed.map((d) =>
          el("li", { "data-testid": "change-line", "data-line": d.line },
            el("span", { class: "change-line" }, `Line ${d.line}` + (d.sku ? ` (${d.sku})` : "")),
            " ", changeText(d), " ", toleranceMark(d))))
          : el("p", { class: "muted", "data-testid": "change-no-lines" },
            "It listed no line, so what changed is not known: ask the supplier."));
    }));
  }

  function renderHead(view) {
    document.title = `potrack · ${view.po_number}`;
    $("po-number").textContent = view.po_number;
    $("po-status").replaceChildren(badge(view.status),
      view.overdue ? el("span", { class: "tag tag-overdue", id: "po-overdue" }, "overdue") : "",
      view.acknowledgment_required === false ? noAckTag() : "");
    const facts = [
      ["Revision", view.revision ?? "—"],
      ["Supplier", supplier(view.supplier_id, view.supplier_name)],
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
    el("td", { class: "when", title: "recorded " + time(e.recorded_at) }, time(e.time)),
    el("td", {}, el("code", {}, e.type.replace(/^po\./, ""))),
    el("td", {}, e.data && e.data.revision !== undefined ? e.data.revision : "—"),
    el("td", {}, (e.data && e.data.recipient) || "—"),
    detail(e),
    el("td", { class: "small origin", "data-testid": "audit-origin" },
      el("span", { class: "clip", title: e.source }, e.source),
      el("span", { class: "clip muted", title: e.id }, e.id)),
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
      const [view, entries, notes, lines, commitment] = await Promise.all([api(path),
        api(path + "/audit"), api(path + "/notifications").catch(() => []),
        api(path + "/lines").catch((e) => ({ error: e })),
        api(path + "/commitment").catch((e) => ({ error: e }))]);
      renderHead(view);
      renderChanges(view);
      if (lines.error) {
        potrack.replaceRows($("lines"), [], "Lines unavailable: " + lines.error.message, 8);
      } else {
        renderLines(lines);
      }
      if (commitment.error) {
        renderCommitment(null, commitment.error.status === 404 ? null
          : "Commitment unavailable: " + commitment.error.message);
      } else {
        renderCommitment({ ...commitment, supplierName: view.supplier_name }, null,
          view.acknowledgment_required === false);
      }
      renderTimeline(view, entries, notes);
      renderAudit(entries);
      $("loaded-at").textContent = "loaded " + time(new Date().toISOString());
    } catch (error) {
      // Nothing to show but why: the sections are hidden rather than left empty.
      $("po-number").textContent = poNumber;
      $("po-status").replaceChildren(el("span", { class: "tag tag-overdue",
        "data-testid": "po-not-found" }, error.status === 404 ? "not found" : "unavailable"));
      $("po-facts").hidden = true;
      for (const section of document.querySelectorAll("main > section.card:not(.po-head)")) {
        section.hidden = true;
      }
      $("error").hidden = false;
      $("error").replaceChildren(el("span", { "data-testid": "po-error" }, error.message), " ",
        el("a", { href: potrack.withToken("/") }, "Back to the dashboard"));
    }
  }

  load();
})();
