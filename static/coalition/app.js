// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits on change; its button stays for keyboard and no-JS users.
  document.querySelectorAll(".js-language-form select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});

// A button with data-confirm asks before its form is sent (removing something); without JS it simply submits.
document.addEventListener("submit", (event) => {
  const question = event.submitter && event.submitter.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
