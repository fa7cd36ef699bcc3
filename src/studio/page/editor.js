// graphrun studio: the editor. Every change made here is one batch of `graphrun edit`'s
// operations sent to the server, which applies it to the file, writes it and redraws; the
// page never changes the graph itself. Pointer: left-drag a pin to a pin wires (a Custom
// Event's red Event square to a delegate's binds them), a title moves, empty canvas
// selects; dropping a wire on empty canvas, right-click or Tab opens the palette;
// double-click a title renames, a wire adds a reroute knot, a function opens its tab.
// Keys: Delete, Ctrl-Z / Ctrl-Shift-Z / Ctrl-Y, F2, F9, F10 / F11 / Shift-F11, Ctrl-F, Q.
"use strict";

const SNAP = 16;
const editing = {
  selected: new Set(),  // ids of selected nodes in the graph shown
  palette: [],          // node types: {name, category, description, exec_inputs, exec_outputs, inputs, outputs}
  pointer: null,        // the last pointer position on the canvas, in page pixels
  gesture: null,        // what a left drag is doing
  pending: null,        // the palette's place and the wire it will make
};

// Each operation goes as its words apart (`["move", id, x, y]`: `graphrun edit -e`'s
// words, nothing quoted); a node the batch adds is `fresh(name)` wherever it is named, and
// the server makes its id (as `add-node auto` does).
function edit(ops) {
  send({ action: "edit", graph: model.current, ops });
}

// A node this batch adds, by the page's name for it (its id is made from the name), or
// one of its pins.
const fresh = (name, pin) => (pin === undefined ? { new: name } : { new: name, pin });

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

// The registry's node types and classes; the file's own functions and macros come first
// (setDeclared).
function setPalette(listing) {
  editing.registry = (listing.nodes || []).filter((n) => !n.deprecated);
  editing.classes = (listing.classes || []).filter((c) => !c.deprecated_alias_of);
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
  if ($("#find input").value) {
    editing.found = findMatches($("#find input").value);
    markFound();
  }
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
    delegate: pin.classList.contains("delegate"),
    type: pin.dataset.type || null,
    at: pin.dataset.at.split(",").map(Number),
  };
}

