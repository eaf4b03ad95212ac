"""Money as integers in the currency's minor unit (cents); never a float."""

from decimal import Decimal, InvalidOperation

ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"}
THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}


def exponent(currency):
    """Digits after the decimal point in this currency (2 for most)."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount, currency):
    """A Decimal in major units to an int in minor units; ValueError if it has too many decimals."""
    try:
        scaled = Decimal(amount) * (Decimal(10) ** exponent(currency))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if scaled != scaled.to_integral_value():
        raise ValueError("too many decimals")
    return int(scaled)


def to_major(amount_minor, currency):
    """An int in minor units as the plain number a form field takes: 4900 USD -> '49.00'."""
    places = exponent(currency)
    return f"{Decimal(amount_minor).scaleb(-places):.{places}f}"


def format_money(amount_minor, currency):
    """'49.00 USD'."""
    places = exponent(currency)
    value = Decimal(amount_minor).scaleb(-places)
    return f"{value:,.{places}f} {currency}"
