/* The menu button of narrow screens (static/css/screens.css): loaded in <head>, not deferred, so the page is marked
   `js` before its first paint and the collapsed menu never flashes open. Without scripts the menu simply stays open.
   A file, not an inline script: the Content-Security-Policy allows scripts from our own files only. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) { return; }
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      setOpen(open);
      if (open) {
        var first = menu.querySelector("a, button");
        if (first) { first.focus(); }
      }
    });
    // Escape closes the open menu and gives the focus back to its button.
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("is-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
    // On a wide screen the links are one strip that scrolls sideways: show the current page's link in it.
    var current = menu.querySelector(".main-nav a[aria-current='page']");
    var strip = menu.querySelector(".main-nav__areas");
    if (current && strip && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = Math.max(0, current.offsetLeft - strip.clientWidth / 3);
    }
  });
})();
