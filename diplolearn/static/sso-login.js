/* The sign-in form: once the email typed belongs to a ministry that signs its staff in through
   its own service (the form's data-sso-domains), hide the password, which is then left empty,
   and say where "Sign in" leads. Only an enhancement: without it, the same form works with the
   password left empty (auth/views.py login). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-sso-domains]");
  if (!form) { return; }
  var domains = form.getAttribute("data-sso-domains").split(/\s+/).filter(Boolean);
  var email = form.querySelector("input[name=email]");
  var password = form.querySelector("input[name=password]");
  var hint = document.getElementById("sso-hint");
  if (!email || !password) { return; }
  var field = password.closest(".field") || password;

  function ministryAddress() {
    var value = email.value.trim().toLowerCase();
    var at = value.lastIndexOf("@");
    return at > 0 && domains.indexOf(value.slice(at + 1)) !== -1;
  }

  function update() {
    var sso = ministryAddress();
    field.style.display = sso ? "none" : "";
    if (sso) { password.value = ""; }
    password.disabled = sso;
    if (hint) { hint.textContent = sso ? hint.getAttribute("data-text") : ""; }
  }

  email.addEventListener("input", update);
  email.addEventListener("change", update);
  update();
}());
