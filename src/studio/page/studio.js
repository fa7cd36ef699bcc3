// graphrun studio: the page. Plain JavaScript, no build step; everything it shows comes
// over one WebSocket from the graphrun process that served it.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = (selector) => document.querySelector(selector);

// What the page knows; the server's messages keep it up to date.
const model = {
  graphs: [],          // [{name, svg}], the event graph first
  current: null,       // the name of the graph shown (null: the event graph)
  breakpoints: new Set(), // "graph\u0000node"
  values: new Map(),   // "graph\u0000node" -> {inputs, outputs}
  diagnostics: [],
  pausedAt: null,
  state: "idle",
  live: true,          // live editing (the server says)
};

const keyOf = (graph, node) => (graph === null || graph === undefined ? "" : graph) + "\u0000" + node;
let socket = null;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => { const l = $("#link"); l.textContent = "connected"; l.classList.remove("down"); };
  socket.onclose = () => {
    const l = $("#link"); l.textContent = "disconnected: retrying"; l.classList.add("down");
    setTimeout(connect, 1000);
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
}

function receive(m) {
  switch (m.type) {
    case "hello":
      // Everything from the start: the page draws it anew.
      model.graphs = [];
      $("#stage").textContent = "";
      setGraphs(m.graphs);
      setDiagnostics(m.diagnostics);
      clearRun();
      addAll("#output", m.output, outputLine);
      addAll("#log", m.log, logLine);
      addAll("#connections", m.connections, connectionLine);
      setVariables(m.variables);
      m.values.forEach(setValues);
      setBreakpoints(m.breakpoints);
      setState(m.state, m.paused_at);
      setPalette(m.palette || {});
      setDeclared(m.declared || []);
      setSaved(m.saved);
      setLive(m.live !== false);
      break;
    case "live":
      setLive(m.on);
      break;
    case "edited":
      editedNodes(m.printed);
      namesMade(m.names);
      break;
    case "copied":
      copied(m.text, m.purpose);
      break;
    case "fitting":
      fitting(m);
      break;
    case "saved":
      setSaved(m.count);
      break;
    case "refused":
      showRefusal(m.message);
      break;
    case "declared":
      setDeclared(m.declared);
      break;
    case "graphs":
      setGraphs(m.graphs);
      setDiagnostics(m.diagnostics);
      break;
    case "diagnostics":
      setDiagnostics(m.diagnostics);
      break;
    case "reset":
      clearRun();
      break;
    case "state":
      setState(m.state, m.paused_at);
      break;
    case "breakpoints":
      setBreakpoints(m.breakpoints);
      break;
    case "batch":
      addAll("#output", m.output, outputLine);
      addAll("#log", m.log, logLine);
      addAll("#connections", m.connections, connectionLine);
      if (m.variables) setVariables(m.variables);
      m.values.forEach(setValues);
      showRan(m.ran);
      if (m.active && model.state === "running") setActive(m.active[0], m.active[1]);
      break;
  }
}

// ---- The graph ----------------------------------------------------------------------

// The server sends each graph as its opening, the keys of its elements in drawing order,
// and the markup of the elements that changed since the last message: the page keeps every
// element's markup, and replaces only the elements that changed, so an edit on a large
// graph redraws what it touched.
function setGraphs(graphs) {
  if (!graphs.length) return;
  const old = new Map(model.graphs.map((g) => [g.name, g]));
  model.graphs = graphs.map((g) => {
    const before = old.get(g.name);
    const changed = new Set(Object.keys(g.markup));
    const markup = new Map();
    for (const key of g.keys) markup.set(key, changed.has(key) ? g.markup[key] : before && before.markup.get(key));
    return { name: g.name, head: g.head, keys: g.keys, markup, changed };
  });
  if (!model.graphs.some((g) => g.name === model.current)) model.current = null;
  const tabs = $("#tabs");
  tabs.textContent = "";
  for (const g of model.graphs) {
    const b = document.createElement("button");
    b.textContent = g.name === null ? "Event Graph" : g.name;
    b.dataset.graph = g.name === null ? "" : g.name;
    b.onclick = () => show(g.name);
    tabs.appendChild(b);
  }
  addBodyButtons(tabs);
  show(model.current, true, true);
}

const SVG_NS = "http://www.w3.org/2000/svg";

// Elements from markup, in the SVG namespace.
function elementsOf(markup) {
  const holder = document.createElementNS(SVG_NS, "g");
  holder.innerHTML = markup;
  return [...holder.children];
}

