// Pages that show a running run load themselves again every few seconds when the site is served
// over HTTP (`git exp report --watch --serve`, docs/REPORT.md), so a run is seen as it trains.
// A reload is a navigation, which the Content-Security-Policy allows; the script fetches nothing.
// Pages of finished runs, and sites opened from disk, never reload.
(function (gitExp) {
  "use strict";
  var SECONDS = 3;

  function running() {
    if (document.querySelector(".status.s-running")) return true;
    return Object.keys(gitExp.runsById).some(function (id) {
      return gitExp.runsById[id].status === "running";
    });
  }
  gitExp.reloadWhileRunning = function () {
    if (!/^https?:$/.test(location.protocol) || !running()) return;
    setTimeout(function () { location.reload(); }, SECONDS * 1000);
  };
})(window.gitExp);
