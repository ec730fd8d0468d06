// coach serve: the index page. Marks each session this phone has played ("last played ...",
// from the player's localStorage) and keeps the dim mode the player set. Every word comes
// from the page's table (page-data). The page works without it.
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("page-data").textContent).words;
  var dimButton = document.getElementById("dim");
  var dimKey = "coach:dim";

  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  function stored(key) {
    try { return localStorage.getItem(key); } catch (ignored) { return null; }
  }

  function when(ms) {
    var moment = new Date(ms);
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return moment.getFullYear() + "-" + pad(moment.getMonth() + 1) + "-" + pad(moment.getDate()) + " " + pad(moment.getHours()) + ":" + pad(moment.getMinutes());
  }

  Array.prototype.forEach.call(document.querySelectorAll(".session"), function (link) {
    var played = Number(stored("coach:played:" + link.dataset.name));
    if (!played) { return; }
    var mark = link.querySelector(".played");
    mark.textContent = say("index.last_played", { when: when(played) });
    mark.hidden = false;
  });

  function setDim(on) {
    document.body.classList.toggle("dim", on);
    dimButton.setAttribute("aria-pressed", on ? "true" : "false");
    try { if (on) { localStorage.setItem(dimKey, "1"); } else { localStorage.removeItem(dimKey); } } catch (ignored) { /* not kept */ }
  }
  dimButton.addEventListener("click", function () { setDim(!document.body.classList.contains("dim")); });
  setDim(stored(dimKey) === "1");
})();
