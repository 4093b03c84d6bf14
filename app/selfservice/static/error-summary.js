/* The error summary: focused on load, so a screen reader reads it first; each link puts
   the cursor in its field (the first radio of a group), not just scrolls near it.
   A file, not an inline script: the Content-Security-Policy allows only 'self'. */
const summary = document.querySelector(".error-summary");
if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.hash.slice(1));
    if (!field) return;
    event.preventDefault();
    (field.closest("fieldset") || field).scrollIntoView();
    field.focus();
  });
}
