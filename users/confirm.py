"""What each confirmation of the user record says (the dialog and its no-JavaScript page).

Plain words only: templates/components/confirm_dialog.html and confirm_page.html place them.
"""

from django.shortcuts import render
from django.urls import reverse


def disable(subject):
    return {
        "title": f"Disable {subject.email}?",
        "consequence": "They are signed out everywhere at once and cannot sign in until an admin "
        "enables them again. Their record, access and history are kept.",
    }


def enable(subject):
    return {
        "title": f"Enable {subject.email}?",
        "consequence": "They can sign in again with their password, and see the content their "
        "access still opens.",
    }


def impersonate(subject, *, notify):
    told = " The learner is told by e-mail." if notify else ""
    return {
        "title": f"Impersonate {subject.full_name or subject.email}?",
        "consequence": "You will be signed in as this learner and see what they see; your admin "
        "session is set aside until you press Stop (or the time limit ends it). Everything you "
        f"change is recorded under your name.{told}",
    }


def erasure_cancel():
    return {
        "title": "Cancel the scheduled erasure?",
        "consequence": "The learner's personal data is kept and the erasure will not happen; it "
        "can be scheduled again.",
    }


# A form that asks in a dialog first (data-confirm-submit) sends this field once confirmed; a
# POST without it, from a browser without JavaScript, gets the confirmation as a page instead.
CONFIRMED = "confirmed"


def is_confirmed(request):
    return request.POST.get(CONFIRMED) == "1"


def item_texts(texts, item):
    """A dialog's texts, which name "{item}" for each row, made concrete for one item's page."""
    return {key: text.replace("{item}", item) for key, text in texts.items()}


def page(request, context, *, texts, action, cancel_url, confirm_label, form=None, danger=False):
    """The confirmation as a page of the record, for browsers without JavaScript."""
    context.update(
        texts,
        action=action,
        cancel_url=cancel_url,
        confirm_label=confirm_label,
        form=form,
        danger=danger,
    )
    return render(request, "components/confirm_page.html", context)


def details_url(subject):
    return reverse("users:details", kwargs={"user_id": subject.pk})
