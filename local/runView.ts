/**
 * A self-contained page (no external assets): the archived leads with their outcome (read back from
 * the archive, so they survive restarts), the runs in memory with each action's status and duration,
 * what the CRM stand-ins received, and a replay button on dead letters (Settle on a row left received by a run
 * that has ended: replay marks it, never re-sends it), and each stand-in's state with a button that takes it down
 * or brings it back (as `npm run standin` does). Every value goes through esc().
 */
export const RUN_VIEW_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Runs of {{WORKFLOW}} (local)</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.2rem; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; overflow-wrap: anywhere; }
  tr.run { cursor: pointer; }
  tr.run:hover { background: #f3f6fb; }
  .Succeeded { color: #107c10; } .Failed, .TimedOut { color: #c50f1f; } .Skipped { color: #777; }
  .Running { color: #0063b1; } .Cancelled { color: #8a6d00; }
  pre { margin: 0; max-height: 12rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f7f7; padding: .3rem; }
  .nested { padding-left: 1.4rem; }
  #insights { display: flex; flex-wrap: wrap; gap: 2rem; margin-bottom: 1.5rem; }
  .chart { min-width: 18rem; } .chart h3 { font-size: .95rem; margin: 0 0 .4rem; }
  .bar { display: flex; align-items: center; gap: .4rem; margin: .15rem 0; }
  .bar .label { width: 12rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .bar .fill { background: #0063b1; height: .9rem; min-width: 2px; }
  .bar .count { font-variant-numeric: tabular-nums; }
  .delivered, .test, .archived { color: #107c10; } .dead-letter, .standin.down, .standin.failing { color: #c50f1f; } .duplicate, .incomplete { color: #8a6d00; }
</style>
</head>
<body>
<h1>Runs of <code>{{WORKFLOW}}</code> (local runtime)</h1>
<p id="standins"></p>
<h2>Insights (the whole archive)</h2>
<div id="insights"></div>
<h2>Leads (from the archive)</h2>
<table id="leads"><thead><tr><th>Received</th><th>Run</th><th>Status</th><th>Offer</th><th>Outcome</th><th></th></tr></thead><tbody></tbody></table>
<p id="replayed"></p>
<h2>Runs (this session)</h2>
<table id="runs"><thead><tr><th>Run</th><th>Status</th><th>Start</th><th>Response</th><th>Error</th></tr></thead><tbody></tbody></table>
<div id="detail"></div>
<script>
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const show = (v, secured) => secured ? "<em>secured</em>" : v === undefined ? "" : "<pre>" + esc(JSON.stringify(v, null, 2)) + "</pre>";
// A skipped action never ran: its ActionConditionFailed error is said in words, the full text kept in the title.
const skipped = (e) => '<span class="skip-reason" title="' + esc(e.code + ": " + e.message) + '">Skipped: runAfter condition not satisfied</span>';
let leads = [];
async function loadLeads() {
  leads = (await (await fetch("/leads")).json()).value;
  document.querySelector("#leads tbody").innerHTML = leads.map((l) =>
    '<tr class="run lead" data-run="' + esc(l.row) + '"><td>' + esc(l.received) + "</td><td>" + esc(l.row) + '</td><td class="' + esc(l.status) + '">' +
    esc(l.status) + "</td><td>" + esc(l.offer) + '</td><td class="outcome">' + esc(l.outcome.words) + "</td><td>" +
    (l.status === "dead-letter" || l.runEnded ? '<button class="replay" data-row="' + esc(l.row) + '">' + (l.runEnded ? "Settle" : "Replay") + "</button>" : "") + "</td></tr>").join("");
  document.querySelectorAll("tr.lead").forEach((tr) => tr.addEventListener("click", () => loadRun(tr.dataset.run)));
  document.querySelectorAll("button.replay").forEach((b) => b.addEventListener("click", (e) => { e.stopPropagation(); replay(b.dataset.row); }));
}
async function replay(row) {
  const { value } = await (await fetch("/replay/" + encodeURIComponent(row), { method: "POST" })).json();
  document.querySelector("#replayed").textContent = value.map((o) => o.result + " " + o.row + ": " + o.detail).join("; ") || "Nothing to replay.";
  setTimeout(refresh, 500);
}
function chart(id, title, bars) {
  const max = Math.max(1, ...bars.map((b) => b.leads));
  return '<div class="chart" id="' + id + '"><h3>' + esc(title) + "</h3>" + (bars.length === 0 ? "<p>None.</p>" : bars.map((b) =>
    '<div class="bar" data-label="' + esc(b.label) + '"><span class="label" title="' + esc(b.label) + '">' + esc(b.label) +
    '</span><span class="fill" style="width:' + Math.round((b.leads / max) * 10) + 'rem"></span><span class="count">' + esc(b.leads) + "</span></div>").join("")) + "</div>";
}
async function loadInsights() {
  const i = await (await fetch("/insights")).json();
  document.querySelector("#insights").innerHTML =
    chart("per-day", "Leads per day by offer and action", i.perDay.map((d) => ({ label: d.day + " " + d.offer + " " + d.action, leads: d.leads }))) +
    chart("outcomes", "Outcomes", i.outcomes.map((o) => ({ label: o.outcome, leads: o.leads }))) +
    chart("failures", "Failed CRM calls by target", i.failuresByTarget.map((f) => ({ label: f.target, leads: f.leads })));
}
async function loadStandins() {
  const res = await fetch("/standins/state");
  if (!res.ok) return;
  document.querySelector("#standins").innerHTML = "Stand-ins (npm run standin): " + (await res.json()).value.map((s) =>
    '<span class="standin ' + esc(s.state) + '">' + esc(s.target) + " " + esc(s.state) + (s.statusCode ? " " + esc(s.statusCode) : "") +
    (s.slowerMs ? ", " + esc(s.slowerMs) + " ms slower" : "") + "</span> " +
    '<button class="toggle" data-target="' + esc(s.target) + '" data-fault="' + (s.state === "up" ? "down" : "up") + '">' +
    (s.state === "up" ? "take down" : "bring up") + "</button>").join(" · ");
  document.querySelectorAll("#standins button.toggle").forEach((b) => b.addEventListener("click", () => toggle(b.dataset.target, b.dataset.fault)));
}
async function toggle(target, fault) {
  const res = await fetch("/standins/" + encodeURIComponent(target) + "/" + fault, { method: "POST" });
  if (!res.ok) document.querySelector("#replayed").textContent = target + " " + fault + ": " + res.status + " " + (await res.text());
  await loadStandins();
}
async function refresh() { await loadStandins(); await loadInsights(); await loadLeads(); await loadRuns(); }
async function loadRuns() {
  const { value } = await (await fetch("/runs")).json();
  document.querySelector("#runs tbody").innerHTML = value.map((r) =>
    '<tr class="run" data-run="' + esc(r.name) + '"><td>' + esc(r.name) + '</td><td class="' + esc(r.status) + '">' + esc(r.status) +
    "</td><td>" + esc(r.startTime) + "</td><td>" + esc(r.responseStatus) + "</td><td>" + esc(r.error?.code) + "</td></tr>").join("");
  document.querySelectorAll("#runs tr.run").forEach((tr) => tr.addEventListener("click", () => loadRun(tr.dataset.run)));
  const wanted = location.hash.slice(1);
  if (wanted) loadRun(wanted);
}
function leadOutcome(name) {
  const lead = leads.find((l) => l.row === name);
  return lead ? '<p class="lead-outcome">Outcome: ' + esc(lead.outcome.words) + "</p>" : "";
}
async function received(run) {
  const res = await fetch("/standins/requests");
  if (!res.ok) return "";
  const mine = (await res.json()).value.filter((r) => r.runName === run.name);
  return "<h3>What the stand-ins received</h3>" + (mine.length === 0 ? "<p>Nothing.</p>" : '<table class="received"><thead><tr><th>Stand-in</th><th>Action</th><th>Request</th><th>Body</th></tr></thead><tbody>' +
    mine.map((r) => "<tr><td>" + esc(r.target) + "</td><td>" + esc(r.actionName) + "</td><td>" + esc(r.method + " " + r.path) + "</td><td>" + show(r.body) + "</td></tr>").join("") + "</tbody></table>");
}
async function loadRun(name) {
  location.hash = name;
  const res = await fetch("/runs/" + encodeURIComponent(name));
  if (!res.ok) {
    document.querySelector("#detail").innerHTML = "<h2>Run " + esc(name) + "</h2>" + leadOutcome(name) +
      "<p>The run's details were kept in memory by an earlier session; the archive row above is its record.</p>";
    return;
  }
  const run = await res.json();
  const rows = Object.values(run.actions).map((a) => {
    const ms = a.endTime && a.startTime ? (new Date(a.endTime) - new Date(a.startTime)) + " ms" : "";
    const secured = a.secured || [];
    return '<tr><td class="' + (a.parent ? "nested" : "") + '">' + esc(a.name) + "</td><td>" + esc(a.type) + '</td><td class="' + esc(a.status) + '">' +
      esc(a.status) + " " + esc(a.code) + (a.retryHistory ? " (" + a.retryHistory.length + " retries)" : "") + "</td><td>" + ms + "</td><td>" +
      show(a.inputs, secured.includes("inputs")) + "</td><td>" +
      (a.status === "Skipped" && a.error?.code === "ActionConditionFailed" ? skipped(a.error) : show(a.outputs ?? a.error, secured.includes("outputs"))) + "</td></tr>";
  }).join("");
  document.querySelector("#detail").innerHTML = "<h2>Run " + esc(run.name) + ' <span class="' + esc(run.status) + '">' + esc(run.status) + "</span></h2>" +
    leadOutcome(run.name) + (run.error ? "<p>" + esc(run.error.code) + ": " + esc(run.error.message) + "</p>" : "") +
    '<table class="actions"><thead><tr><th>Action</th><th>Type</th><th>Status</th><th>Duration</th><th>Inputs</th><th>Outputs / error</th></tr></thead><tbody>' + rows + "</tbody></table>" +
    await received(run);
}
refresh().then(() => { document.body.dataset.ready = "true"; });
setInterval(refresh, 3000);
</script>
</body>
</html>
`;
