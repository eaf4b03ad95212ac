from django import template

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as "2 h 05 min", "4 min" or "0 min"."""
    try:
        seconds = int(seconds or 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
