#include "status/status_page.h"

namespace tgate::status {
namespace {

constexpr std::string_view kHead = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tgate status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:18px;margin:0}header .muted{color:#aab}
main{padding:16px 20px;display:grid;gap:16px}
.bot{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 3px #0002}
.bot h2{margin:0 0 8px;font-size:17px}.bot h3{font-size:14px;margin:12px 0 4px;color:#445}
.figs{display:flex;flex-wrap:wrap;gap:8px 22px}.fig b{display:block;font-size:18px}.fig span{color:#667;font-size:12px}
.ok{color:#197a3b}.bad{color:#b3261e}.warn{color:#9a6700}.muted{color:#778}
svg.rate{background:#fafbfc;border:1px solid #dde;border-radius:4px}
.bar{height:14px;background:#e3e6ea;border-radius:7px;overflow:hidden;width:100%;max-width:560px}
.bar>div{height:100%;background:#2f7de1}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
#stale{display:none;color:#b3261e}
</style></head><body>
<header><h1>tgate</h1><span id="version" class="muted"></span><span id="instance" class="muted"></span>
<span id="outbox"></span><span id="updated" class="muted"></span><span id="stale">not refreshed: </span></header>
<main id="bots"></main>
<script type="application/json" id="initial">)html";

constexpr std::string_view kTail = R"html(</script>
<script>
"use strict";
const el = (tag, attrs, ...kids) => {
  const e = ["svg", "polyline", "polygon", "line", "text", "circle"].includes(tag)
      ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
};
const fig = (value, label, cls) => el("div", {class: "fig " + (cls || "")}, el("b", {}, String(value)), el("span", {}, label));
const dur = s => s == null ? "?" : s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min" : (s / 3600).toFixed(1) + " h";

function plot(bot) {
  const W = 640, H = 170, L = 40, B = 20;
  const pts = (bot.rate && bot.rate.points) || [];
  let peak = 0, oldest = 0;
  for (const [ago, r] of pts) { peak = Math.max(peak, r); oldest = Math.max(oldest, ago); }
  // The last hour, zoomed in while tgate has run for less (at least a minute).
  const span = Math.min(3600, Math.max(60, oldest + (bot.rate ? bot.rate.interval_seconds : 10)));
  const max = Math.max(bot.limit_per_second * 1.15, peak * 1.1, 1);
  const x = ago => L + (W - L - 24) * (1 - Math.min(ago, span) / span);
  const y = r => (H - B) - (H - B - 6) * r / max;
  const svg = el("svg", {class: "rate", width: W, height: H, viewBox: `0 0 ${W} ${H}`,
                         "data-peak-rate": peak.toFixed(2), "data-limit": bot.limit_per_second});
  for (let k = 4; k >= 0; --k) {
    const ago = span * k / 4;
    svg.append(el("line", {x1: x(ago), x2: x(ago), y1: 0, y2: H - B, stroke: "#e6e8eb"}));
    svg.append(el("text", {x: x(ago) - 14, y: H - 5, "font-size": 11, fill: "#778"},
                  k ? (span < 300 ? `-${Math.round(ago)}s` : `-${Math.round(ago / 60)}m`) : "now"));
  }
  svg.append(el("text", {x: 2, y: 12, "font-size": 11, fill: "#778"}, max.toFixed(0) + "/s"));
  svg.append(el("text", {x: 2, y: H - B, "font-size": 11, fill: "#778"}, "0"));
  const ly = y(bot.limit_per_second);
  svg.append(el("line", {class: "limit", x1: L, x2: W, y1: ly, y2: ly, stroke: "#b3261e", "stroke-dasharray": "6 4"}));
  svg.append(el("text", {x: L + 4, y: ly - 4, "font-size": 11, fill: "#b3261e"}, `limit ${bot.limit_per_second}/s`));
  if (pts.length) {
    const line = pts.map(([ago, r]) => `${x(ago).toFixed(1)},${y(r).toFixed(1)}`);
    const first = x(pts[0][0]).toFixed(1), last = x(pts[pts.length - 1][0]).toFixed(1), base = y(0).toFixed(1);
    svg.append(el("polygon", {points: `${first},${base} ${line.join(" ")} ${last},${base}`, fill: "#2f7de133"}));
    svg.append(el("polyline", {class: "sent", points: line.join(" "), fill: "none", stroke: "#2f7de1", "stroke-width": 2}));
    const now = pts[pts.length - 1][1];
    // The newest point as a dot too: the only thing to see while tgate has run for one interval.
    svg.append(el("circle", {cx: last, cy: y(now).toFixed(1), r: 3, fill: "#2f7de1"}));
    svg.append(el("text", {x: W - 150, y: 12, "font-size": 11, fill: "#2f7de1"},
                  `now ${now.toFixed(1)}/s, peak ${peak.toFixed(1)}/s`));
  }
  return svg;
}

function renderBot(b) {
  const card = el("section", {class: "bot", "data-bot": b.name});
  card.append(el("h2", {}, `${b.name} `, el("span", {class: "muted"}, b.username ? "@" + b.username : "(getMe has not answered yet)")));
  const hook = b.webhook;
  let hookText, hookCls = "ok";
  if (b.receiving === "long polling") hookText = "long polling";
  else if (!hook.checked) { hookText = "webhook not checked yet"; hookCls = "muted"; }
  else if (!hook.url_set) { hookText = "no webhook set: Telegram sends nothing"; hookCls = "bad"; }
  else if (hook.last_error_message) { hookText = "webhook error: " + hook.last_error_message; hookCls = "bad"; }
  else hookText = "webhook ok";
  card.append(el("div", {class: "figs"},
      fig(hookText, "receiving", hookCls),
      fig(b.receiving === "long polling" ? "-" : hook.pending_update_count, "updates pending at Telegram"),
      fig(b.queue_depth < 0 ? "?" : b.queue_depth, "queue depth")));
  if (!b.owned) {
    card.append(el("p", {class: "warn owner"}, b.owner
        ? `Sent by instance ${b.owner} (${b.owner_listen}); its live figures are on its own status page.`
        : "No live instance holds this bot's lease right now."));
  } else {
    const d = b.dispatch;
    card.append(el("div", {class: "figs"},
        fig(d.outage ? "Telegram unreachable" : "reachable", "Bot API", d.outage ? "bad" : "ok"),
        fig(d.sent, "sent"), fig(d.failed, "failed", d.failed ? "bad" : ""),
        fig(d.rate_limited, "429s", d.rate_limited ? "warn" : ""), fig(d.retried, "retries"),
        fig(d.in_flight, "in flight"), fig(d.global_rate.toFixed(1) + "/s", "pace")));
    card.append(el("h3", {}, "Send rate, last hour"));
    card.append(plot(b));
  }
  if (b.broadcasts.length) {
    card.append(el("h3", {}, "Running broadcasts"));
    for (const x of b.broadcasts) {
      const done = x.sent + x.failed + x.cancelled, pct = x.total ? 100 * done / x.total : 100;
      card.append(el("div", {class: "broadcast", "data-id": x.id, "data-done": done, "data-total": x.total},
          el("div", {}, `#${x.id}: ${done} of ${x.total} (${x.sent} sent, ${x.failed} failed, ${x.skipped} skipped), `
              + `${x.per_second.toFixed(1)}/s, ETA ${dur(x.eta_seconds)}`),
          el("div", {class: "bar"}, el("div", {style: `width:${pct.toFixed(1)}%`}))));
    }
  }
  card.append(el("h3", {}, "Last failures"));
  if (!b.failures.length) card.append(el("p", {class: "muted"}, "none"));
  else {
    const t = el("table", {class: "failures"}, el("tr", {}, el("th", {}, "when"), el("th", {}, "message"),
                                                el("th", {}, "user"), el("th", {}, "reason")));
    for (const f of b.failures) {
      t.append(el("tr", {}, el("td", {}, new Date(f.at * 1000).toISOString().replace("T", " ").slice(0, 19)),
                    el("td", {}, "#" + f.message_id), el("td", {}, f.user), el("td", {class: "bad"}, f.reason)));
    }
    card.append(t);
  }
  return card;
}

function render(s) {
  document.getElementById("version").textContent = "version " + s.version;
  document.getElementById("instance").textContent = s.instance ? "instance " + s.instance : "";
  const ob = s.outbox.backlog;
  document.getElementById("outbox").textContent =
      "outbox backlog: " + (ob < 0 ? "?" : ob + " events" + (ob > 0 ? ", the oldest waiting " + s.outbox.oldest_age_seconds + " s" : ""));
  document.getElementById("updated").textContent = "at " + new Date(s.now * 1000).toISOString().slice(11, 19) + " UTC";
  document.getElementById("bots").replaceChildren(...s.bots.map(renderBot));
}

render(JSON.parse(document.getElementById("initial").textContent));
async function refresh() {
  const stale = document.getElementById("stale");
  try {
    // From the origin, not relative: a page opened as http://user:key@host/status
    // would resolve a relative URL with the credentials in it, which fetch refuses;
    // the browser sends the credentials it already used for this origin.
    const r = await fetch(location.origin + "/status.json", {credentials: "same-origin", cache: "no-store"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    stale.style.display = "none";
  } catch (e) {
    stale.textContent = "not refreshed: " + e.message;
    stale.style.display = "inline";
  }
}
setInterval(refresh, 2000);
</script></body></html>
)html";

}  // namespace

std::string RenderStatusPage(std::string_view initial_json) {
  std::string out;
  out.reserve(kHead.size() + initial_json.size() + kTail.size() + 16);
  out += kHead;
  // Inside <script>, only "</" could end the element early: JSON allows "<\/".
  for (size_t i = 0; i < initial_json.size(); ++i) {
    if (initial_json[i] == '<' && i + 1 < initial_json.size() && initial_json[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += initial_json[i];
    }
  }
  out += kTail;
  return out;
}

}  // namespace tgate::status