// A node's breakpoint dot, added where the page shows the node.
function decorate(node) {
  if (!node.classList.contains("node") || node.classList.contains("knot")) return;
  const box = node.querySelector("rect");
  const dot = document.createElementNS(SVG_NS, "circle");
  dot.setAttribute("class", "bp");
  dot.setAttribute("data-action", "breakpoint");
  // At the box's top-left corner, as Blueprint draws it (the top right is a Custom
  // Event's delegate pin).
  dot.setAttribute("cx", +box.getAttribute("x") + 2);
  dot.setAttribute("cy", +box.getAttribute("y") + 2);
  dot.setAttribute("r", 6);
  const tip = document.createElementNS(SVG_NS, "title");
  tip.textContent = "Breakpoint: pause before this node runs";
  dot.appendChild(tip);
  dot.addEventListener("click", (e) => {
    e.stopPropagation();
    send({ action: "breakpoint", graph: model.current, node: node.dataset.node });
  });
  node.appendChild(dot);
}

// Draws graph `g` whole.
function build(stage, g) {
  stage.innerHTML = g.head + g.keys.map((k) => g.markup.get(k)).join("") + "</svg>";
  const svg = stage.firstElementChild;
  if (!svg) return;
  const items = [...svg.children].slice(1);
  items.forEach((el, i) => { el._key = g.keys[i]; decorate(el); });
  stage.dataset.graph = g.name === null ? "" : g.name;
}

// Brings the drawn graph up to `g`: the opening's size, then only the changed elements.
function patch(stage, g) {
  const svg = stage.firstElementChild;
  // The drawing keeps the frame it was built with (an edit that grows the graph draws
  // past it: the SVG's overflow is visible): a new viewBox would lay every element out
  // anew, which takes a large graph a tenth of a second.
  const drawn = new Map();
  for (const el of [...svg.children].slice(1)) drawn.set(el._key, el);
  const wanted = new Set(g.keys);
  for (const [key, el] of drawn) if (!wanted.has(key)) { el.remove(); drawn.delete(key); }
  let next = null;
  for (let i = g.keys.length - 1; i >= 0; i--) {
    const key = g.keys[i];
    const el = drawn.get(key);
    if (el && !g.changed.has(key)) { next = el; continue; }
    const [made] = elementsOf(g.markup.get(key));
    made._key = key;
    decorate(made);
    if (el) el.replaceWith(made);
    else svg.insertBefore(made, next);
    next = made;
  }
}

// Shows the graph `name` (null: the event graph), keeping the view unless asked to fit;
// `update`: the same graph changed (only what changed is redrawn).
function show(name, keepView, update) {
  const changed = name !== model.current;
  model.current = name;
  for (const b of $("#tabs").children) {
    b.classList.toggle("current", (b.dataset.graph || null) === name);
  }
  const stage = $("#stage");
  const g = model.graphs.find((x) => x.name === name);
  if (!g) stage.textContent = "";
  else if (update && !changed && stage.firstElementChild && stage.dataset.graph === (name === null ? "" : name)) patch(stage, g);
  else build(stage, g);
  markBreakpoints();
  markDiagnostics();
  if (model.pausedAt) setActive(model.pausedAt.graph, model.pausedAt.node);
  if (changed || !keepView || !view.set) fit();
  else applyView();
  redrawn(changed);
}

function nodeEl(node) {
  return $("#stage").querySelector(`g.node[data-node="${CSS.escape(node)}"]`);
}

function markBreakpoints() {
  for (const el of $("#stage").querySelectorAll("g.node.breakpoint")) {
    if (!model.breakpoints.has(keyOf(model.current, el.dataset.node))) el.classList.remove("breakpoint");
  }
  for (const key of model.breakpoints) {
    const [graph, node] = key.split("\u0000");
    if ((graph || null) !== model.current) continue;
    const el = nodeEl(node);
    if (el) el.classList.add("breakpoint");
  }
}

function setBreakpoints(list) {
  model.breakpoints = new Set(list.map(([g, n]) => keyOf(g, n)));
  markBreakpoints();
}

function setActive(graph, node) {
  for (const el of $("#stage").querySelectorAll("g.node.active")) el.classList.remove("active");
  if (graph === undefined || node === undefined || (graph || null) !== model.current) return;
  const el = nodeEl(node);
  if (el) el.classList.add("active");
}

