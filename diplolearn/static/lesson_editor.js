// Comfort on top of the paragraph editor (templates/authoring/paragraphs.html), which works
// without JavaScript: every button there posts the form and the server re-renders it.
// Here: moving, adding and removing paragraphs in place (the fields are renumbered so the form
// posts exactly what the server expects), focus kept on the moved paragraph, a small Markdown
// toolbar beside the text area being edited, and Ctrl/Cmd+B and +I.
(function () {
  "use strict";
  var form = document.getElementById("lesson-editor");
  var list = form && form.querySelector(".editor-paragraphs");
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  document.body.appendChild(live);

  function say(text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  function label(name) { return (form && form.getAttribute("data-" + name)) || ""; }

  // --- the Markdown toolbar (also on the whole-text form) ------------------------------------
  var MARKS = {
    bold: {before: "**", after: "**", sample: "text"},
    italic: {before: "*", after: "*", sample: "text"},
    link: {before: "[", after: "](https://)", sample: "text"},
    ref: {before: "[", after: "](ref:)", sample: "source"},
    glossary: {before: "[", after: "](glossary:)", sample: "term"},
    heading: {line: "### "},
    list: {line: "- "}
  };

  function wrap(area, mark) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var chosen = value.slice(start, end);
    if (mark.line) {
      var lineStart = value.lastIndexOf("\n", start - 1) + 1;
      var block = value.slice(lineStart, end).split("\n").map(function (line) {
        return line.indexOf(mark.line) === 0 ? line : mark.line + line;
      }).join("\n");
      area.setRangeText(block, lineStart, end, "end");
    } else {
      var inner = chosen || mark.sample;
      area.setRangeText(mark.before + inner + mark.after, start, end, "select");
      area.setSelectionRange(start + mark.before.length, start + mark.before.length + inner.length);
    }
    area.focus();
    area.dispatchEvent(new Event("input", {bubbles: true}));
  }

  var template = document.getElementById("editor-toolbar-template");
  var toolbar = template ? template.content.firstElementChild.cloneNode(true) : null;
  var target = null;
  if (toolbar) {
    toolbar.addEventListener("mousedown", function (event) { event.preventDefault(); });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-mark]");
      if (button && target) { wrap(target, MARKS[button.getAttribute("data-mark")]); }
    });
    // One tab stop for the toolbar; the arrow keys move between its buttons.
    toolbar.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
      var at = buttons.indexOf(document.activeElement);
      var rtl = getComputedStyle(toolbar).direction === "rtl";
      var step = {ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, Home: -at, End: buttons.length - 1 - at}[event.key];
      if (at < 0 || step === undefined) { return; }
      event.preventDefault();
      var next = buttons[(at + step + buttons.length) % buttons.length];
      buttons.forEach(function (b) { b.tabIndex = -1; });
      next.tabIndex = 0;
      next.focus();
    });
  }
  document.addEventListener("focusin", function (event) {
    var area = event.target;
    if (!toolbar || !area.matches("textarea.markdown")) { return; }
    target = area;
    if (toolbar.nextElementSibling !== area) {
      area.parentNode.insertBefore(toolbar, area);
      toolbar.setAttribute("aria-controls", area.id);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || !event.target.matches("textarea.markdown")) { return; }
    var key = event.key.toLowerCase();
    if (key === "b" || key === "i") {
      event.preventDefault();
      wrap(event.target, MARKS[key === "b" ? "bold" : "italic"]);
    }
  });

  // Leaving the page (a tab, a link) with unsaved changes asks first; the form's own buttons
  // post everything, so they never ask.
  var editor = document.querySelector("form.lesson-editor");
  // A page the server sent back from a post (a move without JavaScript, a refused save) holds
  // unsaved text already.
  var dirty = Boolean(editor && editor.hasAttribute("data-unsaved")), submitting = false;
  if (editor) {
    editor.addEventListener("input", function () { dirty = true; });
    editor.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  // Live preview: a pause in typing asks the server for the preview (the same "Preview" post
  // the button makes, which saves nothing) and puts its rendering in place.
  var preview = document.querySelector(".editor-preview");
  var timer = null, asked = 0;
  function refresh() {
    var body = new FormData(form);
    body.set("action", "preview");
    var number = ++asked;
    fetch(form.getAttribute("action") || window.location.href, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html || number !== asked) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".editor-preview");
        if (fresh) { preview.innerHTML = fresh.innerHTML; }
      })
      .catch(function () {});
  }
  if (form && preview) {
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 900);
    });
  }

  if (!list) { return; }

  // --- paragraphs moved, added and removed in place -------------------------------------------
  function items() { return Array.prototype.slice.call(list.children); }

  // After any change: number the fields 0..n-1 in order, the headings and buttons 1..n.
  function renumber() {
    var all = items();
    all.forEach(function (item, index) {
      var number = index + 1;
      item.id = "paragraph-" + number;
      item.querySelectorAll("[name^='paragraphs-']").forEach(function (field) {
        var name = field.name.replace(/^paragraphs-\d+-/, "paragraphs-" + index + "-");
        field.name = name;
        field.id = name;
      });
      item.querySelectorAll("label[for^='paragraphs-']").forEach(function (l) {
        l.htmlFor = l.htmlFor.replace(/^paragraphs-\d+-/, "paragraphs-" + index + "-");
      });
      var heading = item.querySelector(".editor-paragraph-heading");
      heading.id = "paragraph-" + number + "-heading";
      item.querySelectorAll("[aria-labelledby]").forEach(function (el) { el.setAttribute("aria-labelledby", heading.id); });
      item.querySelectorAll(".paragraph-number").forEach(function (el) { el.textContent = String(number); });
      item.querySelectorAll("button[name=action]").forEach(function (button) {
        button.value = button.value.replace(/-\d+$/, "-" + number);
      });
      var up = item.querySelector("[data-move=up]"), down = item.querySelector("[data-move=down]");
      if (up) { up.hidden = index === 0; }
      if (down) { down.hidden = index === all.length - 1; }
    });
    var last = form.querySelector("button[value^='add-'][data-add-end]");
    if (last) { last.value = "add-" + all.length; }
    var empty = form.querySelector(".editor-empty");
    if (empty) { empty.hidden = all.length > 0; }
  }

  // Every paragraph gets both move buttons (the server leaves out the ones at the ends): hidden
  // ones are shown again when the paragraph moves.
  function ensureMoves(item) {
    var actions = item.querySelector(".editor-paragraph-actions");
    ["down", "up"].forEach(function (way) {
      if (!item.querySelector("[data-move=" + way + "]")) {
        var model = form.querySelector("[data-move=" + way + "]");
        if (!model) { return; }
        var copy = model.cloneNode(true);
        copy.removeAttribute("autofocus");
        actions.insertBefore(copy, actions.firstChild);
      }
    });
    var up = item.querySelector("[data-move=up]"), down = item.querySelector("[data-move=down]");
    if (up && down && up.compareDocumentPosition(down) & Node.DOCUMENT_POSITION_PRECEDING) {
      actions.insertBefore(up, down);
    }
  }

  function blank(model) {
    var item = model.cloneNode(true);
    item.removeAttribute("data-anchor");
    item.querySelectorAll("[autofocus]").forEach(function (el) { el.removeAttribute("autofocus"); });
    item.querySelectorAll("textarea").forEach(function (area) { area.value = ""; area.textContent = ""; });
    item.querySelectorAll("input[name$='-anchor']").forEach(function (input) { input.value = ""; input.setAttribute("value", ""); });
    item.querySelectorAll(".editor-fixed").forEach(function (note) { note.remove(); });
    var tech = item.querySelector(".technical p");
    if (tech) { tech.textContent = label("new-anchor"); }
    if (!item.querySelector("[data-remove]")) {
      var remove = form.querySelector("[data-remove]");
      if (remove) { item.querySelector(".editor-paragraph-actions").appendChild(remove.cloneNode(true)); }
    }
    var bar = item.querySelector(".editor-toolbar");
    if (bar) { bar.remove(); }
    return item;
  }

  items().forEach(ensureMoves);
  renumber();

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button) { return; }
    if (/^(up|down|remove|add)-/.test(button.value)) { dirty = true; }
    var item = button.closest(".editor-paragraph");
    var verb = button.value.split("-")[0];
    if (verb === "up" || verb === "down") {
      event.preventDefault();
      var other = verb === "up" ? item.previousElementSibling : item.nextElementSibling;
      if (!other) { return; }
      list.insertBefore(item, verb === "up" ? other : other.nextElementSibling);
      renumber();
      if (preview) { refresh(); }
      var again = item.querySelector("[data-move=" + verb + "]");
      (again && !again.hidden ? again : item.querySelector("[data-move=" + (verb === "up" ? "down" : "up") + "]")).focus();
      say(label("moved").replace("%d", items().indexOf(item) + 1));
    } else if (verb === "remove" && item) {
      event.preventDefault();
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber();
      if (preview) { refresh(); }
      if (next) { next.querySelector("textarea").focus(); } else { form.querySelector("button[value^='add-']").focus(); }
      say(label("removed"));
    } else if (verb === "add" && list.firstElementChild) {
      event.preventDefault();
      var fresh = blank(list.firstElementChild);
      if (button.hasAttribute("data-add-end")) { list.appendChild(fresh); }
      else if (item) { list.insertBefore(fresh, item.nextElementSibling); }
      else { list.insertBefore(fresh, list.firstElementChild); }
      ensureMoves(fresh);
      renumber();
      fresh.querySelector("textarea").focus();
      say(label("added").replace("%d", items().indexOf(fresh) + 1));
    }
  });
})();