// The node type a drawn node is (its title; a Custom Event is titled by its name).
function typeOf(id) {
  const el = nodeEl(id);
  if (!el) return null;
  if (el.classList.contains("knot")) return "Reroute";
  const kind = el.querySelector("text.kind");
  return kind ? kind.textContent : el.querySelector("[data-title]").textContent;
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
        const ops = unwire(pin);
        if (ops.length) edit(ops);
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
    if (comment && (e.target.tagName === "text" || toGraph(e.clientX, e.clientY).y < +comment.querySelector("rect").getAttribute("y") + 26)) {
      // Dragged by its title, a comment box takes the nodes inside it along.
      e.preventDefault();
      const r = comment.querySelector("rect");
      const [x0, y0] = [+r.getAttribute("x"), +r.getAttribute("y")];
      const [x1, y1] = [x0 + +r.getAttribute("width"), y0 + +r.getAttribute("height")];
      const inside = [...$("#stage").querySelectorAll("g.node")].filter((n) => {
        const b = n.querySelector("rect");
        const x = +b.getAttribute("x"), y = +b.getAttribute("y");
        return x >= x0 && y >= y0 && x + +b.getAttribute("width") <= x1 && y + +b.getAttribute("height") <= y1;
      });
      editing.gesture = { kind: "comment", el: comment, nodes: inside, from: [e.clientX, e.clientY], moved: false };
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
    } else if (g.kind === "comment") {
      const dx = snap((e.clientX - g.from[0]) / view.scale), dy = snap((e.clientY - g.from[1]) / view.scale);
      if (dx || dy) g.moved = true;
      for (const el of [g.el, ...g.nodes]) el.setAttribute("transform", `translate(${dx} ${dy})`);
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
      if (g.moved) {
        const dx = snap((e.clientX - g.from[0]) / view.scale), dy = snap((e.clientY - g.from[1]) / view.scale);
        const ops = g.nodes.map((n) => {
          const b = n.querySelector("rect");
          return ["move", n.dataset.node, Math.round(+b.getAttribute("x") + dx), Math.round(+b.getAttribute("y") + dy)];
        });
        if (ops.length) edit(ops);
      }
    } else if (g.kind === "move") {
      if (g.moved) {
        const dx = (e.clientX - g.from[0]) / view.scale, dy = (e.clientY - g.from[1]) / view.scale;
        edit([["move", g.node, snap(g.box[0] + dx), snap(g.box[1] + dy)]]);
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

// Wires two pins, output to input whichever was dragged from. A Custom Event's Event and a
// delegate input are bound (`connect EVENT NODE.PIN` writes `Event("EVENT")`).
function wire(a, b) {
  const [from, to] = a.output ? [a, b] : [b, a];
  if (from.output === to.output) {
    showRefusal(`cannot wire ${a.node}.${a.pin} to ${b.node}.${b.pin}: both are ${a.output ? "outputs" : "inputs"}`);
    return;
  }
  if (from.delegate !== to.delegate) {
    showRefusal(`cannot wire ${from.node}.${from.pin} to ${to.node}.${to.pin}: a delegate binds only a Custom Event's Event`);
    return;
  }
  edit([connectOp(from, to)]);
}

function connectOp(from, to) {
  if (from.delegate) return ["connect", from.node, to.node + "." + to.pin];
  return ["connect", from.node + "." + from.pin, to.node + "." + to.pin];
}

// What Alt-click on a pin undoes: its wires; a delegate's binding; every binding of an Event.
function unwire(pin) {
  if (!pin.delegate) return [["disconnect", pin.node + "." + pin.pin]];
  if (!pin.output) return [["clear", pin.node, pin.pin]];
  const bound = [...$("#stage").querySelectorAll("path.wire.delegate")].filter((w) => w.dataset.from === pin.node + ".Event");
  return bound.map((w) => {
    const to = w.dataset.to, dot = to.indexOf(".");
    return ["clear", to.slice(0, dot), to.slice(dot + 1)];
  });
}

// ---- Literals -----------------------------------------------------------------------

function closeLiteral() {
  for (const f of document.querySelectorAll(".literal-field, .picker")) f.remove();
}

// A list to pick from, filtered as one types (every word typed in the item), at `r` (a
// page rectangle): arrows move, Enter or a click picks, Escape closes. Its field has the
// focus.
function openPicker(r, options, pick) {
  closeLiteral();
  const box = document.createElement("div");
  box.className = "picker";
  const field = document.createElement("input");
  field.type = "text";
  field.spellcheck = false;
  const list = document.createElement("div");
  list.className = "items";
  box.append(field, list);
  const fill = () => {
    const words = field.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    for (const option of options.filter((o) => words.every((w) => o.toLowerCase().includes(w)))) {
      const item = document.createElement("div");
      item.dataset.pick = option;
      item.textContent = option;
      item.addEventListener("mousedown", (e) => { e.preventDefault(); e.stopPropagation(); closeLiteral(); pick(option); });
      list.appendChild(item);
    }
    const first = list.firstElementChild;
    if (first) first.classList.add("current");
  };
  field.addEventListener("input", fill);
  field.addEventListener("keydown", (e) => {
    e.stopPropagation();
    listKeys(e, [...list.children], (chosen) => {
      closeLiteral();
      if (chosen) pick(chosen.dataset.pick);
    }, closeLiteral);
  });
  Object.assign(box.style, { left: Math.min(r.left, innerWidth - 320) + "px", top: Math.min(r.bottom + 2, innerHeight - 260) + "px" });
  document.body.appendChild(box);
  fill();
  field.focus();
}

// A field over a node's title: its new id (a Custom Event's name), Enter renames it and
// every reference to it (`Event("…")` bindings included); the server refuses a name taken,
// and the refusal is shown at the field.
function openRename(id) {
  const el = nodeEl(id);
  if (!el) return;
  closeLiteral();
  const title = el.querySelector("[data-title]");
  const r = title.getBoundingClientRect();
  const field = document.createElement("input");
  field.className = "literal-field rename";
  field.type = "text";
  field.spellcheck = false;
  field.value = id;
  field.dataset.node = id;
  Object.assign(field.style, { left: r.left - 2 + "px", top: r.top - 3 + "px", minWidth: Math.max(140, r.width + 30) + "px" });
  field.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeLiteral();
    else if (e.key === "Enter") {
      const name = field.value.trim();
      if (!name || name === id) { closeLiteral(); return; }
      edit([["rename-node", id, name]]);
    }
  });
  document.body.appendChild(field);
  field.focus();
  field.select();
}

// A field over an input's value: the text as it is for a String (no quotes), a RON literal
// for other types, a checkbox for a Bool. Enter writes, Escape cancels.
function openLiteral(el) {
  closeLiteral();
  const node = el.closest("g.node").dataset.node;
  const pinName = el.dataset.literal;
  if (pinName === "Class" && typeOf(node) === "Construct Object") {
    // A class is picked from the registry's, not typed.
    const names = (editing.classes || []).filter((c) => c.constructible).map((c) => c.name);
    openPicker(el.getBoundingClientRect(), names, (name) => edit([["set", node, "Class", name]]));
    return;
  }
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
    field.addEventListener("change", () => edit([["set", node, pinName, String(field.checked)]]));
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
      edit([["set", node, pinName, v]]);
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
    listKeys(e, items, (chosen) => { if (chosen) place(chosen.dataset.paletteItem); }, closePalette);
  });
}

