/* Autosave of a quiz attempt: a moment after the learner changes an answer, post the form to
   its save address, as the Save button would. Only an enhancement: without JavaScript the
   Save button posts the same form, and the server decides what counts (deadline, tokens). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var timer = null;
  function say(text) { if (status) { status.textContent = text; } }
  function save() {
    timer = null;
    window.fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
      var now = new Date();
      var time = now.toLocaleTimeString(document.documentElement.lang || undefined,
                                        {hour: "2-digit", minute: "2-digit"});
      say((status && status.getAttribute("data-saved") || "").replace("{time}", time));
    }).catch(function () {
      say(status && status.getAttribute("data-failed") || "");
    });
  }
  function later() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 1500);
  }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
  form.addEventListener("submit", function () {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
  });
}());
