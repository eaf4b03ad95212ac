// One confirmation pattern: <a data-confirm="dialog-id" href="confirmation page"> opens the modal
// <dialog id="dialog-id"> (see templates/components/confirm_dialog.html). Without this script the
// link opens the same confirmation as a page. A trigger may set the dialog form's action
// (data-action), the item its words name (data-item fills "{item}") and its first field
// (data-value). A modal dialog keeps focus inside; on closing, focus returns to the trigger.
function openConfirm(trigger) {
  const dialog = document.getElementById(trigger.getAttribute("data-confirm"));
  if (!dialog || typeof dialog.showModal !== "function") return false;
  const form = dialog.querySelector("form");
  if (form && trigger.dataset.action) {
    form.reset(); // one dialog serves many rows: nothing typed for one row carries to the next
    form.setAttribute("action", trigger.dataset.action);
  }
  // A payment action sent twice (a double click, a resend) is made once: a new key per opening.
  const key = form && form.querySelector('input[name="idempotency_key"]');
  if (key && window.crypto && typeof window.crypto.randomUUID === "function") {
    key.value = window.crypto.randomUUID();
  }
  const item = trigger.dataset.item || "";
  dialog.querySelectorAll("[data-confirm-text]").forEach(function (node) {
    node.textContent = node.getAttribute("data-confirm-text").split("{item}").join(item);
  });
  const first = form && form.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
  if (first && trigger.dataset.action) first.value = trigger.dataset.value || "";
  dialog.returnFocusTo = trigger;
  dialog.showModal();
  const focus = first || dialog.querySelector("[data-close-dialog]");
  if (focus) focus.focus();
  return true;
}
document.addEventListener("click", function (event) {
  const trigger = event.target.closest && event.target.closest("[data-confirm]");
  if (trigger && openConfirm(trigger)) { event.preventDefault(); return; }
  const opener = event.target.closest && event.target.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (dialog) { event.preventDefault(); dialog.returnFocusTo = opener; dialog.showModal(); }
  }
  const closer = event.target.closest && event.target.closest("[data-close-dialog]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) { event.preventDefault(); dialog.close(); }
  }
});
// A link styled as a button answers the Space key as a button does.
document.addEventListener("keydown", function (event) {
  const link = event.target;
  if (event.key === " " && link.matches && link.matches('a[role="button"]')) {
    event.preventDefault();
    link.click();
  }
});
document.addEventListener("close", function (event) {
  const dialog = event.target;
  if (dialog.returnFocusTo && document.contains(dialog.returnFocusTo)) dialog.returnFocusTo.focus();
}, true);
// Tab and Shift+Tab stay inside an open dialog: past its last control to its first, and back
// (Chromium's own modal lets focus leave for the page's end and the browser's toolbar).
document.addEventListener("keydown", function (event) {
  const dialog = event.key === "Tab" && document.querySelector("dialog[open]");
  if (!dialog) return;
  const controls = Array.prototype.filter.call(
    dialog.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]'),
    function (el) { return el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0; }
  );
  if (!controls.length) return;
  const edge = event.shiftKey ? controls[0] : controls[controls.length - 1];
  if (document.activeElement === edge || !dialog.contains(document.activeElement)) {
    event.preventDefault();
    (event.shiftKey ? controls[controls.length - 1] : controls[0]).focus();
  }
});
// A form that came back with errors: focus its error summary, so it is read first.
document.addEventListener("DOMContentLoaded", function () {
  const summary = document.querySelector("[data-error-summary]");
  const dialog = summary && summary.closest("dialog");
  if (dialog && typeof dialog.showModal === "function") dialog.showModal();
  if (summary) summary.focus();
});
// The error summary's links move focus to the field, not only the view.
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const field = document.getElementById(link.getAttribute("href").slice(1));
  if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
});
// The learners list: the bulk actions bar counts the learners ticked in the table.
document.addEventListener("change", function (event) {
  const box = event.target;
  if (!box.matches || !box.matches('input[type="checkbox"][name="user"]')) return;
  const count = box.form && box.form.querySelector("[data-bulk-bar] [data-selected-count]");
  if (!count) return;
  const ticked = box.form.querySelectorAll('input[type="checkbox"][name="user"]:checked').length;
  count.textContent = ticked ? ticked + (ticked === 1 ? " learner" : " learners") + " selected"
    : "No learners selected";
});
// The header's folded menu (<details class="site-menu">) and its Users dropdown open over the
// page: Escape, a click elsewhere or focus moving elsewhere (Tab past their last link) folds
// them, so they never cover the control that has focus.
const OPEN_MENUS = ".site-menu[open], details.dropdown[open]";
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  const menu = document.activeElement && document.activeElement.closest(OPEN_MENUS);
  if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
});
function foldMenusOutside(target) {
  document.querySelectorAll(OPEN_MENUS).forEach(function (menu) {
    if (!menu.contains(target)) menu.open = false;
  });
}
document.addEventListener("click", function (event) { foldMenusOutside(event.target); });
document.addEventListener("focusin", function (event) { foldMenusOutside(event.target); });
// A form whose own fields say what to act on (a card, a subscription, the item chosen in a
// select): <form data-confirm-submit="dialog-id" data-item="…"> asks in that dialog first;
// its Confirm button then sends the form with confirmed=1. ("{item}" names data-item, or the
// chosen option.) Without this script the server answers the bare form with a confirmation page.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const host = form.closest && form.closest("dialog");
  if (host && host.pendingForm) {
    event.preventDefault();
    const pending = host.pendingForm;
    host.pendingForm = null;
    host.returnFocusTo = null;
    host.close();
    pending.dataset.confirmed = "1";
    // Tells the server the question was asked here (else it asks on a page of its own).
    if (!pending.querySelector('input[name="confirmed"]')) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      field.value = "1";
      pending.appendChild(field);
    }
    if (pending.requestSubmit) pending.requestSubmit(); else pending.submit();
    return;
  }
  const id = form.getAttribute && form.getAttribute("data-confirm-submit");
  if (!id || form.dataset.confirmed) return;
  const dialog = document.getElementById(id);
  if (!dialog || typeof dialog.showModal !== "function") return;
  event.preventDefault();
  const select = form.querySelector("select");
  const item = form.dataset.item || (select && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "");
  dialog.querySelectorAll("[data-confirm-text]").forEach(function (node) {
    node.textContent = node.getAttribute("data-confirm-text").split("{item}").join(item);
  });
  dialog.pendingForm = form;
  dialog.returnFocusTo = event.submitter || form.querySelector("button");
  dialog.showModal();
  const cancel = dialog.querySelector("[data-close-dialog]");
  if (cancel) cancel.focus();
});
document.addEventListener("close", function (event) {
  if (event.target.pendingForm) event.target.pendingForm = null;
}, true);