// The keys of a list to choose from (the palette, a picker): the arrows move its `current`
// item, Enter takes it (the first if none is current; `undefined` in an empty list),
// Escape closes.
function listKeys(e, items, take, close) {
  let i = items.findIndex((x) => x.classList.contains("current"));
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    if (!items.length) return;
    i = e.key === "ArrowDown" ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
    items.forEach((x, j) => x.classList.toggle("current", j === i));
    items[i].scrollIntoView({ block: "nearest" });
  } else if (e.key === "Enter") {
    e.preventDefault();
    take(items[Math.max(0, i)]);
  } else if (e.key === "Escape") close();
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
  editing.fits = null;
  if (fromPin && !fromPin.exec && !fromPin.delegate && fromPin.type) askFits(fromPin);
  fillPalette();
  input.focus();
}

// What fits a data pin is the server's to say (the checker's rules, generic nodes
// included): the page asks, and fills the palette again when the answer comes.
function askFits(from) {
  const pins = (list) => (list || []).map((p) => [p.name, baseType(p.type)]);
  const candidates = [];
  for (const v of variablesShown()) {
    candidates.push({ label: `Get ${v.name}`, outputs: [[v.name, v.type]] });
    candidates.push({ label: `Set ${v.name}`, inputs: [[v.name, v.type]], outputs: [[v.name, v.type]] });
  }
  for (const t of editing.own || []) candidates.push({ label: t.name, inputs: pins(t.inputs), outputs: pins(t.outputs) });
  send({ action: "fits", type: baseType(from.type), output: !!from.output, candidates });
}

// The server's answer to `askFits`: each entry that fits, with its pin.
function fitting(m) {
  const from = editing.pending && editing.pending.from;
  if (!from || baseType(from.type) !== m.pin_type || !!from.output !== m.output) return;
  editing.fits = new Map(m.pins);
  fillPalette();
}

function closePalette() {
  $("#palette").hidden = true;
  editing.pending = null;
}

const baseType = (t) => String(t).split(" = ")[0];

// The pin of node type `t` a wire dragged from `from` goes to, or null.
function matchingPin(t, from) {
  if (from.exec) return from.output ? t.exec_inputs[0] || null : t.exec_outputs[0] || null;
  if (from.delegate) {
    // Off a Custom Event's Event: a node with a delegate to bind.
    const pin = from.output ? t.inputs.find((p) => baseType(p.type).startsWith("delegate")) : null;
    return pin ? pin.name : null;
  }
  // A data pin: what the server said fits (nothing until it has answered).
  return (editing.fits && editing.fits.get(t.name)) || null;
}

// The variables of the body shown: name and type as written.
function variablesShown() {
  const body = (editing.declared || []).find((b) => (b.name === undefined ? null : b.name) === model.current);
  const graph = (editing.declared || []).find((b) => b.kind === "graph");
  const own = body ? body.variables : [];
  // A function's body reads its locals and the graph's variables.
  return body && body.kind !== "graph" && graph ? own.concat(graph.variables.filter((g) => !own.some((v) => v.name === g.name))) : own;
}

