// coach serve: the phone player. Shows the sentence being spoken (from the session's cue
// times), the step list with tap-to-jump, previous/next step, time left in the step and the
// session, and hands the current step to the lock screen (Media Session API). Served by coach
// itself: no other script is loaded.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("session-data").textContent);
  var audio = document.getElementById("audio");
  var playButton = document.getElementById("play");
  var instruction = document.getElementById("instruction");
  var stepTitle = document.getElementById("step-title");
  var stepLeft = document.getElementById("step-left");
  var sessionLeft = document.getElementById("session-left");
  var bar = document.getElementById("bar");
  var stepButtons = Array.prototype.slice.call(document.querySelectorAll("#steps .step"));
  var chapters = data.chapters;
  var cues = data.cues;
  var EPSILON = 0.005; // seconds: a seek to a cue's start shows that cue
  var RESTART_WITHIN = 3; // "previous" within this many seconds of a step's start goes back a step
  var shownCue = -2;
  var shownStep = -2;
  var wakeLock = null;

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

  function stepName(index) {
    return index < 0 ? "Introduction" : "Step " + (index + 1) + " of " + chapters.length + ": " + chapters[index].title;
  }

  function render() {
    var t = audio.currentTime;
    var total = duration();
    var cue = lastStarted(cues, t);
    if (cue !== shownCue) {
      shownCue = cue;
      instruction.textContent = cue < 0 ? "Press play to begin." : cues[cue].text;
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
      updateMediaSession();
    }
    var stepEnd = step + 1 < chapters.length ? chapters[step + 1].start : total;
    stepLeft.textContent = clock(stepEnd - t);
    sessionLeft.textContent = clock(total - t);
    bar.style.width = (total > 0 ? Math.min(100, (100 * t) / total) : 0) + "%";
  }

  function seek(seconds) {
    audio.currentTime = Math.max(0, Math.min(seconds, duration()));
    render();
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

  function nextStep() {
    goToStep(lastStarted(chapters, audio.currentTime) + 1);
  }

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
    playButton.setAttribute("aria-label", paused ? "Play" : "Pause");
    if ("mediaSession" in navigator) { navigator.mediaSession.playbackState = paused ? "paused" : "playing"; }
  }

  function updateMediaSession() {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") { return; }
    var artwork = data.cover ? [{ src: new URL(data.cover, location.href).href, sizes: "1400x1400", type: "image/png" }] : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: shownStep < 0 ? "Introduction" : (shownStep + 1) + ". " + chapters[shownStep].title,
      artist: "coach",
      album: data.title,
      artwork: artwork
    });
    if (navigator.mediaSession.setPositionState && isFinite(audio.duration)) {
      try {
        navigator.mediaSession.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, audio.duration) });
      } catch (ignored) { /* a position outside the duration while metadata loads */ }
    }
  }

  // The screen stays on during a session where the browser allows it (secure contexts only).
  function keepAwake() {
    if (!("wakeLock" in navigator) || wakeLock) { return; }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () { /* not a secure context, or refused: the page works without it */ });
  }

  playButton.addEventListener("click", function () {
    if (audio.paused) { play(); } else { audio.pause(); }
  });
  document.getElementById("next").addEventListener("click", nextStep);
  document.getElementById("prev").addEventListener("click", previousStep);
  stepButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      goToStep(Number(button.dataset.index));
      if (audio.paused) { play(); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) { return; }
    if (event.key === " ") { event.preventDefault(); playButton.click(); }
    else if (event.key === "ArrowRight") { nextStep(); }
    else if (event.key === "ArrowLeft") { previousStep(); }
  });
  ["timeupdate", "seeking", "seeked", "loadedmetadata", "durationchange"].forEach(function (name) {
    audio.addEventListener(name, render);
  });
  audio.addEventListener("play", function () { renderButton(); keepAwake(); });
  audio.addEventListener("pause", renderButton);
  audio.addEventListener("ended", renderButton);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !audio.paused) { keepAwake(); }
  });
  if ("mediaSession" in navigator) {
    var handlers = {
      play: play,
      pause: function () { audio.pause(); },
      nexttrack: nextStep,
      previoustrack: previousStep,
      seekto: function (details) { seek(details.seekTime); }
    };
    Object.keys(handlers).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (ignored) { /* not supported here */ }
    });
  }
  // Smooth text while playing: timeupdate fires only a few times a second.
  (function tick() {
    if (!audio.paused) { render(); }
    window.requestAnimationFrame(tick);
  })();
  window.coachPlayer = { goToStep: goToStep, nextStep: nextStep, previousStep: previousStep };
  render();
  renderButton();
})();
