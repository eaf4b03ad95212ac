from django import template

from ..money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency):
    """{{ amount_minor|money:currency }} -> '49.00 USD'."""
    if amount_minor is None:
        return ""
    return format_money(amount_minor, currency)
