from django import template
from django.template.defaultfilters import date

from ..money import format_money, to_major

register = template.Library()


@register.filter
def money(amount_minor, currency):
    """{{ amount_minor|money:currency }} -> '49.00 USD'."""
    if amount_minor is None:
        return ""
    return format_money(amount_minor, currency)


@register.filter
def major(amount_minor, currency):
    """{{ amount_minor|major:currency }} -> '49.00', the value an amount field takes."""
    return to_major(amount_minor, currency)


@register.filter
def charge_name(txn):
    """'49.00 USD of 7 Dec 2026 09:30': which charge a row's button acts on, for screen readers."""
    return f"{txn.amount_display} of {date(txn.created_at, 'j M Y H:i')}"
