"""Roles are Django groups: Admin, Customer Service; a learner has no group."""

from django.apps import apps as global_apps
from django.db import models

OUR_APPS = ("users", "access", "activity", "engagement", "payments", "transcripts")


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    CUSTOMER_SERVICE = "customer_service", "Customer Service"
    ADMIN = "admin", "Admin"


GROUP_NAMES = {Role.CUSTOMER_SERVICE: "Customer Service", Role.ADMIN: "Admin"}
RANK = {Role.LEARNER: 0, Role.CUSTOMER_SERVICE: 1, Role.ADMIN: 2}
SUPERUSER_RANK = 3


def role_annotations():
    """Annotations telling, in the row's own query, which role groups a user is in."""
    membership = global_apps.get_model("users", "User").groups.through.objects
    return {
        f"in_{role.value}_group": models.Exists(
            membership.filter(user_id=models.OuterRef("pk"), group__name=name)
        )
        for role, name in GROUP_NAMES.items()
    }


def role_of_row(row):
    """The highest role of a row fetched with `role_annotations()`."""
    return _highest(
        {name for role, name in GROUP_NAMES.items() if getattr(row, f"in_{role.value}_group")}
    )


def role_of(user):
    """The highest role a user holds, read from groups (prefetch `groups` on lists)."""
    names = getattr(user, "_role_group_names", None)
    if names is None:
        names = {group.name for group in user.groups.all()}
        user._role_group_names = names
    return _highest(names)


def _highest(group_names):
    if GROUP_NAMES[Role.ADMIN] in group_names:
        return Role.ADMIN
    if GROUP_NAMES[Role.CUSTOMER_SERVICE] in group_names:
        return Role.CUSTOMER_SERVICE
    return Role.LEARNER


def rank_of(user):
    if user.is_superuser:
        return SUPERUSER_RANK
    return RANK[role_of(user)]


def customer_service_codenames():
    """Every app's declared Customer Service permissions, as (app_label, codename)."""
    wanted = []
    for config in global_apps.get_app_configs():
        for name in getattr(config, "customer_service_permissions", ()):
            app_label, codename = name.split(".", 1)
            wanted.append((app_label, codename))
    return wanted


def sync_role_permissions(apps=global_apps):
    """Create the role groups and give them their permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.ADMIN])
    support, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.CUSTOMER_SERVICE])
    admin.permissions.set(Permission.objects.filter(content_type__app_label__in=OUR_APPS))
    query = models.Q(pk__in=[])
    for app_label, codename in customer_service_codenames():
        query |= models.Q(content_type__app_label=app_label, codename=codename)
    support.permissions.set(Permission.objects.filter(query))


def sync_after_migrate(sender, using="default", apps=global_apps, **kwargs):
    sync_role_permissions()
