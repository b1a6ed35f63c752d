/* The time left of a quiz attempt, counted down each second beside the deadline given as text.
   Only an enhancement: without JavaScript the paragraph stays hidden, and whatever this shows,
   the server decides what counts (answers saved after the deadline do not). */
(function () {
  "use strict";
  var clock = document.querySelector("[data-countdown]");
  if (!clock) { return; }
  var deadline = Date.parse(clock.getAttribute("data-deadline"));
  if (isNaN(deadline)) { return; }
  var alert = document.querySelector("[data-countdown-alert]");
  var warned = false;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var text = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    try {  /* digits as the page's language writes them */
      var digits = new Intl.NumberFormat(document.documentElement.lang || undefined);
      text = text.replace(/\d/g, function (d) { return digits.format(Number(d)); });
    } catch (e) { /* keep Western digits */ }
    return text;
  }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    if (left === 0) {
      clock.textContent = clock.getAttribute("data-over") || "";
      clock.classList.remove("countdown-soon");
      clock.classList.add("countdown-over");
      window.clearInterval(timer);
      return;
    }
    clock.textContent = (clock.getAttribute("data-left") || "{time}").replace("{time}", format(left));
    if (left <= 300 && !warned) {
      warned = true;
      clock.classList.add("countdown-soon");  /* style.css: the last five minutes */
      if (alert) { alert.textContent = alert.getAttribute("data-soon") || ""; }
    }
  }
  clock.hidden = false;
  var timer = window.setInterval(tick, 1000);
  tick();
}());
