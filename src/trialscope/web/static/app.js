// Small enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select.autosubmit")) {
    select.addEventListener("change", () => select.form && select.form.submit());
  }
  for (const button of document.querySelectorAll("button.print")) {
    button.addEventListener("click", () => window.print());
  }
});
