/* Discussion on the text: open a paragraph's threads and form in place, under the paragraph,
   instead of going to the paragraph's page. Only an enhancement: the link leads to that page,
   whose forms post as usual; without this script everything works the same, a page away. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-discuss]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var holder = link.parentNode;
    var open = holder.nextElementSibling;
    event.preventDefault();
    if (open && open.classList.contains("discussion-inline")) {
      open.parentNode.removeChild(open);
      link.setAttribute("aria-expanded", "false");
      return;
    }
    window.fetch(link.href, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var section = page.getElementById("discussion");
      if (!section) { window.location.href = link.href; return; }
      var box = document.createElement("div");
      box.className = "discussion-inline";
      section.removeAttribute("id");
      var quote = section.querySelector("blockquote.paragraph");
      if (quote) { quote.parentNode.removeChild(quote); }
      box.appendChild(document.importNode(section, true));
      holder.parentNode.insertBefore(box, holder.nextSibling);
      link.setAttribute("aria-expanded", "true");
      // Headings move one level down, under the lesson's own (one h1 per page).
      Array.prototype.forEach.call(box.querySelectorAll("h2"), function (h) {
        var lower = document.createElement("h3");
        lower.textContent = h.textContent;
        if (h.id) { lower.id = h.id; }
        h.parentNode.replaceChild(lower, h);
      });
      var title = box.querySelector("h1");
      if (title) {
        var heading = document.createElement("h2");
        heading.textContent = title.textContent;
        heading.setAttribute("tabindex", "-1");
        title.parentNode.replaceChild(heading, title);
        heading.focus();
      }
    }).catch(function () { window.location.href = link.href; });
  });
}());
