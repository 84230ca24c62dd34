/* The API tokens section of the profile page and the Bots page: a Revoke or Deactivate button
   asks first (copying a token just made is copy.js's). */

for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.getAttribute("data-confirm") || "Sure?")) event.preventDefault();
  });
}
