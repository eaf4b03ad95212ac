"""The Engagement tab's 90-day chart: an SVG's geometry, and the figures its table states."""

# The 90-day chart's geometry, in SVG user units: one 4-unit column a day (a 3-unit bar and a
# gap), room on the left for the count labels and on top for the busiest day's label.
CHART_COLUMN, CHART_LEFT, CHART_TOP, CHART_PLOT, CHART_RIGHT, CHART_BOTTOM = 4, 30, 16, 120, 14, 24
CHART_DATE_EVERY = 15


def _count_ticks(peak):
    """Count-axis values from 0 to a round top at or above `peak`: a step of 1, 2 or 5 times a
    power of ten, at most four steps (peak 9: 0, 5, 10; peak 151: 0, 50, ..., 200)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if -(-peak // (step * factor)) <= 4:
                step *= factor
                return list(range(0, -(-peak // step) * step + 1, step))
        step *= 10


def _date_ticks(count):
    """(day index, text-anchor, minor) for the date axis: every 15th day from the first, and
    the last day (today) unless it would crowd the tick before it. Minor ticks (every other
    one) give way on a phone, where the chart is narrow."""
    ticks = [
        (index, "middle", bool(n % 2)) for n, index in enumerate(range(0, count, CHART_DATE_EVERY))
    ]
    if ticks:
        ticks[0] = (0, "start", False)
        if count - 1 - ticks[-1][0] >= CHART_DATE_EVERY * 2 // 3:
            ticks.append((count - 1, "end", False))
    return ticks


def chart(days):
    """The 90-day chart and its table, from one list of DayCount: a bar per day with a count,
    count gridlines on round values, a date tick every 15 days, and the figures its summary and
    table state (total, active days, busiest day, last active day)."""
    active = [day for day in days if day.count]
    peak = max((day.count for day in active), default=0)
    ticks = _count_ticks(peak) if active else [0]
    top = ticks[-1] or 1
    baseline = CHART_TOP + CHART_PLOT

    def y_of(count):
        return baseline - round(count / top * CHART_PLOT)

    def x_of(index):
        return CHART_LEFT + 1 + index * CHART_COLUMN  # 1: clear of the count axis

    bars = [
        {
            "x": x_of(index),
            "y": y_of(day.count),
            "height": baseline - y_of(day.count),
            "day": day.day,
            "count": day.count,
        }
        for index, day in enumerate(days)
    ]
    shown = [bar for bar in bars if bar["count"]]
    busiest = next((bar for bar in shown if bar["count"] == peak), None)
    right = x_of(len(days))
    return {
        "bars": shown,
        "busiest": busiest,
        "busiest_ties": sum(1 for bar in shown if bar["count"] == peak) - 1,
        "last_active": shown[-1]["day"] if shown else None,
        "total": sum(day.count for day in days),
        "active_days": len(shown),
        "quiet_days": len(days) - len(shown),
        "days": len(days),
        "first": days[0].day if days else None,
        "last": days[-1].day if days else None,
        "left": CHART_LEFT,
        "right": right,
        "top": CHART_TOP,
        "baseline": baseline,
        "width": right + CHART_RIGHT,
        "height": baseline + CHART_BOTTOM,
        "bar_width": CHART_COLUMN - 1,
        "y_ticks": [{"value": value, "y": y_of(value)} for value in ticks],
        "x_ticks": [
            {
                "x": x_of(index) + CHART_COLUMN // 2,
                "day": days[index].day,
                "anchor": anchor,
                "minor": minor,
            }
            for index, anchor, minor in _date_ticks(len(days))
        ],
    }
