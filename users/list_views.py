"""Users > Learners and Users > Staff: search, filters (list_filters.py), sort, keyset pages."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import list_filters, search, selectors
from .roles import role_of_row


def learner_list(request):
    """Users > Learners: search, filters (users/list_filters.py), sort, keyset pages."""
    return _user_list(request, scope=list_filters.LEARNERS)


def staff_list(request):
    """Users > Staff: Admins, Customer Service and operators, apart from the learners."""
    return _user_list(request, scope=list_filters.STAFF)


def _user_list(request, *, scope):
    query = request.GET.get("q", "")[:200]
    filters = list_filters.ListFilterForm(request.GET, scope=scope)
    kept = filters.values()
    disabled = kept.get("disabled") == "1"
    sort = selectors.sort_for(query, request.GET.get("sort", ""))
    page = selectors.learner_page(
        query=query,
        disabled=disabled,
        sort=sort,
        cursor=request.GET.get("cursor"),
        conditions=filters.conditions(),
    )
    context = {
        "scope": scope,
        "people": "learners" if scope == list_filters.LEARNERS else "staff members",
        "query": query,
        "disabled": disabled,
        "sort": sort,
        "page": page,
        "rows": page.rows,
        "list_rows": list_rows(page.rows),
        "count_label": _count_label(page.extra.get("count"), scope=scope),
        "filters": filters,
        "kept": kept,
    }
    context.update(_links(filters, kept, query=query, disabled=disabled))
    filtered = bool(context["chosen_filters"])
    context.update(_empty_texts(scope, query=query, disabled=disabled, filtered=filtered))
    return render(request, "users/learner_list.html", context)


def _links(filters, kept, *, query, disabled):
    """The chips of the filters in use and the links that keep the search and filters."""
    search_params = {"q": query} if query else {}
    chosen = [
        {
            "label": label,
            "value": value,
            "remove_url": "?"
            + urlencode({**search_params, **_without(kept, *filters.removing(name))}),
        }
        for name, label, value in filters.chosen()
    ]
    return {
        "chosen_filters": chosen,
        # The search and filters as a query string, for sort links, exports, bulk.
        "list_params": urlencode({**search_params, **kept}),
        "clear_url": "?" + urlencode({**search_params, **({"disabled": "1"} if disabled else {})}),
        "narrowed": bool(query or chosen),
        "active_params": urlencode({**search_params, **_without(kept, "disabled")}),
        "disabled_params": urlencode({**search_params, **kept, "disabled": "1"}),
    }


def _without(values, *names):
    return {key: value for key, value in values.items() if key not in names}


def _empty_texts(scope, *, query, disabled, filtered):
    """What an empty list says, and what to try next."""
    people = "learners" if scope == list_filters.LEARNERS else "staff members"
    state = "disabled" if disabled else "active"
    if query and filtered:
        title = f"No {state} {people} match “{query}” with these filters."
    elif query:
        title = f"No {state} {people} match “{query}”."
    elif filtered:
        title = f"No {state} {people} match these filters."
    else:
        title = f"No {state} {people} here yet." if not disabled else f"No {state} {people}."
    hint = "Check the spelling, search by part of the e-mail or name"
    hint += ", remove a filter" if filtered else ""
    hint += ", or look under View Active." if disabled else ", or look under View Disabled."
    return {"empty_title": title, "empty_hint": hint}


def list_rows(rows):
    """What each row of the list shows, ready for users/_learner_rows.html: the template
    only places and escapes the values (dicts: a template looks a name up as a key first,
    and a miss costs an exception). Times in the current time zone, cut from isoformat()."""
    marker = 987654321
    record_url = reverse("users:record", kwargs={"user_id": marker})
    zone = timezone.get_current_timezone()
    shown = []
    for row in rows:
        name = f"{row.first_name} {row.last_name}".strip()
        joined = row.date_joined.astimezone(zone).isoformat()
        signed_in = row.last_login.astimezone(zone).isoformat() if row.last_login else ""
        shown.append(
            {
                "id": row.id,
                "label": name or row.email,
                "url": record_url.replace(str(marker), str(row.id)),
                "name": name or "(no name)",
                "email": row.email,
                "role": role_of_row(row).label,
                "status": "Active" if row.is_active else "Disabled",
                "signed_in": signed_in,
                "signed_in_text": f"{signed_in[:10]} {signed_in[11:16]}",
                "joined": joined,
                "joined_text": joined[:10],
            }
        )
    return shown


def _count_label(count, *, scope=list_filters.LEARNERS):
    """ "12 learners", or past the cap "1,000+ learners"; None without a search."""
    if count is None:
        return None
    one, many = (
        ("learner", "learners")
        if scope == list_filters.LEARNERS
        else ("staff member", "staff members")
    )
    if count > search.COUNT_CAP:
        return f"{search.COUNT_CAP:,}+ {many}"
    return f"{count:,} {one if count == 1 else many}"
