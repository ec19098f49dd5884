// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits on change; its button stays for keyboard and no-JS users.
  document.querySelectorAll(".js-language-form select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
