/* Time on task (see services/progress): while a lesson page is visible, tell the server once a
   minute. Only an enhancement: without it, each lesson page view still counts the time since
   the learner's previous activity, capped at five minutes. */
(function () {
  "use strict";
  var lesson = document.querySelector("[data-heartbeat]");
  if (!lesson || !window.fetch) { return; }
  var url = lesson.getAttribute("data-heartbeat");
  var token = lesson.getAttribute("data-csrf");
  window.setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    window.fetch(url, {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token}
    }).catch(function () { /* offline: the next page view counts the time instead */ });
  }, 60000);
}());
