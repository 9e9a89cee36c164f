// peel's HTML report: draws the page from the JSON block #peel-data.
// Two modes: one image (`peel --html`), or a comparison (`peel diff
// --html`, data.compare): NEW's treemap coloured by growth against OLD,
// the figures side by side, the layers, file and finding changes.
// Every string from the image goes into the page as text (textContent),
// never as markup. No request is made: the page's policy forbids them.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('peel-data').textContent);
  var T = data.tree;
  var CMP = data.compare === true;
  var D = data.diff;
  var G = data.growth;
  if (CMP) {
    // What the shared parts read: NEW's image and layers.
    data.image = D.new;
    data.layers = D.layers.list;
    data.ci = D.ci;
  }
  var GROWTH = ['unchanged', 'added', 'grown', 'shrunk', 'changed'];
  var GROWTH_COLOUR = ['#e3e7ec', '#3f9e63', '#e08a3c', '#4a86cf', '#9b78c4'];
  // peel diff's layers.baseRelation when one image is built on the other.
  var BASE_RELATION = { 'new-built-on-old': '; NEW is built on OLD', 'old-built-on-new': '; OLD is built on NEW' };
  var N = T.kind.length;
  var FILE = 0, DIR = 1, MERGED = 2;
  var DEPTH = 3;       // directory levels drawn inside the zoomed one
  var MIN_SIDE = 3;    // rectangles thinner than this (pixels) are not drawn
  var ROWS = 500;      // wasted entries drawn at once
  var LISTED = 50;     // file, directory and removed changes listed

  // Children by node, largest first (the data lists parents first).
  var kids = [];
  for (var i = 0; i < N; i++) kids.push([]);
  for (i = 1; i < N; i++) kids[T.parent[i]].push(i);
  for (i = 0; i < N; i++) kids[i].sort(function (a, b) { return T.bytes[b] - T.bytes[a]; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }

  // SI units with two decimals, as the text report prints them.
  function size(n) {
    if (n === null || n === undefined) return '-';
    var units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
    var u = 0, v = n;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
    return u === 0 ? n + ' B' : v.toFixed(2) + ' ' + units[u];
  }
  // A signed byte count: +1.20 MB, -300 B, 0 B.
  function signed(n) {
    if (n === null || n === undefined) return '-';
    return n > 0 ? '+' + size(n) : n < 0 ? '-' + size(-n) : '0 B';
  }
  function pct(r) { return r === null || r === undefined ? '+Inf %' : (r * 100).toFixed(2) + ' %'; }
  // A rule's value or threshold: ratios with four decimals, as the text report.
  function ruleNumber(v) {
    if (v === null || v === undefined) return '-';
    return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v);
  }
  function pathOf(i) {
    var names = [];
    for (var guard = 0; i !== 0 && guard < N; guard++) { names.push(T.name[i]); i = T.parent[i]; }
    return '/' + names.reverse().join('/');
  }
  function label(i) {
    return T.kind[i] === MERGED ? T.entries[i] + ' smaller entries' : (i === 0 ? '/' : T.name[i]);
  }
  function command(layer) {
    var l = data.layers[layer];
    return l ? l.command : '';
  }

  var root = add(document.body, el('main'));

  // --- header, verdict, figures -------------------------------------------
  var head = add(root, el('header'));
  function facts(image, extra) {
    return [image.source, image.platform, (image.tags || []).join(', '), extra]
      .filter(function (f) { return f; }).join(' \u00b7 ');
  }
  if (CMP) {
    add(head, el('h1', null, 'peel diff: ' + D.old.reference + ' \u2192 ' + D.new.reference));
    add(head, el('p', 'sub', 'OLD: ' + facts(D.old)));
    add(head, el('p', 'sub', 'NEW: ' + facts(D.new, data.peel)));
  } else {
    add(head, el('h1', null, 'peel: ' + data.image.reference));
    add(head, el('p', 'sub', facts(data.image, data.peel)));
  }

  var top = add(root, el('div', 'top'));
  var verdict = add(top, el('section', 'verdict'));
  add(verdict, el('h2', null, 'CI verdict'));
  if (data.ci) {
    add(verdict, el('p', 'badge ' + (data.ci.passed ? 'pass' : 'fail'),
      (data.ci.passed ? 'PASS' : 'FAIL') + ' (judged on the ' + data.ci.judged + ' figures)'));
    var rules = add(verdict, el('table', 'rules'));
    var hr = add(rules, el('tr'));
    ['rule', 'value', 'threshold', 'status'].forEach(function (h) { add(hr, el('th', null, h)); });
    data.ci.rules.forEach(function (r) {
      var tr = add(rules, el('tr', 'rule-' + r.status));
      [r.name, ruleNumber(r.value), ruleNumber(r.threshold), r.status]
        .forEach(function (c) { add(tr, el('td', null, c)); });
    });
  } else {
    add(verdict, el('p', 'badge none', CMP ? 'not judged (no growth rule set)' : 'not judged (run with --ci)'));
  }

  var figs = add(top, el('section', 'figures'));
  add(figs, el('h2', null, 'Figures'));
  var im = data.image;
  if (CMP) compareFigures(figs);
  else singleFigures(figs);
  function compareFigures(into) {
    var t = add(into, el('table', 'compare'));
    t.id = 'figures-table';
    var hr = add(t, el('tr'));
    ['figure', 'OLD', 'NEW', 'delta', '%'].forEach(function (h, n) { add(hr, el('th', n ? 'num' : null, h)); });
    Object.keys(D.figures).forEach(function (key) {
      var f = D.figures[key];
      var ratio = key === 'efficiency';
      var bytes = /Bytes$/.test(key);
      var show = function (v) { return v === null ? '-' : ratio ? pct(v) : bytes ? size(v) : String(v); };
      var delta = f.delta === null ? '-' : ratio ? (f.delta * 100).toFixed(2) + ' pt' :
        bytes ? signed(f.delta) : (f.delta > 0 ? '+' : '') + f.delta;
      // Red for worse, green for better: a higher efficiency is better.
      var worse = ratio ? -f.delta : f.delta;
      var tr = add(t, el('tr', worse > 0 ? 'up' : worse < 0 ? 'down' : null));
      tr.dataset.key = key;
      add(tr, el('td', null, key));
      add(tr, el('td', 'num', show(f.old)));
      add(tr, el('td', 'num', show(f['new'])));
      add(tr, el('td', 'num', delta));
      add(tr, el('td', 'num', f.percent === null || ratio ? '' : (f.percent > 0 ? '+' : '') + f.percent.toFixed(2) + ' %'));
    });
  }
  function singleFigures(into) {
  var grid = add(into, el('div', 'grid'));
  [
    ['total', size(im.totalBytes)], ['visible', size(im.visibleBytes)],
    ['wasted', size(im.wastedBytes)], ['accepted', size(im.acceptedBytes)],
    ['efficiency', pct(im.efficiency)], ['user wasted', pct(im.userWastedPercent)],
    ['files', im.fileCount], ['layers', im.layerCount + ' (' + im.baseLayers + ' base, ' + im.baseLayersFrom + ')'],
    ['dive efficiency', pct(data.dive.efficiencyScore)], ['dive inefficient', size(data.dive.inefficientBytes)],
    ['dive user wasted', pct(data.dive.userWastedPercent)]
  ].forEach(function (f) {
    var card = add(grid, el('div', 'figure'));
    add(card, el('span', 'name', f[0]));
    add(card, el('span', 'value', f[1]));
  });
  }

  // --- treemap --------------------------------------------------------------
  var tm = add(root, el('section', 'treemap-section'));
  add(tm, el('h2', null, 'Final filesystem'));
  var bar = add(tm, el('div', 'controls'));
  var crumbs = add(bar, el('nav', 'crumbs'));
  var MODES = CMP ? ['growth', 'layer', 'waste'] : ['layer', 'waste'];
  var mode = 0;
  var toggle = add(bar, el('button', 'toggle', 'colour by ' + MODES[1]));
  toggle.type = 'button';
  var box = add(tm, el('div', 'treemap'));
  box.id = 'treemap';
  var info = add(tm, el('p', 'info', 'Hover for details; click a directory to zoom in, a crumb to zoom out.'));
  var legend = add(tm, el('div', 'legend'));
  var zoom = 0;

  function layerColour(l) {
    return 'hsl(' + ((l * 137.508) % 360).toFixed(1) + ',55%,' + (l % 2 ? 58 : 68) + '%)';
  }
  function wasteColour(i) {
    var d = T.kind[i] === FILE ? T.parent[i] : i;
    var w = T.wasted[d], b = T.bytes[d];
    if (w === 0) return '#e3e7ec';
    var heat = w / (w + b);
    return 'hsl(8,' + (40 + 50 * heat).toFixed(0) + '%,' + (80 - 35 * heat).toFixed(0) + '%)';
  }
  function colour(i) {
    var m = MODES[mode];
    return m === 'growth' ? GROWTH_COLOUR[G.change[i]] : m === 'waste' ? wasteColour(i) : layerColour(T.layer[i]);
  }

  // Squarified layout of `items` (node ids, largest first) in a rectangle.
  function squarify(items, x, y, w, h) {
    var out = [];
    var total = 0;
    items = items.filter(function (i) { return T.bytes[i] > 0; });
    items.forEach(function (i) { total += T.bytes[i]; });
    if (total <= 0 || w <= 0 || h <= 0) return out;
    var scale = (w * h) / total;
    function area(i) { return T.bytes[i] * scale; }
    function worst(sum, max, min, side) {
      var s2 = sum * sum, side2 = side * side;
      return Math.max(side2 * max / s2, s2 / (side2 * min));
    }
    var k = 0;
    while (k < items.length) {
      var side = Math.min(w, h);
      var start = k, sum = area(items[k]), max = sum, min = sum;
      var best = worst(sum, max, min, side);
      k++;
      while (k < items.length) {
        var a = area(items[k]);
        var next = worst(sum + a, max, a, side);
        if (next > best) break;
        best = next; sum += a; min = a; k++;
      }
      var j, off = 0;
      if (w >= h) {
        var sw = sum / h;
        for (j = start; j < k; j++) {
          var ih = area(items[j]) / sw;
          out.push([items[j], x, y + off, sw, ih]); off += ih;
        }
        x += sw; w -= sw;
      } else {
        var sh = sum / w;
        for (j = start; j < k; j++) {
          var iw = area(items[j]) / sh;
          out.push([items[j], x + off, y, iw, sh]); off += iw;
        }
        y += sh; h -= sh;
      }
    }
    return out;
  }

  var drawn = 0;
  function draw(parent, node, w, h, depth) {
    squarify(kids[node], 0, 0, w, h).forEach(function (r) {
      var i = r[0], rw = r[3], rh = r[4];
      if (rw < MIN_SIDE || rh < MIN_SIDE) return;
      var d = add(parent, el('div', 'node ' + ['file', 'dir', 'merged'][T.kind[i]]));
      drawn++;
      d.dataset.i = i;
      d.style.left = r[1].toFixed(1) + 'px';
      d.style.top = r[2].toFixed(1) + 'px';
      d.style.width = rw.toFixed(1) + 'px';
      d.style.height = rh.toFixed(1) + 'px';
      d.style.background = colour(i);
      if (CMP) d.dataset.change = GROWTH[G.change[i]];
      if (T.kind[i] === DIR && T.wasted[i] > 0) d.classList.add('has-waste');
      var room = rw > 40 && rh > 18;
      if (room) add(d, el('span', 'label', label(i) + ' ' + size(T.bytes[i])));
      if (T.kind[i] === DIR && depth < DEPTH && rw > 24 && rh > 36) {
        var inner = add(d, el('div', 'inner'));
        draw(inner, i, rw - 4, rh - 20, depth + 1);
      }
    });
  }

  function render() {
    box.textContent = '';
    drawn = 0;
    var w = box.clientWidth, h = box.clientHeight;
    draw(box, zoom, w, h, 1);
    // What the drawn rectangles stand for: the zoomed directory's children.
    var total = 0;
    kids[zoom].forEach(function (i) { total += T.bytes[i]; });
    box.dataset.total = total;
    box.dataset.zoom = pathOf(zoom);
    box.dataset.drawn = drawn;
    crumbs.textContent = '';
    var chain = [];
    for (var i = zoom, guard = 0; guard < N; guard++) { chain.push(i); if (i === 0) break; i = T.parent[i]; }
    chain.reverse().forEach(function (c, n) {
      if (n > 0) add(crumbs, el('span', 'sep', '/'));
      var b = add(crumbs, el('button', 'crumb', c === 0 ? '/' : T.name[c]));
      b.type = 'button';
      b.dataset.i = c;
    });
    add(crumbs, el('span', 'here', ' ' + size(T.bytes[zoom]) + ' visible, ' + size(T.wasted[zoom]) + ' wasted'));
    legend.textContent = '';
    if (MODES[mode] === 'growth') {
      GROWTH.forEach(function (g, n) {
        var item = add(legend, el('span', 'key'));
        add(item, el('span', 'swatch')).style.background = GROWTH_COLOUR[n];
        add(item, el('span', null, g));
      });
      add(legend, el('span', null, 'against OLD; a directory: the sum of the changes under it. Removed paths have no area: listed below.'));
    } else if (MODES[mode] === 'waste') {
      add(legend, el('span', null, 'Colour: the share of wasted bytes (hidden versions) in each directory; grey has none.'));
    } else {
      data.layers.forEach(function (l) {
        var item = add(legend, el('span', 'key'));
        add(item, el('span', 'swatch')).style.background = layerColour(l.index);
        add(item, el('span', null, 'layer ' + l.index));
      });
    }
  }

  function zoomTo(i) {
    if (i >= 0 && i < N && T.kind[i] === DIR) { zoom = i; render(); }
  }
  box.addEventListener('click', function (e) {
    var d = e.target.closest('.dir');
    if (d && box.contains(d)) zoomTo(+d.dataset.i);
  });
  crumbs.addEventListener('click', function (e) {
    var b = e.target.closest('.crumb');
    if (b) zoomTo(+b.dataset.i);
  });
  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Escape' || e.key === 'Backspace') && zoom !== 0) zoomTo(T.parent[zoom]);
  });
  box.addEventListener('mousemove', function (e) {
    var d = e.target.closest('[data-i]');
    if (!d) return;
    var i = +d.dataset.i;
    var text = (T.kind[i] === MERGED ? pathOf(T.parent[i]) + ': ' + label(i) : pathOf(i)) +
      ' \u2014 ' + size(T.bytes[i]) + ' visible';
    if (T.kind[i] !== FILE) text += ', ' + size(T.wasted[i]) + ' wasted, ' + T.entries[i] + ' files';
    if (CMP) text += '; ' + GROWTH[G.change[i]] + ' ' + signed(G.delta[i]);
    text += '; layer ' + T.layer[i] + (T.kind[i] === FILE ? '' : ' (most bytes)') + ': ' + command(T.layer[i]);
    info.textContent = text;
  });
  toggle.addEventListener('click', function () {
    mode = (mode + 1) % MODES.length;
    toggle.textContent = 'colour by ' + MODES[(mode + 1) % MODES.length];
    render();
  });
  var resizing = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(render, 100);
  });

  // --- one image: layers, findings, wasted bytes -----------------------------
  function singleTail() {
  // --- layers ---------------------------------------------------------------
  var ls = add(root, el('section', 'layers'));
  add(ls, el('h2', null, 'Layers'));
  var biggest = 1;
  data.layers.forEach(function (l) { biggest = Math.max(biggest, l.sizeBytes); });
  data.layers.forEach(function (l) {
    var row = add(ls, el('div', 'layer'));
    add(row, el('span', 'idx', l.index < im.baseLayers ? l.index + ' base' : l.index));
    var track = add(row, el('span', 'track'));
    var fill = add(track, el('span', 'fill'));
    fill.style.width = (100 * l.sizeBytes / biggest).toFixed(2) + '%';
    fill.style.background = layerColour(l.index);
    var waste = data.layerWasted[l.index] || 0;
    var wfill = add(fill, el('span', 'wasted'));
    wfill.style.width = (l.sizeBytes ? 100 * Math.min(waste, l.sizeBytes) / l.sizeBytes : 0).toFixed(2) + '%';
    add(row, el('span', 'num', size(l.sizeBytes)));
    add(row, el('span', 'num waste', waste ? size(waste) + ' wasted' : ''));
    var cmd = add(row, el('span', 'cmd', l.command));
    cmd.title = l.createdBy || l.command;
  });

  // --- findings -------------------------------------------------------------
  var fs = add(root, el('section', 'findings'));
  add(fs, el('h2', null, 'Findings (' + data.findings.length + ')'));
  if (data.findings.length === 0) add(fs, el('p', null, 'None.'));
  data.findings.forEach(function (f) { findingCard(fs, f); });

  // --- wasted bytes by directory, wasted entries ------------------------------
  var wd = add(root, el('section', 'wasted-dirs'));
  add(wd, el('h2', null, 'Wasted bytes by directory'));
  if (T.wastedDirs.length === 0) add(wd, el('p', null, 'No wasted bytes.'));
  else {
    var dt = add(wd, el('table'));
    T.wastedDirs.forEach(function (d) {
      var tr = add(dt, el('tr'));
      add(tr, el('td', 'num', size(d[1])));
      add(tr, el('td', null, d[0]));
    });
  }

  var we = add(root, el('section', 'wasted'));
  add(we, el('h2', null, 'Wasted entries (' + data.wastedCount + ')'));
  var note = add(we, el('p', 'note'));
  var table = add(we, el('table', 'sortable'));
  table.id = 'wasted-table';
  var columns = ['path', 'layer', 'bytes', 'reason', 'hidden by'];
  var numeric = [false, true, true, false, true];
  var sortBy = 2, descending = true;
  var headRow = add(add(table, el('thead')), el('tr'));
  columns.forEach(function (c, n) {
    var th = add(headRow, el('th', null, c));
    th.dataset.col = n;
  });
  var tbody = add(table, el('tbody'));
  function rows() {
    var sorted = data.wasted.slice();
    sorted.sort(function (a, b) {
      var x = a[sortBy], y = b[sortBy];
      var c = numeric[sortBy] ? x - y : (x < y ? -1 : x > y ? 1 : 0);
      return descending ? -c : c;
    });
    tbody.textContent = '';
    sorted.slice(0, ROWS).forEach(function (w) {
      var tr = add(tbody, el('tr'));
      add(tr, el('td', null, w[0]));
      add(tr, el('td', 'num', w[1]));
      add(tr, el('td', 'num', size(w[2])));
      add(tr, el('td', null, w[3]));
      add(tr, el('td', 'num', w[4]));
    });
    Array.prototype.forEach.call(headRow.children, function (th, n) {
      th.className = n === sortBy ? (descending ? 'desc' : 'asc') : '';
    });
    var shown = Math.min(ROWS, sorted.length);
    note.textContent = data.wastedCount === 0 ? 'No wasted entries.' :
      'Showing ' + shown + ' of ' + data.wastedCount +
      (data.wasted.length < data.wastedCount ? ' (the ' + data.wasted.length + ' largest; all of them in peel --json)' : '') +
      '; click a column to sort.';
  }
  headRow.addEventListener('click', function (e) {
    var th = e.target.closest('th');
    if (!th) return;
    var col = +th.dataset.col;
    if (col === sortBy) descending = !descending; else { sortBy = col; descending = numeric[col]; }
    rows();
  });

  if (data.warnings && data.warnings.length) {
    var ws = add(root, el('section', 'warnings'));
    add(ws, el('h2', null, 'Warnings'));
    var ul = add(ws, el('ul'));
    data.warnings.forEach(function (w) { add(ul, el('li', null, w)); });
  }

  rows();
  }

  // --- a comparison: layers, file, directory and finding changes -------------
  function table(into, id, heads, numeric, list, cells) {
    var t = add(into, el('table'));
    t.id = id;
    var hr = add(t, el('tr'));
    heads.forEach(function (h, n) { add(hr, el('th', numeric[n] ? 'num' : null, h)); });
    list.forEach(function (row) {
      var tr = add(t, el('tr'));
      cells(row).forEach(function (c, n) { add(tr, el('td', numeric[n] ? 'num' : null, c)); });
    });
    return t;
  }
  function shownOf(count, list, what) {
    return count === 0 ? 'None.' : 'The ' + Math.min(LISTED, list.length) + ' largest of ' + count + ' ' + what +
      (list.length < count ? ' (the page holds the ' + list.length + ' largest; all in peel diff --json)' : '') + '.';
  }
  function compareTail() {
    var L = D.layers;
    var ls = add(root, el('section', 'layers'));
    add(ls, el('h2', null, 'Layers'));
    add(ls, el('p', 'note', L.shared + ' shared, ' + L.added + ' added, ' + L.removed + ' removed; pull cost ' +
      size(L.pullCostBytes) + (L.pullCostExact ? ' (compressed)' : ' (uncompressed: compressed sizes not known)') +
      (L.baseChanged ? '; the base image changed' : '') + (BASE_RELATION[L.baseRelation] || '')));
    var biggest = 1;
    L.list.forEach(function (l) { biggest = Math.max(biggest, l.sizeBytes); });
    L.list.forEach(function (l) {
      var row = add(ls, el('div', 'layer ' + (l.shared ? 'shared' : 'added')));
      add(row, el('span', 'idx', l.index));
      var track = add(row, el('span', 'track'));
      var fill = add(track, el('span', 'fill'));
      fill.style.width = (100 * l.sizeBytes / biggest).toFixed(2) + '%';
      fill.style.background = l.shared ? GROWTH_COLOUR[0] : GROWTH_COLOUR[1];
      add(row, el('span', 'num', size(l.sizeBytes)));
      add(row, el('span', 'num state', l.shared ? 'shared' : 'added'));
      var cmd = add(row, el('span', 'cmd', l.command));
      cmd.title = l.command;
    });

    var fc = add(root, el('section', 'file-changes'));
    add(fc, el('h2', null, 'Biggest file changes (' + data.fileCount + ')'));
    add(fc, el('p', 'note', shownOf(data.fileCount, D.files, 'changed paths')));
    table(fc, 'files-table', ['delta', 'change', 'path', 'OLD', 'NEW', 'layer'], [true, false, false, true, true, true],
      D.files.slice(0, LISTED), function (f) {
        return [signed(f.deltaBytes), f.change, f.path, size(f.oldBytes), size(f.newBytes), f.layer === null ? '' : f.layer];
      });

    var dc = add(root, el('section', 'dir-changes'));
    add(dc, el('h2', null, 'Biggest directory changes (' + data.directoryCount + ')'));
    add(dc, el('p', 'note', shownOf(data.directoryCount, D.directories, 'changed directories')));
    table(dc, 'dirs-table', ['delta', 'path', 'changed files'], [true, false, true],
      D.directories.slice(0, LISTED), function (d) { return [signed(d.deltaBytes), d.path, d.files]; });

    var rm = add(root, el('section', 'removed'));
    add(rm, el('h2', null, 'Removed paths (' + data.removedCount + ')'));
    add(rm, el('p', 'note', shownOf(data.removedCount, data.removed, 'paths of OLD that NEW does not have')));
    table(rm, 'removed-table', ['OLD bytes', 'path'], [true, false],
      data.removed.slice(0, LISTED), function (r) { return [size(r[1]), r[0]]; });

    [['new', 'New findings'], ['resolved', 'Resolved findings']].forEach(function (k) {
      var list = D.findings[k[0]];
      var sec = add(root, el('section', 'findings ' + k[0]));
      sec.id = 'findings-' + k[0];
      add(sec, el('h2', null, k[1] + ' (' + list.length + ')'));
      if (list.length === 0) add(sec, el('p', null, 'None.'));
      list.forEach(function (f) { findingCard(sec, f); });
    });
  }
  function findingCard(into, f) {
    var card = add(into, el('div', 'finding ' + f.severity));
    var title = add(card, el('p', 'title'));
    add(title, el('span', 'sev', f.severity));
    add(title, el('span', 'kind', f.kind));
    add(title, el('span', 'bytes', size(f.bytes)));
    add(title, el('span', 'where', 'layer ' + f.layers.join(', ')));
    add(card, el('p', 'advice', f.advice));
    if (f.command) add(card, el('p', 'cmd', f.command));
    var paths = add(card, el('ul', 'paths'));
    f.paths.slice(0, 5).forEach(function (p) { add(paths, el('li', null, p)); });
    if (f.pathCount > 5) add(paths, el('li', 'more', (f.pathCount - 5) + ' more paths'));
  }

  if (CMP) compareTail(); else singleTail();
  render();

  // For tests and scripts: the sum of every leaf, the zoom, the zoom action.
  window.peelReport = {
    leafTotal: function () {
      var total = 0;
      for (var i = 0; i < N; i++) if (T.kind[i] !== DIR) total += T.bytes[i];
      return total;
    },
    zoomTo: zoomTo,
    zoom: function () { return pathOf(zoom); }
  };
  window.peelReport.readyAt = performance.now();
  document.body.dataset.ready = 'true';
})();
