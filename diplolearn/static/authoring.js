// Drag and drop on top of the move up / move down buttons of the authoring outline
// (templates/authoring/course.html). Without JavaScript the buttons do the same job.
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrf_token]");
  if (!token) { return; }
  var dragged = null;
  document.querySelectorAll("[data-sortable] > li[data-move]").forEach(function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.stopPropagation();
    });
    item.addEventListener("dragover", function (event) {
      if (dragged && dragged !== item && dragged.parentElement === item.parentElement) {
        event.preventDefault();
        event.stopPropagation();
      }
    });
    item.addEventListener("drop", function (event) {
      if (!dragged || dragged.parentElement !== item.parentElement) { return; }
      event.preventDefault();
      event.stopPropagation();
      var siblings = Array.prototype.slice.call(item.parentElement.children);
      var to = siblings.indexOf(item) + 1;
      var body = new URLSearchParams();
      body.append("csrf_token", token.value);
      body.append("to", String(to));
      fetch(dragged.getAttribute("data-move"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"Content-Type": "application/x-www-form-urlencoded"}
      }).then(function () { window.location.reload(); });
      dragged = null;
    });
  });
})();
