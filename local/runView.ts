/** A self-contained page (no external assets) listing runs and their actions, like the portal's run view. */
export const RUN_VIEW_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Runs of {{WORKFLOW}} (local)</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.2rem; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  tr.run { cursor: pointer; }
  tr.run:hover { background: #f3f6fb; }
  .Succeeded { color: #107c10; } .Failed, .TimedOut { color: #c50f1f; } .Skipped { color: #777; }
  .Running { color: #0063b1; } .Cancelled { color: #8a6d00; }
  pre { margin: 0; max-height: 12rem; overflow: auto; background: #f7f7f7; padding: .3rem; }
  .nested { padding-left: 1.4rem; }
</style>
</head>
<body>
<h1>Runs of <code>{{WORKFLOW}}</code> (local runtime)</h1>
<table id="runs"><thead><tr><th>Run</th><th>Status</th><th>Start</th><th>Response</th><th>Error</th></tr></thead><tbody></tbody></table>
<div id="detail"></div>
<script>
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const show = (v, secured) => secured ? "<em>secured</em>" : v === undefined ? "" : "<pre>" + esc(JSON.stringify(v, null, 2)) + "</pre>";
async function loadRuns() {
  const { value } = await (await fetch("/runs")).json();
  document.querySelector("#runs tbody").innerHTML = value.map((r) =>
    '<tr class="run" data-run="' + esc(r.name) + '"><td>' + esc(r.name) + '</td><td class="' + esc(r.status) + '">' + esc(r.status) +
    "</td><td>" + esc(r.startTime) + "</td><td>" + esc(r.responseStatus) + "</td><td>" + esc(r.error?.code) + "</td></tr>").join("");
  document.querySelectorAll("tr.run").forEach((tr) => tr.addEventListener("click", () => loadRun(tr.dataset.run)));
  const wanted = location.hash.slice(1);
  if (wanted) loadRun(wanted);
}
async function loadRun(name) {
  location.hash = name;
  const run = await (await fetch("/runs/" + encodeURIComponent(name))).json();
  const rows = Object.values(run.actions).map((a) => {
    const ms = a.endTime && a.startTime ? (new Date(a.endTime) - new Date(a.startTime)) + " ms" : "";
    const secured = a.secured || [];
    return '<tr><td class="' + (a.parent ? "nested" : "") + '">' + esc(a.name) + "</td><td>" + esc(a.type) + '</td><td class="' + esc(a.status) + '">' +
      esc(a.status) + " " + esc(a.code) + (a.retryHistory ? " (" + a.retryHistory.length + " retries)" : "") + "</td><td>" + ms + "</td><td>" +
      show(a.inputs, secured.includes("inputs")) + "</td><td>" + show(a.outputs ?? a.error, secured.includes("outputs")) + "</td></tr>";
  }).join("");
  document.querySelector("#detail").innerHTML = "<h2>Run " + esc(run.name) + ' <span class="' + esc(run.status) + '">' + esc(run.status) + "</span></h2>" +
    (run.error ? "<p>" + esc(run.error.code) + ": " + esc(run.error.message) + "</p>" : "") +
    "<table><thead><tr><th>Action</th><th>Type</th><th>Status</th><th>Duration</th><th>Inputs</th><th>Outputs / error</th></tr></thead><tbody>" + rows + "</tbody></table>";
}
loadRuns();
setInterval(loadRuns, 3000);
</script>
</body>
</html>
`;