// Lights up what ran: the nodes, the exec wires they left by and the data wires they read.
function showRan(ran) {
  const stage = $("#stage");
  const lit = new Set();
  for (const [graph, node, exec] of ran) {
    if ((graph || null) !== model.current) continue;
    const key = node + "\u0000" + (exec || "");
    if (lit.has(key)) continue;
    lit.add(key);
    flash(nodeEl(node));
    for (const w of stage.querySelectorAll("path.wire.data")) {
      if (w.dataset.to.startsWith(node + ".")) flash(w);
    }
    if (exec) {
      for (const w of stage.querySelectorAll("path.wire.exec")) {
        if (w.dataset.from === node + "." + exec) flash(w);
      }
    }
  }
}

function flash(el) {
  if (!el) return;
  el.classList.remove("ran");
  void el.getBoundingClientRect(); // restarts the animation
  el.classList.add("ran");
}

// ---- Pan and zoom -------------------------------------------------------------------

const view = { x: 0, y: 0, scale: 1, set: false };

function applyView() {
  $("#stage").style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  cull();
}

// Where an element of the picture is, in graph units: [left, top, right, bottom].
function boxOf(el) {
  if (el.classList.contains("node") || el.classList.contains("comment")) {
    const r = el.querySelector("rect");
    const x = +r.getAttribute("x"), y = +r.getAttribute("y");
    // A node's note is drawn above it.
    return [x, y - 24, x + +r.getAttribute("width"), y + +r.getAttribute("height")];
  }
  const d = (el.getAttribute("d") || "").match(/-?\d+(\.\d+)?/g) || [];
  const xs = d.filter((_, i) => i % 2 === 0).map(Number), ys = d.filter((_, i) => i % 2 === 1).map(Number);
  return xs.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] : null;
}

// Only what is in view (and a margin) is laid out and painted: the browser's work for a
// change then does not grow with the size of the graph.
function cull() {
  const svg = $("#stage svg");
  const port = $("#viewport").getBoundingClientRect();
  if (!svg || !port.width) return;
  const margin = 200 / view.scale;
  const left = -view.x / view.scale + svgMinX() - margin, top = -view.y / view.scale + svgMinY() - margin;
  const right = left + port.width / view.scale + 2 * margin, bottom = top + port.height / view.scale + 2 * margin;
  const items = svg.children;
  for (let i = 1; i < items.length; i++) {
    const el = items[i];
    if (el._box === undefined) el._box = boxOf(el);
    const b = el._box;
    const hidden = !!b && (b[2] < left || b[0] > right || b[3] < top || b[1] > bottom);
    if (el._hidden !== hidden) {
      el.style.display = hidden ? "none" : "";
      el._hidden = hidden;
    }
  }
}

// Fits the graph into the view, but never below a zoom at which node titles can be read:
// a graph too large for that is shown from its top-left corner.
const READABLE = 0.8;
function fit() {
  const svg = $("#stage svg");
  const port = $("#viewport").getBoundingClientRect();
  const g = model.graphs.find((x) => x.name === model.current);
  if (!svg || !port.width || !g) return;
  // The graph's bounds now, from the server's opening, in the drawing's frame.
  const [x0, y0, w, h] = (/viewBox="([^"]*)"/.exec(g.head) || [, "0 0 1 1"])[1].split(" ").map(Number);
  const dx = x0 - svgMinX(), dy = y0 - svgMinY();
  view.scale = Math.min(1.25, Math.max(READABLE, Math.min(port.width / w, port.height / h) * 0.95));
  view.x = Math.max(8, (port.width - w * view.scale) / 2) - dx * view.scale;
  view.y = Math.max(8, (port.height - h * view.scale) / 2) - dy * view.scale;
  if (w * view.scale > port.width) view.x = 8 - dx * view.scale;
  view.set = true;
  applyView();
}

