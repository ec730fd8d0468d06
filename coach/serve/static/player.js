// coach serve: the phone player. Everything follows the audio's currentTime, so it stays
// exact after a seek or a pause: the sentence being spoken (the session's cue times), the
// stroke counter and the bar that fills once per stroke (the working periods of the
// session's timeline), the step, the times left. The controls sit in a fixed thumb zone;
// a step is played from only after a second tap ("Play from here"). The position is kept
// on the phone (localStorage) and offered back ("Resume at 7:12"); the lock screen gets the
// step, the position and seek handlers (Media Session API). Every word comes from the
// page's table (data.words). Served by coach itself: no other script is loaded.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("session-data").textContent);
  var words = data.words;
  var audio = document.getElementById("audio");
  var playButton = document.getElementById("play");
  var instruction = document.getElementById("instruction");
  var stepTitle = document.getElementById("step-title");
  var stepLeft = document.getElementById("step-left");
  var sessionLeft = document.getElementById("session-left");
  var positionText = document.getElementById("position");
  var seekBar = document.getElementById("seek");
  var counter = document.getElementById("counter");
  var workBox = document.getElementById("work");
  var beat = document.getElementById("beat");
  var resumeButton = document.getElementById("resume");
  var dimButton = document.getElementById("dim");
  var stepButtons = Array.prototype.slice.call(document.querySelectorAll("#steps .step"));
  var chapters = data.chapters;
  var cues = data.cues;
  var work = data.work || [];
  var figures = data.figures || [];
  var figureBoxes = Array.prototype.slice.call(document.querySelectorAll("#figures .figure"));
  var stillMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  var shownFigure = -1;
  var EPSILON = 0.005; // seconds: a seek to a cue's start shows that cue
  var RESTART_WITHIN = 3; // "previous" within this many seconds of a step's start goes back a step
  var SKIP = 15; // seconds moved by -15 / +15 and the lock screen's seek buttons
  var SAVE_EVERY = 2; // seconds between two saves of the position
  var RESUME_FROM = 5; // a saved position this far from either end is offered back
  var positionKey = "coach:position:" + data.name;
  var playedKey = "coach:played:" + data.name;
  var dimKey = "coach:dim";
  var shownCue = -2;
  var shownStep = -2;
  var shownCounter = null;
  var lastSaved = -1;
  var lastPositionState = -10;
  var dragging = false;
  var armed = null;
  var wakeLock = null;

  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  function store(key, value) {
    try { if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, value); } } catch (ignored) { /* private mode: nothing kept */ }
  }

  function stored(key) {
    try { return localStorage.getItem(key); } catch (ignored) { return null; }
  }

  // The last entry whose start is at or before t (-1 if none): entries are sorted by start.
  function lastStarted(list, t) {
    var low = 0, high = list.length - 1, found = -1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (list[mid].start <= t + EPSILON) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found;
  }

  function duration() {
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : data.duration;
  }

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds - 0.001));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function floorClock(seconds) { return clock(Math.floor(seconds + 0.001)); }

  function stepName(index) {
    return index < 0 ? say("player.introduction") : say("player.step_of", { number: index + 1, total: chapters.length, title: chapters[index].title });
  }

  // What the counter says at t, and how far the bar is filled (0-1): once per stroke or hold,
  // once over a timed period. Null outside working periods.
  function workAt(t) {
    var index = lastStarted(work, t);
    if (index < 0 || t >= work[index].end) { return null; }
    var period = work[index];
    var into = Math.max(0, t - period.start);
    if (period.per && period.reps) {
      var rep = Math.min(period.reps - 1, Math.floor(into / period.per + 1e-6));
      var fill = Math.min(1, (into - rep * period.per) / period.per);
      var key = period.kind === "holds" ? "player.hold_of" : "player.stroke_of";
      return { text: say(key, { number: rep + 1, total: period.reps }), fill: fill, index: index, rep: rep };
    }
    var length = period.end - period.start;
    return { text: say("player.timed_left", { time: clock(length - into) }), fill: length > 0 ? into / length : 1, index: index, rep: 0 };
  }

  // The hands of a figure: each marker with its route (an SVG path) and the route's length.
  function handsOf(box) {
    if (!box.hands) {
      box.hands = Array.prototype.slice.call(box.querySelectorAll(".hand")).map(function (hand) {
        var route = document.getElementById(hand.getAttribute("data-route"));
        return { hand: hand, route: route, length: route ? route.getTotalLength() : 0 };
      });
      box.counts = Array.prototype.slice.call(box.querySelectorAll("text.count"));
    }
    return box.hands;
  }

  // How far along its route each hand is at t (0-1): once per stroke, once per timed pulse;
  // still during holds, between working periods, and when the phone asks for less motion.
  function figureProgress(now, figure) {
    if (!now || (stillMotion && stillMotion.matches)) { return 0; }
    var period = work[now.index];
    if (period.start < figure.start - EPSILON || period.start >= figure.end) { return 0; }
    if (period.kind === "strokes") { return now.fill >= 1 ? 0 : now.fill; }
    if (period.kind === "timed") {
      var pace = data.timedPace;
      var into = Math.max(0, audio.currentTime - period.start);
      return (into % pace) / pace;
    }
    return 0;
  }

  // A hold's number counts its seconds while it lasts (as the voice does), then shows it whole.
  function holdCount(now, box) {
    box.counts.forEach(function (text) {
      var full = Number(text.getAttribute("data-count"));
      var shown = full;
      if (now && work[now.index].kind === "holds") {
        var period = work[now.index];
        var into = audio.currentTime - period.start - now.rep * period.per;
        shown = Math.min(full, Math.floor(Math.max(0, into) + 1e-6) + 1);
      }
      if (text.textContent !== String(shown)) { text.textContent = String(shown); }
    });
  }

  function renderFigure(t, now) {
    if (!figureBoxes.length) { return; }
    // Before the first step: the first figure; a step without one: none; the closing: the last.
    var started = lastStarted(figures, t);
    var index = Math.max(0, started);
    if (started >= 0 && started < figures.length - 1 && t >= figures[started].end) { index = -1; }
    if (index !== shownFigure) {
      shownFigure = index;
      figureBoxes.forEach(function (box, i) { box.hidden = i !== index; });
    }
    if (index < 0) { return; }
    var box = figureBoxes[index];
    var progress = figureProgress(now, figures[index]);
    handsOf(box).forEach(function (entry) {
      if (!entry.route) { return; }
      var from = entry.route.getPointAtLength(0);
      var at = entry.route.getPointAtLength(progress * entry.length);
      var moved = "translate(" + (at.x - from.x).toFixed(3) + " " + (at.y - from.y).toFixed(3) + ")";
      if (entry.hand.getAttribute("transform") !== moved) { entry.hand.setAttribute("transform", moved); }
    });
    holdCount(now, box);
  }

  // The counter stays on one line: longer words ("Mouvement 10 sur 12") get a smaller size.
  function fitCounter() {
    counter.classList.remove("long");
    var line = parseFloat(getComputedStyle(counter).lineHeight) || counter.clientHeight;
    if (counter.textContent && counter.scrollHeight > line * 1.5) { counter.classList.add("long"); }
  }

  function render() {
    var t = audio.currentTime;
    var total = duration();
    var cue = lastStarted(cues, t);
    if (cue !== shownCue) {
      shownCue = cue;
      instruction.textContent = cue < 0 ? say("player.press_play") : cues[cue].text;
      instruction.dataset.cue = String(cue);
    }
    var step = lastStarted(chapters, t);
    if (step !== shownStep) {
      shownStep = step;
      stepTitle.textContent = stepName(step);
      stepButtons.forEach(function (button, i) {
        button.classList.toggle("current", i === step);
        if (i === step) { button.setAttribute("aria-current", "step"); } else { button.removeAttribute("aria-current"); }
      });
      updateMetadata();
    }
    var now = workAt(t);
    var text = now ? now.text : "";
    if (text !== shownCounter) {
      shownCounter = text;
      counter.textContent = text;
      fitCounter();
      workBox.classList.toggle("idle", !now);
      workBox.dataset.rep = now ? String(now.rep) : "";
    }
    beat.style.width = (now ? Math.round(now.fill * 1000) / 10 : 0) + "%";
    renderFigure(t, now);
    var stepEnd = step + 1 < chapters.length ? chapters[step + 1].start : total;
    stepLeft.textContent = say("player.step_left", { time: clock(stepEnd - t) });
    sessionLeft.textContent = say("player.session_left", { time: clock(total - t) });
    positionText.textContent = floorClock(t);
    if (!dragging) {
      seekBar.max = String(total);
      seekBar.value = String(t);
    }
    if (Math.abs(t - lastSaved) >= SAVE_EVERY) { savePosition(); }
    if (!audio.paused && Math.abs(t - lastPositionState) >= 1) { updatePositionState(); }
  }

  function savePosition() {
    var t = audio.currentTime;
    lastSaved = t;
    if (t < RESUME_FROM || t > duration() - RESUME_FROM) {
      if (t > duration() - RESUME_FROM) { store(positionKey, null); }
      return;
    }
    store(positionKey, JSON.stringify({ t: t, digest: data.digest }));
  }

  function seek(seconds) {
    audio.currentTime = Math.max(0, Math.min(seconds, duration()));
    render();
    updatePositionState();
  }

  function play() {
    var started = audio.play();
    if (started && started.catch) { started.catch(function () { renderButton(); }); }
  }

  function goToStep(index) {
    if (index < 0) { seek(0); return; }
    if (index >= chapters.length) { return; }
    seek(chapters[index].start);
  }

  function nextStep() { goToStep(lastStarted(chapters, audio.currentTime) + 1); }

  function previousStep() {
    var current = lastStarted(chapters, audio.currentTime);
    if (current >= 0 && audio.currentTime - chapters[current].start > RESTART_WITHIN) {
      goToStep(current);
    } else {
      goToStep(current - 1);
    }
  }

  function renderButton() {
    var paused = audio.paused;
    playButton.innerHTML = paused ? "&#9654;" : "&#10074;&#10074;";
    playButton.setAttribute("aria-label", say(paused ? "player.play" : "player.pause"));
    if ("mediaSession" in navigator) { navigator.mediaSession.playbackState = paused ? "paused" : "playing"; }
  }

  function updateMetadata() {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") { return; }
    var artwork = data.cover ? [{ src: new URL(data.cover, location.href).href, sizes: "1400x1400", type: "image/png" }] : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: shownStep < 0 ? say("player.introduction") : (shownStep + 1) + ". " + chapters[shownStep].title,
      artist: "coach",
      album: data.title,
      artwork: artwork
    });
    updatePositionState();
  }

  function updatePositionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState || !isFinite(audio.duration)) { return; }
    lastPositionState = audio.currentTime;
    try {
      navigator.mediaSession.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate || 1, position: Math.min(audio.currentTime, audio.duration) });
    } catch (ignored) { /* a position outside the duration while metadata loads */ }
  }

  // The screen stays on during a session where the browser allows it (secure contexts only:
  // http://127.0.0.1 and https, not http://192.168.x.y).
  function keepAwake() {
    if (!window.isSecureContext || !("wakeLock" in navigator) || wakeLock) { return; }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      document.body.dataset.wakeLock = "on";
      lock.addEventListener("release", function () { wakeLock = null; document.body.dataset.wakeLock = "off"; });
    }).catch(function () { /* refused (battery saver): the page works without it */ });
  }

  function setDim(on) {
    document.body.classList.toggle("dim", on);
    dimButton.textContent = say(on ? "player.bright" : "player.dim");
    dimButton.setAttribute("aria-pressed", on ? "true" : "false");
    store(dimKey, on ? "1" : null);
  }

  // A step is played from only after a second, deliberate tap on its "Play from here".
  function disarm() {
    if (armed) { armed.remove(); armed = null; }
  }

  function arm(button) {
    var index = Number(button.dataset.index);
    disarm();
    var jump = document.createElement("button");
    jump.type = "button";
    jump.className = "jump";
    jump.id = "jump";
    jump.textContent = say("player.jump");
    jump.addEventListener("click", function (event) {
      event.stopPropagation();
      disarm();
      goToStep(index);
      if (audio.paused) { play(); }
    });
    button.parentNode.appendChild(jump);
    armed = jump;
    if (jump.scrollIntoView) { jump.scrollIntoView({ block: "center" }); }
  }

  function offerResume() {
    var saved = null;
    try { saved = JSON.parse(stored(positionKey) || "null"); } catch (ignored) { saved = null; }
    if (!saved || typeof saved.t !== "number" || saved.digest !== data.digest) { return; }
    if (saved.t < RESUME_FROM || saved.t > data.duration - RESUME_FROM) { return; }
    resumeButton.textContent = say("player.resume", { time: floorClock(saved.t) });
    resumeButton.dataset.at = String(saved.t);
    resumeButton.hidden = false;
  }

  playButton.addEventListener("click", function () {
    if (audio.paused) { play(); } else { audio.pause(); }
  });
  document.getElementById("next").addEventListener("click", nextStep);
  document.getElementById("prev").addEventListener("click", previousStep);
  document.getElementById("back15").addEventListener("click", function () { seek(audio.currentTime - SKIP); });
  document.getElementById("fwd15").addEventListener("click", function () { seek(audio.currentTime + SKIP); });
  resumeButton.addEventListener("click", function () {
    resumeButton.hidden = true;
    seek(Number(resumeButton.dataset.at));
    play();
  });
  dimButton.addEventListener("click", function () { setDim(!document.body.classList.contains("dim")); });
  seekBar.addEventListener("input", function () {
    dragging = true;
    positionText.textContent = floorClock(Number(seekBar.value));
  });
  seekBar.addEventListener("change", function () {
    dragging = false;
    seek(Number(seekBar.value));
  });
  stepButtons.forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      arm(button);
    });
  });
  document.addEventListener("click", function (event) {
    if (armed && event.target !== armed) { disarm(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && /^(BUTTON|INPUT)$/.test(event.target.tagName) && (event.key === " " || event.key === "Enter" || event.key.indexOf("Arrow") === 0)) { return; }
    if (event.key === " ") { event.preventDefault(); playButton.click(); }
    else if (event.key === "ArrowRight") { nextStep(); }
    else if (event.key === "ArrowLeft") { previousStep(); }
  });
  ["timeupdate", "seeking", "seeked", "loadedmetadata", "durationchange"].forEach(function (name) {
    audio.addEventListener(name, render);
  });
  audio.addEventListener("play", function () {
    renderButton();
    keepAwake();
    resumeButton.hidden = true;
    store(playedKey, String(Date.now()));
    updatePositionState();
  });
  audio.addEventListener("pause", function () { renderButton(); savePosition(); updatePositionState(); });
  audio.addEventListener("ended", function () { renderButton(); store(positionKey, null); });
  audio.addEventListener("ratechange", updatePositionState);
  window.addEventListener("pagehide", savePosition);
  window.addEventListener("resize", fitCounter);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { savePosition(); }
    if (document.visibilityState === "visible" && !audio.paused) { keepAwake(); }
  });
  if ("mediaSession" in navigator) {
    var handlers = {
      play: play,
      pause: function () { audio.pause(); },
      nexttrack: nextStep,
      previoustrack: previousStep,
      seekbackward: function (details) { seek(audio.currentTime - ((details && details.seekOffset) || SKIP)); },
      seekforward: function (details) { seek(audio.currentTime + ((details && details.seekOffset) || SKIP)); },
      seekto: function (details) { seek(details.seekTime); }
    };
    Object.keys(handlers).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (ignored) { /* not supported here */ }
    });
  }
  // Smooth counter and bar while playing: timeupdate fires only a few times a second.
  (function tick() {
    if (!audio.paused) { render(); }
    window.requestAnimationFrame(tick);
  })();
  if (stillMotion && stillMotion.addEventListener) { stillMotion.addEventListener("change", render); }
  window.coachPlayer = { goToStep: goToStep, nextStep: nextStep, previousStep: previousStep, seek: seek, workAt: workAt };
  setDim(stored(dimKey) === "1");
  offerResume();
  render();
  renderButton();
})();
