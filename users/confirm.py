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