// Right or middle drag pans (as in Blueprint; the left button edits). A right-click that
// did not pan opens the palette (editor.js).
function setupView() {
  const port = $("#viewport");
  let drag = null;
  port.addEventListener("mousedown", (e) => {
    if (e.button === 0 || e.target.closest("[data-action]")) return;
    drag = { x: e.clientX - view.x, y: e.clientY - view.y, from: [e.clientX, e.clientY], moved: false };
    port.classList.add("panning");
  });
  window.addEventListener("mousemove", (e) => {
    if (drag) {
      view.x = e.clientX - drag.x; view.y = e.clientY - drag.y; applyView();
      if (Math.abs(e.clientX - drag.from[0]) + Math.abs(e.clientY - drag.from[1]) > 4) drag.moved = true;
    }
    hover(e);
  });
  window.addEventListener("mouseup", (e) => {
    if (drag && e.button === 2 && !drag.moved) {
      // On a data pin: its menu; on a node: the node's (it joins the selection); on empty
      // canvas: the palette.
      const pin = pinOf(e.target);
      const node = e.target.closest && e.target.closest("g.node");
      if (pin && !pin.exec && !pin.delegate) openPinMenu(e.clientX, e.clientY, pin);
      else if (node) {
        if (!editing.selected.has(node.dataset.node)) select(node.dataset.node, false);
        openMenu(e.clientX, e.clientY);
      } else openPalette(e.clientX, e.clientY, null);
    }
    drag = null; port.classList.remove("panning");
  });
  port.addEventListener("contextmenu", (e) => e.preventDefault());
  port.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = port.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const factor = Math.exp(-e.deltaY * 0.0015);
    const scale = Math.min(4, Math.max(0.1, view.scale * factor));
    view.x = px - (px - view.x) * (scale / view.scale);
    view.y = py - (py - view.y) * (scale / view.scale);
    view.scale = scale;
    applyView();
  }, { passive: false });
  port.addEventListener("dblclick", (e) => { if (!e.target.closest("g.node, g.comment, path.wire")) fit(); });
}

// ---- Values on pins -----------------------------------------------------------------

function setValues(v) {
  model.values.set(keyOf(v.graph, v.node), v);
}

function hover(e) {
  const tip = $("#tooltip");
  const pin = e.target.closest && e.target.closest(".pin");
  const node = pin && pin.closest("g.node");
  if (!node) { tip.hidden = true; return; }
  const name = pin.dataset.pin, output = pin.dataset.dir === "out";
  const values = model.values.get(keyOf(model.current, node.dataset.node));
  let text;
  if (pin.classList.contains("exec")) text = `${name} (exec)`;
  else {
    const found = values && (output ? values.outputs : values.inputs).find(([n]) => n === name);
    text = found ? `${name} = ${found[1]}` : `${name}: no value yet`;
  }
  tip.textContent = text;
  tip.style.left = e.clientX + 14 + "px";
  tip.style.top = e.clientY + 14 + "px";
  tip.hidden = false;
}

// ---- Panels -------------------------------------------------------------------------

// Adds a panel's new lines at once (one layout for a whole batch), keeping the last 5000
// and staying at the bottom if it was there.
function addAll(selector, items, make) {
  if (!items.length) return;
  const list = $(selector);
  const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  const lines = document.createDocumentFragment();
  for (const item of items.slice(-5000)) lines.appendChild(make(item));
  list.appendChild(lines);
  for (let over = list.children.length - 5000; over > 0; over--) list.firstChild.remove();
  if (atEnd) list.scrollTop = list.scrollHeight;
}

function outputLine(line) {
  const div = document.createElement("div");
  div.textContent = line;
  return div;
}

// A log entry or diagnostic that names a node: clicking it shows the node.
function linkToNode(div, graph, node) {
  if (node === null || node === undefined) return;
  div.dataset.node = node;
  div.title = "Show the node";
  div.onclick = () => {
    show(graph === undefined ? null : graph);
    const el = nodeEl(node);
    if (!el) return;
    for (const f of $("#stage").querySelectorAll("g.node.focus")) f.classList.remove("focus");
    el.classList.add("focus");
    centreOn(el);
  };
}

// Brings a node to the middle of the view, at a size where it can be read.
function centreOn(el) {
  const box = el.querySelector("rect");
  const port = $("#viewport").getBoundingClientRect();
  view.scale = Math.max(view.scale, 1);
  view.x = port.width / 2 - (+box.getAttribute("x") + box.getAttribute("width") / 2 - svgMinX()) * view.scale;
  view.y = port.height / 2 - (+box.getAttribute("y") + box.getAttribute("height") / 2 - svgMinY()) * view.scale;
  view.set = true;
  applyView();
}

function svgMinX() { const svg = $("#stage svg"); return svg ? +svg.getAttribute("viewBox").split(" ")[0] : 0; }
function svgMinY() { const svg = $("#stage svg"); return svg ? +svg.getAttribute("viewBox").split(" ")[1] : 0; }

function logLine(entry) {
  const div = document.createElement("div");
  div.className = entry.level;
  div.textContent = `${entry.level}: ${entry.message}`;
  linkToNode(div, entry.graph, entry.node);
  return div;
}

