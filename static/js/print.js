/* Buttons marked data-print open the browser's print dialog (worklist, cage cards); no inline onclick (the CSP). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
