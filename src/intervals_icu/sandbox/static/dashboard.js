// The sandbox's dashboard: reads the control API (/_sandbox/...) once a second and draws
// each panel. Text always goes in through textContent (app names, routes and event names
// are whatever a test registered). No library, no build step, nothing outside this server.
"use strict";

(function () {
  const POLL_MS = 1000;
  const DELIVERIES_SHOWN = 25;
  const API = "/_sandbox/";

  const state = {
    paused: false,
    polls: 0,
    shown: {},          // panel id -> JSON last drawn (a panel is redrawn only on change)
    athlete: null,      // the data browser's selection
    kind: "activities",
    counts: "",         // the selected athlete's record counts when its list was drawn
    lastError: null,
  };
  let markReady;
  window.icuDashboard = {
    get polls() { return state.polls; },
    get lastError() { return state.lastError; },
    ready: new Promise((resolve) => { markReady = resolve; }),
  };

  // -- small DOM helpers --------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) { continue; }
      if (name === "class") { node.className = value; }
      else if (name === "on") { for (const [ev, fn] of Object.entries(value)) { node.addEventListener(ev, fn); } }
      else { node.setAttribute(name, value === true ? "" : String(value)); }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) { continue; }
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) { node.setAttribute(name, String(value)); }
    return node;
  }

  function metric(name, value, label) {
    return el("div", { class: "metric" },
      el("span", { class: "value", "data-metric": name }, value),
      el("span", { class: "label" }, label));
  }

  function table(headers, rows, attrs) {
    return el("table", attrs || {},
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows));
  }

  function empty(text) { return el("p", { class: "empty" }, text); }

  function clock(stamp) {
    // "2026-06-10T18:00:00.000+00:00" -> "18:00:00" (the sandbox clock, UTC)
    return stamp ? String(stamp).slice(11, 19) : "";
  }

  function day(stamp) { return stamp ? String(stamp).slice(0, 10) : ""; }

  function seconds(value) {
    if (value === null || value === undefined) { return ""; }
    return (Number.isInteger(value) ? value : Number(value).toFixed(1)) + " s";
  }

  function panel(id, data, draw) {
    // Redraw only when the data changed: keeps selections and scroll positions still.
    const section = document.getElementById(id);
    const body = section.querySelector(".body");
    const text = JSON.stringify(data);
    if (state.shown[id] === text) { return; }
    state.shown[id] = text;
    try {
      body.replaceChildren(...[].concat(draw(data)).filter((n) => n !== null && n !== undefined));
      section.dataset.state = "rendered";
    } catch (error) {
      body.replaceChildren(el("p", { class: "error" }, "could not draw: " + error));
      section.dataset.state = "error";
      state.lastError = String(error);
    }
  }

  function failed(id, problem) {
    const section = document.getElementById(id);
    state.shown[id] = null;
    section.querySelector(".body").replaceChildren(
      el("p", { class: "error" }, "cannot read the control API: " + problem));
    section.dataset.state = "error";
  }

  async function read(path) {
    const response = await fetch(API + path, { cache: "no-store", headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    return { status: response.status, body };
  }

  // -- panels ---------------------------------------------------------------------------------

  function drawAbout(info) {
    const about = document.getElementById("about");
    about.querySelector('[data-metric="base-url"]').textContent = location.origin;
    about.querySelector('[data-metric="seed"]').textContent = String(info.seed);
    about.querySelector('[data-metric="now"]').textContent =
      info.now.replace("T", " ").slice(0, 19) + " UTC" + (info.clock.frozen ? " (frozen)" : "");
    about.dataset.state = "rendered";
  }

  function drawTraffic(traffic) {
    const totals = traffic.totals;
    const limit = traffic.rate_limit;
    const errors = totals.client_errors + totals.server_errors;
    const chart = bars(traffic.per_second);
    return [
      el("div", { class: "metrics" },
        metric("rps", traffic.requests_per_second, "requests/s (last second)"),
        metric("peak", traffic.peak_per_second, "peak/s (last " + traffic.window_seconds + " s)"),
        metric("requests", totals.requests, "requests in all"),
        metric("rate-limited", limit.rejected, "429 rate limited"),
        metric("errors", errors, "other 4xx/5xx"),
        metric("dropped", totals.dropped, "dropped")),
      chart,
      el("p", { class: "legend" },
        el("span", { class: "key ok" }), "answered ",
        el("span", { class: "key limited" }), "429 ",
        el("span", { class: "key failed" }), "error or dropped",
        el("span", { class: "muted" }, " (last " + traffic.window_seconds + " s, newest right)")),
    ];
  }

  function bars(series) {
    const width = 600, height = 90, gap = 1;
    const most = Math.max(1, ...series.map((s) => s.requests));
    const w = width / series.length;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "bars",
                               role: "img", "aria-label": "requests per second" });
    series.forEach((s, i) => {
      const failedCount = s.client_errors + s.server_errors + s.dropped;
      const parts = [["ok", s.requests - s.rate_limited - failedCount],
                     ["limited", s.rate_limited], ["failed", failedCount]];
      let top = height;
      for (const [kind, count] of parts) {
        if (count <= 0) { continue; }
        const h = (count / most) * (height - 4);
        top -= h;
        const rect = svg("rect", { x: i * w + gap / 2, y: top, width: w - gap, height: h, class: kind });
        const title = svg("title", {});
        title.textContent = s.ago + " s ago: " + count + " " + kind;
        rect.append(title);
        chart.append(rect);
      }
    });
    chart.append(svg("line", { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: "axis" }));
    return chart;
  }

  function drawRateLimit(limit) {
    const rows = limit.buckets.map((b) => {
      const share = Math.max(0, Math.min(1, b.tokens / limit.burst));
      return el("tr", { "data-address": b.address },
        el("td", {}, b.address),
        el("td", { class: "num", "data-metric": "tokens" }, b.tokens.toFixed(1)),
        el("td", {}, el("meter", { min: 0, max: limit.burst, value: b.tokens,
                                   title: Math.round(share * 100) + "% full" })));
    });
    return [
      el("div", { class: "metrics" },
        metric("limit-enabled", limit.enabled ? "on" : "off", "limit"),
        metric("per-second", limit.per_second, "refill/s"),
        metric("burst", limit.burst, "bucket size"),
        metric("forced-pending", limit.forced_pending, "forced 429s to come")),
      rows.length ? table(["client address", "tokens", "level"], rows, { class: "buckets" })
                  : empty("no API request yet: every bucket is full (" + limit.burst + " tokens)"),
    ];
  }

  function effect(rule) {
    const parts = [];
    if (rule.latency_ms) { parts.push("+" + rule.latency_ms + " ms"); }
    if (rule.error_rate) { parts.push(Math.round(rule.error_rate * 100) + "% → " + rule.error_status); }
    if (rule.drop_rate) { parts.push(Math.round(rule.drop_rate * 100) + "% dropped"); }
    if (rule.lose_answer_rate) {
      parts.push(Math.round(rule.lose_answer_rate * 100) + "% answer lost" +
                 (rule.lose_answer_status ? " (" + rule.lose_answer_status + ")" : ""));
    }
    return parts.join(", ") || "nothing";
  }

  function drawFaults(history) {
    const requests = history.requests;
    const armed = requests.rules.filter((r) => r.active).length;
    const requestRows = requests.rules.slice().reverse().map((r) =>
      el("tr", { "data-fault": r.id, class: r.active ? "" : "retired" },
        el("td", { class: "num" }, r.id),
        el("td", {}, el("code", {}, r.route)),
        el("td", {}, effect(r)),
        el("td", { class: "num" }, r.remaining === null ? "∞" : r.remaining),
        el("td", { class: "num" }, r.matched),
        el("td", { class: "num", "data-metric": "fired" }, r.fired),
        el("td", {}, r.active ? "armed" : "retired")));
    const hookRows = history.webhooks.slice().reverse().map((f) =>
      el("tr", { "data-webhook-fault": f.id, class: f.active ? "" : "retired" },
        el("td", { class: "num" }, f.id),
        el("td", {}, f.kind),
        el("td", {}, f.client_id === null ? "every app" : "app " + f.client_id),
        el("td", { class: "num" }, f.count),
        el("td", { class: "num" }, f.seconds ? seconds(f.seconds) : ""),
        el("td", { class: "num", "data-metric": "fired" }, f.fired),
        el("td", {}, f.active ? (f.holding ? "armed, holding " + f.holding : "armed") : "retired")));
    return [
      el("div", { class: "metrics" },
        metric("faults-armed", armed, "request rules armed"),
        metric("injected-errors", requests.injected.errors, "errors injected"),
        metric("injected-drops", requests.injected.drops, "connections dropped"),
        metric("injected-lost", requests.injected.lost_answers, "answers lost"),
        metric("webhook-faults-armed", history.webhooks.filter((f) => f.active).length,
               "delivery faults armed")),
      el("h3", {}, "Request faults"),
      requestRows.length
        ? table(["#", "route", "effect", "left", "matched", "fired", "state"], requestRows, { class: "request-faults" })
        : empty("none armed: POST /_sandbox/faults to add one"),
      el("h3", {}, "Delivery faults"),
      hookRows.length
        ? table(["#", "kind", "for", "left", "seconds", "fired", "state"], hookRows, { class: "webhook-faults" })
        : empty("none armed: POST /_sandbox/webhooks/faults to add one"),
    ];
  }

  function drawOAuth([apps, tokens]) {
    const appRows = apps.map((a) =>
      el("tr", { "data-client-id": a.client_id },
        el("td", {}, a.client_id),
        el("td", {}, a.name),
        el("td", {}, a.webhook_url ? el("code", {}, a.webhook_url) : el("span", { class: "muted" }, "no webhook")),
        el("td", { class: "types" }, a.webhook_types.join(", ")),
        el("td", { class: "num" }, tokens.filter((t) => t.client_id === a.client_id && !t.revoked).length)));
    const tokenRows = tokens.slice().reverse().map((t) =>
      el("tr", { "data-fingerprint": t.fingerprint, class: t.revoked ? "retired" : "" },
        el("td", {}, el("code", {}, t.fingerprint)),
        el("td", {}, t.app === null ? t.client_id : t.app + " (" + t.client_id + ")"),
        el("td", {}, t.athlete_id),
        el("td", { class: "types" }, t.scopes),
        el("td", {}, day(t.created) + " " + clock(t.created)),
        el("td", {}, t.revoked ? "revoked" : "live")));
    return [
      el("div", { class: "metrics" },
        metric("apps", apps.length, "apps"),
        metric("tokens-live", tokens.filter((t) => !t.revoked).length, "live tokens"),
        metric("tokens-revoked", tokens.filter((t) => t.revoked).length, "revoked")),
      table(["client id", "name", "webhook URL", "webhook types", "live tokens"], appRows, { class: "apps" }),
      el("h3", {}, "Tokens ", el("span", { class: "muted" }, "(a SHA-256 fingerprint, never the token)")),
      tokenRows.length
        ? table(["fingerprint", "app", "athlete", "scopes", "issued", "state"], tokenRows, { class: "tokens" })
        : empty("no token issued yet"),
    ];
  }

  function attemptStatus(a) {
    if (a.status !== null) { return String(a.status); }
    return a.error || "no answer";
  }

  function drawWebhooks([summary, log]) {
    const byDelivery = new Map();
    for (const attempt of log) {
      if (!byDelivery.has(attempt.delivery_id)) { byDelivery.set(attempt.delivery_id, []); }
      byDelivery.get(attempt.delivery_id).push(attempt);
    }
    const deliveries = Array.from(byDelivery.entries()).reverse().slice(0, DELIVERIES_SHOWN);
    const cards = deliveries.map(([id, attempts]) => {
      const last = attempts[attempts.length - 1];
      const sent = attempts.filter((a) => a.outcome !== "duplicate");
      const outcome = last.outcome === "duplicate" && sent.length ? sent[sent.length - 1].outcome : last.outcome;
      const rows = attempts.map((a) =>
        el("tr", { class: "attempt " + a.outcome, "data-attempt": a.attempt,
                   "data-outcome": a.outcome },
          el("td", { class: "num" }, a.outcome === "duplicate" ? a.attempt + " (dup)" : a.attempt),
          el("td", {}, clock(a.timestamp)),
          el("td", { class: "status", "data-metric": "status" }, attemptStatus(a)),
          el("td", {}, a.outcome.replace("_", " ")),
          el("td", { class: "num" }, a.latency_ms + " ms"),
          el("td", { class: "num", "data-metric": "backoff" }, seconds(a.backoff_seconds)),
          el("td", {}, clock(a.next_attempt_at))));
      return el("article", { class: "delivery " + outcome, "data-delivery": id,
                             "data-attempts": sent.length, "data-outcome": outcome },
        el("header", {},
          el("b", {}, id), " ",
          el("span", { class: "badge " + outcome }, outcome.replace("_", " ")), " ",
          (last.app || "app " + last.client_id), " · ",
          el("span", { class: "types" }, last.event_types.join(", ")), " · athletes ",
          last.athlete_ids.join(", "), " · ",
          el("span", { "data-metric": "attempts" }, sent.length), sent.length === 1 ? " attempt" : " attempts",
          last.faults.length ? " · faults: " + last.faults.join(", ") : ""),
        table(["attempt", "at", "status", "outcome", "latency", "backoff", "next attempt"], rows,
              { class: "attempts" }));
    });
    const waiting = summary.pending_deliveries.filter((p) => p.status === "queued" || p.status === "held");
    const attempts = summary.attempts || {};
    return [
      el("div", { class: "metrics" },
        metric("emitted", summary.emitted, "events emitted"),
        metric("queued", summary.queued, "queued"),
        metric("pending", summary.pending, "waiting to be sent"),
        metric("held", summary.held, "held by a fault"),
        metric("delivered", attempts.delivered || 0, "delivered"),
        metric("will-retry", attempts.will_retry || 0, "failed, retried"),
        metric("given-up", attempts.given_up || 0, "given up")),
      waiting.length
        ? el("p", { class: "muted" }, waiting.map((p) => (p.delivery_id || "queued") + " for app " +
                                                     p.client_id + " (" + p.status + ")").join("; "))
        : null,
      cards.length ? el("div", { class: "deliveries" }, cards)
                   : empty("no delivery yet: an app needs a webhook URL and an athlete's token"),
    ];
  }

  function drawBudgets(answer) {
    if (answer.status === 404 || !answer.body || answer.body.enabled === false) {
      return el("p", { class: "empty", "data-metric": "budgets" }, "budgets not enforced");
    }
    if (answer.status !== 200) { throw new Error("GET /_sandbox/budgets answered " + answer.status); }
    const rows = answer.body.budgets.map((b) =>
      el("tr", { "data-budget": b.key },
        el("td", {}, el("code", {}, b.key)),
        el("td", {}, b.kind),
        el("td", { class: "num", "data-metric": "daily" }, b.daily_used + " / " + b.daily_limit),
        el("td", {}, el("meter", { min: 0, max: b.daily_limit, value: b.daily_used })),
        el("td", { class: "num", "data-metric": "window" }, b.window_used + " / " + b.window_limit),
        el("td", {}, el("meter", { min: 0, max: b.window_limit, value: b.window_used })),
        el("td", {}, day(b.resets_at) + " " + clock(b.resets_at))));
    return rows.length
      ? table(["key", "kind", "today", "", "window", "", "resets"], rows, { class: "budgets" })
      : el("p", { class: "empty", "data-metric": "budgets" }, "budgets enforced; nothing spent yet");
  }

  // -- the data browser -----------------------------------------------------------------------

  const KINDS = {
    activities: { headers: ["date", "type", "name", "source", "time", "distance", "load"],
                  cells: (r) => [r.start_date_local ? r.start_date_local.replace("T", " ") : "",
                                 r.type, r.name, r.source, duration(r.moving_time),
                                 r.distance === null ? "" : (r.distance / 1000).toFixed(1) + " km",
                                 r.training_load] },
    wellness: { headers: ["day", "weight", "resting HR", "HRV", "fitness", "fatigue", "locked"],
                cells: (r) => [r.id, r.weight, r.restingHR, r.hrv, r.ctl, r.atl, r.locked ? "locked" : ""] },
    events: { headers: ["date", "category", "type", "name"],
              cells: (r) => [r.start_date_local ? r.start_date_local.replace("T", " ").replace(" 00:00:00", "") : "",
                             r.category, r.type, r.name] },
  };

  function duration(s) {
    if (s === null || s === undefined) { return ""; }
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h + ":" + String(m).padStart(2, "0");
  }

  function viewLink(athleteId, apiPath, label) {
    return el("a", { href: "/_sandbox/view/" + athleteId + apiPath, target: "_blank",
                     rel: "noopener", class: "json", title: "GET " + apiPath + " as " + athleteId },
              label || "JSON");
  }

  function curl(apiPath) {
    return "curl -u API_KEY:$INTERVALS_API_KEY '" + location.origin + apiPath + "'";
  }

  function drawAthletes(athletes) {
    if (state.athlete === null || !athletes.some((a) => a.id === state.athlete)) {
      const first = athletes.find((a) => a.role === "athlete") || athletes[0];
      state.athlete = first ? first.id : null;
    }
    const rows = athletes.map((a) =>
      el("tr", { "data-athlete": a.id, class: a.id === state.athlete ? "selected" : "" },
        el("td", {}, el("button", { type: "button", class: "link", on: { click: () => select(a.id, state.kind) } }, a.id)),
        el("td", {}, a.name),
        el("td", {}, a.role),
        el("td", {}, a.timezone),
        el("td", { class: "num", "data-metric": "activities" }, a.activities),
        el("td", { class: "num", "data-metric": "wellness" }, a.wellness),
        el("td", { class: "num", "data-metric": "events" }, a.events),
        el("td", {}, viewLink(a.id, a.api_path))));
    return [table(["athlete", "name", "role", "time zone", "activities", "wellness", "events", "API"], rows,
                  { class: "athletes" }),
            el("div", { class: "records", id: "records" })];
  }

  function select(athleteId, kind) {
    state.athlete = athleteId;
    state.kind = kind;
    state.counts = "";
    state.shown.data = null;  // redraw the athlete rows with the new selection
    refreshData();
  }

  async function refreshData() {
    const athletes = await read("data/athletes");
    if (athletes.status !== 200) { failed("data", "GET /_sandbox/data/athletes answered " + athletes.status); return; }
    panel("data", athletes.body, drawAthletes);
    const chosen = athletes.body.find((a) => a.id === state.athlete);
    if (!chosen) { return; }
    const counts = [chosen.id, state.kind, chosen[state.kind]].join("/");
    const box = document.getElementById("records");
    if (counts === state.counts && box.childElementCount) { return; }
    const listing = await read("data/" + encodeURIComponent(chosen.id) + "/" + state.kind + "?limit=30");
    if (listing.status !== 200) { box.replaceChildren(el("p", { class: "error" }, listing.body ? listing.body.error : "no answer")); return; }
    state.counts = counts;
    box.replaceChildren(...drawRecords(chosen, listing.body));
  }

  function drawRecords(athlete, listing) {
    const spec = KINDS[listing.kind];
    const tabs = el("div", { class: "tabs", role: "tablist" }, Object.keys(KINDS).map((k) =>
      el("button", { type: "button", role: "tab", "aria-selected": k === listing.kind ? "true" : "false",
                     "data-kind": k, on: { click: () => select(athlete.id, k) } },
         k + " (" + athlete[k] + ")")));
    const rows = listing.records.map((r) =>
      el("tr", { "data-record": r.id },
        spec.cells(r).map((c) => el("td", {}, c === null || c === undefined ? "" : c)),
        el("td", {}, viewLink(athlete.id, r.api_path))));
    return [
      tabs,
      el("p", { class: "muted" }, athlete.name + " (" + athlete.id + "): newest " + listing.records.length +
         " of " + listing.total + " " + listing.kind,
         listing.api_path ? [" · the whole list: ", viewLink(athlete.id, listing.api_path, listing.api_path)] : null),
      rows.length ? table([...spec.headers, "API"], rows, { class: "records-table", "data-kind": listing.kind })
                  : empty("no " + listing.kind),
      listing.api_path ? el("pre", { class: "curl" }, curl(listing.api_path)) : null,
    ];
  }

  // -- polling --------------------------------------------------------------------------------

  async function poll() {
    if (state.paused) { return; }
    const reads = await Promise.allSettled([
      read("info"), read("traffic"), read("faults/history"), read("apps"), read("tokens"),
      read("webhooks"), read("webhooks/deliveries?limit=300"), read("budgets"),
    ]);
    const [info, traffic, faults, apps, tokens, webhooks, deliveries, budgets] =
      reads.map((r) => (r.status === "fulfilled" ? r.value : { status: 0, body: null, error: r.reason }));
    const ok = (answer) => answer.status === 200;
    const why = (answer) => (answer.status ? "answered " + answer.status : String(answer.error || "no answer"));
    if (ok(info)) { drawAbout(info.body); }
    if (ok(traffic)) { panel("traffic", traffic.body, drawTraffic); panel("ratelimit", traffic.body.rate_limit, drawRateLimit); }
    else { failed("traffic", why(traffic)); failed("ratelimit", why(traffic)); }
    if (ok(faults)) { panel("faults", faults.body, drawFaults); } else { failed("faults", why(faults)); }
    if (ok(apps) && ok(tokens)) { panel("oauth", [apps.body, tokens.body], drawOAuth); }
    else { failed("oauth", why(ok(apps) ? tokens : apps)); }
    if (ok(webhooks) && ok(deliveries)) { panel("webhooks", [webhooks.body, deliveries.body], drawWebhooks); }
    else { failed("webhooks", why(ok(webhooks) ? deliveries : webhooks)); }
    if (budgets.status) { panel("budgets", { status: budgets.status, body: budgets.body }, drawBudgets); }
    else { failed("budgets", why(budgets)); }
    try { await refreshData(); } catch (error) { failed("data", String(error)); }
    const reachable = reads.some((r) => r.status === "fulfilled");
    document.getElementById("status").textContent = reachable ? "" : "the sandbox does not answer (stopped?)";
    document.querySelector('[data-metric="updated"]').textContent = new Date().toLocaleTimeString([], { hour12: false }) + " (your clock)";
    state.polls += 1;
    if (state.polls === 1) { markReady(); }
  }

  async function loop() {
    try { await poll(); } catch (error) { state.lastError = String(error); }
    setTimeout(loop, POLL_MS);
  }

  document.getElementById("pause").addEventListener("click", (event) => {
    state.paused = !state.paused;
    event.target.textContent = state.paused ? "resume" : "pause";
  });
  loop();
})();