function connectionLine(c) {
  const div = document.createElement("div");
  div.className = c.kind === "connecting" ? "conn" : c.kind;
  div.dataset.conn = c.conn;
  div.textContent = c.kind === "connecting" ? `#${c.conn} ${c.text}` : c.text;
  return div;
}

function setVariables(pairs) {
  const list = $("#variables");
  const old = new Map([...list.children].map((d) => [d.dataset.variable, d]));
  list.textContent = "";
  for (const [name, value] of pairs) {
    const div = document.createElement("div");
    div.dataset.variable = name;
    const n = document.createElement("span"); n.className = "name"; n.textContent = name;
    const v = document.createElement("span"); v.className = "value"; v.textContent = value;
    div.append(n, v);
    const before = old.get(name);
    if (before && before.querySelector(".value").textContent !== value) div.classList.add("changed");
    list.appendChild(div);
  }
}

function setDiagnostics(list) {
  model.diagnostics = list;
  const panel = $("#diagnostics");
  panel.textContent = "";
  for (const d of list) {
    const div = document.createElement("div");
    div.className = d.severity;
    div.textContent = d.text;
    linkToNode(div, d.graph, d.node);
    panel.appendChild(div);
  }
  if (!list.length) {
    const div = document.createElement("div");
    div.className = "info";
    div.textContent = "none: the file loads";
    panel.appendChild(div);
  }
  markDiagnostics();
}

function markDiagnostics() {
  const on = new Map();
  for (const d of model.diagnostics) {
    if ((d.graph || null) !== model.current || d.node === null || d.node === undefined) continue;
    if (!on.has(d.node)) on.set(d.node, []);
    on.get(d.node).push(d);
  }
  for (const el of $("#stage").querySelectorAll("g.node")) {
    const mine = on.get(el.dataset.node) || [];
    if (!mine.length && !el.classList.contains("diagnostic")) continue;
    el.classList.toggle("diagnostic", mine.length > 0);
    let title = el.querySelector(":scope > title.diagnostic");
    if (mine.length) {
      if (!title) {
        title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        title.setAttribute("class", "diagnostic");
        el.prepend(title);
      }
      title.textContent = mine.map((d) => d.text).join("\n");
    } else if (title) title.remove();
  }
}

function clearRun() {
  for (const id of ["#output", "#log", "#connections", "#variables"]) $(id).textContent = "";
  model.values.clear();
  model.pausedAt = null;
  setActive();
}

// ---- State and controls -------------------------------------------------------------

// The run's controls (the live editing switch is not one: it is never disabled).
const RUN_CONTROLS = 'header button[data-action]:not([data-action="live"])';

function setLive(on) {
  model.live = on;
  const b = $('header button[data-action="live"]');
  b.setAttribute("aria-pressed", on ? "true" : "false");
  b.classList.toggle("on", on);
}

function setState(state, pausedAt) {
  model.state = state;
  model.pausedAt = pausedAt || null;
  document.body.dataset.state = state;
  $("#status").textContent = pausedAt ? `paused before ${pausedAt.node}` : state;
  const enabled = {
    run: state === "idle" || state === "ended",
    stop: state === "running" || state === "paused",
    pause: state === "running",
    continue: state === "paused",
    step: state === "paused",
    step_over: state === "paused",
    step_out: state === "paused",
  };
  for (const b of document.querySelectorAll(RUN_CONTROLS)) b.disabled = !enabled[b.dataset.action];
  const calls = $("#calls");
  if (pausedAt) {
    if ((pausedAt.graph || null) !== model.current) show(pausedAt.graph || null);
    setActive(pausedAt.graph, pausedAt.node);
    // As Blueprint's debugger does, the view goes to the node paused at.
    const el = nodeEl(pausedAt.node);
    if (el) centreOn(el);
    calls.textContent = "";
    const where = document.createElement("div");
    where.textContent = `paused before \`${pausedAt.node}\`` + (pausedAt.graph ? ` in ${pausedAt.graph}` : "");
    calls.appendChild(where);
    for (const line of pausedAt.calls) {
      const div = document.createElement("div");
      div.textContent = line;
      calls.appendChild(div);
    }
    calls.hidden = false;
  } else {
    calls.hidden = true;
    if (state !== "running") setActive();
  }
}

for (const b of document.querySelectorAll(RUN_CONTROLS)) {
  b.addEventListener("click", () => send({ action: b.dataset.action }));
}
// The live editing switch: on, each saved change that checks reaches the running graph.
$('header button[data-action="live"]').addEventListener("click", () => send({ action: "live", on: !model.live }));
setupView();
setState("idle", null);
connect();
