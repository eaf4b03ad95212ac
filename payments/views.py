"""The Payments tab: card on file, subscriptions and purchases, transactions, refunds."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from users import confirm
from users.record import record_context
from users.rules import require_can_edit

from . import selectors, services
from .forms import CancelSubscriptionForm, CardForm, RefundForm
from .gateways import PaymentError
from .models import Card, Subscription
from .money import to_major

TAB = "Payments"

# What each confirmation says: the tab's dialogs name "{item}" per row, the no-JavaScript pages
# the one item.
REMOVE_CARD = {
    "title": "Remove {item}?",
    "consequence": "The card is deleted from the payment service; renewals and purchases need "
    "another card on file.",
}
CANCEL_SUBSCRIPTION = {
    "title": "Cancel {item} now?",
    "consequence": "The subscription ends at once and the learner loses the content it opened.",
}
REFUND = {
    "title": "Refund the {item} charge?",
    "consequence": "The amount goes back to the learner's card through the payment service; a "
    "refund cannot be taken back.",
}


def _error_messages(error):
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


@sensitive_post_parameters("number", "cvc")
@require_http_methods(["GET", "POST"])
@sensitive_variables()
def tab(request, user_id):
    """GET: the tab. POST: add a card (the number goes to the gateway, never back to the page)."""
    subject, context = record_context(user_id, active_tab=TAB)
    card_form = CardForm()
    if request.method == "POST":
        card_form = CardForm(request.POST)
        if card_form.is_valid() and _card_added(request, subject, card_form):
            return redirect("payments:tab", user_id=subject.pk)
    context.update(_tab_context(request, subject), card_form=card_form)
    status = 400 if card_form.is_bound else 200
    return render(request, "payments/tab.html", context, status=status)


def _card_added(request, subject, card_form):
    """Add the card the form holds; False with the gateway's refusal next to its field."""
    data = card_form.cleaned_data
    try:
        card = services.card_add(
            user=subject,
            number=data["number"],
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            cvc=data["cvc"],
            name=data["name"],
            actor=request.user,
        )
    except PaymentError as error:
        card_form.add_error(error.field, error.message)
        return False
    messages.success(request, f"Card added: {card}.")
    return True


def _tab_context(request, subject):
    current, past = selectors.subscriptions(subject)
    purchases = selectors.purchase_page(subject, cursor=request.GET.get("purchases_cursor"))
    return {
        "cards": selectors.cards_on_file(subject),
        "current_subscriptions": current,
        "past_subscriptions": past,
        "purchases": purchases.rows,
        "purchases_page": purchases,
        "page": selectors.transaction_page(subject, cursor=request.GET.get("cursor")),
        "totals": selectors.totals(subject),
        "can_refund": request.user.has_perm("payments.refund_transaction"),
        "can_edit_cards": request.user.has_perm("payments.change_card"),
        "remove_card_confirm": REMOVE_CARD,
        "cancel_subscription_confirm": CANCEL_SUBSCRIPTION,
        "refund_confirm": REFUND,
        "refund_dialog_form": RefundForm(charge=None),
    }


@require_POST
def card_make_default(request, user_id, card_id):
    card = get_object_or_404(Card, pk=card_id, learner_id=user_id)
    was_default = card.is_default
    card = services.card_make_default(card=card, actor=request.user)
    if was_default:
        messages.info(request, f"{card} is already the default card. Nothing changed.")
    else:
        messages.success(request, f"{card} is now the default card.")
    return redirect("payments:tab", user_id=user_id)


def _tab_url(user_id):
    return reverse("payments:tab", kwargs={"user_id": user_id})


def _ask(request, subject, *, texts, item, action, confirm_label, form=None):
    """The question of a dialog as a page, for a form sent from a browser without JavaScript."""
    _, context = record_context(subject.pk, active_tab=TAB)
    return confirm.page(
        request,
        context,
        texts=confirm.item_texts(texts, item),
        action=action,
        cancel_url=_tab_url(subject.pk),
        confirm_label=confirm_label,
        form=form,
        danger=True,
    )


@require_POST
def card_remove(request, user_id, card_id):
    card = get_object_or_404(Card.objects.select_related("learner"), pk=card_id, learner_id=user_id)
    if not confirm.is_confirmed(request):
        require_can_edit(actor=request.user, target=card.learner, permission="payments.delete_card")
        return _ask(
            request,
            card.learner,
            texts=REMOVE_CARD,
            item=str(card),
            action=request.path,
            confirm_label="Remove card",
        )
    services.card_remove(card=card, actor=request.user)
    messages.success(request, f"{card} removed.")
    return redirect("payments:tab", user_id=user_id)


@require_POST
def subscription_cancel(request, user_id, subscription_id):
    subscription = get_object_or_404(
        Subscription.objects.select_related("learner", "plan"),
        pk=subscription_id,
        learner_id=user_id,
    )
    form = CancelSubscriptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("payments:tab", user_id=user_id)
    if not subscription.is_current:
        messages.info(
            request,
            f"{subscription.plan} had already ended ({subscription.get_status_display()}). "
            "Nothing changed.",
        )
        return redirect("payments:tab", user_id=user_id)
    if not confirm.is_confirmed(request):
        require_can_edit(
            actor=request.user,
            target=subscription.learner,
            permission="payments.change_subscription",
        )
        return _ask(
            request,
            subscription.learner,
            texts=CANCEL_SUBSCRIPTION,
            item=str(subscription.plan),
            action=request.path,
            confirm_label="Cancel subscription",
            form=form,
        )
    subscription = services.subscription_cancel(
        subscription=subscription, actor=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, f"{subscription.plan} cancelled; its access has ended.")
    return redirect("payments:tab", user_id=user_id)


@require_http_methods(["GET", "POST"])
def refund(request, user_id, transaction_id):
    """A refund of part or all of one charge, with a reason and a confirmation."""
    subject, context = record_context(user_id, active_tab=TAB)
    charge = selectors.refundable_charge(subject.pk, transaction_id)
    if charge is None:
        raise Http404("No such charge for this learner.")
    if request.method == "POST":
        form = RefundForm(request.POST, charge=charge)
        if form.is_valid():
            try:
                services.transaction_refund(
                    transaction=charge,
                    amount_minor=form.cleaned_data["amount_minor"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                )
            except ValidationError as error:
                field = "reason" if "reason" in getattr(error, "message_dict", {}) else "amount"
                for message in _error_messages(error):
                    form.add_error(field, message)
            except PaymentError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Refund sent to the learner's card.")
                return redirect("payments:tab", user_id=subject.pk)
    else:
        initial = {
            "amount": to_major(charge.refundable_minor, charge.currency),
            "idempotency_key": str(uuid.uuid4()),
        }
        form = RefundForm(charge=charge, initial=initial)
    texts = confirm.item_texts(REFUND, charge.amount_display)
    context.update({"charge": charge, "form": form, **texts})
    return render(request, "payments/refund.html", context, status=400 if form.is_bound else 200)
