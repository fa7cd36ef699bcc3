// graphrun studio: the editor. Every change made here is one batch of `graphrun edit`'s
// operations sent to the server, which applies it to the file, writes it and redraws; the
// page never changes the graph itself. Pointer: left-drag a pin to a pin wires, a title
// moves, empty canvas selects; right-click or Tab opens the palette. Keys: Delete,
// Ctrl-Z / Ctrl-Shift-Z / Ctrl-Y.
"use strict";

const SNAP = 16;
const editing = {
  selected: new Set(),  // ids of selected nodes in the graph shown
  palette: [],          // node types: {name, category, description, exec_inputs, exec_outputs, inputs, outputs}
  pointer: null,        // the last pointer position on the canvas, in page pixels
  gesture: null,        // what a left drag is doing
  pending: null,        // the palette's place and the wire it will make
};

// A word of an operation, quoted as `graphrun edit -e` reads it.
function word(w) {
  w = String(w);
  if (w && !/[\s"\\]/.test(w)) return w;
  return '"' + w.replace(/[\\"]/g, (c) => "\\" + c) + '"';
}

function edit(ops) {
  send({ action: "edit", graph: model.current, ops });
}

function setSaved(count) {
  document.body.dataset.saved = String(count || 0);
}

function showRefusal(message) {
  document.body.dataset.refused = message;
  const box = $("#refusal");
  box.textContent = message;
  const at = editing.pointer || [40, 80];
  box.style.left = at[0] + 12 + "px";
  box.style.top = at[1] + 12 + "px";
  box.hidden = false;
  const field = document.querySelector(".literal-field");
  if (field) field.classList.add("refused");
  clearTimeout(showRefusal.timer);
  showRefusal.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

// The registry's node types; the file's own functions and macros come first (setDeclared).
function setPalette(list) {
  editing.registry = list.filter((n) => !n.deprecated);
  editing.palette = (editing.own || []).concat(editing.registry);
}

// Page pixels to graph units (the SVG's coordinates), and back.
function toGraph(px, py) {
  const r = $("#viewport").getBoundingClientRect();
  return { x: (px - r.left - view.x) / view.scale + svgMinX(), y: (py - r.top - view.y) / view.scale + svgMinY() };
}

const snap = (v) => Math.round(v / SNAP) * SNAP;

function nodeIds() {
  const g = model.graphs.find((x) => x.name === model.current);
  if (!g) return new Set();
  return new Set(g.keys.filter((k) => k.startsWith("node:")).map((k) => k.slice(5)));
}

// A fresh id from a node type, as `add-node auto` picks one.
function freshId(type) {
  let base = type.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "_").replace(/^_+|_+$/g, "") || "node";
  const taken = nodeIds();
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

// Called after each redraw: the selection is kept for the nodes still there.
function redrawn(changedGraph) {
  if (changedGraph) editing.selected.clear();
  const ids = nodeIds();
  if (editing.selectAfter && editing.selectAfter.every((id) => ids.has(id))) {
    editing.selected = new Set(editing.selectAfter);
    editing.selectAfter = null;
  }
  for (const id of [...editing.selected]) if (!ids.has(id)) editing.selected.delete(id);
  markSelected();
  closeLiteral();
  if (editing.declared) setDeclared(editing.declared);
}

function markSelected() {
  for (const el of $("#stage").querySelectorAll("g.node")) {
    el.classList.toggle("selected", editing.selected.has(el.dataset.node));
  }
}

function select(id, add) {
  if (!add) editing.selected.clear();
  if (id !== null) {
    if (add && editing.selected.has(id)) editing.selected.delete(id);
    else editing.selected.add(id);
  }
  markSelected();
}

// ---- Pointer ------------------------------------------------------------------------

function pinOf(target) {
  const pin = target.closest && target.closest(".pin");
  const node = pin && pin.closest("g.node");
  if (!node) return null;
  return {
    node: node.dataset.node,
    pin: pin.dataset.pin,
    output: pin.dataset.dir === "out",
    exec: pin.classList.contains("exec"),
    type: pin.dataset.type || null,
    at: pin.dataset.at.split(",").map(Number),
  };
}

function setupEditor() {
  const port = $("#viewport");
  port.addEventListener("mousedown", (e) => {
    if (e.button !== 0 || e.target.closest("[data-action]")) return;
    editing.pointer = [e.clientX, e.clientY];
    closePalette();
    const pin = pinOf(e.target);
    if (pin) {
      e.preventDefault();
      if (e.altKey) {
        edit([`disconnect ${word(pin.node + "." + pin.pin)}`]);
        return;
      }
      editing.gesture = { kind: "wire", from: pin, line: wireLine(pin) };
      return;
    }
    const literal = e.target.closest("[data-literal]");
    if (literal) {
      e.preventDefault();
      editing.gesture = { kind: "literal", el: literal };
      return;
    }
    const comment = e.target.closest("g.comment");
    if (comment && e.target.tagName === "text") {
      e.preventDefault();
      editing.gesture = { kind: "comment", el: comment };
      return;
    }
    const node = e.target.closest("g.node");
    if (node) {
      e.preventDefault();
      const box = node.querySelector("rect");
      const onTitle = e.target.closest("rect.title") || toGraph(e.clientX, e.clientY).y < +box.getAttribute("y") + 26;
      editing.gesture = {
        kind: onTitle ? "move" : "click",
        node: node.dataset.node,
        el: node,
        from: [e.clientX, e.clientY],
        box: [+box.getAttribute("x"), +box.getAttribute("y")],
        shift: e.shiftKey,
        moved: false,
      };
      return;
    }
    e.preventDefault();
    editing.gesture = { kind: "box", from: [e.clientX, e.clientY], shift: e.shiftKey, el: null };
  });
  window.addEventListener("mousemove", (e) => {
    if (e.target.closest && e.target.closest("#viewport")) editing.pointer = [e.clientX, e.clientY];
    const g = editing.gesture;
    if (!g) return;
    if (g.kind === "wire") {
      const p = toGraph(e.clientX, e.clientY);
      g.line.setAttribute("x2", p.x);
      g.line.setAttribute("y2", p.y);
    } else if (g.kind === "move") {
      const dx = (e.clientX - g.from[0]) / view.scale, dy = (e.clientY - g.from[1]) / view.scale;
      if (Math.abs(dx) + Math.abs(dy) > 2) g.moved = true;
      g.el.setAttribute("transform", `translate(${snap(g.box[0] + dx) - g.box[0]} ${snap(g.box[1] + dy) - g.box[1]})`);
    } else if (g.kind === "box") {
      if (!g.el) {
        g.el = document.createElement("div");
        g.el.className = "select-box";
        document.body.appendChild(g.el);
      }
      const [x0, y0] = g.from;
      Object.assign(g.el.style, {
        left: Math.min(x0, e.clientX) + "px", top: Math.min(y0, e.clientY) + "px",
        width: Math.abs(e.clientX - x0) + "px", height: Math.abs(e.clientY - y0) + "px",
      });
    }
  });
  window.addEventListener("mouseup", (e) => {
    const g = editing.gesture;
    // A variable dragged from the panel is the panel's (setupDeclared).
    if (!g || g.kind === "variable") return;
    editing.gesture = null;
    if (e.button !== 0) return;
    if (g.kind === "wire") {
      g.line.remove();
      const to = pinOf(e.target);
      if (to && to.node !== g.from.node) wire(g.from, to);
      else if (!to && !e.target.closest("g.node")) openPalette(e.clientX, e.clientY, g.from);
    } else if (g.kind === "literal") {
      if (e.target.closest("[data-literal]") === g.el) openLiteral(g.el);
    } else if (g.kind === "comment") {
      if (e.target.closest("g.comment") === g.el) openCommentField(g.el);
    } else if (g.kind === "move") {
      if (g.moved) {
        const dx = (e.clientX - g.from[0]) / view.scale, dy = (e.clientY - g.from[1]) / view.scale;
        edit([`move ${word(g.node)} ${snap(g.box[0] + dx)} ${snap(g.box[1] + dy)}`]);
      } else select(g.node, g.shift);
    } else if (g.kind === "click") {
      select(g.node, g.shift);
    } else if (g.kind === "box") {
      if (g.el) {
        const r = g.el.getBoundingClientRect();
        g.el.remove();
        if (!g.shift) editing.selected.clear();
        for (const node of $("#stage").querySelectorAll("g.node")) {
          const b = node.querySelector("rect").getBoundingClientRect();
          if (b.right >= r.left && b.left <= r.right && b.bottom >= r.top && b.top <= r.bottom) editing.selected.add(node.dataset.node);
        }
        markSelected();
      } else if (!g.shift) select(null, false);
    }
  });
  window.addEventListener("keydown", onKey);
  setupPalette();
}

// A line from a pin to the pointer while a wire is dragged.
function wireLine(pin) {
  const svg = $("#stage svg");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
  line.setAttribute("class", "dragged-wire");
  line.setAttribute("x1", pin.at[0]);
  line.setAttribute("y1", pin.at[1]);
  line.setAttribute("x2", pin.at[0]);
  line.setAttribute("y2", pin.at[1]);
  svg.appendChild(line);
  return line;
}

// Wires two pins, output to input whichever was dragged from.
function wire(a, b) {
  const [from, to] = a.output ? [a, b] : [b, a];
  if (from.output === to.output) {
    showRefusal(`cannot wire ${a.node}.${a.pin} to ${b.node}.${b.pin}: both are ${a.output ? "outputs" : "inputs"}`);
    return;
  }
  edit([`connect ${word(from.node + "." + from.pin)} ${word(to.node + "." + to.pin)}`]);
}

// ---- Literals -----------------------------------------------------------------------

function closeLiteral() {
  for (const f of document.querySelectorAll(".literal-field")) f.remove();
}

// A field over an input's value: the text as it is for a String (no quotes), a RON literal
// for other types, a checkbox for a Bool. Enter writes, Escape cancels.
function openLiteral(el) {
  closeLiteral();
  const node = el.closest("g.node").dataset.node;
  const pinName = el.dataset.literal;
  const pinEl = [...el.closest("g.node").querySelectorAll(".pin.data")].find((p) => p.dataset.pin === pinName && p.dataset.dir === "in");
  const type = pinEl ? pinEl.dataset.type : null;
  let value = el.dataset.value === undefined ? "" : el.dataset.value;
  if (type === "String" && /^"/.test(value)) {
    try { value = JSON.parse(value); } catch (_) { /* shown as written */ }
  }
  const r = el.getBoundingClientRect();
  const field = document.createElement("input");
  field.className = "literal-field";
  field.dataset.node = node;
  field.dataset.pin = pinName;
  if (type === "Bool") {
    field.type = "checkbox";
    field.checked = value === "true";
    field.addEventListener("change", () => edit([`set ${word(node)} ${word(pinName)} ${field.checked}`]));
  } else {
    field.type = "text";
    field.value = value;
    field.spellcheck = false;
  }
  Object.assign(field.style, { left: r.left - 2 + "px", top: r.top - 3 + "px", minWidth: Math.max(80, r.width + 20) + "px" });
  field.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeLiteral();
    else if (e.key === "Enter") {
      // A String is the text as typed, quotes and all (written as a RON string here, so
      // nothing in it is read as RON); other types are RON literals.
      const v = field.type === "checkbox" ? String(field.checked) : type === "String" ? JSON.stringify(field.value) : field.value;
      edit([`set ${word(node)} ${word(pinName)} ${word(v)}`]);
    }
  });
  document.body.appendChild(field);
  field.focus();
  if (field.select) field.select();
}

// ---- The palette --------------------------------------------------------------------

function setupPalette() {
  const input = $("#palette input");
  input.addEventListener("input", () => fillPalette());
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    const items = [...$("#palette .items").querySelectorAll("[data-palette-item]")];
    let i = items.findIndex((x) => x.classList.contains("current"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!items.length) return;
      i = e.key === "ArrowDown" ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
      items.forEach((x, j) => x.classList.toggle("current", j === i));
      items[i].scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (items[Math.max(0, i)]) place(items[Math.max(0, i)].dataset.paletteItem);
    } else if (e.key === "Escape") closePalette();
  });
}

function openPalette(px, py, fromPin) {
  closeLiteral();
  editing.pending = { at: toGraph(px, py), from: fromPin };
  const box = $("#palette");
  box.style.left = Math.min(px, innerWidth - 320) + "px";
  box.style.top = Math.min(py, innerHeight - 360) + "px";
  box.hidden = false;
  const input = $("#palette input");
  input.value = "";
  fillPalette();
  input.focus();
}

function closePalette() {
  $("#palette").hidden = true;
  editing.pending = null;
}

const baseType = (t) => String(t).split(" = ")[0];

// Whether a value of type `from` can go into an input of type `to` (as the listing writes
// types: generic pins say so in words); the server checks for real.
function takes(to, from) {
  to = baseType(to);
  if (to === from || to === "String") return true;
  if (to === "Float" && from === "Int") return true;
  if (to === "Json") return !from.startsWith("Object");
  return /\bor\b|\bany\b|\bT\b|\bnumber\b/.test(to) || (to.startsWith("Array") && from.startsWith("Array"));
}

// The pin of node type `t` a wire dragged from `from` goes to, or null.
function matchingPin(t, from) {
  if (from.exec) return from.output ? t.exec_inputs[0] || null : t.exec_outputs[0] || null;
  if (from.output) {
    const pin = t.inputs.find((p) => takes(p.type, from.type) && !baseType(p.type).startsWith("delegate"));
    return pin ? pin.name : null;
  }
  const pin = t.outputs.find((p) => takes(from.type, baseType(p.type)));
  return pin ? pin.name : null;
}

function fillPalette() {
  const words = $("#palette input").value.toLowerCase().split(/\s+/).filter(Boolean);
  const from = editing.pending && editing.pending.from;
  const list = $("#palette .items");
  list.textContent = "";
  let category = null;
  const shown = editing.palette
    .filter((t) => words.every((w) => (t.name + " " + t.category).toLowerCase().includes(w)))
    .filter((t) => !from || matchingPin(t, from) !== null);
  for (const t of shown) {
    if (t.category !== category) {
      category = t.category;
      const h = document.createElement("div");
      h.className = "category";
      h.textContent = category;
      list.appendChild(h);
    }
    const item = document.createElement("div");
    item.dataset.paletteItem = t.name;
    item.textContent = t.name;
    item.title = t.description;
    item.addEventListener("mousedown", (e) => { e.preventDefault(); e.stopPropagation(); place(t.name); });
    list.appendChild(item);
  }
  const first = list.querySelector("[data-palette-item]");
  if (first) first.classList.add("current");
}

// Places a node of `type` where the palette was opened (and wires it, if it was opened by
// dropping a wire there).
function place(type) {
  const pending = editing.pending;
  if (!pending) return;
  const t = editing.palette.find((x) => x.name === type);
  const id = freshId(type);
  const ops = [`add-node ${word(id)} ${word(type)} ${snap(pending.at.x)} ${snap(pending.at.y)}`];
  const from = pending.from;
  if (from && t) {
    const pin = matchingPin(t, from);
    if (pin !== null) {
      ops.push(from.output
        ? `connect ${word(from.node + "." + from.pin)} ${word(id + "." + pin)}`
        : `connect ${word(id + "." + pin)} ${word(from.node + "." + from.pin)}`);
    }
  }
  closePalette();
  edit(ops);
}

// ---- Keys ---------------------------------------------------------------------------

function onKey(e) {
  if (e.target.closest && e.target.closest("input, textarea")) return;
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.key === "Tab") {
    e.preventDefault();
    const at = editing.pointer || [innerWidth / 3, innerHeight / 3];
    openPalette(at[0], at[1], null);
  } else if (e.key === "Delete" || e.key === "Backspace") {
    if (!editing.selected.size) return;
    e.preventDefault();
    edit([...editing.selected].map((id) => `remove-node ${word(id)}`));
    editing.selected.clear();
  } else if (ctrl && (e.key === "y" || e.key === "Y" || ((e.key === "z" || e.key === "Z") && e.shiftKey))) {
    e.preventDefault();
    send({ action: "redo" });
  } else if (ctrl && (e.key === "z" || e.key === "Z")) {
    e.preventDefault();
    send({ action: "undo" });
  } else if (ctrl && (e.key === "c" || e.key === "C")) {
    e.preventDefault();
    copySelection();
  } else if (ctrl && (e.key === "v" || e.key === "V")) {
    e.preventDefault();
    pasteAtPointer();
  } else if (ctrl && (e.key === "d" || e.key === "D")) {
    e.preventDefault();
    copySelection("duplicate");
  } else if (!ctrl && (e.key === "c" || e.key === "C") && editing.selected.size) {
    e.preventDefault();
    edit([`comment-box Comment ${[...editing.selected].map(word).join(" ")}`]);
  } else if (e.key === "Escape") {
    closePalette();
    closeMenu();
    select(null, false);
  }
}

