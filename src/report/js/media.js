// The step slider of logged images on comparison pages: every run's image of a key at the
// chosen step, side by side. Without JavaScript the page shows the last step.
(function (gitExp) {
  "use strict";
  function initMedia(fig) {
    var slider = fig.querySelector("input.step-slider");
    if (!slider) return;
    slider.closest("label").hidden = false;
    var steps = fig.getAttribute("data-steps").split(" ");
    var shown = fig.querySelector(".step-shown");
    var imgs = Array.prototype.map.call(fig.querySelectorAll("img[data-srcs]"), function (img) {
      return { img: img, srcs: img.getAttribute("data-srcs").split(" ") };
    });
    slider.addEventListener("input", function () {
      var i = Number(slider.value);
      shown.textContent = "step " + steps[i];
      imgs.forEach(function (m) {
        var src = m.srcs[i];
        m.img.classList.toggle("absent", src === "-");
        if (src !== "-") m.img.src = src;
      });
    });
  }
  gitExp.initMedia = initMedia;
})(window.gitExp);
