/* The worklist's Scan button: read a cage card's QR code with the device camera and open that cage's due tests.

   Decoding is @zxing/library (static/vendor/zxing/, served from our own files: no CDN, and the CSP allows it). This
   file only reads frames and hands the text to the server (`procedures:worklist_scan`), which decides which cage of
   the user's centre it names. The button stays hidden where there is no camera API (or no decoder), so nobody is
   offered a button that cannot work; the search box takes a typed cage ID there. */
(function () {
  "use strict";
  var button = document.querySelector("[data-scan]");
  if (!button || !window.ZXing || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var panel = document.getElementById(button.dataset.scan);
  var video = panel.querySelector("video");
  var status = panel.querySelector(".scan-panel__status");
  var reader = new window.ZXing.QRCodeReader();
  var hints = new Map([[window.ZXing.DecodeHintType.TRY_HARDER, true]]);
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", {willReadFrequently: true});
  var stream = null;
  var timer = null;

  button.hidden = false;
  button.setAttribute("aria-controls", panel.id);
  button.setAttribute("aria-expanded", "false");

  function release() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    video.srcObject = null;
  }

  function stop() {
    release();
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  function read(text) {
    release();
    status.textContent = "Read " + text + ": opening the cage's tests…";
    window.location.assign(panel.dataset.scanUrl + "?code=" + encodeURIComponent(text));
  }

  /* One frame: draw it, try to decode it; no code in it is the usual case, so try again shortly. */
  function scanFrame() {
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      try {
        var source = new window.ZXing.HTMLCanvasElementLuminanceSource(canvas);
        var bitmap = new window.ZXing.BinaryBitmap(new window.ZXing.HybridBinarizer(source));
        read(reader.decode(bitmap, hints).getText());
        return;
      } catch (error) {
        // NotFoundException, ChecksumException, FormatException: no readable code in this frame.
      }
    }
    timer = setTimeout(scanFrame, 150);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    status.textContent = "Starting the camera…";
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        status.textContent = "Hold the cage card's QR code in front of the camera.";
        scanFrame();
      })
      .catch(function (error) {
        release();
        status.textContent = "The camera did not start (" + error.name + "). Allow the camera for this site, " +
          "or type the cage ID in the search box.";
      });
  });
  panel.querySelector("[data-scan-stop]").addEventListener("click", stop);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { stop(); } });
})();
