/** The UI page. Script and styles are served beside it (`/ui/app.js`, `/ui/app.css`). */
export const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>condo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/app.css">
<script src="ui/app.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand">
    <span class="mark" aria-hidden="true"></span>
    <span class="name">condo</span>
    <span class="host" id="host"></span>
  </div>
  <div class="conn" id="conn" data-state="connecting" role="status" aria-live="polite">
    <span class="dot" aria-hidden="true"></span><span id="conn-text">Connecting…</span>
  </div>
</header>
<main>
  <section class="summary" id="summary" aria-label="Services by state"></section>
  <section class="toolbar">
    <input id="filter" type="search" placeholder="Filter by service, image or error…" aria-label="Filter services" autocomplete="off">
    <label class="host-filter" id="host-filter" hidden>Host
      <select id="host-select" aria-label="Filter by host"><option value="">All hosts</option></select>
    </label>
  </section>
  <section class="fleet-hosts" id="fleet-hosts" aria-label="Hosts" hidden></section>
  <div class="banner" id="banner" role="alert" hidden></div>
  <div class="table-wrap">
    <table id="services">
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col" class="col-host">Host</th>
          <th scope="col">State</th>
          <th scope="col">Image</th>
          <th scope="col">Containers</th>
          <th scope="col">Age</th>
          <th scope="col">Last error</th>
          <th scope="col">Retry</th>
        </tr>
      </thead>
      <tbody id="rows"></tbody>
    </table>
  </div>
  <div class="empty" id="empty" hidden>
    <div class="empty-mark" aria-hidden="true"></div>
    <h2 id="empty-title">No services yet</h2>
    <p id="empty-text">Drop a <code>*.edn</code> spec file into a watched directory and it shows up here.</p>
  </div>
</main>
</body>
</html>
`;
