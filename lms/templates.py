"""A template backend that refuses database queries while a template renders.

Pages get their data from selectors with a fixed number of queries; a template that
follows a relation or calls `.all` would add a query per row. With
`TEMPLATE_QUERIES_FORBIDDEN` on (development and tests), such a template fails loudly,
naming the query. Production leaves it off: a slow page beats a broken one.
"""

from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.template.backends.django import DjangoTemplates, Template


class TemplateQueryError(RuntimeError):
    pass


def _refuse(execute, sql, params, many, context):
    raise TemplateQueryError(
        f"A template tried to query the database (load it in the view's selector): {sql[:300]}"
    )


class QueryFreeTemplate(Template):
    """Django's backend template, rendering with queries refused.

    Its `template` is the engine's template, as in Django's own backend: django-cotton
    unwraps what `get_template` returns that way to render a component inside the page.
    """

    def render(self, context=None, request=None):
        if not (getattr(settings, "TEMPLATE_QUERIES_FORBIDDEN", False) and self._ours()):
            return super().render(context, request)
        with ExitStack() as stack:
            for connection in connections.all(initialized_only=True):
                stack.enter_context(connection.execute_wrapper(_refuse))
            return super().render(context, request)

    def _ours(self):
        """Only our own templates: Django admin's may query (it is not ours to shape)."""
        name = str(getattr(self.origin, "name", "") or "")
        return name.startswith(str(settings.BASE_DIR)) and "site-packages" not in name


class QueryFreeDjangoTemplates(DjangoTemplates):
    def from_string(self, template_code):
        return QueryFreeTemplate(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return QueryFreeTemplate(super().get_template(template_name).template, self)
