// roster's console: small enhancements of pages that work without script.
// Loaded from roster itself (the Content-Security-Policy allows nothing
// else); no inline handlers.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A copy button beside each value an administrator pastes elsewhere.
  for (const value of document.querySelectorAll("[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(value.textContent.trim());
        button.textContent = "Copied";
      } catch (_) {
        button.textContent = "Select and copy";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
    value.after(button);
  }

  // Forms that destroy something ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }

  // The SAML trust form shows the fields of the chosen method only.
  const methods = document.querySelectorAll("input[name=trust]");
  const show = () => {
    for (const fieldset of document.querySelectorAll("[data-trust]")) {
      const chosen = document.querySelector("input[name=trust]:checked");
      fieldset.hidden = !chosen || chosen.value !== fieldset.dataset.trust;
    }
  };
  for (const method of methods) {
    method.addEventListener("change", show);
  }
  if (methods.length > 0) {
    show();
  }
});
