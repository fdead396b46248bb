// Idle-session warning: shown two minutes before the server signs the session out.
(function () {
  var timeout = parseInt(document.body.dataset.idleTimeout || "1800", 10) * 1000;
  var warnAt = timeout - 120 * 1000;
  var box = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  var timer, logoutTimer;
  function csrf() { var m = document.cookie.match(/csrftoken=([^;]+)/); return m ? m[1] : ""; }
  function arm() {
    clearTimeout(timer); clearTimeout(logoutTimer);
    timer = setTimeout(function () { box.hidden = false; stay.focus(); }, warnAt);
    logoutTimer = setTimeout(function () { window.location = "/accounts/login/?timeout=1"; }, timeout);
  }
  if (stay) {
    stay.addEventListener("click", function () {
      fetch(document.body.dataset.pingUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
      box.hidden = true; arm();
    });
  }
  arm();
})();