setupEditor();

// ---- Copy, paste, duplicate ---------------------------------------------------------

// The selected nodes with where they are drawn (their `pos` in the copy).
function selectedPlaces() {
  const out = [];
  for (const el of $("#stage").querySelectorAll("g.node")) {
    if (!editing.selected.has(el.dataset.node)) continue;
    const box = el.querySelector("rect");
    out.push([el.dataset.node, Math.round(+box.getAttribute("x")), Math.round(+box.getAttribute("y"))]);
  }
  return out;
}

function copySelection(purpose) {
  const nodes = selectedPlaces();
  if (!nodes.length) return;
  send({ action: "copy", graph: model.current, nodes, purpose: purpose || null });
}

// The copied text: kept for Ctrl-V, and put on the system clipboard where the browser allows.
function copied(text, purpose) {
  editing.clipboard = text;
  // For tools and tests: how many copies have arrived.
  document.body.dataset.copied = String(+(document.body.dataset.copied || 0) + 1);
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).catch(() => {});
  if (purpose === "duplicate") {
    const places = selectedPlaces();
    const x = Math.min(...places.map((p) => p[1])), y = Math.min(...places.map((p) => p[2]));
    edit([`paste ${snap(x + 32)} ${snap(y + 32)} ${word(text)}`]);
  }
}

