/** The UI's style sheet: system fonts, light and dark, a table that turns into cards when narrow. */
export const UI_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #667085; --line: #e4e7ec;
  --head: #f9fafb; --accent: #4f46e5;
  --ok: #067647; --ok-bg: #dcfae6; --run: #175cd3; --run-bg: #dbeafe;
  --next: #6941c6; --next-bg: #ede9fe; --warn: #b54708; --warn-bg: #fef0c7;
  --bad: #b42318; --bad-bg: #fee4e2; --idle: #475467; --idle-bg: #eaecf0;
  --row-bad: #fff8f7;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1217; --panel: #161b22; --text: #e6edf3; --muted: #8b949e; --line: #2a313c;
    --head: #1b212a; --accent: #8b8cf8;
    --ok: #5fd38d; --ok-bg: #0f2e1d; --run: #79b8ff; --run-bg: #10243e;
    --next: #c4b5fd; --next-bg: #261b46; --warn: #f5b454; --warn-bg: #3a2708;
    --bad: #ff8a80; --bad-bg: #3d1512; --idle: #aab4c0; --idle-bg: #242b35;
    --row-bad: #1f1517;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; }
body {
  background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  -webkit-font-smoothing: antialiased;
}
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.top {
  display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 14px 28px; background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 2;
}
.brand { display: flex; align-items: center; gap: 10px; min-width: 0; }
.mark {
  width: 22px; height: 22px; border-radius: 6px; flex: none;
  background: linear-gradient(135deg, var(--accent), #06b6d4);
  box-shadow: inset 0 0 0 5px rgba(255,255,255,.25);
}
.name { font-weight: 700; font-size: 17px; letter-spacing: -.01em; }
.host { color: var(--muted); font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.host:not(:empty)::before { content: "·"; margin-right: 10px; }
.conn { display: flex; align-items: center; gap: 8px; font-size: 13px; color: var(--muted); white-space: nowrap; }
.conn .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--warn); }
.conn[data-state="live"] .dot { background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.conn[data-state="offline"] .dot { background: var(--bad); }
main { padding: 22px 28px 40px; max-width: 1480px; margin: 0 auto; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 16px; }
.chip {
  display: inline-flex; align-items: baseline; gap: 8px; padding: 8px 14px; border-radius: 10px;
  background: var(--panel); border: 1px solid var(--line); color: var(--text);
  font: inherit; cursor: pointer; transition: border-color .15s, box-shadow .15s;
}
.chip:hover { border-color: var(--muted); }
.chip[aria-pressed="true"] { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 20%, transparent); }
.chip .n { font-size: 20px; font-weight: 700; font-variant-numeric: tabular-nums; }
.chip .l { color: var(--muted); font-size: 12.5px; }
.chip.total .n { color: var(--text); }
.chip[data-tone="ok"] .n { color: var(--ok); }
.chip[data-tone="run"] .n { color: var(--run); }
.chip[data-tone="next"] .n { color: var(--next); }
.chip[data-tone="warn"] .n { color: var(--warn); }
.chip[data-tone="bad"] .n { color: var(--bad); }
.chip[data-tone="idle"] .n { color: var(--idle); }
.chip.zero { opacity: .55; }
.toolbar { display: flex; gap: 12px; align-items: center; margin-bottom: 14px; flex-wrap: wrap; }
.toolbar input, .toolbar select {
  font: inherit; color: var(--text); background: var(--panel);
  border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px;
}
.toolbar input { flex: 1 1 320px; max-width: 460px; }
.toolbar input:focus, .toolbar select:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
.host-filter { display: flex; gap: 8px; align-items: center; color: var(--muted); font-size: 13px; }
.banner {
  padding: 10px 14px; border-radius: 8px; margin-bottom: 14px;
  background: var(--warn-bg); color: var(--warn); border: 1px solid color-mix(in srgb, var(--warn) 30%, transparent);
}
.table-wrap { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; overflow: hidden; }
table { width: 100%; border-collapse: collapse; }
th {
  text-align: left; font-size: 11.5px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); background: var(--head); padding: 10px 14px; border-bottom: 1px solid var(--line);
}
td { padding: 12px 14px; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: color-mix(in srgb, var(--head) 70%, transparent); }
tr.problem td { background: var(--row-bad); }
tr.problem td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr.flash td { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: color-mix(in srgb, var(--accent) 10%, transparent); } }
table:not(.fleet) .col-host { display: none; }
.svc { font-weight: 600; word-break: break-all; }
.sub { color: var(--muted); font-size: 12px; margin-top: 2px; word-break: break-all; }
.badge {
  display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px 2px 8px; border-radius: 999px;
  font-size: 12.5px; font-weight: 600; white-space: nowrap;
}
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.badge[data-tone="ok"] { color: var(--ok); background: var(--ok-bg); }
.badge[data-tone="run"] { color: var(--run); background: var(--run-bg); }
.badge[data-tone="next"] { color: var(--next); background: var(--next-bg); }
.badge[data-tone="warn"] { color: var(--warn); background: var(--warn-bg); }
.badge[data-tone="bad"] { color: var(--bad); background: var(--bad-bg); }
.badge[data-tone="idle"] { color: var(--idle); background: var(--idle-bg); }
.badge[data-tone="run"]::before, .badge[data-tone="next"]::before { animation: pulse 1.4s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: .25; } }
.tag {
  display: inline-block; margin: 2px 0 0 6px; padding: 1px 7px; border-radius: 5px; font-size: 11.5px; font-weight: 600;
  color: var(--bad); border: 1px solid color-mix(in srgb, var(--bad) 40%, transparent);
}
.tag.behind { color: var(--warn); border-color: color-mix(in srgb, var(--warn) 40%, transparent); }
.fleet-hosts { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 14px; }
.host-chip {
  display: flex; gap: 8px; align-items: baseline; padding: 6px 12px; border-radius: 8px;
  background: var(--panel); border: 1px solid var(--line); font-size: 12.5px;
}
.host-chip .hn { font-weight: 600; }
.host-chip .l { color: var(--muted); }
.host-chip .warn { color: var(--warn); }
.host-chip.lagging { border-color: color-mix(in srgb, var(--warn) 50%, transparent); }
.host-chip.gone { border-style: dashed; opacity: .8; }
.host-chip.gone .hn { text-decoration: line-through; color: var(--muted); }
.img { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
.arrow { color: var(--muted); }
.ctr { display: flex; flex-direction: column; gap: 3px; }
.ctr .id { font-family: var(--mono); font-size: 12.5px; }
.ctr .health { font-size: 11px; padding: 0 5px; border-radius: 8px; color: var(--idle); background: var(--idle-bg); }
.ctr .health-healthy { color: var(--ok); background: var(--ok-bg); }
.ctr .health-unhealthy { color: var(--bad); background: var(--bad-bg); }
.ctr .health-starting { color: var(--warn); background: var(--warn-bg); }
.ctr .role { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; margin-right: 6px; }
.muted, .none { color: var(--muted); font-size: 13px; }
.err { max-width: 380px; }
.err .code { font-family: var(--mono); font-size: 11.5px; color: var(--bad); font-weight: 600; }
.err .msg { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; word-break: break-word; }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.empty {
  text-align: center; padding: 64px 20px; background: var(--panel);
  border: 1px dashed var(--line); border-radius: 12px; margin-top: -1px;
}
.empty-mark {
  width: 44px; height: 44px; margin: 0 auto 14px; border-radius: 12px;
  background: linear-gradient(135deg, var(--accent), #06b6d4); opacity: .8;
  box-shadow: inset 0 0 0 10px rgba(255,255,255,.3);
}
.empty h2 { margin: 0 0 6px; font-size: 17px; }
.empty p { margin: 0; color: var(--muted); }
@media (max-width: 900px) {
  .top, main { padding-left: 14px; padding-right: 14px; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border-bottom: 1px solid var(--line); padding: 8px 0; }
  tbody tr:last-child { border-bottom: none; }
  td { border: none; padding: 5px 14px; display: grid; grid-template-columns: 96px 1fr; gap: 10px; }
  td::before { content: attr(data-label); color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; padding-top: 2px; }
  table:not(.fleet) td.col-host { display: none; }
  .err { max-width: none; }
  .chip { padding: 6px 10px; gap: 6px; }
  .chip .n { font-size: 16px; }
  .chip.zero { display: none; }
}
`;
