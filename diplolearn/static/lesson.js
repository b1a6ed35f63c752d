/* Time on task (see services/progress): the lesson page itself writes nothing, so this script
   tells the server when the page opens and then once a minute while it is visible. Only an
   enhancement: without it, the learner's next action (marking the lesson done, a quiz) counts
   the time since their previous activity, capped at five minutes. */
(function () {
  "use strict";
  var lesson = document.querySelector("[data-heartbeat]");
  if (!lesson || !window.fetch) { return; }
  var url = lesson.getAttribute("data-heartbeat");
  var token = lesson.getAttribute("data-csrf");
  function beat() {
    if (document.visibilityState !== "visible") { return; }
    window.fetch(url, {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token}
    }).catch(function () { /* offline: the next action counts the time instead */ });
  }
  beat();
  window.setInterval(beat, 60000);
}());
