// Confirmation before destructive actions: <form data-confirm="Disable this learner?">.
// Loaded as a file (no inline script), so a strict Content-Security-Policy holds.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// <button data-open-dialog="id"> opens <dialog id="id">; [data-close-dialog] closes it.
document.addEventListener("click", function (event) {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (dialog) { event.preventDefault(); dialog.showModal(); }
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) { event.preventDefault(); dialog.close(); }
  }
});
// The learners list: the folded bulk edit bar counts the learners ticked in the table (it
// does not unfold by itself: the table would jump under the pointer).
document.addEventListener("change", function (event) {
  const box = event.target;
  if (!box.matches || !box.matches('input[type="checkbox"][name="user"]')) return;
  const count = box.form && box.form.querySelector("[data-bulk-bar] [data-selected-count]");
  if (!count) return;
  const ticked = box.form.querySelectorAll('input[type="checkbox"][name="user"]:checked').length;
  count.textContent = ticked ? "(" + ticked + " selected)" : "";
});
// The header's folded menu (<details class="site-menu">): Escape or a click elsewhere folds it.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  const menu = document.activeElement && document.activeElement.closest(".site-menu[open]");
  if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
});
document.addEventListener("click", function (event) {
  document.querySelectorAll(".site-menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