async function pasteAtPointer() {
  let text = "";
  try {
    if (navigator.clipboard && navigator.clipboard.readText) text = await navigator.clipboard.readText();
  } catch (_) { /* the page's own copy serves */ }
  if (!text || !text.trim().startsWith("{")) text = editing.clipboard || "";
  if (!text) return;
  const at = editing.pointer || [innerWidth / 3, innerHeight / 3];
  const p = toGraph(at[0], at[1]);
  edit([`paste ${snap(p.x)} ${snap(p.y)} ${word(text)}`]);
}

// New nodes (added or pasted) are selected once they are drawn.
function editedNodes(ids) {
  editing.selectAfter = ids && ids.length ? ids : null;
}

// ---- The node menu: collapse, comment box, copy, duplicate, delete -------------------

function openMenu(px, py) {
  const menu = $("#menu");
  menu.querySelector("input").hidden = true;
  menu.style.left = Math.min(px, innerWidth - 240) + "px";
  menu.style.top = Math.min(py, innerHeight - 220) + "px";
  menu.hidden = false;
}

function closeMenu() {
  $("#menu").hidden = true;
}

function freshBodyName(base) {
  const taken = new Set(model.graphs.map((g) => g.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} ${n}`)) return `${base} ${n}`;
}

function setupMenu() {
  const menu = $("#menu");
  const input = menu.querySelector("input");
  menu.addEventListener("mousedown", (e) => {
    e.stopPropagation();
    const item = e.target.closest("[data-menu]");
    if (!item) return;
    e.preventDefault();
    const ids = [...editing.selected];
    switch (item.dataset.menu) {
      case "collapse-function":
      case "collapse-macro": {
        const macro = item.dataset.menu === "collapse-macro";
        input.hidden = false;
        input.dataset.kind = macro ? "collapse-to-macro" : "collapse-to-function";
        input.value = freshBodyName(macro ? "New Macro" : "New Function");
        input.focus();
        input.select();
        return;
      }
      case "comment-box": edit([`comment-box Comment ${ids.map(word).join(" ")}`]); break;
      case "copy": copySelection(); break;
      case "duplicate": copySelection("duplicate"); break;
      case "delete": edit(ids.map((id) => `remove-node ${word(id)}`)); break;
    }
    closeMenu();
  });
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeMenu();
    if (e.key !== "Enter" || !input.value.trim()) return;
    edit([`${input.dataset.kind} ${word(input.value.trim())} ${[...editing.selected].map(word).join(" ")}`]);
    closeMenu();
  });
  window.addEventListener("mousedown", (e) => { if (!e.target.closest("#menu")) closeMenu(); });
}

// ---- Comment boxes: their text edited in place ---------------------------------------

function openCommentField(group) {
  closeLiteral();
  const text = group.querySelector("text");
  const r = text.getBoundingClientRect();
  const field = document.createElement("input");
  field.className = "literal-field";
  field.type = "text";
  field.value = text.textContent;
  Object.assign(field.style, { left: r.left - 2 + "px", top: r.top - 3 + "px", minWidth: Math.max(120, r.width + 30) + "px" });
  field.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeLiteral();
    else if (e.key === "Enter") edit([`set-comment-box ${group.dataset.comment} ${word(field.value)}`]);
  });
  document.body.appendChild(field);
  field.focus();
  field.select();
}

// ---- The file's variables: add, rename, retype, default, remove; drag onto the graph --

function setDeclared(bodies) {
  editing.declared = bodies;
  editing.own = bodies.filter((b) => b.node).map((b) => b.node);
  editing.palette = editing.own.concat(editing.registry || []);
  const body = bodies.find((b) => (b.name === undefined ? null : b.name) === model.current) || { variables: [] };
  const list = $("#declared");
  list.textContent = "";
  for (const v of body.variables) {
    const row = document.createElement("div");
    row.dataset.declared = v.name;
    const cell = (cls, text, op) => {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      span.dataset.edit = op;
      return span;
    };
    const remove = document.createElement("button");
    remove.className = "small";
    remove.textContent = "✕";
    remove.title = "Remove the variable";
    remove.dataset.edit = "remove";
    row.append(cell("name", v.name, "rename"), cell("type", v.type, "type"), cell("default", v.default === null ? "—" : v.default, "default"), remove);
    list.appendChild(row);
  }
}

function editDeclared(row, cell) {
  const name = row.dataset.declared;
  const op = cell.dataset.edit;
  if (op === "remove") { edit([`remove-variable ${word(name)}`]); return; }
  const r = cell.getBoundingClientRect();
  const field = document.createElement("input");
  field.className = "literal-field";
  field.type = "text";
  field.value = op === "default" && cell.textContent === "—" ? "" : cell.textContent;
  Object.assign(field.style, { left: r.left - 2 + "px", top: r.top - 3 + "px", minWidth: Math.max(80, r.width + 20) + "px" });
  field.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeLiteral();
    if (e.key !== "Enter") return;
    const v = field.value;
    const text = { rename: `rename-variable ${word(name)} ${word(v)}`, type: `set-type ${word(name)} ${word(v)}`, default: `set-default ${word(name)} ${word(v)}` }[op];
    edit([text]);
  });
  document.body.appendChild(field);
  field.focus();
  field.select();
}

function freshVariable() {
  const body = (editing.declared || []).find((b) => (b.name === undefined ? null : b.name) === model.current);
  const taken = new Set(body ? body.variables.map((v) => v.name) : []);
  if (!taken.has("NewVar")) return "NewVar";
  for (let n = 2; ; n++) if (!taken.has(`NewVar${n}`)) return `NewVar${n}`;
}

function setupDeclared() {
  $("#add-variable").addEventListener("click", () => edit([`add-variable ${freshVariable()} Bool`]));
  const list = $("#declared");
  list.addEventListener("mousedown", (e) => {
    const row = e.target.closest("[data-declared]");
    if (!row || e.button !== 0) return;
    e.preventDefault();
    editing.gesture = { kind: "variable", name: row.dataset.declared, cell: e.target.closest("[data-edit]"), row, from: [e.clientX, e.clientY], moved: false };
  });
  window.addEventListener("mousemove", (e) => {
    const g = editing.gesture;
    if (g && g.kind === "variable" && Math.abs(e.clientX - g.from[0]) + Math.abs(e.clientY - g.from[1]) > 4) {
      g.moved = true;
      document.body.classList.add("dragging-variable");
    }
  });
  window.addEventListener("mouseup", (e) => {
    const g = editing.gesture;
    if (!g || g.kind !== "variable") return;
    editing.gesture = null;
    document.body.classList.remove("dragging-variable");
    if (!g.moved) {
      if (g.cell) editDeclared(g.row, g.cell);
      return;
    }
    if (!e.target.closest("#viewport")) return;
    const p = toGraph(e.clientX, e.clientY);
    const type = e.ctrlKey ? "Set" : "Get";
    edit([`add-node ${word(freshId(type))} ${type} ${snap(p.x)} ${snap(p.y)} ${word("var=" + g.name)}`]);
  });
}

// ---- New functions and macros --------------------------------------------------------

function addBodyButtons(tabs) {
  for (const [label, op, base] of [["+ Function", "add-function", "New Function"], ["+ Macro", "add-macro", "New Macro"]]) {
    const b = document.createElement("button");
    b.className = "add-body";
    b.textContent = label;
    b.dataset.add = op;
    b.title = `A new ${op === "add-macro" ? "macro" : "function"}, with a tab of its own`;
    b.onclick = () => {
      const name = freshBodyName(base);
      editing.showAfter = name;
      send({ action: "edit", graph: null, ops: [`${op} ${word(name)}`] });
    };
    tabs.appendChild(b);
  }
  if (editing.showAfter && model.graphs.some((g) => g.name === editing.showAfter)) {
    model.current = editing.showAfter;
    editing.showAfter = null;
  }
}

setupMenu();
setupDeclared();