// What the palette offers from where it was opened: each entry a label, a category, a
// description and the operations that place it at `at` (wired to `from`, if any).
function paletteEntries(from) {
  const entries = [];
  if (from && from.delegate && !from.output) {
    entries.push({
      label: "Add Custom Event", category: "Events",
      description: "A Custom Event with the delegate's parameters as outputs, bound to it",
      ops: (at) => [
        ["add-node", fresh(from.pin), "Custom Event", snap(at.x), snap(at.y)],
        ["connect", fresh(from.pin), from.node + "." + from.pin],
      ],
    });
  }
  if (from && !from.exec && !from.delegate && from.type) {
    entries.push({
      label: "Promote to Variable", category: "Variables",
      description: `A variable of type ${from.type}, with a ${from.output ? "Set" : "Get"} of it wired here`,
      ops: (at) => promoteOps(from, at),
    });
  }
  for (const v of variablesShown()) {
    const get = { name: `Get ${v.name}`, exec_inputs: [], exec_outputs: [], inputs: [], outputs: [{ name: v.name, type: v.type }] };
    const set = { name: `Set ${v.name}`, exec_inputs: ["exec"], exec_outputs: ["then"], inputs: [{ name: v.name, type: v.type }], outputs: [{ name: v.name, type: v.type }] };
    for (const [t, type] of [[get, "Get"], [set, "Set"]]) {
      const pin = from ? matchingPin(t, from) : null;
      if (from && pin === null) continue;
      entries.push({
        label: t.name, category: "Variables", description: `${type === "Get" ? "Reads" : "Writes"} the variable ${v.name} (${v.type})`,
        ops: (at) => {
          const name = `${type} ${v.name}`;
          const ops = [["add-node", fresh(name), type, snap(at.x), snap(at.y), "var=" + v.name]];
          if (from) ops.push(wireOp(from, name, pin));
          return ops;
        },
      });
    }
  }
  for (const t of editing.palette) {
    const pin = from ? matchingPin(t, from) : null;
    if (from && pin === null) continue;
    entries.push({
      label: t.name, category: t.category, description: t.description,
      ops: (at) => {
        const ops = [["add-node", fresh(t.name), t.name, snap(at.x), snap(at.y)]];
        if (from) ops.push(wireOp(from, t.name, pin));
        return ops;
      },
    });
  }
  return entries;
}

// The wire from the pin a palette was opened from to pin `pin` of the node the batch adds
// by the name `name`.
function wireOp(from, name, pin) {
  if (from.delegate) return ["connect", from.node, fresh(name, pin)];
  return from.output
    ? ["connect", from.node + "." + from.pin, fresh(name, pin)]
    : ["connect", fresh(name, pin), from.node + "." + from.pin];
}

// Promote to Variable: a variable of the pin's type, named after the pin (the server makes
// the name: `Count`, or `Count2` where taken), and a Set of it fed by an output (put into
// the node's exec chain, as Blueprint does) or a Get into an input, whose pin is named
// after the variable.
function promoteOps(pin, at) {
  const base = pin.pin.replace(/[^\p{L}\p{N}_]+/gu, "") || "NewVar";
  const variable = { variable: base };
  const option = { variable: base, prefix: "var=" };
  const ops = [["add-variable", variable, pin.type]];
  if (!pin.output) {
    const get = `Get ${base}`;
    ops.push(["add-node", fresh(get), "Get", snap(at.x), snap(at.y), option], ["connect", fresh(get, variable), pin.node + "." + pin.pin]);
    return ops;
  }
  const set = `Set ${base}`;
  ops.push(["add-node", fresh(set), "Set", snap(at.x), snap(at.y), option], ["connect", pin.node + "." + pin.pin, fresh(set, variable)]);
  const then = nodeEl(pin.node) && nodeEl(pin.node).querySelector('.pin.exec[data-dir="out"]');
  if (then) {
    const out = `${pin.node}.${then.dataset.pin}`;
    const next = [...$("#stage").querySelectorAll("path.wire.exec")].find((w) => w.dataset.from === out);
    ops.push(["connect", out, fresh(set)]);
    if (next) ops.push(["connect", fresh(set, "then"), next.dataset.to]);
  }
  return ops;
}

