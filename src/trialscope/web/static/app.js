// Small enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select.autosubmit")) {
    select.addEventListener("change", () => select.form && select.form.submit());
  }
  // On a phone the search filters and the refine list start folded behind their buttons, and on a trial page
  // the long parts and the record's sections start folded (all open without this script); the section menu
  // (and any link to a place inside a folded part) opens what it points at, and marks the part in view.
  const phone = window.matchMedia("(max-width: 48rem)").matches;
  const keepOpen = new URLSearchParams(location.search).has("near") ? "where" : "";
  if (phone) {
    for (const fold of document.querySelectorAll("details.fold-on-phone, details.part.fold-long, details.record")) {
      if (!keepOpen || fold.id !== keepOpen) fold.open = false;
    }
  }
  const reveal = (id) => {
    const target = id && document.getElementById(id);
    for (let fold = target && target.closest("details"); fold; fold = fold.parentElement.closest("details")) {
      fold.open = true;
    }
    return target;
  };
  reveal(decodeURIComponent(location.hash.slice(1)));
  window.addEventListener("hashchange", () => reveal(decodeURIComponent(location.hash.slice(1))));
  for (const link of document.querySelectorAll("a[href^='#']")) {
    link.addEventListener("click", () => reveal(decodeURIComponent(link.hash.slice(1))));
  }
  const menu = new Map([...document.querySelectorAll(".on-this-page a")].map((a) => [a.hash.slice(1), a]));
  if (menu.size) menu.values().next().value.setAttribute("aria-current", "location"); // the page opens on the first part
  if (menu.size && "IntersectionObserver" in window) {
    const seen = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        for (const a of menu.values()) a.removeAttribute("aria-current");
        const current = menu.get(entry.target.id);
        current.setAttribute("aria-current", "location");
        current.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }, { rootMargin: "0px 0px -70% 0px" });
    for (const id of menu.keys()) {
      const part = document.getElementById(id);
      if (part) seen.observe(part);
    }
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
