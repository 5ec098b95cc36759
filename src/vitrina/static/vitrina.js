// The storefront works without JavaScript; this only marks the page when htmx runs, so that
// controls kept for browsers without it step aside (see `.htmx-on` in vitrina.css): the
// option picker follows each change in place, and its "Choose" button would load the same
// variant a second time, over a quantity the shopper had typed meanwhile.
if (window.htmx) {
  document.documentElement.classList.add("htmx-on");
}
