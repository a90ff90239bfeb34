// The volunteers' page, enhanced: the lint as you type, the preview, and the
// phrasebook's "Add" buttons inserting at the cursor. Without this file every
// feature still works through the form's buttons. No inline scripts (the page's
// Content-Security-Policy forbids them); everything is drawn with text nodes,
// and every word shown comes translated from the page's data attributes.
"use strict";

(function () {
  const form = document.getElementById("letter");
  if (!form) return;
  const text = document.getElementById("text");
  const count = document.getElementById("count");
  const findings = document.getElementById("findings");
  const preview = document.getElementById("preview");
  const note = document.getElementById("preview-note");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const person = form.dataset.person;
  const say = findings.dataset; // the page's words, translated by the server (gettext)
  let timer = null;
  let asked = 0;

  function lang() {
    const chosen = form.querySelector('input[name="lang"]:checked');
    return chosen ? chosen.value : "be";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function draw(result) {
    count.textContent = say.count.replace("{count}", result.characters).replace("{limit}", result.limit);
    findings.replaceChildren();
    if (!text.value.trim()) return;
    if (!result.findings.length) {
      findings.append(element("p", "ok", say.ok));
      return;
    }
    const n = result.findings.length;
    const head = element("p", "problem", n === 1 ? say.one : say.many.replace("{n}", n));
    head.setAttribute("role", "alert");
    const marked = element("div", "marked");
    marked.lang = lang();
    for (const line of result.pieces) {
      const p = element("p");
      for (const piece of line) {
        if (piece.mark === null) p.append(document.createTextNode(piece.text));
        else {
          const mark = element("mark", "", piece.text);
          mark.dataset.finding = piece.mark;
          p.append(mark);
        }
      }
      p.append(document.createTextNode("\u200b"));
      marked.append(p);
    }
    const why = element("ol", "why");
    for (const f of result.findings) {
      const li = element("li", f.severity);
      if (f.text) li.append(element("strong", "", "«" + f.text + "»"), document.createTextNode(": "));
      li.append(document.createTextNode(f.why + " "));
      if (f.hint) li.append(element("em", "", say.instead + " " + f.hint));
      why.append(li);
    }
    findings.append(head, marked, why);
  }

  function check() {
    const mine = ++asked;
    post(form.dataset.check, { person: person, text: text.value, lang: lang() })
      .then((r) => r.json())
      .then((result) => {
        if (mine !== asked) return;
        if (result.findings) draw(result);
        else if (result.error) findings.replaceChildren(element("p", "problem", result.error));
      })
      .catch(() => {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  function showPreview(event) {
    event.preventDefault();
    check();
    note.textContent = say.drawing;
    post(form.dataset.preview, { person: person, text: text.value, lang: lang() })
      .then((r) => (r.ok ? r.blob() : r.json().then((e) => Promise.reject(e.error))))
      .then((blob) => {
        if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
        preview.src = URL.createObjectURL(blob);
        preview.hidden = false;
        note.textContent = say.drawn;
      })
      .catch((why) => { note.textContent = typeof why === "string" ? why : say.nopreview; });
  }

  function insert(event) {
    event.preventDefault();
    const sentence = event.currentTarget.dataset[lang()];
    const start = text.selectionStart, end = text.selectionEnd;
    const before = text.value.slice(0, start), after = text.value.slice(end);
    const space = before && !/\s$/.test(before) ? " " : "";
    text.value = before + space + sentence + (after && !/^\s/.test(after) ? " " : "") + after;
    const at = (before + space + sentence).length;
    text.focus();
    text.setSelectionRange(at, at);
    later();
  }

  function switchLanguage() {
    for (const node of form.querySelectorAll(".sentence")) {
      node.textContent = node.dataset[lang()];
      node.lang = lang();
    }
    text.lang = lang();
    const frame = document.getElementById("frame");
    if (frame && frame.dataset[lang()]) frame.textContent = frame.dataset[lang()];
    later();
  }

  text.addEventListener("input", later);
  for (const button of form.querySelectorAll('button[value="check"]')) button.addEventListener("click", showPreview);
  for (const button of form.querySelectorAll("button.phrase")) button.addEventListener("click", insert);
  for (const radio of form.querySelectorAll('input[name="lang"]')) radio.addEventListener("change", switchLanguage);
  if (text.value.trim()) check();
})();
