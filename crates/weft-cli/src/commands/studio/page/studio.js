// weft studio's page: draws what GET /api/state says and sends the
// buttons, keys and breakpoint clicks to the JSON API. No framework and no
// build step: the server embeds this file as it is.
"use strict";

const LINE_HEIGHT = 20;        // px, as --line-height in studio.css
const STACK_SHOWN = 64;        // values drawn before "N more below"
const FRAMES_HEAD = 8;         // innermost frames always drawn
const FRAMES_TAIL = 3;         // outermost frames always drawn
const FRAMES_PAGE = 100;       // frames added by "show more"
const LOCALS_SHOWN = 200;
const MEMORY_PAGE = 256;       // bytes per memory page

let lines = [];                // the module's text: {text, offset}
let lineOf = new Map();        // instruction offset -> line index
let state = null;
let breakpoints = new Set();
let busy = false;
let framesShown = FRAMES_HEAD;
let memoryStart = 0;
let followWrites = true;       // the memory view jumps to each new write
let lastWriteSeen = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "onclick") e.addEventListener("click", v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// "i64:120" -> <span class=type>i64</span>:120 (textContent unchanged).
function value(text) {
  const i = text.indexOf(":");
  if (i < 0) return document.createTextNode(text);
  const span = el("span", {}, el("span", { class: "type" }, text.slice(0, i)), text.slice(i));
  return span;
}

const hex = (n, width) => n.toString(16).padStart(width, "0");

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

async function act(path, body) {
  if (busy) return;
  busy = true;
  setButtons();
  try {
    render(await api(path, body === undefined ? null : body));
  } catch (e) {
    $("status").textContent = "error: " + e.message;
  } finally {
    busy = false;
    setButtons();
  }
}

function setButtons() {
  const done = !state || state.done;
  for (const id of ["step", "step-over", "step-out", "run"]) $(id).disabled = busy || done;
  $("reset").disabled = busy;
}

// ---- the code, drawn a screenful at a time ----

function drawCode() {
  const code = $("code");
  const first = Math.max(0, Math.floor(code.scrollTop / LINE_HEIGHT) - 10);
  const last = Math.min(lines.length, first + Math.ceil(code.clientHeight / LINE_HEIGHT) + 20);
  const current = state && state.offset !== null ? lineOf.get(state.offset) : undefined;
  const ended = state && state.ended_at !== null ? lineOf.get(state.ended_at) : undefined;
  const box = $("code-lines");
  box.style.top = first * LINE_HEIGHT + "px";
  box.replaceChildren();
  for (let i = first; i < last; i++) {
    const line = lines[i];
    const classes = ["line"];
    if (line.offset === null) classes.push("decl");
    if (line.offset !== null && breakpoints.has(line.offset)) classes.push("bp");
    if (i === current) classes.push("current");
    if (i === ended) classes.push(state.trap ? "trapped" : "exited");
    const gutter = line.offset === null ? "" : hex(line.offset, 4);
    const row = el("div", { class: classes.join(" "), "data-line": i },
      el("span", { class: "gutter" }, gutter), el("span", { class: "text" }, line.text));
    if (line.offset !== null) {
      row.setAttribute("data-offset", line.offset);
      row.title = "byte offset 0x" + hex(line.offset, 4) + " — click to toggle a breakpoint";
    }
    box.append(row);
  }
}

function showLine(index, force) {
  if (index === undefined) return;
  const code = $("code");
  const top = index * LINE_HEIGHT;
  if (force || top < code.scrollTop || top + LINE_HEIGHT > code.scrollTop + code.clientHeight) {
    code.scrollTop = Math.max(0, top - code.clientHeight / 3);
  }
}

function toggleBreakpoint(offset) {
  const next = new Set(breakpoints);
  if (next.has(offset)) next.delete(offset); else next.add(offset);
  act("/api/breakpoints", [...next].sort((a, b) => a - b));
}

// ---- the machine ----

function drawStack() {
  const list = $("stack");
  list.replaceChildren();
  const stack = state.stack;
  if (stack.length === 0) {
    list.append(el("li", { class: "empty" }, "(empty)"));
    return;
  }
  let drawn = 0;
  for (let i = stack.length - 1; i >= 0 && drawn < STACK_SHOWN; i--, drawn++) {
    if (i === state.stack_base - 1 && i < stack.length - 1) {
      list.append(el("li", { class: "divider" }, "below: the callers' operands"));
    } else if (i === state.stack_base - 1) {
      list.append(el("li", { class: "divider" }, "this frame has no operands; below: the callers'"));
    }
    const caller = i < state.stack_base;
    list.append(el("li", { class: "value" + (caller ? " caller" : ""), "data-index": i },
      value(stack[i]), el("span", { class: "index" }, i === stack.length - 1 ? "top" : "#" + i)));
  }
  if (stack.length > drawn) list.append(el("li", { class: "more" }, `… ${stack.length - drawn} more below`));
}

function drawLocals() {
  const body = $("locals").tBodies[0];
  body.replaceChildren();
  $("locals-of").textContent = state.function ? "of " + state.function : "";
  if (state.locals.length === 0) body.append(el("tr", {}, el("td", { class: "empty", colspan: 2 }, "(none)")));
  for (const l of state.locals.slice(0, LOCALS_SHOWN)) body.append(el("tr", {}, el("td", {}, l.name), el("td", {}, value(l.value))));
  if (state.locals.length > LOCALS_SHOWN) {
    body.append(el("tr", {}, el("td", { class: "empty", colspan: 2 }, `… ${state.locals.length - LOCALS_SHOWN} more`)));
  }
}

function drawLabels() {
  const list = $("labels");
  list.replaceChildren();
  if (state.labels.length === 0) list.append(el("li", { class: "empty" }, "(none: br 0 would return from the function)"));
  state.labels.forEach((l, depth) => {
    const to = l.target === null ? "the function's end" : "0x" + hex(l.target, 4);
    const carries = l.arity === 1 ? "1 value" : l.arity + " values";
    list.append(el("li", {}, `br ${depth} → ${l.kind}`, el("span", { class: "where" }, ` carries ${carries}, goes to ${to}`)));
  });
}

function drawFrames() {
  const list = $("frames");
  list.replaceChildren();
  const frames = state.frames;
  if (frames.length === 0) list.append(el("li", { class: "empty" }, "(no frames: the call has ended)"));
  const item = (f, i) => {
    const where = f.offset === null ? "" : ` @${hex(f.offset, 4)}  ${f.instruction}`;
    const li = el("li", { "data-depth": i }, f.function + "(" + f.locals.slice(0, f.params).join(", ") + ")",
      el("span", { class: "where" }, where));
    li.addEventListener("click", () => showLine(lineOf.get(f.offset), true) || drawCode());
    return li;
  };
  // A deep stack folds: the innermost frames, a button for more, the outermost.
  const head = Math.min(frames.length, framesShown);
  const tailStart = Math.max(head, frames.length - FRAMES_TAIL);
  for (let i = 0; i < head; i++) list.append(item(frames[i], i));
  if (tailStart > head) {
    const more = Math.min(FRAMES_PAGE, tailStart - head);
    list.append(el("li", { class: "more" }, `… ${tailStart - head} frames folded `,
      el("button", { onclick: () => { framesShown += FRAMES_PAGE; drawFrames(); } }, `show ${more} more`)));
  }
  for (let i = tailStart; i < frames.length; i++) list.append(item(frames[i], i));
}

function drawGlobals() {
  const body = $("globals").tBodies[0];
  body.replaceChildren();
  if (state.globals.length === 0) body.append(el("tr", {}, el("td", { class: "empty", colspan: 2 }, "(none)")));
  for (const g of state.globals) {
    const name = `global ${g.index}` + (g.name ? ` "${g.name}"` : "") + ` (${g.type})`;
    body.append(el("tr", {}, el("td", {}, name), el("td", {}, value(g.value))));
  }
}

// ---- memory: one page of 256 bytes at a time ----

async function drawMemory() {
  const pre = $("memory");
  const memory = state.memory;
  document.querySelector(".memory-nav").hidden = !memory;
  if (!memory) {
    $("memory-size").textContent = "";
    pre.textContent = "(this module has no memory)";
    return;
  }
  $("memory-size").textContent = `${memory.pages} page${memory.pages === 1 ? "" : "s"} = ${memory.bytes.toLocaleString("en")} bytes`;
  const w = memory.last_write;
  const key = w ? w.offset + ":" + w.len + ":" + state.steps : null;
  if (w && followWrites && key !== lastWriteSeen) memoryStart = Math.floor(w.offset / 16) * 16 - 64;
  lastWriteSeen = key;
  memoryStart = Math.max(0, Math.min(memoryStart, Math.max(0, memory.bytes - MEMORY_PAGE)));
  memoryStart -= memoryStart % 16;
  const page = await api(`/api/memory?offset=${memoryStart}&len=${MEMORY_PAGE}`);
  $("mem-addr").value = "0x" + hex(page.offset, 8);
  pre.replaceChildren();
  for (let row = 0; row < page.bytes.length; row += 16) {
    const addr = page.offset + row;
    const line = el("div", {}, el("span", { class: "addr" }, hex(addr, 8) + "  "));
    let ascii = "";
    for (let i = 0; i < 16 && row + i < page.bytes.length; i++) {
      const b = page.bytes[row + i];
      const a = addr + i;
      const written = w && a >= w.offset && a < w.offset + w.len;
      line.append(el("span", { class: written ? "w" : b === 0 ? "zero" : "" }, hex(b, 2)), i === 7 ? "  " : " ");
      ascii += b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
    }
    line.append(el("span", { class: "ascii" }, " " + ascii));
    pre.append(line);
  }
}

function moveMemory(delta) {
  followWrites = false;
  memoryStart += delta;
  if (state) drawMemory();
}

// ---- everything ----

function statusText() {
  if (state.trap) return "trap: " + state.trap;
  if (state.exit_code !== null) return `exited with status ${state.exit_code} (proc_exit)`;
  if (state.done) return "returned [" + state.results.join(", ") + "]";
  const why = { start: "ready", step: "paused", breakpoint: "at a breakpoint", paused: "paused (still running: press Run)" }[state.reason] || state.reason;
  return `${why} · ${state.steps} instruction${state.steps === 1 ? "" : "s"} run · ${state.function} @${hex(state.offset, 4)}`;
}

function render(next) {
  state = next;
  breakpoints = new Set(state.breakpoints);
  $("status").textContent = statusText().split("\n")[0];
  if (state.rule) {
    $("rule-typing").textContent = state.rule.typing;
    $("rule-explain").textContent = state.rule.explain;
  } else {
    $("rule-typing").textContent = state.done ? "(the call has ended)" : "";
    $("rule-explain").textContent = "";
  }
  drawStack();
  drawLocals();
  drawLabels();
  drawFrames();
  drawGlobals();
  $("stdout").textContent = state.stdout;
  $("stderr").textContent = state.stderr;
  const results = $("results");
  results.className = state.trap ? "bad" : state.done ? "ok" : "";
  results.textContent = state.trap ? "trap: " + state.trap
    : state.exit_code !== null ? `exit ${state.exit_code}`
    : state.done ? "result: " + (state.results.length ? state.results.join(", ") : "(none)") : "";
  if (state.offset !== null) showLine(lineOf.get(state.offset));
  else if (state.ended_at !== null) showLine(lineOf.get(state.ended_at));
  drawCode();
  setButtons();
  drawMemory().catch((e) => { $("memory").textContent = "error: " + e.message; })
    .finally(() => { document.body.dataset.version = String(Number(document.body.dataset.version) + 1); });
}

function keys(e) {
  if (e.target.tagName === "INPUT" || e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key;
  const actions = {
    s: () => act("/api/step"),
    n: () => act("/api/step_over"), o: () => act("/api/step_out"), r: () => act("/api/run"),
    R: () => act("/api/reset"),
    b: () => { if (state && state.offset !== null) toggleBreakpoint(state.offset); },
    ".": () => { if (state) { showLine(lineOf.get(state.offset), true); drawCode(); } },
  };
  const f = actions[k];
  if (f) { e.preventDefault(); f(); }
}

async function start() {
  $("step").addEventListener("click", () => act("/api/step"));
  $("step-over").addEventListener("click", () => act("/api/step_over"));
  $("step-out").addEventListener("click", () => act("/api/step_out"));
  $("run").addEventListener("click", () => act("/api/run"));
  $("reset").addEventListener("click", () => { followWrites = true; framesShown = FRAMES_HEAD; act("/api/reset"); });
  $("mem-prev").addEventListener("click", () => moveMemory(-MEMORY_PAGE));
  $("mem-next").addEventListener("click", () => moveMemory(MEMORY_PAGE));
  $("mem-last").addEventListener("click", () => {
    followWrites = true; lastWriteSeen = null; if (state) drawMemory();
  });
  $("mem-addr").addEventListener("change", (e) => {
    const n = Number(e.target.value.trim());
    if (Number.isFinite(n)) { followWrites = false; memoryStart = n; drawMemory(); }
  });
  $("code").addEventListener("scroll", drawCode);
  $("code").addEventListener("click", (e) => {
    const row = e.target.closest(".line");
    if (row && row.dataset.offset !== undefined) toggleBreakpoint(Number(row.dataset.offset));
  });
  window.addEventListener("resize", drawCode);
  document.addEventListener("keydown", keys);

  const module = await api("/api/module");
  $("file").textContent = module.file;
  document.title = "weft studio — " + module.file;
  lines = module.lines;
  lineOf = new Map();
  lines.forEach((l, i) => { if (l.offset !== null) lineOf.set(l.offset, i); });
  $("code-spacer").style.height = lines.length * LINE_HEIGHT + "px";
  render(await api("/api/state"));
}

start().catch((e) => { $("status").textContent = "error: " + e.message; });