function fillPalette() {
  const words = $("#palette input").value.toLowerCase().split(/\s+/).filter(Boolean);
  const from = editing.pending && editing.pending.from;
  const list = $("#palette .items");
  list.textContent = "";
  let category = null;
  editing.entries = paletteEntries(from).filter((t) => words.every((w) => (t.label + " " + t.category).toLowerCase().includes(w)));
  for (const t of editing.entries) {
    if (t.category !== category) {
      category = t.category;
      const h = document.createElement("div");
      h.className = "category";
      h.textContent = category;
      list.appendChild(h);
    }
    const item = document.createElement("div");
    item.dataset.paletteItem = t.label;
    item.textContent = t.label;
    item.title = t.description;
    item.addEventListener("mousedown", (e) => { e.preventDefault(); e.stopPropagation(); place(t.label); });
    list.appendChild(item);
  }
  const first = list.querySelector("[data-palette-item]");
  if (first) first.classList.add("current");
}

// Places the palette's entry `label` where the palette was opened (and wires it, if it was
// opened by dropping a wire there).
function place(label) {
  const pending = editing.pending;
  if (!pending) return;
  const entry = (editing.entries || []).find((x) => x.label === label);
  closePalette();
  if (entry) edit(entry.ops(pending.at));
}

// ---- Keys ---------------------------------------------------------------------------

function onKey(e) {
  if (e.target.closest && e.target.closest("input, textarea")) return;
  const ctrl = e.ctrlKey || e.metaKey;
  const one = editing.selected.size === 1 ? [...editing.selected][0] : null;
  if (e.key === "F2" && one !== null) {
    e.preventDefault();
    openRename(one);
  } else if (e.key === "F9" && editing.selected.size) {
    e.preventDefault();
    for (const node of editing.selected) send({ action: "breakpoint", graph: model.current, node });
  } else if (e.key === "F10") {
    e.preventDefault();
    send({ action: "step_over" });
  } else if (e.key === "F11") {
    e.preventDefault();
    send({ action: e.shiftKey ? "step_out" : "step" });
  } else if (ctrl && (e.key === "f" || e.key === "F")) {
    e.preventDefault();
    const input = $("#find input");
    input.focus();
    input.select();
  } else if (!ctrl && (e.key === "q" || e.key === "Q") && editing.selected.size > 1) {
    e.preventDefault();
    const ops = straighten();
    if (ops.length) edit(ops);
  } else if (e.key === "Tab") {
    e.preventDefault();
    const at = editing.pointer || [innerWidth / 3, innerHeight / 3];
    openPalette(at[0], at[1], null);
  } else if (e.key === "Delete" || e.key === "Backspace") {
    if (!editing.selected.size) return;
    e.preventDefault();
    edit([...editing.selected].map((id) => ["remove-node", id]));
    editing.selected.clear();
  } else if (ctrl && (e.key === "y" || e.key === "Y" || ((e.key === "z" || e.key === "Z") && e.shiftKey))) {
    e.preventDefault();
    send({ action: "redo" });
  } else if (ctrl && (e.key === "z" || e.key === "Z")) {
    e.preventDefault();
    send({ action: "undo" });
  } else if (ctrl && e.shiftKey && (e.key === "c" || e.key === "C")) {
    // Copy for Unreal: Blueprint clipboard text, for Ctrl-V in Unreal's Blueprint editor.
    e.preventDefault();
    copySelection("unreal");
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
    edit([["comment-box", "Comment", ...editing.selected]]);
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
    edit([["paste", snap(x + 32), snap(y + 32), text]]);
  }
}

async function pasteAtPointer() {
  let text = "";
  try {
    if (navigator.clipboard && navigator.clipboard.readText) text = await navigator.clipboard.readText();
  } catch (_) { /* the page's own copy serves */ }
  const ours = (t) => t && (t.trim().startsWith("{") || t.trim().startsWith("Begin Object"));
  if (!ours(text)) text = editing.clipboard || "";
  if (!text) return;
  const at = editing.pointer || [innerWidth / 3, innerHeight / 3];
  const p = toGraph(at[0], at[1]);
  // Unreal's clipboard text (copied in the Blueprint editor) is read by the server.
  if (text.trim().startsWith("Begin Object")) send({ action: "paste_unreal", graph: model.current, x: snap(p.x), y: snap(p.y), text });
  else edit([["paste", snap(p.x), snap(p.y), text]]);
}

