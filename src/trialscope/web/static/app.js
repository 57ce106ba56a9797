// Small enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select.autosubmit")) {
    select.addEventListener("change", () => select.form && select.form.submit());
  }
  // On a phone the filters and the refine list start folded behind their buttons (open without this script).
  if (window.matchMedia("(max-width: 48rem)").matches) {
    for (const fold of document.querySelectorAll("details.fold-on-phone")) fold.open = false;
  }
  for (const button of document.querySelectorAll("button.print")) {
    button.addEventListener("click", () => window.print());
  }
  // A site map's marker and the entries it stands for highlight each other on hover and focus.
  const pairs = [];
  for (const marker of document.querySelectorAll(".site-map .marker[data-sites]")) {
    const entries = marker.dataset.sites.split(" ").map((id) => document.getElementById(id)).filter(Boolean);
    pairs.push([marker, entries]);
  }
  const light = (marker, entries, on) => {
    marker.classList.toggle("highlight", on);
    for (const entry of entries) entry.classList.toggle("highlight", on);
  };
  for (const [marker, entries] of pairs) {
    for (const [event, on] of [["mouseenter", true], ["mouseleave", false], ["focus", true], ["blur", false]]) {
      marker.addEventListener(event, () => light(marker, entries, on));
      for (const entry of entries) {
        entry.addEventListener(event, () => light(marker, entries, on));
      }
    }
    for (const entry of entries) entry.tabIndex = entry.tabIndex < 0 ? 0 : entry.tabIndex;
  }
});
