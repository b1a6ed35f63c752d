/* A weekly session while it is live: fetch the page every 20 seconds and replace the list of
   messages, so new ones appear without reloading (and without losing a message being typed).
   Only an enhancement: the page has a Refresh link, and posting works without it. */
(function () {
  "use strict";
  var list = document.getElementById("session-posts");
  if (!list || list.getAttribute("data-live") !== "yes" || !window.fetch) { return; }
  var timer = window.setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    window.fetch(window.location.pathname, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("session-posts");
      if (!fresh) { return; }
      list.innerHTML = fresh.innerHTML;
      if (fresh.getAttribute("data-live") !== "yes") { window.clearInterval(timer); }
    }).catch(function () { /* offline: try again at the next tick */ });
  }, 20000);
}());
