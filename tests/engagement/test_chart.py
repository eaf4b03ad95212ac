"""The Engagement tab's 90-day chart: its numbers as a table, its summary, its axes, its empty state."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tests.engagement.factories import ContentActionFactory, ContentFactory
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


def url(user):
    return f"/manage/users/{user.pk}/engagement/"


class ChartParts(HTMLParser):
    """What a reader gets from the chart: the bars' tooltips, the axis labels, the value labels,
    and the rows of the table under "Show the values as a table"."""

    def __init__(self):
        super().__init__()
        self.bars, self.ticks, self.values, self.rows, self.total = [], [], [], [], None
        self.stack, self.text, self.row, self.in_table, self.in_footer = [], "", None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs.get("class", "")))
        if tag == "details" and "chart-values" in attrs.get("class", ""):
            self.in_table = True
        if self.in_table and tag == "tfoot":
            self.in_footer = True
        if self.in_table and tag == "tr":
            self.row = []
        if tag in ("th", "td", "title", "text"):
            self.text = ""
        if self.in_table and tag == "time" and self.row is not None:
            self.row.append(attrs["datetime"])

    def handle_endtag(self, tag):
        opened, css = self.stack.pop()
        parent = self.stack[-1] if self.stack else ("", "")
        text = " ".join(self.text.split())
        if tag == "title" and parent[0] == "rect":
            self.bars.append(text)
        elif tag == "text" and css == "tick":
            self.ticks.append(text)
        elif tag == "text" and css == "value":
            self.values.append(text)
        elif self.in_table and tag in ("th", "td") and self.row is not None:
            self.row.append(text)
        elif self.in_table and tag == "tr":
            if self.in_footer:
                self.total = self.row
            elif self.row and self.row[0] != "Date":
                self.rows.append(self.row)
            self.row = None
        elif tag == "details":
            self.in_table = False

    def handle_data(self, data):
        self.text += data


def parts(page):
    parser = ChartParts()
    parser.feed(page)
    return parser


def actions(learner, per_day_ago):
    content = ContentFactory()
    now = timezone.now()
    for days_ago, count in per_day_ago.items():
        for _ in range(count):
            ContentActionFactory(
                learner=learner, content=content, occurred_at=now - timedelta(days=days_ago)
            )


def day(days_ago):
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def text_of(page):
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


def test_the_table_shows_each_days_count_as_the_bars_do(admin_client, learner):
    actions(learner, {0: 2, 3: 1, 10: 5, 100: 4})  # 100 days ago: outside the chart
    ContentActionFactory(  # done while impersonating: left out of both
        learner=learner, real_actor=AdminFactory(), occurred_at=timezone.now() - timedelta(days=1)
    )
    page = admin_client.get(url(learner)).content.decode()
    chart = parts(page)
    assert chart.bars == [f"{day(10)}: 5", f"{day(3)}: 1", f"{day(0)}: 2"]
    # Each row: the date as <time datetime>, the date as read, the weekday, the count.
    assert [(row[0], row[1], row[3]) for row in chart.rows] == [
        (day(10), day(10), "5"),
        (day(3), day(3), "1"),
        (day(0), day(0), "2"),
    ]
    assert [f"{row[0]}: {row[3]}" for row in chart.rows] == chart.bars
    assert chart.total == ["Total, 90 days", "8"]
    assert "the 3 days with activity (none on the other 87)" in text_of(page)
    assert "Show the values as a table" in page


def test_the_summary_names_the_total_the_busiest_and_the_last_active_day(admin_client, learner):
    actions(learner, {2: 1, 5: 4, 40: 3})
    page = admin_client.get(url(learner)).content.decode()
    summary = text_of(re.search(r'id="activity-chart-summary">(.*?)</p>', page).group(1))
    assert summary == (
        f"8 actions on 3 of the last 90 days. Busiest day: {day(5)} with 4 actions. "
        f"Last active: {day(2)}."
    )
    # The chart's accessible name is its title followed by that summary.
    assert 'aria-labelledby="activity-chart-title activity-chart-summary"' in page
    assert f"Actions per day from {day(89)} to {day(0)}." in page
    # The busiest day's bar carries its number.
    assert parts(page).values == ["4"]


def test_a_tie_for_the_busiest_day_is_said(admin_client, learner):
    actions(learner, {1: 3, 6: 3, 8: 1})
    page = text_of(admin_client.get(url(learner)).content.decode())
    assert f"Busiest day: {day(6)} with 3 actions (as many on 1 other day)." in page


def test_the_count_axis_is_labelled_on_round_values_and_the_date_axis_with_dates(
    admin_client, learner
):
    actions(learner, {0: 7, 20: 1})
    chart = parts(admin_client.get(url(learner)).content.decode())
    first = timezone.localdate() - timedelta(days=89)
    dates = [f"{first + timedelta(days=n):%b} {(first + timedelta(days=n)).day}" for n in (0, 89)]
    assert chart.ticks[:5] == ["0", "2", "4", "6", "8"]
    assert chart.ticks[5] == dates[0] and chart.ticks[-1] == dates[1]
    assert len(chart.ticks) == 5 + 7  # every 15th day from the first, and today


def test_no_activity_in_90_days_says_so_instead_of_an_empty_chart(admin_client, learner):
    actions(learner, {95: 3})
    page = admin_client.get(url(learner)).content.decode()
    assert "No activity in the last 90 days." in page
    assert 'class="activity-chart"' not in page and '<svg role="img"' not in page
    assert "Show the values as a table" not in page