// New nodes (added or pasted) are selected once they are drawn.
function editedNodes(ids) {
  editing.selectAfter = ids && ids.length ? ids : null;
}

// The names an edit made fresh ([base, name]): a function or macro added by its button
// gets its tab shown.
function namesMade(names) {
  const base = editing.showBase;
  editing.showBase = null;
  const made = (names || []).find(([b]) => b === base);
  if (!base || !made) return;
  if (model.graphs.some((g) => g.name === made[1])) show(made[1]);
  else editing.showAfter = made[1];
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
        // Left as it is, the name is made fresh by the server (`New Function 2`…).
        input.value = macro ? "New Macro" : "New Function";
        input.dataset.base = input.value;
        input.focus();
        input.select();
        return;
      }
      case "comment-box": edit([["comment-box", "Comment", ...ids]]); break;
      case "copy": copySelection(); break;
      case "copy-unreal": copySelection("unreal"); break;
      case "duplicate": copySelection("duplicate"); break;
      case "delete": edit(ids.map((id) => ["remove-node", id])); break;
    }
    closeMenu();
  });
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") closeMenu();
    if (e.key !== "Enter" || !input.value.trim()) return;
    const name = input.value.trim();
    edit([[input.dataset.kind, name === input.dataset.base ? { body: name } : name, ...editing.selected]]);
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
    else if (e.key === "Enter") edit([["set-comment-box", group.dataset.comment, field.value]]);
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
  if (op === "remove") { edit([["remove-variable", name]]); return; }
  if (op === "type") {
    openPicker(cell.getBoundingClientRect(), typeOptions(), (ty) => edit([["set-type", name, ty]]));
    return;
  }
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
    edit([[{ rename: "rename-variable", type: "set-type", default: "set-default" }[op], name, v]]);
  });
  document.body.appendChild(field);
  field.focus();
  field.select();
}

// The types a variable may have, as a file writes them: the basic ones and every class,
// then arrays and maps of each.
function typeOptions() {
  const base = ["Bool", "Int", "Float", "String", "Json"].concat((editing.classes || []).map((c) => `Object("${c.name}")`));
  return base.concat(base.map((t) => `Array(${t})`), base.map((t) => `Map(${t})`));
}

// The menu of a data pin (right-click on it): Promote to Variable, Break Links.
function openPinMenu(px, py, pin) {
  const menu = $("#pin-menu");
  editing.menuPin = pin;
  menu.style.left = Math.min(px, innerWidth - 240) + "px";
  menu.style.top = Math.min(py, innerHeight - 120) + "px";
  menu.hidden = false;
}

function setupPinMenu() {
  const menu = $("#pin-menu");
  menu.addEventListener("mousedown", (e) => {
    e.stopPropagation();
    const item = e.target.closest("[data-menu]");
    const pin = editing.menuPin;
    if (!item || !pin) return;
    e.preventDefault();
    menu.hidden = true;
    if (item.dataset.menu === "promote") {
      const [x, y] = pin.at;
      edit(promoteOps(pin, { x: pin.output ? x + 60 : x - 260, y: y + 40 }));
    } else if (item.dataset.menu === "break") edit([["disconnect", pin.node + "." + pin.pin]]);
  });
  window.addEventListener("mousedown", (e) => { if (!e.target.closest("#pin-menu")) menu.hidden = true; });
}

