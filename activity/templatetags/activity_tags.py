import unicodedata

from django import template

register = template.Library()

# The emoji an award type may be given, by the SVG drawing that stands for it.
AWARD_SYMBOLS = {
    "⭐": "star",
    "🌟": "star",
    "✨": "star",
    "🏅": "medal",
    "🎖": "medal",
    "🥇": "medal",
    "🥈": "medal",
    "🥉": "medal",
    "🏆": "trophy",
}


@register.filter
def award_symbol(icon):
    """The SVG an award icon is drawn as: "star", "medal", "trophy", "award" for any other
    emoji (no emoji font needed), or "" for text, which is shown as typed."""
    icon = (icon or "").replace("\ufe0f", "").strip()
    if icon in AWARD_SYMBOLS:
        return AWARD_SYMBOLS[icon]
    if any(unicodedata.category(char) == "So" for char in icon):
        return "award"
    return ""
