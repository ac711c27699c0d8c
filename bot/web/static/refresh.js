// Refresh the worklist in place every data-refresh seconds: the table and the count in the
// title change, focus and scrolling stay where the nurse left them.
(function () {
  "use strict";
  var box = document.getElementById("worklist");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 30;
  function refresh() {
    fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("worklist");
        var heading = doc.querySelector("h1 .count");
        if (fresh) { box.innerHTML = fresh.innerHTML; }
        if (heading) { document.querySelector("h1 .count").textContent = heading.textContent; }
        document.title = doc.title;
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