function setupDeclared() {
  $("#add-variable").addEventListener("click", () => edit([["add-variable", { variable: "NewVar" }, "Bool"]]));
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
    edit([["add-node", fresh(type), type, snap(p.x), snap(p.y), "var=" + g.name]]);
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
      // The server names it (`New Function`, or `New Function 2`…); its tab is shown
      // once the answer says which name it made (namesMade).
      editing.showBase = base;
      send({ action: "edit", graph: null, ops: [[op, { body: base }]] });
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
setupFind();
setupDoubleClicks();
setupPinMenu();

// ---- Straighten (Q) -----------------------------------------------------------------

// Moves the selected nodes so that the wires between them run level: each wire's target
// node, left to right, goes up or down to its source pin's height (a node reached twice
// keeps its first place).
function straighten() {
  const at = (node, pin, dir) => {
    const el = nodeEl(node) && [...nodeEl(node).querySelectorAll(".pin")].find((p) => p.dataset.pin === pin && p.dataset.dir === dir);
    return el ? el.dataset.at.split(",").map(Number) : null;
  };
  const boxOfNode = (id) => { const r = nodeEl(id).querySelector("rect"); return [+r.getAttribute("x"), +r.getAttribute("y")]; };
  const wires = [...$("#stage").querySelectorAll("path.wire.exec, path.wire.data")]
    .map((w) => { const f = w.dataset.from, t = w.dataset.to; const i = f.indexOf("."), j = t.indexOf("."); return [f.slice(0, i), f.slice(i + 1), t.slice(0, j), t.slice(j + 1)]; })
    .filter(([a, , b]) => a !== b && editing.selected.has(a) && editing.selected.has(b))
    .sort((x, y) => boxOfNode(x[0])[0] - boxOfNode(y[0])[0]);
  const dy = new Map();
  for (const [a, pa, b, pb] of wires) {
    if (dy.has(b)) continue;
    const from = at(a, pa, "out"), to = at(b, pb, "in");
    if (!from || !to) continue;
    dy.set(b, from[1] + (dy.get(a) || 0) - to[1]);
  }
  const ops = [];
  for (const [id, d] of dy) {
    if (!d) continue;
    const [x, y] = boxOfNode(id);
    ops.push(["move", id, Math.round(x), Math.round(y + d)]);
  }
  return ops;
}

// ---- Find (Ctrl-F) ------------------------------------------------------------------

// The nodes of every graph of the file whose id, type, comment or literals hold every
// word typed: marked `found` where drawn; Enter goes to the next (its tab, centred).
function findMatches(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const found = [];
  for (const g of model.graphs) {
    for (const key of g.keys) {
      if (!key.startsWith("node:")) continue;
      const markup = g.markup.get(key) || "";
      const values = [...markup.matchAll(/data-value="([^"]*)"/g)].map((m) => m[1]).join(" ");
      const text = (markup.replace(/<[^>]*>/g, " ") + " " + values).toLowerCase();
      if (words.every((w) => text.includes(w))) found.push([g.name, key.slice(5)]);
    }
  }
  return found;
}

function markFound() {
  const matches = editing.found || [];
  for (const el of $("#stage").querySelectorAll("g.node")) {
    el.classList.toggle("found", matches.some(([g, id]) => g === model.current && id === el.dataset.node));
  }
  $("#find .count").textContent = $("#find input").value ? `${matches.length} found` : "";
}

function setupFind() {
  const input = $("#find input");
  input.addEventListener("input", () => {
    editing.found = findMatches(input.value);
    editing.foundAt = -1;
    markFound();
  });
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") { input.value = ""; editing.found = []; markFound(); input.blur(); }
    if (e.key !== "Enter" || !(editing.found || []).length) return;
    e.preventDefault();
    editing.foundAt = (editing.foundAt + 1) % editing.found.length;
    const [graph, id] = editing.found[editing.foundAt];
    if (graph !== model.current) show(graph);
    markFound();
    const el = nodeEl(id);
    if (el) { centreOn(el); select(id, false); }
  });
}

// A reroute knot on `wire` at `at` (graph units): the wire goes into the knot and on out
// of it to where it went.
function addKnot(wire, at) {
  edit([["reroute", "auto", wire.dataset.from, wire.dataset.to, snap(at.x - 10), snap(at.y - 10)]]);
}

// ---- Double-clicks: a title renames, a function or macro opens, a comment is edited ---

function setupDoubleClicks() {
  $("#viewport").addEventListener("dblclick", (e) => {
    const wire = e.target.closest("path.wire.exec, path.wire.data");
    if (wire) { addKnot(wire, toGraph(e.clientX, e.clientY)); return; }
    const node = e.target.closest("g.node");
    if (node) {
      if (e.target.closest("[data-title], rect.title")) { openRename(node.dataset.node); return; }
      const type = typeOf(node.dataset.node);
      if (model.graphs.some((g) => g.name === type)) show(type);
      return;
    }
    const comment = e.target.closest("g.comment");
    if (comment) openCommentField(comment);
  });
}
