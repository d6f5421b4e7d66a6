/**
 * The UI's script: plain DOM, no framework. It renders the `snapshot` event of `/v1/events` and
 * applies every later event; with exposure on it reads `/v1/global_state` once per connection and
 * then applies the stream's `fleet` events (no polling): every host's services, hosts whose
 * entries vanished, and hosts behind the newest revision of a service.
 * (Written without backticks or template placeholders, since it lives in a template string.)
 */
export const UI_JS = `'use strict';
(function () {
  var STATES = {
    Stable: { tone: 'ok', label: 'Stable' },
    Wait: { tone: 'run', label: 'Deploying' },
    WaitNext: { tone: 'next', label: 'Deploying next' },
    TryAgainNext: { tone: 'warn', label: 'Retrying next' },
    TryAgain: { tone: 'bad', label: 'Retrying' },
    Init: { tone: 'idle', label: 'Starting' }
  };
  var ORDER = ['Stable', 'Wait', 'WaitNext', 'TryAgainNext', 'TryAgain', 'Init'];
  var model = {
    host: null, exposure: false, local: new Map(), storeDown: false,
    // The fleet view: entry by service + instance; hosts whose last entry went (name -> when).
    remote: new Map(), gone: new Map(), fleetLoading: false, fleetBuffer: [],
    stateFilter: null, text: '', hostFilter: '', connected: false, loaded: false
  };
  var flashes = new Set();
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function ms(iso) { return iso ? Date.parse(iso) : NaN; }
  function span(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + 's';
    var m = Math.floor(seconds / 60);
    if (m < 60) return m + 'm ' + (seconds % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function ago(iso) { var t = ms(iso); return isNaN(t) ? '' : span((Date.now() - t) / 1000) + ' ago'; }
  function shortId(id) { return id ? id.slice(0, 12) : ''; }

  function rows() {
    var list = [];
    model.local.forEach(function (entry, service) {
      list.push({ key: (model.host || '') + '/' + service, host: model.host, service: service, entry: entry });
    });
    if (model.exposure) {
      model.remote.forEach(function (g) {
        if (model.host !== null && g.host === model.host) return;
        list.push({ key: g.host + '/' + g.service, host: g.host, service: g.service, entry: g.snapshot });
      });
    }
    list.sort(function (a, b) {
      return a.service < b.service ? -1 : a.service > b.service ? 1 : String(a.host) < String(b.host) ? -1 : 1;
    });
    if (model.exposure) markLag(list);
    return list;
  }

  // A service's newest revision is the one whose first container (on any host) appeared last; a
  // host that reports the service but does not run that revision as its current one is behind
  // (deploying it, retrying it, or not given it yet).
  function markLag(list) {
    var first = new Map();
    var hosts = new Map();
    list.forEach(function (r) {
      hosts.set(r.service, (hosts.get(r.service) || 0) + 1);
      [r.entry.current, r.entry.next].forEach(function (c) {
        if (!c || !c.specHash) return;
        var t = ms(c.createdAt);
        if (isNaN(t)) return;
        var revs = first.get(r.service) || new Map();
        first.set(r.service, revs);
        if (!revs.has(c.specHash) || t < revs.get(c.specHash).t) revs.set(c.specHash, { t: t, image: c.image });
      });
    });
    list.forEach(function (r) {
      r.behind = null;
      var revs = first.get(r.service);
      if (!revs || hosts.get(r.service) < 2) return;
      var lead = null;
      revs.forEach(function (v, hash) { if (!lead || v.t > lead.t) lead = { t: v.t, hash: hash, image: v.image }; });
      if (r.entry.current && r.entry.current.specHash === lead.hash) return;
      r.behind = lead;
    });
  }

  function matches(r) {
    if (model.stateFilter && r.entry.state !== model.stateFilter) return false;
    if (model.hostFilter && r.host !== model.hostFilter) return false;
    if (!model.text) return true;
    var e = r.entry;
    var hay = [r.service, r.host, e.current && e.current.image, e.next && e.next.image,
      e.lastError && e.lastError.message, e.lastError && e.lastError.code, e.file].join(' ').toLowerCase();
    return hay.indexOf(model.text) >= 0;
  }

  function renderSummary(all) {
    var counts = {};
    ORDER.forEach(function (s) { counts[s] = 0; });
    all.forEach(function (r) { counts[r.entry.state] = (counts[r.entry.state] || 0) + 1; });
    var box = $('summary');
    box.textContent = '';
    var total = el('button', 'chip total');
    total.type = 'button';
    total.setAttribute('aria-pressed', String(model.stateFilter === null));
    total.append(el('span', 'n', all.length), el('span', 'l', all.length === 1 ? 'service' : 'services'));
    total.onclick = function () { model.stateFilter = null; render(); };
    box.append(total);
    ORDER.forEach(function (s) {
      var chip = el('button', 'chip' + (counts[s] ? '' : ' zero'));
      chip.type = 'button';
      chip.dataset.tone = STATES[s].tone;
      chip.dataset.state = s;
      chip.setAttribute('aria-pressed', String(model.stateFilter === s));
      chip.title = s;
      chip.append(el('span', 'n', counts[s]), el('span', 'l', STATES[s].label));
      chip.onclick = function () { model.stateFilter = model.stateFilter === s ? null : s; render(); };
      box.append(chip);
    });
  }

  // One wrapper per cell, so the narrow layout (label | value grid) has exactly two items.
  function cell(row, label, cls) {
    var td = el('td', cls);
    td.dataset.label = label;
    var value = el('div', 'cv');
    td.append(value);
    row.append(td);
    return value;
  }

  function containerLine(role, c) {
    var line = el('div');
    line.append(el('span', 'role', role));
    var id = el('span', 'id', shortId(c.id));
    id.title = c.id;
    line.append(id);
    if (c.health) {
      var h = el('span', 'health health-' + c.health, c.health === 'none' ? 'no check' : c.health);
      h.title = 'Docker health: ' + c.health;
      line.append(document.createTextNode(' '), h);
    }
    if (c.name) line.append(el('div', 'sub', c.name));
    return line;
  }

  function renderRow(r) {
    var e = r.entry;
    var meta = STATES[e.state] || { tone: 'idle', label: e.state };
    var tr = el('tr');
    tr.dataset.service = r.service;
    if (r.host) tr.dataset.host = r.host;
    tr.dataset.state = e.state;
    var failing = e.state === 'TryAgain' || e.state === 'TryAgainNext' || e.rejected;
    if (failing || (e.lastError && e.state !== 'Stable')) tr.classList.add('problem');
    if (flashes.has(r.key)) tr.classList.add('flash');
    if (r.behind) tr.dataset.behind = r.behind.hash;

    var name = cell(tr, 'Service', 'name-cell');
    name.append(el('div', 'svc', r.service));
    if (e.file) name.append(el('div', 'sub', e.file));

    cell(tr, 'Host', 'col-host').textContent = r.host || '';

    var st = cell(tr, 'State', 'state-cell');
    var badge = el('span', 'badge', meta.label);
    badge.dataset.tone = meta.tone;
    badge.title = e.state;
    st.append(badge);
    if (e.rejected) st.append(el('span', 'tag', 'Rejected'));
    if (r.behind) {
      var behind = el('span', 'tag behind', 'Behind');
      behind.title = 'does not run the newest revision ' + r.behind.hash.slice(0, 19) +
        (r.behind.image ? ' (' + r.behind.image + ')' : '') + ' that another host runs';
      st.append(behind);
    }
    else if (e.attempts > 0) st.append(el('div', 'sub', e.attempts + (e.attempts === 1 ? ' failed attempt' : ' failed attempts')));

    var img = cell(tr, 'Image', 'img-cell');
    if (e.current && e.current.image) img.append(el('div', 'img', e.current.image));
    if (e.next && e.next.image && (!e.current || e.next.image !== e.current.image)) {
      var nx = el('div', 'img');
      nx.append(el('span', 'arrow', '→ '), document.createTextNode(e.next.image));
      img.append(nx);
    }
    if (!img.childNodes.length) img.append(el('span', 'none', '—'));

    var ctr = el('div', 'ctr');
    cell(tr, 'Containers', 'ctr-cell').append(ctr);
    if (e.current) ctr.append(containerLine('current', e.current));
    if (e.next) ctr.append(containerLine('next', e.next));
    if (!e.current && !e.next) ctr.append(el('span', 'none', 'none running'));

    var age = cell(tr, 'Age', 'num');
    var c = e.current || e.next;
    if (c) {
      var a = el('span', 'rel');
      a.dataset.since = c.createdAt;
      a.title = 'created ' + c.createdAt + (c.stableAt ? ', stable since ' + c.stableAt : '');
      age.append(a);
      if (c.stableAt) {
        var s = el('div', 'sub rel');
        s.dataset.since = c.stableAt;
        s.dataset.prefix = 'stable ';
        age.append(s);
      }
    } else age.append(el('span', 'none', '—'));

    var err = cell(tr, 'Last error', 'err');
    if (e.lastError) {
      err.append(el('div', 'code', e.lastError.code));
      var msg = el('div', 'msg', e.lastError.message);
      msg.title = e.lastError.message;
      err.append(msg);
      var where = e.lastError.file
        ? e.lastError.file + (e.lastError.line ? ':' + e.lastError.line + (e.lastError.column ? ':' + e.lastError.column : '') : '')
        : '';
      var when = el('div', 'sub rel');
      when.dataset.since = e.lastError.at;
      when.dataset.suffix = ' ago' + (where ? ' · ' + where : '');
      err.append(when);
    } else err.append(el('span', 'none', '—'));

    var retry = cell(tr, 'Retry', 'num');
    if (e.retryAt) {
      var rt = el('span', 'rel');
      rt.dataset.until = e.retryAt;
      rt.title = e.retryAt;
      retry.append(rt);
    } else retry.append(el('span', 'none', e.rejected ? 'until the spec changes' : '—'));
    return tr;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll('.rel').forEach(function (n) {
      if (n.dataset.until) {
        var left = (ms(n.dataset.until) - now) / 1000;
        n.textContent = left > 0.5 ? 'in ' + span(left) : 'now';
      } else {
        var t = ms(n.dataset.since);
        n.textContent = isNaN(t) ? '' : (n.dataset.prefix || '') + span((now - t) / 1000) + (n.dataset.suffix || '');
      }
    });
  }

  function renderHosts(all) {
    $('host-filter').hidden = !model.exposure;
    $('services').classList.toggle('fleet', model.exposure);
    if (!model.exposure) return;
    var select = $('host-select');
    var hosts = Array.from(new Set(all.map(function (r) { return r.host; }).filter(Boolean))).sort();
    var have = Array.from(select.options).slice(1).map(function (o) { return o.value; });
    if (have.join('\\n') === hosts.join('\\n')) return;
    while (select.options.length > 1) select.remove(1);
    hosts.forEach(function (h) { var o = el('option', null, h); o.value = h; select.append(o); });
    select.value = hosts.indexOf(model.hostFilter) >= 0 ? model.hostFilter : '';
    model.hostFilter = select.value;
  }

  // One chip per host: its service count, how many are behind; and the hosts whose entries vanished.
  function renderFleetHosts(all) {
    var box = $('fleet-hosts');
    box.hidden = !model.exposure;
    if (!model.exposure) return;
    var byHost = new Map();
    all.forEach(function (r) {
      if (!r.host) return;
      var h = byHost.get(r.host) || { services: 0, behind: [] };
      h.services += 1;
      if (r.behind) h.behind.push(r.service);
      byHost.set(r.host, h);
    });
    box.textContent = '';
    Array.from(byHost.keys()).sort().forEach(function (name) {
      var h = byHost.get(name);
      var chip = el('div', 'host-chip' + (h.behind.length ? ' lagging' : ''));
      chip.dataset.host = name;
      chip.append(el('span', 'hn', name), el('span', 'l', h.services + (h.services === 1 ? ' service' : ' services')));
      if (h.behind.length) chip.append(el('span', 'l warn', 'behind on ' + h.behind.join(', ')));
      box.append(chip);
    });
    model.gone.forEach(function (at, name) {
      if (byHost.has(name)) return;
      var chip = el('div', 'host-chip gone');
      chip.dataset.host = name;
      chip.dataset.gone = 'true';
      chip.title = 'Its daemon stopped, died or lost the store: its containers may still run.';
      var since = el('span', 'l rel');
      since.dataset.since = at;
      since.dataset.prefix = 'no entries for ';
      chip.append(el('span', 'hn', name), since);
      box.append(chip);
    });
  }

  function render() {
    var all = rows();
    renderSummary(all);
    renderHosts(all);
    renderFleetHosts(all);
    var shown = all.filter(matches);
    var body = $('rows');
    var frag = document.createDocumentFragment();
    shown.forEach(function (r) { frag.append(renderRow(r)); });
    body.replaceChildren(frag);
    flashes.clear();
    var empty = model.loaded && shown.length === 0;
    $('empty').hidden = !empty;
    $('services').parentElement.hidden = empty;
    if (empty) {
      $('empty-title').textContent = all.length ? 'No service matches' : 'No services yet';
      $('empty-text').textContent = all.length
        ? 'Clear the filter to see all ' + all.length + ' services.'
        : 'Drop a *.edn spec file into a watched directory and it shows up here.';
    }
    var banner = $('banner');
    banner.hidden = !(model.exposure && model.storeDown);
    banner.textContent = 'The state store cannot be reached: other hosts are not shown, or shown as last read.';
    tick();
  }

  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; render(); });
  }

  function setConn(state, text) {
    $('conn').dataset.state = state;
    $('conn-text').textContent = text;
  }

  var fleetRetry = null;
  function entryKey(service, instance) { return service + '\\n' + instance; }
  function applyFleet(change) {
    if (change.type === 'put') {
      var g = change.entry;
      model.remote.set(entryKey(g.service, g.instance), g);
      model.gone.delete(g.host);
      if (g.host !== model.host) flashes.add(g.host + '/' + g.service);
      return;
    }
    var key = entryKey(change.service, change.instance);
    var old = model.remote.get(key);
    model.remote.delete(key);
    if (!old) return;
    var left = false;
    model.remote.forEach(function (e) { if (e.host === old.host) left = true; });
    if (!left && old.host !== model.host) model.gone.set(old.host, new Date().toISOString());
  }
  // Read once per connection; fleet events arriving meanwhile are applied after it, in order.
  function loadFleet() {
    if (!model.exposure) return;
    clearTimeout(fleetRetry);
    model.fleetLoading = true;
    model.fleetBuffer = [];
    var failed = function () {
      model.storeDown = true;
      model.fleetLoading = false;
      model.fleetBuffer = [];
      fleetRetry = setTimeout(loadFleet, 5000);
      schedule();
    };
    fetch('v1/global_state', { headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (list) {
        if (!list) return failed();
        model.remote = new Map();
        list.forEach(function (g) { model.remote.set(entryKey(g.service, g.instance), g); });
        model.storeDown = false;
        model.fleetLoading = false;
        model.fleetBuffer.splice(0).forEach(applyFleet);
        schedule();
      })
      .catch(failed);
  }

  function connect() {
    var es = new EventSource('v1/events');
    es.addEventListener('open', function () { setConn('live', 'Live'); });
    es.addEventListener('error', function () {
      if (es.readyState === EventSource.CLOSED) {
        setConn('offline', 'Disconnected, retrying…');
        setTimeout(connect, 5000);
      } else setConn('connecting', 'Reconnecting…');
    });
    es.addEventListener('snapshot', function (ev) {
      var data = JSON.parse(ev.data);
      model.host = data.host;
      model.exposure = !!data.exposure;
      model.local = new Map(Object.entries(data.services));
      model.loaded = true;
      $('host').textContent = data.host || '';
      document.title = 'condo' + (data.host ? ' · ' + data.host : '');
      if (model.exposure) loadFleet();
      schedule();
    });
    es.addEventListener('service', function (ev) {
      var data = JSON.parse(ev.data);
      model.local.set(data.service, data.entry);
      flashes.add((model.host || '') + '/' + data.service);
      schedule();
    });
    es.addEventListener('removed', function (ev) {
      var data = JSON.parse(ev.data);
      model.local.delete(data.service);
      schedule();
    });
    es.addEventListener('fleet', function (ev) {
      var change = JSON.parse(ev.data);
      if (model.fleetLoading) { model.fleetBuffer.push(change); return; }
      if (model.storeDown) { loadFleet(); return; } // the store answers again: read it whole
      applyFleet(change);
      schedule();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('filter').addEventListener('input', function (ev) { model.text = ev.target.value.trim().toLowerCase(); render(); });
    $('host-select').addEventListener('change', function (ev) { model.hostFilter = ev.target.value; render(); });
    setInterval(tick, 1000);
    render();
    connect();
  });
})();
`;
