/* A live word count under the assignment text area. Only an enhancement: the server counts
   the words again when the draft is saved (services/assignments.py count_words, the same rule:
   runs of letters and digits joined by apostrophes or hyphens, combining marks ignored). */
(function () {
  "use strict";
  var counter = document.querySelector("[data-word-count]");
  var area = document.querySelector(".answer-text textarea");
  var shown = counter && counter.querySelector("[data-count]");
  if (!shown || !area || !String.prototype.normalize) { return; }
  var max = parseInt(counter.getAttribute("data-max"), 10);
  var word = /[\p{L}\p{N}]+(?:['\u2019-][\p{L}\p{N}]+)*/gu;
  function count(text) {
    var cleaned = text.normalize("NFC").replace(/[\p{Mn}\u0640]/gu, "")
      .replace(/\]\([^)]*\)/g, "]").replace(/<[^>]*>/g, " ");
    return (cleaned.match(word) || []).length;
  }
  function update() {
    var n = count(area.value);
    shown.textContent = String(n);
    counter.classList.toggle("over-limit", !isNaN(max) && n > max);
  }
  area.addEventListener("input", update);
  update();
}());
